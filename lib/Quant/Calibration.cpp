//===- Calibration.cpp - Clipping thresholds (SPEC.md section 4) ----------===//
//
// max, percentile, mse (OMSE grid search), octav (Newton fixed point) and
// entropy (TensorRT KL) thresholds of one set of values.
//
//===----------------------------------------------------------------------===//

#include "QuantizerInternal.h"

#include "llvm/Support/ErrorHandling.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

using namespace vsquant::quant;
using namespace vsquant::quant::detail;
using llvm::ArrayRef;

namespace {

/// |x| for signed formats, max(x, 0) for unsigned ones: the magnitudes a
/// threshold has to cover (negatives clamp to 0 in unsigned formats).
void magnitudesInto(const float *values, int64_t n, ElementFormat format,
                    std::vector<float> &magnitudes) {
  magnitudes.resize(n);
  float *out = magnitudes.data();
  if (format.isSigned) {
    for (int64_t i = 0; i < n; ++i)
      out[i] = std::fabs(values[i]);
  } else {
    for (int64_t i = 0; i < n; ++i)
      out[i] = values[i] > 0.0f ? values[i] : 0.0f;
  }
}

} // namespace

/// 1-based rank of percentile p among n values: ceil(p / 100 * n) in [1, n].
/// A product within 1e-9 (relative) of an integer is taken as that integer:
/// p arrives as an inexact binary fraction (99.99), and an exact ceil would
/// then sometimes round a whole rank up.
uint64_t vsquant::quant::detail::percentileRank(uint64_t n,
                                                double percentile) {
  double target = percentile * double(n) / 100.0;
  double nearest = std::round(target);
  double rank = std::fabs(target - nearest) <= 1e-9 * std::max(1.0, target)
                    ? nearest
                    : std::ceil(target);
  if (!(rank >= 1.0))
    return 1;
  if (rank >= double(n))
    return n;
  return uint64_t(rank);
}

float vsquant::quant::detail::octavThreshold(ArrayRef<float> magnitudes,
                                             float maxAbs,
                                             ElementFormat format) {
  const double q = double(format.qmax());
  const double noise = 1.0 / (12.0 * q * q); // c: uniform noise of step s/Q.
  const double count = double(magnitudes.size());
  constexpr int kMaxUpdates = 30;
  double s = 0.0; // Starting at max|x| would give s_1 = 0.
  for (int updates = 0; updates < kMaxUpdates;) {
    double sumAbove = 0.0;
    uint64_t above = 0, nonzeroBelow = 0;
    for (float m : magnitudes) {
      double v = m;
      if (v > s) {
        sumAbove += v;
        ++above;
      } else if (v > 0.0) {
        ++nonzeroBelow;
      }
    }
    // Nothing above s: every nonzero |x| equals s (or all are 0); the literal
    // update would give 0 and then oscillate.
    if (above == 0)
      break;
    double next = (sumAbove / count) /
                  (noise * (double(nonzeroBelow) / count) +
                   double(above) / count);
    ++updates;
    bool converged = std::fabs(next - s) < 1e-4 * s;
    s = next;
    if (converged)
      break;
  }
  return std::min(float(s), maxAbs);
}

namespace {

/// Bin of magnitude m in a 2048-bin histogram over [0, maxAbs].
int64_t binOf(double m, double maxAbs) {
  constexpr int64_t last = Histogram::kBins - 1;
  if (!(maxAbs > 0.0))
    return m > 0.0 ? last : 0;
  double position = std::floor(m * double(Histogram::kBins) / maxAbs);
  if (!(position < double(last)))
    return last;
  return position > 0.0 ? int64_t(position) : 0;
}

} // namespace

void Histogram::add(ArrayRef<float> values) {
  assert(counts.size() == size_t(kBins) && "histogram must have 2048 bins");
  for (float x : values)
    ++counts[binOf(std::fabs(double(x)), maxAbs)];
}

