//===- ISA.cpp - Accelerator instructions: checks and encoding --*- C++ -*-===//

#include "vsquant/Accel/ISA.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace llvm;
using namespace vsquant::accel;

static constexpr char kMagic[4] = {'V', 'S', 'Q', 'A'};
static constexpr uint16_t kBinaryVersion = 1;

MachineShape vsquant::accel::machineShapeOf(const Config &config) {
  MachineShape shape;
  shape.vectorSize = config.vectorSize;
  shape.lanes = config.lanes();
  shape.weightBits = config.weightBits;
  shape.activationBits = config.activationBits;
  shape.weightScaleBits = config.weightScaleBits;
  shape.activationScaleBits = config.activationScaleBits;
  shape.accumulatorBits = config.accumulatorBits;
  // A lane's share of its PE's weight buffer, in packed vectors.
  shape.weightSlots = config.weightBufferBytes /
                      (config.lanesPerPE * shape.weightVectorBytes());
  shape.inputEntries = config.inputBufferBytes / shape.inputEntryBytes();
  shape.accumulatorRows = config.accumulatorBufferBytes * 8 /
                          (config.lanesPerPE * int64_t(config.accumulatorBits));
  shape.paramsWords = 2 * (2 * shape.lanes + 1);
  // Two accumulators' worth of output rows: the PPU fills one half while
  // the write DMA drains the other.
  shape.outputRows = 2 * shape.accumulatorRows;
  return shape;
}

StringRef vsquant::accel::opcodeName(Opcode opcode) {
  switch (opcode) {
  case Opcode::DmaLoad:
    return "dma_load";
  case Opcode::DmaStore:
    return "dma_store";
  case Opcode::AccClear:
    return "acc_clear";
  case Opcode::Vmac:
    return "vmac";
  case Opcode::Postprocess:
    return "postprocess";
  case Opcode::Barrier:
    return "barrier";
  }
  return "unknown";
}

StringRef vsquant::accel::bufferName(BufferKind buffer) {
  switch (buffer) {
  case BufferKind::Weight:
    return "weight";
  case BufferKind::Input:
    return "input";
  case BufferKind::Params:
    return "params";
  case BufferKind::Output:
    return "output";
  }
  return "unknown";
}

static Error rangeError(size_t index, StringRef what, int64_t addr,
                        int64_t count, int64_t capacity) {
  int64_t end;
  if (__builtin_add_overflow(addr, count, &end))
    end = INT64_MAX;
  return createStringError(
      inconvertibleErrorCode(),
      "instruction %zu: %s [%lld, %lld) is outside the buffer's %lld entries",
      index, what.str().c_str(), (long long)addr, (long long)end,
      (long long)capacity);
}

/// [addr, addr + count) within capacity (no sum is formed: nothing
/// overflows).
static Error checkRange(size_t index, StringRef what, int64_t addr,
                        int64_t count, int64_t capacity) {
  if (addr < 0 || count < 0 || addr > capacity || count > capacity - addr)
    return rangeError(index, what, addr, count, capacity);
  return Error::success();
}

static int64_t capacityOf(const MachineShape &shape, BufferKind buffer) {
  switch (buffer) {
  case BufferKind::Weight:
    return shape.weightSlots;
  case BufferKind::Input:
    return shape.inputEntries;
  case BufferKind::Params:
    return shape.paramsWords;
  case BufferKind::Output:
    return shape.outputRows;
  }
  return 0;
}

static Error fieldError(size_t index, const Twine &message) {
  return createStringError(inconvertibleErrorCode(), "instruction %zu: %s",
                           index, message.str().c_str());
}

