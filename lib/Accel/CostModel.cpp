//===- CostModel.cpp - Analytical accelerator cost model --------*- C++ -*-===//

#include "vsquant/Accel/CostModel.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <algorithm>
#include <cmath>

using namespace llvm;
using namespace vsquant::accel;

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

Layer vsquant::accel::matmulLayer(StringRef name, int64_t m, int64_t k,
                                  int64_t n, int64_t vectorSize) {
  Layer layer;
  layer.name = name.str();
  layer.kind = "matmul";
  layer.m = m;
  layer.k = k;
  layer.n = n;
  layer.kVectors = ceilDiv(k, vectorSize);
  layer.inputElements = m * k;
  return layer;
}

Layer vsquant::accel::conv2dLayer(StringRef name, int64_t batch, int64_t h,
                                  int64_t w, int64_t c, int64_t f, int64_t kh,
                                  int64_t kw, int64_t stride, int64_t pad,
                                  int64_t vectorSize) {
  int64_t oh = (h + 2 * pad - kh) / stride + 1;
  int64_t ow = (w + 2 * pad - kw) / stride + 1;
  Layer layer;
  layer.name = name.str();
  layer.kind = "conv2d";
  layer.m = batch * oh * ow;
  layer.k = kh * kw * c;
  layer.n = f;
  layer.kVectors = kh * kw * ceilDiv(c, vectorSize);
  layer.inputElements = batch * h * w * c;
  return layer;
}

Layer vsquant::accel::batchMatmulLayer(StringRef name, int64_t batch,
                                       int64_t m, int64_t k, int64_t n,
                                       int64_t vectorSize) {
  Layer layer = matmulLayer(name, m, k, n, vectorSize);
  layer.kind = "batch_matmul";
  layer.batch = batch;
  layer.inputElements = batch * m * k;
  return layer;
}

Layer vsquant::accel::depthwiseConv2dLayer(StringRef name, int64_t batch,
                                           int64_t h, int64_t w, int64_t c,
                                           int64_t kh, int64_t kw,
                                           int64_t stride, int64_t pad,
                                           int64_t vectorSize) {
  Layer layer = conv2dLayer(name, batch, h, w, c, c, kh, kw, stride, pad,
                            vectorSize);
  layer.kind = "depthwise_conv2d";
  layer.k = kh * kw;
  layer.taps = kh * kw;
  return layer;
}

std::vector<LaneTileReduction>
vsquant::accel::laneTileReductions(const Config &config, const Layer &layer) {
  int64_t lanes = config.lanes(), v = config.vectorSize;
  int64_t tiles = ceilDiv(layer.n, lanes);
  std::vector<LaneTileReduction> result(tiles, {0, layer.kVectors});
  if (layer.kind != "depthwise_conv2d")
    return result;
  for (int64_t t = 0; t < tiles; ++t) {
    int64_t firstChannel = t * lanes;
    int64_t lastChannel = std::min(layer.n, firstChannel + lanes) - 1;
    int64_t firstBlock = firstChannel / v, lastBlock = lastChannel / v;
    result[t] = {firstBlock * layer.taps,
                 (lastBlock - firstBlock + 1) * layer.taps};
  }
  return result;
}

double vsquant::accel::total(const Breakdown &breakdown) {
  double sum = 0;
  for (const auto &entry : breakdown)
    sum += entry.second;
  return sum;
}

double vsquant::accel::peTotal(const Breakdown &breakdown) {
  double sum = 0;
  for (const auto &entry : breakdown)
    if (entry.first != "global_buffer" && entry.first != "dram")
      sum += entry.second;
  return sum;
}

namespace {
/// Prices actions with the component table at the machine's node.
struct Prices {
  const ComponentTable &table;
  double energyScale, areaScale;

  explicit Prices(const Config &config)
      : table(config.components), energyScale(config.energyScale()),
        areaScale(config.areaScale()) {}

