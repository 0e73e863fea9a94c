// A two-layer perceptron in vsquant form: activations quantized at run time
// with per-vector scales (16 elements along K, 4-bit integer scales under a
// calibrated coarse scale), 4-bit weights quantized at compile time with
// per-vector two-level scales, and fp32 outputs.
//
//   vsq-opt examples/two_layer_mlp.mlir --vsquant-inspect-pipeline

#act = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = ui4>
#w1 = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>
#w2 = #vsquant.format<si4, per_channel(axis = 1), scale = f32>

func.func @mlp(%x: tensor<2x32xf32>) -> tensor<2x4xf32> {
  %gamma = arith.constant dense<0.0125> : tensor<f32>
  %xq = vsquant.dynamic_quantize %x coarse(%gamma : tensor<f32>)
      : tensor<2x32xf32> -> !vsquant.tensor<2x32, #act>

  // Layer 1: 32 -> 16, two-level per-vector weights, bias and ReLU fused.
  %w1 = vsquant.constant values(dense_resource<mlp_w1> : tensor<32x16xi8>)
      scales(dense<[[15, 7, 3, 15, 9, 15, 1, 12, 15, 6, 15, 15, 4, 15, 10, 15],
                    [9, 15, 15, 2, 15, 11, 15, 15, 5, 15, 8, 13, 15, 3, 15, 14]]> : tensor<2x16xi8>)
      coarse(dense<0.002> : tensor<16xf32>) : !vsquant.tensor<32x16, #w1>
  %b1 = arith.constant dense<0.01> : tensor<16xf32>
  %h = vsquant.matmul %xq, %w1 bias(%b1 : tensor<16xf32>) relu
      : !vsquant.tensor<2x32, #act>, !vsquant.tensor<32x16, #w1> -> tensor<2x16xf32>

  // Layer 2: 16 -> 4, the per-channel baseline format for comparison.
  %hq = vsquant.dynamic_quantize %h coarse(%gamma : tensor<f32>)
      : tensor<2x16xf32> -> !vsquant.tensor<2x16, #act>
  %w2 = vsquant.constant values(dense<[[1, -2, 3, -4], [5, -6, 7, -7], [0, 1, 2, 3], [-1, -2, -3, -4],
                                       [1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3], [4, 4, 4, 4],
                                       [-5, 5, -5, 5], [6, -6, 6, -6], [7, 0, -7, 0], [0, 7, 0, -7],
                                       [1, 2, 1, 2], [3, 4, 3, 4], [5, 6, 5, 6], [7, 7, 7, 7]]> : tensor<16x4xi8>)
      scales(dense<[0.01, 0.02, 0.015, 0.03]> : tensor<4xf32>) : !vsquant.tensor<16x4, #w2>
  %y = vsquant.matmul %hq, %w2
      : !vsquant.tensor<2x16, #act>, !vsquant.tensor<16x4, #w2> -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

{-#
  dialect_resources: {
    builtin: {
      mlp_w1: "0x0100000001FF02FE03FD04FC05FB06FA07F900000102030405060700F9FAFBFCFDFEFF0001FF02FE03FD04FC05FB06FA07F900000102030405060700F9FAFBFCFDFEFF0001FF02FE03FD04FC05FB06FA07F900000102030405060700F9FAFBFCFDFEFF0001FF02FE03FD04FC05FB06FA07F900000102030405060700F9FAFBFCFDFEFF0001FF02FE03FD04FC05FB06FA07F900000102030405060700F9FAFBFCFDFEFF0001FF02FE03FD04FC05FB06FA07F900000102030405060700F9FAFBFCFDFEFF0001FF02FE03FD04FC05FB06FA07F900000102030405060700F9FAFBFCFDFEFF0001FF02FE03FD04FC05FB06FA07F900000102030405060700F9FAFBFCFDFEFF0001FF02FE03FD04FC05FB06FA07F900000102030405060700F9FAFBFCFDFEFF0001FF02FE03FD04FC05FB06FA07F900000102030405060700F9FAFBFCFDFEFF0001FF02FE03FD04FC05FB06FA07F900000102030405060700F9FAFBFCFDFEFF0001FF02FE03FD04FC05FB06FA07F900000102030405060700F9FAFBFCFDFEFF0001FF02FE03FD04FC05FB06FA07F900000102030405060700F9FAFBFCFDFEFF0001FF02FE03FD04FC05FB06FA07F900000102030405060700F9FAFBFCFDFEFF0001FF02FE03FD04FC05FB06FA07F900000102030405060700F9FAFBFCFDFEFF0001FF02FE03FD04FC05FB06FA07F900000102030405060700F9FAFBFCFDFEFF00"
    }
  }
#-}
