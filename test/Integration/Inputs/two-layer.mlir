// Two layers with a ReLU between them. Weights are multiples of 1/2 and the
// calibration inputs small integers, so fp32 and the test's double-precision
// reference agree exactly.
func.func @net(%x: tensor<2x8xf32>) -> tensor<2x3xf32> {
  %w1 = arith.constant dense<[[1.0, -0.5, 0.0, 0.5], [-1.0, 0.5, 1.0, 0.0], [0.5, 0.5, -0.5, 1.0], [0.0, -1.0, 0.5, -0.5],
                              [1.0, 1.0, 0.0, 0.5], [-0.5, 0.0, 1.0, -1.0], [0.5, -0.5, 0.5, 0.5], [0.0, 1.0, -1.0, 0.0]]> : tensor<8x4xf32>
  %w2 = arith.constant dense<[[0.5, -1.0, 1.0], [1.0, 0.5, -0.5], [-0.5, 0.0, 1.0], [1.0, 1.0, 0.5]]> : tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<2x4xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x4xf32>) -> tensor<2x4xf32>
  %h = linalg.matmul ins(%x, %w1 : tensor<2x8xf32>, tensor<8x4xf32>) outs(%f1 : tensor<2x4xf32>) -> tensor<2x4xf32> loc("fc1")
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%h : tensor<2x4xf32>) outs(%e1 : tensor<2x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<2x4xf32>
  %e2 = tensor.empty() : tensor<2x3xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<2x3xf32>) -> tensor<2x3xf32>
  %y = linalg.matmul ins(%r, %w2 : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f2 : tensor<2x3xf32>) -> tensor<2x3xf32> loc("fc2")
  return %y : tensor<2x3xf32>
}
