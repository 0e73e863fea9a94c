//===- VectorizeElementwise.cpp - vectorize the ops around the kernels ----===//
//
// What is left around the contraction kernels after lowering vsquant (the
// quantization of activations, padding, the packing of run-time weights,
// bias, dequantization) and the float layers' elementwise ops are
// linalg.generic ops. Lowered to scalar loops, they are left to LLVM's loop
// vectorizer, which fully unrolls short innermost loops (a vector of 16)
// and then vectorizes the next loop out with gathers and byte scatters:
// quantizing an activation took several times longer than the int8 matmul
// that consumes it. This pass tiles such ops to their innermost dimensions
// and vectorizes each tile with upstream's linalg vectorizer, so they become
// contiguous SIMD loads, arithmetic and stores.
//
// Only what keeps results bit-identical is vectorized: elementwise ops and
// reductions whose combiner does not depend on the order (max / min, integer
// add / or / and). Float sums keep their loops (their order is part of
// SPEC.md's result).
//
//===----------------------------------------------------------------------===//

#include "vsquant/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace vsquant {
#define GEN_PASS_DEF_VSQUANTVECTORIZEELEMENTWISE
#include "vsquant/Conversion/Passes.h.inc"
} // namespace vsquant
} // namespace mlir

using namespace mlir;

namespace {

/// Elements of the innermost dimensions one tile covers at most: a few SIMD
/// registers per operand.
constexpr int64_t kMaxTileElements = 256;

/// Whether every reduction of `op` combines its accumulator with an
/// operation whose result does not depend on the order of the terms (float
/// max / min, integer arithmetic), so that a vector reduction equals the
/// scalar loop bit for bit. Float sums and products do depend on it.
bool reductionsAreOrderFree(linalg::GenericOp op) {
  if (op.getNumReductionLoops() == 0)
    return true;
  Block &body = op.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  for (auto [i, yielded] : llvm::enumerate(yield.getValues())) {
    Operation *combiner = yielded.getDefiningOp();
    if (!combiner ||
        !isa<arith::MaxNumFOp, arith::MinNumFOp, arith::MaximumFOp,
             arith::MinimumFOp, arith::AddIOp, arith::MulIOp, arith::OrIOp,
             arith::AndIOp, arith::XOrIOp, arith::MaxSIOp, arith::MinSIOp,
             arith::MaxUIOp, arith::MinUIOp>(combiner) ||
        !llvm::is_contained(combiner->getOperands(),
                            body.getArgument(op.getNumDpsInputs() + i)))
      return false;
  }
  return true;
}

/// Tile sizes that give each tile the op's whole innermost contiguous
/// extent and its whole reductions, or nothing when the op is not worth it
/// (or not safe) to vectorize.
std::optional<SmallVector<int64_t>> tileSizesFor(linalg::GenericOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (ranges.empty() || llvm::any_of(ranges, ShapedType::isDynamic))
    return std::nullopt;
  // On tensors (before bufferization) or on buffers (the copies
  // vsquant-strided-copies-to-loops makes of bufferization's memref.copy).
  if (!(op.hasPureTensorSemantics() || op.hasPureBufferSemantics()) ||
      !llvm::all_of(op.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isProjectedPermutation(); }) ||
      !reductionsAreOrderFree(op))
    return std::nullopt;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  int64_t loops = ranges.size(), lastParallel = -1, reductionElements = 1;
  for (int64_t i = 0; i < loops; ++i) {
    if (iterators[i] == utils::IteratorType::parallel)
      lastParallel = i;
    else
      reductionElements *= ranges[i];
  }
  if (lastParallel < 0 || reductionElements > kMaxTileElements)
    return std::nullopt;
  // The outputs must be written along the last parallel loop.
  for (OpOperand &init : op.getDpsInitsMutable()) {
    AffineMap map = op.getMatchingIndexingMap(&init);
    if (map.getNumResults() == 0 ||
        map.getResults().back() !=
            getAffineDimExpr(lastParallel, op.getContext()))
      return std::nullopt;
  }
  SmallVector<int64_t> sizes(loops, 1);
  for (int64_t i = 0; i < loops; ++i)
    if (iterators[i] == utils::IteratorType::reduction)
      sizes[i] = ranges[i];
  if (lastParallel < loops - 1) {
    // Innermost reductions (a vector's max): one output element per tile,
    // a whole contiguous reduction per vector.
    if (ranges.back() < 4)
      return std::nullopt;
    return sizes;
  }
  // The innermost (parallel) dim: whole when it fits, else the largest
  // divisor that does (no partial tiles: the vectorizer wants static shapes).
  int64_t inner = ranges.back(),
          tile = std::min(inner, kMaxTileElements / reductionElements);
  while (tile > 1 && inner % tile)
    --tile;
  // A scalar (or nearly) tile would only add loop overhead.
  if (tile < 4)
    return std::nullopt;
  sizes.back() = tile;
  return sizes;
}

/// Whether `v` is |x| (up to shape casts).
bool isMagnitude(Value v) {
  while (auto cast = v.getDefiningOp<vector::ShapeCastOp>())
    v = cast.getSource();
  return v.getDefiningOp<math::AbsFOp>() != nullptr;
}

