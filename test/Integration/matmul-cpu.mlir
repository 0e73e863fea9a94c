// vsquant.matmul and batch_matmul compiled for the CPU and run: fp32 and
// two-level scales, a tail vector (K = 5, V = 4), si8 x si4, weights known at
// compile time and computed at run time. All scales are powers of two, so
// every expected value is exact (hand-computed below). The same numbers from
// the reference lowering, the tiled kernels for AVX-512 VNNI (also on two
// threads) and for AVX2.
// RUN: vsq-opt %s --vsquant-cpu-pipeline="kernels=reference" | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s
// RUN: %if cpu-avx512vnni %{ vsq-opt %s --vsquant-cpu-pipeline="target=avx512vnni" | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s %}
// Two threads: the tiles become an OpenMP parallel loop (LLVM's libomp).
// RUN: %if cpu-avx512vnni %{ vsq-opt %s --vsquant-cpu-pipeline="target=avx512vnni num-threads=2 min-macs-per-thread=0" | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils,%openmp_runtime | FileCheck %s %}
// RUN: %if cpu-avx2 %{ vsq-opt %s --vsquant-cpu-pipeline="target=avx2" | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s %}

#a_f32 = #vsquant.format<si8, per_vector(axis = 1, size = 4), scale = f32>
#w_f32 = #vsquant.format<si4, per_vector(axis = 0, size = 4), scale = f32>
#a_ui4 = #vsquant.format<si8, per_vector(axis = 1, size = 4), scale = ui4>
#w_ui4 = #vsquant.format<si4, per_vector(axis = 0, size = 4), scale = ui4, coarse = per_channel(axis = 1)>
#ba_f32 = #vsquant.format<si8, per_vector(axis = 2, size = 4), scale = f32>
#bb_f32 = #vsquant.format<si8, per_vector(axis = 1, size = 4), scale = f32>

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  // Rows: vectors [127, 0, -127, 1 | 127] (s = 1) and [254, 2, 0, -254 |
  // -254] (s = 2, q = [127, 1, 0, -127 | -127]).
  %a = arith.constant dense<[[127.0, 0.0, -127.0, 1.0, 127.0], [254.0, 2.0, 0.0, -254.0, -254.0]]> : tensor<2x5xf32>

  // Round trip: dequantize(dynamic_quantize(a)) == a here.
  // CHECK: [127,   0,   -127,   1,   127]
  // CHECK: [254,   2,   0,   -254,   -254]
  %aq = vsquant.dynamic_quantize %a : tensor<2x5xf32> -> !vsquant.tensor<2x5, #a_f32>
  %ad = vsquant.dequantize %aq : !vsquant.tensor<2x5, #a_f32> -> tensor<2x5xf32>
  %ad_u = tensor.cast %ad : tensor<2x5xf32> to tensor<*xf32>
  call @printMemrefF32(%ad_u) : (tensor<*xf32>) -> ()

  // Weight scales per (vector j, column n): j0 [0.5, 0.25, 1], j1 [2, 0.5, 0.125].
  // dot(row 0, j0) = [256, 247, -889], dot(row 0, j1) = [635, 127, -254]:
  // Y[0] = [0.5*256 + 2*635, 0.25*247 + 0.5*127, -889 - 0.125*254]
  //      = [1398, 125.25, -920.75];
  // dot(row 1, j0) = [-127, 1150, -380], dot(row 1, j1) = [-635, -127, 254]
  // with s_A = 2: Y[1] = [-2667, 448, -696.5].
  // CHECK: [1398,   125.25,   -920.75]
  // CHECK: [-2667,   448,   -696.5]
  %w = vsquant.constant
      values(dense<[[1, 2, -3], [0, 7, 1], [-1, 0, 4], [2, -7, 0], [5, 1, -2]]> : tensor<5x3xi8>)
      scales(dense<[[0.5, 0.25, 1.0], [2.0, 0.5, 0.125]]> : tensor<2x3xf32>) : !vsquant.tensor<5x3, #w_f32>
  %y = vsquant.matmul %aq, %w : !vsquant.tensor<2x5, #a_f32>, !vsquant.tensor<5x3, #w_f32> -> tensor<2x3xf32>
  %y_u = tensor.cast %y : tensor<2x3xf32> to tensor<*xf32>
  call @printMemrefF32(%y_u) : (tensor<*xf32>) -> ()

  // Two-level: gamma_A = 0.25 gives sq_A = 4 (row 0) and 8 (row 1); the
  // weight's sq x gamma reproduce the scales above. acc = sum_j sqA sqB dot_j
  // exactly, Y = f32(acc) * gamma_A * gamma_B[n]: the same numbers.
  // CHECK: [1398,   125.25,   -920.75]
  // CHECK: [-2667,   448,   -696.5]
  %ga = arith.constant dense<0.25> : tensor<f32>
  %a2 = vsquant.dynamic_quantize %a coarse(%ga : tensor<f32>) : tensor<2x5xf32> -> !vsquant.tensor<2x5, #a_ui4>
  %w2 = vsquant.constant
      values(dense<[[1, 2, -3], [0, 7, 1], [-1, 0, 4], [2, -7, 0], [5, 1, -2]]> : tensor<5x3xi8>)
      scales(dense<[[1, 1, 8], [4, 2, 1]]> : tensor<2x3xi8>)
      coarse(dense<[0.5, 0.25, 0.125]> : tensor<3xf32>) : !vsquant.tensor<5x3, #w_ui4>
  %y2 = vsquant.matmul %a2, %w2 : !vsquant.tensor<2x5, #a_ui4>, !vsquant.tensor<5x3, #w_ui4> -> tensor<2x3xf32>
  %y2_u = tensor.cast %y2 : tensor<2x3xf32> to tensor<*xf32>
  call @printMemrefF32(%y2_u) : (tensor<*xf32>) -> ()

  // Bias and relu: Y + [1, 2, 3], then max(., 0).
  // CHECK: [1399,   127.25,   0]
  // CHECK: [0,   450,   0]
  %bias = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %y3 = vsquant.matmul %aq, %w bias(%bias : tensor<3xf32>) relu : !vsquant.tensor<2x5, #a_f32>, !vsquant.tensor<5x3, #w_f32> -> tensor<2x3xf32>
  %y3_u = tensor.cast %y3 : tensor<2x3xf32> to tensor<*xf32>
  call @printMemrefF32(%y3_u) : (tensor<*xf32>) -> ()

  // batch_matmul of two activations (B computed at run time, packed by the
  // generated code), both dynamic si8 per vector of 4 along K = 5.
  // Batch 0: A = [127, 0, -127, 1 | 127] (s = 1); B columns
  // [127, 1, 0, -127 | 127] (s = 1, 1) and [254, 0, 2, 0 | -254] (s = 2, 2;
  // q = [127, 0, 1, 0 | -127]): Y = [16002 + 16129, 2 * 16002 - 2 * 16129]
  // = [32131, -254]. Batch 1: A = [254, 2, 0, -254 | -254] (s = 2,
  // q = [127, 1, 0, -127 | -127]); B columns [0, 127, 0, 0 | 127] and
  // [-127, 0, 0, 127 | 0] (s = 1; the all-zero vector has s = 0):
  // Y = [2 * 127 - 2 * 16129, 2 * (-32258)] = [-32004, -64516].
  // CHECK: [32131,   -254]
  // CHECK: [-32004,   -64516]
  %ba = arith.constant dense<[[[127.0, 0.0, -127.0, 1.0, 127.0]], [[254.0, 2.0, 0.0, -254.0, -254.0]]]> : tensor<2x1x5xf32>
  %bb = arith.constant dense<[[[127.0, 254.0], [1.0, 0.0], [0.0, 2.0], [-127.0, 0.0], [127.0, -254.0]],
                              [[0.0, -127.0], [127.0, 0.0], [0.0, 0.0], [0.0, 127.0], [127.0, 0.0]]]> : tensor<2x5x2xf32>
  %baq = vsquant.dynamic_quantize %ba : tensor<2x1x5xf32> -> !vsquant.tensor<2x1x5, #ba_f32>
  %bbq = vsquant.dynamic_quantize %bb : tensor<2x5x2xf32> -> !vsquant.tensor<2x5x2, #bb_f32>
  %by = vsquant.batch_matmul %baq, %bbq : !vsquant.tensor<2x1x5, #ba_f32>, !vsquant.tensor<2x5x2, #bb_f32> -> tensor<2x1x2xf32>
  %by2 = tensor.collapse_shape %by [[0, 1], [2]] : tensor<2x1x2xf32> into tensor<2x2xf32>
  %by_u = tensor.cast %by2 : tensor<2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%by_u) : (tensor<*xf32>) -> ()
  return
}
