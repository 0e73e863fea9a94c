//===- Schedule.h - Layer programs for the accelerator ----------*- C++ -*-===//
//
// Plans the instruction stream of one quantized matmul on a config's
// machine, with the tiling of the cost model (tileLayer), double buffering
// where the buffers allow, and the DRAM layout of its data images
// (docs/AcceleratorISA.md, "Matmul programs"). Pure C++.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_ACCEL_SCHEDULE_H
#define VSQUANT_ACCEL_SCHEDULE_H

#include "vsquant/Accel/CostModel.h"
#include "vsquant/Accel/ISA.h"

namespace vsquant {
namespace accel {

struct MatmulOptions {
  std::string name = "matmul";
  bool bias = false;
  bool relu = false;
  /// Re-quantize outputs to the input format (dynamic per-vector scales).
  bool requantize = false;
  /// Input elements are ui<N> (vmac unsigned_input).
  bool unsignedInput = false;
};

/// Where a matmul's data lives in DRAM (bytes).
struct DramLayout {
  /// M rows of kVectors packed input entries.
  int64_t inputBase = 0, inputRowBytes = 0;
  /// For each nTile, kVectors weight slots (all lanes; lanes past N hold
  /// zero vectors with scale 0).
  int64_t weightBase = 0, weightSlotBytes = 0;
  /// For each nTile, paramsTileWords fp32 words: the lanes' scales
  /// f32(gammaA * gammaB[n]), then (bias) their biases, then (requantize)
  /// the output coarse scale.
  int64_t paramsBase = 0, paramsTileWords = 0;
  /// For each nTile, M output rows.
  int64_t outputBase = 0, outputRowBytes = 0;
  int64_t totalBytes = 0;
};

struct MatmulPlan {
  Program program;
  Layer layer;
  Tiling tiling;
  DramLayout layout;
};

/// Fails (naming the reason) when the layer cannot map: requantize on a
/// per-channel machine or with lanes or N not multiples of V, or buffers
/// too small.
llvm::Expected<MatmulPlan> planMatmul(const Config &config, int64_t m,
                                      int64_t k, int64_t n,
                                      const MatmulOptions &options);

/// An NHWC x HWCF convolution (SPEC.md section 5: vectors along C).
struct Conv2dShape {
  int64_t batch = 1, h = 1, w = 1, c = 1, f = 1, kh = 1, kw = 1;
  int64_t strideH = 1, strideW = 1, dilationH = 1, dilationW = 1;
  int64_t padTop = 0, padLeft = 0, padBottom = 0, padRight = 0;
  int64_t outH() const {
    return (h + padTop + padBottom - dilationH * (kh - 1) - 1) / strideH + 1;
  }
  int64_t outW() const {
    return (w + padLeft + padRight - dilationW * (kw - 1) - 1) / strideW + 1;
  }
};

/// A conv as the machine runs it: the GEMM of M = batch x outH x outW
/// im2col rows by F channels over K' = kh x kw x ceil(C / V) x V (each
/// filter tap's channels padded to whole vectors). The host lays the input
/// out as those rows (packMatmulImage on conv2dAsMatmul's operands); the
/// program is the matmul's. The plan's layer keeps the conv's kind and its
/// NHWC input size for the cost model.
llvm::Expected<MatmulPlan> planConv2d(const Config &config,
                                      const Conv2dShape &shape,
                                      const MatmulOptions &options);

} // namespace accel
} // namespace vsquant

#endif // VSQUANT_ACCEL_SCHEDULE_H
