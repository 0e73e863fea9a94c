// RUN: vsq-opt %s --split-input-file --vsquant-outline-loop-nests | FileCheck %s
// RUN: vsq-opt %s --split-input-file --vsquant-outline-loop-nests="min-nests=3" | FileCheck %s --check-prefix=MIN3
// Outlined nests are internal and noinline in LLVM IR.
// RUN: vsq-opt %s --split-input-file --vsquant-outline-loop-nests --convert-scf-to-cf --convert-to-llvm --reconcile-unrealized-casts | mlir-translate --split-input-file --mlir-to-llvmir | FileCheck %s --check-prefix=LLVM
// The pass rejects nothing (bodies of several blocks, declarations and
// single nests are left alone); any diagnostic would fail this run.
// RUN: vsq-opt %s --split-input-file --vsquant-outline-loop-nests --verify-diagnostics -o /dev/null

// Two nests: each becomes a function, in order, after @main. Constants
// and the global's address are cloned into the nest that uses them (trip
// counts stay constants); buffers and other values become arguments; a
// nest's results are the call's.
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[A:.*]]: memref<4xf32>, %[[B:.*]]: memref<4xf32>, %[[X:.*]]: f32) -> f32
// CHECK-NEXT: call @main_nest0(%[[A]], %[[B]]) : (memref<4xf32>, memref<4xf32>) -> ()
// CHECK-NEXT: %[[S:.*]] = call @main_nest1(%[[X]], %[[B]]) : (f32, memref<4xf32>) -> f32
// CHECK-NEXT: return %[[S]] : f32
// CHECK: func.func private @main_nest0(%[[A0:.*]]: memref<4xf32>, %[[B0:.*]]: memref<4xf32>)
// CHECK-SAME: attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]}
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[G:.*]] = memref.get_global @bias : memref<4xf32>
// CHECK: scf.for %[[I:.*]] = %[[C0]] to %[[C4]] step %[[C1]] {
// CHECK: memref.load %[[A0]][%[[I]]]
// CHECK: memref.load %[[G]][%[[I]]]
// CHECK: memref.store %{{.*}}, %[[B0]][%[[I]]]
// CHECK: return
// CHECK: func.func private @main_nest1(%[[X1:.*]]: f32, %[[B1:.*]]: memref<4xf32>) -> f32
// CHECK: %[[R:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[X1]]) -> (f32) {
// CHECK: memref.load %[[B1]]
// CHECK: return %[[R]] : f32

// MIN3-LABEL: func.func @main(
// MIN3-COUNT-2: scf.for
// MIN3-NOT: call
// MIN3-NOT: func.func private @main_nest

// LLVM: define float @main(
// LLVM: call void @main_nest0(
// LLVM: call float @main_nest1(
// LLVM: define internal void @main_nest0({{.*}}) #[[ATTR:[0-9]+]]
// LLVM: define internal float @main_nest1({{.*}}) #[[ATTR]]
// LLVM: attributes #[[ATTR]] = { noinline }
memref.global "private" constant @bias : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
func.func @main(%a: memref<4xf32>, %b: memref<4xf32>, %x: f32) -> f32 {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c1 = arith.constant 1 : index
  %bias = memref.get_global @bias : memref<4xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.load %a[%i] : memref<4xf32>
    %w = memref.load %bias[%i] : memref<4xf32>
    %s = arith.addf %v, %w : f32
    memref.store %s, %b[%i] : memref<4xf32>
  }
  %sum = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %x) -> (f32) {
    %v = memref.load %b[%i] : memref<4xf32>
    %s = arith.addf %acc, %v : f32
    scf.yield %s : f32
  }
  return %sum : f32
}

// -----

// One nest (or none): nothing to gain, left alone.
// CHECK-LABEL: func.func @single(
// CHECK-NEXT: arith.constant
// CHECK: scf.for
// CHECK-NOT: call
// CHECK: return
// CHECK-NOT: func.func private @single_nest
func.func @single(%a: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    memref.store %z, %a[%i] : memref<4xf32>
  }
  return
}

// -----

// A name already taken gets a fresh one; declarations are left alone.
// CHECK-LABEL: func.func private @ext(memref<4xf32>)
// CHECK-LABEL: func.func @f(
// CHECK: call @f_nest0_0(
// CHECK: call @f_nest1(
// CHECK: func.func private @f_nest0_0(
// CHECK: func.func private @f_nest1(
// CHECK: func.func @f_nest0()
func.func private @ext(memref<4xf32>)
func.func @f(%a: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    memref.store %z, %a[%i] : memref<4xf32>
  }
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.load %a[%i] : memref<4xf32>
    memref.store %v, %a[%i] : memref<4xf32>
  }
  return
}
func.func @f_nest0() {
  return
}

// -----

// A body of several blocks (unstructured control flow) is left as it is,
// without a diagnostic.
// CHECK-LABEL: func.func @blocks(
// CHECK: cf.cond_br
// CHECK-COUNT-2: scf.for
// CHECK-NOT: call
// CHECK-NOT: func.func private @blocks_nest
func.func @blocks(%a: memref<4xf32>, %p: i1) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0.0 : f32
  cf.cond_br %p, ^fill, ^done
^fill:
  scf.for %i = %c0 to %c4 step %c1 {
    memref.store %z, %a[%i] : memref<4xf32>
  }
  scf.for %i = %c0 to %c4 step %c1 {
    memref.store %z, %a[%i] : memref<4xf32>
  }
  cf.br ^done
^done:
  return
}
