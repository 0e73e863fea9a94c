// A 65536 x 65536 activation (2^32 elements) against a 65536 x 16 weight.
#a = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>
#w = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>
func.func @big(%a: tensor<65536x65536xf32>) -> tensor<65536x16xf32> {
  %aq = vsquant.dynamic_quantize %a : tensor<65536x65536xf32> -> !vsquant.tensor<65536x65536, #a>
  %w = vsquant.constant values(dense<1> : tensor<65536x16xi8>) scales(dense<3> : tensor<4096x16xi8>) coarse(dense<0.5> : tensor<16xf32>) : !vsquant.tensor<65536x16, #w>
  %y = vsquant.matmul %aq, %w : !vsquant.tensor<65536x65536, #a>, !vsquant.tensor<65536x16, #w> -> tensor<65536x16xf32>
  return %y : tensor<65536x16xf32>
}
