//===- ModelFile.h - Load a model for the vsquant tools ---------*- C++ -*-===//
//
// What vsq-calibrate, vsq-eval and vsq-compile share: a context with every
// dialect a model may use, parsing a model file, running vsquant-quantize
// with textual options.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_RUNTIME_MODELFILE_H
#define VSQUANT_RUNTIME_MODELFILE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/SourceMgr.h"

#include <memory>

namespace vsquant {
namespace runtime {

/// A context with upstream's dialects and extensions and vsquant's, loaded.
std::unique_ptr<mlir::MLIRContext> createModelContext();

/// Parses `path` into `sourceMgr` (whose diagnostic handler the caller
/// owns, so that later diagnostics point into the file too).
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
parseModelFile(llvm::StringRef path, llvm::SourceMgr &sourceMgr,
               mlir::MLIRContext *context);

/// Runs `vsquant-quantize{options}` on `module` (passes must be
/// registered: vsquant::registerAllPasses).
llvm::Error runQuantizePass(mlir::ModuleOp module, llvm::StringRef options);

} // namespace runtime
} // namespace vsquant

#endif // VSQUANT_RUNTIME_MODELFILE_H