Error vsquant::accel::checkInstruction(const MachineShape &shape,
                                       const Instruction &in, size_t index) {
  for (uint32_t dep : in.deps)
    if (dep >= index)
      return fieldError(index, formatv("depends on instruction {0}, which "
                                       "does not come before it",
                                       dep));
  auto positive = [&](StringRef name, int64_t value) -> Error {
    if (value < 1)
      return fieldError(index, formatv("{0} must be positive, got {1}", name,
                                       value));
    return Error::success();
  };
  auto lanes = [&]() -> Error {
    if (Error e = positive("lanes", in.lanes))
      return e;
    if (in.lanes > shape.lanes)
      return fieldError(index, formatv("uses {0} lanes, the machine has {1}",
                                       in.lanes, shape.lanes));
    return Error::success();
  };
  switch (in.opcode) {
  case Opcode::DmaLoad: {
    if (in.buffer == BufferKind::Output)
      return fieldError(index, "cannot load into the output buffer");
    if (Error e = positive("count", in.count))
      return e;
    int64_t blocks = in.rows > 0 ? in.rows : 1, entries;
    if (__builtin_mul_overflow(blocks, in.count, &entries))
      return fieldError(index, "rows x count overflows");
    return checkRange(index, bufferName(in.buffer).str() + " entries", in.addr,
                      entries, capacityOf(shape, in.buffer));
  }
  case Opcode::DmaStore:
    if (in.buffer != BufferKind::Output)
      return fieldError(index, "can only store from the output buffer");
    if (Error e = positive("count", in.count))
      return e;
    if (in.lanes > 0) {
      if (Error e = lanes())
        return e;
      if (in.requantized && in.lanes % shape.vectorSize != 0)
        return fieldError(index, "a re-quantized 2-D store needs lanes to be "
                                 "a multiple of the vector size");
    }
    return checkRange(index, "output rows", in.addr, in.count,
                      shape.outputRows);
  case Opcode::AccClear:
    if (Error e = positive("rows", in.rows))
      return e;
    return checkRange(index, "accumulator rows", in.acc, in.rows,
                      shape.accumulatorRows);
  case Opcode::Vmac:
    if (Error e = positive("rows", in.rows))
      return e;
    if (Error e = positive("vectors", in.vectors))
      return e;
    if (Error e = lanes())
      return e;
    int64_t entries;
    if (__builtin_mul_overflow(in.rows, in.vectors, &entries))
      return fieldError(index, "rows x vectors overflows");
    if (Error e = checkRange(index, "accumulator rows", in.acc, in.rows,
                             shape.accumulatorRows))
      return e;
    if (Error e = checkRange(index, "weight slots", in.weight, in.vectors,
                             shape.weightSlots))
      return e;
    return checkRange(index, "input entries", in.input, entries,
                      shape.inputEntries);
  case Opcode::Postprocess:
    if (Error e = positive("rows", in.rows))
      return e;
    if (Error e = lanes())
      return e;
    if (in.requantize && !shape.isPerVector())
      return fieldError(index, "requantize needs a per-vector machine");
    if (in.requantize && in.lanes % shape.vectorSize != 0)
      return fieldError(index, "requantize needs lanes to be a multiple of "
                               "the vector size");
    if (in.unsignedOutput && !in.requantize)
      return fieldError(index, "unsigned_output needs requantize");
    if (Error e = checkRange(index, "accumulator rows", in.acc, in.rows,
                             shape.accumulatorRows))
      return e;
    if (Error e = checkRange(index, "output rows", in.out, in.rows,
                             shape.outputRows))
      return e;
    return checkRange(index, "params words", in.params, in.paramsWords(),
                      shape.paramsWords);
  case Opcode::Barrier:
    return Error::success();
  }
  return fieldError(index, "unknown opcode");
}

//===----------------------------------------------------------------------===//
// Binary encoding
//===----------------------------------------------------------------------===//

namespace {
class Writer {
public:
  std::vector<uint8_t> bytes;
  void u8(uint64_t v) { bytes.push_back(uint8_t(v)); }
  void u16(uint64_t v) { put(v, 2); }
  void u32(uint64_t v) { put(v, 4); }
  void u64(uint64_t v) { put(v, 8); }

private:
  void put(uint64_t v, int n) {
    for (int i = 0; i < n; ++i)
      bytes.push_back(uint8_t(v >> (8 * i)));
  }
};

class Reader {
public:
  explicit Reader(ArrayRef<uint8_t> bytes) : bytes(bytes) {}
  size_t offset = 0;
  Error error = Error::success();
  ~Reader() { consumeError(std::move(error)); }

