// RUN: vsq-opt %s --vsquant-tile-vectors="target=avx512vnni" --split-input-file | FileCheck %s --check-prefixes=CHECK,VNNI
// RUN: vsq-opt %s --vsquant-tile-vectors="target=avx2" --split-input-file | FileCheck %s --check-prefixes=CHECK,AVX2
// RUN: vsq-opt %s --vsquant-tile-vectors="target=none" --split-input-file | FileCheck %s --check-prefix=NONE
// RUN: vsq-opt %s --vsquant-tile-vectors="target=avx512vnni num-threads=2 min-macs-per-thread=0" --split-input-file | FileCheck %s --check-prefix=THREADS
// By default a contraction gets a second thread only with at least 2^20
// multiply-accumulates per thread: none here.
// RUN: vsq-opt %s --vsquant-tile-vectors="target=avx512vnni num-threads=2" --split-input-file | FileCheck %s --check-prefix=SMALL
// SMALL-NOT: scf.parallel

// W8A8, two-level ui4 scales, 9 x 40 times 40 x 40 with V = 16: K is padded
// to 48 (3 vectors); the weights are repacked per SIMD-wide column block
// (3 blocks of 16 for AVX-512, 5 of 8 for AVX2) with 4 consecutive k per
// 32-bit lane. On AVX-512 the weights are vpdpbusd's unsigned operand,
// stored as q + 128 (3 + 128 = 0x83), and each dot product starts from
// -128 * sum(a) over the vector, computed once per row; AVX2 multiplies
// |a| by sign(a) * w. Register tiles of 4 x 2 blocks (AVX-512; 2 row tiles
// by 1 column tile, then remainders) or 2 x 2 blocks (AVX2; 4 by 2) cover
// the output; with two threads the tiles are shared out by one scf.parallel
// of 2 iterations.

#a8 = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = ui4>
#w8 = #vsquant.format<si8, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>

// CHECK-LABEL: func.func @w8a8_two_level
// CHECK: } : tensor<9x40xi8> to tensor<9x48xi8>
// CHECK: bufferization.to_buffer %{{.*}} read_only : tensor<9x48xi8>
// VNNI: tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2]] output_shape [9, 3, 16] : tensor<9x48xi8> into tensor<9x3x16xi8>
// VNNI: arith.constant -128 : i32
// VNNI: arith.extsi %{{.*}} : i8 to i32
// VNNI: bufferization.to_buffer %{{.*}} read_only : tensor<9x3xi32>
// AVX2-NOT: tensor<9x3x16xi8>
// VNNI: arith.constant dense<"0x838383
// AVX2: arith.constant dense<"0x030303
// VNNI: bufferization.to_buffer %{{.*}} read_only : tensor<3x768xi8>
// AVX2: bufferization.to_buffer %{{.*}} read_only : tensor<5x384xi8>
// VNNI: bufferization.to_buffer %{{.*}} read_only : tensor<3x48xi8>
// AVX2: bufferization.to_buffer %{{.*}} read_only : tensor<5x24xi8>
// CHECK: memref.alloc() : memref<9x40xf32>
// CHECK-NOT: scf.parallel
// VNNI: %[[TILES:.*]] = arith.constant 2 : index
// VNNI: scf.for %[[F:.*]] = %{{.*}} to %[[TILES]]
// AVX2: %[[TILES:.*]] = arith.constant 8 : index
// AVX2: scf.for %[[F:.*]] = %{{.*}} to %[[TILES]]
// CHECK: arith.divui %[[F]]
// CHECK: arith.remui %[[F]]
// CHECK: scf.for
// VNNI: vsquant.dot_accumulate %{{.*}} lhs_unsigned : vector<16xi32>, vector<64xi8>
// AVX2: vsquant.dot_accumulate %{{.*}}, %{{.*}}, %{{.*}} : vector<8xi32>, vector<32xi8>
// CHECK: arith.extui %{{.*}} : vector<{{16|8}}xi8> to vector<{{16|8}}xi32>
// CHECK: arith.muli %{{.*}} : vector<{{16|8}}xi32>
// CHECK: arith.sitofp %{{.*}} : vector<{{16|8}}xi32> to vector<{{16|8}}xf32>
// 40 columns are 2.5 blocks of 16: masked stores on AVX-512, whole ones on
// AVX2.
// VNNI: vector.transfer_write %{{.*}} : vector<16xf32>, memref<9x40xf32>
// AVX2: vector.store %{{.*}} : memref<9x40xf32>, vector<8xf32>
// CHECK: bufferization.to_tensor %{{.*}} restrict writable : memref<9x40xf32> to tensor<9x40xf32>
// CHECK-NOT: vsquant.matmul
// NONE-LABEL: func.func @w8a8_two_level
// NONE-NOT: vsquant.dot_accumulate
// NONE: linalg.generic
// THREADS-LABEL: func.func @w8a8_two_level
// THREADS: scf.parallel (%[[T:.*]]) = (%{{.*}}) to (%c2{{[_0-9]*}}) step
// THREADS: %[[LO:.*]] = arith.muli %[[T]], %c2
// THREADS: arith.divui %[[LO]], %c2
// THREADS: vsquant.dot_accumulate
func.func @w8a8_two_level(%a: tensor<9x40xf32>) -> tensor<9x40xf32> {
  %g = arith.constant dense<0.5> : tensor<f32>
  %aq = vsquant.dynamic_quantize %a coarse(%g : tensor<f32>) : tensor<9x40xf32> -> !vsquant.tensor<9x40, #a8>
  %w = vsquant.constant values(dense<3> : tensor<40x40xi8>) scales(dense<2> : tensor<3x40xi8>) coarse(dense<0.25> : tensor<40xf32>) : !vsquant.tensor<40x40, #w8>
  %y = vsquant.matmul %aq, %w : !vsquant.tensor<9x40, #a8>, !vsquant.tensor<40x40, #w8> -> tensor<9x40xf32>
  return %y : tensor<9x40xf32>
}

