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