  uint64_t get(int n, StringRef what) {
    if (error)
      return 0;
    if (bytes.size() - offset < size_t(n)) {
      error = createStringError(inconvertibleErrorCode(),
                                "offset %zu: truncated: %s needs %d bytes, "
                                "%zu left",
                                offset, what.str().c_str(), n,
                                bytes.size() - offset);
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < n; ++i)
      v |= uint64_t(bytes[offset + i]) << (8 * i);
    offset += n;
    return v;
  }
  void fail(size_t at, const Twine &message) {
    if (!error)
      error = createStringError(inconvertibleErrorCode(), "offset %zu: %s", at,
                                message.str().c_str());
  }
  bool atEnd() const { return offset == bytes.size(); }

private:
  ArrayRef<uint8_t> bytes;
};

// Flag bits per opcode.
constexpr uint8_t kDmaLoad2D = 1;
constexpr uint8_t kStoreRequantized = 1, kStore2D = 2;
constexpr uint8_t kPostBias = 1, kPostRelu = 2, kPostRequantize = 4,
                  kPostUnsignedOutput = 8;
constexpr uint8_t kVmacUnsignedInput = 1;

uint8_t allowedFlags(Opcode opcode) {
  switch (opcode) {
  case Opcode::DmaLoad:
    return kDmaLoad2D;
  case Opcode::DmaStore:
    return kStoreRequantized | kStore2D;
  case Opcode::Postprocess:
    return kPostBias | kPostRelu | kPostRequantize | kPostUnsignedOutput;
  case Opcode::Vmac:
    return kVmacUnsignedInput;
  default:
    return 0;
  }
}
} // namespace

static bool fitsU32(int64_t v) { return v >= 0 && v <= int64_t(UINT32_MAX); }

