//===- AccelBinaryFuzzer.cpp - libFuzzer target -----------------*- C++ -*-===//
//
// vsqaccel binaries are user files: any bytes give a program or an error
// naming an offset. A program that decodes must encode back to the very
// same bytes, and disassemble to vsqaccel IR that the dialect's verifiers
// accept (the decoder promises what the verifiers check).
//
//===----------------------------------------------------------------------===//

#include "vsquant/Accel/ISA.h"
#include "vsquant/Dialect/VSQAccel/IR/VSQAccel.h"
#include "vsquant/Target/VSQAccel/ProgramIR.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/ErrorHandling.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

using namespace vsquant::accel;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::Expected<Program> program =
      decodeProgram(llvm::ArrayRef<uint8_t>(data, size));
  if (!program) {
    std::string message = llvm::toString(program.takeError());
    if (llvm::StringRef(message).find("offset ") != 0)
      llvm::report_fatal_error(llvm::Twine("a decode error does not name the offset: ") +
                               message);
    return 0;
  }
  llvm::Expected<std::vector<uint8_t>> bytes = encodeProgram(*program);
  if (!bytes)
    llvm::report_fatal_error(llvm::Twine("a decoded program does not encode: ") +
                             llvm::toString(bytes.takeError()));
  if (bytes->size() != size || std::memcmp(bytes->data(), data, size) != 0)
    llvm::report_fatal_error("decode + encode is not the identity");
  (void)formatAssembly(*program);

  // One context per input, as in IRFuzzer.cpp.
  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  context.loadDialect<mlir::vsqaccel::VSQAccelDialect>();
  std::string diagnostics;
  mlir::ScopedDiagnosticHandler collect(&context, [&](mlir::Diagnostic &d) {
    diagnostics += d.str() + "\n";
    return mlir::success();
  });
  mlir::OpBuilder builder(&context);
  mlir::Location loc = builder.getUnknownLoc();
  mlir::OwningOpRef<mlir::ModuleOp> module = mlir::ModuleOp::create(loc);
  builder.setInsertionPointToEnd(module->getBody());
  auto op = mlir::vsqaccel::buildProgramOp(builder, loc, *program);
  if (mlir::failed(mlir::verify(*module)))
    llvm::report_fatal_error(llvm::Twine("a decoded program fails the verifiers: ") +
                             diagnostics);
  mlir::FailureOr<Program> back = mlir::vsqaccel::programFromOp(op);
  if (mlir::failed(back) ||
      back->instructions.size() != program->instructions.size())
    llvm::report_fatal_error("IR does not convert back to the program");
  return 0;
}
