//===- Passes.h - vsquant dialect passes ------------------------*- C++ -*-===//

#ifndef VSQUANT_DIALECT_VSQUANT_TRANSFORMS_PASSES_H
#define VSQUANT_DIALECT_VSQUANT_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"
#include "vsquant/Quant/Storage.h"

namespace mlir {
namespace vsquant {
class QTensorType;

#define GEN_PASS_DECL
#include "vsquant/Dialect/VSQuant/Transforms/Passes.h.inc"

/// Storage of a quantized tensor type in bits (requires a static shape).
::vsquant::quant::StorageBreakdown getStorage(QTensorType type);

/// Registers the vsquant pass pipelines (`vsquant-inspect-pipeline`).
void registerVSQuantPipelines();

#define GEN_PASS_REGISTRATION
#include "vsquant/Dialect/VSQuant/Transforms/Passes.h.inc"

} // namespace vsquant
} // namespace mlir

#endif // VSQUANT_DIALECT_VSQUANT_TRANSFORMS_PASSES_H
