//===- StorageReport.cpp - Bits per element of quantized values -*- C++ -*-===//

#include "vsquant/Dialect/VSQuant/IR/VSQuant.h"
#include "vsquant/Dialect/VSQuant/Transforms/Passes.h"

#include "ReportUtils.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

namespace mlir {
namespace vsquant {
#define GEN_PASS_DEF_VSQUANTSTORAGEREPORT
#include "vsquant/Dialect/VSQuant/Transforms/Passes.h.inc"
} // namespace vsquant
} // namespace mlir

using namespace mlir;
using namespace mlir::vsquant;
using ::vsquant::quant::StorageBreakdown;

StorageBreakdown mlir::vsquant::getStorage(QTensorType type) {
  FormatAttr format = type.getFormat();
  StorageBreakdown storage;
  storage.numElements = ShapedType::getNumElements(type.getShape());
  storage.elementBits = format.getElementBits();
  storage.numScales = ShapedType::getNumElements(type.getScaleShape());
  if (format.isTwoLevel())
    storage.scaleBits = format.getScaleBits();
  else
    storage.scaleBits = format.getScaleType().getIntOrFloatBitWidth();
  if (format.hasCoarseScale())
    storage.numCoarseScales = ShapedType::getNumElements(type.getCoarseShape());
  return storage;
}

namespace {
struct StorageReportPass
    : public mlir::vsquant::impl::VSQuantStorageReportBase<StorageReportPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::json::Array entries;
    StorageBreakdown constantsTotal;
    double constantBits = 0;

    module.walk([&](Operation *op) {
      if (!isa<ConstantOp, QuantizeOp, DynamicQuantizeOp>(op))
        return;
      auto type = cast<QTensorType>(op->getResult(0).getType());
      bool isConstant = isa<ConstantOp>(op);
      if (!type.getExpressedType().hasStaticShape()) {
        op->emitRemark() << "storage unknown: dynamic shape " << type;
        return;
      }
      StorageBreakdown s = getStorage(type);
      op->emitRemark() << llvm::formatv(
          "{0} {1}: {2} elements, {3:f4} bits/element (elements {4}, scales "
          "{5:f4}, coarse {6:f4})",
          isConstant ? "constant" : "activation", type.getFormat(),
          s.numElements, s.bitsPerElement(), s.elementBits,
          s.scaleTotalBits() / s.numElements,
          s.coarseTotalBits() / s.numElements);
      if (isConstant) {
        constantsTotal.numElements += s.numElements;
        constantBits += s.totalBits();
      }
      std::string location = locationToString(op->getLoc());
      std::string formatText;
      llvm::raw_string_ostream formatOS(formatText);
      formatOS << type.getFormat();
      entries.push_back(llvm::json::Object{
          {"kind", isConstant ? "constant" : "activation"},
          {"location", location},
          {"format", formatText},
          {"elements", s.numElements},
          {"element_bits", s.elementTotalBits()},
          {"scale_bits", s.scaleTotalBits()},
          {"coarse_bits", s.coarseTotalBits()},
          {"bits_per_element", s.bitsPerElement()}});
    });

    if (constantsTotal.numElements > 0)
      module.emitRemark() << llvm::formatv(
          "quantized constants: {0} elements, {1:f0} bytes, {2:f4} "
          "bits/element",
          constantsTotal.numElements, constantBits / 8,
          constantBits / constantsTotal.numElements);

    if (jsonPath.empty())
      return;
    if (failed(writeJsonReport(module, jsonPath,
                               llvm::json::Object{{"version", 1},
                                                  {"values", std::move(entries)}},
                               "storage report")))
      signalPassFailure();
  }
};
} // namespace
