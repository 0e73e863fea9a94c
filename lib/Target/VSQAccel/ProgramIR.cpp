//===- ProgramIR.cpp - vsqaccel IR <-> accelerator program ------*- C++ -*-===//

#include "vsquant/Target/VSQAccel/ProgramIR.h"

#include "vsquant/Dialect/VSQAccel/IR/VSQAccel.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace mlir::vsqaccel;
namespace accel = vsquant::accel;

static Buffer toBuffer(accel::BufferKind kind) {
  return Buffer(static_cast<uint32_t>(kind));
}
static accel::BufferKind toKind(Buffer buffer) {
  return accel::BufferKind(static_cast<uint8_t>(buffer));
}

ProgramOp mlir::vsqaccel::buildProgramOp(OpBuilder &builder, Location loc,
                                         const accel::Program &program) {
  const accel::MachineShape &s = program.shape;
  auto program_ = ProgramOp::create(
      builder, loc, program.name, s.vectorSize, s.lanes, s.weightBits,
      s.activationBits, s.weightScaleBits, s.activationScaleBits,
      s.accumulatorBits, s.weightSlots, s.inputEntries, s.accumulatorRows,
      s.paramsWords, s.outputRows);
  Block *body = new Block();
  program_.getBody().push_back(body);
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(body);
  Type tokenType = builder.getType<TokenType>();
  SmallVector<Value> tokens;
  for (const accel::Instruction &in : program.instructions) {
    SmallVector<Value> deps;
    for (uint32_t dep : in.deps)
      deps.push_back(tokens[dep]);
    Value token;
    switch (in.opcode) {
    case accel::Opcode::DmaLoad: {
      IntegerAttr rows, stride;
      if (in.rows > 0) {
        rows = builder.getI64IntegerAttr(in.rows);
        stride = builder.getI64IntegerAttr(in.stride);
      }
      token = DmaLoadOp::create(builder, loc, tokenType, toBuffer(in.buffer), in.addr,
                                in.dramAddr, in.count, rows, stride, deps);
      break;
    }
    case accel::Opcode::DmaStore: {
      IntegerAttr lanes, stride;
      if (in.lanes > 0) {
        lanes = builder.getI64IntegerAttr(in.lanes);
        stride = builder.getI64IntegerAttr(in.stride);
      }
      token = DmaStoreOp::create(builder, loc, tokenType, toBuffer(in.buffer),
                                 in.addr, in.dramAddr, in.count, lanes, stride,
                                 in.requantized, deps);
      break;
    }
    case accel::Opcode::AccClear:
      token = AccClearOp::create(builder, loc, tokenType, in.acc, in.rows, deps);
      break;
    case accel::Opcode::Vmac:
      token = VmacOp::create(builder, loc, tokenType, in.acc, in.weight,
                             in.input, in.rows, in.vectors, in.lanes,
                             in.unsignedInput, deps);
      break;
    case accel::Opcode::Postprocess:
      token = PostprocessOp::create(builder, loc, tokenType, in.acc, in.rows, in.lanes,
                                    in.params, in.out, in.bias, in.relu,
                                    in.requantize, in.unsignedOutput, deps);
      break;
    case accel::Opcode::Barrier:
      token = BarrierOp::create(builder, loc, tokenType, deps);
      break;
    }
    tokens.push_back(token);
  }
  return program_;
}

