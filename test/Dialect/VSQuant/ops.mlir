// RUN: vsq-opt %s | FileCheck %s
// RUN: vsq-opt %s | vsq-opt | FileCheck %s
// RUN: vsq-opt %s --mlir-print-op-generic | vsq-opt | FileCheck %s

#a8 = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = ui4>
#w4 = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>
#af = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>
#wf = #vsquant.format<si8, per_vector(axis = 0, size = 16), scale = f32>
#tok = #vsquant.format<si8, per_channel(axis = 0), scale = f32>
#wch = #vsquant.format<si8, per_channel(axis = 1), scale = f32>
#u8 = #vsquant.format<ui8, per_vector(axis = 1, size = 16), scale = ui6>

// CHECK-LABEL: func.func @quantize
func.func @quantize(%x: tensor<4x40xf32>, %s: tensor<4x3xi8>, %g: tensor<f32>,
                    %sf: tensor<4x3xf32>, %sc: tensor<4xf32>, %st: tensor<f32>)
    -> (!vsquant.tensor<4x40, #a8>, !vsquant.tensor<4x40, #af>,
        !vsquant.tensor<4x40, #tok>, !vsquant.tensor<4x40, #vsquant.format<si4, per_tensor, scale = f32>>) {
  // CHECK: vsquant.quantize %{{.*}} scales(%{{.*}} : tensor<4x3xi8>) coarse(%{{.*}} : tensor<f32>) : tensor<4x40xf32> -> !vsquant.tensor<4x40, #{{.*}}>
  %0 = vsquant.quantize %x scales(%s : tensor<4x3xi8>) coarse(%g : tensor<f32>) : tensor<4x40xf32> -> !vsquant.tensor<4x40, #a8>
  // CHECK: vsquant.quantize %{{.*}} scales(%{{.*}} : tensor<4x3xf32>) : tensor<4x40xf32>
  %1 = vsquant.quantize %x scales(%sf : tensor<4x3xf32>) : tensor<4x40xf32> -> !vsquant.tensor<4x40, #af>
  // CHECK: vsquant.quantize %{{.*}} scales(%{{.*}} : tensor<4xf32>)
  %2 = vsquant.quantize %x scales(%sc : tensor<4xf32>) : tensor<4x40xf32> -> !vsquant.tensor<4x40, #tok>
  // CHECK: vsquant.quantize %{{.*}} scales(%{{.*}} : tensor<f32>)
  %3 = vsquant.quantize %x scales(%st : tensor<f32>) : tensor<4x40xf32> -> !vsquant.tensor<4x40, #vsquant.format<si4, per_tensor, scale = f32>>
  return %0, %1, %2, %3 : !vsquant.tensor<4x40, #a8>, !vsquant.tensor<4x40, #af>, !vsquant.tensor<4x40, #tok>, !vsquant.tensor<4x40, #vsquant.format<si4, per_tensor, scale = f32>>
}

// CHECK-LABEL: func.func @dynamic_quantize_dequantize
func.func @dynamic_quantize_dequantize(%x: tensor<?x32xf32>, %g: tensor<f32>) -> tensor<?x32xf32> {
  // CHECK: %[[Q:.*]] = vsquant.dynamic_quantize %{{.*}} coarse(%{{.*}} : tensor<f32>) : tensor<?x32xf32> -> !vsquant.tensor<?x32, #{{.*}}>
  %q = vsquant.dynamic_quantize %x coarse(%g : tensor<f32>) : tensor<?x32xf32> -> !vsquant.tensor<?x32, #u8>
  // CHECK: vsquant.dynamic_quantize %{{.*}} : tensor<?x32xf32> -> !vsquant.tensor<?x32, #{{.*}}>
  %p = vsquant.dynamic_quantize %x : tensor<?x32xf32> -> !vsquant.tensor<?x32, #tok>
  // CHECK: vsquant.dequantize %[[Q]] : !vsquant.tensor<?x32, #{{.*}}> -> tensor<?x32xf32>
  %d = vsquant.dequantize %q : !vsquant.tensor<?x32, #u8> -> tensor<?x32xf32>
  return %d : tensor<?x32xf32>
}

