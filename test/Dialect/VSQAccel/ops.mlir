// RUN: vsq-opt %s | FileCheck %s
// Round trip through the generic form too.
// RUN: vsq-opt %s --mlir-print-op-generic | vsq-opt | FileCheck %s

// CHECK-LABEL: vsqaccel.program @every_instruction
// CHECK-SAME: accumulator_bits = 32 : i64
// CHECK-SAME: lanes = 32 : i64
// CHECK-SAME: vector_size = 16 : i64
vsqaccel.program @every_instruction attributes {vector_size = 16, lanes = 32,
    weight_bits = 4, activation_bits = 4, weight_scale_bits = 4,
    activation_scale_bits = 4, accumulator_bits = 32, weight_slots = 8,
    input_entries = 16, accumulator_rows = 4, params_words = 65,
    output_rows = 4} {
  // CHECK: %[[W:.*]] = vsqaccel.dma_load weight[0] from dram[0] count 2
  %w = vsqaccel.dma_load weight[0] from dram[0] count 2
  // CHECK: %[[A:.*]] = vsqaccel.dma_load input[8] from dram[1024] count 8 after(%[[W]])
  %a = vsqaccel.dma_load input[8] from dram[1024] count 8 after(%w)
  // CHECK: vsqaccel.dma_load input[0] from dram[0] count 2 rows 4 stride 72{{$}}
  %a2 = vsqaccel.dma_load input[0] from dram[0] count 2 rows 4 stride 72
  // CHECK: %[[P:.*]] = vsqaccel.dma_load params[0] from dram[2048] count 65
  %p = vsqaccel.dma_load params[0] from dram[2048] count 65
  // CHECK: %[[C:.*]] = vsqaccel.acc_clear acc[0] rows 4
  %c = vsqaccel.acc_clear acc[0] rows 4
  // CHECK: %[[M:.*]] = vsqaccel.vmac acc[0] weight[0] input[8] rows 4 vectors 2 lanes 32 after(%[[W]], %[[A]], %[[C]])
  // CHECK: vsqaccel.vmac acc[0] weight[0] input[8] rows 4 vectors 2 lanes 32 unsigned_input after(%[[M]])
  %m = vsqaccel.vmac acc[0] weight[0] input[8] rows 4 vectors 2 lanes 32 after(%w, %a, %c)
  %m2 = vsqaccel.vmac acc[0] weight[0] input[8] rows 4 vectors 2 lanes 32 unsigned_input after(%m)
  // CHECK: %[[PP:.*]] = vsqaccel.postprocess acc[0] rows 4 lanes 32 params[0] -> output[0] bias relu requantize after(%[[M]], %[[P]])
  %pp = vsqaccel.postprocess acc[0] rows 4 lanes 32 params[0] -> output[0] bias relu requantize after(%m, %p)
  // CHECK: %[[S:.*]] = vsqaccel.dma_store output[0] to dram[4096] count 4 requantized after(%[[PP]])
  %s = vsqaccel.dma_store output[0] to dram[4096] count 4 requantized after(%pp)
  // CHECK: vsqaccel.barrier after(%[[S]])
  %b = vsqaccel.barrier after(%s)
  // CHECK: vsqaccel.barrier{{$}}
  %all = vsqaccel.barrier
}

// A per-channel machine (no per-vector scales): plain f32 outputs.
// CHECK-LABEL: vsqaccel.program @per_channel
vsqaccel.program @per_channel attributes {vector_size = 16, lanes = 16,
    weight_bits = 8, activation_bits = 8, weight_scale_bits = 0,
    activation_scale_bits = 0, accumulator_bits = 32, weight_slots = 4,
    input_entries = 4, accumulator_rows = 2, params_words = 16,
    output_rows = 2} {
  // CHECK: vsqaccel.postprocess acc[1] rows 1 lanes 16 params[0] -> output[1]{{$}}
  %p = vsqaccel.postprocess acc[1] rows 1 lanes 16 params[0] -> output[1]
}
