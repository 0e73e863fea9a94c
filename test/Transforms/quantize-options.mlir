// Baseline formats, two-level activations, skipping by location, report.
// RUN: vsq-opt %s --vsquant-quantize="weight-type=si8 weight-granularity=channel weight-scale=f32 act-granularity=token" --mlir-print-local-scope | FileCheck %s --check-prefix=CHANNEL
// RUN: vsq-opt %s --vsquant-quantize="weight-granularity=tensor weight-scale=f32 act-granularity=tensor act-type=ui8" --mlir-print-local-scope | FileCheck %s --check-prefix=TENSOR
// RUN: vsq-opt %s --vsquant-quantize="vector-size=16 act-scale=ui4 act-range=7.5" --mlir-print-local-scope | FileCheck %s --check-prefix=TWOLEVEL
// RUN: vsq-opt %s --vsquant-quantize="vector-size=16 weight-coarse=tensor weight-scale=ui6 method=mse mse-grid=20 scale-round=nearest" --mlir-print-local-scope | FileCheck %s --check-prefix=MSE
// RUN: vsq-opt %s --vsquant-quantize="skip=second" --mlir-print-local-scope 2>&1 | FileCheck %s --check-prefix=SKIP
// RUN: vsq-opt %s --vsquant-quantize="vector-size=16 report=%t.json" > /dev/null
// RUN: FileCheck %s --check-prefix=REPORT < %t.json
// RUN: vsq-opt %s --vsquant-quantize="act-scale=ui4" --mlir-print-local-scope 2>&1 | FileCheck %s --check-prefix=FALLBACK
// RUN: vsq-opt %s --vsquant-quantize="inline-limit=16" | FileCheck %s --check-prefix=RESOURCE
// RUN: vsq-opt %s --vsquant-quantize="override=sec*:weight-type=si8;weight-scale=f32;vector-size=2 override=*:weight-type=ui2" --mlir-print-local-scope | FileCheck %s --check-prefix=OVERRIDE
// RUN: vsq-opt %s --vsquant-quantize="override=linalg.matmul:method=percentile;percentile=99 report=%t.ov.json" > /dev/null
// RUN: FileCheck %s --check-prefix=OVREPORT < %t.ov.json

// The first matching override wins: "second" gets si8 / f32 / V = 2, the
// other layer the catch-all's ui2 with the pass's defaults otherwise.
// OVERRIDE: vsquant.constant {{.*}} : !vsquant.tensor<32x4, #vsquant.format<ui2, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>>
// OVERRIDE: vsquant.dynamic_quantize {{.*}} -> !vsquant.tensor<3x32, #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>>
// OVERRIDE: vsquant.constant {{.*}} : !vsquant.tensor<4x4, #vsquant.format<si8, per_vector(axis = 0, size = 2), scale = f32>>
// OVERRIDE: vsquant.dynamic_quantize {{.*}} -> !vsquant.tensor<3x4, #vsquant.format<si8, per_vector(axis = 1, size = 2), scale = f32>>
// OVREPORT: "method": "percentile"
// OVREPORT: "method": "percentile"
// CHANNEL: vsquant.constant {{.*}} scales(dense<{{.*}}> : tensor<4xf32>) : !vsquant.tensor<32x4, #vsquant.format<si8, per_channel(axis = 1), scale = f32>>
// CHANNEL: vsquant.dynamic_quantize {{.*}} -> !vsquant.tensor<3x32, #vsquant.format<si8, per_vector(axis = 1, size = 32), scale = f32>>
// TENSOR: vsquant.constant {{.*}} scales(dense<{{.*}}> : tensor<f32>) : !vsquant.tensor<32x4, #vsquant.format<si4, per_tensor, scale = f32>>
// TENSOR: vsquant.dynamic_quantize {{.*}} -> !vsquant.tensor<3x32, #vsquant.format<ui8, per_tensor, scale = f32>>
// 7.5 / (2^4 - 1) = 0.5
// TWOLEVEL: %[[G:.*]] = arith.constant dense<5.000000e-01> : tensor<f32>
// TWOLEVEL: vsquant.dynamic_quantize %{{.*}} coarse(%[[G]] : tensor<f32>) : tensor<3x32xf32> -> !vsquant.tensor<3x32, #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = ui4>>
// MSE: vsquant.constant {{.*}} scales(dense<{{.*}}> : tensor<2x4xi8>) coarse(dense<{{.*}}> : tensor<f32>) : !vsquant.tensor<32x4, #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui6, scale_round = nearest>>
// SKIP: remark: {{.*}}left in float: skipped by the skip option ('second')
// SKIP: vsquant.matmul
// SKIP: linalg.matmul
// REPORT: "layers": [
// REPORT: "bits_per_element": 5.25
// REPORT: "format": "#vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>"
// REPORT: "location": "{{.*}}quantize-options.mlir:{{[0-9]+}}:{{[0-9]+}}"
// REPORT: "method": "max"
// REPORT: "op": "linalg.matmul"
// REPORT: "per_channel_sqnr_db": {{[0-9.]+}}
// REPORT: "per_tensor_sqnr_db": {{[0-9.]+}}
// REPORT: "sqnr_db": {{[0-9.]+}}
// REPORT: "weight_shape": [
// REPORT-NEXT: 32,
// REPORT-NEXT: 4
// REPORT: "version": 1
// FALLBACK: remark: vsquant-quantize: two-level activation scales need a static coarse scale (act-range or a calibration table); using fp32 per-vector activation scales instead
// RESOURCE: vsquant.constant values(dense_resource<vsquant_weight> : tensor<32x4xi8>)
// RESOURCE: dialect_resources
// RESOURCE: vsquant_weight: "0x01000000{{[0-9A-F]+}}"

