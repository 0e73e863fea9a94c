//===- VSQuant.h - vsquant dialect ------------------------------*- C++ -*-===//
//
// Include this header to use the vsquant dialect, its attributes, types and
// operations.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_DIALECT_VSQUANT_IR_VSQUANT_H
#define VSQUANT_DIALECT_VSQUANT_IR_VSQUANT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "vsquant/Dialect/VSQuant/IR/VSQuantEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "vsquant/Dialect/VSQuant/IR/VSQuantAttrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "vsquant/Dialect/VSQuant/IR/VSQuantOpsTypes.h.inc"

#include "vsquant/Dialect/VSQuant/IR/VSQuantOpsDialect.h.inc"

#define GET_OP_CLASSES
#include "vsquant/Dialect/VSQuant/IR/VSQuantOps.h.inc"

#endif // VSQUANT_DIALECT_VSQUANT_IR_VSQUANT_H
