//===- ProgramIR.h - vsqaccel IR <-> accelerator program --------*- C++ -*-===//
//
// The one bridge between the vsqaccel dialect and the pure C++ program of
// vsquant/Accel/ISA.h: the lowering and the disassembler build IR with it,
// the emitter reads IR with it, so IR -> binary -> IR is the identity.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_TARGET_VSQACCEL_PROGRAMIR_H
#define VSQUANT_TARGET_VSQACCEL_PROGRAMIR_H

#include "vsquant/Accel/ISA.h"

#include "mlir/IR/Builders.h"
#include "mlir/Support/LLVM.h"

namespace mlir {
class DialectRegistry;
namespace vsqaccel {
class ProgramOp;

/// Builds a vsqaccel.program holding `program`'s instructions at the
/// builder's insertion point.
ProgramOp buildProgramOp(OpBuilder &builder, Location loc,
                         const ::vsquant::accel::Program &program);

/// Reads a (verified) vsqaccel.program; emits an error on the op and fails
/// if a dependency is not a token of an earlier instruction of the program.
FailureOr<::vsquant::accel::Program> programFromOp(ProgramOp op);

/// Registers vsqaccel-to-asm, vsqaccel-to-binary and binary-to-vsqaccel.
void registerVSQAccelTranslations();

} // namespace vsqaccel
} // namespace mlir

#endif // VSQUANT_TARGET_VSQACCEL_PROGRAMIR_H
