// RUN: vsq-opt %s --vsquant-storage-report=json=%t.json 2>/dev/null | FileCheck %s --check-prefix=IR
// RUN: FileCheck %s < %t.json

// IR: vsquant.constant
// CHECK: "values": [
// CHECK: "bits_per_element": 5.25,
// CHECK: "coarse_bits": 256,
// CHECK: "element_bits": 1024,
// CHECK: "elements": 256,
// CHECK: "format": "#vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>",
// CHECK: "kind": "constant",
// CHECK: "location": "{{.*}}storage-report-json.mlir:18:8",
// CHECK: "scale_bits": 64
// CHECK: "bits_per_element": 10,
// CHECK: "kind": "activation",
// CHECK: "version": 1
func.func @f(%x: tensor<2x32xf32>) {
  %0 = vsquant.constant values(dense<1> : tensor<32x8xi8>) scales(dense<2> : tensor<2x8xi8>) coarse(dense<0.5> : tensor<8xf32>)
      : !vsquant.tensor<32x8, #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>>
  %1 = vsquant.dynamic_quantize %x : tensor<2x32xf32> -> !vsquant.tensor<2x32, #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>>
  return
}
