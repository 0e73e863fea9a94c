// Dual quantization (Choukroun et al. 2019, 3.5): only the layer whose weight
// error exceeds the threshold becomes two quantized tensors whose products
// with the same quantized activation are added.
// RUN: vsq-opt %s --vsquant-quantize="vector-size=16 dual-threshold=1e-5 report=%t.dual.json" --mlir-print-local-scope | FileCheck %s
// RUN: vsq-opt %s --vsquant-quantize="vector-size=16 report=%t.single.json" --mlir-print-local-scope | FileCheck %s --check-prefix=SINGLE
// RUN: FileCheck %s --check-prefix=REPORT < %t.dual.json
// The second tensor buys accuracy: the hard layer's SQNR rises by more than
// 10 dB (4-bit residual), at twice the bits; the easy layer is unchanged.
// RUN: %python -c "import json,sys; d=json.load(open(sys.argv[1]))['layers']; s=json.load(open(sys.argv[2]))['layers']; assert d[0]['dual'] and not d[1]['dual'], d; assert d[0]['sqnr_db'] > s[0]['sqnr_db'] + 10, (d[0], s[0]); assert d[0]['bits_per_element'] == 2 * s[0]['bits_per_element']; assert d[1]['sqnr_db'] == s[1]['sqnr_db']" %t.dual.json %t.single.json

// CHECK-LABEL: func.func @two_layers
// CHECK-SAME: (%[[A:.*]]: tensor<2x32xf32>)
// CHECK: %[[W1:.*]] = vsquant.constant {{.*}} : !vsquant.tensor<32x2, #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>>
// CHECK: %[[W2:.*]] = vsquant.constant {{.*}} : !vsquant.tensor<32x2, #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>>
// CHECK: %[[AQ:.*]] = vsquant.dynamic_quantize %[[A]]
// CHECK: %[[Y1:.*]] = vsquant.matmul %[[AQ]], %[[W1]]
// CHECK: %[[Y2:.*]] = vsquant.matmul %[[AQ]], %[[W2]]
// CHECK: %[[Y:.*]] = arith.addf %[[Y1]], %[[Y2]] : tensor<2x2xf32>
// CHECK: %[[V:.*]] = vsquant.constant
// CHECK: %[[YQ:.*]] = vsquant.dynamic_quantize %[[Y]]
// CHECK: %[[Z:.*]] = vsquant.matmul %[[YQ]], %[[V]]
// CHECK-NOT: arith.addf
// CHECK: return %[[Z]]

// SINGLE-COUNT-2: vsquant.matmul
// SINGLE-NOT: arith.addf

// REPORT: "dual": true
// REPORT: "dual": false

func.func @two_layers(%a: tensor<2x32xf32>) -> tensor<2x2xf32> {
  // Each 16-element vector mixes one large value with small ones: a 4-bit
  // grid sized by the large value rounds the small ones to zero.
  %w = arith.constant dense<[
    [5.0, -4.0], [0.11, 0.07], [-0.13, 0.05], [0.09, -0.12], [0.21, 0.03], [-0.17, 0.19], [0.06, -0.08], [0.15, 0.14],
    [-0.02, 0.18], [0.12, -0.16], [0.04, 0.09], [-0.19, 0.01], [0.08, -0.05], [0.16, 0.11], [-0.07, 0.2], [0.1, -0.1],
    [0.03, 0.12], [-3.0, 6.0], [0.14, -0.09], [0.05, 0.17], [-0.11, 0.02], [0.19, -0.14], [0.07, 0.06], [-0.15, 0.13],
    [0.12, -0.03], [0.02, 0.16], [-0.09, -0.18], [0.18, 0.04], [0.06, -0.11], [-0.14, 0.08], [0.11, 0.15], [0.01, -0.07]
  ]> : tensor<32x2xf32>
  %c = arith.constant dense<0.0> : tensor<2x2xf32>
  %y = linalg.matmul ins(%a, %w : tensor<2x32xf32>, tensor<32x2xf32>) outs(%c : tensor<2x2xf32>) -> tensor<2x2xf32>
  // Exactly representable: no error, no second tensor.
  %v = arith.constant dense<0.5> : tensor<2x2xf32>
  %z = linalg.matmul ins(%y, %v : tensor<2x2xf32>, tensor<2x2xf32>) outs(%c : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %z : tensor<2x2xf32>
}
