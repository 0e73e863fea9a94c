//===- SimulatorTest.cpp - Simulator against hand-computed values ---------===//

#include "vsquant/Accel/Simulator.h"

#include <gtest/gtest.h>

using namespace vsquant::accel;
namespace q = vsquant::quant;

namespace {
/// 1 PE x 2 lanes x V=4, W4A4 with ui4 scales.
Config tinyConfig(unsigned accumulatorBits = 24) {
  Config c;
  c.name = "tiny";
  c.pes = 1;
  c.lanesPerPE = 2;
  c.vectorSize = 4;
  c.ppuLanes = 1;
  c.weightBits = c.activationBits = 4;
  c.weightScaleBits = c.activationScaleBits = 4;
  c.accumulatorBits = accumulatorBits;
  c.weightBufferBytes = 64;
  c.inputBufferBytes = 64;
  c.accumulatorBufferBytes = 48;
  c.globalBufferBytes = 1024;
  c.dramBytesPerCycle = 8;
  c.onChipBytesPerCycle = 64;
  c.clockMHz = 100;
  return c;
}

q::TensorFormat format(int64_t axis, int64_t coarseAxis) {
  q::TensorFormat f;
  f.element = {4, true};
  f.granularity = q::Granularity::PerVector;
  f.axis = axis;
  f.vectorSize = 4;
  f.scaleBits = 4;
  f.coarseAxis = coarseAxis;
  return f;
}

/// Runs A (1 x 4) times B (4 x 2) through plan, image and simulator.
std::vector<float> run(const Config &config, const q::QuantizedTensor &a,
                       const q::QuantizedTensor &b, std::vector<float> bias,
                       bool relu, SimulationStats *statsOut = nullptr) {
  MatmulOptions options;
  options.bias = !bias.empty();
  options.relu = relu;
  MatmulPlan plan = cantFail(planMatmul(config, 1, 4, 2, options));
  std::vector<uint8_t> image = cantFail(
      packMatmulImage(plan, a, format(1, -1), b, format(0, 1), bias));
  SimulationStats stats = cantFail(simulate(plan.program, config, image));
  if (statsOut)
    *statsOut = stats;
  return readMatmulOutput(plan, image);
}
} // namespace

TEST(AccelSimulator, HandComputedMatmul) {
  q::QuantizedTensor a, b;
  a.values = {1, 2, 3, -4};
  a.integerScales = {3};
  a.coarse = {0.5f};
  // B is K x N row-major: column 0 = (1, 1, 1, 1), column 1 = (-7, 0, 7, 1).
  b.values = {1, -7, 1, 0, 1, 7, 1, 1};
  b.integerScales = {2, 1};
  b.coarse = {0.25f, 2.0f};
  // acc0 = 3 * 2 * (1 + 2 + 3 - 4) = 12, Y0 = 12 * f32(0.5 * 0.25) = 1.5.
  // acc1 = 3 * 1 * (-7 + 0 + 21 - 4) = 30, Y1 = 30 * f32(0.5 * 2) = 30.
  std::vector<float> y = run(tinyConfig(), a, b, {}, false);
  ASSERT_EQ(y.size(), 2u);
  EXPECT_EQ(y[0], 1.5f);
  EXPECT_EQ(y[1], 30.0f);
  // Bias then ReLU: 1.5 + 0.25 = 1.75; 30 - 40 = -10 -> 0.
  y = run(tinyConfig(), a, b, {0.25f, -40.0f}, true);
  EXPECT_EQ(y[0], 1.75f);
  EXPECT_EQ(y[1], 0.0f);
}

TEST(AccelSimulator, AccumulatorSaturates) {
  q::QuantizedTensor a, b;
  a.values = {7, 7, 7, 7};
  a.integerScales = {15};
  a.coarse = {1.0f};
  b.values = {7, -7, 7, -7, 7, -7, 7, -7};
  b.integerScales = {15, 15};
  b.coarse = {1.0f, 1.0f};
  // 15 * 15 * (+-196) = +-44100 does not fit 12 bits: saturate at +-2047
  // (-2048 on the negative side).
  SimulationStats stats;
  std::vector<float> y = run(tinyConfig(12), a, b, {}, false, &stats);
  EXPECT_EQ(y[0], 2047.0f);
  EXPECT_EQ(y[1], -2048.0f);
  EXPECT_EQ(stats.saturations, 2);
  // Wide enough: exact.
  y = run(tinyConfig(24), a, b, {}, false, &stats);
  EXPECT_EQ(y[0], 44100.0f);
  EXPECT_EQ(y[1], -44100.0f);
  EXPECT_EQ(stats.saturations, 0);
}

