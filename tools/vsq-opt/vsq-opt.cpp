//===- vsq-opt.cpp - vsquant optimizer driver -------------------*- C++ -*-===//
//
// mlir-opt with the vsquant dialect, passes and pipelines, plus the upstream
// dialects and passes a user pipeline needs.
//
//===----------------------------------------------------------------------===//

#include "vsquant/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  vsquant::registerAllPasses();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  vsquant::registerAllDialects(registry);

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "vsquant optimizer driver\n", registry));
}
