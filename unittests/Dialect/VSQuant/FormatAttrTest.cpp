//===- FormatAttrTest.cpp - format attribute and type queries -------------===//

#include "vsquant/Dialect/VSQuant/IR/VSQuant.h"
#include "vsquant/Dialect/VSQuant/Transforms/Passes.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::vsquant;

namespace {
class FormatAttrTest : public ::testing::Test {
protected:
  FormatAttrTest() { context.loadDialect<VSQuantDialect>(); }

  QTensorType parseType(StringRef text) {
    return dyn_cast_or_null<QTensorType>(mlir::parseType(text, &context));
  }

  MLIRContext context;
};
} // namespace

TEST_F(FormatAttrTest, ScaleGridRoundsTailVectorsUp) {
  QTensorType t = parseType("!vsquant.tensor<3x40, #vsquant.format<si4, "
                            "per_vector(axis = 1, size = 16), scale = ui4>>");
  ASSERT_TRUE(t);
  EXPECT_EQ(t.getScaleShape(), (SmallVector<int64_t>{3, 3}));
  EXPECT_EQ(t.getCoarseShape(), SmallVector<int64_t>{});
  EXPECT_EQ(t.getFormat().getElementMax(), 7);
  EXPECT_EQ(t.getFormat().getElementMin(), -7);
  EXPECT_TRUE(t.getFormat().isTwoLevel());
  EXPECT_EQ(t.getFormat().getScaleBits(), 4u);
}

TEST_F(FormatAttrTest, PerChannelAndPerTensorGrids) {
  QTensorType channel = parseType(
      "!vsquant.tensor<8x3x3x5, #vsquant.format<ui8, per_channel(axis = 0), "
      "scale = f32>>");
  ASSERT_TRUE(channel);
  EXPECT_EQ(channel.getScaleShape(), SmallVector<int64_t>{8});
  EXPECT_EQ(channel.getFormat().getElementMax(), 255);
  EXPECT_EQ(channel.getFormat().getElementMin(), 0);
  QTensorType tensor = parseType(
      "!vsquant.tensor<4x4, #vsquant.format<si2, per_tensor, scale = f32>>");
  ASSERT_TRUE(tensor);
  EXPECT_TRUE(tensor.getScaleShape().empty());
  EXPECT_EQ(tensor.getFormat().getElementMax(), 1);
}

TEST_F(FormatAttrTest, StorageCountsScalesAndCoarseScales) {
  QTensorType t = parseType(
      "!vsquant.tensor<32x8, #vsquant.format<si4, per_vector(axis = 0, size "
      "= 16), scale = ui6, coarse = per_channel(axis = 1)>>");
  ASSERT_TRUE(t);
  ::vsquant::quant::StorageBreakdown s = getStorage(t);
  EXPECT_EQ(s.numElements, 256);
  EXPECT_EQ(s.numScales, 16);
  EXPECT_EQ(s.scaleBits, 6u);
  EXPECT_EQ(s.numCoarseScales, 8);
  // 256*4 + 16*6 + 8*32 = 1376 bits.
  EXPECT_DOUBLE_EQ(s.totalBits(), 1376.0);
}

TEST_F(FormatAttrTest, InvalidFormatIsRejectedNotCrashed) {
  context.getDiagEngine().registerHandler([](Diagnostic &) {});
  EXPECT_FALSE(parseType("!vsquant.tensor<4x4, #vsquant.format<si9, "
                         "per_tensor, scale = f32>>"));
  EXPECT_FALSE(parseType("!vsquant.tensor<4x4, #vsquant.format<si4, "
                         "per_vector(axis = 2, size = 4), scale = f32>>"));
}
