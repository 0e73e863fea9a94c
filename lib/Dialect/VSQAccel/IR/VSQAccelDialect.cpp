//===- VSQAccelDialect.cpp - vsqaccel dialect -------------------*- C++ -*-===//

#include "vsquant/Dialect/VSQAccel/IR/VSQAccel.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::vsqaccel;

#include "vsquant/Dialect/VSQAccel/IR/VSQAccelEnums.cpp.inc"
#include "vsquant/Dialect/VSQAccel/IR/VSQAccelOpsDialect.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "vsquant/Dialect/VSQAccel/IR/VSQAccelOpsTypes.cpp.inc"

void VSQAccelDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "vsquant/Dialect/VSQAccel/IR/VSQAccelOpsTypes.cpp.inc"
      >();
}

void VSQAccelDialect::initialize() {
  registerTypes();
  addOperations<
#define GET_OP_LIST
#include "vsquant/Dialect/VSQAccel/IR/VSQAccelOps.cpp.inc"
      >();
}
