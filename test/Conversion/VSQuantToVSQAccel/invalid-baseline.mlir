// RUN: vsq-opt %s -split-input-file -verify-diagnostics --convert-vsquant-to-vsqaccel=config=%vsquant_src/accel/baseline-w8a8-pc.json

// A depthwise conv needs per-vector scales on the machine (its taps'
// scales differ per pixel): the per-channel baseline does not run it.
#x = #vsquant.format<si8, per_tensor, scale = f32>
#w = #vsquant.format<si8, per_channel(axis = 1), scale = f32>
func.func @dw(%x: !vsquant.tensor<1x8x8x32, #x>, %w: !vsquant.tensor<9x32, #w>) -> tensor<1x6x6x32xf32> {
  // expected-error @+1 {{'vsquant.depthwise_conv2d' op maps only to per-vector machines for now (accelerator 'baseline-w8a8-pc' is per-channel)}}
  %y = vsquant.depthwise_conv2d %x, %w {kernel_size = array<i64: 3, 3>}
      : !vsquant.tensor<1x8x8x32, #x>, !vsquant.tensor<9x32, #w> -> tensor<1x6x6x32xf32>
  return %y : tensor<1x6x6x32xf32>
}

// -----

// On the per-channel machine B of a batch must be per channel along N.
#a = #vsquant.format<si8, per_tensor, scale = f32>
#b = #vsquant.format<si8, per_channel(axis = 0), scale = f32>
func.func @batched_per_batch(%a: !vsquant.tensor<2x8x64, #a>, %b: !vsquant.tensor<2x64x16, #b>) -> tensor<2x8x16xf32> {
  // expected-error @+1 {{rhs: must be per_channel along N (axis 2) with f32 scales on a per-channel machine}}
  %y = vsquant.batch_matmul %a, %b : !vsquant.tensor<2x8x64, #a>, !vsquant.tensor<2x64x16, #b> -> tensor<2x8x16xf32>
  return %y : tensor<2x8x16xf32>
}
