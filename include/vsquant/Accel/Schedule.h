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
  /// Re-quantized outputs are ui<N> (postprocess unsigned_output).
  bool unsignedOutput = false;
  /// DRAM placement (bytes): the layer's regions start at dramBase, its
  /// inputs at inputBase (-1: at dramBase, before the weights). A layer that
  /// reads the previous one's re-quantized outputs sets inputBase to that
  /// layer's outputBase (they are its input rows).
  int64_t dramBase = 0, inputBase = -1;
};

/// Where a layer's data lives in DRAM (bytes). Batched layers repeat
/// each region per batch, `*BatchBytes` apart.
struct DramLayout {
  /// M rows of kVectors packed input entries.
  int64_t inputBase = 0, inputRowBytes = 0, inputBatchBytes = 0;
  /// For each lane tile, the weight slots of its reduction vectors (all
  /// lanes; lanes past N hold zero vectors with scale 0), tile t's from
  /// slot tileWeightSlot[t].
  int64_t weightBase = 0, weightSlotBytes = 0, weightBatchBytes = 0;
  std::vector<int64_t> tileWeightSlot;
  /// For each lane tile, paramsTileWords fp32 words: the lanes' scales
  /// f32(gammaA * gammaB[n]), then (bias) their biases, then (requantize)
  /// the output coarse scale.
  int64_t paramsBase = 0, paramsTileWords = 0, paramsBatchBytes = 0;
  /// fp32 outputs: for each lane tile, M rows of all lanes' fp32 values
  /// (outputRowBytes each). Re-quantized outputs: M rows of N / V packed
  /// input entries (outputRowBytes each), the next layer's input rows.
  int64_t outputBase = 0, outputRowBytes = 0, outputBatchBytes = 0;
  bool requantizedOutput = false;
  int64_t entryBytes = 0;  // one packed input entry
  int64_t lanes = 0;       // lanes of a tile
  int64_t vectorSize = 0;
  int64_t m = 0;           // rows
  /// One past the last byte of any region.
  int64_t totalBytes = 0;

  int64_t inputAddress(int64_t b, int64_t row, int64_t vector) const {
    return inputBase + b * inputBatchBytes + row * inputRowBytes +
           vector * entryBytes;
  }
  int64_t weightAddress(int64_t b, int64_t tile, int64_t vector) const {
    return weightBase + b * weightBatchBytes +
           (tileWeightSlot[tile] + vector) * weightSlotBytes;
  }
  int64_t paramsAddress(int64_t b, int64_t tile) const {
    return paramsBase + b * paramsBatchBytes + tile * paramsTileWords * 4;
  }
  /// Where output row `row` of lane tile `tile` starts.
  int64_t outputAddress(int64_t b, int64_t tile, int64_t row) const {
    return requantizedOutput
               ? outputBase + b * outputBatchBytes + row * outputRowBytes +
                     tile * (lanes / vectorSize) * entryBytes
               : outputBase + b * outputBatchBytes +
                     (tile * m + row) * outputRowBytes;
  }
};

struct MatmulPlan {
  Program program;
  Layer layer;
  Tiling tiling;
  /// What each lane tile reduces over (laneTileReductions).
  std::vector<LaneTileReduction> reductions;
  DramLayout layout;
};

/// Fails (naming the reason) when the layer cannot map: requantize on a
/// per-channel machine or with lanes or N not multiples of V, or buffers
/// too small.
llvm::Expected<MatmulPlan> planMatmul(const Config &config, int64_t m,
                                      int64_t k, int64_t n,
                                      const MatmulOptions &options);

/// `batch` independent M x K by K x N products (vsquant.batch_matmul): the
/// matmul's tiling and instruction stream once per batch, in one program,
/// the buffer halves alternating across batch boundaries too.
llvm::Expected<MatmulPlan> planBatchMatmul(const Config &config, int64_t batch,
                                           int64_t m, int64_t k, int64_t n,
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

/// A depthwise conv (channel multiplier 1; `shape.f` is ignored, F = C) as
/// its block-diagonal GEMM (depthwiseConv2dLayer): M = batch x outH x outW
/// rows by C channels; an input row holds, for each channel block and then
/// each tap, the im2col input vector of that tap's pixel (ceil(C / V) x kh x
/// kw entries); a lane tile loads and multiplies only the entries of its
/// own channel blocks, and its weight vector for (block, tap) holds lane
/// c's tap weight at c's position and zeros elsewhere. The host lays the
/// rows out (depthwiseAsMatmul + packMatmulImage).
llvm::Expected<MatmulPlan> planDepthwiseConv2d(const Config &config,
                                               const Conv2dShape &shape,
                                               const MatmulOptions &options);

} // namespace accel
} // namespace vsquant

#endif // VSQUANT_ACCEL_SCHEDULE_H
