//===- DotToLLVM.h - vsquant.dot_accumulate to instructions -----*- C++ -*-===//

#ifndef VSQUANT_CONVERSION_VSQUANTTOLLVM_DOTTOLLVM_H
#define VSQUANT_CONVERSION_VSQUANTTOLLVM_DOTTOLLVM_H

#include "vsquant/Conversion/VSQuantToVector/TileVectors.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace vsquant {

/// vsquant.dot_accumulate -> the int8 dot-product instruction of `isa`
/// (`llvm.call_intrinsic`) where it applies, portable vector arithmetic
/// otherwise.
void populateVSQuantDotToLLVMPatterns(RewritePatternSet &patterns,
                                      DotProductISA isa);

} // namespace vsquant
} // namespace mlir

#endif // VSQUANT_CONVERSION_VSQUANTTOLLVM_DOTTOLLVM_H
