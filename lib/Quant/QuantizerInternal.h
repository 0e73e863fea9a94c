//===- QuantizerInternal.h - Inline kernels of the numerics -----*- C++ -*-===//
//
// Private to lib/Quant: the scalar kernels that the calibration search and
// the tensor quantizer share, and the table of bulk kernels (portable C++ or
// AVX-512, chosen at run time) that the fast tensor path runs. Every bulk
// kernel computes exactly what the scalar definition computes: the same IEEE
// fp32/fp64 operations on every element, the same summation order, the same
// ties; only independent work (other vectors, other candidates) is done side
// by side in SIMD lanes.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_LIB_QUANT_QUANTIZERINTERNAL_H
#define VSQUANT_LIB_QUANT_QUANTIZERINTERNAL_H

#include "vsquant/Quant/Quantizer.h"

#include "llvm/Support/ThreadPool.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace vsquant {
namespace quant {
namespace detail {

/// round(x / scale) clamped to [qmin, qmax], as a float holding an integer.
/// The division is a true fp32 division (SPEC.md section 2); scale == 0 and
/// NaN give 0. std::nearbyint rounds half to even under the default
/// floating-point environment, which the library never changes.
template <Rounding Mode>
inline float quantizeToGrid(float x, float scale, float qmin, float qmax) {
  if (scale == 0.0f)
    return 0.0f;
  float ratio = x / scale;
  float rounded =
      Mode == Rounding::HalfToEven ? std::nearbyint(ratio) : std::round(ratio);
  // Written so that NaN fails both comparisons and ends as 0.
  if (rounded >= qmax)
    return qmax;
  if (rounded <= qmin)
    return qmin;
  return rounded == rounded ? rounded : 0.0f;
}

/// quantizeToGrid for finite x, without libm calls, so that the loops
/// vectorise on any x86-64 (SSE2 has no rounding instruction: nearbyint is
/// a call there). Clamping to [qmin, qmax] before rounding is the same as
/// after (rounding is monotone and keeps integers); on the clamped
/// quotient, |r| <= 255: r + 1.5 * 2^23 rounds r half to even to an
/// integer (the sum's ulp is 1) and subtracting 1.5 * 2^23 is exact;
/// half away from zero is truncation plus a step of 1 when the exact
/// remainder is >= 0.5, as std::round. scale == 0 gives 0.
template <Rounding Mode>
inline float quantizeFinite(float x, float scale, float qmin, float qmax) {
  const float divisor = scale == 0.0f ? 1.0f : scale;
  float r = x / divisor;
  r = r < qmin ? qmin : r;
  r = r > qmax ? qmax : r;
  if (Mode == Rounding::HalfToEven) {
    constexpr float kMagic = 12582912.0f; // 1.5 * 2^23
    r = (r + kMagic) - kMagic;
  } else {
    const float t = float(int32_t(r));
    const float fraction = r - t;
    r = t + (std::fabs(fraction) >= 0.5f ? (r < 0.0f ? -1.0f : 1.0f) : 0.0f);
  }
  return scale == 0.0f ? 0.0f : r;
}

/// Sum of (x - q * scale)^2 in double over `values` (single-level xhat).
template <Rounding Mode>
inline double singleLevelSquaredError(llvm::ArrayRef<float> values,
                                      float scale, float qmin, float qmax) {
  double error = 0.0;
  for (float x : values) {
    float xhat = quantizeToGrid<Mode>(x, scale, qmin, qmax) * scale;
    double diff = double(x) - double(xhat);
    error += diff * diff;
  }
  return error;
}

/// Two-level xhat = f32(q * sq) * gamma: q * sq is an exact integer below
/// 2^24, so the only rounding is the multiply by gamma (SPEC.md section 3).
inline float twoLevelDequantize(float q, float integerScale, float gamma) {
  return (q * integerScale) * gamma;
}

//===----------------------------------------------------------------------===//
// Tensor layout and work splitting (shared by the fast and reference paths)
//===----------------------------------------------------------------------===//

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

