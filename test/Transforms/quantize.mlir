// RUN: vsq-opt %s --vsquant-quantize="vector-size=4" -split-input-file -verify-diagnostics --mlir-print-local-scope | FileCheck %s

// A 2x4 x 4x2 matmul; each weight column is one 4-element vector along K.
// Column 0 = [7, -3, 1, 2]: s = 7/7 = 1, gamma = s / 15, sq = 15, q = x.
// Column 1 = [0.7, -0.2, 0.1, 0]: s = 0.1, sq = 15, q = [7, -2, 1, 0].
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[A:.*]]: tensor<2x4xf32>)
// CHECK: %[[W:.*]] = vsquant.constant values(dense<{{\[\[}}7, 7], [-3, -2], [1, 1], [2, 0]]> : tensor<4x2xi8>) scales(dense<15> : tensor<1x2xi8>) coarse(dense<[{{.*}}]> : tensor<2xf32>) : !vsquant.tensor<4x2, #vsquant.format<si4, per_vector(axis = 0, size = 4), scale = ui4, coarse = per_channel(axis = 1)>>
// CHECK: %[[AQ:.*]] = vsquant.dynamic_quantize %[[A]] : tensor<2x4xf32> -> !vsquant.tensor<2x4, #vsquant.format<si8, per_vector(axis = 1, size = 4), scale = f32>>
// CHECK: %[[Y:.*]] = vsquant.matmul %[[AQ]], %[[W]] : {{.*}} -> tensor<2x2xf32>
// CHECK-NOT: linalg.matmul
// CHECK: return %[[Y]]
func.func @matmul(%a: tensor<2x4xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[7.0, 0.7], [-3.0, -0.2], [1.0, 0.1], [2.0, 0.0]]> : tensor<4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = linalg.matmul ins(%a, %w : tensor<2x4xf32>, tensor<4x2xf32>) outs(%c : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// B given as N x K (transposed) is transposed at compile time; a non-zero
// init is still accumulated.
// CHECK-LABEL: func.func @matmul_transpose_b
// CHECK: vsquant.constant values(dense<{{\[\[}}7, 7], [-3, -2], [1, 1], [2, 0]]> : tensor<4x2xi8>)
// CHECK: %[[Y:.*]] = vsquant.matmul
// CHECK: %[[S:.*]] = arith.addf %[[Y]], %{{.*}} : tensor<2x2xf32>
// CHECK: return %[[S]]
func.func @matmul_transpose_b(%a: tensor<2x4xf32>, %c: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[7.0, -3.0, 1.0, 2.0], [0.7, -0.2, 0.1, 0.0]]> : tensor<2x4xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %w : tensor<2x4xf32>, tensor<2x4xf32>) outs(%c : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// A constant left-hand operand (y = W x) is the weight: its vectors run
// along its K axis 1 and its coarse scale per row.
// CHECK-LABEL: func.func @weight_on_the_left
// CHECK: %[[W:.*]] = vsquant.constant values(dense<{{\[\[}}7, -3, 1, 2], [7, -2, 1, 0]]> : tensor<2x4xi8>) {{.*}} : !vsquant.tensor<2x4, #vsquant.format<si4, per_vector(axis = 1, size = 4), scale = ui4, coarse = per_channel(axis = 0)>>
// CHECK: %[[X:.*]] = vsquant.dynamic_quantize %{{.*}} : tensor<4x3xf32> -> !vsquant.tensor<4x3, #vsquant.format<si8, per_vector(axis = 0, size = 4), scale = f32>>
// CHECK: vsquant.matmul %[[W]], %[[X]] : {{.*}} -> tensor<2x3xf32>
func.func @weight_on_the_left(%x: tensor<4x3xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<[[7.0, -3.0, 1.0, 2.0], [0.7, -0.2, 0.1, 0.0]]> : tensor<2x4xf32>
  %c = arith.constant dense<0.0> : tensor<2x3xf32>
  %y = linalg.matmul ins(%w, %x : tensor<2x4xf32>, tensor<4x3xf32>) outs(%c : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @batch_matmul
// CHECK: vsquant.constant {{.*}} : !vsquant.tensor<2x8x3, #vsquant.format<si4, per_vector(axis = 1, size = 4), scale = ui4, coarse = per_channel(axis = 2)>>
// CHECK: vsquant.dynamic_quantize %{{.*}} : tensor<2x5x8xf32> -> !vsquant.tensor<2x5x8, #vsquant.format<si8, per_vector(axis = 2, size = 4), scale = f32>>
// CHECK: vsquant.batch_matmul {{.*}} -> tensor<2x5x3xf32>
func.func @batch_matmul(%a: tensor<2x5x8xf32>) -> tensor<2x5x3xf32> {
  %w = arith.constant dense<0.5> : tensor<2x8x3xf32>
  %c = arith.constant dense<0.0> : tensor<2x5x3xf32>
  %y = linalg.batch_matmul ins(%a, %w : tensor<2x5x8xf32>, tensor<2x8x3xf32>) outs(%c : tensor<2x5x3xf32>) -> tensor<2x5x3xf32>
  return %y : tensor<2x5x3xf32>
}

// -----

// CHECK-LABEL: func.func @conv
// CHECK: vsquant.constant {{.*}} : !vsquant.tensor<3x3x8x4, #vsquant.format<si4, per_vector(axis = 2, size = 4), scale = ui4, coarse = per_channel(axis = 3)>>
// CHECK: vsquant.dynamic_quantize %{{.*}} : tensor<1x9x9x8xf32> -> !vsquant.tensor<1x9x9x8, #vsquant.format<si8, per_vector(axis = 3, size = 4), scale = f32>>
// CHECK: vsquant.conv2d {{.*}} {strides = array<i64: 2, 2>} : {{.*}} -> tensor<1x4x4x4xf32>
func.func @conv(%x: tensor<1x9x9x8xf32>) -> tensor<1x4x4x4xf32> {
  %w = arith.constant dense<0.25> : tensor<3x3x8x4xf32>
  %c = arith.constant dense<0.0> : tensor<1x4x4x4xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %w : tensor<1x9x9x8xf32>, tensor<3x3x8x4xf32>) outs(%c : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

// NCHW / FCHW: the filter is transposed to HWCF at compile time (F = 4,
// C = 8), the input to NHWC and the result back to NCHW around vsquant.conv2d.
// CHECK-LABEL: func.func @conv_nchw
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x9x9xf32>)
// CHECK: %[[W:.*]] = vsquant.constant {{.*}} : !vsquant.tensor<3x3x8x4, #vsquant.format<si4, per_vector(axis = 2, size = 4), scale = ui4, coarse = per_channel(axis = 3)>>
// CHECK: %[[XT:.*]] = linalg.transpose ins(%[[X]] : tensor<1x8x9x9xf32>) outs(%{{.*}} : tensor<1x9x9x8xf32>) permutation = [0, 2, 3, 1]
// CHECK: %[[XQ:.*]] = vsquant.dynamic_quantize %[[XT]] : tensor<1x9x9x8xf32> -> !vsquant.tensor<1x9x9x8, #vsquant.format<si8, per_vector(axis = 3, size = 4), scale = f32>>
// CHECK: %[[Y:.*]] = vsquant.conv2d %[[XQ]], %[[W]] {dilations = array<i64: 2, 1>, strides = array<i64: 1, 2>} : {{.*}} -> tensor<1x5x4x4xf32>
// CHECK: %[[YT:.*]] = linalg.transpose ins(%[[Y]] : tensor<1x5x4x4xf32>) outs(%{{.*}} : tensor<1x4x5x4xf32>) permutation = [0, 3, 1, 2]
// CHECK-NOT: linalg.conv
// CHECK: return %[[YT]]
func.func @conv_nchw(%x: tensor<1x8x9x9xf32>) -> tensor<1x4x5x4xf32> {
  %w = arith.constant dense<0.25> : tensor<4x8x3x3xf32>
  %c = arith.constant dense<0.0> : tensor<1x4x5x4xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<[2, 1]> : tensor<2xi64>, strides = dense<[1, 2]> : tensor<2xi64>}
      ins(%x, %w : tensor<1x8x9x9xf32>, tensor<4x8x3x3xf32>) outs(%c : tensor<1x4x5x4xf32>) -> tensor<1x4x5x4xf32>
  return %y : tensor<1x4x5x4xf32>
}

// The filter's values land where HWCF wants them: FCHW filters
// f0 = [7, -7, 1, 2], f1 = [0, 7, -3, 5] (1x1 kernels) are the columns.
// CHECK-LABEL: func.func @conv_nchw_values
// CHECK: vsquant.constant values(dense<{{\[\[\[\[}}7, 0], [-7, 7], [1, -3], [2, 5]]]]> : tensor<1x1x4x2xi8>)
func.func @conv_nchw_values(%x: tensor<1x4x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = arith.constant dense<[[[[7.0]], [[-7.0]], [[1.0]], [[2.0]]], [[[0.0]], [[7.0]], [[-3.0]], [[5.0]]]]> : tensor<2x4x1x1xf32>
  %c = arith.constant dense<0.0> : tensor<1x2x2x2xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x4x2x2xf32>, tensor<2x4x1x1xf32>) outs(%c : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

// Depthwise NHWC / HWC: the 3x3 window is the filter's reduction, stored
// as 9 x C with vectors along it (V = 4: two full vectors and a tail of 1).
// CHECK-LABEL: func.func @depthwise
// CHECK-SAME: (%[[X:.*]]: tensor<1x6x6x8xf32>)
// CHECK: %[[W:.*]] = vsquant.constant {{.*}} : !vsquant.tensor<9x8, #vsquant.format<si4, per_vector(axis = 0, size = 4), scale = ui4, coarse = per_channel(axis = 1)>>
// CHECK: %[[XQ:.*]] = vsquant.dynamic_quantize %[[X]] : tensor<1x6x6x8xf32> -> !vsquant.tensor<1x6x6x8, #vsquant.format<si8, per_vector(axis = 3, size = 4), scale = f32>>
// CHECK: %[[Y:.*]] = vsquant.depthwise_conv2d %[[XQ]], %[[W]] {kernel_size = array<i64: 3, 3>, strides = array<i64: 2, 1>} : {{.*}} -> tensor<1x2x4x8xf32>
// CHECK-NOT: linalg.depthwise
// CHECK: return %[[Y]]
func.func @depthwise(%x: tensor<1x6x6x8xf32>) -> tensor<1x2x4x8xf32> {
  %w = arith.constant dense<0.5> : tensor<3x3x8xf32>
  %c = arith.constant dense<0.0> : tensor<1x2x4x8xf32>
  %y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<[2, 1]> : tensor<2xi64>}
      ins(%x, %w : tensor<1x6x6x8xf32>, tensor<3x3x8xf32>) outs(%c : tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %y : tensor<1x2x4x8xf32>
}

// -----

// Depthwise NCHW / CHW: the filter goes to (KH * KW) x C, row kh * KW + kw;
// channel 0's 1x2 window is [7, -7], channel 1's is [0, 7].
// CHECK-LABEL: func.func @depthwise_nchw
// CHECK: %[[W:.*]] = vsquant.constant values(dense<{{\[\[}}7, 0], [-7, 7]]> : tensor<2x2xi8>) {{.*}} : !vsquant.tensor<2x2, #vsquant.format<si4, per_vector(axis = 0, size = 4), scale = ui4, coarse = per_channel(axis = 1)>>
// CHECK: linalg.transpose {{.*}} permutation = [0, 2, 3, 1]
// CHECK: %[[Y:.*]] = vsquant.depthwise_conv2d %{{.*}}, %[[W]] {dilations = array<i64: 2, 2>, kernel_size = array<i64: 1, 2>} : {{.*}} -> tensor<1x3x1x2xf32>
// CHECK: linalg.transpose ins(%[[Y]] : tensor<1x3x1x2xf32>) {{.*}} permutation = [0, 3, 1, 2]
func.func @depthwise_nchw(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x1xf32> {
  %w = arith.constant dense<[[[7.0, -7.0]], [[0.0, 7.0]]]> : tensor<2x1x2xf32>
  %c = arith.constant dense<0.0> : tensor<1x2x3x1xf32>
  %y = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x2x3x3xf32>, tensor<2x1x2xf32>) outs(%c : tensor<1x2x3x1xf32>) -> tensor<1x2x3x1xf32>
  return %y : tensor<1x2x3x1xf32>
}

// -----

// A channel multiplier (hwcm) is not a vsquant op yet.
// CHECK-LABEL: func.func @depthwise_multiplier
// CHECK: linalg.depthwise_conv_2d_nhwc_hwcm
func.func @depthwise_multiplier(%x: tensor<1x4x4x2xf32>) -> tensor<1x2x2x2x3xf32> {
  %w = arith.constant dense<0.5> : tensor<3x3x2x3xf32>
  %c = arith.constant dense<0.0> : tensor<1x2x2x2x3xf32>
  // expected-remark @+1 {{left in float: this convolution form is not supported yet (conv_2d_nhwc_hwcf, conv_2d_nhwc_fhwc, conv_2d_nchw_fchw, depthwise_conv_2d_nhwc_hwc and depthwise_conv_2d_nchw_chw are)}}
  %y = linalg.depthwise_conv_2d_nhwc_hwcm {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x4x4x2xf32>, tensor<3x3x2x3xf32>) outs(%c : tensor<1x2x2x2x3xf32>) -> tensor<1x2x2x2x3xf32>
  return %y : tensor<1x2x2x2x3xf32>
}

// -----

// What stays in float says why.
// CHECK-LABEL: func.func @left_in_float
func.func @left_in_float(%a: tensor<2x4xf32>, %b: tensor<4x2xf32>, %x: tensor<1x8x5x5xf32>, %f: tensor<4x8x3x3xf32>) -> (tensor<2x2xf32>, tensor<1x4x3x3xf32>) {
  %c = arith.constant dense<0.0> : tensor<2x2xf32>
  // CHECK: linalg.matmul
  // expected-remark @+1 {{left in float: its weight is not a constant}}
  %y = linalg.matmul ins(%a, %b : tensor<2x4xf32>, tensor<4x2xf32>) outs(%c : tensor<2x2xf32>) -> tensor<2x2xf32>
  %w = arith.constant dense<1.0> : tensor<4x8x3x3xf32>
  %d = arith.constant dense<0.0> : tensor<1x4x3x3xf32>
  // CHECK: linalg.conv_2d_nchw_fchw
  // expected-remark @+1 {{left in float: its filter is not a constant}}
  %z = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %f : tensor<1x8x5x5xf32>, tensor<4x8x3x3xf32>) outs(%d : tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
  return %y, %z : tensor<2x2xf32>, tensor<1x4x3x3xf32>
}

// -----

// CHECK-LABEL: func.func @f16_stays
func.func @f16_stays(%a: tensor<2x4xf16>) -> tensor<2x2xf16> {
  %w = arith.constant dense<1.0> : tensor<4x2xf16>
  %c = arith.constant dense<0.0> : tensor<2x2xf16>
  // CHECK: linalg.matmul
  // expected-remark @+1 {{left in float: its element type is not f32}}
  %y = linalg.matmul ins(%a, %w : tensor<2x4xf16>, tensor<4x2xf16>) outs(%c : tensor<2x2xf16>) -> tensor<2x2xf16>
  return %y : tensor<2x2xf16>
}
