//===- Reference.cpp - The plain quantizer, kept as the oracle ------------===//
//
// SPEC.md sections 1-4 written the direct way: each vector gathered into a
// buffer, its threshold from a heap copy of its magnitudes, scalar loops.
// quantizeTensor (Quantizer.cpp) must return exactly what this returns; the
// unit tests compare the two on many shapes, formats and methods. The scalar
// integer-scale search here is also the portable kernels' (instantiated with
// quantizeFinite, the call-free rounding of finite values).
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

/// |x| for signed formats, max(x, 0) for unsigned ones.
std::vector<float> magnitudesOf(ArrayRef<float> values, ElementFormat format) {
  std::vector<float> magnitudes(values.size());
  if (format.isSigned) {
    for (size_t i = 0, e = values.size(); i < e; ++i)
      magnitudes[i] = std::fabs(values[i]);
  } else {
    for (size_t i = 0, e = values.size(); i < e; ++i)
      magnitudes[i] = values[i] > 0.0f ? values[i] : 0.0f;
  }
  return magnitudes;
}

float maxOf(ArrayRef<float> magnitudes) {
  float result = 0.0f;
  for (float m : magnitudes)
    result = m > result ? m : result;
  return result;
}

float percentileThreshold(std::vector<float> magnitudes, double percentile) {
  if (magnitudes.empty())
    return 0.0f;
  uint64_t rank = percentileRank(magnitudes.size(), percentile);
  auto nth = magnitudes.begin() + (rank - 1);
  std::nth_element(magnitudes.begin(), nth, magnitudes.end());
  return *nth;
}

template <Rounding Mode>
float mseThresholdImpl(ArrayRef<float> values, float maxAbs,
                       ElementFormat format, int64_t gridPoints) {
  const float qmax = float(format.qmax()), qmin = float(format.qmin());
  double bestError = std::numeric_limits<double>::infinity();
  float bestAlpha = maxAbs;
  for (int64_t k = 1; k <= gridPoints; ++k) {
    // Rounded once from double, so alpha_G == maxAbs exactly.
    float alpha = float(double(maxAbs) * double(k) / double(gridPoints));
    float scale = alpha / qmax;
    double error = singleLevelSquaredError<Mode>(values, scale, qmin, qmax);
    if (error < bestError) { // Ties keep the smaller k.
      bestError = error;
      bestAlpha = alpha;
    }
  }
  return bestAlpha;
}

/// Squared error of one vector under integer scale sq and coarse gamma
/// (SPEC.md section 3 steps 4 and xhat). Stops early, returning a value
/// above `bound`, once the partial sum exceeds it: terms are >= 0, so the
/// full sum would too.
/// The element quantizer: quantizeToGrid (the definition), or
/// quantizeFinite (the same for finite values, without libm calls).
template <Rounding Mode, bool Finite>
inline float quantizeElement(float x, float scale, float qmin, float qmax) {
  return Finite ? quantizeFinite<Mode>(x, scale, qmin, qmax)
                : quantizeToGrid<Mode>(x, scale, qmin, qmax);
}

template <Rounding Mode, bool Finite>
double twoLevelSquaredError(ArrayRef<float> values, uint32_t sq, float gamma,
                            float qmin, float qmax, double bound) {
  const float integerScale = float(sq);
  const float scale = integerScale * gamma;
  constexpr size_t kBlock = 16;
  double error = 0.0;
  for (size_t begin = 0, n = values.size(); begin < n; begin += kBlock) {
    size_t end = std::min(n, begin + kBlock);
    for (size_t i = begin; i < end; ++i) {
      float q = quantizeElement<Mode, Finite>(values[i], scale, qmin, qmax);
      float xhat = twoLevelDequantize(q, integerScale, gamma);
      double diff = double(values[i]) - double(xhat);
      error += diff * diff;
    }
    if (error > bound)
      return error;
  }
  return error;
}