  double mulEnergy(double a, double b) const {
    return a * b * table.multiplierEnergyPjPerBit2 * energyScale;
  }
  double addEnergy(double bits) const {
    return bits * table.adderEnergyPjPerBit * energyScale;
  }
  double regEnergy(double bits) const {
    return bits * table.registerEnergyPjPerBit * energyScale;
  }
  /// Energy of accessing `bits` of an SRAM of `bytes`.
  double sramEnergy(double bits, double bytes) const {
    double size = std::pow(bytes / table.sramReferenceBytes,
                           table.sramEnergySizeExponent);
    return bits * table.sramEnergyPjPerBit * size * energyScale;
  }
  double dramEnergy(double bits) const {
    return bits * table.dramEnergyPjPerBit * energyScale;
  }
  double mulArea(double a, double b) const {
    return a * b * table.multiplierAreaUm2PerBit2 * areaScale;
  }
  double addArea(double bits) const {
    return bits * table.adderAreaUm2PerBit * areaScale;
  }
  double regArea(double bits) const {
    return bits * table.registerAreaUm2PerBit * areaScale;
  }
  double sramArea(double bytes) const {
    return bytes * 8 * table.sramAreaUm2PerBit * areaScale;
  }
};

/// The post-processing unit's datapath: fp32 (24-bit significand) coarse
/// scale multiply and re-quantization multiply, a 32-bit bias add.
constexpr double kPpuMantissaBits = 24;
constexpr double kPpuBiasBits = 32;

/// Vectors are stored packed and padded to whole bytes (the ISA's entries,
/// vsquant/Accel/ISA.h), so that the cost model tiles like the lowering.
int64_t weightVectorBits(const Config &config) {
  return (config.vectorSize * config.weightBits + config.weightScaleBits + 7) /
         8 * 8;
}
int64_t inputVectorBits(const Config &config) {
  return (config.vectorSize * config.activationBits +
          config.activationScaleBits + 7) / 8 * 8;
}
} // namespace

Expected<Tiling> vsquant::accel::tileLayer(const Config &config,
                                           const Layer &layer) {
  if (layer.m <= 0 || layer.n <= 0 || layer.kVectors <= 0)
    return createStringError(inconvertibleErrorCode(),
                             "layer '%s' has an empty dimension",
                             layer.name.c_str());
  // MACs, cycles and bytes are int64 counts of at most about M x K x N;
  // 2^60 leaves room for the bit widths and tiles multiplied into them.
  int64_t macs = 0;
  if (llvm::MulOverflow(layer.m, layer.k, macs) ||
      llvm::MulOverflow(macs, layer.n, macs) || macs > (int64_t(1) << 60))
    return createStringError(
        inconvertibleErrorCode(),
        "layer '%s': %lld x %lld x %lld is more than 2^60 MACs, past what "
        "the cost model counts in 64 bits",
        layer.name.c_str(), (long long)layer.m, (long long)layer.k,
        (long long)layer.n);
  Tiling tiling;
  // The longest reduction any lane tile runs (all of them but a depthwise
  // conv's run kVectors).
  int64_t kVectors = 0;
  for (const LaneTileReduction &tile : laneTileReductions(config, layer))
    kVectors = std::max(kVectors, tile.vectors);
  int64_t lanes = config.lanesPerPE;
  int64_t weightBits = config.weightBufferBytes * 8;
  int64_t inputBits = config.inputBufferBytes * 8;
  int64_t weightVector = weightVectorBits(config);
  int64_t inputVector = inputVectorBits(config);
  // Rows first: the accumulator buffer holds one partial sum per lane and
  // row, and every row of a tile reuses each latched weight vector.
  tiling.mTileRows =
      std::min(layer.m, config.accumulatorBufferBytes * 8 /
                            (lanes * int64_t(config.accumulatorBits)));
  // Half of the weight and input buffers per tile when two tiles fit:
  // the DMA fills one half while the lanes read the other.
  for (int64_t halves : {2, 1}) {
    while (tiling.mTileRows >= 1) {
      int64_t kFit = std::min(weightBits / (halves * lanes * weightVector),
                              inputBits / (halves * tiling.mTileRows *
                                           inputVector));
      if (kFit >= 1) {
        tiling.kTileVectors = std::min(kVectors, kFit);
        break;
      }
      // Fewer rows until one vector per row fits (halving keeps it quick).
      tiling.mTileRows /= 2;
    }
    if (tiling.kTileVectors >= 1) {
      tiling.doubleBuffered = halves == 2;
      break;
    }
    tiling.mTileRows =
        std::min(layer.m, config.accumulatorBufferBytes * 8 /
                              (lanes * int64_t(config.accumulatorBits)));
  }
  if (tiling.kTileVectors < 1 || tiling.mTileRows < 1)
    return createStringError(
        inconvertibleErrorCode(),
        "layer '%s' cannot map: the buffers do not hold one weight vector "
        "per lane, one input vector and one row of partial sums",
        layer.name.c_str());
  tiling.nTiles = ceilDiv(layer.n, config.lanes());
  tiling.mTiles = ceilDiv(layer.m, tiling.mTileRows);
  tiling.kTiles = ceilDiv(kVectors, tiling.kTileVectors);
  return tiling;
}

