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
#include <atomic>
#include <cassert>
#include <cmath>
#include <limits>
#include <optional>

#if defined(__linux__)
#include <sys/mman.h>
#endif

using namespace vsquant::quant;
using namespace vsquant::quant::detail;
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


llvm::Error vsquant::quant::detail::verifyCalibration(
    const CalibrationOptions &options) {
  if (options.method == Method::MSE && options.mseGridPoints < 1)
    return llvm::createStringError(llvm::formatv(
        "mse grid points must be >= 1, got {0}", options.mseGridPoints));
  if (options.method == Method::Percentile &&
      !(options.percentile > 0.0 && options.percentile <= 100.0))
    return llvm::createStringError(llvm::formatv(
        "percentile must be in (0, 100], got {0}", options.percentile));
  return llvm::Error::success();
}

llvm::Error vsquant::quant::detail::verifyFinite(ArrayRef<float> data) {
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

llvm::Error vsquant::quant::detail::verifyDequantizable(
    const QuantizedTensor &tensor, ArrayRef<float> data,
    ArrayRef<int64_t> shape, const TensorFormat &format) {
  // |xhat| <= Q * S exactly in double (a 24-bit significand times at most
  // 16 + 8 bits), and f32 rounding overflows only past FLT_MAX.
  const double q = double(format.element.qmax());
  const double limit = double(std::numeric_limits<float>::max());
  bool mayOverflow = false;
  if (format.scaleBits == 0) {
    for (float s : tensor.scales)
      mayOverflow |= q * double(s) >= limit;
  } else {
    uint16_t largestScale = 0;
    for (uint16_t sq : tensor.integerScales)
      largestScale = std::max(largestScale, sq);
    float largestGamma = 0.0f;
    for (float gamma : tensor.coarse)
      largestGamma = std::max(largestGamma, gamma);
    mayOverflow = q * double(largestScale) * double(largestGamma) >= limit;
  }
  if (!mayOverflow)
    return llvm::Error::success();
  std::vector<float> xhat = dequantizeTensor(tensor, shape, format);
  for (size_t i = 0, e = xhat.size(); i < e; ++i)
    if (!std::isfinite(xhat[i]))
      return llvm::createStringError(llvm::formatv(
          "element {0} ({1:e}) is too close to the fp32 limit: its "
          "dequantized value q * scale overflows to {2}Inf",
          i, data[i], xhat[i] > 0 ? "+" : "-"));
  return llvm::Error::success();
}

llvm::Error vsquant::quant::detail::verifyArguments(
    ArrayRef<float> data, ArrayRef<int64_t> shape, const TensorFormat &format,
    const CalibrationOptions &options) {
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
  return llvm::Error::success();
}

std::vector<int64_t> vsquant::quant::detail::coarseGroupOfVectors(
    ArrayRef<int64_t> gridShape, const TensorFormat &format,
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

namespace {

//===----------------------------------------------------------------------===//
// The fast path
//
// Most formats see the tensor as a sequence of *bands*: [outer, dim, inner]
// with vectors of V rows along dim; band t = (o, b) holds the rows
// [b V, min(dim, b V + V)) of slab o, a contiguous run of elements, and the
// vectors t * inner + r, r < inner (a contiguous run of vector ids). Per
// vector this is the format's own layout; a per-channel format whose channel
// axis is the first non-unit one is [channels, inner] with V = inner; per
// tensor is one band of one vector. Each task handles runs of bands small
// enough to stay in cache: largest magnitudes (which also find NaN/Inf),
// thresholds, scales, then q from the same, still cached, elements.
//===----------------------------------------------------------------------===//

/// v.resize(n) for a buffer that is about to be overwritten. Fresh pages
/// cost a fault each on first touch (in a VM ~10 us per 4 KiB page, slower
/// than quantizing it), so a large buffer asks for transparent huge pages
/// before its first touch (Linux, THP in "madvise" mode; a hint only).
template <typename T> void resizeForOverwrite(std::vector<T> &v, size_t n) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr uintptr_t kHugePage = uintptr_t(2) << 20;
  if (n * sizeof(T) >= 2 * kHugePage && v.capacity() < n) {
    v.reserve(n);
    const uintptr_t data = reinterpret_cast<uintptr_t>(v.data());
    const uintptr_t begin = (data + kHugePage - 1) & ~(kHugePage - 1);
    const uintptr_t end = (data + n * sizeof(T)) & ~(kHugePage - 1);
    if (end > begin)
      (void)madvise(reinterpret_cast<void *>(begin), end - begin,
                    MADV_HUGEPAGE);
  }
#endif
  v.resize(n);
}

struct Bands {
  int64_t outer = 1, dim = 1, inner = 1, vectorSize = 1, blocks = 1;

  int64_t numBands() const { return outer * blocks; }
  int64_t numVectors() const { return numBands() * inner; }
  /// Rows of band t (V, or fewer for a tail block).
  int64_t rows(int64_t t) const {
    int64_t begin = (t % blocks) * vectorSize;
    return std::min(dim, begin + vectorSize) - begin;
  }
  /// Flat index of band t's first element.
  int64_t offset(int64_t t) const {
    return ((t / blocks) * dim + (t % blocks) * vectorSize) * inner;
  }
  /// Elements of bands [t0, t1) (contiguous).
  int64_t elements(int64_t t0, int64_t t1) const {
    return t1 == t0 ? 0 : offset(t1 - 1) + rows(t1 - 1) * inner - offset(t0);
  }
};

std::optional<Bands> bandsOf(const VectorLayout &layout) {
  Bands bands;
  switch (layout.granularity) {
  case Granularity::PerVector:
    bands.outer = layout.outer;
    bands.dim = layout.dim;
    bands.inner = layout.inner;
    bands.vectorSize = layout.vectorSize;
    bands.blocks = layout.blocks;
    return bands;
  case Granularity::PerChannel:
    if (layout.outer != 1)
      return std::nullopt;
    bands.outer = layout.dim;
    bands.dim = layout.inner;
    bands.vectorSize = layout.inner;
    return bands;
  case Granularity::PerTensor:
    bands.dim = layout.dim;
    bands.vectorSize = layout.dim;
    return bands;
  }
  return std::nullopt;
}

/// Per-task buffers, reused across the task's bands.
struct Scratch {
  detail::ThresholdScratch threshold;
  std::vector<float> maxima, scales, effective, gammas;
  std::vector<uint16_t> integerScales;
};

/// What every task needs to know about one quantizeTensor call.
struct Job {
  const float *data;
  int16_t *out;
  Bands bands;
  const TensorFormat &format;
  const CalibrationOptions &options;
  const detail::Kernels &kernels;
  float qmin, qmax;
  /// Two level with the exact search: the search needs each vector's
  /// largest magnitude again.
  bool search;
  std::atomic<bool> &failed;

  /// The elements of vector `r` of band t: a pointer into the data when the
  /// vector is contiguous (inner == 1), else gathered into `buffer`.
  const float *vectorOf(int64_t t, int64_t r,
                        std::vector<float> &buffer) const {
    const float *x = data + bands.offset(t);
    if (bands.inner == 1)
      return x;
    const int64_t rows = bands.rows(t), inner = bands.inner;
    buffer.resize(rows);
    for (int64_t i = 0; i < rows; ++i)
      buffer[i] = x[i * inner + r];
    return buffer.data();
  }

  /// maxima[v - t0 inner] for the vectors of bands [t0, t1); false on NaN
  /// or Inf.
  bool largestMagnitudes(int64_t t0, int64_t t1, float *maxima) const {
    const bool isSigned = format.element.isSigned;
    if (bands.inner == 1) {
      // Runs of whole slabs' bands: contiguous vectors of V elements.
      for (int64_t t = t0; t < t1;) {
        const int64_t slabEnd = (t / bands.blocks + 1) * bands.blocks;
        const int64_t end = std::min(t1, slabEnd);
        if (!kernels.runMaxima(data + bands.offset(t), bands.elements(t, end),
                               bands.vectorSize, isSigned, maxima + (t - t0)))
          return false;
        t = end;
      }
      return true;
    }
    for (int64_t t = t0; t < t1; ++t) {
      float *acc = maxima + (t - t0) * bands.inner;
      std::fill(acc, acc + bands.inner, 0.0f);
      if (!kernels.rowsMaxInto(data + bands.offset(t), bands.rows(t),
                               bands.inner, isSigned, acc))
        return false;
    }
    return true;
  }

  /// Contiguous vectors only (inner == 1): calls full(t, end) for the runs
  /// of bands [t, end) within [t0, t1) whose vectors have exactly V
  /// elements, and tail(t) for each (shorter) tail vector, in order.
  template <typename Full, typename Tail>
  void forEachFullRun(int64_t t0, int64_t t1, Full full, Tail tail) const {
    for (int64_t t = t0; t < t1;) {
      const int64_t slabEnd = (t / bands.blocks + 1) * bands.blocks;
      int64_t end = std::min(t1, slabEnd);
      if (bands.rows(end - 1) != bands.vectorSize)
        --end; // The slab's tail block.
      if (end > t) {
        full(t, end);
        t = end;
      }
      if (t < t1 && bands.rows(t) != bands.vectorSize) {
        tail(t);
        ++t;
      }
    }
  }

  /// s_v = f32(alpha_v / Q) for the vectors of bands [t0, t1) into
  /// scales[v - t0 inner]; maxima as from largestMagnitudes.
  void thresholds(int64_t t0, int64_t t1, const float *maxima, float *scales,
                  Scratch &scratch) const {
    const int64_t count = (t1 - t0) * bands.inner;
    if (options.method == Method::Max) {
      kernels.divide(maxima, count, qmax, scales);
      return;
    }
    if (options.method == Method::Percentile) {
      // The rank depends only on the vector's length: where it is the
      // last, alpha is the largest magnitude (as thresholdOf finds).
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t rows = bands.rows(t);
        const int64_t local = (t - t0) * bands.inner;
        if (detail::percentileRank(uint64_t(rows), options.percentile) ==
            uint64_t(rows)) {
          int64_t end = t + 1; // Bands of the same length share the rank.
          while (end < t1 && bands.rows(end) == rows)
            ++end;
          kernels.divide(maxima + local, (end - t) * bands.inner, qmax,
                         scales + local);
          t = end - 1;
          continue;
        }
        for (int64_t r = 0; r < bands.inner; ++r) {
          const float *x = vectorOf(t, r, scratch.threshold.gathered);
          scales[local + r] =
              detail::thresholdOf(x, rows, maxima[local + r], format.element,
                                  options, format.rounding, scratch.threshold,
                                  kernels) /
              qmax;
        }
      }
      return;
    }
    if ((options.method == Method::OCTAV || options.method == Method::MSE) &&
        bands.inner == 1) {
      forEachFullRun(t0, t1, [&](int64_t t, int64_t end) {
        // Contiguous vectors of V elements, several side by side.
        const int64_t local = t - t0;
        if (options.method == Method::OCTAV)
          kernels.octavThresholds(data + bands.offset(t), end - t,
                                  bands.vectorSize, format.element,
                                  maxima + local, scales + local);
        else
          kernels.mseThresholds(data + bands.offset(t), end - t,
                                bands.vectorSize, maxima + local,
                                format.element,
                                std::max<int64_t>(options.mseGridPoints, 1),
                                format.rounding, scales + local);
        kernels.divide(scales + local, end - t, qmax, scales + local);
      }, [&](int64_t t) {
        // A tail vector, shorter.
        scales[t - t0] =
            detail::thresholdOf(data + bands.offset(t), bands.rows(t),
                                maxima[t - t0], format.element, options,
                                format.rounding, scratch.threshold,
                                kernels) /
            qmax;
      });
      return;
    }
    for (int64_t t = t0; t < t1; ++t)
      for (int64_t r = 0; r < bands.inner; ++r) {
        const int64_t local = (t - t0) * bands.inner + r;
        const float *x = vectorOf(t, r, scratch.threshold.gathered);
        scales[local] =
            detail::thresholdOf(x, bands.rows(t), maxima[local],
                                format.element, options, format.rounding,
                                scratch.threshold, kernels) /
            qmax;
      }
  }

  /// Two level: sq_v (into integerScales[v]) and S_v = f32(sq_v * gamma)
  /// (into effective[v - t0 inner]) for the vectors of bands [t0, t1).
  /// gammaOf(v) gives the vector's gamma; `uniform` says it is the same for
  /// all of them.
  template <typename GammaOf>
  void integerScales(int64_t t0, int64_t t1, const float *scales,
                     const float *maxima, GammaOf gammaOf, bool uniform,
                     uint16_t *integerScales, float *effective,
                     Scratch &scratch) const {
    const unsigned bits = format.scaleBits;
    const int64_t v0 = t0 * bands.inner, count = (t1 - t0) * bands.inner;
    if (uniform) {
      kernels.twoLevelScales(scales, count, gammaOf(v0), bits,
                             format.scaleRounding, integerScales + v0,
                             effective);
    } else {
      for (int64_t local = 0; local < count; ++local) {
        const float gamma = gammaOf(v0 + local);
        uint16_t sq = detail::integerScaleOf(scales[local], gamma, bits,
                                             format.scaleRounding);
        integerScales[v0 + local] = sq;
        effective[local] = effectiveScale(sq, gamma);
      }
    }
    if (!search)
      return;
    if (bands.inner == 1) {
      // Contiguous vectors: runs of full-length ones side by side.
      std::vector<float> &gammas = scratch.gammas;
      std::vector<uint16_t> &defaults = scratch.integerScales;
      forEachFullRun(t0, t1, [&](int64_t t, int64_t end) {
        const int64_t local = t - t0;
        gammas.resize(end - t);
        defaults.assign(integerScales + t, integerScales + end);
        for (int64_t v = t; v < end; ++v)
          gammas[v - t] = gammaOf(v);
        kernels.searchIntegerScales(data + bands.offset(t), end - t,
                                    bands.vectorSize, maxima + local,
                                    gammas.data(), defaults.data(), bits,
                                    format.element, format.rounding,
                                    integerScales + t);
        for (int64_t v = t; v < end; ++v)
          effective[v - t0] = effectiveScale(integerScales[v], gammas[v - t]);
      }, [&](int64_t t) {
        if (integerScales[t] == 0)
          return;
        const float gamma = gammaOf(t);
        integerScales[t] = kernels.searchIntegerScale(
            data + bands.offset(t), bands.rows(t), maxima[t - t0], gamma,
            integerScales[t], bits, format.element, format.rounding);
        effective[t - t0] = effectiveScale(integerScales[t], gamma);
      });
      return;
    }
    for (int64_t t = t0; t < t1; ++t)
      for (int64_t r = 0; r < bands.inner; ++r) {
        const int64_t local = (t - t0) * bands.inner + r;
        const int64_t v = v0 + local;
        if (integerScales[v] == 0)
          continue;
        const float gamma = gammaOf(v);
        const float *x = vectorOf(t, r, scratch.threshold.gathered);
        const uint16_t sq = kernels.searchIntegerScale(
            x, bands.rows(t), maxima[local], gamma, integerScales[v], bits,
            format.element, format.rounding);
        integerScales[v] = sq;
        effective[local] = effectiveScale(sq, gamma);
      }
  }

  /// q for the elements of bands [t0, t1), vector v dividing by
  /// effective[v - t0 inner].
  void quantize(int64_t t0, int64_t t1, const float *effective) const {
    const float *x = data;
    if (bands.inner == 1) {
      for (int64_t t = t0; t < t1;) {
        const int64_t slabEnd = (t / bands.blocks + 1) * bands.blocks;
        const int64_t end = std::min(t1, slabEnd);
        const int64_t offset = bands.offset(t);
        kernels.quantizeVectors(x + offset, bands.elements(t, end),
                                bands.vectorSize, effective + (t - t0), qmin,
                                qmax, format.rounding, out + offset);
        t = end;
      }
      return;
    }
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t offset = bands.offset(t);
      const float *s = effective + (t - t0) * bands.inner;
      for (int64_t i = 0, rows = bands.rows(t); i < rows; ++i)
        kernels.quantizeScaled(x + offset + i * bands.inner, s, bands.inner,
                               qmin, qmax, format.rounding,
                               out + offset + i * bands.inner);
    }
  }

  /// Calls fn(t0, t1) for runs of the bands [begin, end) of about
  /// kChunkElements elements each (at least one band): small enough that
  /// the second look at a run's elements (quantizing them after finding
  /// their scales) hits L1.
  template <typename Fn>
  void forEachChunk(int64_t begin, int64_t end, Fn fn) const {
    constexpr int64_t kChunkElements = 4 * 1024;
    const int64_t bandElements = std::max<int64_t>(
        1, bands.vectorSize * bands.inner);
    const int64_t step = std::max<int64_t>(1, kChunkElements / bandElements);
    for (int64_t t = begin; t < end; t += step) {
      if (failed.load(std::memory_order_relaxed))
        return;
      fn(t, std::min(end, t + step));
    }
  }
};

