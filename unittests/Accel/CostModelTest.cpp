//===- CostModelTest.cpp - Analytical cost model, hand-computed -----------===//

#include "vsquant/Accel/CostModel.h"

#include <gtest/gtest.h>

using namespace vsquant::accel;

namespace {
/// 1 PE x 2 lanes x V=4, W4A4 with ui4 scales, tiny buffers; every energy
/// and area price 0 except where a test sets one.
Config tinyConfig() {
  Config c;
  c.name = "tiny";
  c.pes = 1;
  c.lanesPerPE = 2;
  c.vectorSize = 4;
  c.ppuLanes = 1;
  c.weightBits = c.activationBits = 4;
  c.weightScaleBits = c.activationScaleBits = 4;
  c.accumulatorBits = 24;
  c.weightBufferBytes = 64;
  c.inputBufferBytes = 64;
  c.accumulatorBufferBytes = 48;
  c.globalBufferBytes = 1024;
  c.dramBytesPerCycle = 8;
  c.onChipBytesPerCycle = 64;
  c.clockMHz = 100;
  c.components.sramEnergySizeExponent = 0;
  return c;
}

double part(const Breakdown &breakdown, llvm::StringRef name) {
  for (const auto &[key, value] : breakdown)
    if (key == name)
      return value;
  ADD_FAILURE() << "no " << name.str();
  return 0;
}
} // namespace

TEST(AccelCostModel, LayerShapes) {
  Layer fc = matmulLayer("fc", 3, 10, 5, 4);
  EXPECT_EQ(fc.kVectors, 3); // ceil(10 / 4), the last one padded
  EXPECT_EQ(fc.inputElements, 30);
  // 8x8x6 input, 3x3 filter, stride 2, pad 1: 4x4 outputs, 2 vectors of C.
  Layer conv = conv2dLayer("conv", 1, 8, 8, 6, 7, 3, 3, 2, 1, 4);
  EXPECT_EQ(conv.m, 16);
  EXPECT_EQ(conv.k, 54);
  EXPECT_EQ(conv.n, 7);
  EXPECT_EQ(conv.kVectors, 18);
  EXPECT_EQ(conv.inputElements, 384);
}

TEST(AccelCostModel, TilingAndCycles) {
  Config c = tinyConfig();
  LayerCost cost = cantFail(estimateLayer(c, matmulLayer("l", 4, 8, 2, 4)));
  const Tiling &t = cost.tiling;
  // Accumulator: 48 * 8 / (2 lanes * 24 bits) = 8 rows >= M = 4. Vectors are
  // 4 * 4 + 4 = 20 bits, packed in 3 bytes: weights 512 / (2 * 2 * 24) = 5,
  // inputs 512 / (2 * 4 * 24) = 2, so both K vectors fit, double buffered.
  EXPECT_EQ(t.mTileRows, 4);
  EXPECT_EQ(t.kTileVectors, 2);
  EXPECT_TRUE(t.doubleBuffered);
  EXPECT_EQ(t.nTiles, 1);
  EXPECT_EQ(t.mTiles, 1);
  EXPECT_EQ(t.kTiles, 1);
  EXPECT_EQ(cost.macs, 64);
  // 4 rows x 2 vectors, then the PPU drains 4 x 2 outputs one per cycle.
  EXPECT_EQ(cost.computeCycles, 16);
  // Weights (2 x 2 x 24 + 2 x 32) / 8 = 20, inputs 8 vectors x 3 = 24
  // bytes; re-quantized outputs: 2 vectors x 3 bytes = 6. Read channel
  // 44 / 8 = 5.5, write channel 6 / 8: 6 cycles.
  EXPECT_EQ(cost.dramReadBytes, 44);
  EXPECT_EQ(cost.dramWriteBytes, 6);
  EXPECT_EQ(cost.dmaCycles, 6);
  // Edges: the first tile's loads, (2 x 2 + 4 x 2) x 3 = 36 bytes, and the
  // last tile's store, 6 bytes: 42 / 8 -> 6 cycles.
  EXPECT_EQ(cost.cycles, 16 + 6);
  EXPECT_DOUBLE_EQ(cost.utilization, 64.0 / (22 * 8));
}

