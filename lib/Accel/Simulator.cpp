//===- Simulator.cpp - Accelerator simulator --------------------*- C++ -*-===//

#include "vsquant/Accel/Simulator.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace llvm;
using namespace vsquant::accel;
namespace q = vsquant::quant;

namespace {
Error instructionError(size_t index, const Twine &message) {
  return createStringError(inconvertibleErrorCode(), "instruction %zu: %s",
                           index, message.str().c_str());
}

/// Packed vectors: V elements with packSubByte, then the integer scale in
/// the following ceil(M / 8) bytes, little-endian. The scale starts on a
/// byte boundary, so V * bits must be a multiple of 8.
struct VectorCodec {
  int64_t v;
  unsigned bits, scaleBits;
  int64_t elementBytes() const { return v * bits / 8; }
  int64_t bytes() const { return (v * bits + scaleBits + 7) / 8; }
  bool byteAligned() const { return (v * bits) % 8 == 0; }

  void encode(ArrayRef<int16_t> values, uint32_t scale, uint8_t *out) const {
    std::vector<uint8_t> packed = q::packSubByte(values, bits);
    std::memcpy(out, packed.data(), packed.size());
    for (int64_t i = elementBytes(); i < bytes(); ++i)
      out[i] = uint8_t(scale >> (8 * (i - elementBytes())));
  }
  /// Decodes into values[0..v) and returns the scale.
  uint32_t decode(const uint8_t *in, bool isSigned, int16_t *values) const {
    std::vector<int16_t> unpacked = q::unpackSubByte(
        ArrayRef<uint8_t>(in, elementBytes()), v, bits, isSigned);
    std::copy(unpacked.begin(), unpacked.end(), values);
    uint32_t scale = 0;
    for (int64_t i = elementBytes(); i < bytes(); ++i)
      scale |= uint32_t(in[i]) << (8 * (i - elementBytes()));
    return scaleBits == 0 ? 1 : scale;
  }
};

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

float loadFloat(const uint8_t *p) {
  uint32_t bits = uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 |
                  uint32_t(p[3]) << 24;
  float value;
  std::memcpy(&value, &bits, 4);
  return value;
}
void storeFloat(uint8_t *p, float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  for (int i = 0; i < 4; ++i)
    p[i] = uint8_t(bits >> (8 * i));
}
} // namespace

