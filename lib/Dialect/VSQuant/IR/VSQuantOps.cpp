//===- VSQuantOps.cpp - vsquant operations ----------------------*- C++ -*-===//

#include "vsquant/Dialect/VSQuant/IR/VSQuant.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;
using namespace mlir::vsquant;

#define GET_OP_CLASSES
#include "vsquant/Dialect/VSQuant/IR/VSQuantOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Shared checks
//===----------------------------------------------------------------------===//

/// Prints a shape as `4x?x16` (`scalar` for rank 0) for diagnostics.
static std::string shapeString(ArrayRef<int64_t> shape) {
  if (shape.empty())
    return "rank 0";
  std::string s;
  llvm::raw_string_ostream os(s);
  llvm::interleave(
      shape, os,
      [&](int64_t d) {
        if (ShapedType::isDynamic(d))
          os << '?';
        else
          os << d;
      },
      "x");
  return s;
}

/// Checks a scale grid (`what` = "scales") against the format of `qtype`.
static LogicalResult verifyScaleGridType(Operation *op, StringRef what,
                                         Type gridType, QTensorType qtype) {
  auto tensorType = dyn_cast<RankedTensorType>(gridType);
  if (!tensorType)
    return op->emitOpError() << what << " must be a ranked tensor, got "
                             << gridType;
  SmallVector<int64_t> expected = qtype.getScaleShape();
  if (failed(verifyCompatibleShape(tensorType.getShape(), expected)))
    return op->emitOpError()
           << what << " must have the shape of the scale grid ("
           << shapeString(expected) << ") of " << qtype << ", got "
           << shapeString(tensorType.getShape());
  FormatAttr format = qtype.getFormat();
  Type element = tensorType.getElementType();
  if (format.isTwoLevel()) {
    auto intType = dyn_cast<IntegerType>(element);
    if (!intType || !intType.isSignless() ||
        intType.getWidth() < format.getScaleBits())
      return op->emitOpError()
             << what << " of two-level " << format.getScaleType()
             << " scales must be signless integers of at least "
             << format.getScaleBits() << " bits, got " << element;
    return success();
  }
  if (element != format.getScaleType())
    return op->emitOpError() << what << " must have element type "
                             << format.getScaleType() << ", got " << element;
  return success();
}

/// Checks the presence and type of a coarse scale (`coarseType` is null when
/// absent) against the format of `qtype`.
static LogicalResult verifyCoarseType(Operation *op, StringRef what,
                                      Type coarseType, QTensorType qtype) {
  FormatAttr format = qtype.getFormat();
  if (!format.hasCoarseScale()) {
    if (coarseType)
      return op->emitOpError()
             << "has a " << what << " but the format of " << qtype
             << " has no coarse scale (only ui<M> and f8E4M3FN scales do)";
    return success();
  }
  if (!coarseType)
    return op->emitOpError() << "needs a " << what << " for the two-level "
                             << format.getScaleType() << " scales of "
                             << qtype;
  auto tensorType = dyn_cast<RankedTensorType>(coarseType);
  if (!tensorType || !tensorType.getElementType().isF32())
    return op->emitOpError() << what << " must be an f32 tensor, got "
                             << coarseType;
  SmallVector<int64_t> expected = qtype.getCoarseShape();
  if (failed(verifyCompatibleShape(tensorType.getShape(), expected)))
    return op->emitOpError()
           << what << " must have shape " << shapeString(expected) << " ("
           << (format.hasPerTensorCoarse() ? "per tensor" : "per channel")
           << "), got " << shapeString(tensorType.getShape());
  return success();
}

static LogicalResult verifySameShape(Operation *op, ArrayRef<int64_t> a,
                                     StringRef aName, ArrayRef<int64_t> b,
                                     StringRef bName) {
  if (failed(verifyCompatibleShape(a, b)))
    return op->emitOpError() << aName << " shape " << shapeString(a)
                             << " does not match " << bName << " shape "
                             << shapeString(b);
  return success();
}

//===----------------------------------------------------------------------===//
// QuantizeOp / DynamicQuantizeOp / DequantizeOp
//===----------------------------------------------------------------------===//

LogicalResult QuantizeOp::verify() {
  QTensorType resultType = getResult().getType();
  if (failed(verifySameShape(*this, getInput().getType().getShape(), "input",
                             resultType.getShape(), "result")) ||
      failed(verifyScaleGridType(*this, "scales", getScales().getType(),
                                 resultType)))
    return failure();
  return verifyCoarseType(*this, "coarse scale",
                          getCoarse() ? getCoarse().getType() : Type(),
                          resultType);
}