// -----

// 4-bit weights stay two per byte (half the bytes of the 8-bit case) and are
// unpacked in registers: biased nibbles (q + 8 = 5 = 0x55 per byte) by a
// mask and a logical shift on AVX-512; signed ones by (x << 4) >> 4 and
// x >> 4 (arithmetic) on AVX2.

#a8 = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = ui4>
#w4 = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>

// CHECK-LABEL: func.func @w4a8
// VNNI: arith.constant -8 : i32
// VNNI: arith.constant dense<"0x555555
// AVX2: arith.constant dense<"0xDDDDDD
// VNNI: bufferization.to_buffer %{{.*}} read_only : tensor<3x384xi8>
// AVX2: bufferization.to_buffer %{{.*}} read_only : tensor<5x192xi8>
// VNNI: arith.andi %{{.*}} : vector<64xi8>
// VNNI: arith.shrui %{{.*}} : vector<64xi8>
// AVX2: arith.shli %{{.*}} : vector<32xi8>
// AVX2: arith.shrsi %{{.*}} : vector<32xi8>
// CHECK: vsquant.dot_accumulate
func.func @w4a8(%a: tensor<9x40xf32>) -> tensor<9x40xf32> {
  %g = arith.constant dense<0.5> : tensor<f32>
  %aq = vsquant.dynamic_quantize %a coarse(%g : tensor<f32>) : tensor<9x40xf32> -> !vsquant.tensor<9x40, #a8>
  %w = vsquant.constant values(dense<-3> : tensor<40x40xi8>) scales(dense<2> : tensor<3x40xi8>) coarse(dense<0.25> : tensor<40xf32>) : !vsquant.tensor<40x40, #w4>
  %y = vsquant.matmul %aq, %w : !vsquant.tensor<9x40, #a8>, !vsquant.tensor<40x40, #w4> -> tensor<9x40xf32>
  return %y : tensor<9x40xf32>
}

// -----

// 40 vectors of 16 si8 x si8 with ui4 x ui4 scales: one term is at most
// 16 * 127 * 127 * 15 * 15 = 58064400, so 36 vectors fit an i32 exactly; the
// kernel sums chunks of 36 in i32 and the chunks in i64.

#a8 = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = ui4>
#w8 = #vsquant.format<si8, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>

