//===- Dual.h - Dual quantization of hard layers ----------------*- C++ -*-===//
//
// Choukroun et al. 2019, section 3.5 / Algorithm 1 with n = 2: a tensor that
// one quantized tensor approximates badly is approximated by the sum of two,
// found by alternating optimisation: each is the quantization (with the
// tensor's own format and calibration method) of the residual the other
// leaves.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_QUANT_DUAL_H
#define VSQUANT_QUANT_DUAL_H

#include "vsquant/Quant/Quantizer.h"

namespace vsquant {
namespace quant {

struct DualOptions {
  /// Alternating rounds after the initial pass (Algorithm 1's while loop).
  int maxIterations = 8;
  /// Stop when a round lowers the squared error by less than this fraction.
  double tolerance = 1e-4;
};

struct DualQuantizedTensor {
  QuantizedTensor first, second;
  /// Sum of squared errors of first alone (the single-tensor result) and of
  /// first + second.
  double singleError = 0, dualError = 0;
  int iterations = 0;
};

/// Mean squared error of quantizing `data` once in `format` (the "key layer"
/// criterion of the paper: a layer is dual-quantized when this exceeds tau).
llvm::Expected<double> quantizationMSE(llvm::ArrayRef<float> data,
                                       llvm::ArrayRef<int64_t> shape,
                                       const TensorFormat &format,
                                       const CalibrationOptions &options,
                                       llvm::ThreadPoolInterface *pool = nullptr);

/// data ~ dequant(first) + dequant(second), both in `format`. Never worse
/// than the single tensor: the best pair seen is returned.
llvm::Expected<DualQuantizedTensor>
quantizeTensorDual(llvm::ArrayRef<float> data, llvm::ArrayRef<int64_t> shape,
                   const TensorFormat &format,
                   const CalibrationOptions &options,
                   const DualOptions &dual = {},
                   llvm::ThreadPoolInterface *pool = nullptr);

} // namespace quant
} // namespace vsquant

#endif // VSQUANT_QUANT_DUAL_H
