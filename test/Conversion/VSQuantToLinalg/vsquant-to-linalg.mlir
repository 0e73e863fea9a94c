// RUN: vsq-opt %s --convert-vsquant-to-linalg --split-input-file | FileCheck %s

// A per-vector quantized activation of 2x5 (V = 4): the vector axis is padded
// to 8 with zeros and split into 2 x 4; max|x| per vector, s = max / 127,
// q = clamp(roundeven(x / s)).
// CHECK-LABEL: func.func @dynamic_quantize
// CHECK: %[[PAD:.*]] = tensor.pad %{{.*}} low[0, 0] high[0, 3]
// CHECK: %[[BLOCKED:.*]] = tensor.expand_shape %[[PAD]] {{\[\[}}0], [1, 2]] output_shape [2, 2, 4] : tensor<2x8xf32> into tensor<2x2x4xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[BLOCKED]] : tensor<2x2x4xf32>) outs(%{{.*}} : tensor<2x2xf32>)
// CHECK: math.absf
// CHECK: arith.maxnumf
// CHECK: arith.divf
// CHECK: math.roundeven
// CHECK: arith.fptosi
// CHECK: arith.trunci {{.*}} to i8
// CHECK: tensor.collapse_shape {{.*}} : tensor<2x2x4xi8> into tensor<2x8xi8>
// CHECK: tensor.extract_slice {{.*}} [2, 5] [1, 1] : tensor<2x8xi8> to tensor<2x5xi8>
// CHECK-NOT: vsquant.
func.func @dynamic_quantize(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %q = vsquant.dynamic_quantize %x : tensor<2x5xf32> -> !vsquant.tensor<2x5, #vsquant.format<si8, per_vector(axis = 1, size = 4), scale = f32>>
  %d = vsquant.dequantize %q : !vsquant.tensor<2x5, #vsquant.format<si8, per_vector(axis = 1, size = 4), scale = f32>> -> tensor<2x5xf32>
  return %d : tensor<2x5xf32>
}

// -----

// Two-level matmul: exact i32 per-vector dot products, exact i64
// accumulation of sqA * sqB * dot, one fp32 rounding at the end.
// CHECK-LABEL: func.func @matmul_two_level
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins({{.*}} : tensor<2x1x16xi8>, tensor<1x16x3xi8>) outs({{.*}} : tensor<2x1x3xi32>)
// CHECK: arith.extsi {{.*}} : i8 to i32
// CHECK: arith.muli {{.*}} : i32
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins({{.*}} : tensor<2x1x3xi32>, tensor<2x1xi8>, tensor<1x3xi8>) outs({{.*}} : tensor<2x3xi64>)
// CHECK: arith.extui {{.*}} : i8 to i64
// CHECK: arith.sitofp {{.*}} : i64 to f32
// CHECK-NOT: vsquant.
func.func @matmul_two_level(%a: tensor<2x16xf32>, %g: tensor<f32>) -> tensor<2x3xf32> {
  %aq = vsquant.dynamic_quantize %a coarse(%g : tensor<f32>) : tensor<2x16xf32> -> !vsquant.tensor<2x16, #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = ui4>>
  %w = vsquant.constant values(dense<1> : tensor<16x3xi8>) scales(dense<15> : tensor<1x3xi8>) coarse(dense<0.5> : tensor<3xf32>)
      : !vsquant.tensor<16x3, #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>>
  %y = vsquant.matmul %aq, %w : !vsquant.tensor<2x16, #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = ui4>>,
      !vsquant.tensor<16x3, #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// ui8 x ui8 over a 40000-long single block could overflow i32: i64 dots.
// CHECK-LABEL: func.func @wide_dot
// CHECK: outs({{.*}} : tensor<1x1x1xi64>)
// CHECK: arith.extui {{.*}} : i8 to i64
func.func @wide_dot(%a: tensor<1x40000xf32>) -> tensor<1x1xf32> {
  %aq = vsquant.dynamic_quantize %a : tensor<1x40000xf32> -> !vsquant.tensor<1x40000, #vsquant.format<ui8, per_tensor, scale = f32>>
  %w = vsquant.constant values(dense<1> : tensor<40000x1xi8>) scales(dense<0.5> : tensor<f32>)
      : !vsquant.tensor<40000x1, #vsquant.format<ui8, per_tensor, scale = f32>>
  %y = vsquant.matmul %aq, %w : !vsquant.tensor<1x40000, #vsquant.format<ui8, per_tensor, scale = f32>>,
      !vsquant.tensor<40000x1, #vsquant.format<ui8, per_tensor, scale = f32>> -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}
