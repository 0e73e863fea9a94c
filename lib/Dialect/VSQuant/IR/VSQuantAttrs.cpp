//===- VSQuantAttrs.cpp - vsquant attributes --------------------*- C++ -*-===//

#include "vsquant/Dialect/VSQuant/IR/VSQuant.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::vsquant;

#include "vsquant/Dialect/VSQuant/IR/VSQuantEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "vsquant/Dialect/VSQuant/IR/VSQuantAttrs.cpp.inc"

void VSQuantDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "vsquant/Dialect/VSQuant/IR/VSQuantAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// FormatAttr queries
//===----------------------------------------------------------------------===//

int64_t FormatAttr::getElementMax() const {
  unsigned bits = getElementBits();
  return isSignedElement() ? (int64_t(1) << (bits - 1)) - 1
                           : (int64_t(1) << bits) - 1;
}

int64_t FormatAttr::getElementMin() const {
  return isSignedElement() ? -getElementMax() : 0;
}

bool FormatAttr::isTwoLevel() const {
  auto intTy = dyn_cast<IntegerType>(getScaleType());
  return intTy && intTy.isUnsigned();
}

unsigned FormatAttr::getScaleBits() const {
  return isTwoLevel() ? cast<IntegerType>(getScaleType()).getWidth() : 0;
}

bool FormatAttr::isBlockScale() const {
  return isa<Float8E8M0FNUType, Float8E4M3FNType>(getScaleType());
}

bool FormatAttr::hasCoarseScale() const {
  // MX (e8m0) block scales stand alone; NVFP4-style e4m3 block scales sit
  // under an fp32 per-tensor scale, as two-level integer scales do.
  return isTwoLevel() || isa<Float8E4M3FNType>(getScaleType());
}

SmallVector<int64_t> FormatAttr::getScaleShape(ArrayRef<int64_t> shape) const {
  switch (getGranularity()) {
  case Granularity::PerTensor:
    return {};
  case Granularity::PerChannel:
    return {shape[getAxis()]};
  case Granularity::PerVector: {
    SmallVector<int64_t> grid(shape);
    int64_t &dim = grid[getAxis()];
    if (!ShapedType::isDynamic(dim))
      dim = llvm::divideCeil(dim, getVectorSize());
    return grid;
  }
  }
  llvm_unreachable("unknown granularity");
}

SmallVector<int64_t>
FormatAttr::getCoarseShape(ArrayRef<int64_t> shape) const {
  if (getCoarseAxis() == kNoAxis)
    return {};
  return {shape[getCoarseAxis()]};
}

LogicalResult
FormatAttr::verifyForShape(function_ref<InFlightDiagnostic()> emitError,
                           ArrayRef<int64_t> shape) const {
  int64_t rank = shape.size();
  if (getGranularity() != Granularity::PerTensor && getAxis() >= rank)
    return emitError() << "format axis " << getAxis()
                       << " is out of range for a tensor of rank " << rank;
  if (getCoarseAxis() != kNoAxis && getCoarseAxis() >= rank)
    return emitError() << "coarse scale axis " << getCoarseAxis()
                       << " is out of range for a tensor of rank " << rank;
  return success();
}

//===----------------------------------------------------------------------===//
// FormatAttr verification
//===----------------------------------------------------------------------===//

