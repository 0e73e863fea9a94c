// RUN: vsq-opt %s --convert-vsquant-to-vsqaccel=config=%vsquant_src/accel/w4a4-v16-ui4.json | FileCheck %s

#x = #vsquant.format<ui4, per_vector(axis = 3, size = 16), scale = ui4>
#w = #vsquant.format<si4, per_vector(axis = 2, size = 16), scale = ui4, coarse = per_channel(axis = 3)>

// 1x8x8x32 input, 3x3x32x64 filter, stride 2, padding 1: 4x4 outputs, so
// a GEMM of 16 rows by 64 channels over 3 x 3 x 2 = 18 vectors.
// CHECK-LABEL: func.func @conv
// CHECK: vsquant.conv2d {{.*}} vsqaccel.program = @conv_conv2d0
func.func @conv(%x: !vsquant.tensor<1x8x8x32, #x>, %w: !vsquant.tensor<3x3x32x64, #w>,
                %b: tensor<64xf32>) -> tensor<1x4x4x64xf32> {
  %y = vsquant.conv2d %x, %w bias(%b : tensor<64xf32>) relu
      {strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>}
      : !vsquant.tensor<1x8x8x32, #x>, !vsquant.tensor<3x3x32x64, #w> -> tensor<1x4x4x64xf32>
  return %y : tensor<1x4x4x64xf32>
}
// Input rows of 18 entries x 9 bytes = 162 bytes; 18 vectors fit one K tile
// (weights: 60 slots / 2 halves = 30 >= 18).
// CHECK: vsqaccel.program @conv_conv2d0
// CHECK-SAME: output_rows = 128 : i64
// CHECK: vsqaccel.dma_load weight[0] from dram[2592] count 18
// CHECK: vsqaccel.dma_load input[0] from dram[0] count 18 rows 16 stride 162
// CHECK: vsqaccel.vmac acc[0] weight[0] input[0] rows 16 vectors 18 lanes 64 unsigned_input
// CHECK: vsqaccel.postprocess acc[0] rows 16 lanes 64 params[0] -> output[0] bias relu
// CHECK: vsqaccel.dma_store output[0] to dram[{{[0-9]+}}] count 16
