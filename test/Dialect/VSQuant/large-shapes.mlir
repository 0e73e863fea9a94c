// RUN: vsq-opt %s -split-input-file -verify-diagnostics

// Shapes over 2^31 elements are fine (element counts are int64); a shape
// whose element count does not fit int64 is rejected by the type verifier
// (it used to wrap: the storage report printed -2 elements).

// 2^62 x 4 = 2^64 elements.
// expected-error @+1 {{a quantized tensor of shape 4611686018427387904x4 has more than 2^63 - 1 elements}}
func.func @count_overflows(%a: !vsquant.tensor<4611686018427387904x4, #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>>) {
  return
}

// -----

// INT64_MAX in one dimension, 2 in the other.
// expected-error @+1 {{a quantized tensor of shape 2x9223372036854775807 has more than 2^63 - 1 elements}}
func.func @count_overflows_by_two(%a: !vsquant.tensor<2x9223372036854775807, #vsquant.format<si8, per_tensor, scale = f32>>) {
  return
}

// -----

// A zero dimension makes the count 0, however large the others.
func.func @zero_dimension(%a: !vsquant.tensor<0x4611686018427387904x4, #vsquant.format<si8, per_tensor, scale = f32>>) {
  return
}

// -----

// A splat constant is range-checked through its one value: an out-of-range
// splat is rejected (and a 2^32-element splat is verified without walking
// 2^32 elements: see large-shapes-report.mlir).
#w = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = f32>
func.func @splat_out_of_range() {
  // expected-error @+1 {{'vsquant.constant' op value 9 at flat index 0 is outside the range [-7, 7] of 'si4'}}
  %w = vsquant.constant values(dense<9> : tensor<65536x65536xi8>) scales(dense<1.0> : tensor<4096x65536xf32>) : !vsquant.tensor<65536x65536, #w>
  return
}

// -----

// Compile-time fp32 scales are finite and non-negative (SPEC.md section 3);
// a NaN scale used to verify and turn every product it scales into NaN.
#w = #vsquant.format<si4, per_tensor, scale = f32>
func.func @nan_scale() {
  // expected-error @+1 {{'vsquant.constant' op scale nan at flat index 0 is not a finite non-negative number}}
  %w = vsquant.constant values(dense<1> : tensor<4xi8>) scales(dense<0x7FC00000> : tensor<f32>) : !vsquant.tensor<4, #w>
  return
}

// -----

#w = #vsquant.format<si4, per_vector(axis = 0, size = 2), scale = f32>
func.func @negative_scale() {
  // expected-error @+1 {{'vsquant.constant' op scale -2.500000e-01 at flat index 1 is not a finite non-negative number}}
  %w = vsquant.constant values(dense<1> : tensor<4xi8>) scales(dense<[0.5, -0.25]> : tensor<2xf32>) : !vsquant.tensor<4, #w>
  return
}

// -----

#w = #vsquant.format<si4, per_vector(axis = 0, size = 2), scale = ui4, coarse = per_channel(axis = 1)>
func.func @infinite_coarse_scale() {
  // expected-error @+1 {{'vsquant.constant' op coarse scale INF at flat index 1 is not a finite non-negative number}}
  %w = vsquant.constant values(dense<1> : tensor<2x2xi8>) scales(dense<3> : tensor<1x2xi8>) coarse(dense<[0.5, 0x7F800000]> : tensor<2xf32>) : !vsquant.tensor<2x2, #w>
  return
}
