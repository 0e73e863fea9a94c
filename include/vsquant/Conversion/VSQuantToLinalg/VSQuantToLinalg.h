//===- VSQuantToLinalg.h - vsquant to linalg patterns -----------*- C++ -*-===//

#ifndef VSQUANT_CONVERSION_VSQUANTTOLINALG_VSQUANTTOLINALG_H
#define VSQUANT_CONVERSION_VSQUANTTOLINALG_VSQUANTTOLINALG_H

#include "mlir/Transforms/DialectConversion.h"

namespace mlir {
namespace vsquant {

/// !vsquant.tensor -> (values, scales[, coarse]) plain tensors; other types
/// unchanged.
void populateVSQuantTypeConversion(TypeConverter &converter);

/// The reference lowering of vsquant ops (SPEC.md's exact semantics).
void populateVSQuantToLinalgConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns);

} // namespace vsquant
} // namespace mlir

#endif // VSQUANT_CONVERSION_VSQUANTTOLINALG_VSQUANTTOLINALG_H
