// Weights at the edges: all zero, subnormal, one element, K not a multiple
// of V with a one-row activation, and a 2^32-element activation. Each gives
// the hand-computed constant (no NaN scale, no lost subnormal) and the IR
// verifies.
// RUN: vsq-opt %s --vsquant-quantize="vector-size=4" --mlir-print-local-scope -mlir-elide-resource-strings-if-larger=64 | FileCheck %s --check-prefix=TWO
// RUN: vsq-opt %s --vsquant-quantize="vector-size=4 weight-scale=f32" --mlir-print-local-scope -mlir-elide-resource-strings-if-larger=64 | FileCheck %s --check-prefix=F32

// All zero: scales 0 and, two level, gamma 0 (0 / 15, not 0 / 0).
// TWO-LABEL: func.func @all_zero
// TWO: vsquant.constant values(dense<0> : tensor<8x3xi8>) scales(dense<0> : tensor<2x3xi8>) coarse(dense<0.000000e+00> : tensor<3xf32>)
// F32-LABEL: func.func @all_zero
// F32: vsquant.constant values(dense<0> : tensor<8x3xi8>) scales(dense<0.000000e+00> : tensor<2x3xf32>)
func.func @all_zero(%a: tensor<2x8xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<0.0> : tensor<8x3xf32>
  %c = arith.constant dense<0.0> : tensor<2x3xf32>
  %y = linalg.matmul ins(%a, %w : tensor<2x8xf32>, tensor<8x3xf32>) outs(%c : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// Subnormal weights [5d, -d, 0, 3d], d = 2^-149: single level s = f32(5d / 7)
// = d (subnormals are not flushed), q = [5, -1, 0, 3], xhat = x exactly.
// Two level gamma = s / 15 underflows to 0, so sq = 0 and q = 0
// (Quantizer.h; the report shows 0 dB for the layer).
// F32-LABEL: func.func @subnormal
// F32: vsquant.constant values(dense<{{\[\[}}5], [-1], [0], [3]]> : tensor<4x1xi8>) scales(dense<1.401300e-45> : tensor<1x1xf32>)
// TWO-LABEL: func.func @subnormal
// TWO: vsquant.constant values(dense<0> : tensor<4x1xi8>) scales(dense<0> : tensor<1x1xi8>) coarse(dense<0.000000e+00> : tensor<1xf32>)
func.func @subnormal(%a: tensor<1x4xf32>) -> tensor<1x1xf32> {
  %w = arith.constant dense<[[7.0e-45], [-1.4e-45], [0.0], [4.2e-45]]> : tensor<4x1xf32>
  %c = arith.constant dense<0.0> : tensor<1x1xf32>
  %y = linalg.matmul ins(%a, %w : tensor<1x4xf32>, tensor<4x1xf32>) outs(%c : tensor<1x1xf32>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// 1 x 1 x 1: one element, one (short) vector. -3 in si4: s = 3/7, q = -7;
// two level gamma = f32(3/7) / 15, sq = 15.
// F32-LABEL: func.func @one_by_one
// F32: vsquant.constant values(dense<-7> : tensor<1x1xi8>) scales(dense<0.428571433> : tensor<1x1xf32>)
// F32: vsquant.dynamic_quantize %{{.*}} : tensor<1x1xf32> -> !vsquant.tensor<1x1, #vsquant.format<si8, per_vector(axis = 1, size = 4), scale = f32>>
// TWO-LABEL: func.func @one_by_one
// TWO: vsquant.constant values(dense<-7> : tensor<1x1xi8>) scales(dense<15> : tensor<1x1xi8>) coarse(dense<0.0285714287> : tensor<1xf32>)
func.func @one_by_one(%a: tensor<1x1xf32>) -> tensor<1x1xf32> {
  %w = arith.constant dense<-3.0> : tensor<1x1xf32>
  %c = arith.constant dense<0.0> : tensor<1x1xf32>
  %y = linalg.matmul ins(%a, %w : tensor<1x1xf32>, tensor<1x1xf32>) outs(%c : tensor<1x1xf32>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// K = 5, V = 4: column 0 = [7, -7, 7, 7 | 14]; the tail vector holds one
// real element, s = [1, 2]; column 1 = 1s: s = 1/7. Two level column 0:
// gamma = 2/15, sq = [ceil(7.5) = 8, 15].
// F32-LABEL: func.func @k_not_multiple_of_v
// F32: vsquant.constant values(dense<{{\[\[}}7, 7], [-7, 7], [7, 7], [7, 7], [7, 7]]> : tensor<5x2xi8>) scales(dense<{{\[\[}}1.000000e+00, 0.142857149], [2.000000e+00, 0.142857149]]> : tensor<2x2xf32>)
// TWO-LABEL: func.func @k_not_multiple_of_v
// TWO: scales(dense<{{\[\[}}8, 15], [15, 15]]> : tensor<2x2xi8>) coarse(dense<[0.13333334, 9.523810e-03]> : tensor<2xf32>)
func.func @k_not_multiple_of_v(%a: tensor<1x5xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[7.0, 1.0], [-7.0, 1.0], [7.0, 1.0], [7.0, 1.0], [14.0, 1.0]]> : tensor<5x2xf32>
  %c = arith.constant dense<0.0> : tensor<1x2xf32>
  %y = linalg.matmul ins(%a, %w : tensor<1x5xf32>, tensor<5x2xf32>) outs(%c : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// A 65536 x 65536 activation (2^32 elements, never materialised) against
// a 65536 x 2 weight: its quantized type and scale grid in int64.
// F32-LABEL: func.func @big
// F32: vsquant.constant values(dense_resource<vsquant_weight> : tensor<65536x2xi8>) scales(dense<0.0714285746> : tensor<16384x2xf32>)
// F32: vsquant.dynamic_quantize %{{.*}} : tensor<65536x65536xf32> -> !vsquant.tensor<65536x65536, #vsquant.format<si8, per_vector(axis = 1, size = 4), scale = f32>>
// F32: vsquant.matmul {{.*}} -> tensor<65536x2xf32>
func.func @big(%a: tensor<65536x65536xf32>) -> tensor<65536x2xf32> {
  %w = arith.constant dense<0.5> : tensor<65536x2xf32>
  %c = arith.constant dense<0.0> : tensor<65536x2xf32>
  %y = linalg.matmul ins(%a, %w : tensor<65536x65536xf32>, tensor<65536x2xf32>) outs(%c : tensor<65536x2xf32>) -> tensor<65536x2xf32>
  return %y : tensor<65536x2xf32>
}