/// Exhaustive in effect, with exact shortcuts: the squared error of the
/// largest element m alone bounds a candidate's total from below (an fp sum
/// of terms >= 0 is >= each term), so a candidate whose bound exceeds the
/// best cannot win. Below the default, once m is clipped (q = Q, xhat <= m)
/// and costs more than the best, every smaller sq clips it further. Above,
/// once m rounds to 0 every element does, for this and every larger sq, and
/// the error is sum x^2: every later candidate ties with the first such one
/// and loses the tie (larger sq).
template <Rounding Mode, bool Finite>
uint16_t searchIntegerScaleImpl(ArrayRef<float> values, float gamma,
                                uint16_t defaultScale, unsigned scaleBits,
                                ElementFormat format) {
  const float qmin = float(format.qmin()), qmax = float(format.qmax());
  const double inf = std::numeric_limits<double>::infinity();
  // The bound element: largest |x| (signed formats are symmetric) or the
  // largest x (unsigned: negatives cost x^2 at every sq).
  float largest = 0.0f;
  for (float x : values)
    largest = std::max(largest, format.isSigned ? std::fabs(x) : x);

  double bestError = twoLevelSquaredError<Mode, Finite>(
      values, defaultScale, gamma, qmin, qmax, inf);
  uint16_t best = defaultScale;
  auto consider = [&](uint32_t sq) {
    double error = twoLevelSquaredError<Mode, Finite>(values, sq, gamma, qmin,
                                                      qmax, bestError);
    if (error < bestError ||
        (error == bestError && best != defaultScale && sq < best)) {
      bestError = error;
      best = uint16_t(sq);
    }
  };
  struct Bound {
    double error;
    float q, xhat;
  };
  auto boundOf = [&](uint32_t sq) {
    const float integerScale = float(sq);
    float q = quantizeElement<Mode, Finite>(largest, integerScale * gamma,
                                            qmin, qmax);
    float xhat = twoLevelDequantize(q, integerScale, gamma);
    double diff = double(largest) - double(xhat);
    return Bound{diff * diff, q, xhat};
  };

  for (uint32_t sq = defaultScale; sq-- > 1;) {
    Bound bound = boundOf(sq);
    if (bound.error > bestError) {
      if (bound.q == qmax && bound.xhat <= largest)
        break;
      continue;
    }
    consider(sq);
  }
  const uint32_t maxScale = (1u << scaleBits) - 1;
  for (uint32_t sq = uint32_t(defaultScale) + 1; sq <= maxScale; ++sq) {
    Bound bound = boundOf(sq);
    if (bound.q == 0.0f) {
      consider(sq); // The first all-zero candidate; the rest tie with it.
      break;
    }
    if (bound.error > bestError)
      continue;
    consider(sq);
  }
  return best;
}

template <Rounding Mode>
void quantizeRows(const VectorLayout &layout, const float *data,
                  const float *effectiveScales, ElementFormat format,
                  int16_t *out, int64_t rowBegin, int64_t rowEnd) {
  const float qmin = float(format.qmin()), qmax = float(format.qmax());
  layout.forEachRow(rowBegin, rowEnd,
                    [&](int64_t base, int64_t length, int64_t scaleBase,
                        int64_t scaleStride) {
                      const float *x = data + base;
                      int16_t *q = out + base;
                      const float *s = effectiveScales + scaleBase;
                      if (scaleStride == 0) {
                        const float scale = s[0];
                        for (int64_t r = 0; r < length; ++r)
                          q[r] = int16_t(quantizeToGrid<Mode>(x[r], scale,
                                                              qmin, qmax));
                      } else {
                        for (int64_t r = 0; r < length; ++r)
                          q[r] = int16_t(quantizeToGrid<Mode>(x[r], s[r],
                                                              qmin, qmax));
                      }
                    });
}

} // namespace

float vsquant::quant::detail::mseThresholdScalar(ArrayRef<float> values,
                                                 float maxAbs,
                                                 ElementFormat format,
                                                 int64_t gridPoints,
                                                 Rounding rounding) {
  return rounding == Rounding::HalfToEven
             ? mseThresholdImpl<Rounding::HalfToEven>(values, maxAbs, format,
                                                      gridPoints)
             : mseThresholdImpl<Rounding::HalfAwayFromZero>(values, maxAbs,
                                                            format,
                                                            gridPoints);
}

uint16_t vsquant::quant::detail::searchIntegerScaleScalar(
    ArrayRef<float> values, float gamma, uint16_t defaultScale,
    unsigned scaleBits, ElementFormat format, Rounding rounding) {
  return rounding == Rounding::HalfToEven
             ? searchIntegerScaleImpl<Rounding::HalfToEven, false>(
                   values, gamma, defaultScale, scaleBits, format)
             : searchIntegerScaleImpl<Rounding::HalfAwayFromZero, false>(
                   values, gamma, defaultScale, scaleBits, format);
}

uint16_t vsquant::quant::detail::searchIntegerScalePortable(
    ArrayRef<float> values, float gamma, uint16_t defaultScale,
    unsigned scaleBits, ElementFormat format, Rounding rounding) {
  return rounding == Rounding::HalfToEven
             ? searchIntegerScaleImpl<Rounding::HalfToEven, true>(
                   values, gamma, defaultScale, scaleBits, format)
             : searchIntegerScaleImpl<Rounding::HalfAwayFromZero, true>(
                   values, gamma, defaultScale, scaleBits, format);
}

