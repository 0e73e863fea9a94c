// A per-channel (8-bit baseline) machine round-trips too.
// RUN: vsq-opt %s -o %t.expected.mlir
// RUN: vsq-translate --vsqaccel-to-binary %s | vsq-translate --binary-to-vsqaccel | vsq-opt -o %t.actual.mlir
// RUN: diff %t.expected.mlir %t.actual.mlir

vsqaccel.program @baseline attributes {vector_size = 16, lanes = 64,
    weight_bits = 8, activation_bits = 8, weight_scale_bits = 0,
    activation_scale_bits = 0, accumulator_bits = 32, weight_slots = 16,
    input_entries = 1024, accumulator_rows = 64, params_words = 258,
    output_rows = 64} {
  %w = vsqaccel.dma_load weight[0] from dram[0] count 16
  %a = vsqaccel.dma_load input[0] from dram[16384] count 16 rows 64 stride 512
  %c = vsqaccel.acc_clear acc[0] rows 64
  %m = vsqaccel.vmac acc[0] weight[0] input[0] rows 64 vectors 16 lanes 64 after(%w, %a, %c)
  %p = vsqaccel.postprocess acc[0] rows 64 lanes 64 params[0] -> output[0] bias after(%m)
  %s = vsqaccel.dma_store output[0] to dram[65536] count 64 after(%p)
}
