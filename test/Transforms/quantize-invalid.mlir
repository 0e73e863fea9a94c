// RUN: vsq-opt %s --vsquant-quantize -split-input-file -verify-diagnostics

// A NaN weight: an error naming the element, and nothing rewritten.
func.func @nan_weight(%a: tensor<2x4xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 0x7FC00000], [1.0, 1.0], [1.0, 1.0]]> : tensor<4x2xf32>
  %c = arith.constant dense<0.0> : tensor<2x2xf32>
  // expected-error @+1 {{cannot quantize the weight of this op: element 3 is NaN}}
  %y = linalg.matmul ins(%a, %w : tensor<2x4xf32>, tensor<4x2xf32>) outs(%c : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

func.func @inf_weight(%a: tensor<2x4xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 1.0], [0x7F800000, 1.0], [1.0, 1.0]]> : tensor<4x2xf32>
  %c = arith.constant dense<0.0> : tensor<2x2xf32>
  // expected-error @+1 {{cannot quantize the weight of this op: element 4 is +Inf}}
  %y = linalg.matmul ins(%a, %w : tensor<2x4xf32>, tensor<4x2xf32>) outs(%c : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