TEST(AccelCostModel, NotDoubleBufferedWhenTwoTilesDoNotFit) {
  Config c = tinyConfig();
  c.weightBufferBytes = 6; // one 3-byte vector per lane exactly
  LayerCost cost = cantFail(estimateLayer(c, matmulLayer("l", 4, 8, 2, 4)));
  EXPECT_FALSE(cost.tiling.doubleBuffered);
  EXPECT_EQ(cost.tiling.kTileVectors, 1);
  EXPECT_EQ(cost.tiling.kTiles, 2);
  // Serial: compute plus transfers.
  EXPECT_EQ(cost.cycles, cost.computeCycles +
                             std::max<int64_t>(cost.dmaCycles, 1));
}

TEST(AccelCostModel, ScaleEnergyPerVectorProduct) {
  Config c = tinyConfig();
  c.components.multiplierEnergyPjPerBit2 = 1;
  LayerCost cost = cantFail(estimateLayer(c, matmulLayer("l", 4, 8, 2, 4)));
  // 4 x 2 x 2 = 16 vector products. Scale: 4 x 4 (sqW sqA) + 10 x 8 (dot of
  // 4+4+2 bits times the 8-bit scale product) = 96 pJ each.
  EXPECT_DOUBLE_EQ(part(cost.energyPj, "scale"), 16 * 96.0);
  // MAC: 4 products of 4 x 4 bits each.
  EXPECT_DOUBLE_EQ(part(cost.energyPj, "mac"), 16 * 4 * 16.0);
  // PPU: two 24 x 24 multiplies per output.
  EXPECT_DOUBLE_EQ(part(cost.energyPj, "ppu"), 8 * 2 * 576.0);
  EXPECT_DOUBLE_EQ(part(cost.energyPj, "dram"), 0);
  EXPECT_DOUBLE_EQ(multiplierEnergyPerMacPj(c), (4 * 16 + 96) / 4.0);
}

TEST(AccelCostModel, PerChannelHasNoScaleUnits) {
  Config c = tinyConfig();
  c.scaling = Scaling::PerChannel;
  c.weightScaleBits = c.activationScaleBits = 0;
  c.components.multiplierAreaUm2PerBit2 = 1;
  c.components.multiplierEnergyPjPerBit2 = 1;
  Breakdown area = estimateArea(c);
  EXPECT_DOUBLE_EQ(part(area, "scale_units"), 0);
  EXPECT_DOUBLE_EQ(part(area, "mac_array"), 2 * 4 * 16.0);
  LayerCost cost = cantFail(estimateLayer(c, matmulLayer("l", 4, 8, 2, 4)));
  EXPECT_DOUBLE_EQ(part(cost.energyPj, "scale"), 0);
}

TEST(AccelCostModel, AreaAndEnergyPrices) {
  Config c = tinyConfig();
  c.components.sramAreaUm2PerBit = 1;
  c.components.sramEnergyPjPerBit = 1;
  c.components.dramEnergyPjPerBit = 2;
  Breakdown area = estimateArea(c);
  EXPECT_DOUBLE_EQ(part(area, "weight_buffer"), 64 * 8);
  EXPECT_DOUBLE_EQ(part(area, "global_buffer"), 1024 * 8);
  EXPECT_DOUBLE_EQ(total(area), (64 + 64 + 48 + 1024) * 8);
  EXPECT_DOUBLE_EQ(peTotal(area), (64 + 64 + 48) * 8);
  LayerCost cost = cantFail(estimateLayer(c, matmulLayer("l", 4, 8, 2, 4)));
  EXPECT_DOUBLE_EQ(part(cost.energyPj, "dram"), 2 * 8 * 50.0);
  // Each of the 16 vector products reads and writes a 24-bit partial sum.
  EXPECT_DOUBLE_EQ(part(cost.energyPj, "accumulator_buffer"), 16 * 2 * 24.0);
}