/// Single level: thresholds and q chunk by chunk.
void quantizeSingleLevel(const Job &job, llvm::ThreadPoolInterface *pool,
                         QuantizedTensor &result) {
  result.scales.resize(job.bands.numVectors());
  float *scales = result.scales.data();
  const int64_t inner = job.bands.inner;
  parallelFor(pool, job.bands.numBands(), [&](int64_t begin, int64_t end) {
    Scratch scratch;
    job.forEachChunk(begin, end, [&](int64_t t0, int64_t t1) {
      scratch.maxima.resize((t1 - t0) * inner);
      if (!job.largestMagnitudes(t0, t1, scratch.maxima.data())) {
        job.failed = true;
        return;
      }
      job.thresholds(t0, t1, scratch.maxima.data(), scales + t0 * inner,
                     scratch);
      job.quantize(t0, t1, scales + t0 * inner);
    });
  });
}

/// Two level, coarse axis before the vector axis: a coarse group is a set
/// of whole slabs, so each task takes whole groups: thresholds of the
/// group's slabs, gamma, then sq and q slab by slab.
void quantizeTwoLevelBySlabGroups(const Job &job, ArrayRef<int64_t> shape,
                                  llvm::ThreadPoolInterface *pool,
                                  QuantizedTensor &result) {
  const TensorFormat &format = job.format;
  const Bands &bands = job.bands;
  const int64_t c = format.coarseAxis;
  const int64_t numGroups = shape[c];
  int64_t before = 1, between = 1;
  for (int64_t d = 0; d < c; ++d)
    before *= shape[d];
  for (int64_t d = c + 1; d < format.axis; ++d)
    between *= shape[d];
  const int64_t slabVectors = bands.blocks * bands.inner;
  const float maxScale = float((1u << format.scaleBits) - 1);
  result.coarse.resize(numGroups);
  result.integerScales.resize(bands.numVectors());

  parallelFor(pool, numGroups, [&](int64_t groupBegin, int64_t groupEnd) {
    Scratch scratch;
    for (int64_t g = groupBegin; g < groupEnd; ++g) {
      if (job.failed.load(std::memory_order_relaxed))
        return;
      // Slabs o = (a * numGroups + g) * between + s.
      const int64_t groupVectors = before * between * slabVectors;
      scratch.maxima.resize(groupVectors);
      scratch.scales.resize(groupVectors);
      auto slabOf = [&](int64_t k) {
        return ((k / between) * numGroups + g) * between + k % between;
      };
      for (int64_t k = 0; k < before * between; ++k) {
        const int64_t t0 = slabOf(k) * bands.blocks, t1 = t0 + bands.blocks;
        float *maxima = scratch.maxima.data() + k * slabVectors;
        float *scales = scratch.scales.data() + k * slabVectors;
        if (!job.largestMagnitudes(t0, t1, maxima)) {
          job.failed = true;
          return;
        }
        job.thresholds(t0, t1, maxima, scales, scratch);
      }
      // The largest s_v (all finite and >= 0: the int32 order of the bits).
      float largest = 0.0f;
      job.kernels.runMaxima(scratch.scales.data(), groupVectors,
                            groupVectors, /*isSigned=*/true, &largest);
      const float gamma = largest / maxScale;
      result.coarse[g] = gamma;
      scratch.effective.resize(slabVectors);
      for (int64_t k = 0; k < before * between; ++k) {
        const int64_t t0 = slabOf(k) * bands.blocks, t1 = t0 + bands.blocks;
        job.integerScales(
            t0, t1, scratch.scales.data() + k * slabVectors,
            scratch.maxima.data() + k * slabVectors,
            [gamma](int64_t) { return gamma; }, /*uniform=*/true,
            result.integerScales.data(), scratch.effective.data(), scratch);
        job.quantize(t0, t1, scratch.effective.data());
      }
    }
  });
}

