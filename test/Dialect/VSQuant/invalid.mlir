// RUN: vsq-opt %s -split-input-file -verify-diagnostics

#af = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>
#a8 = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = ui4>

func.func @f(%x: tensor<4x40xf32>, %s: tensor<4x3xf32>) {
  // expected-error @+1 {{'vsquant.quantize' op input shape 4x40 does not match result shape 4x32}}
  %0 = vsquant.quantize %x scales(%s : tensor<4x3xf32>) : tensor<4x40xf32> -> !vsquant.tensor<4x32, #af>
  return
}

// -----

#af = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>
func.func @f(%x: tensor<4x40xf32>, %s: tensor<4x4xf32>) {
  // expected-error @+1 {{scales must have the shape of the scale grid (4x3) of '!vsquant.tensor<4x40, #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>>', got 4x4}}
  %0 = vsquant.quantize %x scales(%s : tensor<4x4xf32>) : tensor<4x40xf32> -> !vsquant.tensor<4x40, #af>
  return
}

// -----

#af = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>
func.func @f(%x: tensor<4x40xf32>, %s: tensor<4x3xi8>) {
  // expected-error @+1 {{scales must have element type 'f32', got 'i8'}}
  %0 = vsquant.quantize %x scales(%s : tensor<4x3xi8>) : tensor<4x40xf32> -> !vsquant.tensor<4x40, #af>
  return
}

// -----

#a8 = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = ui4>
func.func @f(%x: tensor<4x40xf32>, %s: tensor<4x3xf32>, %g: tensor<f32>) {
  // expected-error @+1 {{scales of two-level 'ui4' scales must be signless integers of at least 4 bits, got 'f32'}}
  %0 = vsquant.quantize %x scales(%s : tensor<4x3xf32>) coarse(%g : tensor<f32>) : tensor<4x40xf32> -> !vsquant.tensor<4x40, #a8>
  return
}

// -----

#a8 = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = ui4>
func.func @f(%x: tensor<4x40xf32>, %s: tensor<4x3xi2>, %g: tensor<f32>) {
  // expected-error @+1 {{scales of two-level 'ui4' scales must be signless integers of at least 4 bits, got 'i2'}}
  %0 = vsquant.quantize %x scales(%s : tensor<4x3xi2>) coarse(%g : tensor<f32>) : tensor<4x40xf32> -> !vsquant.tensor<4x40, #a8>
  return
}

// -----

#mx = #vsquant.format<si4, per_vector(axis = 1, size = 32), scale = f8E8M0FNU>
func.func @f(%x: tensor<4x64xf32>, %s: tensor<4x2xf32>) {
  // expected-error @+1 {{scales must have element type 'f8E8M0FNU', got 'f32'}}
  %0 = vsquant.quantize %x scales(%s : tensor<4x2xf32>) : tensor<4x64xf32> -> !vsquant.tensor<4x64, #mx>
  return
}

// -----

#a8 = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = ui4>
func.func @f(%x: tensor<4x40xf32>, %s: tensor<4x3xi8>) {
  // expected-error @+1 {{needs a coarse scale for the two-level 'ui4' scales of '!vsquant.tensor<4x40, #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = ui4>>'}}
  %0 = vsquant.quantize %x scales(%s : tensor<4x3xi8>) : tensor<4x40xf32> -> !vsquant.tensor<4x40, #a8>
  return
}

// -----

#af = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>
func.func @f(%x: tensor<4x40xf32>, %s: tensor<4x3xf32>, %g: tensor<f32>) {
  // expected-error @+1 {{has a coarse scale but the format of '!vsquant.tensor<4x40, #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>>' has no coarse scale (only ui<M> and f8E4M3FN scales do)}}
  %0 = vsquant.quantize %x scales(%s : tensor<4x3xf32>) coarse(%g : tensor<f32>) : tensor<4x40xf32> -> !vsquant.tensor<4x40, #af>
  return
}

// -----

