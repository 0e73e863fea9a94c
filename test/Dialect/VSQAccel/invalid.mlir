// RUN: vsq-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{'vsqaccel.program' op attribute 'lanes' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
vsqaccel.program @p attributes {vector_size = 16, lanes = 0,
    weight_bits = 4, activation_bits = 4, weight_scale_bits = 4,
    activation_scale_bits = 4, accumulator_bits = 32, weight_slots = 8,
    input_entries = 16, accumulator_rows = 4, params_words = 64,
    output_rows = 4} {
}

// -----

// expected-error @+1 {{weights and activations must both have per-vector scales or neither}}
vsqaccel.program @p attributes {vector_size = 16, lanes = 32,
    weight_bits = 4, activation_bits = 4, weight_scale_bits = 4,
    activation_scale_bits = 0, accumulator_bits = 32, weight_slots = 8,
    input_entries = 16, accumulator_rows = 4, params_words = 64,
    output_rows = 4} {
}

// -----

// expected-error @+1 {{element bits must be at most 8}}
vsqaccel.program @p attributes {vector_size = 16, lanes = 32,
    weight_bits = 9, activation_bits = 4, weight_scale_bits = 4,
    activation_scale_bits = 4, accumulator_bits = 32, weight_slots = 8,
    input_entries = 16, accumulator_rows = 4, params_words = 64,
    output_rows = 4} {
}

// -----

func.func @outside() {
  // expected-error @+1 {{'vsqaccel.barrier' op expects parent op 'vsqaccel.program'}}
  %b = vsqaccel.barrier
  return
}

// -----

vsqaccel.program @p attributes {vector_size = 16, lanes = 32,
    weight_bits = 4, activation_bits = 4, weight_scale_bits = 4,
    activation_scale_bits = 4, accumulator_bits = 32, weight_slots = 8,
    input_entries = 16, accumulator_rows = 4, params_words = 64,
    output_rows = 4} {
  // expected-error @+1 {{cannot load into the output buffer (only the PPU writes it)}}
  %w = vsqaccel.dma_load output[0] from dram[0] count 1
}

// -----

vsqaccel.program @p attributes {vector_size = 16, lanes = 32,
    weight_bits = 4, activation_bits = 4, weight_scale_bits = 4,
    activation_scale_bits = 4, accumulator_bits = 32, weight_slots = 8,
    input_entries = 16, accumulator_rows = 4, params_words = 64,
    output_rows = 4} {
  // expected-error @+1 {{weight entries [6, 9) is outside the buffer's 8 entries}}
  %w = vsqaccel.dma_load weight[6] from dram[0] count 3
}

// -----

vsqaccel.program @p attributes {vector_size = 16, lanes = 32,
    weight_bits = 4, activation_bits = 4, weight_scale_bits = 4,
    activation_scale_bits = 4, accumulator_bits = 32, weight_slots = 8,
    input_entries = 16, accumulator_rows = 4, params_words = 64,
    output_rows = 4} {
  // expected-error @+1 {{input entries [9223372036854775807, 9223372036854775807) is outside the buffer's 16 entries}}
  %w = vsqaccel.dma_load input[9223372036854775807] from dram[0] count 3
}

// -----

vsqaccel.program @p attributes {vector_size = 16, lanes = 32,
    weight_bits = 4, activation_bits = 4, weight_scale_bits = 4,
    activation_scale_bits = 4, accumulator_bits = 32, weight_slots = 8,
    input_entries = 16, accumulator_rows = 4, params_words = 64,
    output_rows = 4} {
  // expected-error @+1 {{can only store from the output buffer, not input}}
  %s = vsqaccel.dma_store input[0] to dram[0] count 1
}

// -----

vsqaccel.program @p attributes {vector_size = 16, lanes = 32,
    weight_bits = 4, activation_bits = 4, weight_scale_bits = 4,
    activation_scale_bits = 4, accumulator_bits = 32, weight_slots = 8,
    input_entries = 16, accumulator_rows = 4, params_words = 64,
    output_rows = 4} {
  // expected-error @+1 {{'vsqaccel.dma_load' op attribute 'count' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %w = vsqaccel.dma_load weight[0] from dram[0] count 0
}

// -----

vsqaccel.program @p attributes {vector_size = 16, lanes = 32,
    weight_bits = 4, activation_bits = 4, weight_scale_bits = 4,
    activation_scale_bits = 4, accumulator_bits = 32, weight_slots = 8,
    input_entries = 16, accumulator_rows = 4, params_words = 64,
    output_rows = 4} {
  // expected-error @+1 {{accumulator rows [2, 5) is outside the buffer's 4 entries}}
  %c = vsqaccel.acc_clear acc[2] rows 3
}

// -----

vsqaccel.program @p attributes {vector_size = 16, lanes = 32,
    weight_bits = 4, activation_bits = 4, weight_scale_bits = 4,
    activation_scale_bits = 4, accumulator_bits = 32, weight_slots = 8,
    input_entries = 16, accumulator_rows = 4, params_words = 64,
    output_rows = 4} {
  // expected-error @+1 {{uses 64 lanes, the machine has 32}}
  %m = vsqaccel.vmac acc[0] weight[0] input[0] rows 1 vectors 1 lanes 64
}

// -----

vsqaccel.program @p attributes {vector_size = 16, lanes = 32,
    weight_bits = 4, activation_bits = 4, weight_scale_bits = 4,
    activation_scale_bits = 4, accumulator_bits = 32, weight_slots = 8,
    input_entries = 16, accumulator_rows = 4, params_words = 64,
    output_rows = 4} {
  // expected-error @+1 {{input entries [8, 20) is outside the buffer's 16 entries}}
  %m = vsqaccel.vmac acc[0] weight[0] input[8] rows 4 vectors 3 lanes 32
}

