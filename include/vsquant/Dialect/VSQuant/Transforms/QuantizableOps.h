//===- QuantizableOps.h - Which linalg ops vsquant quantizes ----*- C++ -*-===//
//
// One answer, shared by vsquant-quantize and the calibration driver, to
// "which ops get quantized, and which of their operands is the activation":
// calibration must observe exactly the tensors the quantizer will look up.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_DIALECT_VSQUANT_TRANSFORMS_QUANTIZABLEOPS_H
#define VSQUANT_DIALECT_VSQUANT_TRANSFORMS_QUANTIZABLEOPS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>
#include <string>

namespace mlir {
namespace vsquant {

/// The convolution forms vsquant rewrites.
enum class ConvForm {
  NhwcHwcf,
  NhwcFhwc, // what tosa-to-linalg produces from tosa.conv2d
  NchwFchw,
  DepthwiseNhwcHwc,
  DepthwiseNchwChw
};

struct ConvMatch {
  ConvForm form;
  SmallVector<int64_t> strides, dilations;
};

/// A supported convolution: the named op, or a linalg.generic upstream's
/// convolution matcher identifies as one.
std::optional<ConvMatch> matchSupportedConv(linalg::LinalgOp op);

/// The activation operand of an op vsquant-quantize would rewrite.
struct ActivationSite {
  linalg::LinalgOp op;
  /// DPS input index of the activation.
  unsigned operandIndex = 0;
  /// Axis of the activation's vectors (its reduction axis; C of a conv).
  int64_t vectorAxis = 0;
  /// The name calibration tables use: the op's location.
  std::string name;
};

/// The activation of `op` when it is a supported contraction or convolution
/// on static f32 tensors with a constant weight; nullopt otherwise.
std::optional<ActivationSite> getActivationSite(linalg::LinalgOp op);

/// The value of a constant weight (arith.constant, tosa.const or any other
/// constant-like op), or null.
Attribute getWeightConstant(Value value);

/// The name of the activation of `op` in calibration tables.
std::string activationName(Operation *op);

} // namespace vsquant
} // namespace mlir

#endif // VSQUANT_DIALECT_VSQUANT_TRANSFORMS_QUANTIZABLEOPS_H
