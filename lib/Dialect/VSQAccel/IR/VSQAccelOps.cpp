//===- VSQAccelOps.cpp - vsqaccel instruction verifiers ---------*- C++ -*-===//
//
// Every instruction is checked against the capacities its program declares,
// so that an accepted program never addresses outside a buffer (the
// disassembler runs the same verifiers on what it decodes).
//
//===----------------------------------------------------------------------===//

#include "vsquant/Dialect/VSQAccel/IR/VSQAccel.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::vsqaccel;

/// Checks that entries [addr, addr + count) lie in a buffer of `capacity`
/// entries (without overflowing int64).
static LogicalResult checkRange(Operation *op, StringRef what, int64_t addr,
                                int64_t count, int64_t capacity) {
  if (addr <= capacity && count <= capacity - addr)
    return success();
  return op->emitOpError() << what << " [" << addr << ", "
                           << (count > INT64_MAX - addr ? INT64_MAX
                                                        : addr + count)
                           << ") is outside the buffer's " << capacity
                           << " entries";
}

static ProgramOp programOf(Operation *op) {
  return cast<ProgramOp>(op->getParentOp());
}

LogicalResult ProgramOp::verify() {
  if (getWeightBits() > 8 || getActivationBits() > 8)
    return emitOpError("element bits must be at most 8");
  if (getWeightScaleBits() > 16 || getActivationScaleBits() > 16)
    return emitOpError("scale bits must be at most 16");
  if ((getWeightScaleBits() == 0) != (getActivationScaleBits() == 0))
    return emitOpError("weights and activations must both have per-vector "
                       "scales or neither");
  if (getAccumulatorBits() > 64)
    return emitOpError("accumulator bits must be at most 64");
  return success();
}

/// Entries of each DMA-addressable buffer.
static int64_t capacityOf(ProgramOp program, Buffer buffer) {
  switch (buffer) {
  case Buffer::weight:
    return program.getWeightSlots();
  case Buffer::input:
    return program.getInputEntries();
  case Buffer::params:
    return program.getParamsWords();
  case Buffer::output:
    return program.getOutputRows();
  }
  llvm_unreachable("unknown buffer");
}

LogicalResult DmaLoadOp::verify() {
  if (getBuffer() == Buffer::output)
    return emitOpError("cannot load into the output buffer (only the PPU "
                       "writes it)");
  if (getRows().has_value() != getStride().has_value())
    return emitOpError("needs both rows and stride, or neither");
  if (getRowCount() > INT64_MAX / getCount())
    return emitOpError("rows x count overflows");
  return checkRange(*this, stringifyBuffer(getBuffer()).str() + " entries",
                    getAddr(), getRowCount() * getCount(),
                    capacityOf(programOf(*this), getBuffer()));
}

LogicalResult DmaStoreOp::verify() {
  if (getBuffer() != Buffer::output)
    return emitOpError("can only store from the output buffer, not ")
           << stringifyBuffer(getBuffer());
  if (getLanes().has_value() != getStride().has_value())
    return emitOpError("needs both lanes and stride, or neither");
  if (getLanes()) {
    ProgramOp program = programOf(*this);
    if (*getLanes() > program.getLanes())
      return emitOpError("uses ") << *getLanes() << " lanes, the machine has "
                                  << program.getLanes();
    if (getRequantized() && *getLanes() % program.getVectorSize() != 0)
      return emitOpError("a re-quantized 2-D store needs lanes (")
             << *getLanes() << ") to be a multiple of the vector size ("
             << program.getVectorSize() << ")";
  }
  return checkRange(*this, "output rows", getAddr(), getCount(),
                    programOf(*this).getOutputRows());
}

LogicalResult AccClearOp::verify() {
  return checkRange(*this, "accumulator rows", getAcc(), getRows(),
                    programOf(*this).getAccumulatorRows());
}

LogicalResult VmacOp::verify() {
  ProgramOp program = programOf(*this);
  if (getLanes() > program.getLanes())
    return emitOpError("uses ") << getLanes() << " lanes, the machine has "
                                << program.getLanes();
  if (getRows() > INT64_MAX / getVectors())
    return emitOpError("rows x vectors overflows");
  if (failed(checkRange(*this, "accumulator rows", getAcc(), getRows(),
                        program.getAccumulatorRows())) ||
      failed(checkRange(*this, "weight slots", getWeight(), getVectors(),
                        program.getWeightSlots())))
    return failure();
  return checkRange(*this, "input entries", getInput(),
                    getRows() * getVectors(), program.getInputEntries());
}

LogicalResult PostprocessOp::verify() {
  ProgramOp program = programOf(*this);
  if (getLanes() > program.getLanes())
    return emitOpError("uses ") << getLanes() << " lanes, the machine has "
                                << program.getLanes();
  if (getRequantize()) {
    if (!program.isPerVector())
      return emitOpError("requantize needs a per-vector machine");
    if (getLanes() % program.getVectorSize() != 0)
      return emitOpError("requantize needs lanes (")
             << getLanes() << ") to be a multiple of the vector size ("
             << program.getVectorSize() << ")";
  }
  if (getUnsignedOutput() && !getRequantize())
    return emitOpError("unsigned_output needs requantize");
  if (failed(checkRange(*this, "accumulator rows", getAcc(), getRows(),
                        program.getAccumulatorRows())) ||
      failed(checkRange(*this, "output rows", getOut(), getRows(),
                        program.getOutputRows())))
    return failure();
  return checkRange(*this, "params words", getParams(), getParamsWords(),
                    program.getParamsWords());
}

LogicalResult BarrierOp::verify() { return success(); }

#define GET_OP_CLASSES
#include "vsquant/Dialect/VSQAccel/IR/VSQAccelOps.cpp.inc"
