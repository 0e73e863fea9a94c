// RUN: vsq-opt %s --vsquant-tile-vectors="target=avx512vnni" --split-input-file -verify-diagnostics

// What neither the tiled kernels nor the reference lowering can take is
// reported on the op, as by convert-vsquant-to-linalg: block scales have no
// numerics yet, even on a matmul the kernels would otherwise tile.
#mx = #vsquant.format<si8, per_vector(axis = 1, size = 32), scale = f8E8M0FNU>
#w = #vsquant.format<si8, per_vector(axis = 0, size = 32), scale = f32>
func.func @block_scale_matmul(%x: tensor<2x32xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{block scales have no numerics yet}}
  %q = vsquant.dynamic_quantize %x : tensor<2x32xf32> -> !vsquant.tensor<2x32, #mx>
  %w = vsquant.constant values(dense<1> : tensor<32x8xi8>) scales(dense<0.5> : tensor<1x8xf32>) : !vsquant.tensor<32x8, #w>
  %y = vsquant.matmul %q, %w : !vsquant.tensor<2x32, #mx>, !vsquant.tensor<32x8, #w> -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// A conv input with static per-channel scales along H has no lowering.
func.func @conv(%x: !vsquant.tensor<1x4x4x16, #vsquant.format<si8, per_channel(axis = 1), scale = f32>>,
                %w: !vsquant.tensor<3x3x16x2, #vsquant.format<si8, per_vector(axis = 2, size = 16), scale = f32>>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{failed to legalize operation 'vsquant.conv2d'}}
  %y = vsquant.conv2d %x, %w : !vsquant.tensor<1x4x4x16, #vsquant.format<si8, per_channel(axis = 1), scale = f32>>,
      !vsquant.tensor<3x3x16x2, #vsquant.format<si8, per_vector(axis = 2, size = 16), scale = f32>> -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}
