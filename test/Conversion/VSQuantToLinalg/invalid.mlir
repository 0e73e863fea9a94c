// RUN: vsq-opt %s --convert-vsquant-to-linalg --split-input-file -verify-diagnostics

// A conv input with static per-channel scales along H has no lowering: the
// conversion names the op.
func.func @conv(%x: !vsquant.tensor<1x4x4x16, #vsquant.format<si8, per_channel(axis = 1), scale = f32>>,
                %w: !vsquant.tensor<3x3x16x2, #vsquant.format<si8, per_vector(axis = 2, size = 16), scale = f32>>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{failed to legalize operation 'vsquant.conv2d'}}
  %y = vsquant.conv2d %x, %w : !vsquant.tensor<1x4x4x16, #vsquant.format<si8, per_channel(axis = 1), scale = f32>>,
      !vsquant.tensor<3x3x16x2, #vsquant.format<si8, per_vector(axis = 2, size = 16), scale = f32>> -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

func.func @block_scale(%x: tensor<2x32xf32>) -> tensor<2x32xf32> {
  // expected-error @+1 {{block scales have no numerics yet}}
  %q = vsquant.dynamic_quantize %x : tensor<2x32xf32> -> !vsquant.tensor<2x32, #vsquant.format<si8, per_vector(axis = 1, size = 32), scale = f8E8M0FNU>>
  %d = vsquant.dequantize %q : !vsquant.tensor<2x32, #vsquant.format<si8, per_vector(axis = 1, size = 32), scale = f8E8M0FNU>> -> tensor<2x32xf32>
  return %d : tensor<2x32xf32>
}
