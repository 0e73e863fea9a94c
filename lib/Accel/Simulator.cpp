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
      // A buffer row holds the machine's lanes; the 2-D form writes the
      // first in.lanes outputs of each row, in.stride bytes apart.
      int64_t bufferRowBytes = s.outputRowBytes(in.requantized);
      int64_t rowBytes =
          in.lanes == 0     ? bufferRowBytes
          : in.requantized ? in.lanes / s.vectorSize * s.inputEntryBytes()
                            : in.lanes * 4;
      int64_t stride = in.lanes == 0 ? bufferRowBytes : in.stride;
      for (int64_t r = 0; r < in.count; ++r) {
        int64_t offset, to;
        if (__builtin_mul_overflow(r, stride, &offset) ||
            __builtin_add_overflow(in.dramAddr, offset, &to))
          return instructionError(index, "DMA address overflows");
        if (to > int64_t(dram.size()) || rowBytes > int64_t(dram.size()) - to)
          return instructionError(
              index, formatv("DMA writes DRAM [{0}, {1}) outside the {2}-byte "
                             "image",
                             to, to + rowBytes, dram.size()));
        std::memcpy(dram.data() + to,
                    outputBuffer.data() + (in.addr + r) * bufferRowBytes,
                    rowBytes);
      }
      int64_t bytes = in.count * rowBytes;
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
      const uint8_t *params = paramsBuffer.data() + in.params * 4;
      std::vector<float> y(in.rows * in.lanes);
      for (int64_t r = 0; r < in.rows; ++r)
        for (int64_t l = 0; l < in.lanes; ++l) {
          float value = float(accumulators[(in.acc + r) * s.lanes + l]) *
                        loadFloat(params + 4 * l);
          if (in.bias)
            value = value + loadFloat(params + 4 * (in.lanes + l));
          if (in.relu)
            value = value > 0.0f ? value : 0.0f;
          y[r * in.lanes + l] = value;
        }
      if (in.requantize) {
        // SPEC.md section 4: dynamic per-vector scales (max) under the
        // static coarse scale that follows the lanes' scales and biases.
        float gamma =
            loadFloat(params + 4 * (in.lanes * (in.bias ? 2 : 1)));
        q::TensorFormat format;
        format.element = {unsigned(s.activationBits), !in.unsignedOutput};
        format.granularity = q::Granularity::PerVector;
        format.axis = 1;
        format.vectorSize = s.vectorSize;
        format.scaleBits = unsigned(s.activationScaleBits);
        Expected<q::QuantizedTensor> quantized =
            q::quantizeTensorWithCoarse(y, {in.rows, in.lanes}, format, gamma);
        if (!quantized)
          return instructionError(index, "re-quantization: " +
                                             toString(quantized.takeError()));
        int64_t vectors = in.lanes / s.vectorSize;
        int64_t rowBytes = s.outputRowBytes(true);
        for (int64_t r = 0; r < in.rows; ++r)
          for (int64_t g = 0; g < vectors; ++g)
            inputCodec.encode(
                ArrayRef<int16_t>(quantized->values)
                    .slice((r * in.lanes) + g * s.vectorSize, s.vectorSize),
                quantized->integerScales[r * vectors + g],
                outputBuffer.data() + (in.out + r) * rowBytes +
                    g * s.inputEntryBytes());
      } else {
        for (int64_t r = 0; r < in.rows; ++r)
          for (int64_t l = 0; l < in.lanes; ++l)
            storeFloat(outputBuffer.data() + ((in.out + r) * s.lanes + l) * 4,
                       y[r * in.lanes + l]);
      }
      stats.outputRowsUsed = std::max(stats.outputRowsUsed, in.out + in.rows);
      // Each PE's PPU finishes ppuLanes of its lanes' outputs per cycle;
      // re-quantization is a pipelined stage of the same pass.
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

