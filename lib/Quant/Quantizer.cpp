//===- Quantizer.cpp - Per-vector scaled quantization of tensors ----------===//
//
// SPEC.md sections 1-3: vectors, element formats, single- and two-level
// scales. Thresholds come from Calibration.cpp.
//
//===----------------------------------------------------------------------===//

#include "QuantizerInternal.h"

#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/ThreadPool.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

using namespace vsquant::quant;
using llvm::ArrayRef;

double vsquant::quant::roundWith(double v, Rounding mode) {
  // nearbyint rounds half to even in the default floating-point environment.
  return mode == Rounding::HalfToEven ? std::nearbyint(v) : std::round(v);
}

int32_t vsquant::quant::quantizeValue(float x, float scale,
                                      ElementFormat format,
                                      Rounding rounding) {
  const float qmin = float(format.qmin()), qmax = float(format.qmax());
  float q = rounding == Rounding::HalfToEven
                ? detail::quantizeToGrid<Rounding::HalfToEven>(x, scale, qmin,
                                                               qmax)
                : detail::quantizeToGrid<Rounding::HalfAwayFromZero>(
                      x, scale, qmin, qmax);
  return int32_t(q);
}

namespace {

/// The tensor seen as [outer, dim, inner] around the vector axis (per
/// vector), the channel axis (per channel), or as [1, N, 1] (per tensor),
/// and where its vectors lie in it. Vector ids follow the scale grid's
/// row-major order.
struct VectorLayout {
  Granularity granularity = Granularity::PerTensor;
  int64_t outer = 1, dim = 1, inner = 1;
  /// Per vector: V and ceil(dim / V).
  int64_t vectorSize = 1, blocks = 1;
  int64_t numVectors = 1;

  VectorLayout(ArrayRef<int64_t> shape, const TensorFormat &format)
      : granularity(format.granularity) {
    int64_t numElements = 1;
    for (int64_t d : shape)
      numElements *= d;
    if (granularity == Granularity::PerTensor) {
      dim = numElements;
      return;
    }
    for (int64_t d = 0; d < format.axis; ++d)
      outer *= shape[d];
    dim = shape[format.axis];
    for (size_t d = format.axis + 1; d < shape.size(); ++d)
      inner *= shape[d];
    if (granularity == Granularity::PerChannel) {
      numVectors = dim;
      return;
    }
    vectorSize = format.vectorSize;
    blocks = (dim + vectorSize - 1) / vectorSize;
    numVectors = outer * blocks * inner;
  }

  int64_t numRows() const { return outer * dim; }

  /// Calls fn(flat index) for every element of vector v, in row-major order.
  template <typename Fn> void forEachElement(int64_t v, Fn fn) const {
    switch (granularity) {
    case Granularity::PerTensor:
      for (int64_t i = 0; i < dim; ++i)
        fn(i);
      return;
    case Granularity::PerChannel:
      for (int64_t o = 0; o < outer; ++o) {
        int64_t base = (o * dim + v) * inner;
        for (int64_t r = 0; r < inner; ++r)
          fn(base + r);
      }
      return;
    case Granularity::PerVector: {
      int64_t r = v % inner, block = (v / inner) % blocks,
              o = v / (inner * blocks);
      int64_t begin = block * vectorSize;
      int64_t end = std::min(dim, begin + vectorSize); // Tail vector.
      for (int64_t i = begin; i < end; ++i)
        fn((o * dim + i) * inner + r);
      return;
    }
    }
  }

  /// The elements of vector v, contiguous in `buffer`.
  void gather(int64_t v, const float *data, std::vector<float> &buffer) const {
    buffer.clear();
    forEachElement(v, [&](int64_t index) { buffer.push_back(data[index]); });
  }

