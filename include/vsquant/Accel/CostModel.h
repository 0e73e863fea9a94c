//===- CostModel.h - Analytical accelerator cost model ----------*- C++ -*-===//
//
// Cycles, utilisation, memory traffic, energy split and area of a layer on
// the machine of a Config (docs/Accelerator.md, "Cost model"). Pure C++.
// The tiling below is the schedule the vsqaccel lowering emits, so the
// simulator's measured cycles can be compared with these estimates.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_ACCEL_COSTMODEL_H
#define VSQUANT_ACCEL_COSTMODEL_H

#include "vsquant/Accel/Config.h"

#include <string>
#include <utility>
#include <vector>

namespace vsquant {
namespace accel {

/// A layer as the machine sees it: an integer GEMM of M rows (output
/// pixels or tokens) by N output channels over `kVectors` reduction vectors
/// of V elements (the last one zero padded).
struct Layer {
  std::string name;
  /// "matmul", "batch_matmul", "conv2d" or "depthwise_conv2d".
  std::string kind;
  /// Independent GEMMs of this shape, each with its own operands
  /// (batch_matmul); 1 otherwise.
  int64_t batch = 1;
  int64_t m = 0, n = 0, k = 0;
  /// Reduction vectors of a row. A depthwise conv's lane tile reduces only
  /// over the vectors of its own channel blocks (laneTileKVectors).
  int64_t kVectors = 0;
  /// depthwise_conv2d: the window's taps (kh x kw); its reduction vectors
  /// are (channel block, tap) pairs, channel-block major.
  int64_t taps = 0;
  /// Distinct input activations in DRAM (conv: the NHWC tensor, smaller
  /// than M x K).
  int64_t inputElements = 0;
  /// Outputs leave re-quantized for the next layer (packed input entries);
  /// otherwise as fp32 rows of all lanes, as the ISA stores them.
  bool requantizedOutput = true;
};

Layer matmulLayer(llvm::StringRef name, int64_t m, int64_t k, int64_t n,
                  int64_t vectorSize);
/// NHWC input (batch, h, w, c), HWCF filter (kh, kw, c, f), symmetric zero
/// padding; vectors run along C (SPEC.md section 5), so each (kh, kw) tap
/// contributes ceil(C / V) vectors.
Layer conv2dLayer(llvm::StringRef name, int64_t batch, int64_t h, int64_t w,
                  int64_t c, int64_t f, int64_t kh, int64_t kw, int64_t stride,
                  int64_t pad, int64_t vectorSize);
/// `batch` independent M x K by K x N products (vsquant.batch_matmul).
Layer batchMatmulLayer(llvm::StringRef name, int64_t batch, int64_t m,
                       int64_t k, int64_t n, int64_t vectorSize);
/// A depthwise conv (channel multiplier 1) of an NHWC input with a kh x kw
/// window, run as its block-diagonal GEMM: M output pixels by N = C
/// channels; output channel c reduces over the taps of its own channel
/// block only, one vector per (block, tap), the weight vector holding its
/// one tap weight at c's position (docs/Accelerator.md, "Depthwise").
Layer depthwiseConv2dLayer(llvm::StringRef name, int64_t batch, int64_t h,
                           int64_t w, int64_t c, int64_t kh, int64_t kw,
                           int64_t stride, int64_t pad, int64_t vectorSize);

/// The reduction vectors each lane tile (config.lanes() output channels)
/// runs, and the first of them in an input row: kVectors from 0 for every
/// tile, except a depthwise conv's tile, which runs the taps of the channel
/// blocks its lanes touch.
struct LaneTileReduction {
  int64_t firstVector = 0, vectors = 0;
};
std::vector<LaneTileReduction> laneTileReductions(const Config &config,
                                                  const Layer &layer);

/// How a layer is cut to the buffers. Loop nest (outer to inner):
///   for nTile (lanes() output channels each)
///     for mTile (mTileRows rows)
///       for kTile (kTileVectors vectors): load weights, load inputs,
///         for j in kTile: every lane latches its weight vector j, then
///           for m in mTile: one vector MAC per lane, accumulate
///       post-process the mTile x lanes outputs and store them
/// Weights stay resident across mTiles when the layer has one kTile.
struct Tiling {
  int64_t nTiles = 0, mTiles = 0, kTiles = 0;
  int64_t mTileRows = 0, kTileVectors = 0;
  bool doubleBuffered = false;
};

/// Fails with a message when the layer cannot map (nothing fits).
llvm::Expected<Tiling> tileLayer(const Config &config, const Layer &layer);

/// Named quantities in a fixed order (printing and JSON keep it).
using Breakdown = std::vector<std::pair<std::string, double>>;
double total(const Breakdown &breakdown);
/// The processing elements' share: everything but the global buffer and
/// DRAM (the scope of a PE synthesis study such as VS-Quant's).
double peTotal(const Breakdown &breakdown);

struct LayerCost {
  Layer layer;
  Tiling tiling;
  int64_t macs = 0;          // useful M x K x N
  int64_t computeCycles = 0; // cycles the lanes are busy (or stalled on PPU)
  int64_t dmaCycles = 0;     // cycles DRAM is busy
  int64_t cycles = 0;        // end to end, with overlap
  double utilization = 0;    // macs / (cycles x macsPerCycle)
  int64_t dramReadBytes = 0, dramWriteBytes = 0;
  /// pJ: mac, scale, accumulator, weight_buffer, input_buffer,
  /// accumulator_buffer, global_buffer, ppu, dram.
  Breakdown energyPj;
};

llvm::Expected<LayerCost> estimateLayer(const Config &config,
                                        const Layer &layer);

/// um^2: mac_array, scale_units, accumulators, weight_buffer, input_buffer,
/// accumulator_buffer, global_buffer, ppu.
Breakdown estimateArea(const Config &config);

/// Energy of one multiply-accumulate (mac + scale + accumulator energy of a
/// large, fully-reused layer divided by its MACs) - the datapath figure.
double datapathEnergyPerMacPj(const Config &config);

/// Energy of the multipliers alone per MAC: the V element products and,
/// per-vector, the two scale products amortised over V.
double multiplierEnergyPerMacPj(const Config &config);

llvm::json::Value toJSON(const LayerCost &cost);

} // namespace accel
} // namespace vsquant

#endif // VSQUANT_ACCEL_COSTMODEL_H