TEST(AccelCostModel, RejectsEmptyLayer) {
  llvm::Expected<LayerCost> cost =
      estimateLayer(tinyConfig(), matmulLayer("empty", 0, 8, 2, 4));
  ASSERT_FALSE(bool(cost));
  EXPECT_EQ(llvm::toString(cost.takeError()),
            "layer 'empty' has an empty dimension");
}

TEST(AccelCostModel, DepthwiseLaneTilesReduceOverTheirOwnBlocks) {
  // 96 channels on 64 lanes, V = 16, 3x3 window: tile 0 holds blocks 0-3
  // (4 x 9 vectors from vector 0), tile 1 blocks 4-5 (2 x 9 from 36).
  Config c = tinyConfig();
  c.pes = 4;
  c.lanesPerPE = 16;
  c.vectorSize = 16;
  Layer dw = depthwiseConv2dLayer("dw", 1, 8, 8, 96, 3, 3, 1, 1, 16);
  EXPECT_EQ(dw.m, 64);
  EXPECT_EQ(dw.n, 96);
  EXPECT_EQ(dw.k, 9);
  EXPECT_EQ(dw.kVectors, 54);
  std::vector<LaneTileReduction> tiles = laneTileReductions(c, dw);
  ASSERT_EQ(tiles.size(), 2u);
  EXPECT_EQ(tiles[0].firstVector, 0);
  EXPECT_EQ(tiles[0].vectors, 36);
  EXPECT_EQ(tiles[1].firstVector, 36);
  EXPECT_EQ(tiles[1].vectors, 18);
  // 16 lanes, V = 64: four lane tiles share block 0, two block 1.
  c.pes = 1;
  c.vectorSize = 64;
  dw = depthwiseConv2dLayer("dw", 1, 8, 8, 96, 3, 3, 1, 1, 64);
  tiles = laneTileReductions(c, dw);
  ASSERT_EQ(tiles.size(), 6u);
  for (int t = 0; t < 6; ++t) {
    EXPECT_EQ(tiles[t].firstVector, t < 4 ? 0 : 9);
    EXPECT_EQ(tiles[t].vectors, 9);
  }
  // Other layers: every tile runs all of K.
  for (const LaneTileReduction &tile :
       laneTileReductions(c, matmulLayer("fc", 4, 200, 40, 64))) {
    EXPECT_EQ(tile.firstVector, 0);
    EXPECT_EQ(tile.vectors, 4);
  }
}

TEST(AccelCostModel, DepthwiseCyclesCountEachTilesVectors) {
  // Tiny machine (2 lanes, V = 4): 6 channels, 2x2 window on a 3x3 input,
  // 4 outputs per channel. Tiles: channels {0,1} and {2,3} in block 0,
  // {4,5} in block 1: 4 vectors each. MACs busy 4 rows x 12 vectors,
  // plus the PPU's 4 x 2 outputs per tile.
  Config c = tinyConfig();
  Layer dw = depthwiseConv2dLayer("dw", 1, 3, 3, 6, 2, 2, 1, 0, 4);
  LayerCost cost = cantFail(estimateLayer(c, dw));
  EXPECT_EQ(cost.tiling.nTiles, 3);
  EXPECT_EQ(cost.macs, 4 * 4 * 6);
  EXPECT_EQ(cost.computeCycles, 4 * 12 + 3 * 8);
}

TEST(AccelCostModel, BatchRepeatsTheMatmul) {
  Config c = tinyConfig();
  c.components.multiplierEnergyPjPerBit2 = 1;
  LayerCost one = cantFail(estimateLayer(c, matmulLayer("l", 4, 8, 2, 4)));
  LayerCost three =
      cantFail(estimateLayer(c, batchMatmulLayer("l", 3, 4, 8, 2, 4)));
  EXPECT_EQ(three.macs, 3 * one.macs);
  EXPECT_EQ(three.computeCycles, 3 * one.computeCycles);
  EXPECT_EQ(three.dramReadBytes, 3 * one.dramReadBytes);
  EXPECT_EQ(three.dramWriteBytes, 3 * one.dramWriteBytes);
  EXPECT_DOUBLE_EQ(part(three.energyPj, "mac"), 3 * part(one.energyPj, "mac"));
}
