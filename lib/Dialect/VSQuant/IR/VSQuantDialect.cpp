//===- VSQuantDialect.cpp - vsquant dialect ---------------------*- C++ -*-===//

#include "vsquant/Dialect/VSQuant/IR/VSQuant.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::vsquant;

#include "vsquant/Dialect/VSQuant/IR/VSQuantOpsDialect.cpp.inc"

namespace {
/// Gives formats short readable aliases (`#si4_v16_ui4_fmt`: an alias may not
/// end in a digit) so that IR with many quantized values stays legible.
struct VSQuantOpAsmInterface : public OpAsmDialectInterface {
  using OpAsmDialectInterface::OpAsmDialectInterface;

  AliasResult getAlias(Attribute attr, raw_ostream &os) const override {
    auto format = dyn_cast<FormatAttr>(attr);
    if (!format)
      return AliasResult::NoAlias;
    os << (format.isSignedElement() ? "si" : "ui") << format.getElementBits();
    switch (format.getGranularity()) {
    case Granularity::PerTensor:
      os << "_t";
      break;
    case Granularity::PerChannel:
      os << "_c";
      break;
    case Granularity::PerVector:
      os << "_v" << format.getVectorSize();
      break;
    }
    os << '_' << format.getScaleType() << "_fmt";
    return AliasResult::OverridableAlias;
  }
};
} // namespace

void VSQuantDialect::initialize() {
  registerAttributes();
  registerTypes();
  addOperations<
#define GET_OP_LIST
#include "vsquant/Dialect/VSQuant/IR/VSQuantOps.cpp.inc"
      >();
  addInterfaces<VSQuantOpAsmInterface>();
}