Expected<SimulationStats> vsquant::accel::simulate(const Program &program,
                                                   const Config &config,
                                                   std::vector<uint8_t> &dram) {
  const MachineShape &s = program.shape;
  VectorCodec weightCodec{s.vectorSize, unsigned(s.weightBits),
                          unsigned(s.weightScaleBits)};
  VectorCodec inputCodec{s.vectorSize, unsigned(s.activationBits),
                         unsigned(s.activationScaleBits)};
  if (!weightCodec.byteAligned() || !inputCodec.byteAligned())
    return createStringError(inconvertibleErrorCode(),
                             "the simulator needs V x element bits to be a "
                             "multiple of 8 (V = %lld)",
                             (long long)s.vectorSize);
  // On-chip buffers hold the packed bytes the DMA brought; vmac decodes.
  std::vector<uint8_t> weightBuffer(s.weightSlots * s.weightSlotBytes());
  std::vector<uint8_t> inputBuffer(s.inputEntries * s.inputEntryBytes());
  std::vector<uint8_t> paramsBuffer(s.paramsWords * 4);
  std::vector<uint8_t> outputBuffer(s.outputRows * s.outputRowBytes(false));
  std::vector<int64_t> accumulators(s.accumulatorRows * s.lanes);
  int64_t accMax = s.accumulatorBits >= 64
                       ? INT64_MAX
                       : (int64_t(1) << (s.accumulatorBits - 1)) - 1;
  int64_t accMin = -accMax - 1;

  SimulationStats stats;
  // Timing: four in-order units (DMA read and write channels, as AXI has,
  // the MAC array and the PPU); an instruction starts when its unit is free
  // and its dependencies have finished.
  enum Unit { DmaRead, DmaWrite, Mac, Ppu, None };
  int64_t unitFree[4] = {0, 0, 0, 0};
  std::vector<int64_t> finish(program.instructions.size());
  int64_t allFinished = 0;
  // The global buffer keeps what was read while everything read so far
  // fits it (no eviction model beyond that).
  std::vector<bool> readBefore(dram.size());
  int64_t distinctBytesRead = 0;

  for (auto [index, in] : llvm::enumerate(program.instructions)) {
    if (Error e = checkInstruction(s, in, index))
      return std::move(e);
    int64_t ready = 0;
    for (uint32_t dep : in.deps)
      ready = std::max(ready, finish[dep]);
    Unit unit = None;
    int64_t duration = 0;
    switch (in.opcode) {
    case Opcode::DmaLoad: {
      unit = DmaRead;
      int64_t entryBytes = in.buffer == BufferKind::Weight ? s.weightSlotBytes()
                           : in.buffer == BufferKind::Input ? s.inputEntryBytes()
                                                            : 4;
      std::vector<uint8_t> &buffer = in.buffer == BufferKind::Weight ? weightBuffer
                                     : in.buffer == BufferKind::Input
                                         ? inputBuffer
                                         : paramsBuffer;
      int64_t blocks = in.rows > 0 ? in.rows : 1;
      int64_t blockBytes = in.count * entryBytes;
      int64_t fromDram = 0, fromGlobal = 0;
      for (int64_t r = 0; r < blocks; ++r) {
        int64_t offset, from;
        if (__builtin_mul_overflow(r, in.stride, &offset) ||
            __builtin_add_overflow(in.dramAddr, offset, &from))
          return instructionError(index, "DMA address overflows");
        if (from < 0 || from > int64_t(dram.size()) ||
            blockBytes > int64_t(dram.size()) - from)
          return instructionError(
              index, formatv("DMA reads DRAM [{0}, {1}) outside the {2}-byte "
                             "image",
                             from, from + blockBytes, dram.size()));
        std::memcpy(buffer.data() + (in.addr + r * in.count) * entryBytes,
                    dram.data() + from, blockBytes);
        for (int64_t i = from; i < from + blockBytes; ++i) {
          if (readBefore[i] && distinctBytesRead <= config.globalBufferBytes) {
            ++fromGlobal;
            continue;
          }
          ++fromDram;
          if (!readBefore[i])
            ++distinctBytesRead;
          readBefore[i] = true;
        }
      }
      stats.dmaBytes += blocks * blockBytes;
      duration = int64_t(std::ceil(fromDram / config.dramBytesPerCycle +
                                   fromGlobal / config.onChipBytesPerCycle));
      int64_t end = in.addr + blocks * in.count;
      if (in.buffer == BufferKind::Weight)
        stats.weightSlotsUsed = std::max(stats.weightSlotsUsed, end);
      else if (in.buffer == BufferKind::Input)
        stats.inputEntriesUsed = std::max(stats.inputEntriesUsed, end);
      else
        stats.paramsWordsUsed = std::max(stats.paramsWordsUsed, end);
      break;
    }
    case Opcode::DmaStore: {
      unit = DmaWrite;
      int64_t rowBytes = s.outputRowBytes(in.requantized);
      if (in.requantized)
        return instructionError(index, "re-quantized outputs are not "
                                       "simulated yet");
      int64_t bytes = in.count * rowBytes;
      if (in.dramAddr > int64_t(dram.size()) ||
          bytes > int64_t(dram.size()) - in.dramAddr)
        return instructionError(
            index, formatv("DMA writes DRAM [{0}, {1}) outside the {2}-byte "
                           "image",
                           in.dramAddr, in.dramAddr + bytes, dram.size()));
      std::memcpy(dram.data() + in.dramAddr,
                  outputBuffer.data() + in.addr * rowBytes, bytes);
      stats.dmaBytes += bytes;
      duration = int64_t(std::ceil(bytes / config.dramBytesPerCycle));
      break;
    }
    case Opcode::AccClear:
      unit = Mac;
      std::fill_n(accumulators.begin() + in.acc * s.lanes, in.rows * s.lanes, 0);
      stats.accumulatorRowsUsed =
          std::max(stats.accumulatorRowsUsed, in.acc + in.rows);
      break;
    case Opcode::Vmac: {
      unit = Mac;
      int64_t v = s.vectorSize;
      // Decode the tile once: weights [vectors][lanes], inputs [rows][vectors].
      std::vector<int16_t> w(in.vectors * in.lanes * v), a(in.rows * in.vectors * v);
      std::vector<int64_t> sw(in.vectors * in.lanes), sa(in.rows * in.vectors);
      for (int64_t j = 0; j < in.vectors; ++j)
        for (int64_t l = 0; l < in.lanes; ++l)
          sw[j * in.lanes + l] = weightCodec.decode(
              weightBuffer.data() + (in.weight + j) * s.weightSlotBytes() +
                  l * s.weightVectorBytes(),
              /*isSigned=*/true, &w[(j * in.lanes + l) * v]);
      for (int64_t e = 0; e < in.rows * in.vectors; ++e)
        sa[e] = inputCodec.decode(inputBuffer.data() +
                                      (in.input + e) * s.inputEntryBytes(),
                                  !in.unsignedInput, &a[e * v]);
      for (int64_t r = 0; r < in.rows; ++r)
        for (int64_t l = 0; l < in.lanes; ++l) {
          int64_t &acc = accumulators[(in.acc + r) * s.lanes + l];
          for (int64_t j = 0; j < in.vectors; ++j) {
            const int16_t *wv = &w[(j * in.lanes + l) * v];
            const int16_t *av = &a[(r * in.vectors + j) * v];
            int64_t dot = 0;
            for (int64_t e = 0; e < v; ++e)
              dot += int64_t(wv[e]) * av[e];
            int64_t term = sw[j * in.lanes + l] * sa[r * in.vectors + j] * dot;
            int64_t sum;
            if (__builtin_add_overflow(acc, term, &sum) || sum > accMax ||
                sum < accMin) {
              ++stats.saturations;
              sum = (term > 0) ? accMax : accMin;
            }
            acc = sum;
          }
        }
      stats.vectorMacs += in.rows * in.vectors * in.lanes;
      duration = in.rows * in.vectors;
      break;
    }
    case Opcode::Postprocess: {
      unit = Ppu;
      if (in.requantize)
        return instructionError(index, "re-quantizing postprocess is not "
                                       "simulated yet");
      const uint8_t *params = paramsBuffer.data() + in.params * 4;
      for (int64_t r = 0; r < in.rows; ++r)
        for (int64_t l = 0; l < in.lanes; ++l) {
          float y = float(accumulators[(in.acc + r) * s.lanes + l]) *
                    loadFloat(params + 4 * l);
          if (in.bias)
            y = y + loadFloat(params + 4 * (in.lanes + l));
          if (in.relu)
            y = y > 0.0f ? y : 0.0f;
          storeFloat(outputBuffer.data() + ((in.out + r) * s.lanes + l) * 4, y);
        }
      stats.outputRowsUsed = std::max(stats.outputRowsUsed, in.out + in.rows);
      // Each PE's PPU finishes ppuLanes of its lanes' outputs per cycle.
      duration = ceilDiv(in.rows * std::min(in.lanes, config.lanesPerPE),
                         config.ppuLanes);
      break;
    }
    case Opcode::Barrier:
      if (in.deps.empty())
        ready = allFinished;
      break;
    }
    int64_t start = ready;
    if (unit != None) {
      start = std::max(ready, unitFree[unit]);
      if (in.opcode == Opcode::Vmac && ready > unitFree[Mac])
        stats.macStallOnDmaCycles += ready - unitFree[Mac];
      unitFree[unit] = start + duration;
      (unit == DmaRead || unit == DmaWrite ? stats.dmaBusyCycles
       : unit == Mac                   ? stats.macBusyCycles
                                       : stats.ppuBusyCycles) += duration;
    }
    finish[index] = start + duration;
    allFinished = std::max(allFinished, finish[index]);
  }
  stats.cycles = allFinished;
  return stats;
}