LogicalResult
FormatAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                   IntegerType elementType, Granularity granularity,
                   int64_t axis, int64_t vectorSize, Type scaleType,
                   int64_t coarseAxis, RoundingMode rounding,
                   ScaleRounding scaleRounding) {
  if (elementType.isSignless())
    return emitError() << "element type must be signed (si<N>) or unsigned "
                          "(ui<N>), got signless "
                       << elementType;
  unsigned bits = elementType.getWidth();
  if (bits < 2 || bits > 8)
    return emitError() << "element type must have 2 to 8 bits, got "
                       << elementType;

  switch (granularity) {
  case Granularity::PerTensor:
    if (axis != kNoAxis || vectorSize != 0)
      return emitError() << "a per_tensor format has no axis or vector size";
    break;
  case Granularity::PerChannel:
    if (axis < 0)
      return emitError() << "per_channel axis must be non-negative, got "
                         << axis;
    if (vectorSize != 0)
      return emitError() << "a per_channel format has no vector size";
    break;
  case Granularity::PerVector:
    if (axis < 0)
      return emitError() << "per_vector axis must be non-negative, got "
                         << axis;
    if (vectorSize < 1)
      return emitError() << "vector size must be at least 1, got "
                         << vectorSize;
    break;
  }

  auto intScale = dyn_cast<IntegerType>(scaleType);
  bool twoLevel = intScale && intScale.isUnsigned();
  if (intScale && !twoLevel)
    return emitError() << "integer scales must be unsigned (ui<M>), got "
                       << scaleType;
  if (twoLevel && (intScale.getWidth() < 1 || intScale.getWidth() > 16))
    return emitError() << "integer scales must have 1 to 16 bits, got "
                       << scaleType;
  bool blockScale = isa<Float8E8M0FNUType, Float8E4M3FNType>(scaleType);
  if (!scaleType.isF32() && !twoLevel && !blockScale)
    return emitError() << "scale must be f32, ui<M>, f8E8M0FNU or f8E4M3FN, "
                          "got "
                       << scaleType;

  bool hasCoarse = twoLevel || isa<Float8E4M3FNType>(scaleType);
  if (coarseAxis != kNoAxis) {
    if (!hasCoarse)
      return emitError() << "a coarse scale needs two-level (ui<M>) or "
                            "f8E4M3FN scales, got "
                         << scaleType;
    if (coarseAxis < 0)
      return emitError() << "coarse scale axis must be non-negative, got "
                         << coarseAxis;
    if (granularity == Granularity::PerTensor)
      return emitError()
             << "a per_tensor scale cannot sit under a per_channel coarse scale";
    if (coarseAxis == axis)
      return emitError() << "coarse scale axis " << coarseAxis
                         << " must differ from the format axis " << axis;
  }
  if (scaleRounding != ScaleRounding::Ceil && !twoLevel)
    return emitError() << "scale_round applies to two-level (ui<M>) scales "
                          "only";
  (void)rounding;
  return success();
}

//===----------------------------------------------------------------------===//
// FormatAttr assembly
//===----------------------------------------------------------------------===//

/// Parses `per_tensor`, `per_channel(axis = c)` or
/// `per_vector(axis = a, size = V)` (the last only when `allowVector`).
static ParseResult parseGranularity(AsmParser &parser, Granularity &granularity,
                                    int64_t &axis, int64_t &vectorSize,
                                    bool allowVector) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef keyword;
  if (parser.parseKeyword(&keyword))
    return failure();
  std::optional<Granularity> parsed = symbolizeGranularity(keyword);
  if (!parsed || (!allowVector && *parsed == Granularity::PerVector))
    return parser.emitError(loc)
           << "expected " << (allowVector ? "per_vector, " : "")
           << "per_channel or per_tensor, got '" << keyword << "'";
  granularity = *parsed;
  axis = FormatAttr::kNoAxis;
  vectorSize = 0;
  if (granularity == Granularity::PerTensor)
    return success();
  if (parser.parseLParen() || parser.parseKeyword("axis") ||
      parser.parseEqual() || parser.parseInteger(axis))
    return failure();
  if (granularity == Granularity::PerVector &&
      (parser.parseComma() || parser.parseKeyword("size") ||
       parser.parseEqual() || parser.parseInteger(vectorSize)))
    return failure();
  return parser.parseRParen();
}

