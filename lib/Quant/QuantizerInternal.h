//===- QuantizerInternal.h - Inline kernels of the numerics -----*- C++ -*-===//
//
// Private to lib/Quant: the scalar kernels that the calibration search and
// the tensor quantizer share. They are inline so that the inner loops over a
// vector's elements stay free of calls and can be vectorised.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_LIB_QUANT_QUANTIZERINTERNAL_H
#define VSQUANT_LIB_QUANT_QUANTIZERINTERNAL_H

#include "vsquant/Quant/Quantizer.h"

#include <cmath>

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

} // namespace detail
} // namespace quant
} // namespace vsquant

#endif // VSQUANT_LIB_QUANT_QUANTIZERINTERNAL_H