Expected<std::vector<uint8_t>> vsquant::accel::packMatmulImage(
    const MatmulPlan &plan, const q::QuantizedTensor &a,
    const q::TensorFormat &aFormat, const q::QuantizedTensor &b,
    const q::TensorFormat &bFormat, ArrayRef<float> bias) {
  const MachineShape &s = plan.program.shape;
  const DramLayout &layout = plan.layout;
  int64_t m = plan.layer.m, k = plan.layer.k, n = plan.layer.n;
  int64_t v = s.vectorSize, kVectors = plan.layer.kVectors;
  VectorCodec weightCodec{v, unsigned(s.weightBits), unsigned(s.weightScaleBits)};
  VectorCodec inputCodec{v, unsigned(s.activationBits),
                         unsigned(s.activationScaleBits)};
  if (!weightCodec.byteAligned() || !inputCodec.byteAligned())
    return createStringError(inconvertibleErrorCode(),
                             "V x element bits must be a multiple of 8");
  bool perVector = s.isPerVector();
  auto fail = [](const Twine &message) {
    return createStringError(inconvertibleErrorCode(), "%s",
                             message.str().c_str());
  };
  if (int64_t(a.values.size()) != m * k || int64_t(b.values.size()) != k * n)
    return fail("operand sizes do not match the plan's M x K and K x N");
  if (perVector) {
    if (aFormat.granularity != q::Granularity::PerVector || aFormat.axis != 1 ||
        aFormat.vectorSize != v || aFormat.scaleBits != unsigned(s.activationScaleBits) ||
        aFormat.coarseAxis != -1)
      return fail("A must be per-vector along K with the machine's V and "
                  "scale bits and a per-tensor coarse scale");
    if (bFormat.granularity != q::Granularity::PerVector || bFormat.axis != 0 ||
        bFormat.vectorSize != v || bFormat.scaleBits != unsigned(s.weightScaleBits))
      return fail("B must be per-vector along K with the machine's V and "
                  "scale bits");
  } else if (aFormat.granularity != q::Granularity::PerTensor ||
             aFormat.scaleBits != 0 ||
             bFormat.granularity != q::Granularity::PerChannel ||
             bFormat.axis != 1 || bFormat.scaleBits != 0) {
    return fail("a per-channel machine needs A per-tensor and B per-channel "
                "along N, with fp32 scales");
  }
  if (aFormat.element.bits > unsigned(s.activationBits) ||
      bFormat.element.bits > unsigned(s.weightBits) || !bFormat.element.isSigned)
    return fail("element formats do not fit the datapath (weights must be "
                "signed)");
  bool hasBias = plan.program.instructions.size() &&
                 std::any_of(plan.program.instructions.begin(),
                             plan.program.instructions.end(),
                             [](const Instruction &in) { return in.bias; });
  if (hasBias != !bias.empty() || (hasBias && int64_t(bias.size()) != n))
    return fail("the bias must have N values exactly when the program adds one");

  std::vector<uint8_t> image(layout.totalBytes, 0);
  std::vector<int16_t> values(v);
  // Inputs: row m, vector j.
  for (int64_t row = 0; row < m; ++row)
    for (int64_t j = 0; j < kVectors; ++j) {
      std::fill(values.begin(), values.end(), 0);
      for (int64_t e = 0; e < v && j * v + e < k; ++e)
        values[e] = a.values[row * k + j * v + e];
      uint32_t scale = perVector ? a.integerScales[row * kVectors + j] : 0;
      inputCodec.encode(values, scale,
                        image.data() + row * layout.inputRowBytes +
                            j * s.inputEntryBytes());
    }
  // Weights: lane tile t, vector j, lane l (column n = t * lanes + l).
  int64_t tiles = plan.tiling.nTiles;
  for (int64_t t = 0; t < tiles; ++t)
    for (int64_t j = 0; j < kVectors; ++j)
      for (int64_t l = 0; l < s.lanes; ++l) {
        int64_t col = t * s.lanes + l;
        std::fill(values.begin(), values.end(), 0);
        uint32_t scale = 0;
        if (col < n) {
          for (int64_t e = 0; e < v && j * v + e < k; ++e)
            values[e] = b.values[(j * v + e) * n + col];
          scale = perVector ? b.integerScales[j * n + col] : 0;
        }
        weightCodec.encode(values, scale,
                           image.data() + layout.weightBase +
                               (t * kVectors + j) * layout.weightSlotBytes +
                               l * s.weightVectorBytes());
      }
  // Params: per lane tile, the active lanes' combined scales then biases
  // (packed with the tile's active lane count, as postprocess reads them).
  for (int64_t t = 0; t < tiles; ++t) {
    int64_t active = std::min(s.lanes, n - t * s.lanes);
    uint8_t *base = image.data() + layout.paramsBase + t * layout.paramsTileWords * 4;
    for (int64_t l = 0; l < active; ++l) {
      int64_t col = t * s.lanes + l;
      // SPEC.md section 5: f32(gammaA * gammaB[n]) (two-level) or
      // f32(sA * sB[n]) (one block covering K).
      float scale = perVector
                        ? a.coarse[0] * b.coarse[b.coarse.size() == 1 ? 0 : col]
                        : a.scales[0] * b.scales[col];
      storeFloat(base + 4 * l, scale);
      if (hasBias)
        storeFloat(base + 4 * (active + l), bias[col]);
    }
  }
  return image;
}

