//===- StridedCopies.cpp - memref.copy of non-contiguous buffers as loops -===//
//
// Bufferization turns a concat, a pad or an insert into a slice into
// memref.copy into a strided subview. finalize-memref-to-llvm lowers such a
// copy (anything but one contiguous row-major run) to a call to the C
// runner utils' `memrefCopy`, a generic loop that recomputes every
// element's address from the descriptor's sizes and strides (a conv2d
// layer's padded input copied that way made the layer about twice as slow:
// docs/Benchmarks.md). As an elementwise linalg.generic the same copy is
// vectorized by vsquant-vectorize-elementwise; the copied values are the
// same.
//
//===----------------------------------------------------------------------===//

#include "vsquant/Conversion/Passes.h"
#include "vsquant/Conversion/VSQuantToVector/StridedCopies.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace vsquant {
#define GEN_PASS_DEF_VSQUANTSTRIDEDCOPIESTOLOOPS
#include "vsquant/Conversion/Passes.h.inc"
} // namespace vsquant
} // namespace mlir

using namespace mlir;

namespace {

struct StridedCopyToLinalg : OpRewritePattern<memref::CopyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(memref::CopyOp copy,
                                PatternRewriter &rewriter) const override {
    auto source = dyn_cast<MemRefType>(copy.getSource().getType());
    auto target = dyn_cast<MemRefType>(copy.getTarget().getType());
    // Ranked memrefs only; contiguous ones become a memcpy already.
    if (!source || !target ||
        (memref::isStaticShapeAndContiguousRowMajor(source) &&
         memref::isStaticShapeAndContiguousRowMajor(target)))
      return rewriter.notifyMatchFailure(copy, "contiguous or unranked");
    // A generic rather than linalg.copy: vsquant-vectorize-elementwise
    // takes it (on buffers as on tensors).
    unsigned rank = source.getRank();
    AffineMap identity =
        AffineMap::getMultiDimIdentityMap(rank, rewriter.getContext());
    rewriter.replaceOpWithNewOp<linalg::GenericOp>(
        copy, TypeRange{}, ValueRange{copy.getSource()},
        ValueRange{copy.getTarget()},
        ArrayRef<AffineMap>{identity, identity},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [](OpBuilder &b, Location loc, ValueRange args) {
          linalg::YieldOp::create(b, loc, args[0]);
        });
    return success();
  }
};

struct StridedCopiesToLoopsPass
    : mlir::vsquant::impl::VSQuantStridedCopiesToLoopsBase<
          StridedCopiesToLoopsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    mlir::vsquant::populateStridedCopyToLinalgPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

void mlir::vsquant::populateStridedCopyToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<StridedCopyToLinalg>(patterns.getContext());
}