float vsquant::quant::percentileFromHistogram(const Histogram &histogram,
                                              double percentile) {
  uint64_t total = 0;
  for (uint64_t c : histogram.counts)
    total += c;
  if (total == 0)
    return 0.0f;
  uint64_t rank = percentileRank(total, percentile);
  uint64_t cumulative = 0;
  int64_t bin = 0, bins = int64_t(histogram.counts.size());
  for (; bin < bins; ++bin) {
    cumulative += histogram.counts[bin];
    if (cumulative >= rank)
      break;
  }
  return float(double(bin + 1) * histogram.maxAbs / double(Histogram::kBins));
}

float vsquant::quant::entropyFromHistogram(const Histogram &histogram,
                                           ElementFormat format) {
  const std::vector<uint64_t> &hist = histogram.counts;
  assert(hist.size() == size_t(Histogram::kBins) && "2048 bins expected");
  constexpr int64_t kFirstCandidate = 128;
  const int64_t bins = Histogram::kBins;
  const int64_t levels = format.qmax() + 1;

  uint64_t total = 0;
  std::vector<int64_t> nonzeroBins;
  for (int64_t b = 0; b < bins; ++b) {
    total += hist[b];
    if (hist[b])
      nonzeroBins.push_back(b);
  }
  if (total == 0 || !(histogram.maxAbs > 0.0))
    return 0.0f;
  const double totalCount = double(total);

  // Only nonzero bins enter P, the level sums and KL, so each candidate costs
  // O(nonzero bins below it + levels). The arithmetic is that of the dense
  // definition, term by term and in bin order:
  //   level(b) = floor(b * L / i), found by walking the level boundaries;
  //   qd(level) = count / bins / kept, once per level (the same expression
  //   for every bin of the level);
  //   term(b) = p * log(p / qd) with p = count(b) / total. Bins of one level
  //   with the same count have the same term: it is computed once (the
  //   histogram of a few thousand values has few distinct small counts).
  const size_t numNonzero = nonzeroBins.size();
  std::vector<int64_t> binLevel(numNonzero);
  std::vector<uint64_t> levelCount(levels, 0);
  std::vector<int64_t> levelBins(levels, 0);
  std::vector<double> levelQd(levels, 0.0);
  constexpr uint64_t kCachedCounts = 64;
  struct CachedTerm {
    int64_t stamp = -1;
    double term = 0.0;
  };
  std::vector<CachedTerm> cache(kCachedCounts);
  int64_t stamp = 0;

  uint64_t kept = 0; // sum(hist[0:i])
  size_t keptBins = 0;
  for (int64_t b = 0; b < kFirstCandidate; ++b)
    kept += hist[b];
  while (keptBins < numNonzero && nonzeroBins[keptBins] < kFirstCandidate)
    ++keptBins;

  double bestKL = std::numeric_limits<double>::infinity();
  int64_t bestCandidate = bins;
  for (int64_t i = kFirstCandidate; i <= bins; ++i) {
    if (i > kFirstCandidate) {
      kept += hist[i - 1];
      if (hist[i - 1])
        ++keptBins;
    }
    const uint64_t outliers = total - kept;
    // Qd is all zero while P[i-1] holds the outliers: KL is infinite.
    if (kept == 0)
      continue;
    // P[i-1] is nonzero through the outliers alone when hist[i-1] == 0.
    const bool outlierOnlyBin = outliers > 0 && hist[i - 1] == 0;
    // Levels of the kept nonzero bins: level L holds the bins b with
    // L * i <= b * levels < (L + 1) * i.
    int64_t level = 0;
    for (size_t n = 0; n < keptBins; ++n) {
      int64_t b = nonzeroBins[n];
      while (b * levels >= (level + 1) * i)
        ++level;
      binLevel[n] = level;
      levelCount[level] += hist[b];
      ++levelBins[level];
    }
    const int64_t outlierLevel = outlierOnlyBin ? (i - 1) * levels / i : 0;
    if (outlierOnlyBin)
      ++levelBins[outlierLevel];

    const double keptCount = double(kept);
    auto qdOf = [&](int64_t l) {
      return double(levelCount[l]) / double(levelBins[l]) / keptCount;
    };
    auto termOf = [&](uint64_t pCount, double qd) {
      double p = double(pCount) / totalCount;
      if (qd == 0.0)
        return std::numeric_limits<double>::infinity();
      return p * std::log(p / qd);
    };
    double kl = 0.0;
    int64_t cachedLevel = -1;
    for (size_t n = 0; n < keptBins; ++n) {
      int64_t b = nonzeroBins[n];
      int64_t l = binLevel[n];
      if (l != cachedLevel) {
        cachedLevel = l;
        levelQd[l] = qdOf(l);
        ++stamp; // A new level: forget the cached terms.
      }
      uint64_t pCount = b == i - 1 ? hist[b] + outliers : hist[b];
      if (pCount < kCachedCounts) {
        CachedTerm &entry = cache[pCount];
        if (entry.stamp != stamp) {
          entry.stamp = stamp;
          entry.term = termOf(pCount, levelQd[l]);
        }
        kl += entry.term;
      } else {
        kl += termOf(pCount, levelQd[l]);
      }
    }
    if (outlierOnlyBin)
      kl += termOf(outliers, qdOf(outlierLevel));

    for (size_t n = 0; n < keptBins; ++n) {
      levelCount[binLevel[n]] = 0;
      levelBins[binLevel[n]] = 0;
    }
    if (outlierOnlyBin)
      levelBins[outlierLevel] = 0;

    if (kl < bestKL) { // Ties keep the smaller i.
      bestKL = kl;
      bestCandidate = i;
    }
  }
  return float(double(bestCandidate) * histogram.maxAbs /
               double(Histogram::kBins));
}

