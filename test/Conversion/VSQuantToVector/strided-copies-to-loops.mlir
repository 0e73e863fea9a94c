// RUN: vsq-opt %s --split-input-file --vsquant-strided-copies-to-loops | FileCheck %s
// The pass rejects nothing: contiguous and unranked copies are left as
// they are without a diagnostic; any would fail this run.
// RUN: vsq-opt %s --split-input-file --vsquant-strided-copies-to-loops --verify-diagnostics -o /dev/null

// A copy into a strided subview (half of a concat's result) becomes an
// elementwise linalg.generic on the buffers.
// CHECK-LABEL: func.func @into_subview
// CHECK-NOT: memref.copy
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel"]} ins(%arg0 : memref<8x16xf32>) outs(%{{.*}} : memref<8x16xf32, strided<[32, 1], offset: 16>>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[IN]] : f32
func.func @into_subview(%a: memref<8x16xf32>, %out: memref<8x32xf32>) {
  %s = memref.subview %out[0, 16] [8, 16] [1, 1] : memref<8x32xf32> to memref<8x16xf32, strided<[32, 1], offset: 16>>
  memref.copy %a, %s : memref<8x16xf32> to memref<8x16xf32, strided<[32, 1], offset: 16>>
  return
}

// -----

// Contiguous copies stay memref.copy (they become a memcpy), and so do
// unranked ones.
// CHECK-LABEL: func.func @contiguous
// CHECK: memref.copy %arg0, %arg1 : memref<8x16xf32> to memref<8x16xf32>
// CHECK: memref.copy %arg2, %arg3 : memref<*xf32> to memref<*xf32>
// CHECK-NOT: linalg.generic
func.func @contiguous(%a: memref<8x16xf32>, %b: memref<8x16xf32>, %c: memref<*xf32>, %d: memref<*xf32>) {
  memref.copy %a, %b : memref<8x16xf32> to memref<8x16xf32>
  memref.copy %c, %d : memref<*xf32> to memref<*xf32>
  return
}

