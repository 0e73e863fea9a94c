//===- StridedCopies.h - memref.copy of non-contiguous buffers as loops ---===//

#ifndef VSQUANT_CONVERSION_VSQUANTTOVECTOR_STRIDEDCOPIES_H
#define VSQUANT_CONVERSION_VSQUANTTOVECTOR_STRIDEDCOPIES_H

namespace mlir {
class RewritePatternSet;
namespace vsquant {

/// memref.copy whose source or target is not one contiguous row-major run
/// (a slice of a concat's result, a pad's interior) -> an elementwise
/// linalg.generic on the buffers, which vsquant-vectorize-elementwise
/// vectorizes, instead of the element-by-element `memrefCopy` library call
/// finalize-memref-to-llvm emits for such copies. Contiguous and unranked
/// copies are left as they are.
void populateStridedCopyToLinalgPatterns(RewritePatternSet &patterns);

} // namespace vsquant
} // namespace mlir

#endif // VSQUANT_CONVERSION_VSQUANTTOVECTOR_STRIDEDCOPIES_H
