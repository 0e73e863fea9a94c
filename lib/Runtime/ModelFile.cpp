//===- ModelFile.cpp - Load a model for the vsquant tools -----------------===//

#include "vsquant/Runtime/ModelFile.h"
#include "vsquant/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

std::unique_ptr<MLIRContext> vsquant::runtime::createModelContext() {
  DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  vsquant::registerAllDialects(registry);
  auto context = std::make_unique<MLIRContext>(registry);
  context->loadAllAvailableDialects();
  return context;
}

llvm::Expected<OwningOpRef<ModuleOp>>
vsquant::runtime::parseModelFile(llvm::StringRef path,
                                 llvm::SourceMgr &sourceMgr,
                                 MLIRContext *context) {
  std::string message;
  std::unique_ptr<llvm::MemoryBuffer> file = openInputFile(path, &message);
  if (!file)
    return llvm::createStringError(message);
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(sourceMgr, context);
  if (!module)
    return llvm::createStringError("cannot parse '" + path.str() + "'");
  return module;
}

llvm::Error vsquant::runtime::runQuantizePass(ModuleOp module,
                                              llvm::StringRef options) {
  auto pm = PassManager::on<ModuleOp>(module.getContext());
  std::string errors;
  llvm::raw_string_ostream os(errors);
  if (failed(parsePassPipeline(("vsquant-quantize{" + options + "}").str(), pm,
                               os)))
    return llvm::createStringError("bad --quantize options: '" + options.str() +
                                   "'" + (errors.empty() ? "" : ": ") +
                                   llvm::StringRef(errors).trim().str());
  if (failed(pm.run(module)))
    return llvm::createStringError(
        "vsquant-quantize failed (see the diagnostics above)");
  return llvm::Error::success();
}
