//===- Kernels.cpp - Portable bulk kernels and their run-time dispatch ----===//
//
// The portable (any CPU) table of the bulk kernels of QuantizerInternal.h,
// and the choice between it and the AVX-512 table (KernelsAVX512.cpp).
// Magnitudes are compared as the int32 of their bits: for finite floats
// >= 0 that order is the float order, so maxima vectorise as integer maxima
// and the same pass sees NaN and Inf (bits of |x| >= 0x7f800000).
//
//===----------------------------------------------------------------------===//

#include "QuantizerInternal.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>

using namespace vsquant::quant;
using namespace vsquant::quant::detail;

namespace {

constexpr uint32_t kAbsMask = 0x7fffffffu;
constexpr uint32_t kInfBits = 0x7f800000u;

inline uint32_t bitsOf(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof(bits));
  return bits;
}

inline float floatOf(uint32_t bits) {
  float x;
  std::memcpy(&x, &bits, sizeof(x));
  return x;
}

template <bool IsSigned>
bool runMaximaImpl(const float *x, int64_t n, int64_t vectorSize,
                   float *out) {
  uint32_t anyAbs = 0;
  for (int64_t begin = 0, b = 0; begin < n; begin += vectorSize, ++b) {
    const int64_t end = std::min(n, begin + std::max<int64_t>(vectorSize, 1));
    uint32_t absMax = 0;
    int32_t largest = 0;
    for (int64_t i = begin; i < end; ++i) {
      uint32_t bits = bitsOf(x[i]);
      uint32_t abs = bits & kAbsMask;
      absMax = abs > absMax ? abs : absMax;
      // Unsigned formats: max(x, 0) is the int32 max of the bits with 0
      // (negative floats are negative int32s).
      int32_t magnitude = IsSigned ? int32_t(abs) : int32_t(bits);
      largest = magnitude > largest ? magnitude : largest;
    }
    out[b] = floatOf(uint32_t(largest));
    anyAbs = absMax > anyAbs ? absMax : anyAbs;
  }
  return anyAbs < kInfBits;
}

bool runMaximaGeneric(const float *x, int64_t n, int64_t vectorSize,
                      bool isSigned, float *out) {
  return isSigned ? runMaximaImpl<true>(x, n, vectorSize, out)
                  : runMaximaImpl<false>(x, n, vectorSize, out);
}

template <bool IsSigned>
bool rowsMaxIntoImpl(const float *x, int64_t rows, int64_t inner,
                     float *acc) {
  uint32_t anyAbs = 0;
  for (int64_t k = 0; k < rows; ++k) {
    const float *row = x + k * inner;
    for (int64_t r = 0; r < inner; ++r) {
      uint32_t bits = bitsOf(row[r]);
      uint32_t abs = bits & kAbsMask;
      anyAbs = abs > anyAbs ? abs : anyAbs;
      int32_t magnitude = IsSigned ? int32_t(abs) : int32_t(bits);
      int32_t current = int32_t(bitsOf(acc[r]));
      acc[r] = floatOf(uint32_t(magnitude > current ? magnitude : current));
    }
  }
  return anyAbs < kInfBits;
}

bool rowsMaxIntoGeneric(const float *x, int64_t rows, int64_t inner,
                        bool isSigned, float *acc) {
  return isSigned ? rowsMaxIntoImpl<true>(x, rows, inner, acc)
                  : rowsMaxIntoImpl<false>(x, rows, inner, acc);
}

template <Rounding Mode>
void quantizeVectorsImpl(const float *x, int64_t n, int64_t vectorSize,
                         const float *scales, float qmin, float qmax,
                         int16_t *out) {
  for (int64_t begin = 0, b = 0; begin < n; begin += vectorSize, ++b) {
    const int64_t end = std::min(n, begin + vectorSize);
    const float scale = scales[b];
    for (int64_t i = begin; i < end; ++i)
      out[i] = int16_t(quantizeFinite<Mode>(x[i], scale, qmin, qmax));
  }
}