TEST(AccelSimulator, TimingOfOneTile) {
  q::QuantizedTensor a, b;
  a.values = {1, 2, 3, -4};
  a.integerScales = {3};
  a.coarse = {0.5f};
  b.values = {1, -7, 1, 0, 1, 7, 1, 1};
  b.integerScales = {2, 1};
  b.coarse = {0.25f, 2.0f};
  SimulationStats stats;
  run(tinyConfig(), a, b, {}, false, &stats);
  // Entries are 3 bytes (4 x 4 bits + a 4-bit scale, padded). DMA, in
  // order at 8 B/cycle: params 2 words (8 B, 1 cycle), one weight slot
  // (2 lanes x 3 B, 1), one input entry (3 B, 1); then vmac 1 row x 1
  // vector (1 cycle), the PPU 2 outputs at 1 per cycle (2), and the store
  // of one fp32 row of 2 lanes (8 B, 1).
  EXPECT_EQ(stats.dmaBusyCycles, 4);
  EXPECT_EQ(stats.macBusyCycles, 1);
  EXPECT_EQ(stats.ppuBusyCycles, 2);
  EXPECT_EQ(stats.cycles, 3 + 1 + 2 + 1);
  EXPECT_EQ(stats.dmaBytes, 8 + 6 + 3 + 8);
}

TEST(AccelSimulator, Conv2dAsMatmulGathersVectors) {
  // Input 1x2x3x2 (C = 2 < V = 4: one padded vector per pixel), values
  // 10 * pixel + channel, scale pixel + 1. Filter 2x2x2x1 with padding 1
  // on the left only: outputs 1 x 1 x 3 (x = -1, 0, 1 for the left tap).
  Conv2dShape shape;
  shape.h = 2;
  shape.w = 3;
  shape.c = 2;
  shape.f = 1;
  shape.kh = 2;
  shape.kw = 2;
  shape.padLeft = 1;
  q::QuantizedTensor input, filter;
  for (int pixel = 0; pixel < 6; ++pixel) {
    for (int c = 0; c < 2; ++c)
      input.values.push_back(10 * pixel + c);
    input.integerScales.push_back(pixel + 1);
  }
  input.coarse = {0.5f};
  for (int i = 0; i < 8; ++i) // (ky, kx, c) row-major, F = 1
    filter.values.push_back(i - 4);
  filter.integerScales = {1, 2, 3, 4}; // per tap
  filter.coarse = {2.0f};
  q::TensorFormat inputFormat = format(3, -1), filterFormat = format(2, 3);
  ConvAsMatmul gemm = cantFail(
      conv2dAsMatmul(shape, 4, input, inputFormat, filter, filterFormat));
  ASSERT_EQ(shape.outH(), 1);
  ASSERT_EQ(shape.outW(), 3);
  EXPECT_EQ(gemm.m, 3);
  EXPECT_EQ(gemm.k, 16); // 4 taps x 1 vector x V
  EXPECT_EQ(gemm.n, 1);
  // Output x = 0 reads input columns -1 (padding) and 0 for the two taps
  // of each filter row: taps (0,0) and (1,0) are padding.
  const int16_t *row0 = &gemm.a.values[0];
  std::vector<int16_t> expected0 = {0, 0, 0, 0,  0, 1, 0, 0,
                                    0, 0, 0, 0,  30, 31, 0, 0};
  EXPECT_EQ(std::vector<int16_t>(row0, row0 + 16), expected0);
  EXPECT_EQ(gemm.a.integerScales[0], 0); // tap (0,0): padding
  EXPECT_EQ(gemm.a.integerScales[1], 1); // tap (0,1): pixel (0,0)
  EXPECT_EQ(gemm.a.integerScales[3], 4); // tap (1,1): pixel (1,0)
  // Output x = 2 reads columns 1 and 2: pixels (0,1), (0,2), (1,1), (1,2).
  const int16_t *row2 = &gemm.a.values[2 * 16];
  std::vector<int16_t> expected2 = {10, 11, 0, 0,  20, 21, 0, 0,
                                    40, 41, 0, 0,  50, 51, 0, 0};
  EXPECT_EQ(std::vector<int16_t>(row2, row2 + 16), expected2);
  // Filter rows: tap t, channel c at (t * 4 + c); padding channels 0.
  std::vector<int16_t> filterColumn = {-4, -3, 0, 0, -2, -1, 0, 0,
                                       0,  1,  0, 0, 2,  3,  0, 0};
  EXPECT_EQ(gemm.b.values, filterColumn);
  EXPECT_EQ(gemm.b.integerScales, filter.integerScales);
  EXPECT_EQ(gemm.aFormat.axis, 1);
  EXPECT_EQ(gemm.bFormat.axis, 0);
  EXPECT_EQ(gemm.bFormat.coarseAxis, 1);
}