float vsquant::quant::computeThresholdReference(ArrayRef<float> values,
                                                ElementFormat format,
                                                const CalibrationOptions &options,
                                                Rounding rounding) {
  std::vector<float> magnitudes = magnitudesOf(values, format);
  const float maxAbs = maxOf(magnitudes);
  if (maxAbs == 0.0f)
    return 0.0f;
  switch (options.method) {
  case Method::Max:
    return maxAbs;
  case Method::Percentile:
    return percentileThreshold(std::move(magnitudes), options.percentile);
  case Method::MSE: {
    // The error depends on x, not only on |x|: unsigned formats clamp
    // negatives, which costs the same at every grid point.
    int64_t gridPoints = std::max<int64_t>(options.mseGridPoints, 1);
    return mseThresholdScalar(values, maxAbs, format, gridPoints, rounding);
  }
  case Method::OCTAV:
    return octavThreshold(magnitudes, maxAbs, format);
  case Method::Entropy: {
    Histogram histogram;
    histogram.maxAbs = maxAbs;
    histogram.add(magnitudes);
    return entropyFromHistogram(histogram, format);
  }
  }
  llvm_unreachable("unknown calibration method");
}

llvm::Expected<QuantizedTensor> vsquant::quant::quantizeTensorReference(
    ArrayRef<float> data, ArrayRef<int64_t> shape, const TensorFormat &format,
    const CalibrationOptions &options, llvm::ThreadPoolInterface *pool) {
  if (llvm::Error error = verifyArguments(data, shape, format, options))
    return std::move(error);
  if (llvm::Error error = verifyFinite(data))
    return std::move(error);
  const int64_t numElements = int64_t(data.size());

  const VectorLayout layout(shape, format);
  const int64_t numVectors = layout.numVectors;
  const ElementFormat element = format.element;
  const float qmax = float(element.qmax());

  QuantizedTensor result;
  result.scaleShape = scaleGridShape(shape, format);

  // s_v = f32(alpha_v / Q), vector by vector.
  std::vector<float> scales(numVectors);
  parallelFor(pool, numVectors, [&](int64_t begin, int64_t end) {
    std::vector<float> buffer;
    for (int64_t v = begin; v < end; ++v) {
      layout.gather(v, data.data(), buffer);
      scales[v] = computeThresholdReference(buffer, element, options,
                                            format.rounding) /
                  qmax;
    }
  });

  // S_v: the scale the elements are divided by.
  std::vector<float> effectiveScales;
  if (format.scaleBits == 0) {
    effectiveScales = scales;
    result.scales = std::move(scales);
  } else {
    const unsigned bits = format.scaleBits;
    const float maxScale = float((1u << bits) - 1);
    result.coarseShape = coarseGridShape(shape, format);
    const int64_t numGroups =
        format.coarseAxis < 0 ? 1 : shape[format.coarseAxis];
    std::vector<int64_t> groupOf =
        coarseGroupOfVectors(result.scaleShape, format, numVectors);
    std::vector<float> largest(numGroups, 0.0f);
    for (int64_t v = 0; v < numVectors; ++v)
      largest[groupOf[v]] = std::max(largest[groupOf[v]], scales[v]);
    result.coarse.resize(numGroups);
    for (int64_t g = 0; g < numGroups; ++g)
      result.coarse[g] = largest[g] / maxScale;

    std::vector<uint16_t> &integerScales = result.integerScales;
    integerScales.resize(numVectors);
    const bool search =
        options.method == Method::MSE && options.exactScaleSearch;
    parallelFor(pool, numVectors, [&](int64_t begin, int64_t end) {
      std::vector<float> buffer;
      for (int64_t v = begin; v < end; ++v) {
        const float gamma = result.coarse[groupOf[v]];
        uint16_t sq =
            integerScaleOf(scales[v], gamma, bits, format.scaleRounding);
        if (search && sq != 0) {
          layout.gather(v, data.data(), buffer);
          sq = searchIntegerScaleScalar(buffer, gamma, sq, bits, element,
                                        format.rounding);
        }
        integerScales[v] = sq;
      }
    });
    effectiveScales.resize(numVectors);
    for (int64_t v = 0; v < numVectors; ++v)
      effectiveScales[v] = float(integerScales[v]) * result.coarse[groupOf[v]];
  }

  // q = clamp(round(x / S_v)), row by row with contiguous inner loops.
  result.values.resize(numElements);
  parallelFor(pool, layout.numRows(), [&](int64_t begin, int64_t end) {
    if (format.rounding == Rounding::HalfToEven)
      quantizeRows<Rounding::HalfToEven>(layout, data.data(),
                                         effectiveScales.data(), element,
                                         result.values.data(), begin, end);
    else
      quantizeRows<Rounding::HalfAwayFromZero>(
          layout, data.data(), effectiveScales.data(), element,
          result.values.data(), begin, end);
  });
  if (llvm::Error error = verifyDequantizable(result, data, shape, format))
    return std::move(error);
  return result;
}