// CHECK-LABEL: func.func @constants
func.func @constants() -> (!vsquant.tensor<2x2, #vsquant.format<si4, per_channel(axis = 1), scale = f32>>,
                           !vsquant.tensor<32x2, #w4>, !vsquant.tensor<2x3, #vsquant.format<ui4, per_tensor, scale = f32>>) {
  // CHECK: vsquant.constant values(dense<{{\[\[}}1, -7], [3, 0]]> : tensor<2x2xi8>) scales(dense<[5.000000e-01, 2.500000e-01]> : tensor<2xf32>)
  %0 = vsquant.constant values(dense<[[1, -7], [3, 0]]> : tensor<2x2xi8>) scales(dense<[0.5, 0.25]> : tensor<2xf32>)
      : !vsquant.tensor<2x2, #vsquant.format<si4, per_channel(axis = 1), scale = f32>>
  // Weights kept out of line as resources; sub-byte values may also be i4.
  // CHECK: vsquant.constant values(dense_resource<w4_values> : tensor<32x2xi8>) scales(dense<{{\[\[}}15, 3], [1, 0]]> : tensor<2x2xi8>) coarse(dense<[1.250000e-01, 5.000000e-01]> : tensor<2xf32>)
  %1 = vsquant.constant values(dense_resource<w4_values> : tensor<32x2xi8>)
      scales(dense<[[15, 3], [1, 0]]> : tensor<2x2xi8>)
      coarse(dense<[0.125, 0.5]> : tensor<2xf32>) : !vsquant.tensor<32x2, #w4>
  // CHECK: vsquant.constant values(dense<15> : tensor<2x3xi8>) scales(dense<1.000000e+00> : tensor<f32>)
  %2 = vsquant.constant values(dense<15> : tensor<2x3xi8>) scales(dense<1.0> : tensor<f32>)
      : !vsquant.tensor<2x3, #vsquant.format<ui4, per_tensor, scale = f32>>
  return %0, %1, %2 : !vsquant.tensor<2x2, #vsquant.format<si4, per_channel(axis = 1), scale = f32>>, !vsquant.tensor<32x2, #w4>, !vsquant.tensor<2x3, #vsquant.format<ui4, per_tensor, scale = f32>>
}

