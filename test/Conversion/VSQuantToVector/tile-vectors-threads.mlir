// How many threads a contraction gets: num-threads, cut back while a thread
// would get fewer than min-macs-per-thread multiply-accumulates (default
// 2^20). This matmul has 32 x 2048 x 64 = 2^22 MACs.
// RUN: vsq-opt %s --vsquant-tile-vectors="target=avx512vnni num-threads=2" | FileCheck %s --check-prefix=TWO
// RUN: vsq-opt %s --vsquant-tile-vectors="target=avx512vnni num-threads=4" | FileCheck %s --check-prefix=FOUR
// RUN: vsq-opt %s --vsquant-tile-vectors="target=avx512vnni num-threads=8" | FileCheck %s --check-prefix=FOUR
// RUN: vsq-opt %s --vsquant-tile-vectors="target=avx512vnni num-threads=2 min-macs-per-thread=4194304" | FileCheck %s --check-prefix=ONE
// RUN: vsq-opt %s --vsquant-tile-vectors="target=avx512vnni num-threads=1" | FileCheck %s --check-prefix=ONE

// TWO: scf.parallel (%{{.*}}) = (%{{.*}}) to (%c2) step (%c1)
// FOUR: scf.parallel (%{{.*}}) = (%{{.*}}) to (%c4) step (%c1)
// ONE-NOT: scf.parallel
#a = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = ui4>
#w = #vsquant.format<si8, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>
func.func @threads(%x: tensor<32x2048xf32>) -> tensor<32x64xf32> {
  %g = arith.constant dense<0.5> : tensor<f32>
  %aq = vsquant.dynamic_quantize %x coarse(%g : tensor<f32>) : tensor<32x2048xf32> -> !vsquant.tensor<32x2048, #a>
  %w = vsquant.constant values(dense<3> : tensor<2048x64xi8>) scales(dense<2> : tensor<128x64xi8>) coarse(dense<0.25> : tensor<64xf32>) : !vsquant.tensor<2048x64, #w>
  %y = vsquant.matmul %aq, %w : !vsquant.tensor<32x2048, #a>, !vsquant.tensor<2048x64, #w> -> tensor<32x64xf32>
  return %y : tensor<32x64xf32>
}
