//===- InitAll.cpp - Register everything vsquant provides -------*- C++ -*-===//

#include "vsquant/InitAll.h"

#include "vsquant/Conversion/Passes.h"
#include "vsquant/Dialect/VSQAccel/IR/VSQAccel.h"
#include "vsquant/Dialect/VSQuant/IR/VSQuant.h"
#include "vsquant/Dialect/VSQuant/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"

void vsquant::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<mlir::vsquant::VSQuantDialect>();
  registry.insert<mlir::vsqaccel::VSQAccelDialect>();
}

void vsquant::registerAllPasses() {
  mlir::vsquant::registerVSQuantPasses();
  mlir::vsquant::registerVSQuantPipelines();
  mlir::vsquant::registerVSQuantConversionPasses();
  mlir::vsquant::registerVSQuantConversionPipelines();
}