/// Two level, any coarse grouping: all s_v first, then gamma per group
/// (or the given `fixedCoarse`, one per group), then sq and q chunk by
/// chunk.
void quantizeTwoLevelGlobal(const Job &job, llvm::ThreadPoolInterface *pool,
                            QuantizedTensor &result,
                            ArrayRef<float> fixedCoarse = {}) {
  const TensorFormat &format = job.format;
  const Bands &bands = job.bands;
  const int64_t numVectors = bands.numVectors();
  const int64_t inner = bands.inner;
  std::vector<float> scales(numVectors);
  std::vector<float> maxima(job.search ? numVectors : 0);
  parallelFor(pool, bands.numBands(), [&](int64_t begin, int64_t end) {
    Scratch scratch;
    job.forEachChunk(begin, end, [&](int64_t t0, int64_t t1) {
      float *chunkMaxima = maxima.data() + t0 * inner;
      if (!job.search) {
        scratch.maxima.resize((t1 - t0) * inner);
        chunkMaxima = scratch.maxima.data();
      }
      if (!job.largestMagnitudes(t0, t1, chunkMaxima)) {
        job.failed = true;
        return;
      }
      job.thresholds(t0, t1, chunkMaxima, scales.data() + t0 * inner,
                     scratch);
    });
  });
  if (job.failed)
    return;

  // gamma_g = max_{v in g} s_v / (2^M - 1).
  const int64_t numGroups =
      format.coarseAxis < 0 ? 1 : result.scaleShape[format.coarseAxis];
  int64_t stride = 1;
  if (format.coarseAxis >= 0)
    for (size_t d = format.coarseAxis + 1; d < result.scaleShape.size(); ++d)
      stride *= result.scaleShape[d];
  auto groupOf = [&](int64_t v) {
    return format.coarseAxis < 0 ? int64_t(0) : (v / stride) % numGroups;
  };
  if (!fixedCoarse.empty()) {
    result.coarse.assign(fixedCoarse.begin(), fixedCoarse.end());
  } else {
    std::vector<float> largest(numGroups, 0.0f);
    for (int64_t v = 0; v < numVectors; ++v)
      largest[groupOf(v)] = std::max(largest[groupOf(v)], scales[v]);
    const float maxScale = float((1u << format.scaleBits) - 1);
    result.coarse.resize(numGroups);
    for (int64_t g = 0; g < numGroups; ++g)
      result.coarse[g] = largest[g] / maxScale;
  }

  result.integerScales.resize(numVectors);
  parallelFor(pool, bands.numBands(), [&](int64_t begin, int64_t end) {
    Scratch scratch;
    job.forEachChunk(begin, end, [&](int64_t t0, int64_t t1) {
      scratch.effective.resize((t1 - t0) * inner);
      job.integerScales(
          t0, t1, scales.data() + t0 * inner,
          job.search ? maxima.data() + t0 * inner : nullptr,
          [&](int64_t v) { return result.coarse[groupOf(v)]; },
          /*uniform=*/numGroups == 1, result.integerScales.data(),
          scratch.effective.data(), scratch);
      job.quantize(t0, t1, scratch.effective.data());
    });
  });
}