// CHECK-LABEL: func.func @long_reduction
// VNNI: %[[C36:.*]] = arith.constant 36 : index
// VNNI: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %[[C36]]
// VNNI: arith.minsi
// VNNI: arith.extsi %{{.*}} : vector<16xi32> to vector<16xi64>
// VNNI: arith.sitofp %{{.*}} : vector<16xi64> to vector<16xf32>
func.func @long_reduction(%a: tensor<1x640xf32>) -> tensor<1x16xf32> {
  %g = arith.constant dense<0.5> : tensor<f32>
  %aq = vsquant.dynamic_quantize %a coarse(%g : tensor<f32>) : tensor<1x640xf32> -> !vsquant.tensor<1x640, #a8>
  %w = vsquant.constant values(dense<3> : tensor<640x16xi8>) scales(dense<2> : tensor<40x16xi8>) coarse(dense<0.25> : tensor<16xf32>) : !vsquant.tensor<640x16, #w8>
  %y = vsquant.matmul %aq, %w : !vsquant.tensor<1x640, #a8>, !vsquant.tensor<640x16, #w8> -> tensor<1x16xf32>
  return %y : tensor<1x16xf32>
}

// -----

// Single-level fp32 scales: f32(sA * sB) * f32(dot) added in increasing j.

#af = #vsquant.format<si8, per_vector(axis = 1, size = 8), scale = f32>
#wf = #vsquant.format<si8, per_vector(axis = 0, size = 8), scale = f32>