  /// Calls fn(base, length, scaleBase, scaleStride) for runs of the rows
  /// (o, i) in [rowBegin, rowEnd): element base + r, r < length, uses the
  /// per-vector value at scaleBase + r * scaleStride. Keeps the inner loops
  /// of quantize and dequantize contiguous.
  template <typename Fn>
  void forEachRow(int64_t rowBegin, int64_t rowEnd, Fn fn) const {
    if (granularity == Granularity::PerTensor) {
      // Rows are single elements sharing one scale: one run.
      fn(rowBegin, rowEnd - rowBegin, int64_t(0), int64_t(0));
      return;
    }
    for (int64_t row = rowBegin; row < rowEnd; ++row) {
      int64_t o = row / dim, i = row % dim;
      if (granularity == Granularity::PerChannel)
        fn(row * inner, inner, i, int64_t(0));
      else
        fn(row * inner, inner, (o * blocks + i / vectorSize) * inner,
           int64_t(1));
    }
  }
};

/// Runs fn(begin, end) over [0, n) split into chunks on `pool`, or inline.
/// Each index is handled by exactly one call, so per-index results do not
/// depend on the split.
template <typename Fn>
void parallelFor(llvm::ThreadPoolInterface *pool, int64_t n, Fn fn) {
  if (n <= 0)
    return;
  int64_t tasks = pool ? std::min<int64_t>(n, 4 * pool->getMaxConcurrency())
                       : 1;
  if (tasks <= 1) {
    fn(int64_t(0), n);
    return;
  }
  llvm::ThreadPoolTaskGroup group(*pool);
  for (int64_t t = 0; t < tasks; ++t) {
    int64_t begin = n * t / tasks, end = n * (t + 1) / tasks;
    group.async([&fn, begin, end] { fn(begin, end); });
  }
  group.wait();
}

llvm::Error verifyCalibration(const CalibrationOptions &options) {
  if (options.method == Method::MSE && options.mseGridPoints < 1)
    return llvm::createStringError(llvm::formatv(
        "mse grid points must be >= 1, got {0}", options.mseGridPoints));
  if (options.method == Method::Percentile &&
      !(options.percentile > 0.0 && options.percentile <= 100.0))
    return llvm::createStringError(llvm::formatv(
        "percentile must be in (0, 100], got {0}", options.percentile));
  return llvm::Error::success();
}

llvm::Error verifyFinite(ArrayRef<float> data) {
  for (size_t i = 0, e = data.size(); i < e; ++i) {
    if (std::isfinite(data[i]))
      continue;
    const char *what = std::isnan(data[i]) ? "NaN"
                       : data[i] > 0       ? "+Inf"
                                           : "-Inf";
    return llvm::createStringError(
        llvm::formatv("element {0} is {1}", i, what));
  }
  return llvm::Error::success();
}

/// Coarse group of every vector: 0, or the vector's index along coarseAxis.
std::vector<int64_t> coarseGroupOfVectors(ArrayRef<int64_t> gridShape,
                                          const TensorFormat &format,
                                          int64_t numVectors) {
  std::vector<int64_t> group(numVectors, 0);
  if (format.coarseAxis < 0)
    return group;
  int64_t stride = 1;
  for (size_t d = format.coarseAxis + 1; d < gridShape.size(); ++d)
    stride *= gridShape[d];
  int64_t extent = gridShape[format.coarseAxis];
  for (int64_t v = 0; v < numVectors; ++v)
    group[v] = (v / stride) % extent;
  return group;
}

/// Step 3 of SPEC.md section 3 (fp32 quotient); 0 for a zero scale or an
/// underflowed gamma.
uint16_t integerScaleOf(float scale, float gamma, unsigned scaleBits,
                        ScaleRounding rounding) {
  if (scale == 0.0f || gamma == 0.0f)
    return 0;
  const float maxScale = float((1u << scaleBits) - 1);
  float ratio = scale / gamma;
  float rounded =
      rounding == ScaleRounding::Ceil ? std::ceil(ratio) : std::nearbyint(ratio);
  return uint16_t(std::clamp(rounded, 1.0f, maxScale));
}

/// Squared error of one vector under integer scale sq and coarse gamma
/// (SPEC.md section 3 steps 4 and xhat). Stops early, returning a value
/// above `bound`, once the partial sum exceeds it: terms are >= 0, so the
/// full sum would too.
template <Rounding Mode>
double twoLevelSquaredError(ArrayRef<float> values, uint32_t sq, float gamma,
                            float qmin, float qmax, double bound) {
  const float integerScale = float(sq);
  const float scale = integerScale * gamma;
  constexpr size_t kBlock = 16;
  double error = 0.0;
  for (size_t begin = 0, n = values.size(); begin < n; begin += kBlock) {
    size_t end = std::min(n, begin + kBlock);
    for (size_t i = begin; i < end; ++i) {
      float q = detail::quantizeToGrid<Mode>(values[i], scale, qmin, qmax);
      float xhat = detail::twoLevelDequantize(q, integerScale, gamma);
      double diff = double(values[i]) - double(xhat);
      error += diff * diff;
    }
    if (error > bound)
      return error;
  }
  return error;
}

/// The sq in 1..2^M-1 with the least squared error for `values`; ties go to
/// `defaultScale` (steps 3-4), then to the smaller sq. Never worse than
/// `defaultScale` since that is the starting point.
///
/// Exhaustive in effect, with exact shortcuts: the squared error of the
/// largest element m alone bounds a candidate's total from below (an fp sum
/// of terms >= 0 is >= each term), so a candidate whose bound exceeds the
/// best cannot win. Below the default, once m is clipped (q = Q, xhat <= m)
/// and costs more than the best, every smaller sq clips it further. Above,
/// once m rounds to 0 every element does, for this and every larger sq, and
/// the error is sum x^2, which no candidate beats (each term is <= x^2).
template <Rounding Mode>
uint16_t searchIntegerScale(ArrayRef<float> values, float gamma,
                            uint16_t defaultScale, unsigned scaleBits,
                            ElementFormat format) {
  const float qmin = float(format.qmin()), qmax = float(format.qmax());
  const double inf = std::numeric_limits<double>::infinity();
  // The bound element: largest |x| (signed formats are symmetric) or the
  // largest x (unsigned: negatives cost x^2 at every sq).
  float largest = 0.0f;
  for (float x : values)
    largest = std::max(largest, format.isSigned ? std::fabs(x) : x);

  double bestError =
      twoLevelSquaredError<Mode>(values, defaultScale, gamma, qmin, qmax, inf);
  uint16_t best = defaultScale;
  auto consider = [&](uint32_t sq) {
    double error =
        twoLevelSquaredError<Mode>(values, sq, gamma, qmin, qmax, bestError);
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
    float q = detail::quantizeToGrid<Mode>(largest, integerScale * gamma,
                                           qmin, qmax);
    float xhat = detail::twoLevelDequantize(q, integerScale, gamma);
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
                          q[r] = int16_t(detail::quantizeToGrid<Mode>(
                              x[r], scale, qmin, qmax));
                      } else {
                        for (int64_t r = 0; r < length; ++r)
                          q[r] = int16_t(detail::quantizeToGrid<Mode>(
                              x[r], s[r], qmin, qmax));
                      }
                    });
}

} // namespace

