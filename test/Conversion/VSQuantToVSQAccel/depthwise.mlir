// RUN: vsq-opt %s --convert-vsquant-to-vsqaccel=config=%vsquant_src/accel/w4a4-v16-ui4.json | FileCheck %s

// A 3x3 depthwise conv over 96 channels (PP-OCR style), stride 1, padding
// 1: 8 x 8 = 64 output rows. It runs as its block-diagonal GEMM: a lane
// tile reduces only over the (channel block, tap) vectors of its own
// channels, 64 lanes = 4 blocks x 9 taps = 36 vectors, then 32 lanes = 2
// blocks x 9 taps = 18 vectors starting at vector 36 of the input row.
#x = #vsquant.format<ui4, per_vector(axis = 3, size = 16), scale = ui4>
#w = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>

// Programs follow all functions in the module.
// CHECK: func.func @dw(
// CHECK: vsquant.depthwise_conv2d {{.*}} vsqaccel.program = @dw_depthwise_conv2d0
// CHECK: func.func @dw_small(
// CHECK: vsquant.depthwise_conv2d {{.*}} vsqaccel.program = @dw_small_depthwise_conv2d0
func.func @dw(%x: !vsquant.tensor<1x8x8x96, #x>, %w: !vsquant.tensor<9x96, #w>,
              %b: tensor<96xf32>) -> tensor<1x8x8x96xf32> {
  %y = vsquant.depthwise_conv2d %x, %w bias(%b : tensor<96xf32>) relu
      {kernel_size = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>}
      : !vsquant.tensor<1x8x8x96, #x>, !vsquant.tensor<9x96, #w> -> tensor<1x8x8x96xf32>
  return %y : tensor<1x8x8x96xf32>
}
// Input rows: 6 blocks x 9 taps = 54 entries x 9 bytes = 486 bytes. K
// tiles of 7 vectors (64 rows, double buffered, fill the input buffer):
// 7+7+7+7+7+1 for the first lane tile, 7+7+4 for the second, whose inputs
// start at entry 36 (byte 324) of each row and whose weights follow the
// first tile's 36 slots of 64 x 9 = 576 bytes (+20736; the first tile's
// last K tile at +5 x 7 x 576 = +20160).
// CHECK: vsqaccel.program @dw_depthwise_conv2d0
// CHECK: vsqaccel.dma_load weight[0] from dram[[[#W:]]] count 7
// CHECK-NEXT: vsqaccel.dma_load input[0] from dram[0] count 7 rows 64 stride 486
// CHECK-NEXT: vsqaccel.vmac acc[0] weight[0] input[0] rows 64 vectors 7 lanes 64 unsigned_input
// CHECK: vsqaccel.dma_load weight[7] from dram[[[#W+20160]]] count 1
// CHECK-NEXT: vsqaccel.dma_load input[448] from dram[315] count 1 rows 64 stride 486
// CHECK-NEXT: vsqaccel.vmac acc[0] weight[7] input[448] rows 64 vectors 1 lanes 64 unsigned_input
// CHECK-NEXT: vsqaccel.postprocess acc[0] rows 64 lanes 64 params[0] -> output[0] bias relu
// CHECK: vsqaccel.dma_load weight[0] from dram[[[#W+20736]]] count 7
// CHECK-NEXT: vsqaccel.dma_load input[0] from dram[324] count 7 rows 64 stride 486
// CHECK-NEXT: vsqaccel.vmac acc[0] weight[0] input[0] rows 64 vectors 7 lanes 32 unsigned_input
// CHECK: vsqaccel.dma_load input[448] from dram[387] count 7 rows 64 stride 486
// CHECK: vsqaccel.dma_load input[0] from dram[450] count 4 rows 64 stride 486
// CHECK-NEXT: vsqaccel.vmac acc[0] weight[0] input[0] rows 64 vectors 4 lanes 32 unsigned_input
// CHECK: vsqaccel.postprocess acc[0] rows 64 lanes 32 params[128] -> output[64] bias relu
// CHECK-NOT: vsqaccel.vmac
// CHECK: vsqaccel.barrier

// A 5x5 window over 16 channels: one lane tile of 16 active lanes, one
// channel block, 25 (block, tap) vectors.
func.func @dw_small(%x: !vsquant.tensor<1x6x6x16, #x>, %w: !vsquant.tensor<25x16, #w>) -> tensor<1x2x2x16xf32> {
  %y = vsquant.depthwise_conv2d %x, %w {kernel_size = array<i64: 5, 5>}
      : !vsquant.tensor<1x6x6x16, #x>, !vsquant.tensor<25x16, #w> -> tensor<1x2x2x16xf32>
  return %y : tensor<1x2x2x16xf32>
}
// The filter's 25 taps span two of its vectors along the window: each
// tap's weight enters its own vector MAC with its own integer scale.
// CHECK: vsqaccel.program @dw_small_depthwise_conv2d0
// CHECK: vsqaccel.vmac acc[0] weight[0] input[0] rows 4 vectors 25 lanes 16 unsigned_input