/// max / min over the elements of a 1-D vector of magnitudes (|x|: no
/// negative zero, so every order gives the same bits) as a tree of
/// elementwise max / min on halves. LLVM expands the reduction intrinsic
/// without fast-math flags into a serial chain of scalar steps, the longest
/// part of quantizing an activation.
struct MagnitudeReductionToTree : OpRewritePattern<vector::ReductionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::ReductionOp op,
                                PatternRewriter &rewriter) const override {
    vector::CombiningKind kind = op.getKind();
    if (kind != vector::CombiningKind::MAXNUMF &&
        kind != vector::CombiningKind::MAXIMUMF &&
        kind != vector::CombiningKind::MINNUMF &&
        kind != vector::CombiningKind::MINIMUMF)
      return failure();
    VectorType type = op.getSourceVectorType();
    int64_t length = type.getNumElements();
    if (type.getRank() != 1 || type.isScalable() || length < 2 ||
        !llvm::isPowerOf2_64(length) ||
        !isMagnitude(op.getVector()))
      return failure();
    Location loc = op.getLoc();
    Value v = op.getVector();
    while (length > 1) {
      length /= 2;
      auto half = [&](int64_t offset) {
        return vector::ExtractStridedSliceOp::create(
            rewriter, loc, v, ArrayRef<int64_t>{offset},
            ArrayRef<int64_t>{length}, ArrayRef<int64_t>{1});
      };
      v = vector::makeArithReduction(rewriter, loc, kind, half(0),
                                     half(length));
    }
    Value result = vector::ExtractOp::create(rewriter, loc, v,
                                             ArrayRef<int64_t>{0});
    if (Value acc = op.getAcc())
      result = vector::makeArithReduction(rewriter, loc, kind, result, acc);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// A reduction whose result is one element (a tile's innermost reduction,
/// up to unit dims) as one vector.reduction of the flattened source.
struct WholeVectorMultiReduction
    : OpRewritePattern<vector::MultiDimReductionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::MultiDimReductionOp op,
                                PatternRewriter &rewriter) const override {
    VectorType source = op.getSourceVectorType();
    auto resultType = dyn_cast<VectorType>(op.getDestType());
    if (op.isMasked() || source.isScalable() ||
        (resultType && resultType.getNumElements() != 1))
      return failure();
    Location loc = op.getLoc();
    Value flat = vector::ShapeCastOp::create(
        rewriter, loc,
        VectorType::get({source.getNumElements()}, source.getElementType()),
        op.getSource());
    Value acc = op.getAcc();
    if (resultType)
      acc = vector::ExtractOp::create(
          rewriter, loc, acc, SmallVector<int64_t>(resultType.getRank(), 0));
    Value reduced = vector::ReductionOp::create(rewriter, loc, op.getKind(),
                                                flat, acc);
    if (resultType)
      reduced = vector::BroadcastOp::create(rewriter, loc, resultType, reduced);
    rewriter.replaceOp(op, reduced);
    return success();
  }
};

struct VectorizeElementwisePass
    : mlir::vsquant::impl::VSQuantVectorizeElementwiseBase<
          VectorizeElementwisePass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    SmallVector<linalg::GenericOp> candidates;
    getOperation()->walk([&](linalg::GenericOp op) { candidates.push_back(op); });
    IRRewriter rewriter(ctx);
    for (linalg::GenericOp op : candidates) {
      std::optional<SmallVector<int64_t>> sizes = tileSizesFor(op);
      if (!sizes || failed(linalg::vectorizeOpPrecondition(op)))
        continue;
      rewriter.setInsertionPoint(op);
      scf::SCFTilingOptions options;
      options.setTileSizes(getAsIndexOpFoldResult(ctx, *sizes));
      FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
          rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (failed(tiled))
        continue; // left to the loops: only slower
      rewriter.replaceOp(op, tiled->replacements);
      Operation *tile = tiled->tiledOps.back();
      rewriter.setInsertionPoint(tile);
      FailureOr<linalg::VectorizationResult> vectorized =
          linalg::vectorize(rewriter, tile);
      if (failed(vectorized))
        continue;
      rewriter.replaceOp(tile, vectorized->replacements);
    }
    // Unit dims of the tiles away (1-D vectors map straight to SIMD
    // registers); a whole-vector reduction becomes vector.reduction, of
    // magnitudes a tree. Then what is left of n-D reductions (a reduction
    // across rows) as elementwise ops. Two rounds: upstream's 1-D
    // multi-reduction lowering and the unit-dim cast-away undo each other.
    RewritePatternSet unitDims(ctx);
    vector::populateCastAwayVectorLeadingOneDimPatterns(unitDims);
    vector::populateVectorTransferDropUnitDimsPatterns(unitDims);
    tensor::populateFoldTensorEmptyPatterns(unitDims);
    unitDims.add<WholeVectorMultiReduction, MagnitudeReductionToTree>(ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(unitDims))))
      return signalPassFailure();
    RewritePatternSet lowering(ctx);
    vector::populateVectorMultiReductionLoweringPatterns(
        lowering, vector::VectorMultiReductionLowering::InnerParallel);
    vector::populateVectorTransferPermutationMapLoweringPatterns(lowering);
    vector::populateVectorBroadcastLoweringPatterns(lowering);
    if (failed(applyPatternsGreedily(getOperation(), std::move(lowering))))
      signalPassFailure();
  }
};

} // namespace