LogicalResult DynamicQuantizeOp::verify() {
  QTensorType resultType = getResult().getType();
  if (failed(verifySameShape(*this, getInput().getType().getShape(), "input",
                             resultType.getShape(), "result")))
    return failure();
  return verifyCoarseType(*this, "coarse scale",
                          getCoarse() ? getCoarse().getType() : Type(),
                          resultType);
}

LogicalResult DequantizeOp::verify() {
  return verifySameShape(*this, getInput().getType().getShape(), "input",
                         getResult().getType().getShape(), "result");
}

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

/// Checks that every element of a dense integer attribute lies in
/// [`min`, `max`]. Resource data is checked when its blob is available.
static LogicalResult verifyValueRange(Operation *op, Attribute values,
                                      FormatAttr format) {
  int64_t min = format.getElementMin(), max = format.getElementMax();
  bool isSigned = format.isSignedElement();
  auto check = [&](int64_t v, int64_t index) -> LogicalResult {
    if (v >= min && v <= max)
      return success();
    return op->emitOpError()
           << "value " << v << " at flat index " << index
           << " is outside the range [" << min << ", " << max << "] of "
           << format.getElementType();
  };
  if (auto dense = dyn_cast<DenseIntElementsAttr>(values)) {
    // A splat stores one value however large its shape (2^32 elements
    // would take minutes to walk, and verifiers run after every pass).
    if (dense.isSplat()) {
      const APInt &v = dense.getSplatValue<APInt>();
      return check(isSigned ? v.getSExtValue() : int64_t(v.getZExtValue()),
                   0);
    }
    int64_t index = 0;
    for (const APInt &v : dense.getValues<APInt>()) {
      int64_t x = isSigned ? v.getSExtValue() : int64_t(v.getZExtValue());
      if (failed(check(x, index++)))
        return failure();
    }
    return success();
  }
  if (auto resource = dyn_cast<DenseI8ResourceElementsAttr>(values)) {
    std::optional<ArrayRef<int8_t>> data = resource.tryGetAsArrayRef();
    if (!data)
      return success(); // The blob is not loaded: nothing to check here.
    for (auto [index, v] : llvm::enumerate(*data)) {
      int64_t x = isSigned ? int64_t(v) : int64_t(uint8_t(v));
      if (failed(check(x, index)))
        return failure();
    }
  }
  return success();
}

/// fp32 scales (SPEC.md section 3: alpha / Q, max / (2^M - 1)) are finite
/// and non-negative; a NaN, Inf or negative one would turn every product it
/// scales into NaN or flip its sign. Splats are checked through their one
/// value; unloaded dense_resource blobs are not checked.
static LogicalResult verifyScaleValues(Operation *op, StringRef what,
                                       Attribute values) {
  auto check = [&](float s, int64_t index) -> LogicalResult {
    if (std::isfinite(s) && !(s < 0.0f))
      return success();
    return op->emitOpError() << what << " " << s << " at flat index "
                             << index
                             << " is not a finite non-negative number";
  };
  if (auto dense = dyn_cast<DenseFPElementsAttr>(values)) {
    if (!dense.getElementType().isF32())
      return success();
    if (dense.isSplat())
      return check(dense.getSplatValue<float>(), 0);
    int64_t index = 0;
    for (float s : dense.getValues<float>())
      if (failed(check(s, index++)))
        return failure();
    return success();
  }
  if (auto resource = dyn_cast<DenseF32ResourceElementsAttr>(values))
    if (std::optional<ArrayRef<float>> data = resource.tryGetAsArrayRef())
      for (auto [index, s] : llvm::enumerate(*data))
        if (failed(check(s, index)))
          return failure();
  return success();
}

