func.func @two(%a: tensor<2x8xf32>, %b: tensor<2x8xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<0.5> : tensor<8x4xf32>
  %s = arith.addf %a, %b : tensor<2x8xf32>
  %c = arith.constant dense<0.0> : tensor<2x4xf32>
  %y = linalg.matmul ins(%s, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%c : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
