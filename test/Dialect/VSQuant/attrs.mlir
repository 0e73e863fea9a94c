// RUN: vsq-opt %s | FileCheck %s
// RUN: vsq-opt %s | vsq-opt | FileCheck %s
// RUN: vsq-opt %s --mlir-print-op-generic | vsq-opt | FileCheck %s

// Every form of the format attribute round-trips; defaults are not printed.

// CHECK-DAG: #[[PT:.*]] = #vsquant.format<si8, per_tensor, scale = f32>
// CHECK-DAG: #[[PC:.*]] = #vsquant.format<ui8, per_channel(axis = 1), scale = f32>
// CHECK-DAG: #[[PV:.*]] = #vsquant.format<si4, per_vector(axis = 1, size = 16), scale = f32, round = rna>
// CHECK-DAG: #[[TL:.*]] = #vsquant.format<si4, per_vector(axis = 0, size = 32), scale = ui6>
// CHECK-DAG: #[[TLC:.*]] = #vsquant.format<si2, per_vector(axis = 0, size = 64), scale = ui4, coarse = per_channel(axis = 1), scale_round = nearest>
// CHECK-DAG: #[[MX:.*]] = #vsquant.format<si4, per_vector(axis = 1, size = 32), scale = f8E8M0FNU>
// CHECK-DAG: #[[NV:.*]] = #vsquant.format<si4, per_vector(axis = 1, size = 16), scale = f8E4M3FN>
// CHECK-DAG: #[[U2:.*]] = #vsquant.format<ui2, per_vector(axis = 2, size = 1), scale = ui16, coarse = per_channel(axis = 0)>

// CHECK-LABEL: func.func private @formats
// CHECK-SAME: !vsquant.tensor<4x8, #[[PT]]>
// CHECK-SAME: !vsquant.tensor<4x8, #[[PC]]>
// CHECK-SAME: !vsquant.tensor<4x40, #[[PV]]>
// CHECK-SAME: !vsquant.tensor<64x8, #[[TL]]>
// CHECK-SAME: !vsquant.tensor<64x8, #[[TLC]]>
// CHECK-SAME: !vsquant.tensor<2x64, #[[MX]]>
// CHECK-SAME: !vsquant.tensor<2x64, #[[NV]]>
// CHECK-SAME: !vsquant.tensor<?x3x5, #[[U2]]>
func.func private @formats(
  !vsquant.tensor<4x8, #vsquant.format<si8, per_tensor, scale = f32>>,
  !vsquant.tensor<4x8, #vsquant.format<ui8, per_channel(axis = 1)>>,
  !vsquant.tensor<4x40, #vsquant.format<si4, per_vector(axis = 1, size = 16), round = rna, scale = f32>>,
  !vsquant.tensor<64x8, #vsquant.format<si4, per_vector(axis = 0, size = 32), scale = ui6, coarse = per_tensor, round = rne, scale_round = ceil>>,
  !vsquant.tensor<64x8, #vsquant.format<si2, per_vector(axis = 0, size = 64), scale = ui4, coarse = per_channel(axis = 1), scale_round = nearest>>,
  !vsquant.tensor<2x64, #vsquant.format<si4, per_vector(axis = 1, size = 32), scale = f8E8M0FNU>>,
  !vsquant.tensor<2x64, #vsquant.format<si4, per_vector(axis = 1, size = 16), scale = f8E4M3FN>>,
  !vsquant.tensor<?x3x5, #vsquant.format<ui2, per_vector(axis = 2, size = 1), scale = ui16, coarse = per_channel(axis = 0)>>)

// The readable alias names the element type, granularity and scale.
// RUN: vsq-opt %s | FileCheck %s --check-prefix=ALIAS
// ALIAS-DAG: #si8_t_f32_fmt =
// ALIAS-DAG: #ui8_c_f32_fmt =
// ALIAS-DAG: #si4_v32_ui6_fmt =

// A format is also an attribute in its own right.
// CHECK-LABEL: func.func private @as_attribute
// CHECK-SAME: fmt = #[[TL]]
func.func private @as_attribute() attributes {fmt = #vsquant.format<si4, per_vector(axis = 0, size = 32), scale = ui6>}
