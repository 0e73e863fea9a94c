//===- OutlineLoopNests.h - one function per top-level loop nest -*- C++ -*-===//

#ifndef VSQUANT_CONVERSION_VSQUANTTOLLVM_OUTLINELOOPNESTS_H
#define VSQUANT_CONVERSION_VSQUANTTOLLVM_OUTLINELOOPNESTS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir {
namespace vsquant {

/// Moves every top-level op with regions (a loop nest) of `function`'s body
/// into a function of its own, `<name>_nest<i>`, called in its place, when
/// the body holds at least `minNests` of them. Constants and
/// memref.get_global ops the nest uses are cloned into the new function
/// (loop bounds stay constants for LLVM); other values it uses become
/// arguments. The new functions are private, with internal linkage and
/// LLVM's `noinline` (passthrough) attribute, and are inserted into
/// `symbols` (renamed on a clash). Returns the number outlined.
unsigned outlineLoopNests(func::FuncOp function, SymbolTable &symbols,
                          unsigned minNests = 2);

} // namespace vsquant
} // namespace mlir

#endif // VSQUANT_CONVERSION_VSQUANTTOLLVM_OUTLINELOOPNESTS_H