func.func @mlp(%a: tensor<3x32xf32>) -> tensor<3x4xf32> {
  %w = arith.constant dense<[
    [0.1, -0.2, 0.3, -0.4], [0.5, -0.6, 0.7, -0.8], [0.9, -1.0, 1.1, -1.2], [1.3, -1.4, 1.5, -1.6],
    [0.01, 0.02, 0.03, 0.04], [0.05, 0.06, 0.07, 0.08], [0.09, 0.10, 0.11, 0.12], [0.13, 0.14, 0.15, 0.16],
    [2.0, 1.0, 0.5, 0.25], [-2.0, -1.0, -0.5, -0.25], [3.0, 0.0, -3.0, 0.0], [0.0, 3.0, 0.0, -3.0],
    [0.3, 0.3, 0.3, 0.3], [-0.3, -0.3, -0.3, -0.3], [0.6, 0.6, 0.6, 0.6], [-0.6, -0.6, -0.6, -0.6],
    [0.001, 0.002, 0.003, 0.004], [0.005, 0.006, 0.007, 0.008], [0.009, 0.010, 0.011, 0.012], [0.013, 0.014, 0.015, 0.016],
    [0.2, 0.4, 0.6, 0.8], [1.0, 1.2, 1.4, 1.6], [-0.2, -0.4, -0.6, -0.8], [-1.0, -1.2, -1.4, -1.6],
    [0.7, -0.7, 0.7, -0.7], [0.35, -0.35, 0.35, -0.35], [0.175, -0.175, 0.175, -0.175], [0.0875, -0.0875, 0.0875, -0.0875],
    [5.0, -5.0, 2.5, -2.5], [1.25, -1.25, 0.625, -0.625], [0.3125, -0.3125, 0.15625, -0.15625], [0.078125, -0.078125, 0.0390625, -0.0390625]
  ]> : tensor<32x4xf32>
  %c = arith.constant dense<0.0> : tensor<3x4xf32>
  %y = linalg.matmul ins(%a, %w : tensor<3x32xf32>, tensor<32x4xf32>) outs(%c : tensor<3x4xf32>) -> tensor<3x4xf32>
  %w2 = arith.constant dense<0.5> : tensor<4x4xf32>
  %c2 = arith.constant dense<0.0> : tensor<3x4xf32>
  %z = linalg.matmul ins(%y, %w2 : tensor<3x4xf32>, tensor<4x4xf32>) outs(%c2 : tensor<3x4xf32>) -> tensor<3x4xf32> loc("second")
  return %z : tensor<3x4xf32>
}
