// Weights that are not constants (attention's K and V, weights computed in
// the model) stay in float with a remark by default; dynamic-weights=true
// quantizes them at run time with fp32 per-vector scales.
// RUN: vsq-opt %s --vsquant-quantize="vector-size=4" -split-input-file 2>&1 >/dev/null | FileCheck %s --check-prefix=DEFAULT
// RUN: vsq-opt %s --vsquant-quantize="vector-size=4 dynamic-weights=true report=%t.json" -split-input-file --mlir-print-local-scope | FileCheck %s
// RUN: FileCheck %s --check-prefix=REPORT < %t.json

// DEFAULT: remark: left in float: its weight is not a constant (dynamic-weights=true quantizes it at run time)
// CHECK-LABEL: func.func @scores
// CHECK-SAME: (%[[Q:.*]]: tensor<2x8xf32>, %[[K:.*]]: tensor<3x8xf32>)
// K given as N x K: transposed to K x N at run time, then quantized along K
// with fp32 scales (a two-level coarse scale would need a static range).
// CHECK: %[[KT:.*]] = linalg.transpose ins(%[[K]] : tensor<3x8xf32>) {{.*}} permutation = [1, 0]
// CHECK: %[[KQ:.*]] = vsquant.dynamic_quantize %[[KT]] : tensor<8x3xf32> -> !vsquant.tensor<8x3, #vsquant.format<si4, per_vector(axis = 0, size = 4), scale = f32>>
// CHECK: %[[QQ:.*]] = vsquant.dynamic_quantize %[[Q]] : tensor<2x8xf32> -> !vsquant.tensor<2x8, #vsquant.format<si8, per_vector(axis = 1, size = 4), scale = f32>>
// CHECK: vsquant.matmul %[[QQ]], %[[KQ]]
// CHECK-NOT: linalg.matmul
func.func @scores(%q: tensor<2x8xf32>, %k: tensor<3x8xf32>) -> tensor<2x3xf32> {
  %c = arith.constant dense<0.0> : tensor<2x3xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%q, %k : tensor<2x8xf32>, tensor<3x8xf32>) outs(%c : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// DEFAULT: remark: left in float: its filter is not a constant (dynamic-weights=true quantizes it at run time)
// DEFAULT: remark: left in float: its filter is not a constant
// CHECK-LABEL: func.func @depthwise_filter_argument
// CHECK-SAME: %[[F:[^:]*]]: tensor<3x3x8xf32>
// CHECK: %[[FC:.*]] = tensor.collapse_shape %[[F]] {{\[\[}}0, 1], [2]] : tensor<3x3x8xf32> into tensor<9x8xf32>
// CHECK: %[[FQ:.*]] = vsquant.dynamic_quantize %[[FC]] : tensor<9x8xf32> -> !vsquant.tensor<9x8, #vsquant.format<si4, per_vector(axis = 0, size = 4), scale = f32>>
// CHECK: vsquant.depthwise_conv2d %{{.*}}, %[[FQ]] {kernel_size = array<i64: 3, 3>}
func.func @depthwise_filter_argument(%x: tensor<1x5x5x8xf32>, %f: tensor<3x3x8xf32>) -> tensor<1x3x3x8xf32> {
  %c = arith.constant dense<0.0> : tensor<1x3x3x8xf32>
  %y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %f : tensor<1x5x5x8xf32>, tensor<3x3x8xf32>) outs(%c : tensor<1x3x3x8xf32>) -> tensor<1x3x3x8xf32>
  return %y : tensor<1x3x3x8xf32>
}

// -----

// CHECK-LABEL: func.func @conv_filter_argument
// CHECK: vsquant.dynamic_quantize %{{.*}} : tensor<3x3x8x2xf32> -> !vsquant.tensor<3x3x8x2, #vsquant.format<si4, per_vector(axis = 2, size = 4), scale = f32>>
// CHECK: vsquant.conv2d
func.func @conv_filter_argument(%x: tensor<1x5x5x8xf32>, %f: tensor<3x3x8x2xf32>) -> tensor<1x3x3x2xf32> {
  %c = arith.constant dense<0.0> : tensor<1x3x3x2xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %f : tensor<1x5x5x8xf32>, tensor<3x3x8x2xf32>) outs(%c : tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  return %y : tensor<1x3x3x2xf32>
}

// The report says which weights are quantized at run time; their error is
// not known at compile time.
// REPORT: "dynamic_weight": true
// REPORT: "sqnr_db": null
