// RUN: vsq-opt %s --vsquant-quantize="weight-type=si8 weight-scale=f32" -split-input-file -verify-diagnostics

// Weights the quantizer cannot represent or would have to expand past
// memory: an error on the op, nothing rewritten (NaN and Inf weights are in
// quantize-invalid.mlir).

// FLT_MAX in si8 weights: s = f32(FLT_MAX / 127) and f32(127 * s) rounds
// past FLT_MAX, so the dequantized weight would be +Inf.
func.func @flt_max_weight(%a: tensor<2x4xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 1.0], [3.4028235e38, 1.0], [1.0, 1.0]]> : tensor<4x2xf32>
  %c = arith.constant dense<0.0> : tensor<2x2xf32>
  // expected-error @+1 {{cannot quantize the weight of this op: element 4 (3.402823e+38) is too close to the fp32 limit: its dequantized value q * scale overflows to +Inf}}
  %y = linalg.matmul ins(%a, %w : tensor<2x4xf32>, tensor<4x2xf32>) outs(%c : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// A 65536 x 65536 splat weight holds one value, but quantizing it expands
// it (it used to abort with "out of memory").
func.func @huge_splat_weight(%a: tensor<4x65536xf32>) -> tensor<4x65536xf32> {
  %w = arith.constant dense<0.5> : tensor<65536x65536xf32>
  %c = arith.constant dense<0.0> : tensor<4x65536xf32>
  // expected-error @+1 {{cannot quantize this op: its weight is a splat of 4294967296 elements, and quantizing expands it (about 64.0 GiB); splat weights of more than 2^28 elements are refused}}
  %y = linalg.matmul ins(%a, %w : tensor<4x65536xf32>, tensor<65536x65536xf32>) outs(%c : tensor<4x65536xf32>) -> tensor<4x65536xf32>
  return %y : tensor<4x65536xf32>
}

// -----

// An activation of 2^62 x 4 = 2^64 elements: no quantized type can hold
// it (it used to fail an assertion building the type).
func.func @count_overflows(%a: tensor<4611686018427387904x4xf32>) -> tensor<4611686018427387904x2xf32> {
  %w = arith.constant dense<[[7.0, 0.7], [-3.0, -0.2], [1.0, 0.1], [2.0, 0.0]]> : tensor<4x2xf32>
  %c = arith.constant dense<0.0> : tensor<4611686018427387904x2xf32>
  // expected-error @+1 {{cannot quantize this op: operand #0 of shape 4611686018427387904x4 has more than 2^63 - 1 elements}}
  %y = linalg.matmul ins(%a, %w : tensor<4611686018427387904x4xf32>, tensor<4x2xf32>) outs(%c : tensor<4611686018427387904x2xf32>) -> tensor<4611686018427387904x2xf32>
  return %y : tensor<4611686018427387904x2xf32>
}
