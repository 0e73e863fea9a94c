//===- QuantizableOps.cpp - Which linalg ops vsquant quantizes ------------===//

#include "vsquant/Dialect/VSQuant/Transforms/QuantizableOps.h"

#include "ReportUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::vsquant;


template <typename ConvOpTy>
static std::optional<ConvMatch> matchConvOf(linalg::LinalgOp op,
                                            ConvForm form) {
  ConvMatch match{form, {}, {}};
  if (auto named = dyn_cast<ConvOpTy>(op.getOperation())) {
    match.strides.assign(named.getStrides().template getValues<int64_t>().begin(),
                         named.getStrides().template getValues<int64_t>().end());
    match.dilations.assign(
        named.getDilations().template getValues<int64_t>().begin(),
        named.getDilations().template getValues<int64_t>().end());
    return match;
  }
  // A linalg.generic that computes the same convolution (upstream's matcher
  // reads strides and dilations off its indexing maps).
  if (isa<linalg::GenericOp>(op.getOperation()) &&
      linalg::isaConvolutionOpOfType<ConvOpTy>(op, &match.dilations,
                                               &match.strides))
    return match;
  return std::nullopt;
}

std::optional<ConvMatch> mlir::vsquant::matchSupportedConv(linalg::LinalgOp op) {
  if (auto m = matchConvOf<linalg::Conv2DNhwcHwcfOp>(op, ConvForm::NhwcHwcf))
    return m;
  if (auto m = matchConvOf<linalg::Conv2DNhwcFhwcOp>(op, ConvForm::NhwcFhwc))
    return m;
  if (auto m = matchConvOf<linalg::Conv2DNchwFchwOp>(op, ConvForm::NchwFchw))
    return m;
  if (auto m = matchConvOf<linalg::DepthwiseConv2DNhwcHwcOp>(
          op, ConvForm::DepthwiseNhwcHwc))
    return m;
  return matchConvOf<linalg::DepthwiseConv2DNchwChwOp>(
      op, ConvForm::DepthwiseNchwChw);
}

Attribute mlir::vsquant::getWeightConstant(Value value) {
  Attribute attr;
  if (matchPattern(value, m_Constant(&attr)))
    return attr;
  return {};
}

std::string mlir::vsquant::activationName(Operation *op) {
  return locationToString(op->getLoc());
}

std::optional<ActivationSite>
mlir::vsquant::getActivationSite(linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics() || op.hasDynamicShape() ||
      op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
    return std::nullopt;
  for (Value v : op->getOperands())
    if (!cast<ShapedType>(v.getType()).getElementType().isF32())
      return std::nullopt;
  auto isConstant = [&](unsigned index) {
    return bool(getWeightConstant(op.getDpsInputOperand(index)->get()));
  };
  ActivationSite site;
  site.op = op;
  site.name = activationName(op);
  if (std::optional<ConvMatch> conv = matchSupportedConv(op)) {
    if (!isConstant(1))
      return std::nullopt;
    site.operandIndex = 0;
    bool nchw = conv->form == ConvForm::NchwFchw ||
                conv->form == ConvForm::DepthwiseNchwChw;
    site.vectorAxis = nchw ? 1 : 3;
    return site;
  }
  if (!linalg::isaContractionOpInterface(op))
    return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 ||
      dims->k.size() != 1 || dims->batch.size() > 1)
    return std::nullopt;
  // The weight is the constant operand, the right-hand one if both are (as
  // vsquant-quantize decides).
  if (isConstant(1))
    site.operandIndex = 0;
  else if (isConstant(0))
    site.operandIndex = 1;
  else
    return std::nullopt;
  AffineMap map = op.getIndexingMapsArray()[site.operandIndex];
  std::optional<unsigned> axis = map.getResultPosition(
      getAffineDimExpr(dims->k[0], op.getContext()));
  if (!axis)
    return std::nullopt;
  site.vectorAxis = *axis;
  return site;
}