// -----

vsqaccel.program @p attributes {vector_size = 16, lanes = 32,
    weight_bits = 4, activation_bits = 4, weight_scale_bits = 4,
    activation_scale_bits = 4, accumulator_bits = 32, weight_slots = 8,
    input_entries = 16, accumulator_rows = 4, params_words = 64,
    output_rows = 4} {
  // expected-error @+1 {{weight slots [7, 9) is outside the buffer's 8 entries}}
  %m = vsqaccel.vmac acc[0] weight[7] input[0] rows 1 vectors 2 lanes 32
}

// -----

vsqaccel.program @p attributes {vector_size = 16, lanes = 32,
    weight_bits = 4, activation_bits = 4, weight_scale_bits = 4,
    activation_scale_bits = 4, accumulator_bits = 32, weight_slots = 8,
    input_entries = 16, accumulator_rows = 4, params_words = 64,
    output_rows = 4} {
  // expected-error @+1 {{requantize needs lanes (24) to be a multiple of the vector size (16)}}
  %p = vsqaccel.postprocess acc[0] rows 1 lanes 24 params[0] -> output[0] requantize
}

// -----

vsqaccel.program @p attributes {vector_size = 16, lanes = 32,
    weight_bits = 4, activation_bits = 4, weight_scale_bits = 4,
    activation_scale_bits = 4, accumulator_bits = 32, weight_slots = 8,
    input_entries = 16, accumulator_rows = 4, params_words = 64,
    output_rows = 4} {
  // Bias doubles the params: 2 x 32 + 1 (requantize) words from 0.
  // expected-error @+1 {{params words [0, 65) is outside the buffer's 64 entries}}
  %p = vsqaccel.postprocess acc[0] rows 1 lanes 32 params[0] -> output[0] bias requantize
}

// -----

vsqaccel.program @p attributes {vector_size = 16, lanes = 16,
    weight_bits = 8, activation_bits = 8, weight_scale_bits = 0,
    activation_scale_bits = 0, accumulator_bits = 32, weight_slots = 8,
    input_entries = 16, accumulator_rows = 4, params_words = 64,
    output_rows = 4} {
  // expected-error @+1 {{requantize needs a per-vector machine}}
  %p = vsqaccel.postprocess acc[0] rows 1 lanes 16 params[0] -> output[0] requantize
}

// -----

vsqaccel.program @p attributes {vector_size = 16, lanes = 32,
    weight_bits = 4, activation_bits = 4, weight_scale_bits = 4,
    activation_scale_bits = 4, accumulator_bits = 32, weight_slots = 8,
    input_entries = 16, accumulator_rows = 4, params_words = 64,
    output_rows = 4} {
  // expected-error @+1 {{output rows [3, 5) is outside the buffer's 4 entries}}
  %s = vsqaccel.dma_store output[3] to dram[0] count 2
}

// -----

vsqaccel.program @p attributes {vector_size = 16, lanes = 32,
    weight_bits = 4, activation_bits = 4, weight_scale_bits = 4,
    activation_scale_bits = 4, accumulator_bits = 32, weight_slots = 8,
    input_entries = 16, accumulator_rows = 4, params_words = 64,
    output_rows = 4} {
  // 2-D: 3 rows of 6 entries from entry 0 need 18 of 16.
  // expected-error @+1 {{input entries [0, 18) is outside the buffer's 16 entries}}
  %a = vsqaccel.dma_load input[0] from dram[0] count 6 rows 3 stride 100
}

// -----

vsqaccel.program @p attributes {vector_size = 16, lanes = 32,
    weight_bits = 4, activation_bits = 4, weight_scale_bits = 4,
    activation_scale_bits = 4, accumulator_bits = 32, weight_slots = 8,
    input_entries = 16, accumulator_rows = 4, params_words = 64,
    output_rows = 4} {
  // expected-error @+1 {{needs both rows and stride, or neither}}
  %a = "vsqaccel.dma_load"() <{buffer = 1 : i32, addr = 0 : i64, dram_addr = 0 : i64, count = 2 : i64, rows = 2 : i64}> : () -> !vsqaccel.token
}

// -----

vsqaccel.program @p attributes {vector_size = 16, lanes = 32,
    weight_bits = 4, activation_bits = 4, weight_scale_bits = 4,
    activation_scale_bits = 4, accumulator_bits = 32, weight_slots = 8,
    input_entries = 16, accumulator_rows = 4, params_words = 64,
    output_rows = 4} {
  // expected-error @+1 {{unsigned_output needs requantize}}
  %p = vsqaccel.postprocess acc[0] rows 1 lanes 32 params[0] -> output[0] relu unsigned_output
}

// -----

vsqaccel.program @p attributes {vector_size = 16, lanes = 32,
    weight_bits = 4, activation_bits = 4, weight_scale_bits = 4,
    activation_scale_bits = 4, accumulator_bits = 32, weight_slots = 8,
    input_entries = 16, accumulator_rows = 4, params_words = 64,
    output_rows = 4} {
  // expected-error @+1 {{a re-quantized 2-D store needs lanes (24) to be a multiple of the vector size (16)}}
  %s = vsqaccel.dma_store output[0] to dram[0] count 2 lanes 24 stride 100 requantized
}

// -----

vsqaccel.program @p attributes {vector_size = 16, lanes = 32,
    weight_bits = 4, activation_bits = 4, weight_scale_bits = 4,
    activation_scale_bits = 4, accumulator_bits = 32, weight_slots = 8,
    input_entries = 16, accumulator_rows = 4, params_words = 64,
    output_rows = 4} {
  // expected-error @+1 {{uses 48 lanes, the machine has 32}}
  %s = vsqaccel.dma_store output[0] to dram[0] count 2 lanes 48 stride 100
}