namespace {
/// 1 PE x 4 lanes x V=4: one output vector per row, so the PPU can
/// re-quantize.
Config fourLaneConfig() {
  Config c = tinyConfig();
  c.lanesPerPE = 4;
  return c;
}

/// A = (1, 2, 3, -4) with sq 3, gamma 0.5 times the identity (sq 1,
/// gamma 1): Y = 3 * A * 0.5 = (1.5, 3, 4.5, -6), re-quantized by the PPU
/// under the static coarse scale `gamma`.
q::QuantizedTensor requantizedByPpu(bool relu, bool unsignedOutput,
                                    float gamma) {
  q::QuantizedTensor a, b;
  a.values = {1, 2, 3, -4};
  a.integerScales = {3};
  a.coarse = {0.5f};
  b.values = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  b.integerScales = {1, 1, 1, 1};
  b.coarse = {1.0f};
  Config config = fourLaneConfig();
  MatmulOptions options;
  options.relu = relu;
  options.requantize = true;
  options.unsignedOutput = unsignedOutput;
  MatmulPlan plan = cantFail(planMatmul(config, 1, 4, 4, options));
  std::vector<uint8_t> image;
  cantFail(writeLayerImage(plan, llvm::ArrayRef(a), format(1, -1), llvm::ArrayRef(b),
                           format(0, -1), {}, gamma, image));
  cantFail(simulate(plan.program, config, image));
  return readRequantizedOutput(plan, image, !unsignedOutput);
}
} // namespace

TEST(AccelSimulator, PpuRequantizesPerVectorUnderStaticCoarse) {
  // si4 (Q = 7): s = 6 / 7, s / 0.1 = 8.57 -> sq 9, S = 0.9:
  // round(1.5 / 0.9, 3 / 0.9, 4.5 / 0.9, -6 / 0.9) = (2, 3, 5, -7).
  q::QuantizedTensor y = requantizedByPpu(false, false, 0.1f);
  EXPECT_EQ(y.values, (std::vector<int16_t>{2, 3, 5, -7}));
  EXPECT_EQ(y.integerScales, (std::vector<uint16_t>{9}));
  // ReLU, ui4 (Q = 15): s = 4.5 / 15 = 0.3, s / 0.02 = 15 -> sq 15,
  // S = 0.3: (5, 10, 15, 0).
  y = requantizedByPpu(true, true, 0.02f);
  EXPECT_EQ(y.values, (std::vector<int16_t>{5, 10, 15, 0}));
  EXPECT_EQ(y.integerScales, (std::vector<uint16_t>{15}));
  // A static coarse scale below the data's: sq clamps at 15, S = 0.15, and
  // the elements clamp at Q: (10, 15, 15, 0).
  y = requantizedByPpu(true, true, 0.01f);
  EXPECT_EQ(y.values, (std::vector<int16_t>{10, 15, 15, 0}));
  EXPECT_EQ(y.integerScales, (std::vector<uint16_t>{15}));
}

TEST(AccelSimulator, DepthwiseAsMatmulPlacesTapsOnTheDiagonal) {
  // 1 x 1 x 3 pixels x 2 channels (V = 4: one block), 1x2 window: 2 output
  // pixels, 2 taps.
  Conv2dShape shape;
  shape.h = 1;
  shape.w = 3;
  shape.c = shape.f = 2;
  shape.kh = 1;
  shape.kw = 2;
  q::QuantizedTensor input, filter;
  input.values = {1, 2, 3, 4, 5, 6}; // pixel p, channel c: 2p + c + 1
  input.integerScales = {7, 8, 9};   // one vector per pixel
  input.coarse = {0.5f};
  filter.values = {-1, -2, -3, -4}; // tap t, channel c
  filter.integerScales = {10, 11};  // one vector (the window) per channel
  filter.coarse = {1.0f, 2.0f};
  q::TensorFormat inputFormat = format(3, -1);
  q::TensorFormat filterFormat = format(0, 1);
  ConvAsMatmul gemm = cantFail(depthwiseAsMatmul(shape, 4, input, inputFormat,
                                                 filter, filterFormat));
  EXPECT_EQ(gemm.m, 2);
  EXPECT_EQ(gemm.k, 8); // (block 0, tap 0), (block 0, tap 1)
  EXPECT_EQ(gemm.n, 2);
  // Row 0 (output pixel 0): taps at pixels 0 and 1; row 1: pixels 1, 2.
  EXPECT_EQ(gemm.a.values,
            (std::vector<int16_t>{1, 2, 0, 0, 3, 4, 0, 0, //
                                  3, 4, 0, 0, 5, 6, 0, 0}));
  EXPECT_EQ(gemm.a.integerScales, (std::vector<uint16_t>{7, 8, 8, 9}));
  // B (8 x 2): column c has tap t's weight at position c of vector t.
  EXPECT_EQ(gemm.b.values, (std::vector<int16_t>{-1, 0, //
                                                 0, -2, //
                                                 0, 0,  //
                                                 0, 0,  //
                                                 -3, 0, //
                                                 0, -4, //
                                                 0, 0,  //
                                                 0, 0}));
  EXPECT_EQ(gemm.b.integerScales, (std::vector<uint16_t>{10, 11, 10, 11}));
  EXPECT_EQ(gemm.bFormat.coarseAxis, 1);
}
