//===- ISA.h - The accelerator's instructions, in memory and binary -*- C++ -*-===//
//
// Pure C++ twin of the vsqaccel dialect (docs/AcceleratorISA.md): the
// program the lowering plans, the emitter encodes, the disassembler decodes
// and the simulator runs. One place defines entry sizes and the binary
// encoding so that they cannot drift apart.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_ACCEL_ISA_H
#define VSQUANT_ACCEL_ISA_H

#include "vsquant/Accel/Config.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vsquant {
namespace accel {

/// What the ISA sees of a machine: widths and buffer capacities in entries.
struct MachineShape {
  int64_t vectorSize = 16;
  int64_t lanes = 1; // all lanes of all PEs
  int64_t weightBits = 8, activationBits = 8;
  int64_t weightScaleBits = 0, activationScaleBits = 0;
  int64_t accumulatorBits = 32;
  int64_t weightSlots = 1;     // weight vectors per lane
  int64_t inputEntries = 1;    // input vectors
  int64_t accumulatorRows = 1; // rows of one partial sum per lane
  int64_t paramsWords = 1;     // fp32 words
  int64_t outputRows = 1;      // rows of one output per lane

  bool isPerVector() const { return weightScaleBits > 0; }
  /// Packed bytes of one weight vector (V elements then its scale).
  int64_t weightVectorBytes() const {
    return (vectorSize * weightBits + weightScaleBits + 7) / 8;
  }
  int64_t weightSlotBytes() const { return lanes * weightVectorBytes(); }
  int64_t inputEntryBytes() const {
    return (vectorSize * activationBits + activationScaleBits + 7) / 8;
  }
  /// An fp32 output row, or lanes / V re-quantized input entries.
  int64_t outputRowBytes(bool requantized) const {
    return requantized ? lanes / vectorSize * inputEntryBytes() : lanes * 4;
  }
};

/// The ISA view of a config. The params buffer holds two sets (double
/// buffering) of a scale and a bias per lane plus one output coarse scale;
/// the output buffer has twice the accumulator's rows (double buffered).
MachineShape machineShapeOf(const Config &config);

enum class Opcode : uint8_t {
  DmaLoad = 1,
  DmaStore = 2,
  AccClear = 3,
  Vmac = 4,
  Postprocess = 5,
  Barrier = 6,
};
enum class BufferKind : uint8_t { Weight = 0, Input = 1, Params = 2, Output = 3 };

llvm::StringRef opcodeName(Opcode opcode);
llvm::StringRef bufferName(BufferKind buffer);

/// One instruction; fields an opcode does not use stay 0 / false.
struct Instruction {
  Opcode opcode = Opcode::Barrier;
  std::vector<uint32_t> deps; // indices of earlier instructions
  // DMA
  BufferKind buffer = BufferKind::Weight;
  int64_t addr = 0, dramAddr = 0, count = 0;
  int64_t rows = 0, stride = 0; // dma_load 2-D form when rows > 0
  bool requantized = false;     // dma_store
  // dma_store 2-D form when lanes > 0: each of `count` rows writes its
  // first `lanes` outputs to dramAddr + r * stride (`lanes` and `stride`).
  // Compute (acc_clear, vmac, postprocess); `rows` is shared.
  int64_t acc = 0, weight = 0, input = 0, vectors = 0, lanes = 0;
  int64_t params = 0, out = 0;
  bool bias = false, relu = false, requantize = false;
  bool unsignedOutput = false; // postprocess requantize: ui<N> outputs
  bool unsignedInput = false; // vmac: ui<N> input elements

  /// Params words a postprocess reads.
  int64_t paramsWords() const {
    return lanes * (bias ? 2 : 1) + (requantize ? 1 : 0);
  }
};

struct Program {
  std::string name;
  MachineShape shape;
  std::vector<Instruction> instructions;
};

/// Checks an instruction against the machine (what the vsqaccel verifiers
/// check); the message names the field and range.
llvm::Error checkInstruction(const MachineShape &shape,
                             const Instruction &instruction, size_t index);

/// The binary encoding (docs/AcceleratorISA.md). Fails if a field does not
/// fit its encoding or an instruction is invalid.
llvm::Expected<std::vector<uint8_t>> encodeProgram(const Program &program);
/// Decodes and checks a binary; errors name the byte offset
/// ("offset 52: unknown opcode 9").
llvm::Expected<Program> decodeProgram(llvm::ArrayRef<uint8_t> bytes);

/// One line per instruction, e.g. "3: vmac acc[0] weight[0] input[0] rows 4
/// vectors 2 lanes 64 after 0,1,2".
std::string formatAssembly(const Program &program);

} // namespace accel
} // namespace vsquant

#endif // VSQUANT_ACCEL_ISA_H