Expected<LayerCost> vsquant::accel::estimateLayer(const Config &config,
                                                  const Layer &layer) {
  Expected<Tiling> tiling = tileLayer(config, layer);
  if (!tiling)
    return tiling.takeError();
  Prices price(config);
  LayerCost cost;
  cost.layer = layer;
  cost.tiling = *tiling;
  const Tiling &t = *tiling;
  bool perVector = config.scaling == Scaling::PerVector;
  double wb = config.weightBits, ab = config.activationBits;
  double ws = config.weightScaleBits, as = config.activationScaleBits;
  double v = config.vectorSize;
  double dotBits = config.dotProductBits();

  // Per lane tile: the reduction vectors it runs and its active lanes;
  // every sum below runs over the tiles of one batch, then times batch.
  std::vector<LaneTileReduction> tiles = laneTileReductions(config, layer);
  double batch = layer.batch;
  double tileVectors = 0;       // sum over tiles of their K vectors
  double activeTileVectors = 0; // ... times their active lanes
  double weightToPePerBatch = 0;
  double lanes = config.lanes();
  for (auto [index, tile] : llvm::enumerate(tiles)) {
    double active = std::min<double>(lanes, layer.n - double(index) * lanes);
    tileVectors += tile.vectors;
    activeTileVectors += active * tile.vectors;
    // Weights reach the PEs once per lane tile when its whole K fits one
    // K tile, else once per (lane tile, row tile).
    double loads = ceilDiv(tile.vectors, t.kTileVectors) == 1 ? 1 : t.mTiles;
    weightToPePerBatch +=
        loads * (lanes * tile.vectors * weightVectorBits(config) + lanes * 32) /
        8;
  }
  cost.macs = layer.batch * layer.m * layer.k * layer.n;
  double vectorOps = batch * layer.m * activeTileVectors;
  double outputs = batch * layer.m * layer.n;

  // Traffic (bytes). Weights carry their per-vector scales and one fp32
  // coarse scale per output channel; outputs leave re-quantized, with their
  // dynamic per-vector scales on a per-vector machine.
  // Lane tiles are padded to all lanes (the ISA moves whole slots).
  double weightBytesPerBatch =
      (lanes * tileVectors * weightVectorBits(config) +
       double(t.nTiles) * lanes * 32.0) /
      8;
  double weightBytes = batch * weightBytesPerBatch;
  // The global buffer stages DRAM data: a lane tile's weight columns and
  // the whole input stay there when each fits half of it; otherwise they
  // come from DRAM again on every reuse.
  double weightColumnBytes =
      weightBytesPerBatch * std::min<double>(1.0, lanes / layer.n);
  bool weightsResident = weightColumnBytes * 2 <= config.globalBufferBytes;
  double weightToPeBytes = batch * weightToPePerBatch;
  double weightDramBytes = weightsResident ? weightBytes : weightToPeBytes;
  double inputBytes =
      double(layer.inputElements) / v * inputVectorBits(config) / 8;
  bool inputResident = inputBytes * 2 <= config.globalBufferBytes;
  // A depthwise conv's lane tiles read disjoint channels.
  double inputReads = layer.kind == "depthwise_conv2d" ? 1 : t.nTiles;
  double inputDramBytes = inputResident ? inputBytes : inputBytes * inputReads;
  double outputBytes =
      layer.requantizedOutput
          ? outputs / v * inputVectorBits(config) / 8
          : batch * t.nTiles * layer.m * lanes * 4;
  // On chip: every PE gets the broadcast input tiles, lanes their weights.
  double inputToPeBytes =
      batch * layer.m * tileVectors * inputVectorBits(config) / 8;

  cost.dramReadBytes = int64_t(std::ceil(weightDramBytes + inputDramBytes));
  cost.dramWriteBytes = int64_t(std::ceil(outputBytes));

  // Cycles: one vector MAC per lane per cycle for every (row, vector) of a
  // lane tile; after each row tile the PPU drains its rows x lanesPerPE
  // outputs, ppuLanes per cycle (re-quantization is a pipelined stage of
  // the same pass: no extra cycles, docs/Accelerator.md).
  int64_t drainCycles = 0;
  for (int64_t rows = layer.m; rows > 0; rows -= t.mTileRows)
    drainCycles += ceilDiv(std::min(rows, t.mTileRows) * config.lanesPerPE,
                           config.ppuLanes);
  cost.computeCycles = int64_t(
      batch * (layer.m * tileVectors + double(t.nTiles) * drainCycles));
  // DMA read and write channels (as AXI has), each at the DRAM bandwidth;
  // re-reads the global buffer holds move at the on-chip bandwidth.
  double reloadBytes = std::max(
      0.0, inputToPeBytes + weightToPeBytes - weightDramBytes - inputDramBytes);
  cost.dmaCycles = int64_t(std::ceil(std::max(
      cost.dramReadBytes / config.dramBytesPerCycle +
          reloadBytes / config.onChipBytesPerCycle,
      cost.dramWriteBytes / config.dramBytesPerCycle)));
  // The first tile's loads and the last tile's store overlap nothing.
  double firstTileBytes =
      (lanes * t.kTileVectors * weightVectorBits(config) +
       double(t.mTileRows) * t.kTileVectors * inputVectorBits(config)) / 8;
  double lastStoreBytes = outputBytes / (batch * t.nTiles * t.mTiles);
  int64_t edges = int64_t(std::ceil(
      (firstTileBytes + lastStoreBytes) / config.dramBytesPerCycle));
  if (t.doubleBuffered)
    cost.cycles = std::max(cost.computeCycles, cost.dmaCycles) + edges;
  else
    cost.cycles = cost.computeCycles + cost.dmaCycles;
  cost.utilization =
      double(cost.macs) / (double(cost.cycles) * config.macsPerCycle());

  // Energy (pJ).
  double mac = vectorOps * (v * price.mulEnergy(wb, ab) +
                            (v - 1) * price.addEnergy(dotBits));
  double scale = perVector ? vectorOps * (price.mulEnergy(ws, as) +
                                          price.mulEnergy(dotBits, ws + as))
                           : 0;
  double accumulator = vectorOps * price.addEnergy(config.accumulatorBits);
  // Lanes latch a weight vector once per (j, mTile) and reuse it for the
  // mTile's rows.
  double weightLatches = batch * activeTileVectors * t.mTiles;
  mac += weightLatches * price.regEnergy(weightVectorBits(config));
  double weightBuffer =
      price.sramEnergy(weightToPeBytes * 8, config.weightBufferBytes) +
      price.sramEnergy(weightLatches * weightVectorBits(config),
                       config.weightBufferBytes);
  double activePes = std::min<double>(config.pes,
                                      ceilDiv(layer.n, config.lanesPerPE));
  double inputVectorReads = batch * layer.m * tileVectors * activePes;
  // Each input vector is written into a PE's buffer once and read once.
  double inputBuffer =
      2 * price.sramEnergy(inputVectorReads * inputVectorBits(config),
                           config.inputBufferBytes);
  // Each vector MAC reads and writes its row's partial sum.
  double accumulatorBuffer = price.sramEnergy(
      2 * vectorOps * config.accumulatorBits, config.accumulatorBufferBytes);
  double globalBuffer = price.sramEnergy(
      8 * (cost.dramReadBytes + cost.dramWriteBytes + inputToPeBytes +
           weightToPeBytes + outputBytes),
      config.globalBufferBytes);
  // Per output: the coarse-scale multiply and the bias add; re-quantized
  // outputs add the multiply by the inverse vector scale and, per-vector,
  // a compare in the max tree.
  double ppu =
      outputs * (price.mulEnergy(kPpuMantissaBits, kPpuMantissaBits) +
                 price.addEnergy(kPpuBiasBits));
  if (layer.requantizedOutput)
    ppu += outputs * (price.mulEnergy(kPpuMantissaBits, kPpuMantissaBits) +
                      (perVector ? price.addEnergy(ab) : 0));
  double dram = price.dramEnergy(8.0 * (cost.dramReadBytes + cost.dramWriteBytes));
  cost.energyPj = {{"mac", mac},
                   {"scale", scale},
                   {"accumulator", accumulator},
                   {"weight_buffer", weightBuffer},
                   {"input_buffer", inputBuffer},
                   {"accumulator_buffer", accumulatorBuffer},
                   {"global_buffer", globalBuffer},
                   {"ppu", ppu},
                   {"dram", dram}};
  return cost;
}