LogicalResult ConstantOp::verify() {
  QTensorType resultType = getResult().getType();
  FormatAttr format = resultType.getFormat();
  auto valuesType = dyn_cast<RankedTensorType>(getValues().getType());
  if (!valuesType || !isa<ElementsAttr>(getValues()))
    return emitOpError() << "values must be dense or dense_resource tensor "
                            "data, got "
                         << getValues();
  if (!resultType.getExpressedType().hasStaticShape())
    return emitOpError() << "needs a static shape, got " << resultType;
  if (failed(verifySameShape(*this, valuesType.getShape(), "values",
                             resultType.getShape(), "result")))
    return failure();
  auto valueElement = dyn_cast<IntegerType>(valuesType.getElementType());
  if (!valueElement || !valueElement.isSignless() ||
      valueElement.getWidth() < format.getElementBits())
    return emitOpError() << "values must be signless integers of at least "
                         << format.getElementBits() << " bits for "
                         << format.getElementType() << ", got "
                         << valuesType.getElementType();
  if (failed(verifyValueRange(*this, getValues(), format)))
    return failure();

  if (!isa<ElementsAttr>(getScales()))
    return emitOpError() << "scales must be dense or dense_resource tensor "
                            "data, got "
                         << getScales();
  if (failed(verifyScaleGridType(*this, "scales", getScales().getType(),
                                 resultType)) ||
      failed(verifyScaleValues(*this, "scale", getScales())))
    return failure();
  std::optional<TypedAttr> coarse = getCoarse();
  if (coarse && !isa<ElementsAttr>(*coarse))
    return emitOpError() << "coarse must be dense or dense_resource tensor "
                            "data, got "
                         << *coarse;
  if (coarse && failed(verifyScaleValues(*this, "coarse scale", *coarse)))
    return failure();
  return verifyCoarseType(*this, "coarse scale",
                          coarse ? coarse->getType() : Type(), resultType);
}

//===----------------------------------------------------------------------===//
// Compute ops
//===----------------------------------------------------------------------===//

/// How many consecutive elements along the reduction axis share one scale
/// of an operand: the vector size, or nullopt when one scale covers the whole
/// reduction axis. Fails when the scales cannot be factored out of the
/// per-vector integer dot products.
static FailureOr<std::optional<int64_t>>
getReductionBlock(Operation *op, StringRef name, QTensorType type,
                  int64_t reductionAxis) {
  FormatAttr format = type.getFormat();
  switch (format.getGranularity()) {
  case Granularity::PerTensor:
    return std::optional<int64_t>();
  case Granularity::PerChannel:
    if (format.getAxis() == reductionAxis)
      return op->emitOpError()
             << name << " has a per_channel scale along the reduction axis "
             << reductionAxis
             << ", which cannot be factored out of the dot products; use "
                "per_vector along it, or per_channel along another axis";
    return std::optional<int64_t>();
  case Granularity::PerVector: {
    if (format.getAxis() != reductionAxis)
      return op->emitOpError()
             << name << " is quantized in vectors along axis "
             << format.getAxis() << ", but its reduction axis is "
             << reductionAxis;
    int64_t dim = type.getShape()[reductionAxis];
    if (!ShapedType::isDynamic(dim) && format.getVectorSize() >= dim)
      return std::optional<int64_t>();
    return std::optional<int64_t>(format.getVectorSize());
  }
  }
  llvm_unreachable("unknown granularity");
}

/// Checks the reduction dims and blocks of the two operands of a contraction.
static LogicalResult verifyReduction(Operation *op, StringRef lhsName,
                                     QTensorType lhs, int64_t lhsAxis,
                                     StringRef rhsName, QTensorType rhs,
                                     int64_t rhsAxis) {
  int64_t lhsDim = lhs.getShape()[lhsAxis], rhsDim = rhs.getShape()[rhsAxis];
  if (!ShapedType::isDynamic(lhsDim) && !ShapedType::isDynamic(rhsDim) &&
      lhsDim != rhsDim)
    return op->emitOpError() << "reduction sizes differ: " << lhsName
                             << " has " << lhsDim << " along axis " << lhsAxis
                             << ", " << rhsName << " has " << rhsDim
                             << " along axis " << rhsAxis;
  FailureOr<std::optional<int64_t>> lhsBlock =
      getReductionBlock(op, lhsName, lhs, lhsAxis);
  if (failed(lhsBlock))
    return failure();
  FailureOr<std::optional<int64_t>> rhsBlock =
      getReductionBlock(op, rhsName, rhs, rhsAxis);
  if (failed(rhsBlock))
    return failure();
  if (*lhsBlock && *rhsBlock && **lhsBlock != **rhsBlock)
    return op->emitOpError()
           << "vector sizes differ along the reduction axis: " << lhsName
           << " uses " << **lhsBlock << ", " << rhsName << " uses "
           << **rhsBlock;
  return success();
}

