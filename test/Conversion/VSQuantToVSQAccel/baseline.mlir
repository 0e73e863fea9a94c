// The 8-bit per-channel baseline: per-tensor activations, per-channel weights.
// RUN: vsq-opt %s --convert-vsquant-to-vsqaccel=config=%vsquant_src/accel/baseline-w8a8-pc.json | FileCheck %s

#a = #vsquant.format<si8, per_tensor, scale = f32>
#w = #vsquant.format<si8, per_channel(axis = 1), scale = f32>
func.func @fc(%a: !vsquant.tensor<8x64, #a>, %w: !vsquant.tensor<64x16, #w>) -> tensor<8x16xf32> {
  %y = vsquant.matmul %a, %w : !vsquant.tensor<8x64, #a>, !vsquant.tensor<64x16, #w> -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}
// CHECK: vsqaccel.program @fc_matmul0
// CHECK-SAME: weight_scale_bits = 0
// CHECK: vsqaccel.vmac acc[0] weight[0] input[0] rows 8 vectors 4 lanes 16
// CHECK: vsqaccel.postprocess acc[0] rows 8 lanes 16 params[0] -> output[0] after

// Batched matmuls map to the per-channel machine too: per-tensor A, B per
// channel along N, one program for the batch.
#ab = #vsquant.format<si8, per_tensor, scale = f32>
#bb = #vsquant.format<si8, per_channel(axis = 2), scale = f32>
func.func @batched(%a: !vsquant.tensor<2x8x64, #ab>, %b: !vsquant.tensor<2x64x16, #bb>) -> tensor<2x8x16xf32> {
  %y = vsquant.batch_matmul %a, %b : !vsquant.tensor<2x8x64, #ab>, !vsquant.tensor<2x64x16, #bb> -> tensor<2x8x16xf32>
  return %y : tensor<2x8x16xf32>
}
// CHECK: vsqaccel.program @batched_batch_matmul0
// CHECK-COUNT-2: vsqaccel.vmac acc[0] weight[{{[0-9]+}}] input[{{[0-9]+}}] rows 8 vectors 4 lanes 16