Expected<std::vector<uint8_t>>
vsquant::accel::encodeProgram(const Program &program) {
  const MachineShape &s = program.shape;
  if (program.name.size() > UINT16_MAX)
    return createStringError(inconvertibleErrorCode(), "program name too long");
  for (int64_t v : {s.vectorSize, s.lanes, s.weightSlots, s.inputEntries,
                    s.accumulatorRows, s.paramsWords, s.outputRows})
    if (!fitsU32(v))
      return createStringError(inconvertibleErrorCode(),
                               "machine capacity %lld does not fit 32 bits",
                               (long long)v);
  Writer w;
  for (char c : kMagic)
    w.u8(c);
  w.u16(kBinaryVersion);
  w.u16(0);
  w.u32(s.vectorSize);
  w.u32(s.lanes);
  w.u8(s.weightBits);
  w.u8(s.activationBits);
  w.u8(s.weightScaleBits);
  w.u8(s.activationScaleBits);
  w.u8(s.accumulatorBits);
  w.u8(0);
  w.u8(0);
  w.u8(0);
  w.u32(s.weightSlots);
  w.u32(s.inputEntries);
  w.u32(s.accumulatorRows);
  w.u32(s.paramsWords);
  w.u32(s.outputRows);
  w.u16(program.name.size());
  for (char c : program.name)
    w.u8(c);
  w.u32(program.instructions.size());
  for (auto [index, in] : llvm::enumerate(program.instructions)) {
    if (Error e = checkInstruction(s, in, index))
      return std::move(e);
    for (int64_t v : {in.addr, in.count, in.rows, in.acc, in.weight, in.input,
                      in.vectors, in.lanes, in.params, in.out})
      if (!fitsU32(v))
        return fieldError(index, formatv("field value {0} does not fit the "
                                         "32-bit encoding",
                                         v));
    if (in.dramAddr < 0 || in.stride < 0)
      return fieldError(index, "negative DRAM address or stride");
    if (in.deps.size() > UINT16_MAX)
      return fieldError(index, "too many dependencies");
    uint8_t flags = 0;
    if (in.opcode == Opcode::DmaLoad && in.rows > 0)
      flags |= kDmaLoad2D;
    if (in.opcode == Opcode::DmaStore && in.requantized)
      flags |= kStoreRequantized;
    if (in.opcode == Opcode::DmaStore && in.lanes > 0)
      flags |= kStore2D;
    if (in.opcode == Opcode::Vmac && in.unsignedInput)
      flags |= kVmacUnsignedInput;
    if (in.opcode == Opcode::Postprocess)
      flags |= (in.bias ? kPostBias : 0) | (in.relu ? kPostRelu : 0) |
               (in.requantize ? kPostRequantize : 0) |
               (in.unsignedOutput ? kPostUnsignedOutput : 0);
    w.u8(uint8_t(in.opcode));
    w.u8(flags);
    w.u16(in.deps.size());
    for (uint32_t dep : in.deps)
      w.u32(dep);
    switch (in.opcode) {
    case Opcode::DmaLoad:
    case Opcode::DmaStore:
      w.u8(uint8_t(in.buffer));
      w.u32(in.addr);
      w.u64(in.dramAddr);
      w.u32(in.count);
      if (flags & kDmaLoad2D && in.opcode == Opcode::DmaLoad) {
        w.u32(in.rows);
        w.u64(in.stride);
      }
      if (flags & kStore2D && in.opcode == Opcode::DmaStore) {
        w.u32(in.lanes);
        w.u64(in.stride);
      }
      break;
    case Opcode::AccClear:
      w.u32(in.acc);
      w.u32(in.rows);
      break;
    case Opcode::Vmac:
      w.u32(in.acc);
      w.u32(in.weight);
      w.u32(in.input);
      w.u32(in.rows);
      w.u32(in.vectors);
      w.u32(in.lanes);
      break;
    case Opcode::Postprocess:
      w.u32(in.acc);
      w.u32(in.rows);
      w.u32(in.lanes);
      w.u32(in.params);
      w.u32(in.out);
      break;
    case Opcode::Barrier:
      break;
    }
  }
  return std::move(w.bytes);
}

