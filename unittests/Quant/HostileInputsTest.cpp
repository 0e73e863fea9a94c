//===- HostileInputsTest.cpp - Numerics at the edges of fp32 and shapes ---===//
//
// The numerics library on inputs a model should not contain but a compiler
// will be fed anyway: magnitudes near FLT_MAX, subnormals, all-zero tensors,
// single-element vectors, reductions not divisible by V, scale products
// that overflow or underflow. Each gives a hand-computed result or an error
// naming the element; never a silent Inf or NaN. (NaN/Inf inputs and the
// basic subnormal and zero-vector cases are in QuantizerTest.cpp.)
//
//===----------------------------------------------------------------------===//

#include "Formats.h"
#include "vsquant/Quant/Matmul.h"
#include "vsquant/Quant/Quantizer.h"
#include "vsquant/Quant/Statistics.h"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>

using namespace vsquant::quant;
using vsquant::testing::perChannel;
using vsquant::testing::perTensor;
using vsquant::testing::perVector;

namespace {

CalibrationOptions withMethod(Method method) {
  CalibrationOptions options;
  options.method = method;
  return options;
}

constexpr Method kMethods[] = {Method::Max, Method::Percentile, Method::MSE,
                               Method::OCTAV, Method::Entropy};

uint32_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

/// Every element format, single level and two-level scale widths.
template <typename Fn> void forEveryFormat(Fn fn) {
  for (unsigned bits = 2; bits <= 8; ++bits)
    for (bool isSigned : {true, false})
      for (unsigned scaleBits : {0u, 1u, 4u, 8u, 16u})
        for (ScaleRounding rounding :
             {ScaleRounding::Ceil, ScaleRounding::Nearest}) {
          TensorFormat f = perVector({bits, isSigned}, 0, 4, scaleBits);
          f.scaleRounding = rounding;
          fn(f);
        }
}

//===----------------------------------------------------------------------===//
// Magnitudes near FLT_MAX
//===----------------------------------------------------------------------===//

TEST(HostileInputs, FltMaxInSi8IsAnErrorNotAnInf) {
  // s = f32(FLT_MAX / 127) = 2^127 * 1.007874..., rounded; 127 * s exceeds
  // FLT_MAX by more than half an ulp (2^103), so xhat = q * s = 127 * s
  // would be +Inf: the quantizer refuses, naming the element.
  const float s = FLT_MAX / 127.0f;
  ASSERT_TRUE(std::isinf(127.0f * s)); // The premise.
  std::vector<float> data = {1.0f, -FLT_MAX, 0.0f, FLT_MAX};
  for (auto quantize : {quantizeTensor, quantizeTensorReference}) {
    llvm::Expected<QuantizedTensor> t =
        quantize(data, {4}, perTensor({8, true}), {}, nullptr);
    ASSERT_FALSE(bool(t));
    EXPECT_EQ(llvm::toString(t.takeError()),
              "element 1 (-3.402823e+38) is too close to the fp32 limit: its "
              "dequantized value q * scale overflows to -Inf");
  }
}

TEST(HostileInputs, FltMaxInSi4IsExact) {
  // si4, Q = 7: s = f32(FLT_MAX / 7) and f32(7 * s) rounds back to FLT_MAX
  // (7 * s - FLT_MAX is below half an ulp): a correct result, no error.
  llvm::Expected<QuantizedTensor> t =
      quantizeTensor({FLT_MAX, -FLT_MAX / 7.0f}, {2}, perTensor({4, true}), {});
  ASSERT_TRUE(bool(t)) << llvm::toString(t.takeError());
  EXPECT_EQ(t->values, (std::vector<int16_t>{7, -1}));
  std::vector<float> xhat = dequantizeTensor(*t, {2}, perTensor({4, true}));
  EXPECT_EQ(xhat[0], FLT_MAX);
  EXPECT_EQ(xhat[1], -(FLT_MAX / 7.0f));
}

TEST(HostileInputs, NearFltMaxEveryFormatAndMethod) {
  // Either an error naming an element, or every xhat finite and within
  // half a step of x: never a silent Inf.
  std::vector<float> data = {FLT_MAX, -FLT_MAX, FLT_MAX / 3, 1.0f,
                             0.0f,    FLT_MAX,  -FLT_MAX,    0.99f * FLT_MAX};
  int refused = 0, accepted = 0;
  forEveryFormat([&](TensorFormat f) {
    for (Method method : kMethods) {
      llvm::Expected<QuantizedTensor> t =
          quantizeTensor(data, {8}, f, withMethod(method));
      if (!t) {
        std::string message = llvm::toString(t.takeError());
        EXPECT_NE(message.find("is too close to the fp32 limit"),
                  std::string::npos)
            << message;
        ++refused;
        continue;
      }
      ++accepted;
      for (float x : dequantizeTensor(*t, {8}, f))
        EXPECT_TRUE(std::isfinite(x)) << f.element.bits << " bits";
    }
  });
  // Both outcomes occur (si4 keeps FLT_MAX, si8 does not).
  EXPECT_GT(refused, 0);
  EXPECT_GT(accepted, 0);
}

TEST(HostileInputs, HalfOfFltMaxQuantizesEverywhere) {
  // 2^127 leaves room for any Q * s rounding: always accepted, finite, and
  // the largest element comes back within one part in 2^20.
  const float big = std::ldexp(1.0f, 127);
  std::vector<float> data = {big, -big, big / 3, 1.0f, 0.0f, big, -big, big};
  forEveryFormat([&](TensorFormat f) {
    for (Method method : kMethods) {
      llvm::Expected<QuantizedTensor> t =
          quantizeTensor(data, {8}, f, withMethod(method));
      ASSERT_TRUE(bool(t)) << llvm::toString(t.takeError());
      std::vector<float> xhat = dequantizeTensor(*t, {8}, f);
      for (float x : xhat) {
        ASSERT_TRUE(std::isfinite(x));
      }
      if (method == Method::Max && f.scaleBits == 0) {
        EXPECT_NEAR(xhat[0] / big, 1.0, 1e-6) << f.element.bits;
      }
    }
  });
}

TEST(HostileInputs, ThresholdsOfHugeValuesStayFinite) {
  // Every method's alpha is computed in double: finite, positive, <= max.
  std::vector<float> data = {FLT_MAX, -FLT_MAX / 2, FLT_MAX / 1024, 1.0f};
  for (Method method : kMethods) {
    float alpha = computeThreshold(data, {8, true}, withMethod(method));
    EXPECT_TRUE(std::isfinite(alpha));
    EXPECT_GT(alpha, 0.0f);
    EXPECT_LE(alpha, FLT_MAX);
  }
  Histogram histogram;
  histogram.maxAbs = FLT_MAX;
  histogram.add(data);
  EXPECT_EQ(histogram.counts[2047], 1u); // FLT_MAX: the last bin.
  EXPECT_EQ(histogram.counts[1024], 1u); // FLT_MAX / 2: bin 1024 exactly.
  EXPECT_EQ(percentileFromHistogram(histogram, 100.0), FLT_MAX);
  EXPECT_TRUE(std::isfinite(entropyFromHistogram(histogram, {8, true})));
}

TEST(HostileInputs, CalibrationStatisticsOfHugeValues) {
  // Squares of FLT_MAX are summed in double (1.16e77): no overflow.
  TensorStatistics stats;
  stats.vectorSize = 2;
  stats.vectorAxis = 0;
  stats.shape = {4};
  std::vector<float> data = {FLT_MAX, -FLT_MAX, 0.0f, 1.0f};
  ASSERT_FALSE(bool(stats.observeRange(data)));
  stats.startHistograms();
  stats.observeHistograms(data);
  EXPECT_EQ(stats.maxAbs, double(FLT_MAX));
  EXPECT_TRUE(std::isfinite(stats.sumSquares));
  EXPECT_TRUE(std::isfinite(stats.variance()));
  float t = vectorScaleThreshold(stats, {8, true}, {});
  EXPECT_EQ(t, FLT_MAX / 127.0f); // max of s_v = max|x_v| / Q.
}

//===----------------------------------------------------------------------===//
// All-zero tensors
//===----------------------------------------------------------------------===//

TEST(HostileInputs, AllZeroTensorsGiveZeroScalesNeverNaN) {
  std::vector<float> zeros(12, 0.0f);
  std::vector<float> negativeZeros(12, -0.0f);
  forEveryFormat([&](TensorFormat f) {
    for (Method method : kMethods)
      for (const std::vector<float> *data : {&zeros, &negativeZeros}) {
        TensorFormat two = f;
        if (f.scaleBits)
          two.coarseAxis = 1; // Per-channel gamma: each channel all zero.
        QuantizedTensor t =
            cantFail(quantizeTensor(*data, {4, 3}, two, withMethod(method)));
        for (float s : t.scales)
          EXPECT_EQ(bitsOf(s), 0u);
        for (float g : t.coarse)
          EXPECT_EQ(bitsOf(g), 0u);
        for (uint16_t sq : t.integerScales)
          EXPECT_EQ(sq, 0);
        for (int16_t q : t.values)
          EXPECT_EQ(q, 0);
        for (float x : dequantizeTensor(t, {4, 3}, two))
          EXPECT_EQ(x, 0.0f); // 0 or -0, never NaN.
      }
  });
  // An exact all-zero reproduction: SQNR +inf, cosine 1 (no 0/0 NaN).
  EXPECT_EQ(sqnrDb(zeros, zeros), std::numeric_limits<double>::infinity());
  EXPECT_EQ(cosineSimilarity(zeros, zeros), 1.0);
  for (Method method : kMethods)
    EXPECT_EQ(computeThreshold(zeros, {4, true}, withMethod(method)), 0.0f);
}

TEST(HostileInputs, AllZeroMatmulIsPositiveZero) {
  // Scales 0 on both sides: single level sum_j f32(0 * 0) * f32(0) = +0;
  // two level f32(0) * f32(0 * 0) = +0. Zero times zero, never 0 * Inf.
  for (unsigned scaleBits : {0u, 4u}) {
    TensorFormat a = perVector({8, true}, 1, 4, scaleBits);
    TensorFormat b = perVector({4, true}, 0, 4, scaleBits, scaleBits ? 1 : -1);
    std::vector<float> zeros(2 * 6, 0.0f);
    QuantizedTensor qa = cantFail(quantizeTensor(zeros, {2, 6}, a, {}));
    QuantizedTensor qb = cantFail(quantizeTensor(zeros, {6, 2}, b, {}));
    std::vector<float> y = cantFail(quantizedMatmul(qa, a, qb, b, 2, 6, 2));
    for (float v : y)
      EXPECT_EQ(bitsOf(v), 0u) << scaleBits;
  }
}

//===----------------------------------------------------------------------===//
// Single-element vectors, K = 1, K not divisible by V
//===----------------------------------------------------------------------===//

TEST(HostileInputs, VectorSizeOneTwoLevel) {
  // V = 1, si4 / ui4: each element its own vector. x = [-3, 1.5]:
  // s = [3/7, 1.5/7], gamma = (3/7) / 15; sq = ceil(s / gamma) = [15, 8]
  // (1.5/7 / gamma = 7.5 -> 8); q = round(x / f32(sq * gamma)) = [-7, 7]
  // (1.5 / (8 gamma) = 6.5625 -> 7).
  TensorFormat f = perVector({4, true}, 0, 1, 4);
  QuantizedTensor t = cantFail(quantizeTensor({-3.0f, 1.5f}, {2}, f, {}));
  const float gamma = (3.0f / 7.0f) / 15.0f;
  EXPECT_EQ(t.coarse, (std::vector<float>{gamma}));
  EXPECT_EQ(t.integerScales, (std::vector<uint16_t>{15, 8}));
  EXPECT_EQ(t.values, (std::vector<int16_t>{-7, 7}));
  // xhat = f32(q * sq) * gamma: -105 gamma, 56 gamma.
  EXPECT_EQ(dequantizeTensor(t, {2}, f),
            (std::vector<float>{-105.0f * gamma, 56.0f * gamma}));
}

TEST(HostileInputs, SingleElementMatmul) {
  // 1 x 1 x 1, V = 1 both sides, si8 single level: sA = 2/127, sB = 3/127,
  // qA = 127, qB = -127: Y = f32(f32(sA * sB) * -16129).
  TensorFormat a = perVector({8, true}, 1, 1), b = perVector({8, true}, 0, 1);
  QuantizedTensor qa = cantFail(quantizeTensor({2.0f}, {1, 1}, a, {}));
  QuantizedTensor qb = cantFail(quantizeTensor({-3.0f}, {1, 1}, b, {}));
  std::vector<float> y = cantFail(quantizedMatmul(qa, a, qb, b, 1, 1, 1));
  const float sa = 2.0f / 127.0f, sb = 3.0f / 127.0f;
  EXPECT_EQ(y, (std::vector<float>{(sa * sb) * -16129.0f}));
  EXPECT_NEAR(y[0], -6.0f, 1e-5);
}

TEST(HostileInputs, KOneWithVectorsLongerThanK) {
  // K = 1 < V = 16: one (short) vector per row / column, 2 x 1 x 3.
  // si4 two level both sides: every vector has one element, s = |x| / 7,
  // q = +-7; A = [2, -4]: gammaA = (4/7) / 15, sqA = [ceil(7.5) = 8, 15];
  // B = [1, -1, 0.5] per-channel gamma = s_n / 15, sq = 15 (s = 0.5/7: 15).
  // acc = sqA sqB qA qB, Y = f32(acc) * f32(gammaA gammaB[n]).
  TensorFormat a = perVector({4, true}, 1, 16, 4);
  TensorFormat b = perVector({4, true}, 0, 16, 4, 1);
  QuantizedTensor qa = cantFail(quantizeTensor({2.0f, -4.0f}, {2, 1}, a, {}));
  QuantizedTensor qb =
      cantFail(quantizeTensor({1.0f, -1.0f, 0.5f}, {1, 3}, b, {}));
  EXPECT_EQ(qa.integerScales, (std::vector<uint16_t>{8, 15}));
  EXPECT_EQ(qb.integerScales, (std::vector<uint16_t>{15, 15, 15}));
  std::vector<float> y = cantFail(quantizedMatmul(qa, a, qb, b, 2, 1, 3));
  const float gammaA = (4.0f / 7.0f) / 15.0f;
  const float gammaB[3] = {(1.0f / 7.0f) / 15.0f, (1.0f / 7.0f) / 15.0f,
                           (0.5f / 7.0f) / 15.0f};
  // qA = [round(2 / f32(8 gammaA)) = round(6.5625) = 7, -7].
  const int64_t sqA[2] = {8, 15}, qA[2] = {7, -7}, qB[3] = {7, -7, 7};
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      EXPECT_EQ(y[i * 3 + j],
                float(sqA[i] * 15 * qA[i] * qB[j]) * (gammaA * gammaB[j]))
          << i << ", " << j;
}

TEST(HostileInputs, ReductionNotDivisibleByV) {
  // K = 5, V = 4, si4 single level. A = [7, -7, 7, 7 | 14]: the tail vector
  // holds one real element (statistics see only it): sA = [1, 2],
  // qA = [7, -7, 7, 7 | 7]. B = 7 everywhere: sB = [1, 1], qB = 7.
  // dots: 49 (1 - 1 + 1 + 1) = 98 and 49; Y = 1 * 98 + 2 * 49 = 196, the
  // exact product 49 - 49 + 49 + 49 + 98.
  TensorFormat a = perVector({4, true}, 1, 4), b = perVector({4, true}, 0, 4);
  QuantizedTensor qa =
      cantFail(quantizeTensor({7, -7, 7, 7, 14}, {1, 5}, a, {}));
  QuantizedTensor qb = cantFail(quantizeTensor({7, 7, 7, 7, 7}, {5, 1}, b, {}));
  EXPECT_EQ(qa.scales, (std::vector<float>{1.0f, 2.0f}));
  EXPECT_EQ(qa.values, (std::vector<int16_t>{7, -7, 7, 7, 7}));
  EXPECT_EQ(cantFail(quantizedMatmul(qa, a, qb, b, 1, 5, 1)),
            (std::vector<float>{196.0f}));
}

//===----------------------------------------------------------------------===//
// Scale products at the ends of fp32 (SPEC.md section 5 as written)
//===----------------------------------------------------------------------===//

TEST(HostileInputs, ScaleProductOverflowFollowsFp32) {
  // sA = sB = f32(1e30 / 127): f32(sA * sB) = +Inf. A nonzero dot gives
  // +Inf, as the fp32 product 1e30 * 1e30 does; a zero dot in the same
  // block gives Inf * 0 = NaN, as fp32 1e60 - 1e60 = Inf - Inf does.
  TensorFormat a = perVector({8, true}, 1, 2), b = perVector({8, true}, 0, 2);
  QuantizedTensor qa =
      cantFail(quantizeTensor({1e30f, 1e30f, 1.0f, 1.0f}, {1, 4}, a, {}));
  QuantizedTensor same =
      cantFail(quantizeTensor({1e30f, 1e30f, 1.0f, 1.0f}, {4, 1}, b, {}));
  QuantizedTensor cancel =
      cantFail(quantizeTensor({1e30f, -1e30f, 1.0f, 1.0f}, {4, 1}, b, {}));
  EXPECT_EQ(cantFail(quantizedMatmul(qa, a, same, b, 1, 4, 1))[0],
            std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(cantFail(quantizedMatmul(qa, a, cancel, b, 1, 4, 1))[0]));
  // fp32 itself, for comparison.
  volatile float big = 1e30f;
  EXPECT_TRUE(std::isnan(big * big - big * big));
}

TEST(HostileInputs, ScaleProductUnderflowAndSubnormals) {
  // Subnormal scales are honoured: A = [127 d] (d = 2^-149) gives sA = d
  // exactly; B = [127] gives sB = 1: Y = f32(d * 1) * 16129 = 16129 d.
  const float d = std::numeric_limits<float>::denorm_min();
  TensorFormat a = perVector({8, true}, 1, 1), b = perVector({8, true}, 0, 1);
  QuantizedTensor qa = cantFail(quantizeTensor({127 * d}, {1, 1}, a, {}));
  QuantizedTensor qb = cantFail(quantizeTensor({127.0f}, {1, 1}, b, {}));
  EXPECT_EQ(qa.scales, (std::vector<float>{d}));
  EXPECT_EQ(cantFail(quantizedMatmul(qa, a, qb, b, 1, 1, 1)),
            (std::vector<float>{16129 * d}));
  // A product below half of d rounds to +0, as the fp32 product does.
  QuantizedTensor tiny = cantFail(quantizeTensor({1e-30f}, {1, 1}, b, {}));
  std::vector<float> y = cantFail(quantizedMatmul(qa, a, tiny, b, 1, 1, 1));
  EXPECT_EQ(bitsOf(y[0]), 0u);
}

} // namespace