float vsquant::quant::detail::thresholdOf(const float *x, int64_t n,
                                          float maxAbs, ElementFormat format,
                                          const CalibrationOptions &options,
                                          Rounding rounding,
                                          ThresholdScratch &scratch,
                                          const Kernels &kernels) {
  if (maxAbs == 0.0f)
    return 0.0f;
  switch (options.method) {
  case Method::Max:
    return maxAbs;
  case Method::Percentile: {
    uint64_t rank = percentileRank(uint64_t(n), options.percentile);
    if (rank == uint64_t(n)) // The largest magnitude.
      return maxAbs;
    magnitudesInto(x, n, format, scratch.magnitudes);
    auto nth = scratch.magnitudes.begin() + (rank - 1);
    std::nth_element(scratch.magnitudes.begin(), nth,
                     scratch.magnitudes.end());
    return *nth;
  }
  case Method::MSE:
    // The error depends on x, not only on |x|: unsigned formats clamp
    // negatives, which costs the same at every grid point.
    return kernels.mseThreshold(x, n, maxAbs, format,
                                std::max<int64_t>(options.mseGridPoints, 1),
                                rounding);
  case Method::OCTAV:
    magnitudesInto(x, n, format, scratch.magnitudes);
    return octavThreshold(scratch.magnitudes, maxAbs, format);
  case Method::Entropy: {
    magnitudesInto(x, n, format, scratch.magnitudes);
    Histogram histogram;
    histogram.maxAbs = maxAbs;
    histogram.add(scratch.magnitudes);
    return entropyFromHistogram(histogram, format);
  }
  }
  llvm_unreachable("unknown calibration method");
}

float vsquant::quant::computeThreshold(ArrayRef<float> values,
                                       ElementFormat format,
                                       const CalibrationOptions &options) {
  return computeThreshold(values, format, options, Rounding::HalfToEven);
}

float vsquant::quant::computeThreshold(ArrayRef<float> values,
                                       ElementFormat format,
                                       const CalibrationOptions &options,
                                       Rounding rounding) {
  const Kernels &kernels = activeKernels();
  const int64_t n = int64_t(values.size());
  float maxAbs = 0.0f;
  if (n > 0)
    kernels.runMaxima(values.data(), n, n, format.isSigned, &maxAbs);
  ThresholdScratch scratch;
  return thresholdOf(values.data(), n, maxAbs, format, options, rounding,
                     scratch, kernels);
}
