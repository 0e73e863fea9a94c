// Quantization ops compiled for the CPU and run (reference lowering):
// rounding modes, unsigned formats with negative inputs, static scales,
// two-level dynamic scales that clamp, per-channel scales, batch_matmul and
// a re-quantized result. Expected values are hand-computed from SPEC.md.
// RUN: vsq-opt %s --vsquant-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s

func.func private @printMemrefF32(tensor<*xf32>)

func.func @print(%t: tensor<1x4xf32>) {
  %u = tensor.cast %t : tensor<1x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

func.func @main() {
  // Static scale 1 per tensor: x / 1 rounds half to even (2.5 -> 2,
  // -3.5 -> -4) or half away from zero (2.5 -> 3, -3.5 -> -4); si4 clamps
  // 9 to 7.
  %x = arith.constant dense<[[2.5, -3.5, 0.5, 9.0]]> : tensor<1x4xf32>
  %one = arith.constant dense<1.0> : tensor<f32>
  // CHECK: [2,   -4,   0,   7]
  %q1 = vsquant.quantize %x scales(%one : tensor<f32>) : tensor<1x4xf32> -> !vsquant.tensor<1x4, #vsquant.format<si4, per_tensor, scale = f32>>
  %d1 = vsquant.dequantize %q1 : !vsquant.tensor<1x4, #vsquant.format<si4, per_tensor, scale = f32>> -> tensor<1x4xf32>
  call @print(%d1) : (tensor<1x4xf32>) -> ()
  // CHECK: [3,   -4,   1,   7]
  %q2 = vsquant.quantize %x scales(%one : tensor<f32>) : tensor<1x4xf32> -> !vsquant.tensor<1x4, #vsquant.format<si4, per_tensor, scale = f32, round = rna>>
  %d2 = vsquant.dequantize %q2 : !vsquant.tensor<1x4, #vsquant.format<si4, per_tensor, scale = f32, round = rna>> -> tensor<1x4xf32>
  call @print(%d2) : (tensor<1x4xf32>) -> ()

  // ui8 per tensor, dynamic: s = 9 / 255; negatives clamp to 0, 9 -> 255
  // (dequantized 255 * s = 9 up to one fp32 rounding).
  // CHECK: [2.5{{[0-9]*}},   0,   0.4{{[0-9]*}},   9]
  %q3 = vsquant.dynamic_quantize %x : tensor<1x4xf32> -> !vsquant.tensor<1x4, #vsquant.format<ui8, per_tensor, scale = f32>>
  %d3 = vsquant.dequantize %q3 : !vsquant.tensor<1x4, #vsquant.format<ui8, per_tensor, scale = f32>> -> tensor<1x4xf32>
  call @print(%d3) : (tensor<1x4xf32>) -> ()

  // Two-level dynamic with a calibrated gamma below what this input needs:
  // vectors of 2: [1, -2] (s = 2/7), [8, 4] (s = 8/7); ui1 scales with
  // gamma = 1/7 cover s up to T = 1/7. sq = ceil(s / gamma) clamps to 1, so
  // S = 1/7 for both and q saturates at +-7: xhat = +-1 (SPEC.md section 4:
  // "sq then clamps to 2^M - 1 where s_v > T").
  // CHECK: [1,   -1,   1,   1]
  %y = arith.constant dense<[[1.0, -2.0, 8.0, 4.0]]> : tensor<1x4xf32>
  %g = arith.constant dense<0.142857149> : tensor<f32>
  %q4 = vsquant.dynamic_quantize %y coarse(%g : tensor<f32>) : tensor<1x4xf32> -> !vsquant.tensor<1x4, #vsquant.format<si4, per_vector(axis = 1, size = 2), scale = ui1>>
  %d4 = vsquant.dequantize %q4 : !vsquant.tensor<1x4, #vsquant.format<si4, per_vector(axis = 1, size = 2), scale = ui1>> -> tensor<1x4xf32>
  call @print(%d4) : (tensor<1x4xf32>) -> ()

  // batch_matmul with per-channel weights: A_0 = [[127, -127]] (s = 1),
  // A_1 = [[254, 0]] (s = 2); W_b = [[1, 2], [3, 4]], column scales [1, 0.5].
  // Y_0 = [127*1 - 127*3, (127*2 - 127*4) * 0.5] = [-254, -127];
  // Y_1 = [2 * 127 * 1, 2 * 127 * 2 * 0.5] = [254, 254].
  // CHECK: [-254,   -127,   254,   254]
  %a = arith.constant dense<[[[127.0, -127.0]], [[254.0, 0.0]]]> : tensor<2x1x2xf32>
  %aq = vsquant.dynamic_quantize %a : tensor<2x1x2xf32> -> !vsquant.tensor<2x1x2, #vsquant.format<si8, per_vector(axis = 2, size = 2), scale = f32>>
  %w = vsquant.constant values(dense<[[[1, 2], [3, 4]], [[1, 2], [3, 4]]]> : tensor<2x2x2xi8>)
      scales(dense<[1.0, 0.5]> : tensor<2xf32>) : !vsquant.tensor<2x2x2, #vsquant.format<si8, per_channel(axis = 2), scale = f32>>
  %bm = vsquant.batch_matmul %aq, %w : !vsquant.tensor<2x1x2, #vsquant.format<si8, per_vector(axis = 2, size = 2), scale = f32>>,
      !vsquant.tensor<2x2x2, #vsquant.format<si8, per_channel(axis = 2), scale = f32>> -> tensor<2x1x2xf32>
  %bmr = tensor.collapse_shape %bm [[0, 1], [2]] : tensor<2x1x2xf32> into tensor<2x2xf32>
  %bmf = tensor.collapse_shape %bmr [[0, 1]] : tensor<2x2xf32> into tensor<4xf32>
  %bm4 = tensor.expand_shape %bmf [[0, 1]] output_shape [1, 4] : tensor<4xf32> into tensor<1x4xf32>
  call @print(%bm4) : (tensor<1x4xf32>) -> ()

  // A re-quantized result: Y = [[-254, -127]] -> si8 per tensor, s = 2:
  // q = [-127, -63.5 -> -64 (even)] -> [-254, -128].
  // CHECK: [-254,   -128,   -254,   -128]
  %a0 = arith.constant dense<[[127.0, -127.0]]> : tensor<1x2xf32>
  %a0q = vsquant.dynamic_quantize %a0 : tensor<1x2xf32> -> !vsquant.tensor<1x2, #vsquant.format<si8, per_vector(axis = 1, size = 2), scale = f32>>
  %w0 = vsquant.constant values(dense<[[1, 2], [3, 4]]> : tensor<2x2xi8>)
      scales(dense<[1.0, 0.5]> : tensor<2xf32>) : !vsquant.tensor<2x2, #vsquant.format<si8, per_channel(axis = 1), scale = f32>>
  %rq = vsquant.matmul %a0q, %w0 : !vsquant.tensor<1x2, #vsquant.format<si8, per_vector(axis = 1, size = 2), scale = f32>>,
      !vsquant.tensor<2x2, #vsquant.format<si8, per_channel(axis = 1), scale = f32>> -> !vsquant.tensor<1x2, #vsquant.format<si8, per_tensor, scale = f32>>
  %rd = vsquant.dequantize %rq : !vsquant.tensor<1x2, #vsquant.format<si8, per_tensor, scale = f32>> -> tensor<1x2xf32>
  %rr = tensor.concat dim(1) %rd, %rd : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x4xf32>
  call @print(%rr) : (tensor<1x4xf32>) -> ()
  return
}
