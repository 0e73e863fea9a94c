// vsquant.conv2d and vsquant.depthwise_conv2d compiled for the CPU and run
// with zero padding; scales are powers of two, so the expected values
// (computed by hand, see the comments) are exact. The same numbers from the
// reference lowering and from the tiled kernels (conv2d as an implicit
// im2col; depthwise stays on the reference lowering) for AVX-512 VNNI, also
// on two threads, and for AVX2.
// RUN: vsq-opt %s --vsquant-cpu-pipeline="kernels=reference" | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s
// RUN: %if cpu-avx512vnni %{ vsq-opt %s --vsquant-cpu-pipeline="target=avx512vnni" | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s %}
// Two threads: the tiles become an OpenMP parallel loop (LLVM's libomp).
// RUN: %if cpu-avx512vnni %{ vsq-opt %s --vsquant-cpu-pipeline="target=avx512vnni num-threads=2 min-macs-per-thread=0" | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils,%openmp_runtime | FileCheck %s %}
// RUN: %if cpu-avx2 %{ vsq-opt %s --vsquant-cpu-pipeline="target=avx2" | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s %}
// The tiled pipeline really takes the conv2d:
// RUN: vsq-opt %s --vsquant-tile-vectors="target=avx512vnni" | FileCheck %s --check-prefix=TILED
// TILED: vsquant.dot_accumulate
// TILED-NOT: vsquant.conv2d

#act = #vsquant.format<si8, per_vector(axis = 3, size = 2), scale = f32>

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  // Pixel (h, w) = [127, 63 (h - w)]: every vector has s = 1, q = x.
  %x = arith.constant dense<[[[[127.0, 0.0], [127.0, -63.0], [127.0, -126.0]],
                              [[127.0, 63.0], [127.0, 0.0], [127.0, -63.0]],
                              [[127.0, 126.0], [127.0, 63.0], [127.0, 0.0]]]]> : tensor<1x3x3x2xf32>
  %xq = vsquant.dynamic_quantize %x : tensor<1x3x3x2xf32> -> !vsquant.tensor<1x3x3x2, #act>

  // conv2d, 2x2 filter w[kh][kw][c] = [[[1, -2], [3, 0]], [[-1, 4], [2, -3]]]
  // with scale 0.5, padding top = left = 1: y[oh][ow] = 0.5 * sum over the
  // window of x * w, e.g. y[0][0] = 0.5 * (127 * 2) = 127.
  // CHECK: {{\[\[\[\[}}127],
  // CHECK-NEXT: [158],
  // CHECK-NEXT: [126.5]],
  // CHECK-NEXT: {{\[\[}}223],
  // CHECK-NEXT: [443.5],
  // CHECK-NEXT: [475]],
  // CHECK-NEXT: {{\[\[}}128.5],
  // CHECK-NEXT: [412],
  // CHECK-NEXT: [443.5]]]]
  %w = vsquant.constant values(dense<[[[[1], [-2]], [[3], [0]]], [[[-1], [4]], [[2], [-3]]]]> : tensor<2x2x2x1xi8>)
      scales(dense<0.5> : tensor<1xf32>) : !vsquant.tensor<2x2x2x1, #vsquant.format<si4, per_channel(axis = 3), scale = f32>>
  %y = vsquant.conv2d %xq, %w {padding = array<i64: 1, 1, 0, 0>}
      : !vsquant.tensor<1x3x3x2, #act>, !vsquant.tensor<2x2x2x1, #vsquant.format<si4, per_channel(axis = 3), scale = f32>> -> tensor<1x3x3x1xf32>
  %yu = tensor.cast %y : tensor<1x3x3x1xf32> to tensor<*xf32>
  call @printMemrefF32(%yu) : (tensor<*xf32>) -> ()

  // depthwise_conv2d, 2x2 window (rows kh * 2 + kw), channel scales
  // [0.5, 0.25], padding bottom = right = 1.
  // CHECK: {{\[\[\[\[}}317.5,   63],
  // CHECK-NEXT: [317.5,   78.75],
  // CHECK-NEXT: [0,   0]],
  // CHECK-NEXT: {{\[\[}}317.5,   47.25],
  // CHECK-NEXT: [317.5,   63],
  // CHECK-NEXT: [0,   31.5]],
  // CHECK-NEXT: {{\[\[}}254,   -63],
  // CHECK-NEXT: [254,   -31.5],
  // CHECK-NEXT: [63.5,   0]]]]
  %wd = vsquant.constant values(dense<[[1, -2], [3, 0], [-1, 4], [2, -3]]> : tensor<4x2xi8>)
      scales(dense<[0.5, 0.25]> : tensor<2xf32>) : !vsquant.tensor<4x2, #vsquant.format<si4, per_channel(axis = 1), scale = f32>>
  %d = vsquant.depthwise_conv2d %xq, %wd {kernel_size = array<i64: 2, 2>, padding = array<i64: 0, 0, 1, 1>}
      : !vsquant.tensor<1x3x3x2, #act>, !vsquant.tensor<4x2, #vsquant.format<si4, per_channel(axis = 1), scale = f32>> -> tensor<1x3x3x2xf32>
  %du = tensor.cast %d : tensor<1x3x3x2xf32> to tensor<*xf32>
  call @printMemrefF32(%du) : (tensor<*xf32>) -> ()
  return
}
