//===- OnnxImporter.h - ONNX models to linalg on tensors --------*- C++ -*-===//
//
// Turns an ONNX model (protobuf, as libonnx reads it) into one func.func on
// static f32 tensors in linalg, tensor, arith and math: the form the
// quantizer, the calibrator and the CPU pipeline take. Initializers and
// Constant nodes become arith.constant (dense_resource above a size
// threshold); shape arithmetic (Shape, Gather, Slice, Concat, ... on integer
// tensors) is evaluated during import, so the result has static shapes only.
// Protobuf types stay out of this header.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_IMPORT_ONNXIMPORTER_H
#define VSQUANT_IMPORT_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace vsquant {
namespace onnx_import {

struct ImportOptions {
  /// Static shapes of graph inputs whose model shapes are dynamic (or to
  /// check against the model's): input name -> dims.
  llvm::StringMap<llvm::SmallVector<int64_t>> inputShapes;
  /// Float constants with more elements than this become dense_resource.
  int64_t resourceThreshold = 64;
  /// Fold a BatchNormalization into the Conv whose only consumer it is.
  bool foldBatchNorm = true;
  /// Name of the emitted function.
  std::string functionName = "main";
};

/// Parses "name:d0,d1,..." (as --input-shape takes it) into `options`.
llvm::Error parseInputShape(llvm::StringRef spec, ImportOptions &options);

/// The ONNX operator types (default domain) the importer converts.
std::vector<std::string> supportedOperators();

/// Imports the serialized ModelProto in `bytes`; `bufferName` names it in
/// errors. Errors name the node, initializer or input at fault; a model with
/// unsupported operators is rejected with all of them in one message.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importOnnxModel(llvm::StringRef bytes, llvm::StringRef bufferName,
                mlir::MLIRContext &context, const ImportOptions &options);

/// Reads `path` and imports it (see importOnnxModel).
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importOnnxFile(llvm::StringRef path, mlir::MLIRContext &context,
               const ImportOptions &options);

} // namespace onnx_import
} // namespace vsquant

#endif // VSQUANT_IMPORT_ONNXIMPORTER_H