/// Checks result shape, bias and re-quantization operands of a compute op.
static LogicalResult verifyComputeResult(Operation *op,
                                         ArrayRef<int64_t> expectedShape,
                                         Type resultType, Value bias,
                                         Value outCoarse) {
  ArrayRef<int64_t> resultShape;
  auto qResult = dyn_cast<QTensorType>(resultType);
  if (qResult)
    resultShape = qResult.getShape();
  else
    resultShape = cast<RankedTensorType>(resultType).getShape();
  if (failed(verifyCompatibleShape(resultShape, expectedShape)))
    return op->emitOpError()
           << "result shape " << shapeString(resultShape)
           << " does not match the expected " << shapeString(expectedShape);
  if (bias) {
    auto biasShape = cast<RankedTensorType>(bias.getType()).getShape();
    int64_t channels = expectedShape.back();
    if (biasShape.size() != 1 ||
        failed(verifyCompatibleShape(biasShape, {channels})))
      return op->emitOpError()
             << "bias must have shape " << shapeString({channels})
             << " (one value per output channel), got "
             << shapeString(biasShape);
  }
  if (!qResult) {
    if (outCoarse)
      return op->emitOpError() << "has an out_coarse scale but its result is "
                                  "not a quantized tensor";
    return success();
  }
  return verifyCoarseType(op, "out_coarse scale",
                          outCoarse ? outCoarse.getType() : Type(), qResult);
}

static LogicalResult verifyRank(Operation *op, StringRef name, QTensorType t,
                                int64_t rank) {
  if (t.getRank() != rank)
    return op->emitOpError() << name << " must have rank " << rank << ", got "
                             << t.getRank();
  return success();
}

LogicalResult MatmulOp::verify() {
  QTensorType lhs = getLhs().getType(), rhs = getRhs().getType();
  if (failed(verifyRank(*this, "lhs", lhs, 2)) ||
      failed(verifyRank(*this, "rhs", rhs, 2)) ||
      failed(verifyReduction(*this, "lhs", lhs, 1, "rhs", rhs, 0)))
    return failure();
  return verifyComputeResult(*this, {lhs.getShape()[0], rhs.getShape()[1]},
                             getResult().getType(), getBias(), getOutCoarse());
}

LogicalResult BatchMatmulOp::verify() {
  QTensorType lhs = getLhs().getType(), rhs = getRhs().getType();
  if (failed(verifyRank(*this, "lhs", lhs, 3)) ||
      failed(verifyRank(*this, "rhs", rhs, 3)))
    return failure();
  int64_t lhsBatch = lhs.getShape()[0], rhsBatch = rhs.getShape()[0];
  if (!ShapedType::isDynamic(lhsBatch) && !ShapedType::isDynamic(rhsBatch) &&
      lhsBatch != rhsBatch)
    return emitOpError() << "batch sizes differ: lhs has " << lhsBatch
                         << ", rhs has " << rhsBatch;
  if (failed(verifyReduction(*this, "lhs", lhs, 2, "rhs", rhs, 1)))
    return failure();
  int64_t batch = ShapedType::isDynamic(lhsBatch) ? rhsBatch : lhsBatch;
  return verifyComputeResult(*this,
                             {batch, lhs.getShape()[1], rhs.getShape()[2]},
                             getResult().getType(), getBias(), getOutCoarse());
}

/// Checks strides, dilations and padding of a convolution and computes its
/// output height and width (dynamic when the input's is).
static FailureOr<std::pair<int64_t, int64_t>>
verifyWindow(Operation *op, ArrayRef<int64_t> strides,
             ArrayRef<int64_t> dilations, ArrayRef<int64_t> padding,
             ArrayRef<int64_t> inputNHWC, int64_t kernelH, int64_t kernelW) {
  if (strides.size() != 2 || llvm::any_of(strides, [](int64_t s) {
        return s < 1;
      }))
    return op->emitOpError() << "strides must be two positive integers [h, w]";
  if (dilations.size() != 2 || llvm::any_of(dilations, [](int64_t d) {
        return d < 1;
      }))
    return op->emitOpError()
           << "dilations must be two positive integers [h, w]";
  if (padding.size() != 4 || llvm::any_of(padding, [](int64_t p) {
        return p < 0;
      }))
    return op->emitOpError() << "padding must be four non-negative integers "
                                "[top, left, bottom, right]";
  auto outputSize = [&](int64_t size, int64_t kernel, int64_t padBefore,
                        int64_t padAfter, int64_t stride,
                        int64_t dilation) -> FailureOr<int64_t> {
    if (ShapedType::isDynamic(size) || ShapedType::isDynamic(kernel))
      return ShapedType::kDynamic;
    int64_t span = dilation * (kernel - 1) + 1;
    int64_t padded = size + padBefore + padAfter;
    if (padded < span)
      return op->emitOpError() << "the dilated filter (" << span
                               << ") is larger than the padded input ("
                               << padded << ")";
    return (padded - span) / stride + 1;
  };
  FailureOr<int64_t> outH = outputSize(inputNHWC[1], kernelH, padding[0],
                                       padding[2], strides[0], dilations[0]);
  if (failed(outH))
    return failure();
  FailureOr<int64_t> outW = outputSize(inputNHWC[2], kernelW, padding[1],
                                       padding[3], strides[1], dilations[1]);
  if (failed(outW))
    return failure();
  return std::make_pair(*outH, *outW);
}

