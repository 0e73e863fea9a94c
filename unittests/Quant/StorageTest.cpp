//===- StorageTest.cpp - storage model unit tests -------------------------===//

#include "vsquant/Quant/Storage.h"

#include <gtest/gtest.h>

using vsquant::quant::StorageBreakdown;

TEST(Storage, TwoLevelPerVectorFourBit) {
  // 64x32 si4 weight, vectors of 16 along the 32 axis, ui4 scales, one fp32
  // coarse scale per row: 2048*4 + 128*4 + 64*32 bits over 2048 elements.
  StorageBreakdown s;
  s.numElements = 64 * 32;
  s.elementBits = 4;
  s.numScales = 64 * 2;
  s.scaleBits = 4;
  s.numCoarseScales = 64;
  EXPECT_DOUBLE_EQ(s.totalBits(), 8192.0 + 512.0 + 2048.0);
  EXPECT_DOUBLE_EQ(s.bitsPerElement(), 10752.0 / 2048.0);
}

TEST(Storage, SingleLevelPerTensor) {
  StorageBreakdown s;
  s.numElements = 10;
  s.elementBits = 8;
  s.numScales = 1;
  s.scaleBits = 32;
  EXPECT_DOUBLE_EQ(s.bitsPerElement(), (80.0 + 32.0) / 10.0);
  EXPECT_DOUBLE_EQ(s.coarseTotalBits(), 0.0);
}

TEST(Storage, EmptyTensorHasNoBitsPerElement) {
  StorageBreakdown s;
  EXPECT_DOUBLE_EQ(s.bitsPerElement(), 0.0);
}
