//===- DualTest.cpp - dual quantization ------------------------------------===//

#include "vsquant/Quant/Dual.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace vsquant::quant;

static TensorFormat perTensorSi2() {
  TensorFormat f;
  f.element = {2, true}; // q in {-1, 0, 1}
  f.granularity = Granularity::PerTensor;
  return f;
}

TEST(Dual, ResidualOfAHandExample) {
  // x = [1, 0.5, 0.25, 0] in si2 per tensor (Q = 1), max: s = 1,
  // q = [1, round(0.5) = 0 (rne), 0, 0] -> xhat = [1, 0, 0, 0];
  // single squared error 0.25 + 0.0625 = 0.3125.
  // Residual [0, 0.5, 0.25, 0]: s = 0.5, q = [0, 1, round(0.5) = 0, 0]
  // -> [0, 0.5, 0, 0]; dual squared error 0.0625.
  std::vector<float> x = {1.0f, 0.5f, 0.25f, 0.0f};
  llvm::Expected<DualQuantizedTensor> d =
      quantizeTensorDual(x, {4}, perTensorSi2(), CalibrationOptions());
  ASSERT_TRUE(bool(d)) << llvm::toString(d.takeError());
  EXPECT_DOUBLE_EQ(d->singleError, 0.3125);
  EXPECT_DOUBLE_EQ(d->dualError, 0.0625);
  EXPECT_EQ(d->first.values, (std::vector<int16_t>{1, 0, 0, 0}));
  EXPECT_EQ(d->second.values, (std::vector<int16_t>{0, 1, 0, 0}));
  EXPECT_EQ(d->first.scales, std::vector<float>{1.0f});
  EXPECT_EQ(d->second.scales, std::vector<float>{0.5f});
  llvm::Expected<double> mse =
      quantizationMSE(x, {4}, perTensorSi2(), CalibrationOptions());
  ASSERT_TRUE(bool(mse));
  EXPECT_DOUBLE_EQ(*mse, 0.3125 / 4);
}

TEST(Dual, NeverWorseAndMuchBetterOnRandomWeights) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(64 * 48);
  for (float &v : x)
    v = normal(rng);
  TensorFormat f;
  f.element = {4, true};
  f.granularity = Granularity::PerVector;
  f.axis = 1;
  f.vectorSize = 16;
  f.scaleBits = 4;
  f.coarseAxis = 0;
  llvm::Expected<DualQuantizedTensor> d =
      quantizeTensorDual(x, {64, 48}, f, CalibrationOptions());
  ASSERT_TRUE(bool(d));
  EXPECT_LE(d->dualError, d->singleError);
  // A second 4-bit tensor recovers most of the first one's error.
  EXPECT_LT(d->dualError, d->singleError / 10);
  std::vector<float> a = dequantizeTensor(d->first, {64, 48}, f);
  std::vector<float> b = dequantizeTensor(d->second, {64, 48}, f);
  double error = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    double e = double(x[i]) - double(a[i] + b[i]);
    error += e * e;
  }
  EXPECT_DOUBLE_EQ(error, d->dualError);
}

TEST(Dual, ExactTensorsStayExact) {
  // Representable exactly: the residual is zero and so is the second tensor.
  std::vector<float> x = {1.0f, -1.0f, 0.0f, 1.0f};
  llvm::Expected<DualQuantizedTensor> d =
      quantizeTensorDual(x, {4}, perTensorSi2(), CalibrationOptions());
  ASSERT_TRUE(bool(d));
  EXPECT_EQ(d->dualError, 0.0);
  EXPECT_EQ(d->second.values, (std::vector<int16_t>{0, 0, 0, 0}));
}

TEST(Dual, RejectsNaN) {
  std::vector<float> x = {1.0f, NAN};
  llvm::Expected<DualQuantizedTensor> d =
      quantizeTensorDual(x, {2}, perTensorSi2(), CalibrationOptions());
  ASSERT_FALSE(bool(d));
  EXPECT_EQ(llvm::toString(d.takeError()), "element 1 is NaN");
}
