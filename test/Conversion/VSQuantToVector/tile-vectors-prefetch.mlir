// vsquant-tile-vectors prefetches the packed weights of 4-bit one-row
// (GEMV) tiles `prefetch-distance` bytes ahead in each column block's stream
// (default 2048), once per 64-byte line and clamped to the block, and each
// block's scale stream as many vectors ahead; 8-bit weights and several-row
// tiles get no prefetch unless it is asked for.
// RUN: vsq-opt %s --vsquant-tile-vectors="target=avx512vnni" | FileCheck %s
// RUN: vsq-opt %s --vsquant-tile-vectors="target=avx512vnni prefetch-distance=0" | FileCheck %s --check-prefix=OFF
// RUN: vsq-opt %s --vsquant-tile-vectors="target=avx512vnni prefetch-distance=256" | FileCheck %s --check-prefix=ASKED
// RUN: vsq-opt %s --vsquant-tile-vectors="target=avx2" | FileCheck %s --check-prefix=AVX2

// OFF-NOT: memref.prefetch

#a = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = ui4>
#w4 = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>
#w8 = #vsquant.format<si8, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>

// 64 columns are 4 blocks of 16 lanes, one tile; each vector of a block is
// 128 bytes (two lines), prefetched at both line starts: 8 per vector.
// CHECK-LABEL: func.func @gemv_w4
// CHECK: scf.for
// CHECK: arith.constant dense<15> : vector<64xi8>
// CHECK-NEXT: arith.constant 0 : index
// CHECK-NEXT: %[[AT:.*]] = arith.addi %{{.*}}, %c0{{.*}} : index
// CHECK-NEXT: %[[LAST:.*]] = arith.constant 511 : index
// CHECK-NEXT: %[[AHEAD:.*]] = arith.constant 2048 : index
// CHECK-NEXT: %[[FAR:.*]] = arith.addi %[[AT]], %[[AHEAD]] : index
// CHECK-NEXT: %[[CLAMPED:.*]] = arith.minui %[[FAR]], %[[LAST]] : index
// CHECK: memref.prefetch %[[W:.*]][%{{.*}}, %[[CLAMPED]]], read, locality<3>, data : memref<4x512xi8>
// CHECK: vector.load %[[W]][%{{.*}}, %[[AT]]] : memref<4x512xi8>, vector<64xi8>
// CHECK-COUNT-7: memref.prefetch %[[W]]
// The scales of a block's vector j are 16 bytes at j * 16 of its stream:
// prefetched 2048 / 128 = 16 vectors ahead, clamped to the stream's last
// byte (63), before they are loaded; one per block, all at that index.
// CHECK: %[[SLAST:.*]] = arith.constant 63 : index
// CHECK-NEXT: %[[SAHEAD:.*]] = arith.constant 16 : index
// CHECK-NEXT: %[[SNEXT:.*]] = arith.addi %[[J:.*]], %[[SAHEAD]] : index
// CHECK-NEXT: %[[LANES:.*]] = arith.constant 16 : index
// CHECK-NEXT: %[[SFAR:.*]] = arith.muli %[[SNEXT]], %[[LANES]] : index
// CHECK-NEXT: %[[SCLAMPED:.*]] = arith.minui %[[SFAR]], %[[SLAST]] : index
// CHECK: memref.prefetch %[[S:.*]][%{{.*}}, %[[SCLAMPED]]], read, locality<3>, data : memref<4x64xi8>
// CHECK: vector.load %[[S]][%{{.*}}, %{{.*}}] : memref<4x64xi8>, vector<16xi8>
// CHECK-COUNT-3: memref.prefetch %[[S]][%{{.*}}, %[[SCLAMPED]]]
// CHECK-NOT: memref.prefetch
// CHECK: return
// ASKED-LABEL: func.func @gemv_w4
// ASKED: arith.constant 256 : index
// ASKED-COUNT-8: memref.prefetch %{{.*}} : memref<4x512xi8>
// ASKED: arith.constant 2 : index
// ASKED-COUNT-4: memref.prefetch %{{.*}} : memref<4x64xi8>
// ASKED-NOT: memref.prefetch
// ASKED: return
// AVX2 (8 lanes): 8 blocks in two tiles of 4; a vector of a block is one
// 64-byte line read by two 32-byte loads, prefetched once, and its scales
// (8 bytes) once.
// AVX2-LABEL: func.func @gemv_w4
// AVX2-COUNT-4: memref.prefetch %{{.*}} : memref<8x256xi8>
// AVX2-COUNT-4: memref.prefetch %{{.*}} : memref<8x32xi8>
// AVX2-NOT: memref.prefetch
// AVX2: return
func.func @gemv_w4(%a: tensor<1x64xf32>) -> tensor<1x64xf32> {
  %g = arith.constant dense<0.05> : tensor<f32>
  %aq = vsquant.dynamic_quantize %a coarse(%g : tensor<f32>) : tensor<1x64xf32> -> !vsquant.tensor<1x64, #a>
  %w = vsquant.constant values(dense<3> : tensor<64x64xi8>) scales(dense<2> : tensor<4x64xi8>) coarse(dense<0.5> : tensor<64xf32>) : !vsquant.tensor<64x64, #w4>
  %y = vsquant.matmul %aq, %w : !vsquant.tensor<1x64, #a>, !vsquant.tensor<64x64, #w4> -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}

// 8-bit weights: none by default; asked for, one per line (4 per vector and
// block, 256 bytes), and the scales one vector ahead.
// CHECK-LABEL: func.func @gemv_w8
// CHECK-NOT: memref.prefetch
// CHECK: return
// ASKED-LABEL: func.func @gemv_w8
// ASKED-COUNT-16: memref.prefetch %{{.*}} : memref<4x1024xi8>
// ASKED: arith.constant 1 : index
// ASKED-COUNT-4: memref.prefetch %{{.*}} : memref<4x64xi8>
// ASKED-NOT: memref.prefetch
// ASKED: return
func.func @gemv_w8(%a: tensor<1x64xf32>) -> tensor<1x64xf32> {
  %g = arith.constant dense<0.05> : tensor<f32>
  %aq = vsquant.dynamic_quantize %a coarse(%g : tensor<f32>) : tensor<1x64xf32> -> !vsquant.tensor<1x64, #a>
  %w = vsquant.constant values(dense<3> : tensor<64x64xi8>) scales(dense<2> : tensor<4x64xi8>) coarse(dense<0.5> : tensor<64xf32>) : !vsquant.tensor<64x64, #w8>
  %y = vsquant.matmul %aq, %w : !vsquant.tensor<1x64, #a>, !vsquant.tensor<64x64, #w8> -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}

// Several rows reuse each weight register from the caches: no prefetch by
// default.
// CHECK-LABEL: func.func @gemm_w4
// CHECK-NOT: memref.prefetch
// CHECK: return
// ASKED-LABEL: func.func @gemm_w4
// ASKED: memref.prefetch
func.func @gemm_w4(%a: tensor<8x64xf32>) -> tensor<8x64xf32> {
  %g = arith.constant dense<0.05> : tensor<f32>
  %aq = vsquant.dynamic_quantize %a coarse(%g : tensor<f32>) : tensor<8x64xf32> -> !vsquant.tensor<8x64, #a>
  %w = vsquant.constant values(dense<3> : tensor<64x64xi8>) scales(dense<2> : tensor<4x64xi8>) coarse(dense<0.5> : tensor<64xf32>) : !vsquant.tensor<64x64, #w4>
  %y = vsquant.matmul %aq, %w : !vsquant.tensor<8x64, #a>, !vsquant.tensor<64x64, #w4> -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}
