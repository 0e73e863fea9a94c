//===- VSQuantPlugin.cpp - mlir-opt plugin entry points ---------*- C++ -*-===//

#include "vsquant/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"

extern "C" LLVM_ATTRIBUTE_WEAK ::mlir::DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "VSQuant", LLVM_VERSION_STRING,
          [](mlir::DialectRegistry *registry) {
            vsquant::registerAllDialects(*registry);
          }};
}

extern "C" LLVM_ATTRIBUTE_WEAK ::mlir::PassPluginLibraryInfo
mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "VSQuantPasses", LLVM_VERSION_STRING,
          []() { vsquant::registerAllPasses(); }};
}
