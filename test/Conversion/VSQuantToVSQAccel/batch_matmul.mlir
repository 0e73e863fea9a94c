// RUN: vsq-opt %s --convert-vsquant-to-vsqaccel=config=%vsquant_src/accel/w4a4-v16-ui4.json | FileCheck %s

// Attention-style Q x K^T: both operands are activations; K^T enters the
// (signed, ui4-scaled) weight datapath. Q's coarse scale is per batch: each
// batch is its own GEMM with its own PPU scales.
#a = #vsquant.format<si4, per_vector(axis = 2, size = 16), scale = ui4, coarse = per_channel(axis = 0)>
#b = #vsquant.format<si4, per_vector(axis = 1, size = 16), scale = ui4, coarse = per_channel(axis = 2)>
#o = #vsquant.format<si4, per_vector(axis = 2, size = 16), scale = ui4>

// Programs follow all functions in the module.
// CHECK: func.func @attention(
// CHECK: vsquant.batch_matmul {{.*}} {vsqaccel.program = @attention_batch_matmul0}
// CHECK: func.func @context(
// CHECK: vsquant.batch_matmul {{.*}} {vsqaccel.program = @context_batch_matmul0}
func.func @attention(%q: !vsquant.tensor<2x4x32, #a>, %k: !vsquant.tensor<2x32x16, #b>,
                     %g: tensor<f32>) -> !vsquant.tensor<2x4x16, #o> {
  %y = vsquant.batch_matmul %q, %k out_coarse(%g : tensor<f32>)
      : !vsquant.tensor<2x4x32, #a>, !vsquant.tensor<2x32x16, #b> -> !vsquant.tensor<2x4x16, #o>
  return %y : !vsquant.tensor<2x4x16, #o>
}
// The matmul's tiling once per batch. DRAM: 2 x 4 input rows of 2 entries
// x 9 bytes (0..144), then per batch 2 weight slots of 64 lanes x 9 bytes
// (144, 1296), per batch 65 params words (2448, 2708), then per batch 4
// re-quantized rows of one 9-byte entry (2968, 3004). The params and output
// halves keep alternating across the batch boundary.
// CHECK: vsqaccel.program @attention_batch_matmul0
// CHECK-NEXT: %[[P0:.*]] = vsqaccel.dma_load params[0] from dram[2448] count 17
// CHECK-NEXT: %[[C0:.*]] = vsqaccel.acc_clear acc[0] rows 4
// CHECK-NEXT: %[[W0:.*]] = vsqaccel.dma_load weight[0] from dram[144] count 2
// CHECK-NEXT: %[[A0:.*]] = vsqaccel.dma_load input[0] from dram[0] count 2 rows 4 stride 18
// CHECK-NEXT: %[[M0:.*]] = vsqaccel.vmac acc[0] weight[0] input[0] rows 4 vectors 2 lanes 16 after(%[[W0]], %[[A0]], %[[C0]])
// CHECK-NEXT: %[[PP0:.*]] = vsqaccel.postprocess acc[0] rows 4 lanes 16 params[0] -> output[0] requantize after(%[[M0]], %[[P0]])
// CHECK-NEXT: %[[P1:.*]] = vsqaccel.dma_load params[65] from dram[2708] count 17
// CHECK-NEXT: %[[C1:.*]] = vsqaccel.acc_clear acc[0] rows 4 after(%[[PP0]])
// CHECK-NEXT: %[[W1:.*]] = vsqaccel.dma_load weight[2] from dram[1296] count 2
// CHECK-NEXT: %[[A1:.*]] = vsqaccel.dma_load input[8] from dram[72] count 2 rows 4 stride 18
// CHECK-NEXT: %[[M1:.*]] = vsqaccel.vmac acc[0] weight[2] input[8] rows 4 vectors 2 lanes 16 after(%[[W1]], %[[A1]], %[[C1]])
// CHECK-NEXT: %[[S0:.*]] = vsqaccel.dma_store output[0] to dram[2968] count 4 lanes 16 stride 9 requantized after(%[[PP0]])
// CHECK-NEXT: %[[PP1:.*]] = vsqaccel.postprocess acc[0] rows 4 lanes 16 params[65] -> output[4] requantize after(%[[M1]], %[[P1]])
// CHECK-NEXT: %[[S1:.*]] = vsqaccel.dma_store output[4] to dram[3004] count 4 lanes 16 stride 9 requantized after(%[[PP1]])
// CHECK-NEXT: vsqaccel.barrier after(%[[S0]], %[[S1]])

// Unsigned (post-softmax) probabilities times V: unsigned input, fp32 out.
#p = #vsquant.format<ui4, per_vector(axis = 2, size = 16), scale = ui4>
#v = #vsquant.format<si4, per_vector(axis = 1, size = 16), scale = ui4>
func.func @context(%p: !vsquant.tensor<3x8x16, #p>, %v: !vsquant.tensor<3x16x32, #v>) -> tensor<3x8x32xf32> {
  %y = vsquant.batch_matmul %p, %v : !vsquant.tensor<3x8x16, #p>, !vsquant.tensor<3x16x32, #v> -> tensor<3x8x32xf32>
  return %y : tensor<3x8x32xf32>
}
// CHECK: vsqaccel.program @context_batch_matmul0
// CHECK-COUNT-3: vsqaccel.vmac acc[0] weight[{{[0-9]+}}] input[{{[0-9]+}}] rows 8 vectors 1 lanes 32 unsigned_input
// CHECK-NOT: vsqaccel.vmac
// CHECK: vsqaccel.barrier
