// Every instruction and flag survives IR -> binary -> disassembly unchanged.
// RUN: vsq-opt %s -o %t.expected.mlir
// RUN: vsq-translate --vsqaccel-to-binary %s -o %t.bin
// RUN: vsq-translate --binary-to-vsqaccel %t.bin | vsq-opt -o %t.actual.mlir
// RUN: diff %t.expected.mlir %t.actual.mlir
// And the disassembly encodes to the very same bytes.
// RUN: vsq-translate --vsqaccel-to-binary %t.actual.mlir -o %t.again.bin
// RUN: cmp %t.bin %t.again.bin
// RUN: vsq-translate --vsqaccel-to-asm %s | FileCheck %s

// CHECK: ; program all: V=16 lanes=32 W4A4 scales ui4/ui4 acc 32 bits
// CHECK-NEXT: ; buffers: weight 8 slots, input 16, accumulator 4 rows, params 130 words, output 4 rows
// CHECK-NEXT: 0: dma_load weight[0] <- dram[0] count 2
// CHECK-NEXT: 1: dma_load input[8] <- dram[1024] count 8 after 0
// CHECK-NEXT: 2: dma_load input[0] <- dram[4294967296] count 2 rows 4 stride 72
// CHECK-NEXT: 3: dma_load params[65] <- dram[2048] count 65
// CHECK-NEXT: 4: acc_clear acc[0] rows 4
// CHECK-NEXT: 5: vmac acc[0] weight[0] input[8] rows 4 vectors 2 lanes 32 unsigned_input after 0,1,4
// CHECK-NEXT: 6: postprocess acc[0] rows 4 lanes 32 params[65] -> output[0] bias relu requantize after 5,3
// CHECK-NEXT: 7: postprocess acc[1] rows 2 lanes 16 params[0] -> output[2] relu after 6
// CHECK-NEXT: 8: dma_store output[0] -> dram[4096] count 4 requantized after 6
// CHECK-NEXT: 9: dma_store output[2] -> dram[8192] count 2 after 7
// CHECK-NEXT: 10: barrier after 8,9
// CHECK-NEXT: 11: postprocess acc[0] rows 2 lanes 32 params[0] -> output[0] requantize unsigned_output
// CHECK-NEXT: 12: dma_store output[0] -> dram[16384] count 2 lanes 16 stride 27 requantized after 11
// CHECK-NEXT: 13: dma_store output[2] -> dram[20000] count 2 lanes 3 stride 4294967296 after 7
// CHECK-NEXT: 14: barrier
// CHECK-NOT: {{.}}

vsqaccel.program @all attributes {vector_size = 16, lanes = 32,
    weight_bits = 4, activation_bits = 4, weight_scale_bits = 4,
    activation_scale_bits = 4, accumulator_bits = 32, weight_slots = 8,
    input_entries = 16, accumulator_rows = 4, params_words = 130,
    output_rows = 4} {
  %w = vsqaccel.dma_load weight[0] from dram[0] count 2
  %a = vsqaccel.dma_load input[8] from dram[1024] count 8 after(%w)
  %a2 = vsqaccel.dma_load input[0] from dram[4294967296] count 2 rows 4 stride 72
  %p = vsqaccel.dma_load params[65] from dram[2048] count 65
  %c = vsqaccel.acc_clear acc[0] rows 4
  %m = vsqaccel.vmac acc[0] weight[0] input[8] rows 4 vectors 2 lanes 32 unsigned_input after(%w, %a, %c)
  %pp = vsqaccel.postprocess acc[0] rows 4 lanes 32 params[65] -> output[0] bias relu requantize after(%m, %p)
  %pq = vsqaccel.postprocess acc[1] rows 2 lanes 16 params[0] -> output[2] relu after(%pp)
  %s = vsqaccel.dma_store output[0] to dram[4096] count 4 requantized after(%pp)
  %s2 = vsqaccel.dma_store output[2] to dram[8192] count 2 after(%pq)
  %b = vsqaccel.barrier after(%s, %s2)
  %pu = vsqaccel.postprocess acc[0] rows 2 lanes 32 params[0] -> output[0] requantize unsigned_output
  %s3 = vsqaccel.dma_store output[0] to dram[16384] count 2 lanes 16 stride 27 requantized after(%pu)
  %s4 = vsqaccel.dma_store output[2] to dram[20000] count 2 lanes 3 stride 4294967296 after(%pq)
  %all = vsqaccel.barrier
}
