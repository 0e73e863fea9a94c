// RUN: not vsq-translate --vsqaccel-to-binary %s -split-input-file 2>&1 | FileCheck %s

// CHECK: error: expected exactly one vsqaccel.program, found 0
module {
}

// -----

// CHECK: error: expected exactly one vsqaccel.program, found 2
vsqaccel.program @a attributes {vector_size = 16, lanes = 16,
    weight_bits = 8, activation_bits = 8, weight_scale_bits = 0,
    activation_scale_bits = 0, accumulator_bits = 32, weight_slots = 1,
    input_entries = 1, accumulator_rows = 1, params_words = 1,
    output_rows = 1} {
}
vsqaccel.program @b attributes {vector_size = 16, lanes = 16,
    weight_bits = 8, activation_bits = 8, weight_scale_bits = 0,
    activation_scale_bits = 0, accumulator_bits = 32, weight_slots = 1,
    input_entries = 1, accumulator_rows = 1, params_words = 1,
    output_rows = 1} {
}

// -----

// A capacity (and address) the verifier accepts but the 32-bit fields cannot
// hold.
// CHECK: error: machine capacity 8589934592 does not fit 32 bits
vsqaccel.program @wide attributes {vector_size = 16, lanes = 16,
    weight_bits = 8, activation_bits = 8, weight_scale_bits = 0,
    activation_scale_bits = 0, accumulator_bits = 32, weight_slots = 1,
    input_entries = 1, accumulator_rows = 8589934592, params_words = 1,
    output_rows = 1} {
  %c = vsqaccel.acc_clear acc[4294967296] rows 1
}
