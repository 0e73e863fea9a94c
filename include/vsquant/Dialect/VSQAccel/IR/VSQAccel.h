//===- VSQAccel.h - vsqaccel dialect ----------------------------*- C++ -*-===//
//
// Include this header to use the vsqaccel dialect (the accelerator's
// instructions), its types and operations.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_DIALECT_VSQACCEL_IR_VSQACCEL_H
#define VSQUANT_DIALECT_VSQACCEL_IR_VSQACCEL_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"

#include "vsquant/Dialect/VSQAccel/IR/VSQAccelEnums.h.inc"

#define GET_TYPEDEF_CLASSES
#include "vsquant/Dialect/VSQAccel/IR/VSQAccelOpsTypes.h.inc"

#include "vsquant/Dialect/VSQAccel/IR/VSQAccelOpsDialect.h.inc"

#define GET_OP_CLASSES
#include "vsquant/Dialect/VSQAccel/IR/VSQAccelOps.h.inc"

#endif // VSQUANT_DIALECT_VSQACCEL_IR_VSQACCEL_H