Error vsquant::accel::writeLayerImage(
    const MatmulPlan &plan, ArrayRef<q::QuantizedTensor> a,
    const q::TensorFormat &aFormat, ArrayRef<q::QuantizedTensor> b,
    const q::TensorFormat &bFormat, ArrayRef<float> bias,
    float outputCoarse, std::vector<uint8_t> &image) {
  const MachineShape &s = plan.program.shape;
  const DramLayout &layout = plan.layout;
  int64_t m = plan.layer.m, n = plan.layer.n, batch = plan.layer.batch;
  int64_t v = s.vectorSize, kVectors = plan.layer.kVectors;
  // The GEMM's K: a depthwise conv's block-diagonal operands have kVectors
  // whole vectors; the others have the layer's K.
  int64_t k = plan.layer.kind == "depthwise_conv2d" ? kVectors * v
                                                    : plan.layer.k;
  VectorCodec weightCodec{v, unsigned(s.weightBits), unsigned(s.weightScaleBits)};
  VectorCodec inputCodec{v, unsigned(s.activationBits),
                         unsigned(s.activationScaleBits)};
  auto fail = [](const Twine &message) {
    return createStringError(inconvertibleErrorCode(), "%s",
                             message.str().c_str());
  };
  if (!weightCodec.byteAligned() || !inputCodec.byteAligned())
    return fail("V x element bits must be a multiple of 8");
  bool perVector = s.isPerVector();
  if (int64_t(a.size()) != batch || int64_t(b.size()) != batch)
    return fail(formatv("the plan has {0} batches: give as many operands",
                        batch));
  for (const q::QuantizedTensor &operand : a)
    if (!operand.values.empty() && int64_t(operand.values.size()) != m * k)
      return fail("operand sizes do not match the plan's M x K and K x N");
  for (const q::QuantizedTensor &operand : b)
    if (int64_t(operand.values.size()) != k * n)
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
  bool hasBias = std::any_of(plan.program.instructions.begin(),
                             plan.program.instructions.end(),
                             [](const Instruction &in) { return in.bias; });
  if (hasBias != !bias.empty() || (hasBias && int64_t(bias.size()) != n))
    return fail("the bias must have N values exactly when the program adds one");
  if (image.size() < size_t(layout.totalBytes))
    image.resize(layout.totalBytes, 0);

  std::vector<int16_t> values(v);
  for (int64_t batchIndex = 0; batchIndex < batch; ++batchIndex) {
    // Inputs: row m, vector j.
    const q::QuantizedTensor &A = a[batchIndex];
    if (!A.values.empty()) {
      for (int64_t row = 0; row < m; ++row)
        for (int64_t j = 0; j < kVectors; ++j) {
          std::fill(values.begin(), values.end(), 0);
          for (int64_t e = 0; e < v && j * v + e < k; ++e)
            values[e] = A.values[row * k + j * v + e];
          uint32_t scale = perVector ? A.integerScales[row * kVectors + j] : 0;
          inputCodec.encode(values, scale,
                            image.data() +
                                layout.inputAddress(batchIndex, row, j));
        }
    }
    // Weights: lane tile t, its vector j, lane l (column t * lanes + l).
    const q::QuantizedTensor &B = b[batchIndex];
    for (int64_t t = 0; t < plan.tiling.nTiles; ++t)
      for (int64_t j = 0; j < plan.reductions[t].vectors; ++j)
        for (int64_t l = 0; l < s.lanes; ++l) {
          int64_t col = t * s.lanes + l;
          int64_t vector = plan.reductions[t].firstVector + j;
          std::fill(values.begin(), values.end(), 0);
          uint32_t scale = 0;
          if (col < n) {
            for (int64_t e = 0; e < v && vector * v + e < k; ++e)
              values[e] = B.values[(vector * v + e) * n + col];
            scale = perVector ? B.integerScales[vector * n + col] : 0;
          }
          weightCodec.encode(values, scale,
                             image.data() +
                                 layout.weightAddress(batchIndex, t, j) +
                                 l * s.weightVectorBytes());
        }
    // Params: per lane tile, the active lanes' combined scales, then
    // biases (packed with the tile's active lane count, as postprocess
    // reads them), then the output coarse scale.
    for (int64_t t = 0; t < plan.tiling.nTiles; ++t) {
      int64_t active = std::min(s.lanes, n - t * s.lanes);
      uint8_t *base = image.data() + layout.paramsAddress(batchIndex, t);
      for (int64_t l = 0; l < active; ++l) {
        int64_t col = t * s.lanes + l;
        // SPEC.md section 5: f32(gammaA * gammaB[n]) (two-level) or
        // f32(sA * sB[n]) (one block covering K). A's coarse comes from
        // the batch's own operand (a per-batch coarse scale).
        float aCoarse = perVector ? A.coarse[0] : A.scales[0];
        float scale = perVector
                          ? aCoarse * B.coarse[B.coarse.size() == 1 ? 0 : col]
                          : aCoarse * B.scales[col];
        storeFloat(base + 4 * l, scale);
        if (hasBias)
          storeFloat(base + 4 * (active + l), bias[col]);
      }
      if (layout.requantizedOutput)
        storeFloat(base + 4 * (active * (hasBias ? 2 : 1)), outputCoarse);
    }
  }
  return Error::success();
}

