//===- Schedule.cpp - Layer programs for the accelerator --------*- C++ -*-===//

#include "vsquant/Accel/Schedule.h"

#include "llvm/Support/MathExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <optional>

using namespace llvm;
using namespace vsquant::accel;

namespace {
/// Appends instructions and tracks the tokens double buffering needs.
struct Emitter {
  Program &program;
  uint32_t emit(Instruction in, std::initializer_list<int64_t> deps) {
    for (int64_t dep : deps)
      if (dep >= 0 &&
          std::find(in.deps.begin(), in.deps.end(), dep) == in.deps.end())
        in.deps.push_back(uint32_t(dep));
    program.instructions.push_back(std::move(in));
    return program.instructions.size() - 1;
  }
};
} // namespace

static Error planError(const MatmulOptions &options, const Twine &message) {
  return createStringError(inconvertibleErrorCode(), "'%s': %s",
                           options.name.c_str(), message.str().c_str());
}

/// Plans the instruction stream and DRAM layout of `layer` (any kind: the
/// lane tiles' reductions come from laneTileReductions).
static Expected<MatmulPlan> planLayer(const Config &config, Layer layer,
                                      const MatmulOptions &options);

Expected<MatmulPlan> vsquant::accel::planConv2d(const Config &config,
                                                const Conv2dShape &shape,
                                                const MatmulOptions &options) {
  if (shape.outH() < 1 || shape.outW() < 1)
    return planError(options, "the filter does not fit the padded input");
  int64_t v = config.vectorSize;
  int64_t channelVectors = (shape.c + v - 1) / v;
  int64_t m = shape.batch * shape.outH() * shape.outW();
  int64_t k = shape.kh * shape.kw * channelVectors * v;
  Layer layer = matmulLayer(options.name, m, k, shape.f, v);
  layer.kind = "conv2d";
  layer.inputElements = shape.batch * shape.h * shape.w * shape.c;
  return planLayer(config, layer, options);
}

Expected<MatmulPlan>
vsquant::accel::planDepthwiseConv2d(const Config &config,
                                    const Conv2dShape &shape,
                                    const MatmulOptions &options) {
  if (shape.outH() < 1 || shape.outW() < 1)
    return planError(options, "the filter does not fit the padded input");
  int64_t v = config.vectorSize;
  Layer layer;
  layer.name = options.name;
  layer.kind = "depthwise_conv2d";
  layer.m = shape.batch * shape.outH() * shape.outW();
  layer.n = shape.c;
  layer.taps = shape.kh * shape.kw;
  layer.k = layer.taps;
  layer.kVectors = (shape.c + v - 1) / v * layer.taps;
  layer.inputElements = shape.batch * shape.h * shape.w * shape.c;
  return planLayer(config, layer, options);
}

Expected<MatmulPlan> vsquant::accel::planMatmul(const Config &config,
                                                int64_t m, int64_t k,
                                                int64_t n,
                                                const MatmulOptions &options) {
  return planLayer(config, matmulLayer(options.name, m, k, n, config.vectorSize),
                   options);
}

Expected<MatmulPlan> vsquant::accel::planBatchMatmul(
    const Config &config, int64_t batch, int64_t m, int64_t k, int64_t n,
    const MatmulOptions &options) {
  if (batch < 1)
    return planError(options, "the batch is empty");
  return planLayer(config,
                   batchMatmulLayer(options.name, batch, m, k, n,
                                    config.vectorSize),
                   options);
}

