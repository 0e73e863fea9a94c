// RUN: vsq-opt %s --vsquant-verify-lowered --split-input-file -verify-diagnostics

func.func @left(%x: tensor<2x16xf32>) {
  // expected-error @+1 {{vsquant op left after lowering: 'vsquant.dynamic_quantize' has no lowering yet}}
  %q = vsquant.dynamic_quantize %x : tensor<2x16xf32> -> !vsquant.tensor<2x16, #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>>
  return
}

// -----

// expected-error @+1 {{vsquant type left after lowering}}
func.func private @signature(!vsquant.tensor<2x16, #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>>)

// -----

// Clean IR passes.
func.func @clean(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
