//===- OutlineLoopNests.cpp - one function per top-level loop nest --------===//
//
// The CPU pipeline lowers a whole model into its entry function: every
// layer's loop nests one after another. LLVM's loop passes then ask
// ScalarEvolution whether each loop's entry is guarded, which walks the
// dominator tree up from the loop, and update that tree after each
// transformation: costs that grow with the function, paid per loop. A
// PP-OCRv4 recogniser lowered that way spent about 85 s in LLVM's O3
// pipeline (perf: ScalarEvolution::isBasicBlockEntryGuardedByCond,
// DomTreeNodeBase::UpdateLevel at the top). One function per nest keeps
// every function small; `noinline` stops LLVM's inliner from undoing it.
//
//===----------------------------------------------------------------------===//

#include "vsquant/Conversion/Passes.h"
#include "vsquant/Conversion/VSQuantToLLVM/OutlineLoopNests.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/SetVector.h"

namespace mlir {
namespace vsquant {
#define GEN_PASS_DEF_VSQUANTOUTLINELOOPNESTS
#include "vsquant/Conversion/Passes.h.inc"
} // namespace vsquant
} // namespace mlir

using namespace mlir;

namespace {

/// Ops cloned into the outlined function instead of passed to it: without
/// operands, pure, and what LLVM needs to see (constant trip counts,
/// addresses of constant globals).
bool isClonedIntoNest(Operation *op) {
  return op->getNumOperands() == 0 &&
         (op->hasTrait<OpTrait::ConstantLike>() ||
          isa<memref::GetGlobalOp>(op));
}

/// Outlines `nest` as a function `name` placed after `after` (which then
/// becomes the new function, keeping the nests in order).
void outlineNest(Operation *nest, StringRef name, SymbolTable &symbols,
                 Operation *&after) {
  MLIRContext *ctx = nest->getContext();
  Location loc = nest->getLoc();
  llvm::SetVector<Value> used(nest->operand_begin(), nest->operand_end());
  getUsedValuesDefinedAbove(nest->getRegions(), used);
  SmallVector<Value> arguments;
  llvm::SetVector<Operation *> cloned;
  for (Value v : used) {
    Operation *def = v.getDefiningOp();
    if (def && isClonedIntoNest(def))
      cloned.insert(def);
    else
      arguments.push_back(v);
  }

  OpBuilder builder(ctx);
  builder.setInsertionPointAfter(after);
  auto type = FunctionType::get(ctx, ValueRange(arguments).getTypes(),
                                nest->getResultTypes());
  auto outlined = func::FuncOp::create(builder, loc, name, type);
  outlined.setPrivate();
  outlined->setAttr("llvm.linkage",
                    LLVM::LinkageAttr::get(ctx, LLVM::Linkage::Internal));
  outlined->setAttr("passthrough",
                    builder.getArrayAttr({builder.getStringAttr("noinline")}));
  symbols.insert(outlined); // already placed; renamed on a clash
  after = outlined;

  Block *body = outlined.addEntryBlock();
  IRMapping map;
  map.map(arguments, body->getArguments());
  builder.setInsertionPointToEnd(body);
  for (Operation *def : cloned)
    builder.clone(*def, map);
  Operation *copy = builder.clone(*nest, map);
  func::ReturnOp::create(builder, loc, copy->getResults());

  builder.setInsertionPoint(nest);
  auto call = func::CallOp::create(builder, loc, outlined, arguments);
  nest->replaceAllUsesWith(call.getResults());
  nest->erase();
}

struct VSQuantOutlineLoopNestsPass
    : mlir::vsquant::impl::VSQuantOutlineLoopNestsBase<
          VSQuantOutlineLoopNestsPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    // Only the functions there at the start: not the ones made here.
    SmallVector<func::FuncOp> functions(module.getOps<func::FuncOp>());
    for (func::FuncOp f : functions)
      if (!f.isExternal())
        vsquant::outlineLoopNests(f, symbols, minNests);
  }
};

} // namespace

unsigned mlir::vsquant::outlineLoopNests(func::FuncOp function,
                                         SymbolTable &symbols,
                                         unsigned minNests) {
  if (function.isExternal() || !function.getBody().hasOneBlock())
    return 0;
  SmallVector<Operation *> nests;
  for (Operation &op : function.getBody().front())
    if (op.getNumRegions() > 0)
      nests.push_back(&op);
  if (nests.empty() || nests.size() < minNests)
    return 0;
  Operation *after = function;
  for (auto [i, nest] : llvm::enumerate(nests))
    outlineNest(nest, (function.getSymName() + "_nest" + Twine(i)).str(),
                symbols, after);
  // Constants only the nests used now have copies there.
  for (Operation &op : llvm::make_early_inc_range(
           llvm::reverse(function.getBody().front())))
    if (isClonedIntoNest(&op) && op.use_empty())
      op.erase();
  return nests.size();
}