Breakdown vsquant::accel::estimateArea(const Config &config) {
  Prices price(config);
  bool perVector = config.scaling == Scaling::PerVector;
  double lanes = config.lanes(), v = config.vectorSize;
  double dotBits = config.dotProductBits();
  double macArray =
      lanes * (v * price.mulArea(config.weightBits, config.activationBits) +
               (v - 1) * price.addArea(dotBits) +
               price.regArea(weightVectorBits(config)));
  double scaleUnits =
      perVector
          ? lanes * (price.mulArea(config.weightScaleBits,
                                   config.activationScaleBits) +
                     price.mulArea(dotBits, config.weightScaleBits +
                                                config.activationScaleBits))
          : 0;
  double accumulators = lanes * (price.addArea(config.accumulatorBits) +
                                 price.regArea(config.accumulatorBits));
  double pes = config.pes;
  // ppuLanes PPU lanes per PE; per-vector machines add the max tree that
  // finds each output vector's largest magnitude for its dynamic scale.
  double ppu = pes * config.ppuLanes *
               (2 * price.mulArea(kPpuMantissaBits, kPpuMantissaBits) +
                price.addArea(kPpuBiasBits));
  if (perVector)
    ppu += pes * (v - 1) * price.addArea(config.activationBits);
  return {{"mac_array", macArray},
          {"scale_units", scaleUnits},
          {"accumulators", accumulators},
          {"weight_buffer", pes * price.sramArea(config.weightBufferBytes)},
          {"input_buffer", pes * price.sramArea(config.inputBufferBytes)},
          {"accumulator_buffer",
           pes * price.sramArea(config.accumulatorBufferBytes)},
          {"global_buffer", price.sramArea(config.globalBufferBytes)},
          {"ppu", ppu}};
}

