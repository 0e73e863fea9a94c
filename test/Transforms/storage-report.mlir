// RUN: vsq-opt %s --vsquant-storage-report -split-input-file -verify-diagnostics | FileCheck %s

// The report leaves the IR alone.
// CHECK-LABEL: func.func @weights
// CHECK: vsquant.constant
// CHECK: vsquant.constant

// 32x8 si4 weights, 16-element vectors along K, ui4 scales, per-column
// coarse scales: (256*4 + 16*4 + 8*32) / 256 = 5.25 bits per element.
// 2x2 si4 per-channel f32 scales: (4*4 + 2*32) / 4 = 20 bits per element.
// Total: (1344 + 80) bits = 178 bytes over 260 elements.
// expected-remark @below {{quantized constants: 260 elements, 178 bytes, 5.4769 bits/element}}
module {
func.func @weights() -> (!vsquant.tensor<32x8, #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>>,
                         !vsquant.tensor<2x2, #vsquant.format<si4, per_channel(axis = 1), scale = f32>>) {
  // expected-remark @+1 {{constant #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>: 256 elements, 5.2500 bits/element (elements 4, scales 0.2500, coarse 1.0000)}}
  %0 = vsquant.constant values(dense<1> : tensor<32x8xi8>) scales(dense<2> : tensor<2x8xi8>) coarse(dense<0.5> : tensor<8xf32>)
      : !vsquant.tensor<32x8, #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>>
  // expected-remark @+1 {{constant #vsquant.format<si4, per_channel(axis = 1), scale = f32>: 4 elements, 20.0000 bits/element (elements 4, scales 16.0000, coarse 0.0000)}}
  %1 = vsquant.constant values(dense<[[1, -7], [3, 0]]> : tensor<2x2xi8>) scales(dense<[0.5, 0.25]> : tensor<2xf32>)
      : !vsquant.tensor<2x2, #vsquant.format<si4, per_channel(axis = 1), scale = f32>>
  return %0, %1 : !vsquant.tensor<32x8, #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>>,
                  !vsquant.tensor<2x2, #vsquant.format<si4, per_channel(axis = 1), scale = f32>>
}
}

// -----

// Activations are reported (a tail vector of 8 counts as a whole scale), and
// dynamic shapes are said to be unknown rather than guessed.
// CHECK-LABEL: func.func @activations
func.func @activations(%x: tensor<2x40xf32>, %y: tensor<?x40xf32>, %g: tensor<f32>) {
  // expected-remark @+1 {{activation #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = ui4>: 80 elements, 8.7000 bits/element (elements 8, scales 0.3000, coarse 0.4000)}}
  %0 = vsquant.dynamic_quantize %x coarse(%g : tensor<f32>) : tensor<2x40xf32> -> !vsquant.tensor<2x40, #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = ui4>>
  // expected-remark @+1 {{storage unknown: dynamic shape}}
  %1 = vsquant.dynamic_quantize %y : tensor<?x40xf32> -> !vsquant.tensor<?x40, #vsquant.format<si8, per_tensor, scale = f32>>
  return
}