LogicalResult Conv2DOp::verify() {
  QTensorType input = getInput().getType(), filter = getFilter().getType();
  if (failed(verifyRank(*this, "input (NHWC)", input, 4)) ||
      failed(verifyRank(*this, "filter (HWCF)", filter, 4)))
    return failure();
  if (failed(verifyReduction(*this, "input", input, 3, "filter", filter, 2)))
    return failure();
  ArrayRef<int64_t> in = input.getShape(), fl = filter.getShape();
  auto output = verifyWindow(*this, getStrides(), getDilations(), getPadding(),
                             in, fl[0], fl[1]);
  if (failed(output))
    return failure();
  return verifyComputeResult(*this, {in[0], output->first, output->second,
                                     fl[3]},
                             getResult().getType(), getBias(), getOutCoarse());
}

LogicalResult DepthwiseConv2DOp::verify() {
  QTensorType input = getInput().getType(), filter = getFilter().getType();
  if (failed(verifyRank(*this, "input (NHWC)", input, 4)) ||
      failed(verifyRank(*this, "filter ((KH*KW) x C)", filter, 2)))
    return failure();
  ArrayRef<int64_t> kernel = getKernelSize();
  if (kernel.size() != 2 || kernel[0] < 1 || kernel[1] < 1)
    return emitOpError() << "kernel_size must be two positive integers [kh, kw]";
  ArrayRef<int64_t> in = input.getShape(), fl = filter.getShape();
  if (!ShapedType::isDynamic(fl[0]) && fl[0] != kernel[0] * kernel[1])
    return emitOpError() << "filter has " << fl[0] << " rows but a "
                         << kernel[0] << "x" << kernel[1] << " window has "
                         << kernel[0] * kernel[1];
  if (!ShapedType::isDynamic(in[3]) && !ShapedType::isDynamic(fl[1]) &&
      in[3] != fl[1])
    return emitOpError() << "channel counts differ: input has " << in[3]
                         << ", filter has " << fl[1];
  // The window is the filter's only reduction; its scales along channels
  // (axis 1) factor out per output channel.
  if (failed(getReductionBlock(*this, "filter", filter, 0)))
    return failure();
  FormatAttr inFormat = input.getFormat();
  if (inFormat.getGranularity() != Granularity::PerTensor &&
      inFormat.getAxis() != 3)
    return emitOpError() << "input must be quantized per tensor or along its "
                            "channel axis 3 (windows overlap, so vectors "
                            "cannot run along them), got axis "
                         << inFormat.getAxis();
  auto output = verifyWindow(*this, getStrides(), getDilations(), getPadding(),
                             in, kernel[0], kernel[1]);
  if (failed(output))
    return failure();
  return verifyComputeResult(*this, {in[0], output->first, output->second,
                                     in[3]},
                             getResult().getType(), getBias(), getOutCoarse());
}

//===----------------------------------------------------------------------===//
// DotAccumulateOp
//===----------------------------------------------------------------------===//

LogicalResult DotAccumulateOp::verify() {
  int64_t lanes = getAcc().getType().getNumElements();
  int64_t bytes = getLhs().getType().getNumElements();
  if (bytes != 4 * lanes)
    return emitOpError() << "needs 4 bytes per 32-bit lane: " << lanes
                         << " lanes take " << 4 * lanes << " bytes, not "
                         << bytes;
  if (getAcc().getType().isScalable() || getLhs().getType().isScalable())
    return emitOpError() << "does not take scalable vectors";
  return success();
}
