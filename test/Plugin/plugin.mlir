// Debian's own mlir-opt loads the dialect and the passes from the plugin.
// (Under setup.sh sanitize %asan_preload loads ASan first: mlir-opt is not
// built with it, the plugin is.)
// RUN: %asan_preload mlir-opt %s --load-dialect-plugin=%vsquant_libs/VSQuantPlugin%shlibext --load-pass-plugin=%vsquant_libs/VSQuantPlugin%shlibext --pass-pipeline="builtin.module(vsquant-storage-report)" 2>&1 | FileCheck %s
// Without the plugin the dialect is unknown.
// RUN: not mlir-opt %s 2>&1 | FileCheck %s --check-prefix=NOPLUGIN

// CHECK: remark: activation #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>: 64 elements, 10.0000 bits/element
// CHECK: func.func @plugin
// CHECK: vsquant.dynamic_quantize
// NOPLUGIN: type created with unregistered dialect
func.func @plugin(%x: tensor<2x32xf32>) -> !vsquant.tensor<2x32, #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>> {
  %0 = vsquant.dynamic_quantize %x : tensor<2x32xf32> -> !vsquant.tensor<2x32, #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>>
  return %0 : !vsquant.tensor<2x32, #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>>
}
