// tosa.conv2d (OHWI filter); tosa-to-linalg makes it linalg.conv_2d_nhwc_fhwc.
func.func @net(%x: tensor<1x4x4x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = "tosa.const"() {values = dense<[[[[0.5, -0.5], [1.0, 0.0], [0.0, 0.5]], [[1.0, 1.0], [-1.0, 0.5], [0.5, 0.0]], [[0.0, -1.0], [0.5, 0.5], [1.0, -0.5]]],
                                       [[[-0.5, 1.0], [0.0, 0.5], [1.0, 1.0]], [[0.5, -1.0], [1.0, 0.0], [-0.5, 0.5]], [[1.0, 0.0], [0.0, -0.5], [0.5, 1.0]]]]> : tensor<2x3x3x2xf32>} : () -> tensor<2x3x3x2xf32>
  %b = "tosa.const"() {values = dense<[0.25, -0.25]> : tensor<2xf32>} : () -> tensor<2xf32>
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %y = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x3x3x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x2x2xf32> loc("conv")
  return %y : tensor<1x2x2x2xf32>
}