static Expected<MatmulPlan> planLayer(const Config &config, Layer layer,
                                      const MatmulOptions &options) {
  MatmulPlan plan;
  plan.layer = std::move(layer);
  Expected<Tiling> tiling = tileLayer(config, plan.layer);
  if (!tiling)
    return tiling.takeError();
  plan.tiling = *tiling;
  plan.reductions = laneTileReductions(config, plan.layer);
  const Tiling &t = plan.tiling;
  // A layer is one straight-line program: per batch and (nTile, mTile) a
  // clear, per kTile up to three instructions, a postprocess and a store. Refuse
  // programs too large to build in memory (~1 KiB per instruction in IR).
  constexpr int64_t kMaxInstructions = int64_t(1) << 22;
  int64_t instructions = 0;
  if (llvm::MulOverflow(t.kTiles, int64_t(3), instructions) ||
      llvm::MulOverflow(instructions + 3, t.mTiles, instructions) ||
      llvm::MulOverflow(instructions + 1, t.nTiles, instructions) ||
      llvm::MulOverflow(instructions, plan.layer.batch, instructions) ||
      instructions > kMaxInstructions)
    return createStringError(
        inconvertibleErrorCode(),
        "'%s': %lld x %lld x %lld needs %lld x %lld x %lld (N, M, K) tiles, "
        "more than the %lld instructions a program may have",
        options.name.c_str(), (long long)plan.layer.m,
        (long long)plan.layer.k, (long long)plan.layer.n, (long long)t.nTiles, (long long)t.mTiles, (long long)t.kTiles,
        (long long)kMaxInstructions);
  Program &program = plan.program;
  program.name = options.name;
  program.shape = machineShapeOf(config);
  const MachineShape &s = program.shape;
  int64_t lanes = s.lanes, kVectors = plan.layer.kVectors;
  int64_t m = plan.layer.m, n = plan.layer.n, batch = plan.layer.batch;
  if (options.requantize) {
    if (!s.isPerVector())
      return planError(options, "re-quantized outputs need a per-vector "
                                "machine");
    if (lanes % s.vectorSize != 0 || n % s.vectorSize != 0)
      return planError(options,
                       formatv("re-quantized outputs need N ({0}) and the "
                               "lanes ({1}) to be multiples of V ({2})",
                               n, lanes, s.vectorSize));
  }
  if (options.unsignedOutput && !options.requantize)
    return planError(options, "unsigned outputs need re-quantized outputs");

  DramLayout &layout = plan.layout;
  layout.entryBytes = s.inputEntryBytes();
  layout.lanes = lanes;
  layout.vectorSize = s.vectorSize;
  layout.m = m;
  layout.requantizedOutput = options.requantize;
  layout.inputRowBytes = kVectors * s.inputEntryBytes();
  layout.inputBatchBytes = m * layout.inputRowBytes;
  int64_t next = options.dramBase;
  if (options.inputBase < 0) {
    layout.inputBase = next;
    next += batch * layout.inputBatchBytes;
  } else {
    layout.inputBase = options.inputBase;
  }
  layout.weightBase = next;
  layout.weightSlotBytes = s.weightSlotBytes();
  int64_t slots = 0;
  for (const LaneTileReduction &tile : plan.reductions) {
    layout.tileWeightSlot.push_back(slots);
    slots += tile.vectors;
  }
  layout.weightBatchBytes = slots * layout.weightSlotBytes;
  layout.paramsBase = layout.weightBase + batch * layout.weightBatchBytes;
  layout.paramsTileWords =
      lanes * (options.bias ? 2 : 1) + (options.requantize ? 1 : 0);
  layout.paramsBatchBytes = t.nTiles * layout.paramsTileWords * 4;
  layout.outputBase = layout.paramsBase + batch * layout.paramsBatchBytes;
  layout.outputRowBytes = options.requantize
                              ? n / s.vectorSize * s.inputEntryBytes()
                              : s.outputRowBytes(false);
  layout.outputBatchBytes =
      (options.requantize ? 1 : t.nTiles) * m * layout.outputRowBytes;
  layout.totalBytes = std::max(layout.outputBase + batch * layout.outputBatchBytes,
                               layout.inputBase + batch * layout.inputBatchBytes);

  // Buffer halves: weight slots [h * kt, ...), input entries
  // [h * mt * kt, ...), params words [h * paramsTileWords, ...).
  int64_t halves = t.doubleBuffered ? 2 : 1;
  Emitter out{program};
  int64_t lastReaderOfWeight[2] = {-1, -1}, lastReaderOfInput[2] = {-1, -1};
  int64_t lastReaderOfParams[2] = {-1, -1};
  int64_t lastPostprocess = -1, lastStoreOfHalf[2] = {-1, -1};
  int64_t outputTiles = 0, paramsLoads = 0;
  int64_t weightLoads = 0, inputLoads = 0;
  // A tile's store is issued after the next tile's loads, just before the
  // next postprocess (which must wait for it: one output buffer). The DMA
  // queue is in order, and a store waiting for the PPU would otherwise
  // hold back the prefetch of the next tile.
  std::optional<Instruction> pendingStore;
  auto flushStore = [&] {
    if (pendingStore)
      lastStoreOfHalf[pendingStore->addr == 0 ? 0 : 1] =
          out.emit(*pendingStore, {lastPostprocess});
    pendingStore.reset();
  };
  for (int64_t b = 0; b < batch; ++b)
  for (int64_t nt = 0; nt < t.nTiles; ++nt) {
    int64_t active = std::min(lanes, n - nt * lanes);
    int64_t tileFirstVector = plan.reductions[nt].firstVector;
    int64_t tileVectors = plan.reductions[nt].vectors;
    int64_t tileKTiles = (tileVectors + t.kTileVectors - 1) / t.kTileVectors;
    int64_t paramsHalf = paramsLoads++ % 2;
    Instruction params;
    params.opcode = Opcode::DmaLoad;
    params.buffer = BufferKind::Params;
    params.addr = paramsHalf * layout.paramsTileWords;
    params.dramAddr = layout.paramsAddress(b, nt);
    params.count = active * (options.bias ? 2 : 1) + (options.requantize ? 1 : 0);
    int64_t paramsLoad =
        out.emit(params, {lastReaderOfParams[paramsHalf]});
    // Weights of a lane tile with a single K tile stay for all its mTiles.
    int64_t residentWeights = -1, residentHalf = 0;
    for (int64_t mt = 0; mt < t.mTiles; ++mt) {
      int64_t row0 = mt * t.mTileRows;
      int64_t rows = std::min(t.mTileRows, m - row0);
      Instruction clear;
      clear.opcode = Opcode::AccClear;
      clear.rows = rows;
      int64_t previous = out.emit(clear, {lastPostprocess});
      for (int64_t kt = 0; kt < tileKTiles; ++kt) {
        int64_t vector0 = kt * t.kTileVectors;
        int64_t vectors = std::min(t.kTileVectors, tileVectors - vector0);
        int64_t weightLoad = residentWeights, weightHalf = residentHalf;
        if (weightLoad < 0) {
          weightHalf = weightLoads++ % halves;
          Instruction w;
          w.opcode = Opcode::DmaLoad;
          w.buffer = BufferKind::Weight;
          w.addr = weightHalf * t.kTileVectors;
          w.dramAddr = layout.weightAddress(b, nt, vector0);
          w.count = vectors;
          weightLoad = out.emit(w, {lastReaderOfWeight[weightHalf]});
          if (tileKTiles == 1) {
            residentWeights = weightLoad;
            residentHalf = weightHalf;
          }
        }
        int64_t inputHalf = inputLoads++ % halves;
        Instruction a;
        a.opcode = Opcode::DmaLoad;
        a.buffer = BufferKind::Input;
        a.addr = inputHalf * t.mTileRows * t.kTileVectors;
        a.dramAddr = layout.inputAddress(b, row0, tileFirstVector + vector0);
        a.count = vectors;
        a.rows = rows;
        a.stride = layout.inputRowBytes;
        int64_t inputLoad = out.emit(a, {lastReaderOfInput[inputHalf]});
        Instruction mac;
        mac.opcode = Opcode::Vmac;
        mac.weight = weightHalf * t.kTileVectors;
        mac.input = inputHalf * t.mTileRows * t.kTileVectors;
        mac.rows = rows;
        mac.vectors = vectors;
        mac.lanes = active;
        mac.unsignedInput = options.unsignedInput;
        previous = out.emit(mac, {weightLoad, inputLoad, previous});
        lastReaderOfWeight[weightHalf] = previous;
        lastReaderOfInput[inputHalf] = previous;
      }
      // Output rows alternate halves: a postprocess waits only for the store
      // that last drained its half.
      int64_t outputHalf = outputTiles++ % 2;
      Instruction post;
      post.opcode = Opcode::Postprocess;
      post.out = outputHalf * t.mTileRows;
      post.rows = rows;
      post.lanes = active;
      post.params = paramsHalf * layout.paramsTileWords;
      post.bias = options.bias;
      post.relu = options.relu;
      post.requantize = options.requantize;
      post.unsignedOutput = options.unsignedOutput;
      flushStore();
      lastPostprocess =
          out.emit(post, {previous, paramsLoad, lastStoreOfHalf[outputHalf]});
      lastReaderOfParams[paramsHalf] = lastPostprocess;
      Instruction store;
      store.opcode = Opcode::DmaStore;
      store.buffer = BufferKind::Output;
      store.addr = post.out;
      store.dramAddr = layout.outputAddress(b, nt, row0);
      store.count = rows;
      store.requantized = options.requantize;
      if (options.requantize) {
        // The tile's columns of the row-major [M][N / V] input rows.
        store.lanes = active;
        store.stride = layout.outputRowBytes;
      }
      pendingStore = store;
    }
  }
  flushStore();
  Instruction end;
  end.opcode = Opcode::Barrier;
  out.emit(end, {lastStoreOfHalf[0], lastStoreOfHalf[1]});
  for (auto [index, in] : llvm::enumerate(program.instructions))
    if (Error e = checkInstruction(s, in, index))
      return std::move(e);
  return plan;
}
