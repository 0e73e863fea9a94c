//===- KernelsAVX512.cpp - AVX-512 bulk kernels ---------------------------===//
//
// The bulk kernels of QuantizerInternal.h with AVX-512 F/DQ/BW/VL
// intrinsics. Only the functions below carry the target attribute (the rest
// of the library, and every header, is compiled for baseline x86-64), and
// they run only after Kernels.cpp has checked the CPU.
//
// Exactness: each lane does the scalar definition's IEEE operations in the
// same order (vdivps is the true fp32 division; vrndscaleps rounds half to
// even like nearbyint; round-half-away is trunc plus a +-1 step when the
// exact remainder is >= 0.5, like std::round; fp64 error sums add one term
// per element in element order, with separate multiply and add: the library
// is built with -ffp-contract=off). Lanes hold independent work only:
// elements of independent vectors, or independent candidates (grid points,
// integer scales) of one vector. The clamp is max/min: equal to the scalar
// compare-and-select for every non-NaN quotient, and inputs are finite and
// scales nonzero where it runs (zero scales are masked to q = 0).
//
//===----------------------------------------------------------------------===//

#include "QuantizerInternal.h"

#include <cmath>
#include <cstring>
#include <limits>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define VSQUANT_AVX512_KERNELS 1
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12's intrinsic headers trip this on _mm512_undefined_* (GCC PR105593).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>
#endif

using namespace vsquant::quant;
using namespace vsquant::quant::detail;

#if VSQUANT_AVX512_KERNELS

#define VSQ_TARGET __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl")))
#define VSQ_INLINE VSQ_TARGET inline __attribute__((always_inline))