FailureOr<accel::Program> mlir::vsqaccel::programFromOp(ProgramOp op) {
  accel::Program program;
  program.name = op.getSymName().str();
  accel::MachineShape &s = program.shape;
  s.vectorSize = op.getVectorSize();
  s.lanes = op.getLanes();
  s.weightBits = op.getWeightBits();
  s.activationBits = op.getActivationBits();
  s.weightScaleBits = op.getWeightScaleBits();
  s.activationScaleBits = op.getActivationScaleBits();
  s.accumulatorBits = op.getAccumulatorBits();
  s.weightSlots = op.getWeightSlots();
  s.inputEntries = op.getInputEntries();
  s.accumulatorRows = op.getAccumulatorRows();
  s.paramsWords = op.getParamsWords();
  s.outputRows = op.getOutputRows();

  DenseMap<Operation *, uint32_t> indexOf;
  for (Operation &inner : op.getBody().front()) {
    accel::Instruction in;
    for (Value dep : inner.getOperands()) {
      Operation *producer = dep.getDefiningOp();
      auto it = producer ? indexOf.find(producer) : indexOf.end();
      if (it == indexOf.end())
        return inner.emitOpError(
            "depends on a token that no earlier instruction of the program "
            "produced");
      in.deps.push_back(it->second);
    }
    bool known =
        TypeSwitch<Operation *, bool>(&inner)
            .Case([&](DmaLoadOp load) {
              in.opcode = accel::Opcode::DmaLoad;
              in.buffer = toKind(load.getBuffer());
              in.addr = load.getAddr();
              in.dramAddr = load.getDramAddr();
              in.count = load.getCount();
              if (load.getRows()) {
                in.rows = *load.getRows();
                in.stride = *load.getStride();
              }
              return true;
            })
            .Case([&](DmaStoreOp store) {
              in.opcode = accel::Opcode::DmaStore;
              in.buffer = toKind(store.getBuffer());
              in.addr = store.getAddr();
              in.dramAddr = store.getDramAddr();
              in.count = store.getCount();
              if (store.getLanes()) {
                in.lanes = *store.getLanes();
                in.stride = *store.getStride();
              }
              in.requantized = store.getRequantized();
              return true;
            })
            .Case([&](AccClearOp clear) {
              in.opcode = accel::Opcode::AccClear;
              in.acc = clear.getAcc();
              in.rows = clear.getRows();
              return true;
            })
            .Case([&](VmacOp vmac) {
              in.opcode = accel::Opcode::Vmac;
              in.acc = vmac.getAcc();
              in.weight = vmac.getWeight();
              in.input = vmac.getInput();
              in.rows = vmac.getRows();
              in.vectors = vmac.getVectors();
              in.lanes = vmac.getLanes();
              in.unsignedInput = vmac.getUnsignedInput();
              return true;
            })
            .Case([&](PostprocessOp post) {
              in.opcode = accel::Opcode::Postprocess;
              in.acc = post.getAcc();
              in.rows = post.getRows();
              in.lanes = post.getLanes();
              in.params = post.getParams();
              in.out = post.getOut();
              in.bias = post.getBias();
              in.relu = post.getRelu();
              in.requantize = post.getRequantize();
              in.unsignedOutput = post.getUnsignedOutput();
              return true;
            })
            .Case([&](BarrierOp) {
              in.opcode = accel::Opcode::Barrier;
              return true;
            })
            .Default([](Operation *) { return false; });
    if (!known)
      return inner.emitOpError("is not a vsqaccel instruction");
    indexOf[&inner] = program.instructions.size();
    program.instructions.push_back(std::move(in));
  }
  return program;
}

//===----------------------------------------------------------------------===//
// Translations
//===----------------------------------------------------------------------===//

/// The module's one program, or an error.
static FailureOr<accel::Program> soleProgram(Operation *module) {
  SmallVector<ProgramOp> programs;
  module->walk([&](ProgramOp op) { programs.push_back(op); });
  if (programs.size() != 1)
    return module->emitError("expected exactly one vsqaccel.program, found ")
           << programs.size();
  return programFromOp(programs.front());
}

void mlir::vsqaccel::registerVSQAccelTranslations() {
  auto registerDialect = [](DialectRegistry &registry) {
    registry.insert<VSQAccelDialect>();
  };
  static TranslateFromMLIRRegistration toAsm(
      "vsqaccel-to-asm", "Write a vsqaccel program as readable assembly",
      [](Operation *module, raw_ostream &os) -> LogicalResult {
        FailureOr<accel::Program> program = soleProgram(module);
        if (failed(program))
          return failure();
        os << accel::formatAssembly(*program);
        return success();
      },
      registerDialect);
  static TranslateFromMLIRRegistration toBinary(
      "vsqaccel-to-binary",
      "Encode a vsqaccel program (docs/AcceleratorISA.md)",
      [](Operation *module, raw_ostream &os) -> LogicalResult {
        FailureOr<accel::Program> program = soleProgram(module);
        if (failed(program))
          return failure();
        llvm::Expected<std::vector<uint8_t>> bytes =
            accel::encodeProgram(*program);
        if (!bytes)
          return module->emitError(llvm::toString(bytes.takeError()));
        os.write(reinterpret_cast<const char *>(bytes->data()), bytes->size());
        return success();
      },
      registerDialect);
  static TranslateToMLIRRegistration fromBinary(
      "binary-to-vsqaccel", "Disassemble a vsqaccel binary",
      [](llvm::SourceMgr &sourceMgr,
         MLIRContext *context) -> OwningOpRef<Operation *> {
        context->loadDialect<VSQAccelDialect>();
        const llvm::MemoryBuffer *buffer =
            sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        Location loc = FileLineColLoc::get(
            context, buffer->getBufferIdentifier(), 0, 0);
        llvm::StringRef data = buffer->getBuffer();
        llvm::Expected<accel::Program> program = accel::decodeProgram(
            llvm::ArrayRef<uint8_t>(
                reinterpret_cast<const uint8_t *>(data.data()), data.size()));
        if (!program) {
          emitError(loc) << llvm::toString(program.takeError());
          return nullptr;
        }
        OpBuilder builder(context);
        OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
        builder.setInsertionPointToEnd(module->getBody());
        buildProgramOp(builder, loc, *program);
        // The decoder checked what the verifiers check; verifying again
        // keeps the two honest.
        if (failed(verify(*module)))
          return nullptr;
        return OwningOpRef<Operation *>(module.release());
      },
      registerDialect);
}