void quantizeVectorsGeneric(const float *x, int64_t n, int64_t vectorSize,
                            const float *scales, float qmin, float qmax,
                            Rounding rounding, int16_t *out) {
  if (rounding == Rounding::HalfToEven)
    quantizeVectorsImpl<Rounding::HalfToEven>(x, n, vectorSize, scales, qmin,
                                              qmax, out);
  else
    quantizeVectorsImpl<Rounding::HalfAwayFromZero>(x, n, vectorSize, scales,
                                                    qmin, qmax, out);
}

template <Rounding Mode>
void quantizeScaledImpl(const float *x, const float *scales, int64_t n,
                        float qmin, float qmax, int16_t *out) {
  for (int64_t i = 0; i < n; ++i)
    out[i] = int16_t(quantizeFinite<Mode>(x[i], scales[i], qmin, qmax));
}

void quantizeScaledGeneric(const float *x, const float *scales, int64_t n,
                           float qmin, float qmax, Rounding rounding,
                           int16_t *out) {
  if (rounding == Rounding::HalfToEven)
    quantizeScaledImpl<Rounding::HalfToEven>(x, scales, n, qmin, qmax, out);
  else
    quantizeScaledImpl<Rounding::HalfAwayFromZero>(x, scales, n, qmin, qmax,
                                                   out);
}

void divideGeneric(const float *x, int64_t n, float divisor, float *out) {
  for (int64_t i = 0; i < n; ++i)
    out[i] = x[i] / divisor;
}

void twoLevelScalesGeneric(const float *scales, int64_t n, float gamma,
                           unsigned scaleBits, ScaleRounding rounding,
                           uint16_t *integerScales, float *effective) {
  for (int64_t i = 0; i < n; ++i) {
    uint16_t sq = integerScaleOf(scales[i], gamma, scaleBits, rounding);
    integerScales[i] = sq;
    effective[i] = float(sq) * gamma;
  }
}

void octavThresholdsGeneric(const float *x, int64_t count,
                            int64_t vectorSize, ElementFormat format,
                            const float *maxima, float *alphas) {
  std::vector<float> magnitudes(vectorSize);
  for (int64_t v = 0; v < count; ++v) {
    const float *values = x + v * vectorSize;
    for (int64_t i = 0; i < vectorSize; ++i)
      magnitudes[i] = format.isSigned ? std::fabs(values[i])
                                      : (values[i] > 0.0f ? values[i] : 0.0f);
    alphas[v] = maxima[v] == 0.0f
                    ? 0.0f
                    : octavThreshold(magnitudes, maxima[v], format);
  }
}

/// The mse grid from the top: alpha_G first, then downwards. A grid point
/// is skipped when the largest element's error alone exceeds the best total
/// (the total would too), and the walk stops once that element is clipped
/// (q = Q, xhat <= m) with an error above the best: every lower grid point
/// clips it further. A sum stops early once it exceeds the best (its terms
/// are >= 0). Downwards with "<=" keeps the smallest k among equal errors,
/// as the upward scan with "<" does; a skipped or stopped grid point has an
/// error above the final best, so it could neither win nor tie.
template <Rounding Mode>
float mseThresholdPortable(const float *x, int64_t n, float maxAbs,
                           ElementFormat format, int64_t gridPoints) {
  const float qmin = float(format.qmin()), qmax = float(format.qmax());
  double best = std::numeric_limits<double>::infinity();
  int64_t bestK = gridPoints;
  for (int64_t k = gridPoints; k >= 1; --k) {
    const float alpha = float(double(maxAbs) * double(k) / double(gridPoints));
    const float scale = alpha / qmax;
    const float qm = quantizeFinite<Mode>(maxAbs, scale, qmin, qmax);
    const float xhatm = qm * scale;
    const double dm = double(maxAbs) - double(xhatm);
    if (dm * dm > best) {
      if (qm == qmax && xhatm <= maxAbs)
        break;
      continue;
    }
    double error = 0.0;
    for (int64_t i = 0; i < n && error <= best; ++i) {
      const float xhat = quantizeFinite<Mode>(x[i], scale, qmin, qmax) * scale;
      const double diff = double(x[i]) - double(xhat);
      error += diff * diff;
    }
    if (error <= best) {
      best = error;
      bestK = k;
    }
  }
  return float(double(maxAbs) * double(bestK) / double(gridPoints));
}