double vsquant::accel::datapathEnergyPerMacPj(const Config &config) {
  Layer layer = matmulLayer("probe", 4096, 64 * config.vectorSize,
                            config.lanes(), config.vectorSize);
  Expected<LayerCost> cost = estimateLayer(config, layer);
  if (!cost) {
    consumeError(cost.takeError());
    return 0;
  }
  double energy = 0;
  for (const auto &[name, pj] : cost->energyPj)
    if (name == "mac" || name == "scale" || name == "accumulator")
      energy += pj;
  return energy / double(cost->macs);
}

double vsquant::accel::multiplierEnergyPerMacPj(const Config &config) {
  Prices price(config);
  double v = config.vectorSize;
  double energy = v * price.mulEnergy(config.weightBits, config.activationBits);
  if (config.scaling == Scaling::PerVector)
    energy += price.mulEnergy(config.weightScaleBits,
                              config.activationScaleBits) +
              price.mulEnergy(config.dotProductBits(),
                              config.weightScaleBits +
                                  config.activationScaleBits);
  return energy / v;
}

static json::Object toObject(const Breakdown &breakdown) {
  json::Object object;
  for (const auto &[name, value] : breakdown)
    object[name] = value;
  return object;
}

json::Value vsquant::accel::toJSON(const LayerCost &cost) {
  const Tiling &t = cost.tiling;
  return json::Object{
      {"name", cost.layer.name},
      {"kind", cost.layer.kind},
      {"batch", cost.layer.batch},
      {"m", cost.layer.m},
      {"k", cost.layer.k},
      {"n", cost.layer.n},
      {"macs", cost.macs},
      {"cycles", cost.cycles},
      {"compute_cycles", cost.computeCycles},
      {"dma_cycles", cost.dmaCycles},
      {"utilization", cost.utilization},
      {"dram_read_bytes", cost.dramReadBytes},
      {"dram_write_bytes", cost.dramWriteBytes},
      {"tiling", json::Object{{"n_tiles", t.nTiles},
                              {"m_tiles", t.mTiles},
                              {"k_tiles", t.kTiles},
                              {"m_tile_rows", t.mTileRows},
                              {"k_tile_vectors", t.kTileVectors},
                              {"double_buffered", t.doubleBuffered}}},
      {"energy_pj", toObject(cost.energyPj)},
      {"energy_total_pj", total(cost.energyPj)}};
}
