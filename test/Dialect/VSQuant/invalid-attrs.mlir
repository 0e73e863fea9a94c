// RUN: vsq-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{element type must be signed (si<N>) or unsigned (ui<N>), got signless 'i4'}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<i4, per_tensor>>)

// -----

// expected-error @+1 {{element type must have 2 to 8 bits, got 'si9'}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<si9, per_tensor>>)

// -----

// expected-error @+1 {{element type must have 2 to 8 bits, got 'ui1'}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<ui1, per_tensor>>)

// -----

// expected-error @+1 {{expected element type si<N> or ui<N>, got 'f32'}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<f32, per_tensor>>)

// -----

// expected-error @+1 {{expected per_vector, per_channel or per_tensor, got 'per_row'}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<si8, per_row>>)

// -----

// expected-error @+1 {{per_channel axis must be non-negative, got -1}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<si8, per_channel(axis = -1)>>)

// -----

// expected-error @+1 {{per_vector axis must be non-negative, got -2}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<si8, per_vector(axis = -2, size = 4)>>)

// -----

// expected-error @+1 {{vector size must be at least 1, got 0}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<si8, per_vector(axis = 1, size = 0)>>)

// -----

// expected-error @+1 {{integer scales must be unsigned (ui<M>), got 'si4'}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<si8, per_vector(axis = 1, size = 4), scale = si4>>)

// -----

// expected-error @+1 {{integer scales must have 1 to 16 bits, got 'ui17'}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<si8, per_vector(axis = 1, size = 4), scale = ui17>>)

// -----

// expected-error @+1 {{scale must be f32, ui<M>, f8E8M0FNU or f8E4M3FN, got 'bf16'}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<si8, per_vector(axis = 1, size = 4), scale = bf16>>)

// -----

// expected-error @+1 {{a coarse scale needs two-level (ui<M>) or f8E4M3FN scales, got 'f32'}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<si8, per_vector(axis = 1, size = 4), scale = f32, coarse = per_tensor>>)

// -----

// expected-error @+1 {{a coarse scale needs two-level (ui<M>) or f8E4M3FN scales, got 'f8E8M0FNU'}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<si8, per_vector(axis = 1, size = 4), scale = f8E8M0FNU, coarse = per_channel(axis = 0)>>)

// -----

// expected-error @+1 {{coarse scale axis must be non-negative, got -3}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<si8, per_vector(axis = 1, size = 4), scale = ui4, coarse = per_channel(axis = -3)>>)

// -----

// expected-error @+1 {{a per_tensor scale cannot sit under a per_channel coarse scale}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<si8, per_tensor, scale = ui4, coarse = per_channel(axis = 0)>>)

// -----

// expected-error @+1 {{coarse scale axis 1 must differ from the format axis 1}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<si8, per_vector(axis = 1, size = 4), scale = ui4, coarse = per_channel(axis = 1)>>)

// -----

// expected-error @+1 {{expected per_channel or per_tensor, got 'per_vector'}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<si8, per_vector(axis = 1, size = 4), scale = ui4, coarse = per_vector(axis = 0, size = 2)>>)

// -----

// expected-error @+1 {{scale_round applies to two-level (ui<M>) scales only}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<si8, per_vector(axis = 1, size = 4), scale = f32, scale_round = nearest>>)

// -----

// expected-error @+1 {{expected rounding mode rne or rna, got 'rtz'}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<si8, per_tensor, round = rtz>>)

// -----

// expected-error @+1 {{expected scale rounding ceil or nearest, got 'floor'}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<si8, per_vector(axis = 1, size = 4), scale = ui4, scale_round = floor>>)

// -----

// expected-error @+1 {{unknown format key 'bits'; expected scale, coarse, round or scale_round}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<si8, per_tensor, bits = 4>>)

// -----

// expected-error @+1 {{format key 'scale' given twice}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<si8, per_tensor, scale = f32, scale = ui4>>)

// -----

// expected-error @+1 {{expected 'axis'}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<si8, per_vector(size = 4, axis = 1)>>)

// -----

// Type-level checks.

// expected-error @+1 {{format axis 2 is out of range for a tensor of rank 2}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<si8, per_vector(axis = 2, size = 4)>>)

// -----

// expected-error @+1 {{format axis 5 is out of range for a tensor of rank 2}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<si8, per_channel(axis = 5)>>)

// -----

// expected-error @+1 {{coarse scale axis 3 is out of range for a tensor of rank 2}}
func.func private @f(!vsquant.tensor<4x4, #vsquant.format<si8, per_vector(axis = 1, size = 4), scale = ui4, coarse = per_channel(axis = 3)>>)

// -----

// expected-error @+1 {{expected a #vsquant.format attribute, got 4 : i64}}
func.func private @f(!vsquant.tensor<4x4, 4>)

// -----

// expected-error @+1 {{expected ','}}
func.func private @f(!vsquant.tensor<4x4>)