std::vector<int64_t>
vsquant::quant::scaleGridShape(ArrayRef<int64_t> shape,
                               const TensorFormat &format) {
  switch (format.granularity) {
  case Granularity::PerTensor:
    return {};
  case Granularity::PerChannel:
    return {shape[format.axis]};
  case Granularity::PerVector: {
    std::vector<int64_t> grid(shape.begin(), shape.end());
    grid[format.axis] =
        (grid[format.axis] + format.vectorSize - 1) / format.vectorSize;
    return grid;
  }
  }
  llvm_unreachable("unknown granularity");
}

std::vector<int64_t>
vsquant::quant::coarseGridShape(ArrayRef<int64_t> shape,
                                const TensorFormat &format) {
  if (format.scaleBits == 0 || format.coarseAxis < 0)
    return {};
  return {shape[format.coarseAxis]};
}

llvm::Error vsquant::quant::verifyFormat(ArrayRef<int64_t> shape,
                                         const TensorFormat &format) {
  auto fail = [](const llvm::Twine &message) {
    return llvm::createStringError(message);
  };
  const int64_t rank = int64_t(shape.size());
  for (int64_t d = 0; d < rank; ++d)
    if (shape[d] < 0)
      return fail(llvm::formatv("dimension {0} has negative size {1}", d,
                                shape[d]));
  if (format.element.bits < 2 || format.element.bits > 8)
    return fail(llvm::formatv("element bits must be in 2..8, got {0}",
                              format.element.bits));
  if (format.scaleBits > 16)
    return fail(llvm::formatv("scale bits must be in 0..16, got {0}",
                              format.scaleBits));
  if (format.granularity != Granularity::PerTensor &&
      (format.axis < 0 || format.axis >= rank))
    return fail(llvm::formatv("axis {0} out of range for rank {1}",
                              format.axis, rank));
  if (format.granularity == Granularity::PerVector && format.vectorSize < 1)
    return fail(llvm::formatv("vector size must be >= 1, got {0}",
                              format.vectorSize));
  if (format.scaleBits > 0 && format.coarseAxis != -1) {
    if (format.coarseAxis < 0 || format.coarseAxis >= rank)
      return fail(llvm::formatv("coarse axis {0} out of range for rank {1}",
                                format.coarseAxis, rank));
    if (format.granularity != Granularity::PerVector)
      return fail("a coarse axis needs per-vector granularity");
    if (format.coarseAxis == format.axis)
      return fail(llvm::formatv("coarse axis {0} equals the vector axis",
                                format.coarseAxis));
  }
  return llvm::Error::success();
}