/// Per channel with the channel axis after a non-unit axis: each channel is
/// spread over `outer` rows. Thresholds channel by channel (gathered), then
/// q row by row.
void quantizeSpreadChannels(const Job &job, const VectorLayout &layout,
                            llvm::ThreadPoolInterface *pool,
                            QuantizedTensor &result) {
  const TensorFormat &format = job.format;
  const int64_t numVectors = layout.numVectors;
  std::vector<float> scales(numVectors), maxima(numVectors);
  parallelFor(pool, numVectors, [&](int64_t begin, int64_t end) {
    Scratch scratch;
    std::vector<float> &buffer = scratch.maxima;
    for (int64_t v = begin; v < end; ++v) {
      if (job.failed.load(std::memory_order_relaxed))
        return;
      layout.gather(v, job.data, buffer);
      const int64_t n = int64_t(buffer.size());
      float largest = 0.0f;
      if (n > 0 && !job.kernels.runMaxima(buffer.data(), n, n,
                                          format.element.isSigned,
                                          &largest)) {
        job.failed = true;
        return;
      }
      maxima[v] = largest;
      scales[v] = detail::thresholdOf(buffer.data(), n, largest,
                                      format.element, job.options,
                                      format.rounding, scratch.threshold,
                                      job.kernels) /
                  job.qmax;
    }
  });
  if (job.failed)
    return;

  std::vector<float> effective;
  if (format.scaleBits == 0) {
    effective = scales;
    result.scales = std::move(scales);
  } else {
    // verifyFormat allows only one coarse group here.
    float largest = 0.0f;
    for (float s : scales)
      largest = std::max(largest, s);
    const float gamma = largest / float((1u << format.scaleBits) - 1);
    result.coarse = {gamma};
    result.integerScales.resize(numVectors);
    effective.resize(numVectors);
    parallelFor(pool, numVectors, [&](int64_t begin, int64_t end) {
      std::vector<float> buffer;
      for (int64_t v = begin; v < end; ++v) {
        uint16_t sq = detail::integerScaleOf(scales[v], gamma,
                                             format.scaleBits,
                                             format.scaleRounding);
        if (job.search && sq != 0) {
          layout.gather(v, job.data, buffer);
          sq = job.kernels.searchIntegerScale(
              buffer.data(), int64_t(buffer.size()), maxima[v], gamma, sq,
              format.scaleBits, format.element, format.rounding);
        }
        result.integerScales[v] = sq;
        effective[v] = effectiveScale(sq, gamma);
      }
    });
  }
  parallelFor(pool, layout.numRows(), [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t offset = row * layout.inner;
      job.kernels.quantizeVectors(job.data + offset, layout.inner,
                                  layout.inner,
                                  &effective[row % layout.dim], job.qmin,
                                  job.qmax, format.rounding, job.out + offset);
    }
  });
}

} // namespace

