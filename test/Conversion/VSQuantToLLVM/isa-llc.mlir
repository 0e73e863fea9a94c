// The tiled kernels reach the CPUs' int8 dot-product instructions through
// the vector dialect and LLVM: vpdpbusd in the inner loop for AVX-512 VNNI
// (znver4), vpsignb / vpmaddubsw / vpmaddwd and no zmm for AVX2 only.
// RUN: vsq-opt %s --vsquant-cpu-pipeline=target=avx512vnni | mlir-translate --mlir-to-llvmir | llc -O3 -mcpu=znver4 | FileCheck %s --check-prefix=VNNI
// RUN: vsq-opt %s --vsquant-cpu-pipeline=target=avx512vnni | mlir-translate --mlir-to-llvmir | llc -O3 -mattr=+avx512f,+avx512bw,+avx512vnni | FileCheck %s --check-prefix=VNNI
// RUN: vsq-opt %s --vsquant-cpu-pipeline=target=avx2 | mlir-translate --mlir-to-llvmir | llc -O3 -mcpu=x86-64-v3 | FileCheck %s --check-prefix=AVX2
// With two threads the tile loop is an OpenMP worksharing loop forked onto
// exactly two threads by LLVM's OpenMP runtime, and the inner loop is the
// same.
// RUN: vsq-opt %s --vsquant-cpu-pipeline="target=avx512vnni num-threads=2 min-macs-per-thread=0" | FileCheck %s --check-prefix=OMP
// RUN: vsq-opt %s --vsquant-cpu-pipeline="target=avx512vnni num-threads=2 min-macs-per-thread=0" | mlir-translate --mlir-to-llvmir | FileCheck %s --check-prefix=FORK
// RUN: vsq-opt %s --vsquant-cpu-pipeline="target=avx512vnni num-threads=2 min-macs-per-thread=0" | mlir-translate --mlir-to-llvmir | llc -O3 -mcpu=znver4 | FileCheck %s --check-prefix=VNNI

// OMP: omp.parallel num_threads(
// OMP-NEXT: omp.wsloop {
// OMP-NEXT: omp.loop_nest
// OMP-NOT: async
// FORK: call void @__kmpc_push_num_threads(ptr @{{[0-9]+}}, i32 %{{.*}}, i32 2)
// FORK: call void {{.*}}@__kmpc_fork_call(
// FORK: call void @__kmpc_for_static_init_8u(

// VNNI: Inner Loop Header
// VNNI-COUNT-16: vpdpbusd {{.*}}%zmm
// AVX2-NOT: zmm
// AVX2: Inner Loop Header
// AVX2: vpsignb
// AVX2: vpmaddubsw
// AVX2: vpmaddwd
// AVX2-NOT: zmm

#a8 = #vsquant.format<si8, per_vector(axis = 1, size = 32), scale = ui4>
#w4 = #vsquant.format<si4, per_vector(axis = 0, size = 32), scale = ui4, coarse = per_channel(axis = 1)>
func.func @gemm(%a: tensor<8x128xf32>) -> tensor<8x32xf32> {
  %g = arith.constant dense<0.5> : tensor<f32>
  %aq = vsquant.dynamic_quantize %a coarse(%g : tensor<f32>) : tensor<8x128xf32> -> !vsquant.tensor<8x128, #a8>
  %w = vsquant.constant values(dense<3> : tensor<128x32xi8>) scales(dense<2> : tensor<4x32xi8>) coarse(dense<0.25> : tensor<32xf32>) : !vsquant.tensor<128x32, #w4>
  %y = vsquant.matmul %aq, %w : !vsquant.tensor<8x128, #a8>, !vsquant.tensor<128x32, #w4> -> tensor<8x32xf32>
  return %y : tensor<8x32xf32>
}
