// RUN: vsq-opt %s --convert-vsquant-to-vsqaccel=config=%vsquant_src/accel/w4a4-v16-ui4.json | FileCheck %s

#a = #vsquant.format<si4, per_vector(axis = 1, size = 16), scale = ui4>
#w = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>
#o = #vsquant.format<ui4, per_vector(axis = 1, size = 16), scale = ui4>

// CHECK-LABEL: func.func @fc
// CHECK: vsquant.matmul {{.*}} relu {vsqaccel.program = @fc_matmul0}
func.func @fc(%a: !vsquant.tensor<4x32, #a>, %w: !vsquant.tensor<32x8, #w>,
              %bias: tensor<8xf32>) -> tensor<4x8xf32> {
  %y = vsquant.matmul %a, %w bias(%bias : tensor<8xf32>) relu
      : !vsquant.tensor<4x32, #a>, !vsquant.tensor<32x8, #w> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// Two lane tiles (N = 80 > 64 lanes), re-quantized outputs.
// CHECK-LABEL: func.func @wide
// CHECK: vsquant.matmul {{.*}} {vsqaccel.program = @wide_matmul0}
func.func @wide(%a: !vsquant.tensor<2x16, #a>, %w: !vsquant.tensor<16x80, #w>,
                %g: tensor<f32>) -> !vsquant.tensor<2x80, #o> {
  %y = vsquant.matmul %a, %w out_coarse(%g : tensor<f32>)
      : !vsquant.tensor<2x16, #a>, !vsquant.tensor<16x80, #w> -> !vsquant.tensor<2x80, #o>
  return %y : !vsquant.tensor<2x80, #o>
}

// 4 x 32 x 8: one lane tile (8 of 64 lanes active), one row tile, both K
// vectors in one K tile. Input rows are 2 entries of 9 bytes = 18 bytes;
// weights follow the 4 rows at 72; a slot is 64 lanes x 9 bytes.
// CHECK: vsqaccel.program @fc_matmul0 attributes {
// CHECK-SAME: accumulator_rows = 64 : i64
// CHECK-SAME: input_entries = 910 : i64
// CHECK-SAME: lanes = 64 : i64
// CHECK-SAME: output_rows = 128 : i64
// CHECK-SAME: params_words = 258 : i64
// CHECK-SAME: weight_slots = 60 : i64
// CHECK-NEXT: %[[P:.*]] = vsqaccel.dma_load params[0] from dram[1224] count 16
// CHECK-NEXT: %[[C:.*]] = vsqaccel.acc_clear acc[0] rows 4
// CHECK-NEXT: %[[W:.*]] = vsqaccel.dma_load weight[0] from dram[72] count 2
// CHECK-NEXT: %[[A:.*]] = vsqaccel.dma_load input[0] from dram[0] count 2 rows 4 stride 18
// CHECK-NEXT: %[[M:.*]] = vsqaccel.vmac acc[0] weight[0] input[0] rows 4 vectors 2 lanes 8 after(%[[W]], %[[A]], %[[C]])
// CHECK-NEXT: %[[PP:.*]] = vsqaccel.postprocess acc[0] rows 4 lanes 8 params[0] -> output[0] bias relu after(%[[M]], %[[P]])
// CHECK-NEXT: %[[S:.*]] = vsqaccel.dma_store output[0] to dram[1736] count 4 after(%[[PP]])
// CHECK-NEXT: vsqaccel.barrier after(%[[S]])
// CHECK-NEXT: }

// CHECK: vsqaccel.program @wide_matmul0
// CHECK: vsqaccel.dma_load params[0]
// CHECK: vsqaccel.vmac acc[0] weight[0] input[0] rows 2 vectors 1 lanes 64
// The result is ui4: the PPU re-quantizes to unsigned elements.
// CHECK: %[[P0:.*]] = vsqaccel.postprocess acc[0] rows 2 lanes 64 params[0] -> output[0] requantize unsigned_output
// The second lane tile: params and weights in the other halves, 16 lanes.
// CHECK: vsqaccel.dma_load params[65] from dram[{{[0-9]+}}] count 17
// CHECK: vsqaccel.dma_load weight[1] from dram[594] count 1
// CHECK: vsqaccel.vmac acc[0] weight[1] input[2] rows 2 vectors 1 lanes 16
// The first tile's store waits in the DMA queue behind the second tile's
// loads; the second postprocess writes the other output half, so it does
// not wait for that store. Re-quantized rows land in the row-major
// 2 x (80 / 16) entries of 9 bytes (the next layer's input rows, 45 bytes
// each): tile 0 writes entries 0..3 of each row, tile 1 entry 4 (+36 bytes).
// CHECK: %[[S0:.*]] = vsqaccel.dma_store output[0] to dram[[[#OUT:]]] count 2 lanes 64 stride 45 requantized after(%[[P0]])
// CHECK: %[[P1:.*]] = vsqaccel.postprocess acc[0] rows 2 lanes 16 params[65] -> output[2] requantize unsigned_output after(%{{[0-9]+}}, %{{[0-9]+}}){{$}}
// CHECK: %[[S1:.*]] = vsqaccel.dma_store output[2] to dram[[[#OUT+36]]] count 2 lanes 16 stride 45 requantized after(%[[P1]])
// CHECK: vsqaccel.barrier after(%[[S0]], %[[S1]])
