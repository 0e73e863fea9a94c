//===- StridedCopies.h - memref.copy of non-contiguous buffers as loops ---===//

#ifndef VSQUANT_CONVERSION_VSQUANTTOVECTOR_STRIDEDCOPIES_H
#define VSQUANT_CONVERSION_VSQUANTTOVECTOR_STRIDEDCOPIES_H

namespace mlir {
class RewritePatternSet;
namespace vsquant {

/// memref.copy whose source or target is not one contiguous row-major run
/// (a slice of a concat's result, a pad's interior) -> linalg.copy, which
/// convert-linalg-to-loops turns into loops LLVM vectorizes, instead of the
/// element-by-element `memrefCopy` library call finalize-memref-to-llvm
/// emits for such copies. Contiguous copies are left to become memcpy.
void populateStridedCopyToLinalgPatterns(RewritePatternSet &patterns);

} // namespace vsquant
} // namespace mlir

#endif // VSQUANT_CONVERSION_VSQUANTTOVECTOR_STRIDEDCOPIES_H
