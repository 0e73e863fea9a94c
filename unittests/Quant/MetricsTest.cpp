//===- MetricsTest.cpp - SQNR, cosine, bits per element, packing ----------===//

#include "vsquant/Quant/Quantizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace vsquant::quant;

namespace {

TEST(Metrics, SqnrHandExample) {
  // x = {3, 4}, xhat = {3, 3.5}: signal 9 + 16 = 25, noise 0.5^2 = 0.25,
  // 10 log10(100) = 20 dB.
  EXPECT_DOUBLE_EQ(sqnrDb({3.0f, 4.0f}, {3.0f, 3.5f}), 20.0);
  // x = {1, -1, 2}, xhat = {1, -0.5, 2.5}: 6 / 0.5 = 12 -> 10.79 dB.
  EXPECT_DOUBLE_EQ(sqnrDb({1.0f, -1.0f, 2.0f}, {1.0f, -0.5f, 2.5f}),
                   10.0 * std::log10(12.0));
}

TEST(Metrics, SqnrDegenerateCases) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(sqnrDb({1.0f, 2.0f}, {1.0f, 2.0f}), inf); // No error.
  EXPECT_EQ(sqnrDb({0.0f, 0.0f}, {0.0f, 0.0f}), inf); // 0/0: exact, +inf.
  EXPECT_EQ(sqnrDb({0.0f}, {1.0f}), -inf);            // 0 / 1.
  EXPECT_EQ(sqnrDb({}, {}), inf);
}

TEST(Metrics, MeanSquaredError) {
  // Errors {0, 0.5, -0.5}: (0 + 0.25 + 0.25) / 3.
  EXPECT_DOUBLE_EQ(meanSquaredError({1.0f, -1.0f, 2.0f}, {1.0f, -0.5f, 2.5f}),
                   0.5 / 3.0);
  EXPECT_EQ(meanSquaredError({}, {}), 0.0);
}

TEST(Metrics, CosineSimilarity) {
  // {3, 4} . {4, 3} = 24; |x| = |xhat| = 5 -> 24/25.
  EXPECT_DOUBLE_EQ(cosineSimilarity({3.0f, 4.0f}, {4.0f, 3.0f}), 0.96);
  EXPECT_DOUBLE_EQ(cosineSimilarity({1.0f, 2.0f}, {2.0f, 4.0f}), 1.0);
  EXPECT_DOUBLE_EQ(cosineSimilarity({1.0f, 0.0f}, {0.0f, 1.0f}), 0.0);
  EXPECT_DOUBLE_EQ(cosineSimilarity({1.0f, 2.0f}, {-1.0f, -2.0f}), -1.0);
  EXPECT_DOUBLE_EQ(cosineSimilarity({0.0f, 0.0f}, {0.0f, 0.0f}), 1.0);
  EXPECT_DOUBLE_EQ(cosineSimilarity({0.0f, 0.0f}, {1.0f, 0.0f}), 0.0);
}

TEST(Metrics, BitsPerElement) {
  TensorFormat f;
  f.element = {4, true};
  f.granularity = Granularity::PerVector;
  f.axis = 1;
  f.vectorSize = 16;
  f.scaleBits = 4;
  f.coarseAxis = 0;
  // [64, 32]: 2048 * 4 + 128 ui4 scales * 4 + 64 coarse * 32 = 10752 bits.
  EXPECT_DOUBLE_EQ(bitsPerElement({64, 32}, f), 10752.0 / 2048.0);
  // One coarse scale: 8192 + 512 + 32 = 8736.
  f.coarseAxis = -1;
  EXPECT_DOUBLE_EQ(bitsPerElement({64, 32}, f), 8736.0 / 2048.0);
  // Single level fp32 scales, tail vectors: [3, 5], V = 2 -> grid [3, 3]:
  // 15 * 4 + 9 * 32 = 348 bits over 15.
  f.scaleBits = 0;
  f.vectorSize = 2;
  EXPECT_DOUBLE_EQ(bitsPerElement({3, 5}, f), 348.0 / 15.0);
  // Per channel si8 over 64 channels of 32: (2048 * 8 + 64 * 32) / 2048 = 9.
  f.element = {8, true};
  f.granularity = Granularity::PerChannel;
  f.axis = 0;
  EXPECT_DOUBLE_EQ(bitsPerElement({64, 32}, f), 9.0);
  // Per tensor ui8 over 10 elements: (80 + 32) / 10.
  f.element = {8, false};
  f.granularity = Granularity::PerTensor;
  EXPECT_DOUBLE_EQ(bitsPerElement({10}, f), 11.2);
  EXPECT_DOUBLE_EQ(bitsPerElement({0, 4}, f), 0.0);
}

