//===- ReportUtils.cpp - Helpers shared by the report writers -------------===//

#include "ReportUtils.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Operation.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;

std::string mlir::vsquant::locationToString(Location loc) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (auto fileLoc = dyn_cast<FileLineColLoc>(loc))
    os << fileLoc.getFilename().getValue() << ':' << fileLoc.getLine() << ':'
       << fileLoc.getColumn();
  else if (auto nameLoc = dyn_cast<NameLoc>(loc))
    os << nameLoc.getName().getValue();
  else
    loc.print(os);
  return text;
}

LogicalResult mlir::vsquant::writeJsonReport(Operation *op, StringRef path,
                                             llvm::json::Value json,
                                             StringRef what) {
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> file = openOutputFile(path, &error);
  if (!file)
    return op->emitError() << "cannot write " << what << " '" << path
                           << "': " << error;
  file->os() << llvm::formatv("{0:2}\n", json);
  file->keep();
  return success();
}
