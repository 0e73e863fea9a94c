// RUN: vsq-opt %s -split-input-file -verify-diagnostics --convert-vsquant-to-vsqaccel=config=%vsquant_src/accel/w4a4-v16-ui4.json

#a = #vsquant.format<si4, per_vector(axis = 1, size = 32), scale = ui4>
#w = #vsquant.format<si4, per_vector(axis = 0, size = 32), scale = ui4, coarse = per_channel(axis = 1)>
func.func @vector_size(%a: !vsquant.tensor<4x32, #a>, %w: !vsquant.tensor<32x8, #w>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'vsquant.matmul' op lhs: vector size 32 differs from the hardware's 16 (accelerator 'w4a4-v16-ui4')}}
  %y = vsquant.matmul %a, %w : !vsquant.tensor<4x32, #a>, !vsquant.tensor<32x8, #w> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

#a = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = ui4>
#w = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>
func.func @too_wide(%a: !vsquant.tensor<4x32, #a>, %w: !vsquant.tensor<32x8, #w>) -> tensor<4x8xf32> {
  // expected-error @+1 {{lhs: 8-bit elements do not fit the 4-bit datapath}}
  %y = vsquant.matmul %a, %w : !vsquant.tensor<4x32, #a>, !vsquant.tensor<32x8, #w> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

#a = #vsquant.format<si4, per_vector(axis = 1, size = 16), scale = ui4>
#w = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui6, coarse = per_channel(axis = 1)>
func.func @scale_bits(%a: !vsquant.tensor<4x32, #a>, %w: !vsquant.tensor<32x8, #w>) -> tensor<4x8xf32> {
  // expected-error @+1 {{rhs: needs two-level ui4 scales, the machine's per-vector scale width}}
  %y = vsquant.matmul %a, %w : !vsquant.tensor<4x32, #a>, !vsquant.tensor<32x8, #w> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

#a = #vsquant.format<si4, per_vector(axis = 1, size = 16), scale = f32>
#w = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>
func.func @single_level(%a: !vsquant.tensor<4x32, #a>, %w: !vsquant.tensor<32x8, #w>) -> tensor<4x8xf32> {
  // expected-error @+1 {{lhs: needs two-level ui4 scales}}
  %y = vsquant.matmul %a, %w : !vsquant.tensor<4x32, #a>, !vsquant.tensor<32x8, #w> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

#a = #vsquant.format<si4, per_vector(axis = 1, size = 16), scale = ui4, coarse = per_channel(axis = 0)>
#w = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>
func.func @row_coarse(%a: !vsquant.tensor<4x32, #a>, %w: !vsquant.tensor<32x8, #w>) -> tensor<4x8xf32> {
  // expected-error @+1 {{lhs: a per-row coarse scale cannot be applied per lane by the PPU; use a per-tensor coarse scale}}
  %y = vsquant.matmul %a, %w : !vsquant.tensor<4x32, #a>, !vsquant.tensor<32x8, #w> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

#a = #vsquant.format<si4, per_vector(axis = 1, size = 16), scale = ui4>
#w = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>
func.func @dynamic(%a: !vsquant.tensor<?x32, #a>, %w: !vsquant.tensor<32x8, #w>) -> tensor<?x8xf32> {
  // expected-error @+1 {{needs static shapes to map to the accelerator}}
  %y = vsquant.matmul %a, %w : !vsquant.tensor<?x32, #a>, !vsquant.tensor<32x8, #w> -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

#a = #vsquant.format<si4, per_vector(axis = 1, size = 16), scale = ui4>
#w = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>
#o = #vsquant.format<ui4, per_vector(axis = 1, size = 16), scale = ui4>
func.func @requant_n(%a: !vsquant.tensor<4x32, #a>, %w: !vsquant.tensor<32x24, #w>, %g: tensor<f32>) -> !vsquant.tensor<4x24, #o> {
  // expected-error @+1 {{cannot map to accelerator 'w4a4-v16-ui4': 'requant_n_matmul0': re-quantized outputs need N (24) and the lanes (64) to be multiples of V (16)}}
  %y = vsquant.matmul %a, %w out_coarse(%g : tensor<f32>) : !vsquant.tensor<4x32, #a>, !vsquant.tensor<32x24, #w> -> !vsquant.tensor<4x24, #o>
  return %y : !vsquant.tensor<4x24, #o>
}

// -----

#x = #vsquant.format<si4, per_vector(axis = 3, size = 16), scale = ui4>
#w = #vsquant.format<si4, per_vector(axis = 2, size = 32), scale = ui4, coarse = per_channel(axis = 3)>
func.func @conv_vector_size(%x: !vsquant.tensor<1x4x4x32, #x>, %w: !vsquant.tensor<1x1x32x8, #w>) -> tensor<1x4x4x8xf32> {
  // expected-error @+1 {{filter: vector size 32 differs from the hardware's 16 (accelerator 'w4a4-v16-ui4')}}
  %y = vsquant.conv2d %x, %w : !vsquant.tensor<1x4x4x32, #x>, !vsquant.tensor<1x1x32x8, #w> -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}

// -----

// 65536^3 on 64 lanes: 1024 x 1024 x 586 tiles, about 1.8e9 instructions in
// one straight-line program (it used to try, and run out of memory).
#a = #vsquant.format<si4, per_vector(axis = 1, size = 16), scale = ui4>
#w = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>
func.func @too_many_tiles(%a: !vsquant.tensor<65536x65536, #a>, %w: !vsquant.tensor<65536x65536, #w>) -> tensor<65536x65536xf32> {
  // expected-error @+1 {{cannot map to accelerator 'w4a4-v16-ui4': 'too_many_tiles_matmul0': 65536 x 65536 x 65536 needs 1024 x 1024 x 586 (N, M, K) tiles, more than the 4194304 instructions a program may have}}
  %y = vsquant.matmul %a, %w : !vsquant.tensor<65536x65536, #a>, !vsquant.tensor<65536x65536, #w> -> tensor<65536x65536xf32>
  return %y : tensor<65536x65536xf32>
}

// -----

// batch_matmul: B enters the weight datapath, which is signed.
#a = #vsquant.format<si4, per_vector(axis = 2, size = 16), scale = ui4>
#b = #vsquant.format<ui4, per_vector(axis = 1, size = 16), scale = ui4>
func.func @batch_unsigned_rhs(%a: !vsquant.tensor<2x4x32, #a>, %b: !vsquant.tensor<2x32x16, #b>) -> tensor<2x4x16xf32> {
  // expected-error @+1 {{'vsquant.batch_matmul' op rhs: unsigned elements cannot enter the signed weight datapath (accelerator 'w4a4-v16-ui4')}}
  %y = vsquant.batch_matmul %a, %b : !vsquant.tensor<2x4x32, #a>, !vsquant.tensor<2x32x16, #b> -> tensor<2x4x16xf32>
  return %y : tensor<2x4x16xf32>
}

// -----

// An 8-bit activation as B does not fit a 4-bit weight datapath.
#a = #vsquant.format<si4, per_vector(axis = 2, size = 16), scale = ui4>
#b = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = ui4>
func.func @batch_wide_rhs(%a: !vsquant.tensor<2x4x32, #a>, %b: !vsquant.tensor<2x32x16, #b>) -> tensor<2x4x16xf32> {
  // expected-error @+1 {{rhs: 8-bit elements do not fit the 4-bit datapath}}
  %y = vsquant.batch_matmul %a, %b : !vsquant.tensor<2x4x32, #a>, !vsquant.tensor<2x32x16, #b> -> tensor<2x4x16xf32>
  return %y : tensor<2x4x16xf32>
}

// -----

// A per-batch coarse scale is fine (see batch_matmul.mlir), a per-row one
// is not.
#a = #vsquant.format<si4, per_vector(axis = 2, size = 16), scale = ui4, coarse = per_channel(axis = 1)>
#b = #vsquant.format<si4, per_vector(axis = 1, size = 16), scale = ui4>
func.func @batch_row_coarse(%a: !vsquant.tensor<2x4x32, #a>, %b: !vsquant.tensor<2x32x16, #b>) -> tensor<2x4x16xf32> {
  // expected-error @+1 {{lhs: a per-row coarse scale cannot be applied per lane by the PPU; use a per-tensor coarse scale}}
  %y = vsquant.batch_matmul %a, %b : !vsquant.tensor<2x4x32, #a>, !vsquant.tensor<2x32x16, #b> -> tensor<2x4x16xf32>
  return %y : tensor<2x4x16xf32>
}

// -----

#a = #vsquant.format<si4, per_vector(axis = 2, size = 16), scale = ui4>
#b = #vsquant.format<si4, per_vector(axis = 1, size = 16), scale = ui4>
#o = #vsquant.format<si4, per_vector(axis = 2, size = 16), scale = ui4, round = rna>
func.func @batch_result_rounding(%a: !vsquant.tensor<2x4x32, #a>, %b: !vsquant.tensor<2x32x16, #b>, %g: tensor<f32>) -> !vsquant.tensor<2x4x16, #o> {
  // expected-error @+1 {{result: the PPU rounds elements half to even and integer scales up (round = rne, scale_round = ceil)}}
  %y = vsquant.batch_matmul %a, %b out_coarse(%g : tensor<f32>) : !vsquant.tensor<2x4x32, #a>, !vsquant.tensor<2x32x16, #b> -> !vsquant.tensor<2x4x16, #o>
  return %y : !vsquant.tensor<2x4x16, #o>
}

// -----

// depthwise: the filter's taps need integer scales of the machine's width.
#x = #vsquant.format<ui4, per_vector(axis = 3, size = 16), scale = ui4>
#w = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = f32>
func.func @dw_single_level(%x: !vsquant.tensor<1x8x8x32, #x>, %w: !vsquant.tensor<9x32, #w>) -> tensor<1x6x6x32xf32> {
  // expected-error @+1 {{'vsquant.depthwise_conv2d' op filter: must be per_vector along the window (axis 0) with two-level ui4 scales on a per-vector machine (accelerator 'w4a4-v16-ui4')}}
  %y = vsquant.depthwise_conv2d %x, %w {kernel_size = array<i64: 3, 3>}
      : !vsquant.tensor<1x8x8x32, #x>, !vsquant.tensor<9x32, #w> -> tensor<1x6x6x32xf32>
  return %y : tensor<1x6x6x32xf32>
}

// -----

#x = #vsquant.format<ui4, per_vector(axis = 3, size = 32), scale = ui4>
#w = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4>
func.func @dw_vector_size(%x: !vsquant.tensor<1x8x8x32, #x>, %w: !vsquant.tensor<9x32, #w>) -> tensor<1x6x6x32xf32> {
  // expected-error @+1 {{input: vector size 32 differs from the hardware's 16}}
  %y = vsquant.depthwise_conv2d %x, %w {kernel_size = array<i64: 3, 3>}
      : !vsquant.tensor<1x8x8x32, #x>, !vsquant.tensor<9x32, #w> -> tensor<1x6x6x32xf32>
  return %y : tensor<1x6x6x32xf32>
}

// -----

// The per-tensor input scale of the dialect's other input formats cannot
// enter a per-vector machine.
#x = #vsquant.format<ui4, per_tensor, scale = f32>
#w = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4>
func.func @dw_per_tensor_input(%x: !vsquant.tensor<1x8x8x32, #x>, %w: !vsquant.tensor<9x32, #w>) -> tensor<1x6x6x32xf32> {
  // expected-error @+1 {{input: must be per_vector along the reduction axis 3 on a per-vector machine}}
  %y = vsquant.depthwise_conv2d %x, %w {kernel_size = array<i64: 3, 3>}
      : !vsquant.tensor<1x8x8x32, #x>, !vsquant.tensor<9x32, #w> -> tensor<1x6x6x32xf32>
  return %y : tensor<1x6x6x32xf32>
}

// -----

// Re-quantized outputs: C must fill whole vectors.
#x = #vsquant.format<ui4, per_vector(axis = 3, size = 16), scale = ui4>
#w = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4>
#o = #vsquant.format<ui4, per_vector(axis = 3, size = 16), scale = ui4>
func.func @dw_requant_c(%x: !vsquant.tensor<1x8x8x24, #x>, %w: !vsquant.tensor<9x24, #w>, %g: tensor<f32>) -> !vsquant.tensor<1x6x6x24, #o> {
  // expected-error @+1 {{cannot map to accelerator 'w4a4-v16-ui4': 'dw_requant_c_depthwise_conv2d0': re-quantized outputs need N (24) and the lanes (64) to be multiples of V (16)}}
  %y = vsquant.depthwise_conv2d %x, %w out_coarse(%g : tensor<f32>) {kernel_size = array<i64: 3, 3>}
      : !vsquant.tensor<1x8x8x24, #x>, !vsquant.tensor<9x24, #w> -> !vsquant.tensor<1x6x6x24, #o>
  return %y : !vsquant.tensor<1x6x6x24, #o>
}
