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

} // namespace accel
} // namespace vsquant

#endif // VSQUANT_ACCEL_SCHEDULE_H
