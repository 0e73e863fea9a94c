// A missing or malformed config is an error naming the file, not a crash.
// RUN: not vsq-opt %s --convert-vsquant-to-vsqaccel 2>&1 | FileCheck %s --check-prefix=NONE
// NONE: error: convert-vsquant-to-vsqaccel needs config=<accelerator.json>
// RUN: not vsq-opt %s --convert-vsquant-to-vsqaccel=config=%t.missing.json 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: {{.*}}missing.json: cannot read
// Per-channel baseline: a per-vector lhs does not map.
// RUN: not vsq-opt %s --convert-vsquant-to-vsqaccel=config=%vsquant_src/accel/baseline-w8a8-pc.json 2>&1 | FileCheck %s --check-prefix=BASELINE
// BASELINE: error: 'vsquant.matmul' op lhs: must be per_tensor with f32 scales on a per-channel machine (accelerator 'baseline-w8a8-pc')

#a = #vsquant.format<si4, per_vector(axis = 1, size = 16), scale = ui4>
#w = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>
func.func @fc(%a: !vsquant.tensor<4x32, #a>, %w: !vsquant.tensor<32x8, #w>) -> tensor<4x8xf32> {
  %y = vsquant.matmul %a, %w : !vsquant.tensor<4x32, #a>, !vsquant.tensor<32x8, #w> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// RUN: not vsq-opt %s --split-input-file --convert-vsquant-to-vsqaccel=config=%vsquant_src/accel/baseline-w8a8-pc.json 2>&1 | FileCheck %s --check-prefix=CONV
// CONV: error: 'vsquant.conv2d' op maps only to per-vector machines for now (accelerator 'baseline-w8a8-pc' is per-channel)
// -----
#x8 = #vsquant.format<si8, per_tensor, scale = f32>
#w8 = #vsquant.format<si8, per_channel(axis = 3), scale = f32>
func.func @conv(%x: !vsquant.tensor<1x4x4x16, #x8>, %w: !vsquant.tensor<1x1x16x8, #w8>) -> tensor<1x4x4x8xf32> {
  %y = vsquant.conv2d %x, %w : !vsquant.tensor<1x4x4x16, #x8>, !vsquant.tensor<1x1x16x8, #w8> -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}
