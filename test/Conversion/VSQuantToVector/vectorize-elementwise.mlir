// RUN: vsq-opt %s --split-input-file --convert-vsquant-to-linalg --vsquant-vectorize-elementwise | FileCheck %s
// The pass rejects nothing: what it cannot vectorize exactly (float sums,
// too few channels) is left to the loops without a diagnostic; any would
// fail this run.
// RUN: vsq-opt %s --split-input-file --convert-vsquant-to-linalg --vsquant-vectorize-elementwise --verify-diagnostics -o /dev/null

// Dynamic per-vector quantization as the reference lowering leaves it: the
// per-vector max of |x| becomes one vector<16> per vector reduced as a tree
// of halves (order-free on magnitudes: the same bits as the scalar loop),
// the division / rounding / clamping one SIMD step per vector with the
// scale broadcast, and the bytes one contiguous store.

// CHECK-LABEL: func.func @dynamic_quantize
// CHECK: scf.for
// CHECK: %[[X:.*]] = vector.transfer_read {{.*}} : tensor<1x1x16xf32>, vector<16xf32>
// CHECK: %[[ABS:.*]] = math.absf %[[X]] : vector<16xf32>
// CHECK-DAG: %[[HI:.*]] = vector.extract_strided_slice %[[ABS]] {offsets = [8], sizes = [8], strides = [1]}
// CHECK-DAG: %[[LO:.*]] = vector.extract_strided_slice %[[ABS]] {offsets = [0], sizes = [8], strides = [1]}
// CHECK: arith.maxnumf %[[LO]], %[[HI]] : vector<8xf32>
// CHECK: arith.maxnumf %{{.*}} : vector<4xf32>
// CHECK: arith.maxnumf %{{.*}} : vector<2xf32>
// CHECK: arith.maxnumf %{{.*}} : vector<1xf32>
// CHECK-NOT: vector.reduction
// CHECK: arith.divf %{{.*}} : vector<4xf32>
// CHECK: arith.divf %{{.*}} : vector<16xf32>
// CHECK: math.roundeven %{{.*}} : vector<16xf32>
// CHECK: arith.fptosi %{{.*}} : vector<16xf32> to vector<16xi32>
// CHECK: vector.transfer_write %{{.*}} : vector<16xi8>, tensor<1x1x16xi8>
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @dynamic_quantize(%a: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %aq = vsquant.dynamic_quantize %a : tensor<4x64xf32> -> !vsquant.tensor<4x64, #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>>
  %d = vsquant.dequantize %aq : !vsquant.tensor<4x64, #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>> -> tensor<4x64xf32>
  return %d : tensor<4x64xf32>
}

// -----

// A float sum keeps its loop (its order is part of the result); a max of
// values that may be negative zeros is vectorized but keeps one ordered
// vector.reduction (no tree).

// CHECK-LABEL: func.func @float_sum_is_left_alone
// CHECK: linalg.generic
// CHECK: arith.addf
func.func @float_sum_is_left_alone(%x: tensor<4x64xf32>) -> tensor<4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<4x64xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %a = arith.addf %out, %in : f32
    linalg.yield %a : f32
  } -> tensor<4xf32>
  return %s : tensor<4xf32>
}

// CHECK-LABEL: func.func @signed_max
// CHECK-NOT: linalg.generic
// CHECK: vector.reduction <maxnumf>, %{{.*}}, %{{.*}} : vector<16xf32> into f32
// CHECK-NOT: vector.extract_strided_slice
// CHECK: return
func.func @signed_max(%x: tensor<4x16xf32>) -> tensor<4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<4x16xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %a = arith.maxnumf %out, %in : f32
    linalg.yield %a : f32
  } -> tensor<4xf32>
  return %s : tensor<4xf32>
}

// -----

// A reduction across rows (per-vector scales along K of a run-time B: the
// max over the 16 rows of each vector) becomes elementwise max of rows, in
// row order (tiles of 16 rows x 16 columns: 256 elements at most); an op whose innermost extent is too short to fill a SIMD register
// (3 channels) is left to the loops.

// CHECK-LABEL: func.func @max_across_rows
// CHECK: %[[ROWS:.*]] = vector.transfer_read {{.*}} : tensor<1x16x16xf32>, vector<16x16xf32>
// CHECK: %[[ACC:.*]] = vector.transfer_read {{.*}} : tensor<1x16xf32>, vector<16xf32>
// CHECK: %[[ABS:.*]] = math.absf %[[ROWS]] : vector<16x16xf32>
// CHECK: %[[ROW0:.*]] = vector.extract %[[ABS]][0] : vector<16xf32> from vector<16x16xf32>
// CHECK: %[[MAX0:.*]] = arith.maxnumf %[[ROW0]], %[[ACC]] : vector<16xf32>
// CHECK: %[[ROW1:.*]] = vector.extract %[[ABS]][1]
// CHECK: arith.maxnumf %[[ROW1]], %[[MAX0]] : vector<16xf32>
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @max_across_rows(%x: tensor<2x16x64xf32>) -> tensor<2x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x64xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x64xf32>) -> tensor<2x64xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} ins(%x : tensor<2x16x64xf32>) outs(%init : tensor<2x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = math.absf %in : f32
    %a = arith.maxnumf %out, %m : f32
    linalg.yield %a : f32
  } -> tensor<2x64xf32>
  return %s : tensor<2x64xf32>
}

// CHECK-LABEL: func.func @too_short
// CHECK: linalg.generic
func.func @too_short(%x: tensor<8x3xf32>) -> tensor<8x3xf32> {
  %e = tensor.empty() : tensor<8x3xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8x3xf32>) outs(%e : tensor<8x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = math.absf %in : f32
    linalg.yield %m : f32
  } -> tensor<8x3xf32>
  return %s : tensor<8x3xf32>
}