#w = #vsquant.format<si4, per_vector(axis = 1, size = 16), scale = ui4, coarse = per_channel(axis = 0)>
func.func @f(%x: tensor<4x40xf32>, %s: tensor<4x3xi8>, %g: tensor<f32>) {
  // expected-error @+1 {{coarse scale must have shape 4 (per channel), got rank 0}}
  %0 = vsquant.quantize %x scales(%s : tensor<4x3xi8>) coarse(%g : tensor<f32>) : tensor<4x40xf32> -> !vsquant.tensor<4x40, #w>
  return
}

// -----

#a8 = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = ui4>
func.func @f(%x: tensor<4x40xf32>) {
  // expected-error @+1 {{'vsquant.dynamic_quantize' op needs a coarse scale for the two-level 'ui4' scales}}
  %0 = vsquant.dynamic_quantize %x : tensor<4x40xf32> -> !vsquant.tensor<4x40, #a8>
  return
}

// -----

#a8 = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = ui4>
func.func @f(%x: tensor<4x40xf32>, %g: tensor<4xf32>) {
  // expected-error @+1 {{coarse scale must have shape rank 0 (per tensor), got 4}}
  %0 = vsquant.dynamic_quantize %x coarse(%g : tensor<4xf32>) : tensor<4x40xf32> -> !vsquant.tensor<4x40, #a8>
  return
}

// -----

#af = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>
func.func @f(%x: tensor<4x40xf32>) {
  // expected-error @+1 {{'vsquant.dynamic_quantize' op input shape 4x40 does not match result shape 4x48}}
  %0 = vsquant.dynamic_quantize %x : tensor<4x40xf32> -> !vsquant.tensor<4x48, #af>
  return
}

// -----

#af = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>
func.func @f(%q: !vsquant.tensor<4x40, #af>) {
  // expected-error @+1 {{'vsquant.dequantize' op input shape 4x40 does not match result shape 4x16}}
  %0 = vsquant.dequantize %q : !vsquant.tensor<4x40, #af> -> tensor<4x16xf32>
  return
}

// -----

#af = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>
func.func @f(%q: !vsquant.tensor<4x40, #af>) {
  // expected-error @+1 {{op result #0 must be ranked tensor of 32-bit float values}}
  %0 = vsquant.dequantize %q : !vsquant.tensor<4x40, #af> -> tensor<4x40xf16>
  return
}

// -----

// Constants.

func.func @f() {
  // expected-error @+1 {{value -8 at flat index 1 is outside the range [-7, 7] of 'si4'}}
  %0 = vsquant.constant values(dense<[[1, -8], [3, 0]]> : tensor<2x2xi8>) scales(dense<[0.5, 0.25]> : tensor<2xf32>)
      : !vsquant.tensor<2x2, #vsquant.format<si4, per_channel(axis = 1), scale = f32>>
  return
}

// -----

func.func @f() {
  // expected-error @+1 {{value 256 at flat index 3 is outside the range [0, 255] of 'ui8'}}
  %0 = vsquant.constant values(dense<[1, 2, 3, 256]> : tensor<4xi16>) scales(dense<0.5> : tensor<f32>)
      : !vsquant.tensor<4, #vsquant.format<ui8, per_tensor, scale = f32>>
  return
}

// -----

func.func @f() {
  // expected-error @+1 {{value 8 at flat index 2 is outside the range [-7, 7] of 'si4'}}
  %0 = vsquant.constant values(dense_resource<bad> : tensor<4xi8>) scales(dense<0.5> : tensor<f32>)
      : !vsquant.tensor<4, #vsquant.format<si4, per_tensor, scale = f32>>
  return
}

