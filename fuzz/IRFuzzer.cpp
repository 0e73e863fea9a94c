//===- IRFuzzer.cpp - libFuzzer target for vsquant IR -----------*- C++ -*-===//
//
// Parses arbitrary bytes as MLIR with the vsquant dialect and the upstream
// dialects vsquant IR uses (func, arith, tensor, linalg), verifies it, and
// runs vsquant-storage-report on what verifies. Bad IR must give
// diagnostics, never a crash.
//
// Only these dialects are registered: crashes in upstream parsers of dialects
// vsquant does not use are not ours to find here.
//
//===----------------------------------------------------------------------===//

#include "vsquant/Dialect/VSQuant/IR/VSQuant.h"
#include "vsquant/Dialect/VSQuant/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <cstddef>
#include <cstdint>
#include <string>

using namespace mlir;

static DialectRegistry makeRegistry() {
  DialectRegistry registry;
  registry.insert<arith::ArithDialect, func::FuncDialect,
                  linalg::LinalgDialect, tensor::TensorDialect,
                  mlir::vsquant::VSQuantDialect>();
  return registry;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // One context per input: nothing one input interns (types, attributes,
  // unregistered names) can change how the next input behaves, so every
  // crash reproduces from its input file alone.
  static DialectRegistry registry = makeRegistry();
  MLIRContext context(registry, MLIRContext::Threading::DISABLED);
  context.loadAllAvailableDialects();
  // Diagnostics (errors and the report's remarks) are expected; drop them.
  ScopedDiagnosticHandler quiet(&context, [](Diagnostic &) { return success(); });

  // The MLIR lexer reads up to a terminating NUL, which libFuzzer's buffer
  // lacks; std::string provides one.
  std::string source(reinterpret_cast<const char *>(data), size);
  // Bytecode goes to upstream's bytecode reader, which vsquant does not own;
  // this target is about textual IR.
  if (llvm::StringRef(source).starts_with("ML\xefR"))
    return 0;
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(source, ParserConfig(&context));
  if (!module || failed(verify(*module)))
    return 0;

  PassManager pm(&context);
  pm.addPass(mlir::vsquant::createVSQuantStorageReport());
  (void)pm.run(*module);
  return 0;
}