// CHECK-LABEL: func.func @matmul
func.func @matmul(%a: !vsquant.tensor<4x32, #a8>, %b: !vsquant.tensor<32x8, #w4>,
                  %bias: tensor<8xf32>, %g: tensor<f32>,
                  %at: !vsquant.tensor<4x32, #tok>, %bc: !vsquant.tensor<32x8, #wch>)
    -> (tensor<4x8xf32>, !vsquant.tensor<4x8, #vsquant.format<si8, per_vector(axis = 1, size = 8), scale = ui4>>, tensor<4x8xf32>, tensor<4x8xf32>) {
  // CHECK: vsquant.matmul %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<8xf32>) relu : !vsquant.tensor<4x32, #{{.*}}>, !vsquant.tensor<32x8, #{{.*}}> -> tensor<4x8xf32>
  %0 = vsquant.matmul %a, %b bias(%bias : tensor<8xf32>) relu : !vsquant.tensor<4x32, #a8>, !vsquant.tensor<32x8, #w4> -> tensor<4x8xf32>
  // Re-quantized output with its own static coarse scale.
  // CHECK: vsquant.matmul %{{.*}}, %{{.*}} out_coarse(%{{.*}} : tensor<f32>) : {{.*}} -> !vsquant.tensor<4x8, #{{.*}}>
  %1 = vsquant.matmul %a, %b out_coarse(%g : tensor<f32>) : !vsquant.tensor<4x32, #a8>, !vsquant.tensor<32x8, #w4>
      -> !vsquant.tensor<4x8, #vsquant.format<si8, per_vector(axis = 1, size = 8), scale = ui4>>
  // Baselines: per-token activations with per-channel weights.
  // CHECK: vsquant.matmul %{{.*}}, %{{.*}} : !vsquant.tensor<4x32, #{{.*}}>, !vsquant.tensor<32x8, #{{.*}}> -> tensor<4x8xf32>
  %2 = vsquant.matmul %at, %bc : !vsquant.tensor<4x32, #tok>, !vsquant.tensor<32x8, #wch> -> tensor<4x8xf32>
  // A per-tensor/per-channel operand pairs with a per-vector one.
  // CHECK: vsquant.matmul
  %3 = vsquant.matmul %at, %b : !vsquant.tensor<4x32, #tok>, !vsquant.tensor<32x8, #w4> -> tensor<4x8xf32>
  return %0, %1, %2, %3 : tensor<4x8xf32>, !vsquant.tensor<4x8, #vsquant.format<si8, per_vector(axis = 1, size = 8), scale = ui4>>, tensor<4x8xf32>, tensor<4x8xf32>
}

// CHECK-LABEL: func.func @batch_matmul
func.func @batch_matmul(%a: !vsquant.tensor<2x4x40, #vsquant.format<si8, per_vector(axis = 2, size = 16), scale = f32>>,
                        %b: !vsquant.tensor<2x40x8, #vsquant.format<si4, per_vector(axis = 1, size = 16), scale = ui4, coarse = per_channel(axis = 2)>>,
                        %g: tensor<8xf32>) -> tensor<2x4x8xf32> {
  // CHECK: vsquant.batch_matmul %{{.*}}, %{{.*}} : {{.*}} -> tensor<2x4x8xf32>
  %0 = vsquant.batch_matmul %a, %b : !vsquant.tensor<2x4x40, #vsquant.format<si8, per_vector(axis = 2, size = 16), scale = f32>>,
      !vsquant.tensor<2x40x8, #vsquant.format<si4, per_vector(axis = 1, size = 16), scale = ui4, coarse = per_channel(axis = 2)>> -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// CHECK-LABEL: func.func @conv2d
func.func @conv2d(%x: !vsquant.tensor<1x8x8x32, #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>>,
                  %w: !vsquant.tensor<3x3x32x4, #vsquant.format<si4, per_vector(axis = 2, size = 16), scale = ui4, coarse = per_channel(axis = 3)>>,
                  %wc: !vsquant.tensor<3x3x32x4, #vsquant.format<si8, per_channel(axis = 3), scale = f32>>,
                  %bias: tensor<4xf32>) -> (tensor<1x4x4x4xf32>, tensor<1x6x6x4xf32>, tensor<1x5x3x4xf32>) {
  // CHECK: vsquant.conv2d %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<4xf32>) relu {padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
  %0 = vsquant.conv2d %x, %w bias(%bias : tensor<4xf32>) relu {strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>}
      : !vsquant.tensor<1x8x8x32, #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>>,
        !vsquant.tensor<3x3x32x4, #vsquant.format<si4, per_vector(axis = 2, size = 16), scale = ui4, coarse = per_channel(axis = 3)>>
      -> tensor<1x4x4x4xf32>
  // Defaults: stride 1, dilation 1, no padding.
  // CHECK: vsquant.conv2d %{{.*}}, %{{.*}} : {{.*}} -> tensor<1x6x6x4xf32>
  %1 = vsquant.conv2d %x, %wc
      : !vsquant.tensor<1x8x8x32, #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>>,
        !vsquant.tensor<3x3x32x4, #vsquant.format<si8, per_channel(axis = 3), scale = f32>>
      -> tensor<1x6x6x4xf32>
  // Dilation 2 (span 5) and padding [1, 0, 0, 1]: rows (8 + 1 - 5) / 1 + 1 = 5,
  // columns (8 + 1 - 5) / 2 + 1 = 3.
  // CHECK: vsquant.conv2d %{{.*}}, %{{.*}} {dilations = array<i64: 2, 2>, padding = array<i64: 1, 0, 0, 1>, strides = array<i64: 1, 2>} : {{.*}} -> tensor<1x5x3x4xf32>
  %2 = vsquant.conv2d %x, %wc {dilations = array<i64: 2, 2>, strides = array<i64: 1, 2>, padding = array<i64: 1, 0, 0, 1>}
      : !vsquant.tensor<1x8x8x32, #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>>,
        !vsquant.tensor<3x3x32x4, #vsquant.format<si8, per_channel(axis = 3), scale = f32>>
      -> tensor<1x5x3x4xf32>
  return %0, %1, %2 : tensor<1x4x4x4xf32>, tensor<1x6x6x4xf32>, tensor<1x5x3x4xf32>
}

// CHECK-LABEL: func.func @depthwise_conv2d
func.func @depthwise_conv2d(%x: !vsquant.tensor<1x8x8x32, #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>>,
                            %w: !vsquant.tensor<9x32, #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>>,
                            %xt: !vsquant.tensor<1x8x8x32, #vsquant.format<ui8, per_tensor, scale = f32>>,
                            %w5: !vsquant.tensor<25x32, #vsquant.format<si8, per_vector(axis = 0, size = 16), scale = f32>>,
                            %bias: tensor<32xf32>) -> (tensor<1x8x8x32xf32>, tensor<1x2x4x32xf32>) {
  // CHECK: vsquant.depthwise_conv2d %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<32xf32>) relu {kernel_size = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>} : {{.*}} -> tensor<1x8x8x32xf32>
  %0 = vsquant.depthwise_conv2d %x, %w bias(%bias : tensor<32xf32>) relu {kernel_size = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>}
      : !vsquant.tensor<1x8x8x32, #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>>,
        !vsquant.tensor<9x32, #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>>
      -> tensor<1x8x8x32xf32>
  // A 5x5 window is two vectors (16 + tail 9); stride [2, 1]: rows
  // (8 - 5) / 2 + 1 = 2, columns 8 - 5 + 1 = 4.
  // CHECK: vsquant.depthwise_conv2d %{{.*}}, %{{.*}} {kernel_size = array<i64: 5, 5>, strides = array<i64: 2, 1>} : {{.*}} -> tensor<1x2x4x32xf32>
  %1 = vsquant.depthwise_conv2d %xt, %w5 {kernel_size = array<i64: 5, 5>, strides = array<i64: 2, 1>}
      : !vsquant.tensor<1x8x8x32, #vsquant.format<ui8, per_tensor, scale = f32>>,
        !vsquant.tensor<25x32, #vsquant.format<si8, per_vector(axis = 0, size = 16), scale = f32>>
      -> tensor<1x2x4x32xf32>
  return %0, %1 : tensor<1x8x8x32xf32>, tensor<1x2x4x32xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w4_values: "0x010000000102030405060700F9FAFBFCFDFEFF0001020304050607000102030405060700F9FAFBFCFDFEFF00010203040506070001020304050607000102030405060700"
    }
  }
#-}

// CHECK-LABEL: func.func @dot_accumulate
func.func @dot_accumulate(%acc: vector<16xi32>, %a: vector<64xi8>, %w: vector<64xi8>, %acc8: vector<8xi32>, %b: vector<32xi8>) -> (vector<16xi32>, vector<8xi32>) {
  // CHECK: vsquant.dot_accumulate %{{.*}}, %{{.*}}, %{{.*}} lhs_unsigned : vector<16xi32>, vector<64xi8>
  %0 = vsquant.dot_accumulate %acc, %a, %w lhs_unsigned : vector<16xi32>, vector<64xi8>
  // CHECK: vsquant.dot_accumulate %{{.*}}, %{{.*}}, %{{.*}} : vector<8xi32>, vector<32xi8>
  %1 = vsquant.dot_accumulate %acc8, %b, %b : vector<8xi32>, vector<32xi8>
  return %0, %1 : vector<16xi32>, vector<8xi32>
}
