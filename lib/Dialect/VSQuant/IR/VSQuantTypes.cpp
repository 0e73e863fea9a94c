//===- VSQuantTypes.cpp - vsquant types -------------------------*- C++ -*-===//

#include "vsquant/Dialect/VSQuant/IR/VSQuant.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/InterleavedRange.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::vsquant;

#define GET_TYPEDEF_CLASSES
#include "vsquant/Dialect/VSQuant/IR/VSQuantOpsTypes.cpp.inc"

void VSQuantDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "vsquant/Dialect/VSQuant/IR/VSQuantOpsTypes.cpp.inc"
      >();
}

RankedTensorType QTensorType::getExpressedType() const {
  return RankedTensorType::get(getShape(), Float32Type::get(getContext()));
}

LogicalResult QTensorType::verify(function_ref<InFlightDiagnostic()> emitError,
                                  ArrayRef<int64_t> shape, FormatAttr format) {
  if (shape.empty())
    return emitError() << "a quantized tensor must have rank 1 or more";
  for (int64_t dim : shape)
    if (dim < 0 && !ShapedType::isDynamic(dim))
      return emitError() << "dimension sizes must be non-negative, got "
                         << dim;
  // Element counts (storage report, quantizer, lowering) are int64: a shape
  // whose count does not fit would overflow every one of them.
  int64_t count = 1;
  if (!llvm::is_contained(shape, 0))
    for (int64_t dim : shape)
      if (!ShapedType::isDynamic(dim) && llvm::MulOverflow(count, dim, count))
        return emitError() << "a quantized tensor of shape "
                           << llvm::interleaved(shape, "x")
                           << " has more than 2^63 - 1 elements";
  return format.verifyForShape(emitError, shape);
}

Type QTensorType::parse(AsmParser &parser) {
  SMLoc loc = parser.getCurrentLocation();
  SmallVector<int64_t> shape;
  if (parser.parseLess() ||
      parser.parseDimensionList(shape, /*allowDynamic=*/true,
                                /*withTrailingX=*/false) ||
      parser.parseComma())
    return {};
  SMLoc formatLoc = parser.getCurrentLocation();
  Attribute attr;
  if (parser.parseAttribute(attr))
    return {};
  auto format = dyn_cast<FormatAttr>(attr);
  if (!format) {
    parser.emitError(formatLoc, "expected a #vsquant.format attribute, got ")
        << attr;
    return {};
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<QTensorType>(loc, parser.getContext(), shape,
                                        format);
}

void QTensorType::print(AsmPrinter &printer) const {
  printer << "<";
  printer.printDimensionList(getShape());
  printer << ", ";
  printer.printAttribute(getFormat());
  printer << ">";
}