llvm::Expected<QuantizedTensor>
vsquant::quant::quantizeTensor(ArrayRef<float> data, ArrayRef<int64_t> shape,
                               const TensorFormat &format,
                               const CalibrationOptions &options,
                               llvm::ThreadPoolInterface *pool) {
  if (llvm::Error error = verifyArguments(data, shape, format, options))
    return std::move(error);
  const VectorLayout layout(shape, format);
  if (data.empty() || layout.numVectors == 0)
    return quantizeTensorReference(data, shape, format, options, pool);

  QuantizedTensor result;
  result.scaleShape = scaleGridShape(shape, format);
  result.coarseShape = coarseGridShape(shape, format);
  resizeForOverwrite(result.values, data.size());

  std::atomic<bool> failed{false};
  const std::optional<Bands> bands = bandsOf(layout);
  Job job{data.data(),
          result.values.data(),
          bands ? *bands : Bands(),
          format,
          options,
          activeKernels(),
          float(format.element.qmin()),
          float(format.element.qmax()),
          format.scaleBits > 0 && options.method == Method::MSE &&
              options.exactScaleSearch,
          failed};
  const int64_t threads = pool ? int64_t(pool->getMaxConcurrency()) : 1;
  if (!bands) {
    quantizeSpreadChannels(job, layout, pool, result);
  } else if (format.scaleBits == 0) {
    quantizeSingleLevel(job, pool, result);
  } else if (format.coarseAxis >= 0 && format.coarseAxis < format.axis &&
             shape[format.coarseAxis] >= 2 * threads) {
    quantizeTwoLevelBySlabGroups(job, shape, pool, result);
  } else {
    quantizeTwoLevelGlobal(job, pool, result);
  }
  if (failed) {
    llvm::Error error = verifyFinite(data);
    assert(error && "a kernel saw a NaN or Inf that verifyFinite did not");
    return std::move(error);
  }
  if (llvm::Error error = verifyDequantizable(result, data, shape, format))
    return std::move(error);
  return result;
}

