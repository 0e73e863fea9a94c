// linalg.generic ops that upstream's contraction / convolution matchers
// recognise are rewritten like the named ops they are equivalent to (this
// file is the generalized form of named matmul / conv / depthwise tests).
// RUN: vsq-opt %s --vsquant-quantize="vector-size=4" -split-input-file -verify-diagnostics --mlir-print-local-scope | FileCheck %s

// CHECK-LABEL: func.func @generic_conv
// CHECK: vsquant.constant {{.*}} : !vsquant.tensor<3x3x8x4, #vsquant.format<si4, per_vector(axis = 2, size = 4), scale = ui4, coarse = per_channel(axis = 3)>>
// CHECK: vsquant.conv2d %{{.*}}, %{{.*}} {strides = array<i64: 2, 2>} : {{.*}} -> tensor<1x4x4x4xf32>
// CHECK-NOT: linalg.generic
func.func @generic_conv(%arg0: tensor<1x9x9x8xf32>) -> tensor<1x4x4x4xf32> {
  %cst = arith.constant dense<2.500000e-01> : tensor<3x3x8x4xf32>
  %cst_0 = arith.constant dense<0.000000e+00> : tensor<1x4x4x4xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1 * 2 + d4, d2 * 2 + d5, d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d5, d6, d3)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%arg0, %cst : tensor<1x9x9x8xf32>, tensor<3x3x8x4xf32>) outs(%cst_0 : tensor<1x4x4x4xf32>) {
  ^bb0(%in: f32, %in_1: f32, %out: f32):
    %1 = arith.mulf %in, %in_1 : f32
    %2 = arith.addf %out, %1 : f32
    linalg.yield %2 : f32
  } -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @generic_depthwise
// CHECK: vsquant.constant {{.*}} : !vsquant.tensor<9x8, #vsquant.format<si4, per_vector(axis = 0, size = 4), scale = ui4, coarse = per_channel(axis = 1)>>
// CHECK: vsquant.depthwise_conv2d %{{.*}}, %{{.*}} {kernel_size = array<i64: 3, 3>, strides = array<i64: 2, 1>} : {{.*}} -> tensor<1x2x4x8xf32>
// CHECK-NOT: linalg.generic
func.func @generic_depthwise(%arg0: tensor<1x6x6x8xf32>) -> tensor<1x2x4x8xf32> {
  %cst = arith.constant dense<5.000000e-01> : tensor<3x3x8xf32>
  %cst_0 = arith.constant dense<0.000000e+00> : tensor<1x2x4x8xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 * 2 + d4, d2 + d5, d3)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5, d3)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%arg0, %cst : tensor<1x6x6x8xf32>, tensor<3x3x8xf32>) outs(%cst_0 : tensor<1x2x4x8xf32>) {
  ^bb0(%in: f32, %in_1: f32, %out: f32):
    %1 = arith.mulf %in, %in_1 : f32
    %2 = arith.addf %out, %1 : f32
    linalg.yield %2 : f32
  } -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

// CHECK-LABEL: func.func @generic_matmul
// CHECK: vsquant.constant {{.*}} : !vsquant.tensor<8x3, #vsquant.format<si4, per_vector(axis = 0, size = 4), scale = ui4, coarse = per_channel(axis = 1)>>
// CHECK: vsquant.matmul {{.*}} -> tensor<2x3xf32>
// CHECK-NOT: linalg.generic
func.func @generic_matmul(%arg0: tensor<2x8xf32>) -> tensor<2x3xf32> {
  %cst = arith.constant dense<5.000000e-01> : tensor<8x3xf32>
  %cst_0 = arith.constant dense<0.000000e+00> : tensor<2x3xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%arg0, %cst : tensor<2x8xf32>, tensor<8x3xf32>) outs(%cst_0 : tensor<2x3xf32>) {
  ^bb0(%in: f32, %in_1: f32, %out: f32):
    %1 = arith.mulf %in, %in_1 : f32
    %2 = arith.addf %out, %1 : f32
    linalg.yield %2 : f32
  } -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// conv_2d_nhwc_fhwc (what tosa-to-linalg makes of tosa.conv2d), here as a
// generic: the F x KH x KW x C filter is transposed to HWCF at compile time.
// CHECK-LABEL: func.func @generic_conv_fhwc
// CHECK: vsquant.constant {{.*}} : !vsquant.tensor<3x3x8x4, #vsquant.format<si4, per_vector(axis = 2, size = 4), scale = ui4, coarse = per_channel(axis = 3)>>
// CHECK: vsquant.conv2d {{.*}} -> tensor<1x3x3x4xf32>
// CHECK-NOT: linalg.generic
func.func @generic_conv_fhwc(%x: tensor<1x5x5x8xf32>) -> tensor<1x3x3x4xf32> {
  %w = arith.constant dense<0.25> : tensor<4x3x3x8xf32>
  %c = arith.constant dense<0.0> : tensor<1x3x3x4xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(n, h, w, f, kh, kw, c) -> (n, h + kh, w + kw, c)>, affine_map<(n, h, w, f, kh, kw, c) -> (f, kh, kw, c)>, affine_map<(n, h, w, f, kh, kw, c) -> (n, h, w, f)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : tensor<1x5x5x8xf32>, tensor<4x3x3x8xf32>) outs(%c : tensor<1x3x3x4xf32>) {
  ^bb0(%in: f32, %in_1: f32, %out: f32):
    %1 = arith.mulf %in, %in_1 : f32
    %2 = arith.addf %out, %1 : f32
    linalg.yield %2 : f32
  } -> tensor<1x3x3x4xf32>
  return %y : tensor<1x3x3x4xf32>
}

// -----

// A grouped convolution has no vsquant form yet.
// CHECK-LABEL: func.func @grouped_conv
// CHECK: linalg.conv_2d_ngchw_gfchw
func.func @grouped_conv(%x: tensor<1x2x4x5x5xf32>) -> tensor<1x2x3x3x3xf32> {
  %w = arith.constant dense<0.25> : tensor<2x3x4x3x3xf32>
  %c = arith.constant dense<0.0> : tensor<1x2x3x3x3xf32>
  // expected-remark @+1 {{left in float: this convolution form is not supported yet}}
  %y = linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x2x4x5x5xf32>, tensor<2x3x4x3x3xf32>) outs(%c : tensor<1x2x3x3x3xf32>) -> tensor<1x2x3x3x3xf32>
  return %y : tensor<1x2x3x3x3xf32>
}
