// RUN: vsq-opt %s --convert-vsquant-dot-to-llvm="target=avx512vnni" | FileCheck %s --check-prefix=VNNI
// RUN: vsq-opt %s --convert-vsquant-dot-to-llvm="target=avx2" | FileCheck %s --check-prefix=AVX2
// RUN: vsq-opt %s --convert-vsquant-dot-to-llvm="target=none" | FileCheck %s --check-prefix=NONE

// Unsigned x signed bytes, 16 lanes: one vpdpbusd on AVX-512 VNNI; AVX2 and
// portable code have no 16-lane form and widen.
// VNNI-LABEL: func.func @unsigned16
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%{{.*}}, %{{.*}}, %{{.*}}) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// AVX2-LABEL: func.func @unsigned16
// AVX2-NOT: llvm.call_intrinsic
// AVX2: arith.extui %{{.*}} : vector<64xi8> to vector<64xi32>
// NONE-LABEL: func.func @unsigned16
// NONE: %[[A:.*]] = arith.extui %{{.*}} : vector<64xi8> to vector<64xi32>
// NONE: %[[W:.*]] = arith.extsi %{{.*}} : vector<64xi8> to vector<64xi32>
// NONE: %[[P:.*]] = arith.muli %[[A]], %[[W]]
// NONE: vector.shuffle %[[P]], %[[P]] [0, 4, 8, 12
// NONE: vector.shuffle %[[P]], %[[P]] [1, 5, 9, 13
// NONE: vector.shuffle %[[P]], %[[P]] [2, 6, 10, 14
// NONE: vector.shuffle %[[P]], %[[P]] [3, 7, 11, 15
func.func @unsigned16(%acc: vector<16xi32>, %a: vector<64xi8>, %w: vector<64xi8>) -> vector<16xi32> {
  %0 = vsquant.dot_accumulate %acc, %a, %w lhs_unsigned : vector<16xi32>, vector<64xi8>
  return %0 : vector<16xi32>
}

// Signed x signed bytes, 8 lanes: AVX2 moves the sign of a onto w (vpsignb)
// and multiplies |a| (vpabsb) with vpmaddubsw, then vpmaddwd by ones.
// AVX2-LABEL: func.func @signed8
// AVX2: %[[SW:.*]] = llvm.call_intrinsic "llvm.x86.avx2.psign.b"(%[[W:.*]], %[[A:.*]]) : (vector<32xi8>, vector<32xi8>) -> vector<32xi8>
// AVX2: %[[ABS:.*]] = math.absi %[[A]] : vector<32xi8>
// AVX2: %[[PAIRS:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"(%[[ABS]], %[[SW]]) : (vector<32xi8>, vector<32xi8>) -> vector<16xi16>
// AVX2: %[[QUADS:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[PAIRS]], %{{.*}}) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// AVX2: arith.addi %{{.*}}, %[[QUADS]] : vector<8xi32>
// VNNI-LABEL: func.func @signed8
// VNNI: llvm.x86.avx2.pmadd.ub.sw
// NONE-LABEL: func.func @signed8
// NONE: arith.extsi %{{.*}} : vector<32xi8> to vector<32xi32>
// NONE-NOT: llvm.call_intrinsic
func.func @signed8(%acc: vector<8xi32>, %a: vector<32xi8>, %w: vector<32xi8>) -> vector<8xi32> {
  %0 = vsquant.dot_accumulate %acc, %a, %w : vector<8xi32>, vector<32xi8>
  return %0 : vector<8xi32>
}
