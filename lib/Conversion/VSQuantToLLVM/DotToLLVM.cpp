//===- DotToLLVM.cpp - vsquant.dot_accumulate to instructions -------------===//
//
// Runs after bufferization: `llvm.call_intrinsic` has unknown side effects,
// which buffer deallocation does not accept, so kernels carry the pure
// vsquant.dot_accumulate until here.
//
//===----------------------------------------------------------------------===//

#include "vsquant/Conversion/Passes.h"
#include "vsquant/Conversion/VSQuantToLLVM/DotToLLVM.h"
#include "vsquant/Dialect/VSQuant/IR/VSQuant.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace vsquant {
#define GEN_PASS_DEF_CONVERTVSQUANTDOTTOLLVM
#include "vsquant/Conversion/Passes.h.inc"
} // namespace vsquant
} // namespace mlir

using namespace mlir;
using namespace mlir::vsquant;

namespace {

Value callIntrinsic(PatternRewriter &rewriter, Location loc, StringRef name,
                    Type result, ValueRange args) {
  return LLVM::CallIntrinsicOp::create(rewriter, loc, result,
                                       rewriter.getStringAttr(name), args)
      .getResult(0);
}

struct DotAccumulateLowering : OpRewritePattern<DotAccumulateOp> {
  DotAccumulateLowering(MLIRContext *ctx, DotProductISA isa)
      : OpRewritePattern(ctx), isa(isa) {}

  LogicalResult matchAndRewrite(DotAccumulateOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto accType = op.getAcc().getType();
    int64_t lanes = accType.getNumElements();
    bool lhsUnsigned = op.getLhsUnsigned();
    Value result;
    if (isa == DotProductISA::AVX512VNNI && lhsUnsigned &&
        (lanes == 4 || lanes == 8 || lanes == 16)) {
      // vpdpbusd: unsigned lhs bytes times signed rhs bytes.
      std::string name =
          "llvm.x86.avx512.vpdpbusd." + std::to_string(lanes * 32);
      result = callIntrinsic(rewriter, loc, name, accType,
                             {op.getAcc(), op.getLhs(), op.getRhs()});
    } else if (isa != DotProductISA::None && lanes == 8) {
      // AVX2: vpmaddubsw takes unsigned x signed bytes, so a signed lhs goes
      // in as |lhs| with its sign moved onto rhs (vpsignb).
      Value lhs = op.getLhs(), rhs = op.getRhs();
      if (!lhsUnsigned) {
        rhs = callIntrinsic(rewriter, loc, "llvm.x86.avx2.psign.b",
                            rhs.getType(), {rhs, lhs});
        lhs = math::AbsIOp::create(rewriter, loc, lhs);
      }
      auto i16s = VectorType::get({16}, rewriter.getI16Type());
      Value pairs = callIntrinsic(rewriter, loc, "llvm.x86.avx2.pmadd.ub.sw",
                                  i16s, {lhs, rhs});
      Value ones = arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(i16s, rewriter.getI16IntegerAttr(1)));
      Value quads = callIntrinsic(rewriter, loc, "llvm.x86.avx2.pmadd.wd",
                                  accType, {pairs, ones});
      result = arith::AddIOp::create(rewriter, loc, op.getAcc(), quads);
    } else {
      // Portable: widen, multiply, add the 4 products of each lane.
      auto wide = VectorType::get({4 * lanes}, rewriter.getI32Type());
      Value lhs = lhsUnsigned
                      ? Value(arith::ExtUIOp::create(rewriter, loc, wide,
                                                     op.getLhs()))
                      : Value(arith::ExtSIOp::create(rewriter, loc, wide,
                                                     op.getLhs()));
      Value rhs = arith::ExtSIOp::create(rewriter, loc, wide, op.getRhs());
      Value products = arith::MulIOp::create(rewriter, loc, lhs, rhs);
      result = op.getAcc();
      for (int64_t t = 0; t < 4; ++t) {
        SmallVector<int64_t> picks;
        for (int64_t i = 0; i < lanes; ++i)
          picks.push_back(4 * i + t);
        Value part = vector::ShuffleOp::create(rewriter, loc, products,
                                               products, picks);
        result = arith::AddIOp::create(rewriter, loc, result, part);
      }
    }
    rewriter.replaceOp(op, result);
    return success();
  }

  DotProductISA isa;
};

struct ConvertVSQuantDotToLLVMPass
    : mlir::vsquant::impl::ConvertVSQuantDotToLLVMBase<
          ConvertVSQuantDotToLLVMPass> {
  using Base::Base;
  void runOnOperation() override {
    std::optional<DotProductISA> isa = parseDotProductISA(target);
    if (!isa) {
      emitError(getOperation()->getLoc())
          << "convert-vsquant-dot-to-llvm: unknown target '" << target
          << "' (expected host, avx512vnni, avx2 or none)";
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    populateVSQuantDotToLLVMPatterns(patterns, *isa);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mlir::vsquant::populateVSQuantDotToLLVMPatterns(
    RewritePatternSet &patterns, DotProductISA isa) {
  patterns.add<DotAccumulateLowering>(patterns.getContext(), isa);
}
