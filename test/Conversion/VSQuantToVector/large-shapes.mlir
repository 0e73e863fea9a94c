// Shapes over 2^31 elements through the CPU lowerings, without data: a
// 65536 x 65536 activation (2^32 elements) and a 2^32-element splat weight.
// Index arithmetic stays in i64 all the way to the LLVM dialect (no index
// truncated to i32), and the blocked shapes are exact.
// RUN: vsq-opt %s --split-input-file --vsquant-tile-vectors=target=avx512vnni | FileCheck %s --check-prefix=TILED
// RUN: vsq-opt %s --split-input-file --vsquant-cpu-pipeline=target=avx512vnni | FileCheck %s --check-prefix=LLVM
// RUN: vsq-opt %s --split-input-file --vsquant-cpu-pipeline="target=avx2 num-threads=2" | FileCheck %s --check-prefix=LLVM
// RUN: vsq-opt %s --split-input-file --vsquant-cpu-pipeline=kernels=reference | FileCheck %s --check-prefix=LLVM

// TILED-LABEL: func.func @big_activation
// TILED: tensor.expand_shape %arg0 {{\[\[}}0], [1, 2]] output_shape [65536, 4096, 16] : tensor<65536x65536xf32> into tensor<65536x4096x16xf32>
// TILED: tensor<65536x65536xi8>
// TILED: vsquant.dot_accumulate
// LLVM-LABEL: llvm.func @big_activation
// LLVM-NOT: i64 to i32
// LLVM: llvm.return
#a = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>
#w = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>
func.func @big_activation(%a: tensor<65536x65536xf32>) -> tensor<65536x16xf32> {
  %aq = vsquant.dynamic_quantize %a : tensor<65536x65536xf32> -> !vsquant.tensor<65536x65536, #a>
  %w = vsquant.constant values(dense<1> : tensor<65536x16xi8>) scales(dense<3> : tensor<4096x16xi8>) coarse(dense<0.5> : tensor<16xf32>) : !vsquant.tensor<65536x16, #w>
  %y = vsquant.matmul %aq, %w : !vsquant.tensor<65536x65536, #a>, !vsquant.tensor<65536x16, #w> -> tensor<65536x16xf32>
  return %y : tensor<65536x16xf32>
}

// -----

// A 2^32-element splat weight is not repacked by the tiled kernels (that
// expanded it and ran out of memory); the reference lowering keeps it a
// splat, which the vectorized blocking reads as a tile-sized splat: no
// 4 GiB global.
// TILED-LABEL: func.func @big_splat_weight
// TILED-NOT: vsquant.dot_accumulate
// TILED: arith.constant dense<1> : tensor<65536x65536xi8>
// LLVM-NOT: 65536xi8>)
// LLVM: llvm.mlir.global private constant @{{.*}}(dense<1> : tensor<{{[0-9x]+}}xi8>)
// LLVM-NOT: 65536xi8>)
// LLVM-LABEL: llvm.func @big_splat_weight
// LLVM-NOT: i64 to i32
// LLVM: llvm.return
#a = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>
#w = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>
func.func @big_splat_weight(%a: tensor<2x65536xf32>) -> tensor<2x65536xf32> {
  %aq = vsquant.dynamic_quantize %a : tensor<2x65536xf32> -> !vsquant.tensor<2x65536, #a>
  %w = vsquant.constant values(dense<1> : tensor<65536x65536xi8>) scales(dense<3> : tensor<4096x65536xi8>) coarse(dense<0.5> : tensor<65536xf32>) : !vsquant.tensor<65536x65536, #w>
  %y = vsquant.matmul %aq, %w : !vsquant.tensor<2x65536, #a>, !vsquant.tensor<65536x65536, #w> -> tensor<2x65536xf32>
  return %y : tensor<2x65536xf32>
}