Expected<std::vector<uint8_t>> vsquant::accel::packMatmulImage(
    const MatmulPlan &plan, const q::QuantizedTensor &a,
    const q::TensorFormat &aFormat, const q::QuantizedTensor &b,
    const q::TensorFormat &bFormat, ArrayRef<float> bias) {
  std::vector<uint8_t> image(plan.layout.totalBytes, 0);
  if (Error e = writeLayerImage(plan, ArrayRef(a), aFormat, ArrayRef(b),
                                bFormat, bias, 0.0f, image))
    return std::move(e);
  return image;
}

/// The M x (kVectors x V) im2col rows of a quantized NHWC input (per
/// vector along C): input vector j of tap t's pixel becomes vector
/// vectorOf(t, j) of the output pixel's row; padding pixels stay zero
/// (values and scale). No arithmetic.
template <typename VectorOf>
static void gatherIm2colRows(const Conv2dShape &s, int64_t v, int64_t kVectors,
                             const q::QuantizedTensor &input,
                             VectorOf vectorOf, q::QuantizedTensor &a) {
  int64_t cb = (s.c + v - 1) / v;
  int64_t m = s.batch * s.outH() * s.outW(), k = kVectors * v;
  a.values.assign(m * k, 0);
  a.integerScales.assign(m * kVectors, 0);
  a.scaleShape = {m, kVectors};
  a.coarse = input.coarse;
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
              int64_t vector = vectorOf(tap, j);
              a.integerScales[row * kVectors + vector] =
                  input.integerScales[pixel * cb + j];
              for (int64_t e = 0; e < v && j * v + e < s.c; ++e)
                a.values[row * k + vector * v + e] =
                    input.values[pixel * s.c + j * v + e];
            }
          }
      }
}

/// A conv's GEMM of kVectors x V by n: A gathered (gatherIm2colRows), B
/// zero with the filter's coarse scales, for the caller to place weights.
template <typename VectorOf>
static ConvAsMatmul startConvGemm(const Conv2dShape &s, int64_t v,
                                  int64_t kVectors, int64_t n,
                                  const q::QuantizedTensor &input,
                                  const q::QuantizedTensor &filter,
                                  VectorOf vectorOf) {
  ConvAsMatmul out;
  out.m = s.batch * s.outH() * s.outW();
  out.k = kVectors * v;
  out.n = n;
  gatherIm2colRows(s, v, kVectors, input, vectorOf, out.a);
  out.b.values.assign(out.k * out.n, 0);
  out.b.integerScales.assign(kVectors * out.n, 0);
  out.b.scaleShape = {kVectors, out.n};
  out.b.coarse = filter.coarse;
  out.b.coarseShape = filter.coarseShape;
  return out;
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
  int64_t kVectors = taps * cb;
  ConvAsMatmul out = startConvGemm(
      s, v, kVectors, s.f, input, filter,
      [&](int64_t tap, int64_t j) { return tap * cb + j; });
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
  int64_t m = plan.layer.m, n = plan.layer.n, batch = plan.layer.batch;
  std::vector<float> y(batch * m * n);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t row = 0; row < m; ++row)
      for (int64_t col = 0; col < n; ++col) {
        int64_t t = col / s.lanes, l = col % s.lanes;
        y[(b * m + row) * n + col] = loadFloat(
            dram.data() + plan.layout.outputAddress(b, t, row) + 4 * l);
      }
  return y;
}

q::QuantizedTensor
vsquant::accel::readRequantizedOutput(const MatmulPlan &plan,
                                      ArrayRef<uint8_t> dram, bool isSigned) {
  const MachineShape &s = plan.program.shape;
  const DramLayout &layout = plan.layout;
  int64_t rows = plan.layer.batch * plan.layer.m, n = plan.layer.n;
  int64_t v = s.vectorSize, vectors = n / v;
  VectorCodec codec{v, unsigned(s.activationBits),
                    unsigned(s.activationScaleBits)};
  q::QuantizedTensor result;
  result.values.resize(rows * n);
  result.integerScales.resize(rows * vectors);
  result.scaleShape = {rows, vectors};
  // [batch][M] rows of N / V entries, back to back.
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t j = 0; j < vectors; ++j)
      result.integerScales[row * vectors + j] = codec.decode(
          dram.data() + layout.outputBase + row * layout.outputRowBytes +
              j * s.inputEntryBytes(),
          isSigned, &result.values[row * n + j * v]);
  return result;
}

