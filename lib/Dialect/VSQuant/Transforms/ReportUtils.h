//===- ReportUtils.h - Helpers shared by the report writers -----*- C++ -*-===//

#ifndef VSQUANT_LIB_DIALECT_VSQUANT_TRANSFORMS_REPORTUTILS_H
#define VSQUANT_LIB_DIALECT_VSQUANT_TRANSFORMS_REPORTUTILS_H

#include "mlir/IR/Location.h"
#include "llvm/Support/JSON.h"

#include <string>

namespace mlir {
class Operation;
namespace vsquant {

/// `file:line:col` for file locations, the name for named ones, else the
/// printed location: what a person looks for in a report.
std::string locationToString(Location loc);

/// Writes `json` to `path` through a temporary file (never half a report);
/// emits an error on `op` and fails when the file cannot be written.
LogicalResult writeJsonReport(Operation *op, StringRef path,
                              llvm::json::Value json, StringRef what);

} // namespace vsquant
} // namespace mlir

#endif // VSQUANT_LIB_DIALECT_VSQUANT_TRANSFORMS_REPORTUTILS_H
