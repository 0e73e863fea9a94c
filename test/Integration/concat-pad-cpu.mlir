// A concat and a pad bufferize into copies to strided subviews; the CPU
// pipeline turns them into vectorized loops (no call to the runner utils'
// memrefCopy) that copy the right values.
// RUN: vsq-opt %s --vsquant-cpu-pipeline | FileCheck %s --check-prefix=IR
// IR-NOT: memrefCopy
// IR: llvm.store %{{.*}} : vector<{{[0-9]+}}xf32>, !llvm.ptr
// RUN: vsq-opt %s --vsquant-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s

func.func private @printMemrefF32(tensor<*xf32>)

func.func @concat_and_pad(%a: tensor<1x2x2x3xf32>, %b: tensor<1x2x2x3xf32>) -> tensor<1x3x4x6xf32> {
  %zero = arith.constant 0.0 : f32
  %c = tensor.concat dim(3) %a, %b : (tensor<1x2x2x3xf32>, tensor<1x2x2x3xf32>) -> tensor<1x2x2x6xf32>
  %p = tensor.pad %c low[0, 1, 1, 0] high[0, 0, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x2x2x6xf32> to tensor<1x3x4x6xf32>
  return %p : tensor<1x3x4x6xf32>
}

// CHECK: {{\[\[\[\[}}0,   0,   0,   0,   0,   0],
// CHECK-NEXT: [0,   0,   0,   0,   0,   0],
// CHECK-NEXT: [0,   0,   0,   0,   0,   0],
// CHECK-NEXT: [0,   0,   0,   0,   0,   0]],
// CHECK-NEXT: {{\[\[}}0,   0,   0,   0,   0,   0],
// CHECK-NEXT: [1,   2,   3,   -1,   -2,   -3],
// CHECK-NEXT: [4,   5,   6,   -4,   -5,   -6],
// CHECK-NEXT: [0,   0,   0,   0,   0,   0]],
// CHECK-NEXT: {{\[\[}}0,   0,   0,   0,   0,   0],
// CHECK-NEXT: [7,   8,   9,   -7,   -8,   -9],
// CHECK-NEXT: [10,   11,   12,   -10,   -11,   -12],
// CHECK-NEXT: [0,   0,   0,   0,   0,   0]]]]
func.func @main() {
  %a = arith.constant dense<[[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [[7.0, 8.0, 9.0], [10.0, 11.0, 12.0]]]]> : tensor<1x2x2x3xf32>
  %b = arith.constant dense<[[[[-1.0, -2.0, -3.0], [-4.0, -5.0, -6.0]], [[-7.0, -8.0, -9.0], [-10.0, -11.0, -12.0]]]]> : tensor<1x2x2x3xf32>
  %p = call @concat_and_pad(%a, %b) : (tensor<1x2x2x3xf32>, tensor<1x2x2x3xf32>) -> tensor<1x3x4x6xf32>
  %u = tensor.cast %p : tensor<1x3x4x6xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