Expected<ConvAsMatmul> vsquant::accel::depthwiseAsMatmul(
    const Conv2dShape &s, int64_t v, const q::QuantizedTensor &input,
    const q::TensorFormat &inputFormat, const q::QuantizedTensor &filter,
    const q::TensorFormat &filterFormat) {
  int64_t taps = s.kh * s.kw;
  if (inputFormat.granularity != q::Granularity::PerVector ||
      inputFormat.axis != 3 || inputFormat.vectorSize != v ||
      inputFormat.scaleBits == 0 || inputFormat.coarseAxis != -1 ||
      filterFormat.granularity != q::Granularity::PerVector ||
      filterFormat.axis != 0 || filterFormat.scaleBits == 0 ||
      (filterFormat.coarseAxis != -1 && filterFormat.coarseAxis != 1))
    return createStringError(
        inconvertibleErrorCode(),
        "depthwiseAsMatmul needs a two-level input per-vector along C with "
        "V = %lld and a per-tensor coarse scale, and a two-level filter "
        "(kh*kw x C) in vectors along the window (axis 0), coarse per "
        "tensor or per channel",
        (long long)v);
  int64_t cb = (s.c + v - 1) / v;
  int64_t kVectors = cb * taps; // vector (block, tap), block-major
  ConvAsMatmul out = startConvGemm(
      s, v, kVectors, s.c, input, filter,
      [&](int64_t tap, int64_t j) { return j * taps + tap; });
  // Block-diagonal: channel c's weight vector for (its block, tap) holds
  // its tap weight at c's position, with the integer scale of the filter
  // vector (along the window) that holds the tap.
  for (int64_t c = 0; c < s.c; ++c) {
    int64_t j = c / v, e = c % v;
    for (int64_t tap = 0; tap < taps; ++tap) {
      int64_t vector = j * taps + tap;
      out.b.integerScales[vector * out.n + c] =
          filter.integerScales[(tap / filterFormat.vectorSize) * s.c + c];
      out.b.values[(vector * v + e) * out.n + c] =
          filter.values[tap * s.c + c];
    }
  }
  out.aFormat = inputFormat;
  out.aFormat.axis = 1;
  out.bFormat = filterFormat;
  out.bFormat.axis = 0;
  out.bFormat.vectorSize = v;
  out.bFormat.coarseAxis = filterFormat.coarseAxis == -1 ? -1 : 1;
  return out;
}

Expected<q::QuantizedTensor>
vsquant::accel::batchSlice(const q::QuantizedTensor &tensor,
                           const q::TensorFormat &format,
                           ArrayRef<int64_t> shape, int64_t index,
                           q::TensorFormat *sliceFormat) {
  if (shape.size() != 3 || index < 0 || index >= shape[0] ||
      format.granularity != q::Granularity::PerVector ||
      format.axis == 0 || format.scaleBits == 0)
    return createStringError(inconvertibleErrorCode(),
                             "batchSlice needs a rank-3 two-level per-vector "
                             "tensor with vectors off the batch axis");
  int64_t rows = shape[1], cols = shape[2];
  q::TensorFormat f = format;
  f.axis = format.axis - 1;
  f.coarseAxis = format.coarseAxis <= 0 ? -1 : format.coarseAxis - 1;
  q::QuantizedTensor slice;
  slice.values.assign(tensor.values.begin() + index * rows * cols,
                      tensor.values.begin() + (index + 1) * rows * cols);
  int64_t gridSize = tensor.scaleShape[1] * tensor.scaleShape[2];
  slice.scaleShape = {tensor.scaleShape[1], tensor.scaleShape[2]};
  slice.integerScales.assign(tensor.integerScales.begin() + index * gridSize,
                             tensor.integerScales.begin() +
                                 (index + 1) * gridSize);
  if (format.coarseAxis == 0) {
    slice.coarse = {tensor.coarse[index]};
  } else {
    slice.coarse = tensor.coarse;
    slice.coarseShape = format.coarseAxis < 0
                            ? std::vector<int64_t>{}
                            : std::vector<int64_t>{shape[format.coarseAxis]};
  }
  if (sliceFormat)
    *sliceFormat = f;
  return slice;
}