{-#
  dialect_resources: {
    builtin: {
      bad: "0x0100000001020803"
    }
  }
#-}

// -----

func.func @f() {
  // expected-error @+1 {{values must be signless integers of at least 8 bits for 'si8', got 'i4'}}
  %0 = vsquant.constant values(dense<1> : tensor<4xi4>) scales(dense<0.5> : tensor<f32>)
      : !vsquant.tensor<4, #vsquant.format<si8, per_tensor, scale = f32>>
  return
}

// -----

func.func @f() {
  // expected-error @+1 {{values must be signless integers of at least 4 bits for 'si4', got 'f32'}}
  %0 = vsquant.constant values(dense<1.0> : tensor<4xf32>) scales(dense<0.5> : tensor<f32>)
      : !vsquant.tensor<4, #vsquant.format<si4, per_tensor, scale = f32>>
  return
}

// -----

func.func @f() {
  // expected-error @+1 {{values must be dense or dense_resource tensor data, got 1 : i8}}
  %0 = vsquant.constant values(1 : i8) scales(dense<0.5> : tensor<f32>)
      : !vsquant.tensor<4, #vsquant.format<si4, per_tensor, scale = f32>>
  return
}

// -----

func.func @f() {
  // expected-error @+1 {{values shape 5 does not match result shape 4}}
  %0 = vsquant.constant values(dense<1> : tensor<5xi8>) scales(dense<0.5> : tensor<f32>)
      : !vsquant.tensor<4, #vsquant.format<si4, per_tensor, scale = f32>>
  return
}

// -----

func.func @f() {
  // expected-error @+1 {{needs a static shape, got '!vsquant.tensor<?, #vsquant.format<si4, per_tensor, scale = f32>>'}}
  %0 = vsquant.constant values(dense<1> : tensor<4xi8>) scales(dense<0.5> : tensor<f32>)
      : !vsquant.tensor<?, #vsquant.format<si4, per_tensor, scale = f32>>
  return
}

// -----

func.func @f() {
  // expected-error @+1 {{scales must be dense or dense_resource tensor data, got 5.000000e-01 : f32}}
  %0 = vsquant.constant values(dense<1> : tensor<4xi8>) scales(0.5 : f32)
      : !vsquant.tensor<4, #vsquant.format<si4, per_tensor, scale = f32>>
  return
}

// -----

func.func @f() {
  // expected-error @+1 {{scales must have the shape of the scale grid (2) of}}
  %0 = vsquant.constant values(dense<1> : tensor<4x2xi8>) scales(dense<0.5> : tensor<4xf32>)
      : !vsquant.tensor<4x2, #vsquant.format<si4, per_channel(axis = 1), scale = f32>>
  return
}

// -----

func.func @f() {
  // expected-error @+1 {{coarse must be dense or dense_resource tensor data, got 5.000000e-01 : f32}}
  %0 = vsquant.constant values(dense<1> : tensor<4xi8>) scales(dense<3> : tensor<1xi8>) coarse(0.5 : f32)
      : !vsquant.tensor<4, #vsquant.format<si4, per_vector(axis = 0, size = 4), scale = ui4>>
  return
}

// -----

func.func @f() {
  // expected-error @+1 {{needs a coarse scale for the two-level 'ui4' scales}}
  %0 = vsquant.constant values(dense<1> : tensor<4xi8>) scales(dense<3> : tensor<1xi8>)
      : !vsquant.tensor<4, #vsquant.format<si4, per_vector(axis = 0, size = 4), scale = ui4>>
  return
}

// -----

// Compute ops.

#af = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>
#wf = #vsquant.format<si8, per_vector(axis = 0, size = 16), scale = f32>
func.func @f(%a: !vsquant.tensor<4x32, #af>, %b: !vsquant.tensor<32x8, #af>) {
  // expected-error @+1 {{'vsquant.matmul' op rhs is quantized in vectors along axis 1, but its reduction axis is 0}}
  %0 = vsquant.matmul %a, %b : !vsquant.tensor<4x32, #af>, !vsquant.tensor<32x8, #af> -> tensor<4x8xf32>
  return
}

// -----

#af = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>
#wf = #vsquant.format<si8, per_vector(axis = 0, size = 16), scale = f32>
func.func @f(%a: !vsquant.tensor<4x32, #af>, %b: !vsquant.tensor<48x8, #wf>) {
  // expected-error @+1 {{reduction sizes differ: lhs has 32 along axis 1, rhs has 48 along axis 0}}
  %0 = vsquant.matmul %a, %b : !vsquant.tensor<4x32, #af>, !vsquant.tensor<48x8, #wf> -> tensor<4x8xf32>
  return
}

// -----

#af = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>
#w32 = #vsquant.format<si8, per_vector(axis = 0, size = 32), scale = f32>
func.func @f(%a: !vsquant.tensor<4x64, #af>, %b: !vsquant.tensor<64x8, #w32>) {
  // expected-error @+1 {{vector sizes differ along the reduction axis: lhs uses 16, rhs uses 32}}
  %0 = vsquant.matmul %a, %b : !vsquant.tensor<4x64, #af>, !vsquant.tensor<64x8, #w32> -> tensor<4x8xf32>
  return
}

// -----

#ak = #vsquant.format<si8, per_channel(axis = 1), scale = f32>
#wf = #vsquant.format<si8, per_vector(axis = 0, size = 16), scale = f32>
func.func @f(%a: !vsquant.tensor<4x32, #ak>, %b: !vsquant.tensor<32x8, #wf>) {
  // expected-error @+1 {{lhs has a per_channel scale along the reduction axis 1, which cannot be factored out of the dot products}}
  %0 = vsquant.matmul %a, %b : !vsquant.tensor<4x32, #ak>, !vsquant.tensor<32x8, #wf> -> tensor<4x8xf32>
  return
}

// -----

#af = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>
#wf = #vsquant.format<si8, per_vector(axis = 0, size = 16), scale = f32>
func.func @f(%a: !vsquant.tensor<4x32, #af>, %b: !vsquant.tensor<32x8, #wf>) {
  // expected-error @+1 {{result shape 4x4 does not match the expected 4x8}}
  %0 = vsquant.matmul %a, %b : !vsquant.tensor<4x32, #af>, !vsquant.tensor<32x8, #wf> -> tensor<4x4xf32>
  return
}

// -----

#af = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>
#wf = #vsquant.format<si8, per_vector(axis = 0, size = 16), scale = f32>
func.func @f(%a: !vsquant.tensor<4x32, #af>, %b: !vsquant.tensor<32x8, #wf>, %bias: tensor<4xf32>) {
  // expected-error @+1 {{bias must have shape 8 (one value per output channel), got 4}}
  %0 = vsquant.matmul %a, %b bias(%bias : tensor<4xf32>) : !vsquant.tensor<4x32, #af>, !vsquant.tensor<32x8, #wf> -> tensor<4x8xf32>
  return
}

// -----

#af = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>
#wf = #vsquant.format<si8, per_vector(axis = 0, size = 16), scale = f32>
func.func @f(%a: !vsquant.tensor<4x32, #af>, %b: !vsquant.tensor<32x8, #wf>, %g: tensor<f32>) {
  // expected-error @+1 {{has an out_coarse scale but its result is not a quantized tensor}}
  %0 = vsquant.matmul %a, %b out_coarse(%g : tensor<f32>) : !vsquant.tensor<4x32, #af>, !vsquant.tensor<32x8, #wf> -> tensor<4x8xf32>
  return
}

// -----

#af = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>
#wf = #vsquant.format<si8, per_vector(axis = 0, size = 16), scale = f32>
#out = #vsquant.format<si8, per_vector(axis = 1, size = 8), scale = ui4>
func.func @f(%a: !vsquant.tensor<4x32, #af>, %b: !vsquant.tensor<32x8, #wf>) {
  // expected-error @+1 {{needs a out_coarse scale for the two-level 'ui4' scales}}
  %0 = vsquant.matmul %a, %b : !vsquant.tensor<4x32, #af>, !vsquant.tensor<32x8, #wf> -> !vsquant.tensor<4x8, #out>
  return
}

// -----

#af = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>
func.func @f(%a: !vsquant.tensor<4x32, #af>, %b: !vsquant.tensor<2x32x8, #af>) {
  // expected-error @+1 {{rhs must have rank 2, got 3}}
  %0 = vsquant.matmul %a, %b : !vsquant.tensor<4x32, #af>, !vsquant.tensor<2x32x8, #af> -> tensor<4x8xf32>
  return
}

// -----

#a3 = #vsquant.format<si8, per_vector(axis = 2, size = 16), scale = f32>
#w3 = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>
func.func @f(%a: !vsquant.tensor<2x4x32, #a3>, %b: !vsquant.tensor<3x32x8, #w3>) {
  // expected-error @+1 {{'vsquant.batch_matmul' op batch sizes differ: lhs has 2, rhs has 3}}
  %0 = vsquant.batch_matmul %a, %b : !vsquant.tensor<2x4x32, #a3>, !vsquant.tensor<3x32x8, #w3> -> tensor<2x4x8xf32>
  return
}

// -----

#a3 = #vsquant.format<si8, per_vector(axis = 2, size = 16), scale = f32>
#w3 = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>
func.func @f(%a: !vsquant.tensor<2x4x32, #a3>, %b: !vsquant.tensor<2x32x8, #w3>) {
  // expected-error @+1 {{result shape 2x8x4 does not match the expected 2x4x8}}
  %0 = vsquant.batch_matmul %a, %b : !vsquant.tensor<2x4x32, #a3>, !vsquant.tensor<2x32x8, #w3> -> tensor<2x8x4xf32>
  return
}

// -----

#a2 = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>
#w3 = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>
func.func @f(%a: !vsquant.tensor<4x32, #a2>, %b: !vsquant.tensor<2x32x8, #w3>) {
  // expected-error @+1 {{lhs must have rank 3, got 2}}
  %0 = vsquant.batch_matmul %a, %b : !vsquant.tensor<4x32, #a2>, !vsquant.tensor<2x32x8, #w3> -> tensor<2x4x8xf32>
  return
}

// -----

#in = #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>
#fl = #vsquant.format<si8, per_vector(axis = 2, size = 16), scale = f32>
func.func @f(%x: !vsquant.tensor<1x8x8x32, #in>, %w: !vsquant.tensor<3x3x32x4, #fl>) {
  // expected-error @+1 {{result shape 1x8x8x4 does not match the expected 1x4x4x4}}
  %0 = vsquant.conv2d %x, %w {strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>}
      : !vsquant.tensor<1x8x8x32, #in>, !vsquant.tensor<3x3x32x4, #fl> -> tensor<1x8x8x4xf32>
  return
}

// -----

#in = #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>
#fl = #vsquant.format<si8, per_vector(axis = 2, size = 16), scale = f32>
func.func @f(%x: !vsquant.tensor<1x8x8x32, #in>, %w: !vsquant.tensor<3x3x32x4, #fl>) {
  // expected-error @+1 {{strides must be two positive integers [h, w]}}
  %0 = vsquant.conv2d %x, %w {strides = array<i64: 0, 1>}
      : !vsquant.tensor<1x8x8x32, #in>, !vsquant.tensor<3x3x32x4, #fl> -> tensor<1x6x6x4xf32>
  return
}

// -----

#in = #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>
#fl = #vsquant.format<si8, per_vector(axis = 2, size = 16), scale = f32>
func.func @f(%x: !vsquant.tensor<1x8x8x32, #in>, %w: !vsquant.tensor<3x3x32x4, #fl>) {
  // expected-error @+1 {{dilations must be two positive integers [h, w]}}
  %0 = vsquant.conv2d %x, %w {dilations = array<i64: 1, 1, 1>}
      : !vsquant.tensor<1x8x8x32, #in>, !vsquant.tensor<3x3x32x4, #fl> -> tensor<1x6x6x4xf32>
  return
}

// -----

#in = #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>
#fl = #vsquant.format<si8, per_vector(axis = 2, size = 16), scale = f32>
func.func @f(%x: !vsquant.tensor<1x8x8x32, #in>, %w: !vsquant.tensor<3x3x32x4, #fl>) {
  // expected-error @+1 {{padding must be four non-negative integers [top, left, bottom, right]}}
  %0 = vsquant.conv2d %x, %w {padding = array<i64: 1, 1>}
      : !vsquant.tensor<1x8x8x32, #in>, !vsquant.tensor<3x3x32x4, #fl> -> tensor<1x6x6x4xf32>
  return
}

// -----

#in = #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>
#fl = #vsquant.format<si8, per_vector(axis = 2, size = 16), scale = f32>
func.func @f(%x: !vsquant.tensor<1x2x2x32, #in>, %w: !vsquant.tensor<3x3x32x4, #fl>) {
  // expected-error @+1 {{the dilated filter (5) is larger than the padded input (2)}}
  %0 = vsquant.conv2d %x, %w {dilations = array<i64: 2, 2>}
      : !vsquant.tensor<1x2x2x32, #in>, !vsquant.tensor<3x3x32x4, #fl> -> tensor<1x1x1x4xf32>
  return
}

// -----

#in = #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>
#fl = #vsquant.format<si8, per_vector(axis = 2, size = 16), scale = f32>
func.func @f(%x: !vsquant.tensor<1x8x8x32, #in>, %w: !vsquant.tensor<3x3x16x4, #fl>) {
  // expected-error @+1 {{reduction sizes differ: input has 32 along axis 3, filter has 16 along axis 2}}
  %0 = vsquant.conv2d %x, %w : !vsquant.tensor<1x8x8x32, #in>, !vsquant.tensor<3x3x16x4, #fl> -> tensor<1x6x6x4xf32>
  return
}

// -----

#in = #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>
#fc = #vsquant.format<si8, per_channel(axis = 2), scale = f32>
func.func @f(%x: !vsquant.tensor<1x8x8x32, #in>, %w: !vsquant.tensor<3x3x32x4, #fc>) {
  // expected-error @+1 {{filter has a per_channel scale along the reduction axis 2}}
  %0 = vsquant.conv2d %x, %w : !vsquant.tensor<1x8x8x32, #in>, !vsquant.tensor<3x3x32x4, #fc> -> tensor<1x6x6x4xf32>
  return
}

// -----

#in = #vsquant.format<si8, per_vector(axis = 2, size = 16), scale = f32>
#fl = #vsquant.format<si8, per_vector(axis = 2, size = 16), scale = f32>
func.func @f(%x: !vsquant.tensor<8x8x32, #in>, %w: !vsquant.tensor<3x3x32x4, #fl>) {
  // expected-error @+1 {{input (NHWC) must have rank 4, got 3}}
  %0 = vsquant.conv2d %x, %w : !vsquant.tensor<8x8x32, #in>, !vsquant.tensor<3x3x32x4, #fl> -> tensor<1x6x6x4xf32>
  return
}

// -----

#in = #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>
#fl = #vsquant.format<si8, per_vector(axis = 0, size = 16), scale = f32>
func.func @f(%x: !vsquant.tensor<1x8x8x32, #in>, %w: !vsquant.tensor<16x32, #fl>) {
  // expected-error @+1 {{filter has 16 rows but a 3x3 window has 9}}
  %0 = vsquant.depthwise_conv2d %x, %w {kernel_size = array<i64: 3, 3>}
      : !vsquant.tensor<1x8x8x32, #in>, !vsquant.tensor<16x32, #fl> -> tensor<1x6x6x32xf32>
  return
}

// -----

#in = #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>
#fl = #vsquant.format<si8, per_vector(axis = 0, size = 16), scale = f32>
func.func @f(%x: !vsquant.tensor<1x8x8x32, #in>, %w: !vsquant.tensor<9x16, #fl>) {
  // expected-error @+1 {{channel counts differ: input has 32, filter has 16}}
  %0 = vsquant.depthwise_conv2d %x, %w {kernel_size = array<i64: 3, 3>}
      : !vsquant.tensor<1x8x8x32, #in>, !vsquant.tensor<9x16, #fl> -> tensor<1x6x6x16xf32>
  return
}

// -----

#in = #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>
#fl = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>
func.func @f(%x: !vsquant.tensor<1x8x8x32, #in>, %w: !vsquant.tensor<9x32, #fl>) {
  // expected-error @+1 {{filter is quantized in vectors along axis 1, but its reduction axis is 0}}
  %0 = vsquant.depthwise_conv2d %x, %w {kernel_size = array<i64: 3, 3>}
      : !vsquant.tensor<1x8x8x32, #in>, !vsquant.tensor<9x32, #fl> -> tensor<1x6x6x32xf32>
  return
}

// -----

#in = #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>
#fl = #vsquant.format<si8, per_channel(axis = 0), scale = f32>
func.func @f(%x: !vsquant.tensor<1x8x8x32, #in>, %w: !vsquant.tensor<9x32, #fl>) {
  // expected-error @+1 {{filter has a per_channel scale along the reduction axis 0}}
  %0 = vsquant.depthwise_conv2d %x, %w {kernel_size = array<i64: 3, 3>}
      : !vsquant.tensor<1x8x8x32, #in>, !vsquant.tensor<9x32, #fl> -> tensor<1x6x6x32xf32>
  return
}

// -----

#in = #vsquant.format<si8, per_vector(axis = 2, size = 4), scale = f32>
#fl = #vsquant.format<si8, per_vector(axis = 0, size = 16), scale = f32>
func.func @f(%x: !vsquant.tensor<1x8x8x32, #in>, %w: !vsquant.tensor<9x32, #fl>) {
  // expected-error @+1 {{input must be quantized per tensor or along its channel axis 3 (windows overlap, so vectors cannot run along them), got axis 2}}
  %0 = vsquant.depthwise_conv2d %x, %w {kernel_size = array<i64: 3, 3>}
      : !vsquant.tensor<1x8x8x32, #in>, !vsquant.tensor<9x32, #fl> -> tensor<1x6x6x32xf32>
  return
}

// -----

#in = #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>
#fl = #vsquant.format<si8, per_vector(axis = 0, size = 16), scale = f32>
func.func @f(%x: !vsquant.tensor<1x8x8x32, #in>, %w: !vsquant.tensor<9x32, #fl>) {
  // expected-error @+1 {{kernel_size must be two positive integers [kh, kw]}}
  %0 = vsquant.depthwise_conv2d %x, %w {kernel_size = array<i64: 3>}
      : !vsquant.tensor<1x8x8x32, #in>, !vsquant.tensor<9x32, #fl> -> tensor<1x6x6x32xf32>
  return
}

// -----

#in = #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>
#fl = #vsquant.format<si8, per_vector(axis = 0, size = 16), scale = f32>
func.func @f(%x: !vsquant.tensor<1x8x8x32, #in>, %w: !vsquant.tensor<9x32, #fl>) {
  // expected-error @+1 {{result shape 1x6x6x32 does not match the expected 1x3x3x32}}
  %0 = vsquant.depthwise_conv2d %x, %w {kernel_size = array<i64: 3, 3>, strides = array<i64: 2, 2>}
      : !vsquant.tensor<1x8x8x32, #in>, !vsquant.tensor<9x32, #fl> -> tensor<1x6x6x32xf32>
  return
}

// -----

#in = #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>
#fl = #vsquant.format<si8, per_vector(axis = 0, size = 16), scale = f32>
func.func @f(%x: !vsquant.tensor<1x2x2x32, #in>, %w: !vsquant.tensor<9x32, #fl>) {
  // expected-error @+1 {{the dilated filter (3) is larger than the padded input (2)}}
  %0 = vsquant.depthwise_conv2d %x, %w {kernel_size = array<i64: 3, 3>}
      : !vsquant.tensor<1x2x2x32, #in>, !vsquant.tensor<9x32, #fl> -> tensor<1x1x1x32xf32>
  return
}

// -----

#in = #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>
#fl = #vsquant.format<si8, per_vector(axis = 0, size = 16), scale = f32>
func.func @f(%x: !vsquant.tensor<1x8x8x32, #in>, %w: !vsquant.tensor<3x3x32, #fl>) {
  // expected-error @+1 {{filter ((KH*KW) x C) must have rank 2, got 3}}
  %0 = vsquant.depthwise_conv2d %x, %w {kernel_size = array<i64: 3, 3>}
      : !vsquant.tensor<1x8x8x32, #in>, !vsquant.tensor<3x3x32, #fl> -> tensor<1x6x6x32xf32>
  return
}

// -----

func.func @dot_accumulate_bytes(%acc: vector<8xi32>, %a: vector<64xi8>) -> vector<8xi32> {
  // expected-error @below {{needs 4 bytes per 32-bit lane: 8 lanes take 32 bytes, not 64}}
  %0 = vsquant.dot_accumulate %acc, %a, %a : vector<8xi32>, vector<64xi8>
  return %0 : vector<8xi32>
}

// -----

func.func @dot_accumulate_types(%acc: vector<16xi32>, %a: vector<64xi8>, %w: vector<32xi8>) -> vector<16xi32> {
  // expected-error @below {{failed to verify that all of {lhs, rhs} have same type}}
  %0 = "vsquant.dot_accumulate"(%acc, %a, %w) : (vector<16xi32>, vector<64xi8>, vector<32xi8>) -> vector<16xi32>
  return %0 : vector<16xi32>
}
