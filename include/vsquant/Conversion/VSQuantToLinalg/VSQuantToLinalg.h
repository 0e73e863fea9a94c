//===- VSQuantToLinalg.h - vsquant to linalg patterns -----------*- C++ -*-===//

#ifndef VSQUANT_CONVERSION_VSQUANTTOLINALG_VSQUANTTOLINALG_H
#define VSQUANT_CONVERSION_VSQUANTTOLINALG_VSQUANTTOLINALG_H

#include "vsquant/Dialect/VSQuant/IR/VSQuant.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/DialectConversion.h"

#include <functional>

namespace mlir {
namespace vsquant {

/// !vsquant.tensor -> (values, scales[, coarse]) plain tensors; other types
/// unchanged.
void populateVSQuantTypeConversion(TypeConverter &converter);

/// The window of a conv2d seen as a contraction: output pixels (n, oh, ow)
/// are its rows, the taps (kh, kw) times the channel vectors its reduction,
/// in that order (SPEC.md section 5).
struct ConvolutionWindow {
  ArrayRef<int64_t> strides, dilations;
  /// Zero rows / columns added at top, left, bottom, right.
  ArrayRef<int64_t> padding;
};

/// The operands of a matmul / batch_matmul / conv2d after type conversion:
/// each quantized operand as its plain (values, scales[, coarse]) tensors.
/// For a conv2d, lhs is the NHWC input and rhs the HWCF filter.
struct ContractionOperands {
  QTensorType lhsType, rhsType;
  ValueRange lhs, rhs;
  /// The fp32 result shape Y = A * B (before bias, relu, re-quantization).
  RankedTensorType resultType;
  bool hasBatch = false;
  std::optional<ConvolutionWindow> conv = std::nullopt;
};

/// A faster way to compute the core Y = A * B of a contraction with the same
/// bit-exact result as the reference lowering. Returns a null Value, before
/// creating any op, when it does not handle these operands; the reference
/// lowering is used then. Bias, relu and re-quantization stay shared.
using ContractionKernel =
    std::function<Value(OpBuilder &, Location, const ContractionOperands &)>;

/// `t` zero-padded by `low` / `high` elements per dimension (`t` itself when
/// both are all zero): the padding of values and scale grids both lowerings
/// share (vectors made whole, a convolution's border).
Value padWithZeros(OpBuilder &b, Location loc, Value t, ArrayRef<int64_t> low,
                   ArrayRef<int64_t> high);

/// The reference lowering of vsquant ops (SPEC.md's exact semantics);
/// contractions go through `kernel` first when one is given.
void populateVSQuantToLinalgConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns,
    ContractionKernel kernel = {});

/// Converts every vsquant op and type in `module` (partial conversion: ops
/// without vsquant types are left alone), with an optional contraction
/// kernel. Emits diagnostics and fails on what cannot be lowered.
LogicalResult lowerVSQuantOps(ModuleOp module, ContractionKernel kernel = {});

} // namespace vsquant
} // namespace mlir

#endif // VSQUANT_CONVERSION_VSQUANTTOLINALG_VSQUANTTOLINALG_H
