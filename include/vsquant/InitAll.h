//===- InitAll.h - Register everything vsquant provides ---------*- C++ -*-===//

#ifndef VSQUANT_INITALL_H
#define VSQUANT_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace vsquant {
/// Adds the vsquant dialects to `registry`.
void registerAllDialects(mlir::DialectRegistry &registry);
/// Registers the vsquant passes and pipelines with the global registry.
void registerAllPasses();
} // namespace vsquant

#endif // VSQUANT_INITALL_H
