//===- Passes.h - vsquant conversion passes ---------------------*- C++ -*-===//

#ifndef VSQUANT_CONVERSION_PASSES_H
#define VSQUANT_CONVERSION_PASSES_H

#include "vsquant/Conversion/VSQuantToLinalg/VSQuantToLinalg.h"

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace vsquant {

#define GEN_PASS_DECL
#include "vsquant/Conversion/Passes.h.inc"

/// bufferization and lowering of linalg on tensors to the LLVM dialect, the
/// tail every vsquant CPU pipeline (and the calibration JIT) shares.
void buildLinalgToLLVMPipeline(OpPassManager &pm);

/// Registers `vsquant-cpu-pipeline`.
void registerVSQuantConversionPipelines();

#define GEN_PASS_REGISTRATION
#include "vsquant/Conversion/Passes.h.inc"

} // namespace vsquant
} // namespace mlir

#endif // VSQUANT_CONVERSION_PASSES_H