Expected<ConvAsMatmul> vsquant::accel::conv2dAsMatmul(
    const Conv2dShape &s, int64_t v, const q::QuantizedTensor &input,
    const q::TensorFormat &inputFormat, const q::QuantizedTensor &filter,
    const q::TensorFormat &filterFormat) {
  if (inputFormat.granularity != q::Granularity::PerVector ||
      inputFormat.axis != 3 || inputFormat.vectorSize != v ||
      inputFormat.scaleBits == 0 || inputFormat.coarseAxis != -1 ||
      filterFormat.granularity != q::Granularity::PerVector ||
      filterFormat.axis != 2 || filterFormat.vectorSize != v ||
      filterFormat.scaleBits == 0 ||
      (filterFormat.coarseAxis != -1 && filterFormat.coarseAxis != 3))
    return createStringError(
        inconvertibleErrorCode(),
        "conv2dAsMatmul needs two-level per-vector formats along C with V = "
        "%lld, a per-tensor input coarse scale and a per-tensor or per-F "
        "filter coarse scale",
        (long long)v);
  int64_t cb = (s.c + v - 1) / v, taps = s.kh * s.kw;
  ConvAsMatmul out;
  out.m = s.batch * s.outH() * s.outW();
  out.k = taps * cb * v;
  out.n = s.f;
  int64_t kVectors = taps * cb;
  out.a.values.assign(out.m * out.k, 0);
  out.a.integerScales.assign(out.m * kVectors, 0);
  out.a.scaleShape = {out.m, kVectors};
  out.a.coarse = input.coarse;
  out.b.values.assign(out.k * out.n, 0);
  out.b.integerScales.assign(kVectors * out.n, 0);
  out.b.scaleShape = {kVectors, out.n};
  out.b.coarse = filter.coarse;
  out.b.coarseShape = filter.coarseShape;
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t oy = 0; oy < s.outH(); ++oy)
      for (int64_t ox = 0; ox < s.outW(); ++ox) {
        int64_t row = (n * s.outH() + oy) * s.outW() + ox;
        for (int64_t ky = 0; ky < s.kh; ++ky)
          for (int64_t kx = 0; kx < s.kw; ++kx) {
            int64_t y = oy * s.strideH - s.padTop + ky * s.dilationH;
            int64_t x = ox * s.strideW - s.padLeft + kx * s.dilationW;
            if (y < 0 || y >= s.h || x < 0 || x >= s.w)
              continue; // zero padding: values and scale stay 0
            int64_t pixel = (n * s.h + y) * s.w + x;
            int64_t tap = ky * s.kw + kx;
            for (int64_t j = 0; j < cb; ++j) {
              out.a.integerScales[row * kVectors + tap * cb + j] =
                  input.integerScales[pixel * cb + j];
              for (int64_t e = 0; e < v && j * v + e < s.c; ++e)
                out.a.values[row * out.k + (tap * cb + j) * v + e] =
                    input.values[pixel * s.c + j * v + e];
            }
          }
      }
  for (int64_t tap = 0; tap < taps; ++tap)
    for (int64_t j = 0; j < cb; ++j)
      for (int64_t col = 0; col < s.f; ++col) {
        out.b.integerScales[(tap * cb + j) * s.f + col] =
            filter.integerScales[(tap * cb + j) * s.f + col];
        for (int64_t e = 0; e < v && j * v + e < s.c; ++e)
          out.b.values[((tap * cb + j) * v + e) * s.f + col] =
              filter.values[(tap * s.c + j * v + e) * s.f + col];
      }
  out.aFormat = inputFormat;
  out.aFormat.axis = 1;
  out.bFormat = filterFormat;
  out.bFormat.axis = 0;
  out.bFormat.coarseAxis = filterFormat.coarseAxis == -1 ? -1 : 1;
  return out;
}

std::vector<float> vsquant::accel::readMatmulOutput(const MatmulPlan &plan,
                                                    ArrayRef<uint8_t> dram) {
  const MachineShape &s = plan.program.shape;
  int64_t m = plan.layer.m, n = plan.layer.n;
  std::vector<float> y(m * n);
  for (int64_t row = 0; row < m; ++row)
    for (int64_t col = 0; col < n; ++col) {
      int64_t t = col / s.lanes, l = col % s.lanes;
      y[row * n + col] = loadFloat(dram.data() + plan.layout.outputBase +
                                   (t * m + row) * plan.layout.outputRowBytes +
                                   4 * l);
    }
  return y;
}
