//===- Statistics.h - Activation statistics and calibration tables -*- C++ -*-===//
//
// What calibration collects per activation tensor over many samples, the
// thresholds SPEC.md section 4 derives from it, and the versioned JSON table
// that carries it from the calibration driver to vsquant-quantize. Pure C++
// (LLVM Support only), like the rest of the numerics library.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_QUANT_STATISTICS_H
#define VSQUANT_QUANT_STATISTICS_H

#include "vsquant/Quant/Quantizer.h"

namespace vsquant {
namespace quant {

/// Statistics of one activation tensor over the calibration samples.
///
/// Two passes over the samples (so that histograms span exactly
/// [0, max|x|] as SPEC.md section 4 defines them): observeRange on every
/// sample, then startHistograms, then observeHistograms on every sample.
struct TensorStatistics {
  /// Name of the tensor (the consuming op's location), its shape per sample,
  /// the axis its vectors run along and the vector size V.
  std::string name;
  std::vector<int64_t> shape;
  int64_t vectorAxis = 0;
  int64_t vectorSize = 16;

  uint64_t count = 0;        ///< elements seen
  uint64_t vectorCount = 0;  ///< vectors seen
  double maxAbs = 0;         ///< max |x|
  double sum = 0, sumSquares = 0;
  /// 2048-bin histogram of |x| over [0, maxAbs].
  Histogram magnitudes;
  /// 2048-bin histogram of the per-vector max |x| over [0, maxAbs]: the
  /// distribution of dynamic per-vector scales s_v = max|x_v| / Q, from which
  /// the static coarse scale of two-level activations is chosen.
  Histogram vectorMaxima;

  double mean() const { return count ? sum / double(count) : 0.0; }
  double variance() const;

  /// Pass 1. Fails naming the flat index of the first NaN / Inf.
  llvm::Error observeRange(llvm::ArrayRef<float> data);
  /// Between the passes: sizes both histograms to [0, maxAbs].
  void startHistograms();
  /// Pass 2.
  void observeHistograms(llvm::ArrayRef<float> data);
};

/// Static threshold alpha of an activation from its histogram of |x| with
/// any method: max, percentile (percentileFromHistogram), entropy
/// (entropyFromHistogram), and mse / octav evaluated on the bin centres
/// weighted by their counts (the histogram stands for the data).
float thresholdFromHistogram(const Histogram &histogram,
                             ElementFormat format,
                             const CalibrationOptions &options);

/// The threshold T of SPEC.md section 4 for the static coarse scale of
/// two-level activations, gamma = T / (2^M - 1): max or percentile(p) of the
/// per-vector scales s_v = max|x_v| / Q seen during calibration.
float vectorScaleThreshold(const TensorStatistics &stats, ElementFormat format,
                           const CalibrationOptions &options);

/// The static coarse scale of two-level activations from threshold T:
/// gamma = T / (2^M - 1), divided in double and rounded once to fp32.
float coarseScaleOfThreshold(double threshold, unsigned scaleBits);

/// A calibration table (docs/Calibration.md describes the JSON schema).
struct CalibrationTable {
  static constexpr int64_t kVersion = 1;
  /// Name of the model's entry function, and its input count.
  std::string model;
  int64_t samples = 0;
  std::vector<TensorStatistics> tensors;

  const TensorStatistics *find(llvm::StringRef name) const;
};

/// Writes the table as JSON, atomically (a temporary file renamed over
/// `path`), so a failure never leaves half a table.
llvm::Error writeCalibrationTable(const CalibrationTable &table,
                                  llvm::StringRef path);
/// Reads and checks a table (version, field types, histogram sizes,
/// finite non-negative statistics); errors name the file and the field.
llvm::Expected<CalibrationTable> readCalibrationTable(llvm::StringRef path);
llvm::Expected<CalibrationTable> parseCalibrationTable(llvm::StringRef json,
                                                       llvm::StringRef name);

} // namespace quant
} // namespace vsquant

#endif // VSQUANT_QUANT_STATISTICS_H