TEST(Packing, HandLayouts) {
  // 4-bit signed {1, -2, 7, -8}: nibbles 0x1, 0xE, 0x7, 0x8, low first:
  // bytes 0xE1, 0x87.
  EXPECT_EQ(packSubByte({1, -2, 7, -8}, 4), (std::vector<uint8_t>{0xE1, 0x87}));
  // 2-bit {0, 1, 2, 3}: 0 | 1 << 2 | 2 << 4 | 3 << 6 = 0xE4.
  EXPECT_EQ(packSubByte({0, 1, 2, 3}, 2), (std::vector<uint8_t>{0xE4}));
  // 3-bit {1, 2, 3}: bits 0-2 = 1, 3-5 = 2, 6-8 = 3:
  // byte 0 = 1 + (2 << 3) + ((3 & 3) << 6) = 1 + 16 + 192 = 0xD1;
  // byte 1 = 3 >> 2 = 0.
  EXPECT_EQ(packSubByte({1, 2, 3}, 3), (std::vector<uint8_t>{0xD1, 0x00}));
  // 3-bit {7, 7, 7}: nine ones -> 0xFF, 0x01.
  EXPECT_EQ(packSubByte({7, 7, 7}, 3), (std::vector<uint8_t>{0xFF, 0x01}));
  // 3-bit signed -1 = 0b111, -4 = 0b100: 7 | 4 << 3 = 0x27.
  EXPECT_EQ(packSubByte({-1, -4}, 3), (std::vector<uint8_t>{0x27}));
  // 8-bit: one value per byte, two's complement.
  EXPECT_EQ(packSubByte({-1, 127, -127, 0}, 8),
            (std::vector<uint8_t>{0xFF, 0x7F, 0x81, 0x00}));
  // 5-bit {31, 1}: 31 | 1 << 5 = 0x3F in 2 bytes (10 bits).
  EXPECT_EQ(packSubByte({31, 1}, 5), (std::vector<uint8_t>{0x3F, 0x00}));
  EXPECT_EQ(unpackSubByte({0xE1, 0x87}, 4, 4, true),
            (std::vector<int16_t>{1, -2, 7, -8}));
  EXPECT_EQ(unpackSubByte({0xE1, 0x87}, 4, 4, false),
            (std::vector<int16_t>{1, 14, 7, 8}));
  EXPECT_TRUE(packSubByte({}, 4).empty());
}

TEST(Packing, RoundTripEveryWidth) {
  for (unsigned bits = 2; bits <= 8; ++bits) {
    for (bool isSigned : {true, false}) {
      // Every representable value (signed two's complement range including
      // -2^(N-1)), then an odd count so the last byte is partial.
      int lo = isSigned ? -(1 << (bits - 1)) : 0;
      int hi = isSigned ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
      std::vector<int16_t> values;
      for (int rep = 0; rep < 3; ++rep)
        for (int v = lo; v <= hi; ++v)
          values.push_back(int16_t(rep % 2 ? hi + lo - v : v));
      values.push_back(int16_t(hi));
      std::vector<uint8_t> packed = packSubByte(values, bits);
      EXPECT_EQ(packed.size(), (values.size() * bits + 7) / 8);
      EXPECT_EQ(unpackSubByte(packed, int64_t(values.size()), bits, isSigned),
                values)
          << bits << (isSigned ? " signed" : " unsigned");
    }
  }
}

} // namespace
