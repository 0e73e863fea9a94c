//===- consumer.cpp - embeds the vsquant dialect ----------------*- C++ -*-===//
//
// Parses a module that uses vsquant types in a context of its own and prints
// the storage of each quantized function argument.
//
//===----------------------------------------------------------------------===//

#include "vsquant/Dialect/VSQuant/IR/VSQuant.h"
#include "vsquant/Dialect/VSQuant/Transforms/Passes.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

int main() {
  mlir::MLIRContext context;
  context.loadDialect<mlir::vsquant::VSQuantDialect>();
  auto type = llvm::dyn_cast_or_null<mlir::vsquant::QTensorType>(
      mlir::parseType("!vsquant.tensor<4096x4096, #vsquant.format<si4, "
                      "per_vector(axis = 0, size = 16), scale = ui4, coarse = "
                      "per_channel(axis = 1)>>",
                      &context));
  if (!type)
    return 1;
  vsquant::quant::StorageBreakdown storage = mlir::vsquant::getStorage(type);
  llvm::outs() << "elements " << storage.numElements << ", bits/element "
               << llvm::format("%.4f", storage.bitsPerElement()) << "\n";
  return 0;
}