Expected<Program> vsquant::accel::decodeProgram(ArrayRef<uint8_t> bytes) {
  Reader r(bytes);
  Program program;
  MachineShape &s = program.shape;
  for (char c : kMagic)
    if (char(r.get(1, "magic")) != c && !r.error) {
      r.fail(0, "not a vsqaccel binary (bad magic)");
      return std::move(r.error);
    }
  size_t versionAt = r.offset;
  uint64_t version = r.get(2, "version");
  if (!r.error && version != kBinaryVersion)
    r.fail(versionAt, formatv("unsupported version {0} (this reader reads {1})",
                              version, kBinaryVersion));
  // Reserved and padding bytes must be 0: one program, one encoding.
  size_t reservedAt = r.offset;
  if (r.get(2, "reserved") != 0 && !r.error)
    r.fail(reservedAt, "reserved bytes must be 0");
  size_t shapeAt = r.offset;
  s.vectorSize = r.get(4, "vector_size");
  s.lanes = r.get(4, "lanes");
  s.weightBits = r.get(1, "weight_bits");
  s.activationBits = r.get(1, "activation_bits");
  s.weightScaleBits = r.get(1, "weight_scale_bits");
  s.activationScaleBits = r.get(1, "activation_scale_bits");
  s.accumulatorBits = r.get(1, "accumulator_bits");
  size_t paddingAt = r.offset;
  if (r.get(3, "padding") != 0 && !r.error)
    r.fail(paddingAt, "padding bytes must be 0");
  s.weightSlots = r.get(4, "weight_slots");
  s.inputEntries = r.get(4, "input_entries");
  s.accumulatorRows = r.get(4, "accumulator_rows");
  s.paramsWords = r.get(4, "params_words");
  s.outputRows = r.get(4, "output_rows");
  if (!r.error) {
    if (s.vectorSize < 1 || s.lanes < 1 || s.weightSlots < 1 ||
        s.inputEntries < 1 || s.accumulatorRows < 1 || s.paramsWords < 1 ||
        s.outputRows < 1)
      r.fail(shapeAt, "machine sizes and capacities must be positive");
    else if (s.weightBits < 1 || s.weightBits > 8 || s.activationBits < 1 ||
             s.activationBits > 8 || s.weightScaleBits > 16 ||
             s.activationScaleBits > 16 ||
             (s.weightScaleBits == 0) != (s.activationScaleBits == 0) ||
             s.accumulatorBits < 1 || s.accumulatorBits > 64)
      r.fail(shapeAt, "invalid machine bit widths");
  }
  uint64_t nameLength = r.get(2, "name length");
  size_t nameAt = r.offset;
  for (uint64_t i = 0; i < nameLength && !r.error; ++i)
    program.name.push_back(char(r.get(1, "name")));
  if (!r.error && program.name.empty())
    r.fail(nameAt, "empty program name");
  uint64_t count = r.get(4, "instruction count");
  for (uint64_t index = 0; index < count && !r.error; ++index) {
    size_t at = r.offset;
    Instruction in;
    uint64_t opcode = r.get(1, "opcode");
    if (r.error)
      break;
    if (opcode < uint64_t(Opcode::DmaLoad) || opcode > uint64_t(Opcode::Barrier)) {
      r.fail(at, formatv("unknown opcode {0}", opcode));
      break;
    }
    in.opcode = Opcode(opcode);
    uint64_t flags = r.get(1, "flags");
    if (!r.error && (flags & ~uint64_t(allowedFlags(in.opcode)))) {
      r.fail(at + 1, formatv("unknown flags {0:x} for {1}", flags,
                             opcodeName(in.opcode)));
      break;
    }
    uint64_t deps = r.get(2, "dependency count");
    for (uint64_t d = 0; d < deps && !r.error; ++d)
      in.deps.push_back(r.get(4, "dependency"));
    switch (in.opcode) {
    case Opcode::DmaLoad:
    case Opcode::DmaStore: {
      size_t bufferAt = r.offset;
      uint64_t buffer = r.get(1, "buffer");
      if (!r.error && buffer > uint64_t(BufferKind::Output))
        r.fail(bufferAt, formatv("unknown buffer {0}", buffer));
      in.buffer = BufferKind(buffer);
      in.addr = r.get(4, "address");
      uint64_t dram = r.get(8, "DRAM address");
      if (!r.error && dram > uint64_t(INT64_MAX))
        r.fail(bufferAt + 5, "DRAM address out of range");
      in.dramAddr = int64_t(dram);
      in.count = r.get(4, "count");
      if (in.opcode == Opcode::DmaLoad && (flags & kDmaLoad2D)) {
        in.rows = r.get(4, "rows");
        uint64_t stride = r.get(8, "stride");
        if (!r.error && (stride > uint64_t(INT64_MAX) || in.rows == 0))
          r.fail(bufferAt + 17, "2-D DMA needs rows >= 1 and a stride in range");
        in.stride = int64_t(stride);
      }
      if (in.opcode == Opcode::DmaStore && (flags & kStore2D)) {
        in.lanes = r.get(4, "lanes");
        uint64_t stride = r.get(8, "stride");
        if (!r.error && (stride > uint64_t(INT64_MAX) || in.lanes == 0))
          r.fail(bufferAt + 17,
                 "2-D store needs lanes >= 1 and a stride in range");
        in.stride = int64_t(stride);
      }
      in.requantized =
          in.opcode == Opcode::DmaStore && (flags & kStoreRequantized);
      break;
    }
    case Opcode::AccClear:
      in.acc = r.get(4, "acc");
      in.rows = r.get(4, "rows");
      break;
    case Opcode::Vmac:
      in.acc = r.get(4, "acc");
      in.weight = r.get(4, "weight");
      in.input = r.get(4, "input");
      in.rows = r.get(4, "rows");
      in.vectors = r.get(4, "vectors");
      in.lanes = r.get(4, "lanes");
      in.unsignedInput = flags & kVmacUnsignedInput;
      break;
    case Opcode::Postprocess:
      in.acc = r.get(4, "acc");
      in.rows = r.get(4, "rows");
      in.lanes = r.get(4, "lanes");
      in.params = r.get(4, "params");
      in.out = r.get(4, "out");
      in.bias = flags & kPostBias;
      in.relu = flags & kPostRelu;
      in.requantize = flags & kPostRequantize;
      in.unsignedOutput = flags & kPostUnsignedOutput;
      break;
    case Opcode::Barrier:
      break;
    }
    if (r.error)
      break;
    if (Error e = checkInstruction(s, in, index)) {
      r.fail(at, toString(std::move(e)));
      break;
    }
    program.instructions.push_back(std::move(in));
  }
  if (!r.error && !r.atEnd())
    r.fail(r.offset, formatv("{0} trailing bytes after the last instruction",
                             bytes.size() - r.offset));
  if (r.error)
    return std::move(r.error);
  return program;
}