// CHECK-LABEL: func.func @single_level
// CHECK: scf.for
// CHECK: vsquant.dot_accumulate
// CHECK: %[[S:.*]] = arith.mulf %{{.*}}, %{{.*}} : vector<{{16|8}}xf32>
// CHECK: %[[D:.*]] = arith.sitofp %{{.*}} : vector<{{16|8}}xi32> to vector<{{16|8}}xf32>
// CHECK: %[[T:.*]] = arith.mulf %[[S]], %[[D]]
// CHECK: arith.addf %{{.*}}, %[[T]]
func.func @single_level(%a: tensor<2x16xf32>) -> tensor<2x8xf32> {
  %aq = vsquant.dynamic_quantize %a : tensor<2x16xf32> -> !vsquant.tensor<2x16, #af>
  %w = vsquant.constant values(dense<1> : tensor<16x8xi8>) scales(dense<0.5> : tensor<2x8xf32>) : !vsquant.tensor<16x8, #wf>
  %y = vsquant.matmul %aq, %w : !vsquant.tensor<2x16, #af>, !vsquant.tensor<16x8, #wf> -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// 8-bit scales over 8-bit elements: one term sqA * sqB * dot can exceed i32
// (16 * 127 * 127 * 255 * 255), dot * sqB cannot; the product with sqA and
// the sum are i64. The i32 lanes of dot * sqB are read as pairs (even lanes
// the low halves of i64 lanes, odd lanes the high halves, each sign-
// extended: vpmuldq), summed even lanes first, interleaved after the loop.

#x8 = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = ui8>
#w8 = #vsquant.format<si8, per_vector(axis = 0, size = 16), scale = ui8, coarse = per_channel(axis = 1)>

// CHECK-LABEL: func.func @wide_terms
// CHECK: vsquant.dot_accumulate
// CHECK: %[[P:.*]] = arith.muli %{{.*}} : vector<{{16|8}}xi32>
// CHECK: %[[PAIRS:.*]] = vector.bitcast %[[P]] : vector<[[L:16|8]]xi32> to vector<[[H:8|4]]xi64>
// CHECK: %[[LOW:.*]] = arith.shli %[[PAIRS]], %[[C32:.*]] : vector<[[H]]xi64>
// CHECK: %[[EVEN:.*]] = arith.shrsi %[[LOW]], %[[C32]] : vector<[[H]]xi64>
// CHECK: %[[ODD:.*]] = arith.shrsi %[[PAIRS]], %[[C32]] : vector<[[H]]xi64>
// CHECK-DAG: %[[TODD:.*]] = arith.muli %[[ODD]], %[[SA:.*]] : vector<[[H]]xi64>
// CHECK-DAG: %[[TEVEN:.*]] = arith.muli %[[EVEN]], %[[SA]] : vector<[[H]]xi64>
// CHECK: %[[TERMS:.*]] = vector.shuffle %[[TEVEN]], %[[TODD]]
// CHECK: arith.addi %{{.*}}, %[[TERMS]] : vector<[[L]]xi64>
// CHECK: scf.yield
// VNNI: %[[S:.*]] = vector.shuffle %[[T:.*]], %[[T]] [0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15] : vector<16xi64>, vector<16xi64>
// AVX2: %[[S:.*]] = vector.shuffle %[[T:.*]], %[[T]] [0, 4, 1, 5, 2, 6, 3, 7] : vector<8xi64>, vector<8xi64>
// CHECK: arith.sitofp %[[S]] : vector<{{16|8}}xi64> to vector<{{16|8}}xf32>
func.func @wide_terms(%x: tensor<4x32xf32>) -> tensor<4x8xf32> {
  %g = arith.constant dense<0.5> : tensor<f32>
  %xq = vsquant.dynamic_quantize %x coarse(%g : tensor<f32>) : tensor<4x32xf32> -> !vsquant.tensor<4x32, #x8>
  %w = vsquant.constant values(dense<3> : tensor<32x8xi8>) scales(dense<2> : tensor<2x8xi8>) coarse(dense<0.25> : tensor<8xf32>) : !vsquant.tensor<32x8, #w8>
  %z = vsquant.matmul %xq, %w : !vsquant.tensor<4x32, #x8>, !vsquant.tensor<32x8, #w8> -> tensor<4x8xf32>
  return %z : tensor<4x8xf32>
}

// -----

// Per-channel fp32 weight scales with per-row (token) activation scales: one
// vector over all of K (32, a whole number of 4-byte pairs of groups).

#x8 = #vsquant.format<si8, per_channel(axis = 0), scale = f32>
#w8 = #vsquant.format<si8, per_channel(axis = 1), scale = f32>

// CHECK-LABEL: func.func @per_channel
// VNNI: bufferization.to_buffer %{{.*}} read_only : tensor<1x512xi8>
// CHECK: vsquant.dot_accumulate
func.func @per_channel(%x: tensor<4x32xf32>) -> tensor<4x8xf32> {
  %xq = vsquant.dynamic_quantize %x : tensor<4x32xf32> -> !vsquant.tensor<4x32, #x8>
  %w = vsquant.constant values(dense<3> : tensor<32x8xi8>) scales(dense<0.5> : tensor<8xf32>) : !vsquant.tensor<32x8, #w8>
  %z = vsquant.matmul %xq, %w : !vsquant.tensor<4x32, #x8>, !vsquant.tensor<32x8, #w8> -> tensor<4x8xf32>
  return %z : tensor<4x8xf32>
}

// -----

// What the tiled kernels do not take goes through the reference lowering in
// the same pass: here unsigned weights.

#x8 = #vsquant.format<si8, per_tensor, scale = f32>
#w8 = #vsquant.format<ui8, per_channel(axis = 1), scale = f32>

// CHECK-LABEL: func.func @fallbacks
// CHECK-NOT: vsquant.dot_accumulate
// CHECK: return
func.func @fallbacks(%x: tensor<4x32xf32>) -> tensor<4x8xf32> {
  %xq = vsquant.dynamic_quantize %x : tensor<4x32xf32> -> !vsquant.tensor<4x32, #x8>
  %w = vsquant.constant values(dense<3> : tensor<32x8xi8>) scales(dense<0.5> : tensor<8xf32>) : !vsquant.tensor<32x8, #w8>
  %z = vsquant.matmul %xq, %w : !vsquant.tensor<4x32, #x8>, !vsquant.tensor<32x8, #w8> -> tensor<4x8xf32>
  return %z : tensor<4x8xf32>
}

// -----

// batch_matmul of two activations (attention's Q K^T): B is computed at run
// time, so the generated code packs it on every call into the layout the
// compile-time weights get, with a leading batch dim: B (2 x 32 x 8) is
// padded to whole SIMD-wide column blocks (N = 16 on AVX-512), cut into
// [batch][block][k / 4][lane][k % 4] and, on AVX-512, biased by 128 (added
// as -128 in i8); its per-vector scales become [batch][block][j][lane]. The
// tiles run over (batch, column tile, row tile) and read both operands at
// their batch entry.

#a8 = #vsquant.format<si8, per_vector(axis = 2, size = 16), scale = f32>
#b8 = #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>

// CHECK-DAG: #[[PACK:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2 * 4 + d4, d1 * {{8|16}} + d3)>
// CHECK-DAG: #[[SCALES:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d1 * {{8|16}} + d3)>
// CHECK-LABEL: func.func @batch_of_activations
// VNNI: tensor.pad %{{.*}} low[0, 0, 0] high[0, 0, 8]
// VNNI: } : tensor<2x32x8xi8> to tensor<2x32x16xi8>
// VNNI: linalg.generic {indexing_maps = [#[[PACK]], #{{.*}}]{{.*}} ins(%{{.*}} : tensor<2x32x16xi8>) outs(%{{.*}} : tensor<2x1x8x16x4xi8>)
// VNNI-NEXT: ^bb0(%[[IN:.*]]: i8, %{{.*}}: i8):
// VNNI-NEXT: arith.addi %[[IN]], %c-128_i8 : i8
// VNNI: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1], [2, 3, 4]] : tensor<2x1x8x16x4xi8> into tensor<2x1x512xi8>
// VNNI: linalg.generic {indexing_maps = [#[[SCALES]], #{{.*}}]{{.*}} ins(%{{.*}} : tensor<2x2x16xf32>) outs(%{{.*}} : tensor<2x1x2x16xf32>)
// AVX2: linalg.generic {indexing_maps = [#[[PACK]], #{{.*}}]{{.*}} ins(%{{.*}} : tensor<2x32x8xi8>) outs(%{{.*}} : tensor<2x1x8x8x4xi8>)
// AVX2-NEXT: ^bb0(%[[IN:.*]]: i8, %{{.*}}: i8):
// AVX2-NEXT: linalg.yield %[[IN]] : i8
// CHECK: %[[OUT:.*]] = memref.alloc() : memref<2x4x8xf32>
// CHECK: scf.for %[[F:.*]] = %c0 to %c{{[0-9]+}} step %c1 {
// CHECK: %[[BATCH:.*]] = arith.divui %[[F]], %c{{.*}} : index
// CHECK: vector.load %{{.*}}[%[[BATCH]], %{{.*}}, %{{.*}}] : memref<2x1x{{512|256}}xi8>, vector<{{64|32}}xi8>
// CHECK: vsquant.dot_accumulate
// CHECK: vector.{{store|transfer_write}} %{{.*}}, %[[OUT]][%[[BATCH]], %{{.*}}, %{{.*}}]
// NONE-LABEL: func.func @batch_of_activations
// NONE-NOT: vsquant.dot_accumulate
// THREADS-LABEL: func.func @batch_of_activations
// THREADS: scf.parallel
func.func @batch_of_activations(%a: tensor<2x4x32xf32>, %b: tensor<2x32x8xf32>) -> tensor<2x4x8xf32> {
  %aq = vsquant.dynamic_quantize %a : tensor<2x4x32xf32> -> !vsquant.tensor<2x4x32, #a8>
  %bq = vsquant.dynamic_quantize %b : tensor<2x32x8xf32> -> !vsquant.tensor<2x32x8, #b8>
  %y = vsquant.batch_matmul %aq, %bq : !vsquant.tensor<2x4x32, #a8>, !vsquant.tensor<2x32x8, #b8> -> tensor<2x4x8xf32>
  return %y : tensor<2x4x8xf32>
}

// -----

// ui8 activations (after relu) times si8 weights: vpdpbusd takes them as
// they are (no bias, no compensation); AVX2's vpmaddubsw could saturate
// (2 * 255 * 127 > 32767), so AVX2 falls back to the reference lowering.

#u8 = #vsquant.format<ui8, per_vector(axis = 1, size = 16), scale = f32>
#wf = #vsquant.format<si8, per_vector(axis = 0, size = 16), scale = f32>

// CHECK-LABEL: func.func @unsigned_activations
// VNNI-NOT: tensor.expand_shape %{{.*}} : tensor<4x32xi8>
// VNNI: vsquant.dot_accumulate %{{.*}} lhs_unsigned : vector<16xi32>, vector<64xi8>
// AVX2-NOT: vsquant.dot_accumulate
// CHECK: return
func.func @unsigned_activations(%x: tensor<4x32xf32>) -> tensor<4x8xf32> {
  %xq = vsquant.dynamic_quantize %x : tensor<4x32xf32> -> !vsquant.tensor<4x32, #u8>
  %w = vsquant.constant values(dense<3> : tensor<32x8xi8>) scales(dense<0.5> : tensor<2x8xf32>) : !vsquant.tensor<32x8, #wf>
  %z = vsquant.matmul %xq, %w : !vsquant.tensor<4x32, #u8>, !vsquant.tensor<32x8, #wf> -> tensor<4x8xf32>
  return %z : tensor<4x8xf32>
}

// -----

// conv2d as an implicit im2col: C = 20 is padded to 2 vectors of 16 and H, W
// by the window's zero border (one tensor.pad of the values, one of the
// scale grid); the 3 x 3 x 20 x 8 filter becomes a 288 x 8 matrix (9 taps x
// 2 vectors x 16), packed like matmul weights (4-bit: 288 x 16 / 2 bytes on
// AVX-512, biased nibbles -3 + 8 = 0x5 and 0x8 for the padded channels).
// The rows are the 25 output pixels (n, oh, ow), split by divui / remui by
// 5; vector j is channel vector j % 2 of tap j / 2 = (kh, kw). The 25 x 8
// result is expanded back to NHWC.

#x8 = #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>
#k4 = #vsquant.format<si4, per_vector(axis = 2, size = 16), scale = f32>

// CHECK-LABEL: func.func @conv2d
// CHECK: tensor.pad %{{.*}} low[0, 1, 1, 0] high[0, 1, 1, 12]
// CHECK: bufferization.to_buffer %{{.*}} read_only : tensor<1x7x7x32xi8>
// VNNI: tensor.expand_shape %{{.*}} output_shape [1, 7, 7, 2, 16] : tensor<1x7x7x32xi8> into tensor<1x7x7x2x16xi8>
// VNNI: bufferization.to_buffer %{{.*}} read_only : tensor<1x7x7x2xi32>
// CHECK: tensor.pad %{{.*}} low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: bufferization.to_buffer %{{.*}} read_only : tensor<1x7x7x2xf32>
// VNNI: arith.constant dense<"0x5555555555555555555555555555555555555555555555555555555555555555888888888888
// VNNI: bufferization.to_buffer %{{.*}} read_only : tensor<1x2304xi8>
// AVX2: bufferization.to_buffer %{{.*}} read_only : tensor<1x1152xi8>
// CHECK: memref.alloc() : memref<25x8xf32>
// CHECK: arith.remui %{{.*}}, %c5
// CHECK: arith.divui %{{.*}}, %c5
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %c18
// CHECK: %[[TAP:.*]] = arith.divui %[[J]], %c2
// CHECK: arith.remui %[[J]], %c2
// CHECK: arith.divui %[[TAP]], %c3
// CHECK: arith.remui %[[TAP]], %c3
// VNNI: vsquant.dot_accumulate %{{.*}} lhs_unsigned : vector<16xi32>, vector<64xi8>
// AVX2: vsquant.dot_accumulate %{{.*}}, %{{.*}}, %{{.*}} : vector<8xi32>, vector<32xi8>
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1, 2], [3]] output_shape [1, 5, 5, 8] : tensor<25x8xf32> into tensor<1x5x5x8xf32>
// CHECK-NOT: vsquant.conv2d
// NONE-LABEL: func.func @conv2d
// NONE-NOT: vsquant.dot_accumulate
// NONE: linalg.generic
func.func @conv2d(%x: tensor<1x5x5x20xf32>) -> tensor<1x5x5x8xf32> {
  %xq = vsquant.dynamic_quantize %x : tensor<1x5x5x20xf32> -> !vsquant.tensor<1x5x5x20, #x8>
  %k = vsquant.constant values(dense<-3> : tensor<3x3x20x8xi8>) scales(dense<0.25> : tensor<3x3x2x8xf32>) : !vsquant.tensor<3x3x20x8, #k4>
  %y = vsquant.conv2d %xq, %k {padding = array<i64: 1, 1, 1, 1>} : !vsquant.tensor<1x5x5x20, #x8>, !vsquant.tensor<3x3x20x8, #k4> -> tensor<1x5x5x8xf32>
  return %y : tensor<1x5x5x8xf32>
}
