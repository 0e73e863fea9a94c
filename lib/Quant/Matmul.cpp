//===- Matmul.cpp - Reference quantized matrix product (SPEC.md 5) --------===//

#include "vsquant/Quant/Matmul.h"

#include "llvm/Support/FormatVariadic.h"

using namespace vsquant::quant;

namespace {
/// Where an operand's scales and coarse scales live for a given (row or
/// column) channel and block.
struct OperandScales {
  const QuantizedTensor &tensor;
  const TensorFormat &format;
  bool isLhs;
  int64_t channels, reduction; // M or N; K
  int64_t vector = 0, gridBlocks = 1;

  OperandScales(const QuantizedTensor &tensor, const TensorFormat &format,
                bool isLhs, int64_t channels, int64_t reduction)
      : tensor(tensor), format(format), isLhs(isLhs), channels(channels),
        reduction(reduction) {
    if (format.granularity == Granularity::PerVector) {
      vector = format.vectorSize;
      gridBlocks = (reduction + vector - 1) / vector;
    }
  }
  /// Elements per scale along K, 0 when one scale covers K.
  int64_t block() const { return vector && vector < reduction ? vector : 0; }
  int64_t scaleIndex(int64_t channel, int64_t j) const {
    switch (format.granularity) {
    case Granularity::PerTensor:
      return 0;
    case Granularity::PerChannel:
      return channel;
    case Granularity::PerVector: {
      int64_t jj = gridBlocks == 1 ? 0 : j;
      return isLhs ? channel * gridBlocks + jj : jj * channels + channel;
    }
    }
    return 0;
  }
  bool twoLevel() const { return format.scaleBits > 0; }
  float gamma(int64_t channel) const {
    return tensor.coarse.size() == 1 ? tensor.coarse[0]
                                     : tensor.coarse[channel];
  }
  /// Effective fp32 scale S of (channel, block).
  float scale(int64_t channel, int64_t j) const {
    int64_t i = scaleIndex(channel, j);
    if (!twoLevel())
      return tensor.scales[i];
    return float(tensor.integerScales[i]) * gamma(channel);
  }
  int64_t value(int64_t channel, int64_t kk) const {
    return isLhs ? tensor.values[channel * reduction + kk]
                 : tensor.values[kk * channels + channel];
  }
};
} // namespace

llvm::Expected<std::vector<float>> vsquant::quant::quantizedMatmul(
    const QuantizedTensor &a, const TensorFormat &aFormat,
    const QuantizedTensor &b, const TensorFormat &bFormat, int64_t m,
    int64_t k, int64_t n) {
  auto axisError = [](const char *which, const char *want) {
    return llvm::createStringError(
        llvm::formatv("{0} must be {1}", which, want).str());
  };
  if ((aFormat.granularity == Granularity::PerVector && aFormat.axis != 1) ||
      (aFormat.granularity == Granularity::PerChannel && aFormat.axis != 0))
    return axisError("A", "per_vector along axis 1 or per_channel along 0");
  if ((bFormat.granularity == Granularity::PerVector && bFormat.axis != 0) ||
      (bFormat.granularity == Granularity::PerChannel && bFormat.axis != 1))
    return axisError("B", "per_vector along axis 0 or per_channel along 1");
  if (int64_t(a.values.size()) != m * k || int64_t(b.values.size()) != k * n)
    return llvm::createStringError("operand sizes do not match M, K, N");
  OperandScales sa(a, aFormat, true, m, k), sb(b, bFormat, false, n, k);
  if (sa.block() && sb.block() && sa.block() != sb.block())
    return llvm::createStringError("vector sizes along K differ");
  int64_t vector = sa.block() ? sa.block() : sb.block();
  if (!vector)
    vector = k;
  int64_t blocks = (k + vector - 1) / vector;
  if (sa.twoLevel() && sb.twoLevel() &&
      (a.coarse.size() != 1 && aFormat.coarseAxis != 0))
    return llvm::createStringError("A's coarse scale must be per tensor or "
                                   "per row");

  std::vector<float> y(m * n);
  for (int64_t row = 0; row < m; ++row)
    for (int64_t col = 0; col < n; ++col) {
      int64_t acc = 0;
      float sum = 0.0f;
      for (int64_t j = 0; j < blocks; ++j) {
        int64_t dot = 0;
        for (int64_t kk = j * vector; kk < std::min(k, (j + 1) * vector); ++kk)
          dot += sa.value(row, kk) * sb.value(col, kk);
        if (sa.twoLevel() && sb.twoLevel()) {
          acc += int64_t(a.integerScales[sa.scaleIndex(row, j)]) *
                 int64_t(b.integerScales[sb.scaleIndex(col, j)]) * dot;
        } else {
          float scale = sa.scale(row, j) * sb.scale(col, j);
          sum += scale * float(dot);
        }
      }
      y[row * n + col] = sa.twoLevel() && sb.twoLevel()
                             ? float(acc) * (sa.gamma(row) * sb.gamma(col))
                             : sum;
    }
  return y;
}