llvm::Expected<QuantizedTensor>
vsquant::quant::quantizeTensor(ArrayRef<float> data, ArrayRef<int64_t> shape,
                               const TensorFormat &format,
                               const CalibrationOptions &options,
                               llvm::ThreadPoolInterface *pool) {
  if (llvm::Error error = verifyFormat(shape, format))
    return error;
  if (llvm::Error error = verifyCalibration(options))
    return error;
  int64_t numElements = 1;
  for (int64_t d : shape)
    numElements *= d;
  if (int64_t(data.size()) != numElements)
    return llvm::createStringError(
        llvm::formatv("data has {0} elements, shape needs {1}", data.size(),
                      numElements));
  if (llvm::Error error = verifyFinite(data))
    return error;

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
      scales[v] =
          computeThreshold(buffer, element, options, format.rounding) / qmax;
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
          sq = format.rounding == Rounding::HalfToEven
                   ? searchIntegerScale<Rounding::HalfToEven>(buffer, gamma, sq,
                                                              bits, element)
                   : searchIntegerScale<Rounding::HalfAwayFromZero>(
                         buffer, gamma, sq, bits, element);
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
  return result;
}

std::vector<float>
vsquant::quant::dequantizeTensor(const QuantizedTensor &tensor,
                                 ArrayRef<int64_t> shape,
                                 const TensorFormat &format) {
  const VectorLayout layout(shape, format);
  const int64_t numVectors = layout.numVectors;
  const bool twoLevel = format.scaleBits > 0;
  assert(int64_t(twoLevel ? tensor.integerScales.size()
                          : tensor.scales.size()) == numVectors &&
         "scale grid does not match shape and format");
  assert(layout.numRows() * layout.inner == int64_t(tensor.values.size()) &&
         "values do not match shape");

  // Per vector: the factor multiplying q (s_v, or sq_v as a float) and the
  // factor after it (1, or gamma_g).
  std::vector<float> first(numVectors), second(numVectors, 1.0f);
  if (!twoLevel) {
    std::copy(tensor.scales.begin(), tensor.scales.end(), first.begin());
  } else {
    std::vector<int64_t> groupOf = coarseGroupOfVectors(
        scaleGridShape(shape, format), format, numVectors);
    for (int64_t v = 0; v < numVectors; ++v) {
      first[v] = float(tensor.integerScales[v]);
      second[v] = tensor.coarse[groupOf[v]];
    }
  }

  std::vector<float> result(tensor.values.size());
  layout.forEachRow(
      0, layout.numRows(),
      [&](int64_t base, int64_t length, int64_t scaleBase,
          int64_t scaleStride) {
        const int16_t *q = tensor.values.data() + base;
        float *out = result.data() + base;
        for (int64_t r = 0; r < length; ++r) {
          int64_t v = scaleBase + r * scaleStride;
          // Single level: q * s_v * 1 (exact second multiply). Two level:
          // f32(q * sq_v) * gamma_g, the integer product being exact.
          out[r] = (float(q[r]) * first[v]) * second[v];
        }
      });
  return result;
}