namespace {

constexpr int32_t kAbsMask = 0x7fffffff;
constexpr int32_t kInfBits = 0x7f800000;

inline float floatOf(int32_t bits) {
  float x;
  std::memcpy(&x, &bits, sizeof(x));
  return x;
}

VSQ_INLINE __mmask16 maskOf(int64_t count) {
  return count >= 16 ? __mmask16(0xffff) : __mmask16((1u << count) - 1);
}

//===----------------------------------------------------------------------===//
// Maxima
//===----------------------------------------------------------------------===//

/// Magnitude bits of 16 floats (|x| or max(x, 0)); ORs |x| bits into `abs`
/// for the finiteness check.
template <bool IsSigned>
VSQ_INLINE __m512i magnitudeBits(__m512i bits, __m512i &absMax) {
  __m512i abs = _mm512_and_si512(bits, _mm512_set1_epi32(kAbsMask));
  absMax = _mm512_max_epi32(absMax, abs);
  return IsSigned ? abs : _mm512_max_epi32(bits, _mm512_setzero_si512());
}

template <bool IsSigned>
VSQ_TARGET bool runMaximaImpl(const float *x, int64_t n, int64_t vectorSize,
                              float *out) {
  __m512i absMax = _mm512_setzero_si512();
  if (vectorSize == 16) {
    const int64_t full = n / 16;
    int64_t b = 0;
    // Four vectors at a time: independent reductions overlap.
    for (; b + 4 <= full; b += 4) {
      __m512i m0 = magnitudeBits<IsSigned>(
          _mm512_loadu_si512(x + 16 * b), absMax);
      __m512i m1 = magnitudeBits<IsSigned>(
          _mm512_loadu_si512(x + 16 * b + 16), absMax);
      __m512i m2 = magnitudeBits<IsSigned>(
          _mm512_loadu_si512(x + 16 * b + 32), absMax);
      __m512i m3 = magnitudeBits<IsSigned>(
          _mm512_loadu_si512(x + 16 * b + 48), absMax);
      // Pairwise folds of the four vectors into one register: lanes of the
      // 128-bit quarter j end up holding partial maxima of vector j.
      __m512i a01 = _mm512_max_epi32(_mm512_shuffle_i32x4(m0, m1, 0x44),
                                     _mm512_shuffle_i32x4(m0, m1, 0xee));
      __m512i a23 = _mm512_max_epi32(_mm512_shuffle_i32x4(m2, m3, 0x44),
                                     _mm512_shuffle_i32x4(m2, m3, 0xee));
      // a01 quarters: [m0 q0|q2 max, m0 q1|q3 max, m1 .., m1 ..].
      __m512i a = _mm512_max_epi32(_mm512_shuffle_i32x4(a01, a23, 0x88),
                                   _mm512_shuffle_i32x4(a01, a23, 0xdd));
      // a quarters: m0, m1, m2, m3 (4 partial maxima each).
      a = _mm512_max_epi32(a, _mm512_shuffle_epi32(a, _MM_PERM_BADC));
      a = _mm512_max_epi32(a, _mm512_shuffle_epi32(a, _MM_PERM_CDAB));
      alignas(64) int32_t lanes[16];
      _mm512_store_si512(lanes, a);
      out[b] = floatOf(lanes[0]);
      out[b + 1] = floatOf(lanes[4]);
      out[b + 2] = floatOf(lanes[8]);
      out[b + 3] = floatOf(lanes[12]);
    }
    for (; b < full; ++b)
      out[b] = floatOf(_mm512_reduce_max_epi32(magnitudeBits<IsSigned>(
          _mm512_loadu_si512(x + 16 * b), absMax)));
    if (n > 16 * full) {
      __m512i bits = _mm512_maskz_loadu_epi32(maskOf(n - 16 * full),
                                              x + 16 * full);
      out[full] =
          floatOf(_mm512_reduce_max_epi32(magnitudeBits<IsSigned>(bits,
                                                                  absMax)));
    }
  } else {
    for (int64_t begin = 0, b = 0; begin < n; begin += vectorSize, ++b) {
      const int64_t end = n - begin < vectorSize ? n : begin + vectorSize;
      __m512i largest = _mm512_setzero_si512();
      int64_t i = begin;
      for (; i + 16 <= end; i += 16)
        largest = _mm512_max_epi32(
            largest,
            magnitudeBits<IsSigned>(_mm512_loadu_si512(x + i), absMax));
      if (i < end)
        largest = _mm512_max_epi32(
            largest, magnitudeBits<IsSigned>(
                         _mm512_maskz_loadu_epi32(maskOf(end - i), x + i),
                         absMax));
      out[b] = floatOf(_mm512_reduce_max_epi32(largest));
    }
  }
  return _mm512_reduce_max_epi32(absMax) < kInfBits;
}

VSQ_TARGET bool runMaximaAvx512(const float *x, int64_t n, int64_t vectorSize,
                                bool isSigned, float *out) {
  return isSigned ? runMaximaImpl<true>(x, n, vectorSize, out)
                  : runMaximaImpl<false>(x, n, vectorSize, out);
}

template <bool IsSigned>
VSQ_TARGET bool rowsMaxIntoImpl(const float *x, int64_t rows, int64_t inner,
                                float *acc) {
  __m512i absMax = _mm512_setzero_si512();
  for (int64_t k = 0; k < rows; ++k) {
    const float *row = x + k * inner;
    int64_t r = 0;
    for (; r + 16 <= inner; r += 16) {
      __m512i m = magnitudeBits<IsSigned>(_mm512_loadu_si512(row + r), absMax);
      _mm512_storeu_si512(acc + r,
                          _mm512_max_epi32(_mm512_loadu_si512(acc + r), m));
    }
    if (r < inner) {
      __mmask16 mask = maskOf(inner - r);
      __m512i m = magnitudeBits<IsSigned>(
          _mm512_maskz_loadu_epi32(mask, row + r), absMax);
      _mm512_mask_storeu_epi32(
          acc + r, mask,
          _mm512_max_epi32(_mm512_maskz_loadu_epi32(mask, acc + r), m));
    }
  }
  return _mm512_reduce_max_epi32(absMax) < kInfBits;
}

VSQ_TARGET bool rowsMaxIntoAvx512(const float *x, int64_t rows, int64_t inner,
                                  bool isSigned, float *acc) {
  return isSigned ? rowsMaxIntoImpl<true>(x, rows, inner, acc)
                  : rowsMaxIntoImpl<false>(x, rows, inner, acc);
}

//===----------------------------------------------------------------------===//
// Rounding and quantization
//===----------------------------------------------------------------------===//

/// nearbyint (half to even) or std::round (half away from zero), exact.
template <Rounding Mode> VSQ_INLINE __m512 roundTo(__m512 r) {
  if (Mode == Rounding::HalfToEven)
    return _mm512_roundscale_ps(r, _MM_FROUND_TO_NEAREST_INT |
                                       _MM_FROUND_NO_EXC);
  __m512 t = _mm512_roundscale_ps(r, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  __m512 fraction = _mm512_sub_ps(r, t); // Exact.
  __mmask16 away = _mm512_cmp_ps_mask(_mm512_abs_ps(fraction),
                                      _mm512_set1_ps(0.5f), _CMP_GE_OQ);
  __m512 step = _mm512_or_ps(
      _mm512_set1_ps(1.0f),
      _mm512_and_ps(r, _mm512_castsi512_ps(_mm512_set1_epi32(int32_t(
                           0x80000000u)))));
  return _mm512_mask_add_ps(t, away, t, step);
}

/// quantizeToGrid on 16 lanes; `nonzero` masks lanes whose scale is 0.
template <Rounding Mode>
VSQ_INLINE __m512 quantizeLanes(__m512 x, __m512 scale, __mmask16 nonzero,
                                __m512 qmin, __m512 qmax) {
  __m512 r = roundTo<Mode>(_mm512_div_ps(x, scale));
  return _mm512_maskz_min_ps(nonzero, _mm512_max_ps(r, qmin), qmax);
}

VSQ_INLINE __m256i toInt16(__m512 q) {
  return _mm512_cvtepi32_epi16(_mm512_cvttps_epi32(q));
}

template <Rounding Mode>
VSQ_TARGET void quantizeVectorsImpl(const float *x, int64_t n,
                                    int64_t vectorSize, const float *scales,
                                    float qminValue, float qmaxValue,
                                    int16_t *out) {
  const __m512 qmin = _mm512_set1_ps(qminValue),
               qmax = _mm512_set1_ps(qmaxValue);
  if (vectorSize == 16) {
    // One register per vector: no per-vector bookkeeping.
    const int64_t full = n / 16;
    for (int64_t b = 0; b < full; ++b) {
      const __m512 scale = _mm512_set1_ps(scales[b]);
      const __mmask16 nonzero =
          _mm512_cmp_ps_mask(scale, _mm512_setzero_ps(), _CMP_NEQ_UQ);
      _mm256_storeu_si256(
          reinterpret_cast<__m256i *>(out + 16 * b),
          toInt16(quantizeLanes<Mode>(_mm512_loadu_ps(x + 16 * b), scale,
                                      nonzero, qmin, qmax)));
    }
    if (n > 16 * full) {
      const __m512 scale = _mm512_set1_ps(scales[full]);
      const __mmask16 nonzero =
          _mm512_cmp_ps_mask(scale, _mm512_setzero_ps(), _CMP_NEQ_UQ);
      const __mmask16 mask = maskOf(n - 16 * full);
      _mm512_mask_cvtepi32_storeu_epi16(
          out + 16 * full, mask,
          _mm512_cvttps_epi32(quantizeLanes<Mode>(
              _mm512_maskz_loadu_ps(mask, x + 16 * full), scale, nonzero,
              qmin, qmax)));
    }
    return;
  }
  if (vectorSize >= 16) {
    for (int64_t begin = 0, b = 0; begin < n; begin += vectorSize, ++b) {
      const int64_t end = n - begin < vectorSize ? n : begin + vectorSize;
      const __m512 scale = _mm512_set1_ps(scales[b]);
      const __mmask16 nonzero = scales[b] != 0.0f ? 0xffff : 0;
      int64_t i = begin;
      for (; i + 16 <= end; i += 16)
        _mm256_storeu_si256(
            reinterpret_cast<__m256i *>(out + i),
            toInt16(quantizeLanes<Mode>(_mm512_loadu_ps(x + i), scale,
                                        nonzero, qmin, qmax)));
      if (i < end) {
        __mmask16 mask = maskOf(end - i);
        _mm512_mask_cvtepi32_storeu_epi16(
            out + i, mask,
            _mm512_cvttps_epi32(quantizeLanes<Mode>(
                _mm512_maskz_loadu_ps(mask, x + i), scale, nonzero, qmin,
                qmax)));
      }
    }
    return;
  }
  // Short vectors: 16 elements at a time with a per-lane scale.
  alignas(64) float laneScales[16];
  for (int64_t i = 0; i < n; i += 16) {
    const int64_t count = n - i < 16 ? n - i : 16;
    for (int64_t j = 0; j < count; ++j)
      laneScales[j] = scales[(i + j) / vectorSize];
    for (int64_t j = count; j < 16; ++j)
      laneScales[j] = 1.0f;
    __m512 scale = _mm512_load_ps(laneScales);
    __mmask16 nonzero =
        _mm512_cmp_ps_mask(scale, _mm512_setzero_ps(), _CMP_NEQ_UQ);
    __mmask16 mask = maskOf(count);
    _mm512_mask_cvtepi32_storeu_epi16(
        out + i, mask,
        _mm512_cvttps_epi32(quantizeLanes<Mode>(
            _mm512_maskz_loadu_ps(mask, x + i), scale, nonzero, qmin, qmax)));
  }
}

VSQ_TARGET void quantizeVectorsAvx512(const float *x, int64_t n,
                                      int64_t vectorSize, const float *scales,
                                      float qmin, float qmax,
                                      Rounding rounding, int16_t *out) {
  if (rounding == Rounding::HalfToEven)
    quantizeVectorsImpl<Rounding::HalfToEven>(x, n, vectorSize, scales, qmin,
                                              qmax, out);
  else
    quantizeVectorsImpl<Rounding::HalfAwayFromZero>(x, n, vectorSize, scales,
                                                    qmin, qmax, out);
}

template <Rounding Mode>
VSQ_TARGET void quantizeScaledImpl(const float *x, const float *scales,
                                   int64_t n, float qminValue,
                                   float qmaxValue, int16_t *out) {
  const __m512 qmin = _mm512_set1_ps(qminValue),
               qmax = _mm512_set1_ps(qmaxValue);
  for (int64_t i = 0; i < n; i += 16) {
    __mmask16 mask = maskOf(n - i);
    // Masked-off lanes load scale 0 and are masked to q = 0.
    __m512 scale = _mm512_maskz_loadu_ps(mask, scales + i);
    __mmask16 nonzero =
        _mm512_cmp_ps_mask(scale, _mm512_setzero_ps(), _CMP_NEQ_UQ);
    __m512 q = quantizeLanes<Mode>(_mm512_maskz_loadu_ps(mask, x + i), scale,
                                   nonzero, qmin, qmax);
    if (mask == 0xffff)
      _mm256_storeu_si256(reinterpret_cast<__m256i *>(out + i), toInt16(q));
    else
      _mm512_mask_cvtepi32_storeu_epi16(out + i, mask,
                                        _mm512_cvttps_epi32(q));
  }
}

VSQ_TARGET void quantizeScaledAvx512(const float *x, const float *scales,
                                     int64_t n, float qmin, float qmax,
                                     Rounding rounding, int16_t *out) {
  if (rounding == Rounding::HalfToEven)
    quantizeScaledImpl<Rounding::HalfToEven>(x, scales, n, qmin, qmax, out);
  else
    quantizeScaledImpl<Rounding::HalfAwayFromZero>(x, scales, n, qmin, qmax,
                                                   out);
}

//===----------------------------------------------------------------------===//
// Scales
//===----------------------------------------------------------------------===//

VSQ_TARGET void divideAvx512(const float *x, int64_t n, float divisorValue,
                             float *out) {
  const __m512 divisor = _mm512_set1_ps(divisorValue);
  for (int64_t i = 0; i < n; i += 16) {
    __mmask16 mask = maskOf(n - i);
    _mm512_mask_storeu_ps(
        out + i, mask,
        _mm512_div_ps(_mm512_maskz_loadu_ps(mask, x + i), divisor));
  }
}

/// integerScaleOf on 16 lanes: 0 where s == 0 (or gamma == 0), else
/// clamp(ceil or nearest-even of the fp32 quotient s / gamma, 1, 2^M - 1).
VSQ_TARGET void twoLevelScalesAvx512(const float *scales, int64_t n,
                                     float gammaValue, unsigned scaleBits,
                                     ScaleRounding rounding,
                                     uint16_t *integerScales,
                                     float *effective) {
  const __m512 gamma = _mm512_set1_ps(gammaValue);
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 maxScale = _mm512_set1_ps(float((1u << scaleBits) - 1));
  const bool ceil = rounding == ScaleRounding::Ceil;
  for (int64_t i = 0; i < n; i += 16) {
    __mmask16 mask = maskOf(n - i);
    __m512 s = _mm512_maskz_loadu_ps(mask, scales + i);
    __mmask16 nonzero =
        gammaValue == 0.0f
            ? __mmask16(0)
            : _mm512_cmp_ps_mask(s, _mm512_setzero_ps(), _CMP_NEQ_UQ);
    __m512 ratio = _mm512_div_ps(s, gamma);
    __m512 rounded =
        ceil ? _mm512_roundscale_ps(ratio, _MM_FROUND_TO_POS_INF |
                                               _MM_FROUND_NO_EXC)
             : _mm512_roundscale_ps(ratio, _MM_FROUND_TO_NEAREST_INT |
                                               _MM_FROUND_NO_EXC);
    __m512 sq = _mm512_maskz_min_ps(nonzero, _mm512_max_ps(rounded, one),
                                    maxScale);
    _mm512_mask_cvtepi32_storeu_epi16(integerScales + i, mask,
                                      _mm512_cvttps_epi32(sq));
    _mm512_mask_storeu_ps(effective + i, mask, _mm512_mul_ps(sq, gamma));
  }
}

//===----------------------------------------------------------------------===//
// OCTAV (SPEC.md section 4), eight vectors side by side
//===----------------------------------------------------------------------===//

/// octavThreshold for 8 vectors at once, one per fp64 lane: the same sums
/// in element order, the same update expression, the same three stopping
/// rules, per lane (a lane that stops keeps its s while the others go on).
VSQ_TARGET void octavThresholdsAvx512(const float *x, int64_t count,
                                      int64_t vectorSize,
                                      ElementFormat format,
                                      const float *maxima, float *alphas) {
  const double q = double(format.qmax());
  const __m512d noise = _mm512_set1_pd(1.0 / (12.0 * q * q));
  const __m512d size = _mm512_set1_pd(double(vectorSize));
  const __m512d one = _mm512_set1_pd(1.0), zero = _mm512_setzero_pd();
  const __m512d tolerance = _mm512_set1_pd(1e-4);
  constexpr int kMaxUpdates = 30;
  std::vector<double> panel(8 * vectorSize);
  for (int64_t v0 = 0; v0 < count; v0 += 8) {
    const int lanes = count - v0 < 8 ? int(count - v0) : 8;
    // panel[8 i + l] = magnitude of element i of vector v0 + l (lanes past
    // the end repeat the last vector; their results are dropped).
    for (int l = 0; l < 8; ++l) {
      const float *values = x + (v0 + (l < lanes ? l : lanes - 1)) * vectorSize;
      for (int64_t i = 0; i < vectorSize; ++i) {
        const float value = values[i];
        const float magnitude = format.isSigned
                                    ? std::fabs(value)
                                    : (value > 0.0f ? value : 0.0f);
        panel[8 * i + l] = double(magnitude);
      }
    }
    __m512d s = zero; // Starting at max|x| would give s_1 = 0.
    __mmask8 active = 0xff;
    for (int updates = 0; active && updates < kMaxUpdates;) {
      __m512d sumAbove = zero, above = zero, nonzeroBelow = zero;
      for (int64_t i = 0; i < vectorSize; ++i) {
        const __m512d m = _mm512_loadu_pd(&panel[8 * i]);
        const __mmask8 greater = _mm512_cmp_pd_mask(m, s, _CMP_GT_OQ);
        const __mmask8 positive = _mm512_cmp_pd_mask(m, zero, _CMP_GT_OQ);
        sumAbove = _mm512_mask_add_pd(sumAbove, greater, sumAbove, m);
        above = _mm512_mask_add_pd(above, greater, above, one);
        nonzeroBelow = _mm512_mask_add_pd(
            nonzeroBelow, __mmask8(positive & ~greater), nonzeroBelow, one);
      }
      // Nothing above s: keep s (all nonzero |x| equal s, or all are 0).
      active &= __mmask8(~_mm512_cmp_pd_mask(above, zero, _CMP_EQ_OQ));
      const __m512d next = _mm512_div_pd(
          _mm512_div_pd(sumAbove, size),
          _mm512_add_pd(
              _mm512_mul_pd(noise, _mm512_div_pd(nonzeroBelow, size)),
              _mm512_div_pd(above, size)));
      ++updates;
      const __mmask8 converged = _mm512_cmp_pd_mask(
          _mm512_abs_pd(_mm512_sub_pd(next, s)), _mm512_mul_pd(tolerance, s),
          _CMP_LT_OQ);
      s = _mm512_mask_mov_pd(s, active, next);
      active &= __mmask8(~converged);
    }
    // min(f32(s), max|x|), as std::min(float(s), maxAbs).
    alignas(32) float rounded[8];
    _mm256_store_ps(rounded, _mm512_cvtpd_ps(s));
    for (int l = 0; l < lanes; ++l)
      alphas[v0 + l] = maxima[v0 + l] < rounded[l] ? maxima[v0 + l]
                                                   : rounded[l];
  }
}

//===----------------------------------------------------------------------===//
// Squared errors of candidate scales (lanes = candidates of one vector)
//===----------------------------------------------------------------------===//

/// 16 candidates of one vector: the fp32 scale each divides by and (two
/// level) the integer scale sq as a float. Plain floats, not __m512: code
/// outside the target attribute (std::vector's) sees __m512 with a smaller
/// alignment, so a struct holding one would have two layouts.
struct CandidateGroup {
  alignas(64) float scale[16];
  alignas(64) float integerScale[16];
};

/// The registers of one group.
struct GroupRegisters {
  __m512 scale, integerScale;
  __mmask16 nonzero;
};

VSQ_INLINE GroupRegisters load(const CandidateGroup &group) {
  GroupRegisters r;
  r.scale = _mm512_load_ps(group.scale);
  r.integerScale = _mm512_load_ps(group.integerScale);
  r.nonzero = _mm512_cmp_ps_mask(r.scale, _mm512_setzero_ps(), _CMP_NEQ_UQ);
  return r;
}

/// xhat of the quantized lanes: q * scale (single level) or
/// f32(q * sq) * gamma (two level).
template <bool TwoLevel>
VSQ_INLINE __m512 dequantizeLanes(__m512 q, const GroupRegisters &group,
                                  __m512 gamma) {
  if (TwoLevel)
    return _mm512_mul_ps(_mm512_mul_ps(q, group.integerScale), gamma);
  return _mm512_mul_ps(q, group.scale);
}

/// Adds (x - xhat)^2 in fp64 to the two halves of a 16-lane error.
VSQ_INLINE void accumulate(__m512d xd, __m512 xhat, __m512d &low,
                           __m512d &high) {
  __m512d dl = _mm512_sub_pd(xd, _mm512_cvtps_pd(_mm512_castps512_ps256(xhat)));
  __m512d dh =
      _mm512_sub_pd(xd, _mm512_cvtps_pd(_mm512_extractf32x8_ps(xhat, 1)));
  low = _mm512_add_pd(low, _mm512_mul_pd(dl, dl));
  high = _mm512_add_pd(high, _mm512_mul_pd(dh, dh));
}

/// errors[16 g + l] = sum over i of (x_i - xhat_i)^2 for candidate l of
/// group g, summed in element order from 0 (NG groups side by side).
template <Rounding Mode, bool TwoLevel, int NG>
VSQ_TARGET void candidateErrors(const float *x, int64_t n,
                                const CandidateGroup *groups, float gammaValue,
                                float qminValue, float qmaxValue,
                                double *errors) {
  const __m512 qmin = _mm512_set1_ps(qminValue),
               qmax = _mm512_set1_ps(qmaxValue),
               gamma = _mm512_set1_ps(gammaValue);
  GroupRegisters g[NG];
  __m512d low[NG], high[NG];
  for (int j = 0; j < NG; ++j) {
    g[j] = load(groups[j]);
    low[j] = _mm512_setzero_pd();
    high[j] = _mm512_setzero_pd();
  }
  for (int64_t i = 0; i < n; ++i) {
    const __m512 xs = _mm512_set1_ps(x[i]);
    const __m512d xd = _mm512_set1_pd(double(x[i]));
    for (int j = 0; j < NG; ++j) {
      __m512 q = quantizeLanes<Mode>(xs, g[j].scale, g[j].nonzero, qmin, qmax);
      accumulate(xd, dequantizeLanes<TwoLevel>(q, g[j], gamma), low[j],
                 high[j]);
    }
  }
  for (int j = 0; j < NG; ++j) {
    _mm512_storeu_pd(errors + 16 * j, low[j]);
    _mm512_storeu_pd(errors + 16 * j + 8, high[j]);
  }
}

/// The error term of one element of magnitude m (a lower bound of every
/// candidate's total, as an fp sum of terms >= 0 is >= each of them).
template <Rounding Mode, bool TwoLevel>
VSQ_TARGET void boundOf(float m, const CandidateGroup &group, float gammaValue,
                        float qminValue, float qmaxValue, double *bound) {
  CandidateGroup one = group;
  candidateErrors<Mode, TwoLevel, 1>(&m, 1, &one, gammaValue, qminValue,
                                     qmaxValue, bound);
}

/// candidateErrors for NV vectors side by side, one group each: group j
/// holds candidates of vector xs[j] (two level: under gammas[j]). NV
/// independent fp64 sums per element keep the adders busy where one
/// vector's 16-element chain would wait on each add's latency.
template <Rounding Mode, bool TwoLevel, int NV>
VSQ_TARGET void multiVectorErrors(const float *const *xs, int64_t n,
                                  const CandidateGroup *groups,
                                  const float *gammas, float qminValue,
                                  float qmaxValue, double *errors) {
  const __m512 qmin = _mm512_set1_ps(qminValue),
               qmax = _mm512_set1_ps(qmaxValue);
  GroupRegisters g[NV];
  __m512 gamma[NV];
  __m512d low[NV], high[NV];
  for (int j = 0; j < NV; ++j) {
    g[j] = load(groups[j]);
    gamma[j] = _mm512_set1_ps(gammas[j]);
    low[j] = _mm512_setzero_pd();
    high[j] = _mm512_setzero_pd();
  }
  for (int64_t i = 0; i < n; ++i)
    for (int j = 0; j < NV; ++j) {
      const float x = xs[j][i];
      __m512 q = quantizeLanes<Mode>(_mm512_set1_ps(x), g[j].scale,
                                     g[j].nonzero, qmin, qmax);
      accumulate(_mm512_set1_pd(double(x)),
                 dequantizeLanes<TwoLevel>(q, g[j], gamma[j]), low[j],
                 high[j]);
    }
  for (int j = 0; j < NV; ++j) {
    _mm512_storeu_pd(errors + 16 * j, low[j]);
    _mm512_storeu_pd(errors + 16 * j + 8, high[j]);
  }
}

template <Rounding Mode, bool TwoLevel>
VSQ_TARGET void multiVectorBatch(const float *const *xs, int64_t n,
                                 const CandidateGroup *groups, int count,
                                 const float *gammas, float qmin, float qmax,
                                 double *errors) {
  switch (count) {
  case 4:
    multiVectorErrors<Mode, TwoLevel, 4>(xs, n, groups, gammas, qmin, qmax,
                                         errors);
    break;
  case 3:
    multiVectorErrors<Mode, TwoLevel, 3>(xs, n, groups, gammas, qmin, qmax,
                                         errors);
    break;
  case 2:
    multiVectorErrors<Mode, TwoLevel, 2>(xs, n, groups, gammas, qmin, qmax,
                                         errors);
    break;
  default:
    multiVectorErrors<Mode, TwoLevel, 1>(xs, n, groups, gammas, qmin, qmax,
                                         errors);
    break;
  }
}

/// candidateErrors for 1 to 4 groups.
template <Rounding Mode, bool TwoLevel>
VSQ_TARGET void evaluateBatch(const float *x, int64_t n,
                              const CandidateGroup *batch, int count,
                              float gamma, float qmin, float qmax,
                              double *errors) {
  switch (count) {
  case 4:
    candidateErrors<Mode, TwoLevel, 4>(x, n, batch, gamma, qmin, qmax,
                                       errors);
    break;
  case 3:
    candidateErrors<Mode, TwoLevel, 3>(x, n, batch, gamma, qmin, qmax,
                                       errors);
    break;
  case 2:
    candidateErrors<Mode, TwoLevel, 2>(x, n, batch, gamma, qmin, qmax,
                                       errors);
    break;
  default:
    candidateErrors<Mode, TwoLevel, 1>(x, n, batch, gamma, qmin, qmax,
                                       errors);
    break;
  }
}

/// Evaluates the groups listed in `order` (indices into `groups`), first
/// `eager` of them unconditionally and the rest unless their bound (the
/// error of the largest element alone) exceeds the best error found so far
/// on every valid lane; errors of skipped lanes stay +inf. Lane l of group
/// j is valid when valid(j, l).
template <Rounding Mode, bool TwoLevel, typename Valid>
VSQ_TARGET void evaluateGroups(const float *x, int64_t n, float largest,
                               const CandidateGroup *groups,
                               const int64_t *order, int64_t numOrdered,
                               int64_t eager, float gamma, float qmin,
                               float qmax, double *errors, Valid valid) {
  constexpr int kBatch = 4;
  double best = std::numeric_limits<double>::infinity();
  int64_t next = 0;
  while (next < numOrdered) {
    CandidateGroup batch[kBatch];
    int64_t members[kBatch];
    int count = 0;
    while (count < kBatch && next < numOrdered) {
      int64_t j = order[next++];
      if (next > eager) {
        alignas(64) double bound[16];
        boundOf<Mode, TwoLevel>(largest, groups[j], gamma, qmin, qmax, bound);
        bool useful = false;
        for (int l = 0; l < 16; ++l)
          useful |= valid(j, l) && !(bound[l] > best);
        if (!useful)
          continue;
      }
      members[count] = j;
      batch[count++] = groups[j];
    }
    if (count == 0)
      break;
    alignas(64) double batchErrors[16 * kBatch];
    evaluateBatch<Mode, TwoLevel>(x, n, batch, count, gamma, qmin, qmax,
                                  batchErrors);
    for (int c = 0; c < count; ++c)
      for (int l = 0; l < 16; ++l) {
        if (!valid(members[c], l))
          continue;
        double e = batchErrors[16 * c + l];
        errors[16 * members[c] + l] = e;
        best = e < best ? e : best;
      }
  }
}

//===----------------------------------------------------------------------===//
// mse grid (SPEC.md section 4)
//===----------------------------------------------------------------------===//

/// Grid group j (k = G - 16 j - 15 + l in lane l) of a vector whose largest
/// magnitude is maxAbs: alpha_k = f32(max|x| * k / G) in double, rounded
/// once, and s_k = alpha_k / Q. Invalid lanes (k < 1) get k = 1: a valid
/// scale, result ignored.
VSQ_TARGET void setUpGridGroup(float maxAbs, int64_t gridPoints, float qmax,
                               int64_t j, CandidateGroup &group) {
  const __m512d maxd = _mm512_set1_pd(double(maxAbs)),
                grid = _mm512_set1_pd(double(gridPoints));
  const __m512d laneLow = _mm512_setr_pd(0, 1, 2, 3, 4, 5, 6, 7);
  const __m512d laneHigh = _mm512_setr_pd(8, 9, 10, 11, 12, 13, 14, 15);
  const double first = double(gridPoints - 16 * j - 15);
  __m512d kLow = _mm512_add_pd(_mm512_set1_pd(first), laneLow);
  __m512d kHigh = _mm512_add_pd(_mm512_set1_pd(first), laneHigh);
  kLow = _mm512_max_pd(kLow, _mm512_set1_pd(1.0));
  kHigh = _mm512_max_pd(kHigh, _mm512_set1_pd(1.0));
  __m256 aLow =
      _mm512_cvtpd_ps(_mm512_div_pd(_mm512_mul_pd(maxd, kLow), grid));
  __m256 aHigh =
      _mm512_cvtpd_ps(_mm512_div_pd(_mm512_mul_pd(maxd, kHigh), grid));
  __m512 alpha = _mm512_insertf32x8(_mm512_castps256_ps512(aLow), aHigh, 1);
  _mm512_store_ps(group.scale, _mm512_div_ps(alpha, _mm512_set1_ps(qmax)));
  _mm512_store_ps(group.integerScale, _mm512_setzero_ps());
}

/// quantizeToGrid and the error term of one element (scalar, the same
/// operations as a lane).
template <Rounding Mode> struct ScalarTerm {
  float q, xhat;
  double error;
};
template <Rounding Mode>
ScalarTerm<Mode> singleLevelTerm(float m, float scale, float qmin,
                                 float qmax) {
  float q = quantizeToGrid<Mode>(m, scale, qmin, qmax);
  float xhat = q * scale;
  double diff = double(m) - double(xhat);
  return {q, xhat, diff * diff};
}

/// Grid points k = 1..G in groups of 16 from the top: group j holds
/// k = G - 16 j - 15 + l in lane l (lanes with k < 1 are invalid). The top
/// group is evaluated first (for vectors of a few dozen elements the
/// optimum is nearly always there); then the groups below, each skipped
/// when the largest element's error alone exceeds the best total on all
/// its lanes. Once the largest element m is clipped (q = Q, xhat <= m) at
/// a group's top grid point with an error above the best, every lower grid
/// point clips it further (smaller alpha, smaller xhat): the walk stops.
template <Rounding Mode>
VSQ_TARGET float mseThresholdImpl(const float *x, int64_t n, float maxAbs,
                                  ElementFormat format, int64_t gridPoints,
                                  const double *topErrors = nullptr) {
  const float qmin = float(format.qmin()), qmax = float(format.qmax());
  const int64_t numGroups = (gridPoints + 15) / 16;
  constexpr int64_t kStackGroups = 16;
  CandidateGroup stackGroups[kStackGroups];
  alignas(64) double stackErrors[16 * kStackGroups];
  std::vector<CandidateGroup> heapGroups;
  std::vector<double> heapErrors;
  CandidateGroup *groups = stackGroups;
  double *errors = stackErrors;
  if (numGroups > kStackGroups) {
    heapGroups.resize(numGroups);
    heapErrors.resize(16 * numGroups);
    groups = heapGroups.data();
    errors = heapErrors.data();
  }

  auto setUp = [&](int64_t j) VSQ_TARGET {
    setUpGridGroup(maxAbs, gridPoints, qmax, j, groups[j]);
  };
  auto kOf = [gridPoints](int64_t j, int l) {
    return gridPoints - 16 * j - 15 + l;
  };
  auto valid = [&](int64_t j, int l) { return kOf(j, l) >= 1; };

  double best = std::numeric_limits<double>::infinity();
  // Groups evaluated, in increasing j (decreasing k).
  int64_t stackEvaluated[kStackGroups];
  std::vector<int64_t> heapEvaluated;
  int64_t *evaluated = stackEvaluated;
  if (numGroups > kStackGroups) {
    heapEvaluated.resize(numGroups);
    evaluated = heapEvaluated.data();
  }
  int64_t numEvaluated = 0;
  auto evaluate = [&](const int64_t *members, int count) VSQ_TARGET {
    for (int c = 0; c < count; ++c)
      evaluated[numEvaluated++] = members[c];
    CandidateGroup batch[4];
    for (int c = 0; c < count; ++c)
      batch[c] = groups[members[c]];
    alignas(64) double batchErrors[64];
    evaluateBatch<Mode, false>(x, n, batch, count, 0.0f, qmin, qmax,
                               batchErrors);
    for (int c = 0; c < count; ++c)
      for (int l = 0; l < 16; ++l)
        if (valid(members[c], l)) {
          double e = batchErrors[16 * c + l];
          errors[16 * members[c] + l] = e;
          best = e < best ? e : best;
        }
  };

  if (topErrors) { // The top group, evaluated beside other vectors.
    evaluated[numEvaluated++] = 0;
    for (int l = 0; l < 16; ++l)
      if (valid(0, l)) {
        errors[l] = topErrors[l];
        best = topErrors[l] < best ? topErrors[l] : best;
      }
  } else {
    setUp(0);
    const int64_t top = 0;
    evaluate(&top, 1);
  }
  for (int64_t j = 1; j < numGroups;) {
    int64_t members[4];
    int count = 0;
    for (; count < 4 && j < numGroups; ++j) {
      const int64_t k = gridPoints - 16 * j; // The group's top grid point.
      const float alpha =
          float(double(maxAbs) * double(k) / double(gridPoints));
      ScalarTerm<Mode> t = singleLevelTerm<Mode>(maxAbs, alpha / qmax, qmin,
                                                 qmax);
      if (t.error > best && t.q == qmax && t.xhat <= maxAbs) {
        j = numGroups; // This and every lower grid point lose.
        break;
      }
      setUp(j);
      alignas(64) double bound[16];
      boundOf<Mode, false>(maxAbs, groups[j], 0.0f, qmin, qmax, bound);
      bool useful = false;
      for (int l = 0; l < 16; ++l)
        useful |= valid(j, l) && !(bound[l] > best);
      if (useful)
        members[count++] = j;
    }
    if (count > 0)
      evaluate(members, count);
  }

  // Least error, ties to the smaller k: scan the evaluated grid points
  // upwards (groups by decreasing j, lanes by increasing l); the others
  // have larger errors than the best.
  double bestError = std::numeric_limits<double>::infinity();
  int64_t bestK = gridPoints;
  for (int64_t e = numEvaluated; e-- > 0;) {
    const int64_t j = evaluated[e];
    for (int l = 0; l < 16; ++l) {
      if (!valid(j, l))
        continue;
      double error = errors[16 * j + l];
      if (error < bestError) {
        bestError = error;
        bestK = kOf(j, l);
      }
    }
  }
  return float(double(maxAbs) * double(bestK) / double(gridPoints));
}

VSQ_TARGET float mseThresholdAvx512(const float *x, int64_t n, float maxAbs,
                                    ElementFormat format, int64_t gridPoints,
                                    Rounding rounding) {
  return rounding == Rounding::HalfToEven
             ? mseThresholdImpl<Rounding::HalfToEven>(x, n, maxAbs, format,
                                                      gridPoints)
             : mseThresholdImpl<Rounding::HalfAwayFromZero>(x, n, maxAbs,
                                                            format,
                                                            gridPoints);
}

//===----------------------------------------------------------------------===//
// Two-level integer scale search (SPEC.md section 3, exactScaleSearch)
//===----------------------------------------------------------------------===//

/// Every sq in 1..2^M-1, 16 per group (group j: sq = 16 j + 1 + l), the
/// default's group first and then outwards from it; least error wins, ties
/// to the default and then to the smaller sq.
template <Rounding Mode>
VSQ_TARGET uint16_t searchImpl(const float *x, int64_t n, float largest,
                               float gamma, uint16_t defaultScale,
                               unsigned scaleBits, ElementFormat format) {
  const float qmin = float(format.qmin()), qmax = float(format.qmax());
  const int64_t maxScale = (int64_t(1) << scaleBits) - 1;
  const int64_t numGroups = (maxScale + 15) / 16;
  constexpr int64_t kStackGroups = 16;
  CandidateGroup stackGroups[kStackGroups];
  alignas(64) double stackErrors[16 * kStackGroups];
  int64_t stackOrder[kStackGroups];
  std::vector<CandidateGroup> heapGroups;
  std::vector<double> heapErrors;
  std::vector<int64_t> heapOrder;
  CandidateGroup *groups = stackGroups;
  double *errors = stackErrors;
  int64_t *order = stackOrder;
  if (numGroups > kStackGroups) {
    heapGroups.resize(numGroups);
    heapErrors.resize(16 * numGroups);
    heapOrder.resize(numGroups);
    groups = heapGroups.data();
    errors = heapErrors.data();
    order = heapOrder.data();
  }

  const __m512 lanes = _mm512_setr_ps(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                                      13, 14, 15, 16);
  const __m512 gammas = _mm512_set1_ps(gamma);
  for (int64_t j = 0; j < numGroups; ++j) {
    // sq = 16 j + 1 + l is exact in fp32 (below 2^17).
    __m512 integerScale = _mm512_add_ps(_mm512_set1_ps(float(16 * j)), lanes);
    _mm512_store_ps(groups[j].integerScale, integerScale);
    _mm512_store_ps(groups[j].scale, _mm512_mul_ps(integerScale, gammas));
    for (int l = 0; l < 16; ++l)
      errors[16 * j + l] = std::numeric_limits<double>::infinity();
  }
  const int64_t home = (int64_t(defaultScale) - 1) / 16;
  int64_t numOrdered = 0;
  order[numOrdered++] = home;
  for (int64_t d = 1; numOrdered < numGroups; ++d) {
    if (home + d < numGroups)
      order[numOrdered++] = home + d;
    if (home - d >= 0)
      order[numOrdered++] = home - d;
  }
  evaluateGroups<Mode, true>(
      x, n, largest, groups, order, numGroups, /*eager=*/1, gamma, qmin, qmax,
      errors, [&](int64_t j, int l) { return 16 * j + 1 + l <= maxScale; });

  uint16_t best = defaultScale;
  double bestError = errors[defaultScale - 1];
  for (int64_t sq = 1; sq <= maxScale; ++sq) {
    double e = errors[sq - 1];
    if (e < bestError) {
      bestError = e;
      best = uint16_t(sq);
    }
  }
  return best;
}

VSQ_TARGET uint16_t searchIntegerScaleAvx512(const float *x, int64_t n,
                                             float largest, float gamma,
                                             uint16_t defaultScale,
                                             unsigned scaleBits,
                                             ElementFormat format,
                                             Rounding rounding) {
  return rounding == Rounding::HalfToEven
             ? searchImpl<Rounding::HalfToEven>(x, n, largest, gamma,
                                                defaultScale, scaleBits,
                                                format)
             : searchImpl<Rounding::HalfAwayFromZero>(
                   x, n, largest, gamma, defaultScale, scaleBits, format);
}

/// mseThreshold for `count` contiguous vectors of vectorSize elements: the
/// top groups of four vectors at a time side by side, then each vector's
/// walk down on its own.
template <Rounding Mode>
VSQ_TARGET void mseThresholdsImpl(const float *x, int64_t count,
                                  int64_t vectorSize, const float *maxima,
                                  ElementFormat format, int64_t gridPoints,
                                  float *alphas) {
  const float qmin = float(format.qmin()), qmax = float(format.qmax());
  for (int64_t v0 = 0; v0 < count; v0 += 4) {
    const int nv = count - v0 < 4 ? int(count - v0) : 4;
    CandidateGroup tops[4];
    const float *xs[4];
    const float gammas[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int l = 0; l < nv; ++l) {
      xs[l] = x + (v0 + l) * vectorSize;
      setUpGridGroup(maxima[v0 + l], gridPoints, qmax, 0, tops[l]);
    }
    alignas(64) double errors[64];
    multiVectorBatch<Mode, false>(xs, vectorSize, tops, nv, gammas, qmin,
                                  qmax, errors);
    for (int l = 0; l < nv; ++l)
      alphas[v0 + l] =
          maxima[v0 + l] == 0.0f
              ? 0.0f
              : mseThresholdImpl<Mode>(xs[l], vectorSize, maxima[v0 + l],
                                       format, gridPoints, errors + 16 * l);
  }
}

VSQ_TARGET void mseThresholdsAvx512(const float *x, int64_t count,
                                    int64_t vectorSize, const float *maxima,
                                    ElementFormat format, int64_t gridPoints,
                                    Rounding rounding, float *alphas) {
  if (rounding == Rounding::HalfToEven)
    mseThresholdsImpl<Rounding::HalfToEven>(x, count, vectorSize, maxima,
                                            format, gridPoints, alphas);
  else
    mseThresholdsImpl<Rounding::HalfAwayFromZero>(
        x, count, vectorSize, maxima, format, gridPoints, alphas);
}

/// searchIntegerScale for `count` contiguous vectors of vectorSize elements
/// (sq stays 0 where the default is 0). With at most 4 scale bits all 15
/// candidates fit one group: four vectors side by side, then each picks as
/// searchImpl does; wider scales search vector by vector.
template <Rounding Mode>
VSQ_TARGET void searchIntegerScalesImpl(
    const float *x, int64_t count, int64_t vectorSize, const float *maxima,
    const float *gammas, const uint16_t *defaults, unsigned scaleBits,
    ElementFormat format, uint16_t *integerScales) {
  if (scaleBits > 4) {
    for (int64_t v = 0; v < count; ++v)
      integerScales[v] =
          defaults[v] == 0
              ? 0
              : searchImpl<Mode>(x + v * vectorSize, vectorSize, maxima[v],
                                 gammas[v], defaults[v], scaleBits, format);
    return;
  }
  const float qmin = float(format.qmin()), qmax = float(format.qmax());
  const int64_t maxScale = (int64_t(1) << scaleBits) - 1;
  const __m512 lanes = _mm512_setr_ps(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                                      13, 14, 15, 16);
  for (int64_t v0 = 0; v0 < count;) {
    // The next (up to) four vectors with a nonzero default.
    int64_t members[4];
    int nv = 0;
    for (; v0 < count && nv < 4; ++v0) {
      if (defaults[v0] == 0)
        integerScales[v0] = 0;
      else
        members[nv++] = v0;
    }
    if (nv == 0)
      break;
    CandidateGroup groups[4];
    const float *xs[4];
    float memberGammas[4];
    for (int l = 0; l < nv; ++l) {
      const int64_t v = members[l];
      xs[l] = x + v * vectorSize;
      memberGammas[l] = gammas[v];
      _mm512_store_ps(groups[l].integerScale, lanes);
      _mm512_store_ps(groups[l].scale,
                      _mm512_mul_ps(lanes, _mm512_set1_ps(gammas[v])));
    }
    alignas(64) double errors[64];
    multiVectorBatch<Mode, true>(xs, vectorSize, groups, nv, memberGammas,
                                 qmin, qmax, errors);
    for (int l = 0; l < nv; ++l) {
      const int64_t v = members[l];
      const double *e = errors + 16 * l;
      uint16_t best = defaults[v];
      double bestError = e[best - 1];
      for (int64_t sq = 1; sq <= maxScale; ++sq)
        if (e[sq - 1] < bestError) {
          bestError = e[sq - 1];
          best = uint16_t(sq);
        }
      integerScales[v] = best;
    }
  }
}

VSQ_TARGET void searchIntegerScalesAvx512(
    const float *x, int64_t count, int64_t vectorSize, const float *maxima,
    const float *gammas, const uint16_t *defaults, unsigned scaleBits,
    ElementFormat format, Rounding rounding, uint16_t *integerScales) {
  if (rounding == Rounding::HalfToEven)
    searchIntegerScalesImpl<Rounding::HalfToEven>(
        x, count, vectorSize, maxima, gammas, defaults, scaleBits, format,
        integerScales);
  else
    searchIntegerScalesImpl<Rounding::HalfAwayFromZero>(
        x, count, vectorSize, maxima, gammas, defaults, scaleBits, format,
        integerScales);
}

const Kernels kAvx512 = {
    runMaximaAvx512,           rowsMaxIntoAvx512,
    quantizeVectorsAvx512,     quantizeScaledAvx512,
    divideAvx512,              twoLevelScalesAvx512,
    octavThresholdsAvx512,     mseThresholdAvx512,
    mseThresholdsAvx512,       searchIntegerScaleAvx512,
    searchIntegerScalesAvx512,
};

} // namespace

const Kernels *vsquant::quant::detail::avx512Kernels() { return &kAvx512; }

#else

const Kernels *vsquant::quant::detail::avx512Kernels() { return nullptr; }

#endif
