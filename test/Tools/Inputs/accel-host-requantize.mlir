// A layer's f32 result re-quantized by a separate dynamic_quantize: the
// --module flow wants the PPU to do it (out_coarse on the layer).
#x = #vsquant.format<si4, per_vector(axis = 1, size = 16), scale = ui4>
#w = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4>
func.func @f(%x: tensor<4x48xf32>) -> tensor<4x16xf32> {
  %g = arith.constant dense<0.05> : tensor<f32>
  %xq = vsquant.dynamic_quantize %x coarse(%g : tensor<f32>) : tensor<4x48xf32> -> !vsquant.tensor<4x48, #x>
  %w1 = vsquant.constant values(dense<1> : tensor<48x16xi8>) scales(dense<1> : tensor<3x16xi8>) coarse(dense<0.1> : tensor<f32>) : !vsquant.tensor<48x16, #w>
  %h = vsquant.matmul %xq, %w1 : !vsquant.tensor<4x48, #x>, !vsquant.tensor<48x16, #w> -> tensor<4x16xf32>
  %hq = vsquant.dynamic_quantize %h coarse(%g : tensor<f32>) : tensor<4x16xf32> -> !vsquant.tensor<4x16, #x>
  %w2 = vsquant.constant values(dense<1> : tensor<16x16xi8>) scales(dense<1> : tensor<1x16xi8>) coarse(dense<0.1> : tensor<f32>) : !vsquant.tensor<16x16, #w>
  %y = vsquant.matmul %hq, %w2 : !vsquant.tensor<4x16, #x>, !vsquant.tensor<16x16, #w> -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