std::string vsquant::accel::formatAssembly(const Program &program) {
  std::string text;
  raw_string_ostream os(text);
  const MachineShape &s = program.shape;
  os << formatv("; program {0}: V={1} lanes={2} W{3}A{4} scales ui{5}/ui{6} "
                "acc {7} bits\n",
                program.name, s.vectorSize, s.lanes, s.weightBits,
                s.activationBits, s.weightScaleBits, s.activationScaleBits,
                s.accumulatorBits);
  os << formatv("; buffers: weight {0} slots, input {1}, accumulator {2} rows, "
                "params {3} words, output {4} rows\n",
                s.weightSlots, s.inputEntries, s.accumulatorRows,
                s.paramsWords, s.outputRows);
  for (auto [index, in] : llvm::enumerate(program.instructions)) {
    os << index << ": " << opcodeName(in.opcode);
    switch (in.opcode) {
    case Opcode::DmaLoad:
      os << formatv(" {0}[{1}] <- dram[{2}] count {3}", bufferName(in.buffer),
                    in.addr, in.dramAddr, in.count);
      if (in.rows > 0)
        os << formatv(" rows {0} stride {1}", in.rows, in.stride);
      break;
    case Opcode::DmaStore:
      os << formatv(" {0}[{1}] -> dram[{2}] count {3}", bufferName(in.buffer),
                    in.addr, in.dramAddr, in.count);
      if (in.lanes > 0)
        os << formatv(" lanes {0} stride {1}", in.lanes, in.stride);
      if (in.requantized)
        os << " requantized";
      break;
    case Opcode::AccClear:
      os << formatv(" acc[{0}] rows {1}", in.acc, in.rows);
      break;
    case Opcode::Vmac:
      os << formatv(" acc[{0}] weight[{1}] input[{2}] rows {3} vectors {4} "
                    "lanes {5}{6}",
                    in.acc, in.weight, in.input, in.rows, in.vectors, in.lanes,
                    in.unsignedInput ? " unsigned_input" : "");
      break;
    case Opcode::Postprocess:
      os << formatv(" acc[{0}] rows {1} lanes {2} params[{3}] -> output[{4}]"
                    "{5}{6}{7}{8}",
                    in.acc, in.rows, in.lanes, in.params, in.out,
                    in.bias ? " bias" : "", in.relu ? " relu" : "",
                    in.requantize ? " requantize" : "",
                    in.unsignedOutput ? " unsigned_output" : "");
      break;
    case Opcode::Barrier:
      break;
    }
    if (!in.deps.empty()) {
      os << " after ";
      for (auto [i, dep] : llvm::enumerate(in.deps))
        os << (i ? "," : "") << dep;
    }
    os << "\n";
  }
  return text;
}
