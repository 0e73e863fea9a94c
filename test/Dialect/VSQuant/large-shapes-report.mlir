// RUN: vsq-opt %s --vsquant-storage-report -verify-diagnostics | FileCheck %s

// 2^32-element values as splats (no data): the verifier checks the splat's
// one value and the storage report counts in int64 / double.
// Activation 65536x65536 si8 with f32 scales per 16: 8 + 32/16 = 10 bits.
// Weight si4, ui4 scales per 16, per-column fp32 coarse scales:
// 2^32 * 4 + 2^28 * 4 + 65536 * 32 bits = 2281963520 bytes,
// 4 + 0.25 + 32/65536 = 4.2505 bits per element.
// CHECK-LABEL: func.func @big
// CHECK: vsquant.matmul
#a = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>
#w = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>
// expected-remark @below {{quantized constants: 4294967296 elements, 2281963520 bytes, 4.2505 bits/element}}
module {
func.func @big(%x: tensor<65536x65536xf32>) -> tensor<65536x65536xf32> {
  // expected-remark @+1 {{activation #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>: 4294967296 elements, 10.0000 bits/element (elements 8, scales 2.0000, coarse 0.0000)}}
  %a = vsquant.dynamic_quantize %x : tensor<65536x65536xf32> -> !vsquant.tensor<65536x65536, #a>
  // expected-remark @+1 {{constant #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>: 4294967296 elements, 4.2505 bits/element (elements 4, scales 0.2500, coarse 0.0005)}}
  %w = vsquant.constant values(dense<1> : tensor<65536x65536xi8>) scales(dense<3> : tensor<4096x65536xi8>) coarse(dense<0.5> : tensor<65536xf32>) : !vsquant.tensor<65536x65536, #w>
  %y = vsquant.matmul %a, %w : !vsquant.tensor<65536x65536, #a>, !vsquant.tensor<65536x65536, #w> -> tensor<65536x65536xf32>
  return %y : tensor<65536x65536xf32>
}
}