float mseThresholdGeneric(const float *x, int64_t n, float maxAbs,
                          ElementFormat format, int64_t gridPoints,
                          Rounding rounding) {
  return rounding == Rounding::HalfToEven
             ? mseThresholdPortable<Rounding::HalfToEven>(x, n, maxAbs, format,
                                                          gridPoints)
             : mseThresholdPortable<Rounding::HalfAwayFromZero>(
                   x, n, maxAbs, format, gridPoints);
}

uint16_t searchIntegerScaleGeneric(const float *x, int64_t n, float largest,
                                   float gamma, uint16_t defaultScale,
                                   unsigned scaleBits, ElementFormat format,
                                   Rounding rounding) {
  (void)largest; // The scalar search finds it again.
  return searchIntegerScalePortable(llvm::ArrayRef<float>(x, size_t(n)),
                                    gamma, defaultScale, scaleBits, format,
                                    rounding);
}

void mseThresholdsGeneric(const float *x, int64_t count, int64_t vectorSize,
                          const float *maxima, ElementFormat format,
                          int64_t gridPoints, Rounding rounding,
                          float *alphas) {
  for (int64_t v = 0; v < count; ++v)
    alphas[v] = maxima[v] == 0.0f
                    ? 0.0f
                    : mseThresholdGeneric(x + v * vectorSize, vectorSize,
                                          maxima[v], format, gridPoints,
                                          rounding);
}

void searchIntegerScalesGeneric(const float *x, int64_t count,
                                int64_t vectorSize, const float *maxima,
                                const float *gammas, const uint16_t *defaults,
                                unsigned scaleBits, ElementFormat format,
                                Rounding rounding, uint16_t *integerScales) {
  for (int64_t v = 0; v < count; ++v)
    integerScales[v] =
        defaults[v] == 0
            ? 0
            : searchIntegerScaleGeneric(x + v * vectorSize, vectorSize,
                                        maxima[v], gammas[v], defaults[v],
                                        scaleBits, format, rounding);
}

const Kernels kGeneric = {
    runMaximaGeneric,           rowsMaxIntoGeneric,
    quantizeVectorsGeneric,     quantizeScaledGeneric,
    divideGeneric,              twoLevelScalesGeneric,
    octavThresholdsGeneric,     mseThresholdGeneric,
    mseThresholdsGeneric,       searchIntegerScaleGeneric,
    searchIntegerScalesGeneric,
};

bool cpuRunsAvx512() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  // libgcc/compiler-rt also check that the OS saves the zmm state.
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") &&
         __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl");
#else
  return false;
#endif
}

const Kernels *pick(KernelIsa isa) {
  static const bool avx512 = avx512Kernels() && cpuRunsAvx512();
  if ((isa == KernelIsa::Auto || isa == KernelIsa::AVX512) && avx512)
    return avx512Kernels();
  return &kGeneric;
}

std::atomic<const Kernels *> selected{nullptr};

} // namespace

const Kernels &vsquant::quant::detail::genericKernels() { return kGeneric; }

const Kernels &vsquant::quant::detail::activeKernels() {
  const Kernels *kernels = selected.load(std::memory_order_acquire);
  if (!kernels) {
    kernels = pick(KernelIsa::Auto);
    selected.store(kernels, std::memory_order_release);
  }
  return *kernels;
}

void vsquant::quant::setKernelIsa(KernelIsa isa) {
  selected.store(pick(isa), std::memory_order_release);
}

KernelIsa vsquant::quant::activeKernelIsa() {
  return &activeKernels() == &kGeneric ? KernelIsa::Generic
                                       : KernelIsa::AVX512;
}