Attribute FormatAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  Type elementType;
  if (parser.parseLess())
    return {};
  SMLoc elementLoc = parser.getCurrentLocation();
  if (parser.parseType(elementType))
    return {};
  auto intElementType = dyn_cast<IntegerType>(elementType);
  if (!intElementType) {
    parser.emitError(elementLoc, "expected element type si<N> or ui<N>, got ")
        << elementType;
    return {};
  }

  Granularity granularity;
  int64_t axis, vectorSize;
  if (parser.parseComma() ||
      parseGranularity(parser, granularity, axis, vectorSize,
                       /*allowVector=*/true))
    return {};

  Type scaleType = Float32Type::get(parser.getContext());
  int64_t coarseAxis = kNoAxis;
  RoundingMode rounding = RoundingMode::HalfToEven;
  ScaleRounding scaleRounding = ScaleRounding::Ceil;
  llvm::StringSet<> seen;
  std::optional<SMLoc> coarseLoc;
  while (succeeded(parser.parseOptionalComma())) {
    SMLoc keyLoc = parser.getCurrentLocation();
    StringRef key;
    if (parser.parseKeyword(&key) || parser.parseEqual())
      return {};
    if (!seen.insert(key).second) {
      parser.emitError(keyLoc) << "format key '" << key << "' given twice";
      return {};
    }
    if (key == "scale") {
      if (parser.parseType(scaleType))
        return {};
    } else if (key == "coarse") {
      Granularity coarseGranularity;
      int64_t unusedSize;
      coarseLoc = parser.getCurrentLocation();
      if (parseGranularity(parser, coarseGranularity, coarseAxis, unusedSize,
                           /*allowVector=*/false))
        return {};
    } else if (key == "round" || key == "scale_round") {
      SMLoc valueLoc = parser.getCurrentLocation();
      StringRef value;
      if (parser.parseKeyword(&value))
        return {};
      if (key == "round") {
        std::optional<RoundingMode> mode = symbolizeRoundingMode(value);
        if (!mode) {
          parser.emitError(valueLoc)
              << "expected rounding mode rne or rna, got '" << value << "'";
          return {};
        }
        rounding = *mode;
      } else {
        std::optional<ScaleRounding> mode = symbolizeScaleRounding(value);
        if (!mode) {
          parser.emitError(valueLoc)
              << "expected scale rounding ceil or nearest, got '" << value
              << "'";
          return {};
        }
        scaleRounding = *mode;
      }
    } else {
      parser.emitError(keyLoc)
          << "unknown format key '" << key
          << "'; expected scale, coarse, round or scale_round";
      return {};
    }
  }
  if (parser.parseGreater())
    return {};

  // `coarse = per_tensor` is the default and leaves no trace in the
  // parameters, so check here that it was only written where it means
  // something.
  bool hasCoarse = (isa<IntegerType>(scaleType) &&
                    cast<IntegerType>(scaleType).isUnsigned()) ||
                   isa<Float8E4M3FNType>(scaleType);
  if (coarseLoc && !hasCoarse) {
    parser.emitError(*coarseLoc)
        << "a coarse scale needs two-level (ui<M>) or f8E4M3FN scales, got "
        << scaleType;
    return {};
  }
  return parser.getChecked<FormatAttr>(
      loc, parser.getContext(), intElementType, granularity, axis, vectorSize,
      scaleType, coarseAxis, rounding, scaleRounding);
}

static void printGranularity(AsmPrinter &printer, Granularity granularity,
                             int64_t axis, int64_t vectorSize) {
  printer << stringifyGranularity(granularity);
  if (granularity == Granularity::PerTensor)
    return;
  printer << "(axis = " << axis;
  if (granularity == Granularity::PerVector)
    printer << ", size = " << vectorSize;
  printer << ")";
}

void FormatAttr::print(AsmPrinter &printer) const {
  printer << "<" << getElementType() << ", ";
  printGranularity(printer, getGranularity(), getAxis(), getVectorSize());
  printer << ", scale = " << getScaleType();
  if (getCoarseAxis() != kNoAxis) {
    printer << ", coarse = ";
    printGranularity(printer, Granularity::PerChannel, getCoarseAxis(), 0);
  }
  if (getRounding() != RoundingMode::HalfToEven)
    printer << ", round = " << stringifyRoundingMode(getRounding());
  if (getScaleRounding() != ScaleRounding::Ceil)
    printer << ", scale_round = " << stringifyScaleRounding(getScaleRounding());
  printer << ">";
}