llvm::Expected<QuantizedTensor> vsquant::quant::quantizeTensorWithCoarse(
    ArrayRef<float> data, ArrayRef<int64_t> shape, const TensorFormat &format,
    ArrayRef<float> coarse, llvm::ThreadPoolInterface *pool) {
  CalibrationOptions options; // max: dynamic scales (SPEC.md section 4)
  if (llvm::Error error = verifyArguments(data, shape, format, options))
    return std::move(error);
  if (format.scaleBits == 0 || format.granularity != Granularity::PerVector)
    return llvm::createStringError(
        "a fixed coarse scale needs a two-level per-vector format");
  QuantizedTensor result;
  result.scaleShape = scaleGridShape(shape, format);
  result.coarseShape = coarseGridShape(shape, format);
  const size_t groups =
      result.coarseShape.empty() ? 1 : size_t(result.coarseShape[0]);
  if (coarse.size() != groups)
    return llvm::createStringError(
        llvm::formatv("{0} coarse scales given, the format has {1} groups",
                      coarse.size(), groups));
  for (auto [g, gamma] : llvm::enumerate(coarse))
    if (!std::isfinite(gamma) || gamma < 0.0f)
      return llvm::createStringError(
          llvm::formatv("coarse scale {0} is {1}: it must be finite and "
                        ">= 0",
                        g, gamma));
  const VectorLayout layout(shape, format);
  if (data.empty() || layout.numVectors == 0) {
    result.coarse.assign(coarse.begin(), coarse.end());
    result.integerScales.assign(layout.numVectors, 0);
    return result;
  }
  resizeForOverwrite(result.values, data.size());
  std::atomic<bool> failed{false};
  Job job{data.data(),
          result.values.data(),
          *bandsOf(layout),
          format,
          options,
          activeKernels(),
          float(format.element.qmin()),
          float(format.element.qmax()),
          /*search=*/false,
          failed};
  quantizeTwoLevelGlobal(job, pool, result, coarse);
  if (failed) {
    llvm::Error error = verifyFinite(data);
    assert(error && "a kernel saw a NaN or Inf that verifyFinite did not");
    return std::move(error);
  }
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