  VectorLayout(llvm::ArrayRef<int64_t> shape, const TensorFormat &format)
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

/// Runs fn(begin, end) over [0, n) split into at most `maxTasks` chunks
/// (default: 4 per thread) on `pool`, or inline. Each index is handled by
/// exactly one call, so per-index results do not depend on the split.
template <typename Fn>
void parallelFor(llvm::ThreadPoolInterface *pool, int64_t n, Fn fn,
                 int64_t maxTasks = 0) {
  if (n <= 0)
    return;
  int64_t tasks = 1;
  if (pool) {
    tasks = 4 * int64_t(pool->getMaxConcurrency());
    if (maxTasks > 0)
      tasks = std::min(tasks, maxTasks);
    tasks = std::min(n, tasks);
  }
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

/// mseGridPoints >= 1, percentile in (0, 100].
llvm::Error verifyCalibration(const CalibrationOptions &options);
/// Names the flat index of the first NaN or Inf.
llvm::Error verifyFinite(llvm::ArrayRef<float> data);
/// Fails, naming the first such element, when a dequantized value
/// f32(q * s_v) or f32(q * sq_v) * gamma_g overflows to Inf: finite inputs
/// within a rounding of FLT_MAX whose scale times Q rounds up past it.
/// Looks at elements only when some vector's largest |xhat| can reach
/// FLT_MAX, so a normal tensor costs one pass over its scales.
llvm::Error verifyDequantizable(const QuantizedTensor &tensor,
                                llvm::ArrayRef<float> data,
                                llvm::ArrayRef<int64_t> shape,
                                const TensorFormat &format);
/// verifyFormat, verifyCalibration and the element count (not finiteness).
llvm::Error verifyArguments(llvm::ArrayRef<float> data,
                            llvm::ArrayRef<int64_t> shape,
                            const TensorFormat &format,
                            const CalibrationOptions &options);
/// Coarse group of every vector: 0, or the vector's index along coarseAxis.
std::vector<int64_t> coarseGroupOfVectors(llvm::ArrayRef<int64_t> gridShape,
                                          const TensorFormat &format,
                                          int64_t numVectors);

//===----------------------------------------------------------------------===//
// Scalar reference pieces (Reference.cpp): the original one-vector-at-a-time
// code, kept as the definition the fast kernels are tested against and as
// the portable kernels' body where it is already the best portable code.
//===----------------------------------------------------------------------===//

/// alpha of the mse grid search (SPEC.md section 4) for `values`, whose
/// largest magnitude is maxAbs > 0.
float mseThresholdScalar(llvm::ArrayRef<float> values, float maxAbs,
                         ElementFormat format, int64_t gridPoints,
                         Rounding rounding);

/// The sq in 1..2^M-1 with the least squared error for `values` under
/// coarse scale gamma; ties go to defaultScale (steps 3-4), then to the
/// smaller sq (SPEC.md section 3, exactScaleSearch).
uint16_t searchIntegerScaleScalar(llvm::ArrayRef<float> values, float gamma,
                                  uint16_t defaultScale, unsigned scaleBits,
                                  ElementFormat format, Rounding rounding);
/// The same search with quantizeFinite (finite values only): no libm call
/// per element, for the portable kernels.
uint16_t searchIntegerScalePortable(llvm::ArrayRef<float> values, float gamma,
                                    uint16_t defaultScale, unsigned scaleBits,
                                    ElementFormat format, Rounding rounding);

/// Step 3 of SPEC.md section 3 (fp32 quotient); 0 for a zero scale or an
/// underflowed gamma.
inline uint16_t integerScaleOf(float scale, float gamma, unsigned scaleBits,
                               ScaleRounding rounding) {
  if (scale == 0.0f || gamma == 0.0f)
    return 0;
  const float maxScale = float((1u << scaleBits) - 1);
  float ratio = scale / gamma;
  float rounded = rounding == ScaleRounding::Ceil ? std::ceil(ratio)
                                                  : std::nearbyint(ratio);
  return uint16_t(std::clamp(rounded, 1.0f, maxScale));
}

/// 1-based rank of percentile p among n values (Calibration.cpp).
uint64_t percentileRank(uint64_t n, double percentile);
/// OCTAV fixed point over magnitudes (Calibration.cpp).
float octavThreshold(llvm::ArrayRef<float> magnitudes, float maxAbs,
                     ElementFormat format);

//===----------------------------------------------------------------------===//
// Bulk kernels
//===----------------------------------------------------------------------===//

/// Magnitude |x| (signed formats) or max(x, 0) (unsigned formats) of finite
/// floats compare like the int32 of their bits; every kernel that reports a
/// largest magnitude also reports whether it saw a NaN or Inf.
struct Kernels {
  /// out[b] = largest magnitude of the vector [b*V, min(n, (b+1)*V)) of a
  /// contiguous run of n elements (so V >= n gives one vector). Returns
  /// false if the run holds a NaN or an Inf (out is then unspecified).
  bool (*runMaxima)(const float *x, int64_t n, int64_t vectorSize,
                    bool isSigned, float *out);
  /// acc[r] = max(acc[r], magnitude of x[k * inner + r]) over k < rows,
  /// r < inner; acc holds magnitudes (start at 0). False on NaN or Inf.
  bool (*rowsMaxInto)(const float *x, int64_t rows, int64_t inner,
                      bool isSigned, float *acc);
  /// out[i] = quantizeToGrid(x[i], scales[i / V]) for i < n: a contiguous
  /// run of vectors of size V (the last may be shorter), one scale each.
  void (*quantizeVectors)(const float *x, int64_t n, int64_t vectorSize,
                          const float *scales, float qmin, float qmax,
                          Rounding rounding, int16_t *out);
  /// out[i] = quantizeToGrid(x[i], scales[i]) for i < n.
  void (*quantizeScaled)(const float *x, const float *scales, int64_t n,
                         float qmin, float qmax, Rounding rounding,
                         int16_t *out);
  /// out[i] = x[i] / divisor (fp32 division), i < n.
  void (*divide)(const float *x, int64_t n, float divisor, float *out);
  /// Two level with one gamma: integerScales[i] = integerScaleOf(scales[i],
  /// gamma, ...) and effective[i] = f32(integerScales[i] * gamma), i < n.
  void (*twoLevelScales)(const float *scales, int64_t n, float gamma,
                         unsigned scaleBits, ScaleRounding rounding,
                         uint16_t *integerScales, float *effective);
  /// alphas[v] = octavThreshold of vector v, for `count` contiguous vectors
  /// of exactly vectorSize elements at x (vector v at x + v * vectorSize);
  /// maxima[v] is its largest magnitude.
  void (*octavThresholds)(const float *x, int64_t count, int64_t vectorSize,
                          ElementFormat format, const float *maxima,
                          float *alphas);
  /// mseThresholdScalar's result for the n values at x (contiguous).
  float (*mseThreshold)(const float *x, int64_t n, float maxAbs,
                        ElementFormat format, int64_t gridPoints,
                        Rounding rounding);
  /// alphas[v] = mseThreshold of vector v (0 where maxima[v] == 0), for
  /// `count` contiguous vectors of exactly vectorSize elements at x.
  void (*mseThresholds)(const float *x, int64_t count, int64_t vectorSize,
                        const float *maxima, ElementFormat format,
                        int64_t gridPoints, Rounding rounding,
                        float *alphas);
  /// searchIntegerScaleScalar's result for the n values at x; `largest` is
  /// the vector's largest magnitude.
  uint16_t (*searchIntegerScale)(const float *x, int64_t n, float largest,
                                 float gamma, uint16_t defaultScale,
                                 unsigned scaleBits, ElementFormat format,
                                 Rounding rounding);
  /// integerScales[v] = searchIntegerScale of vector v under gammas[v] from
  /// defaults[v] (0 stays 0), for `count` contiguous vectors of exactly
  /// vectorSize elements at x; maxima[v] is the largest magnitude.
  void (*searchIntegerScales)(const float *x, int64_t count,
                              int64_t vectorSize, const float *maxima,
                              const float *gammas, const uint16_t *defaults,
                              unsigned scaleBits, ElementFormat format,
                              Rounding rounding, uint16_t *integerScales);
};

/// Portable C++ kernels (any CPU).
const Kernels &genericKernels();
/// AVX-512 (F, DQ, BW, VL) kernels, or null when not compiled in.
const Kernels *avx512Kernels();
/// The table selected by setKernelIsa (Auto: the widest the CPU runs).
const Kernels &activeKernels();

/// Reusable per-task buffers of the threshold computations.
struct ThresholdScratch {
  std::vector<float> magnitudes;
  std::vector<float> gathered;
};

/// The threshold alpha of computeThreshold for the n values at x whose
/// largest magnitude (|x| or max(x, 0)) is maxAbs, without heap traffic on
/// the common paths. Values must be finite.
float thresholdOf(const float *x, int64_t n, float maxAbs,
                  ElementFormat format, const CalibrationOptions &options,
                  Rounding rounding, ThresholdScratch &scratch,
                  const Kernels &kernels);

} // namespace detail
} // namespace quant
} // namespace vsquant

#endif // VSQUANT_LIB_QUANT_QUANTIZERINTERNAL_H
