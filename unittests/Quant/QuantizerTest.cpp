//===- QuantizerTest.cpp - element formats, vectors, scales ---------------===//
//
// SPEC.md sections 1-3 on hand-computed examples: every expectation has its
// arithmetic beside it.
//
//===----------------------------------------------------------------------===//

#include "Formats.h"
#include "vsquant/Quant/Quantizer.h"

#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

using namespace vsquant::quant;
using vsquant::testing::perChannel;
using vsquant::testing::perTensor;
using vsquant::testing::perVector;

namespace {

constexpr ElementFormat si2{2, true}, si4{4, true}, si8{8, true};
constexpr ElementFormat ui4{4, false}, ui8{8, false};




CalibrationOptions withMethod(Method method) {
  CalibrationOptions options;
  options.method = method;
  return options;
}

QuantizedTensor quantizeOrDie(llvm::ArrayRef<float> data,
                              llvm::ArrayRef<int64_t> shape,
                              const TensorFormat &format,
                              const CalibrationOptions &options = {},
                              llvm::ThreadPoolInterface *pool = nullptr) {
  llvm::Expected<QuantizedTensor> result =
      quantizeTensor(data, shape, format, options, pool);
  if (!result) {
    ADD_FAILURE() << llvm::toString(result.takeError());
    return {};
  }
  return std::move(*result);
}

std::string errorOf(llvm::ArrayRef<float> data, llvm::ArrayRef<int64_t> shape,
                    const TensorFormat &format,
                    const CalibrationOptions &options = {}) {
  llvm::Expected<QuantizedTensor> result =
      quantizeTensor(data, shape, format, options);
  if (result)
    return "";
  return llvm::toString(result.takeError());
}

using Values = std::vector<int16_t>;

//===----------------------------------------------------------------------===//
// Scalars
//===----------------------------------------------------------------------===//

TEST(Scalar, RoundHalfToEvenAndAwayFromZero) {
  // Exact halves: rne goes to the even neighbour, rna away from zero.
  EXPECT_EQ(roundWith(0.5, Rounding::HalfToEven), 0.0);
  EXPECT_EQ(roundWith(1.5, Rounding::HalfToEven), 2.0);
  EXPECT_EQ(roundWith(2.5, Rounding::HalfToEven), 2.0);
  EXPECT_EQ(roundWith(-2.5, Rounding::HalfToEven), -2.0);
  EXPECT_EQ(roundWith(0.5, Rounding::HalfAwayFromZero), 1.0);
  EXPECT_EQ(roundWith(1.5, Rounding::HalfAwayFromZero), 2.0);
  EXPECT_EQ(roundWith(2.5, Rounding::HalfAwayFromZero), 3.0);
  EXPECT_EQ(roundWith(-2.5, Rounding::HalfAwayFromZero), -3.0);
  EXPECT_EQ(roundWith(2.4999, Rounding::HalfAwayFromZero), 2.0);
}

TEST(Scalar, QuantizeValueHalves) {
  // Scale 1: x / S is the half itself.
  const Rounding rne = Rounding::HalfToEven, rna = Rounding::HalfAwayFromZero;
  EXPECT_EQ(quantizeValue(0.5f, 1.0f, si8, rne), 0);
  EXPECT_EQ(quantizeValue(1.5f, 1.0f, si8, rne), 2);
  EXPECT_EQ(quantizeValue(2.5f, 1.0f, si8, rne), 2);
  EXPECT_EQ(quantizeValue(-2.5f, 1.0f, si8, rne), -2);
  EXPECT_EQ(quantizeValue(0.5f, 1.0f, si8, rna), 1);
  EXPECT_EQ(quantizeValue(1.5f, 1.0f, si8, rna), 2);
  EXPECT_EQ(quantizeValue(2.5f, 1.0f, si8, rna), 3);
  EXPECT_EQ(quantizeValue(-2.5f, 1.0f, si8, rna), -3);
  // Scale 0.5: 1.25 / 0.5 = 2.5 -> 2 (rne), 3 (rna).
  EXPECT_EQ(quantizeValue(1.25f, 0.5f, si8, rne), 2);
  EXPECT_EQ(quantizeValue(1.25f, 0.5f, si8, rna), 3);
}

TEST(Scalar, QuantizeValueUsesTrueDivision) {
  // 45.5 / 7 = 6.5 exactly -> rne 6. A reciprocal multiply would give
  // 45.5 * f32(1/7) = 6.5000005 -> 7.
  EXPECT_EQ(quantizeValue(45.5f, 7.0f, si8, Rounding::HalfToEven), 6);
  EXPECT_EQ(std::nearbyint(45.5f * (1.0f / 7.0f)), 7.0f);
}

TEST(Scalar, QuantizeValueEdgeCases) {
  // S == 0 -> 0; NaN -> 0; saturation to [-Q, Q] (narrow) and [0, Q].
  EXPECT_EQ(quantizeValue(3.0f, 0.0f, si8, Rounding::HalfToEven), 0);
  EXPECT_EQ(quantizeValue(std::nanf(""), 1.0f, si8, Rounding::HalfToEven), 0);
  EXPECT_EQ(quantizeValue(-1000.0f, 1.0f, si8, Rounding::HalfToEven), -127);
  EXPECT_EQ(quantizeValue(1e30f, 1e-30f, si8, Rounding::HalfToEven), 127);
  EXPECT_EQ(quantizeValue(-3.0f, 1.0f, ui4, Rounding::HalfToEven), 0);
  EXPECT_EQ(quantizeValue(300.0f, 1.0f, ui8, Rounding::HalfToEven), 255);
}

TEST(Scalar, EveryElementFormatRange) {
  for (unsigned bits = 2; bits <= 8; ++bits) {
    // Signed: Q = 2^(N-1) - 1, narrow range [-Q, Q].
    ElementFormat s{bits, true};
    int32_t q = (1 << (bits - 1)) - 1;
    EXPECT_EQ(s.qmax(), q);
    EXPECT_EQ(s.qmin(), -q);
    EXPECT_EQ(quantizeValue(1000.0f, 1.0f, s, Rounding::HalfToEven), q);
    EXPECT_EQ(quantizeValue(-1000.0f, 1.0f, s, Rounding::HalfToEven), -q);
    // Unsigned: Q = 2^N - 1, range [0, Q].
    ElementFormat u{bits, false};
    int32_t uq = (1 << bits) - 1;
    EXPECT_EQ(u.qmax(), uq);
    EXPECT_EQ(u.qmin(), 0);
    EXPECT_EQ(quantizeValue(1000.0f, 1.0f, u, Rounding::HalfToEven), uq);
    EXPECT_EQ(quantizeValue(-1000.0f, 1.0f, u, Rounding::HalfToEven), 0);

    // Per tensor, max: data {Q, -Q, 1, -0.5}: s = Q / Q = 1, so
    // q = {Q, -Q, 1, rne(-0.5) = 0} signed; {Q, 0, 1, 0} unsigned (with
    // alpha = max(Q, 0) = Q again).
    std::vector<float> data = {float(q), -float(q), 1.0f, -0.5f};
    QuantizedTensor t = quantizeOrDie(data, {4}, perTensor(s));
    EXPECT_EQ(t.scales, std::vector<float>{1.0f});
    EXPECT_EQ(t.values, (Values{int16_t(q), int16_t(-q), 1, 0}));
    std::vector<float> udata = {float(uq), -float(uq), 1.0f, -0.5f};
    QuantizedTensor ut = quantizeOrDie(udata, {4}, perTensor(u));
    EXPECT_EQ(ut.scales, std::vector<float>{1.0f});
    EXPECT_EQ(ut.values, (Values{int16_t(uq), 0, 1, 0}));
  }
}

TEST(Scalar, Si2AndUi8Tensors) {
  // si2: Q = 1. max 0.9 -> s = 0.9f / 1 = 0.9f; q = rne(x / 0.9):
  // 1, rne(-0.33) = 0, rne(0.22) = 0, -1.
  QuantizedTensor t2 = quantizeOrDie({0.9f, -0.3f, 0.2f, -0.9f}, {4},
                                     perTensor(si2));
  EXPECT_EQ(t2.scales, std::vector<float>{0.9f});
  EXPECT_EQ(t2.values, (Values{1, 0, 0, -1}));
  // ui8: Q = 255, max(x, 0) max 255 -> s = 1; 25.5 -> rne 26, -3 -> 0.
  QuantizedTensor t8 = quantizeOrDie({0.0f, 51.0f, 255.0f, -3.0f, 25.5f},
                                     {5}, perTensor(ui8));
  EXPECT_EQ(t8.scales, std::vector<float>{1.0f});
  EXPECT_EQ(t8.values, (Values{0, 51, 255, 0, 26}));
}

//===----------------------------------------------------------------------===//
// Vectors and grids (SPEC.md section 1)
//===----------------------------------------------------------------------===//

TEST(Tensor, PerVectorWithTailVector) {
  // [2, 5], vectors of 2 along axis 1 -> grid [2, 3]; the third vector of
  // each row is the single element 4. si4: Q = 7.
  //  row 0: {3.5, -7} s = 7/7 = 1 -> 4 (rne of 3.5), -7
  //         {14, 1.75} s = 2 -> 7, rne(0.875) = 1
  //         {-3.5} s = 0.5 -> -7 (only the real element counts)
  //  row 1: {0, 0} s = 0 -> 0, 0
  //         {7, 3.5} s = 1 -> 7, 4
  //         {0.25} s = f32(0.25 / 7) -> 7
  std::vector<float> data = {3.5f, -7.0f, 14.0f, 1.75f, -3.5f,
                             0.0f, 0.0f,  7.0f,  3.5f,  0.25f};
  TensorFormat f = perVector(si4, 1, 2);
  QuantizedTensor t = quantizeOrDie(data, {2, 5}, f);
  EXPECT_EQ(t.scaleShape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(t.scales,
            (std::vector<float>{1.0f, 2.0f, 0.5f, 0.0f, 1.0f, 0.25f / 7.0f}));
  EXPECT_EQ(t.values, (Values{4, -7, 7, 1, -7, 0, 0, 7, 4, 7}));
  EXPECT_TRUE(t.integerScales.empty());
  EXPECT_TRUE(t.coarse.empty());
  // xhat = q * s_v: 4, -7, 14, 2, -3.5, 0, 0, 7, 4, 7 * f32(0.25/7).
  std::vector<float> xhat = dequantizeTensor(t, {2, 5}, f);
  EXPECT_EQ(xhat, (std::vector<float>{4.0f, -7.0f, 14.0f, 2.0f, -3.5f, 0.0f,
                                      0.0f, 7.0f, 4.0f,
                                      7.0f * (0.25f / 7.0f)}));
}

TEST(Tensor, PerVectorAlongLeadingAxis) {
  // [4, 3] with vectors of 2 along axis 0 (a matmul weight K x N, vectors
  // along K): grid [2, 3]; vector (b, n) = rows 2b, 2b+1 of column n.
  //  (0,0) {1, -7} s = 1; (0,1) {2, 0} s = f32(2/7) -> 2 / s = 7.0 -> 7;
  //  (0,2) {3, 7} s = 1; (1,0) {0.5, 0} s = f32(0.5/7) -> 7;
  //  (1,1) {0, 0} s = 0; (1,2) {0, -14} s = 2 -> -7.
  std::vector<float> data = {1.0f,  2.0f, 3.0f, -7.0f, 0.0f, 7.0f,
                             0.5f,  0.0f, 0.0f, 0.0f,  0.0f, -14.0f};
  QuantizedTensor t = quantizeOrDie(data, {4, 3}, perVector(si4, 0, 2));
  EXPECT_EQ(t.scaleShape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(t.scales, (std::vector<float>{1.0f, 2.0f / 7.0f, 1.0f,
                                          0.5f / 7.0f, 0.0f, 2.0f}));
  EXPECT_EQ(t.values, (Values{1, 7, 3, -7, 0, 7, 7, 0, 0, 0, 0, -7}));
}

TEST(Tensor, PerChannelGrid) {
  // [3, 2] weight, channel axis 1 (N): grid [2], channel n = column n.
  //  ch 0 {1, -7, 3.5} s = 1 -> 1, -7, rne(3.5) = 4
  //  ch 1 {-14, 2, 7} s = 2 -> -7, 1, rne(3.5) = 4
  std::vector<float> data = {1.0f, -14.0f, -7.0f, 2.0f, 3.5f, 7.0f};
  TensorFormat f = perChannel(si4, 1);
  QuantizedTensor t = quantizeOrDie(data, {3, 2}, f);
  EXPECT_EQ(t.scaleShape, (std::vector<int64_t>{2}));
  EXPECT_EQ(t.scales, (std::vector<float>{1.0f, 2.0f}));
  EXPECT_EQ(t.values, (Values{1, -7, -7, 1, 4, 4}));
  // Channel axis 0 of [2, 3]: ch 0 {1, 2, -3.5} s = 0.5 -> 2, 4, -7;
  // ch 1 {0.7, 0, 0} s = f32(0.7/7) -> 7, 0, 0.
  QuantizedTensor t0 = quantizeOrDie({1.0f, 2.0f, -3.5f, 0.7f, 0.0f, 0.0f},
                                     {2, 3}, perChannel(si4, 0));
  EXPECT_EQ(t0.scales, (std::vector<float>{0.5f, 0.7f / 7.0f}));
  EXPECT_EQ(t0.values, (Values{2, 4, -7, 7, 0, 0}));
  // A conv weight (F, C, kh, kw) per F: each vector has C * kh * kw = 8.
  EXPECT_EQ(scaleGridShape({4, 2, 2, 2}, perChannel(si8, 0)),
            (std::vector<int64_t>{4}));
}

TEST(Tensor, PerTensorGrid) {
  // [2, 2], one vector: max 3.5 -> s = 0.5; 1/0.5 = 2, -4, 6, 7.
  TensorFormat f = perTensor(si4);
  f.axis = 99; // Unused per tensor.
  QuantizedTensor t = quantizeOrDie({1.0f, -2.0f, 3.0f, 3.5f}, {2, 2}, f);
  EXPECT_TRUE(t.scaleShape.empty());
  EXPECT_EQ(t.scales, (std::vector<float>{0.5f}));
  EXPECT_EQ(t.values, (Values{2, -4, 6, 7}));
}

TEST(Tensor, GridShapes) {
  // Vector axis dim -> ceil(dim / V): 50 / 16 -> 4; 64 / 16 -> 4.
  EXPECT_EQ(scaleGridShape({8, 50}, perVector(si8, 1, 16)),
            (std::vector<int64_t>{8, 4}));
  EXPECT_EQ(scaleGridShape({64, 3, 3, 5}, perVector(si8, 0, 16)),
            (std::vector<int64_t>{4, 3, 3, 5}));
  EXPECT_EQ(scaleGridShape({8, 50}, perChannel(si8, 0)),
            (std::vector<int64_t>{8}));
  EXPECT_TRUE(scaleGridShape({8, 50}, perTensor(si8)).empty());
  EXPECT_EQ(coarseGridShape({8, 50}, perVector(si8, 1, 16, 4, 0)),
            (std::vector<int64_t>{8}));
  EXPECT_TRUE(coarseGridShape({8, 50}, perVector(si8, 1, 16, 4)).empty());
  EXPECT_TRUE(coarseGridShape({8, 50}, perVector(si8, 1, 16, 0, 0)).empty());
}

TEST(Tensor, EmptyAndRankZeroTensors) {
  // [0, 4] per vector along axis 0: ceil(0 / 2) = 0 rows of vectors.
  QuantizedTensor empty = quantizeOrDie({}, {0, 4}, perVector(si8, 0, 2, 4));
  EXPECT_EQ(empty.scaleShape, (std::vector<int64_t>{0, 4}));
  EXPECT_TRUE(empty.values.empty());
  EXPECT_TRUE(empty.integerScales.empty());
  // Per tensor with no elements: one scale, 0.
  QuantizedTensor none = quantizeOrDie({}, {0}, perTensor(si8));
  EXPECT_EQ(none.scales, (std::vector<float>{0.0f}));
  // Rank 0: one element; max 2.54 -> s = f32(2.54 / 127) -> q = 127.
  QuantizedTensor scalar = quantizeOrDie({2.54f}, {}, perTensor(si8));
  EXPECT_EQ(scalar.scales, (std::vector<float>{2.54f / 127.0f}));
  EXPECT_EQ(scalar.values, (Values{127}));
}

TEST(Tensor, ZeroVector) {
  // An all-zero vector has scale 0 and q = 0, also two-level (sq = 0).
  QuantizedTensor t =
      quantizeOrDie({0.0f, 0.0f, 1.0f, -1.0f}, {4}, perVector(si8, 0, 2));
  EXPECT_EQ(t.scales, (std::vector<float>{0.0f, 1.0f / 127.0f}));
  EXPECT_EQ(t.values, (Values{0, 0, 127, -127}));
  TensorFormat two = perVector(si8, 0, 2, 4);
  QuantizedTensor t2 = quantizeOrDie({0.0f, 0.0f, 1.0f, -1.0f}, {4}, two);
  EXPECT_EQ(t2.integerScales, (std::vector<uint16_t>{0, 15}));
  EXPECT_EQ(t2.values, (Values{0, 0, 127, -127}));
  // All zero: gamma = 0 as well.
  QuantizedTensor z = quantizeOrDie({0.0f, 0.0f}, {2}, two);
  EXPECT_EQ(z.coarse, (std::vector<float>{0.0f}));
  EXPECT_EQ(z.integerScales, (std::vector<uint16_t>{0}));
  EXPECT_EQ(dequantizeTensor(z, {2}, two), (std::vector<float>{0.0f, 0.0f}));
}

TEST(Tensor, UnsignedClampsNegatives) {
  // ui4: Q = 15; statistics on max(x, 0): max 15 -> s = 1;
  // q = 0 (-5 clamps), 15, rne(7.5) = 8, 0 (-0.1), 3.
  QuantizedTensor t = quantizeOrDie({-5.0f, 15.0f, 7.5f, -0.1f, 3.0f}, {5},
                                    perTensor(ui4));
  EXPECT_EQ(t.scales, (std::vector<float>{1.0f}));
  EXPECT_EQ(t.values, (Values{0, 15, 8, 0, 3}));
  // An all-negative vector: alpha = 0, s = 0, q = 0.
  QuantizedTensor n = quantizeOrDie({-1.0f, -2.0f, 30.0f, 15.0f}, {4},
                                    perVector(ui4, 0, 2));
  EXPECT_EQ(n.scales, (std::vector<float>{0.0f, 2.0f}));
  EXPECT_EQ(n.values, (Values{0, 0, 15, 8})); // 15 / 2 = 7.5 -> 8.
}

TEST(Tensor, RoundingModesOnTensor) {
  // si4 per tensor, max 7 -> s = 1: the halves round per mode.
  std::vector<float> data = {7.0f, 0.5f, 1.5f, 2.5f, -2.5f};
  TensorFormat f = perTensor(si4);
  EXPECT_EQ(quantizeOrDie(data, {5}, f).values, (Values{7, 0, 2, 2, -2}));
  f.rounding = Rounding::HalfAwayFromZero;
  EXPECT_EQ(quantizeOrDie(data, {5}, f).values, (Values{7, 1, 2, 3, -3}));
}

TEST(Tensor, SubnormalInputsAndScales) {
  // d = 2^-149. Per tensor si8: max 254d -> s = 254d / 127 = 2d (subnormal,
  // exact); q = 254d/2d = 127, 3d/2d = 1.5 -> 2, 5d/2d = 2.5 -> 2,
  // -d/2d = -0.5 -> 0. xhat = 254d, 4d, 4d, 0. Flushing would give 0s.
  const float d = std::numeric_limits<float>::denorm_min();
  std::vector<float> data = {254 * d, 3 * d, 5 * d, -d};
  TensorFormat f = perTensor(si8);
  QuantizedTensor t = quantizeOrDie(data, {4}, f);
  EXPECT_EQ(t.scales, (std::vector<float>{2 * d}));
  EXPECT_EQ(t.values, (Values{127, 2, 2, 0}));
  EXPECT_EQ(dequantizeTensor(t, {4}, f),
            (std::vector<float>{254 * d, 4 * d, 4 * d, 0.0f}));

  // Two level si4 / ui4: s = 210d/7 = 30d and 14d/7 = 2d; gamma = 30d/15 =
  // 2d; sq = 15, 1. S = 30d: 210d -> 7, -105d -> -3.5 -> -4; S = 2d: 7, 0.
  // xhat = f32(7*15)*2d = 210d, f32(-4*15)*2d = -120d, f32(7*1)*2d = 14d, 0.
  std::vector<float> data2 = {210 * d, -105 * d, 14 * d, 0.0f};
  TensorFormat two = perVector(si4, 0, 2, 4);
  QuantizedTensor t2 = quantizeOrDie(data2, {4}, two);
  EXPECT_EQ(t2.coarse, (std::vector<float>{2 * d}));
  EXPECT_EQ(t2.integerScales, (std::vector<uint16_t>{15, 1}));
  EXPECT_EQ(t2.values, (Values{7, -4, 7, 0}));
  EXPECT_EQ(dequantizeTensor(t2, {4}, two),
            (std::vector<float>{210 * d, -120 * d, 14 * d, 0.0f}));
}

//===----------------------------------------------------------------------===//
// Two-level scales (SPEC.md section 3)
//===----------------------------------------------------------------------===//

TEST(TwoLevel, HandExample) {
  // [1, 8], vectors of 2, si4 (Q = 7), ui4 scales (2^4 - 1 = 15), one gamma.
  //  s = {105/7 = 15, 21/7 = 3, f32(0.7/7) = 0.1f, 0}; gamma = 15/15 = 1.
  //  sq = ceil(s / gamma) = {15, 3, ceil(0.1) = 1, 0}.
  //  q: 105/15 = 7, 0; 21/3 = 7, -10/3 = -3.33 -> -3; 0.7 -> 1, 0.2 -> 0; 0 0.
  //  xhat = f32(q * sq) * 1: 105, 0, 21, -9, 1, 0, 0, 0.
  std::vector<float> data = {105.0f, 0.0f, 21.0f, -10.0f,
                             0.7f,   0.2f, 0.0f,  0.0f};
  TensorFormat f = perVector(si4, 1, 2, 4);
  QuantizedTensor t = quantizeOrDie(data, {1, 8}, f);
  EXPECT_TRUE(t.scales.empty());
  EXPECT_EQ(t.scaleShape, (std::vector<int64_t>{1, 4}));
  EXPECT_TRUE(t.coarseShape.empty());
  EXPECT_EQ(t.coarse, (std::vector<float>{1.0f}));
  EXPECT_EQ(t.integerScales, (std::vector<uint16_t>{15, 3, 1, 0}));
  EXPECT_EQ(t.values, (Values{7, 0, 7, -3, 1, 0, 0, 0}));
  EXPECT_EQ(dequantizeTensor(t, {1, 8}, f),
            (std::vector<float>{105, 0, 21, -9, 1, 0, 0, 0}));
}

TEST(TwoLevel, NearestClampsIntegerScaleToOne) {
  // Same data, sq_round = nearest: rne(0.1) = 0 clamps up to 1; 15 and 3
  // are exact. (Ceil never goes below 1 on its own.)
  std::vector<float> data = {105.0f, 0.0f, 21.0f, -10.0f,
                             0.7f,   0.2f, 0.0f,  0.0f};
  TensorFormat f = perVector(si4, 1, 2, 4);
  f.scaleRounding = ScaleRounding::Nearest;
  QuantizedTensor t = quantizeOrDie(data, {1, 8}, f);
  EXPECT_EQ(t.integerScales, (std::vector<uint16_t>{15, 3, 1, 0}));
  EXPECT_EQ(t.values, (Values{7, 0, 7, -3, 1, 0, 0, 0}));
  // Nearest vs ceil differ on {105, 0, 10, 0}: s = 15, 10/7; gamma 1;
  // 10/7 = 1.43 -> ceil 2 (S = 2: 10/2 = 5), nearest 1 (S = 1: 10 -> 7).
  std::vector<float> data2 = {105.0f, 0.0f, 10.0f, 0.0f};
  TensorFormat g = perVector(si4, 0, 2, 4);
  EXPECT_EQ(quantizeOrDie(data2, {4}, g).integerScales,
            (std::vector<uint16_t>{15, 2}));
  EXPECT_EQ(quantizeOrDie(data2, {4}, g).values, (Values{7, 0, 5, 0}));
  g.scaleRounding = ScaleRounding::Nearest;
  EXPECT_EQ(quantizeOrDie(data2, {4}, g).integerScales,
            (std::vector<uint16_t>{15, 1}));
  EXPECT_EQ(quantizeOrDie(data2, {4}, g).values, (Values{7, 0, 7, 0}));
}

TEST(TwoLevel, CeilClampsAtTopOfRange) {
  // {0.3, 0.1}, si4, ui4: s = f32(0.3f / 7) = 0.042857144,
  // gamma = f32(s / 15) = 0.0028571428, s / gamma = 15.000001 in fp32:
  // ceil gives 16, clamped to 15. S = f32(15 gamma) = s; q = 7, 2.33 -> 2.
  TensorFormat f = perVector(si4, 0, 2, 4);
  QuantizedTensor t = quantizeOrDie({0.3f, 0.1f}, {2}, f);
  const float s = 0.3f / 7.0f, gamma = s / 15.0f;
  EXPECT_EQ(s / gamma, 15.000001f);
  EXPECT_EQ(t.coarse, (std::vector<float>{gamma}));
  EXPECT_EQ(t.integerScales, (std::vector<uint16_t>{15}));
  EXPECT_EQ(t.values, (Values{7, 2}));
}

TEST(TwoLevel, DequantizeRoundsOnce) {
  // {10.5, 0 | 4.3, 2.0}, si4, ui4: s = 1.5, f32(4.3f/7) = 0.61428577;
  // gamma = f32(1.5 / 15) = 0.1f; sq = 15, ceil(6.1428576) = 7;
  // S_1 = f32(7 * 0.1f) = 0.7f: q = rne(6.14) = 6, rne(2.857) = 3.
  // xhat = f32(q * sq) * gamma: f32(42) * 0.1f = 4.2000003 (one rounding),
  // while q * S_1 = 6 * 0.7f = 4.1999998 would round twice.
  TensorFormat f = perVector(si4, 0, 2, 4);
  QuantizedTensor t = quantizeOrDie({10.5f, 0.0f, 4.3f, 2.0f}, {4}, f);
  EXPECT_EQ(t.coarse, (std::vector<float>{0.1f}));
  EXPECT_EQ(t.integerScales, (std::vector<uint16_t>{15, 7}));
  EXPECT_EQ(t.values, (Values{7, 0, 6, 3}));
  std::vector<float> xhat = dequantizeTensor(t, {4}, f);
  EXPECT_EQ(xhat[0], 105.0f * 0.1f); // 10.500000156 -> 10.5
  EXPECT_EQ(xhat[2], 42.0f * 0.1f);
  EXPECT_EQ(xhat[2], 4.2000003f);
  EXPECT_EQ(xhat[3], 21.0f * 0.1f); // 2.1000001
  EXPECT_NE(xhat[2], 6.0f * (7.0f * 0.1f));
  EXPECT_EQ(6.0f * (7.0f * 0.1f), 4.1999998f);
}

TEST(TwoLevel, CoarseScalePerChannel) {
  // [2, 4], vectors of 2 along axis 1, gamma per row (coarse axis 0).
  //  row 0: s = {105/7 = 15, 21/7 = 3}, gamma_0 = 1, sq = {15, 3}
  //  row 1: s = {210/7 = 30, 14/7 = 2}, gamma_1 = 2, sq = {15, 1}
  //  q: 7, 0, 7, -3 | 7, 0, 7, 0 (14 / 2 = 7).
  std::vector<float> data = {105, 0, 21, -10, 210, 0, 14, 0};
  TensorFormat f = perVector(si4, 1, 2, 4, 0);
  QuantizedTensor t = quantizeOrDie(data, {2, 4}, f);
  EXPECT_EQ(t.coarseShape, (std::vector<int64_t>{2}));
  EXPECT_EQ(t.coarse, (std::vector<float>{1.0f, 2.0f}));
  EXPECT_EQ(t.integerScales, (std::vector<uint16_t>{15, 3, 15, 1}));
  EXPECT_EQ(t.values, (Values{7, 0, 7, -3, 7, 0, 7, 0}));
  // xhat row 1: f32(7 * 15) * 2 = 210, 0, f32(7 * 1) * 2 = 14, 0.
  EXPECT_EQ(dequantizeTensor(t, {2, 4}, f),
            (std::vector<float>{105, 0, 21, -9, 210, 0, 14, 0}));
  // One gamma for the tensor: gamma = 30 / 15 = 2; row 0 sq = ceil(7.5) = 8,
  // ceil(1.5) = 2 (S = 16, 4): q = rne(6.5625) = 7, 0, rne(5.25) = 5,
  // rne(-2.5) = -2.
  TensorFormat g = perVector(si4, 1, 2, 4);
  QuantizedTensor u = quantizeOrDie(data, {2, 4}, g);
  EXPECT_EQ(u.coarse, (std::vector<float>{2.0f}));
  EXPECT_EQ(u.integerScales, (std::vector<uint16_t>{8, 2, 15, 1}));
  EXPECT_EQ(u.values, (Values{7, 0, 5, -2, 7, 0, 7, 0}));
}

TEST(TwoLevel, ExactScaleSearchHandExample) {
  // si2 (Q = 1), ui2 scales (sq in 1..3), mse with G = 1 (alpha = max).
  //  v0 {3, 0}: s = 3; gamma = 3 / 3 = 1; sq = 3.
  //  v1 {2.2, 0.9}: s = 2.2, ceil -> 3. Errors by sq (S = sq):
  //   sq 1: 2.2 -> 1 (1.44), 0.9 -> 1 (0.01)   = 1.45
  //   sq 2: 2.2 -> 1.1 -> 1 -> 2 (0.04), 0.9 -> 0.45 -> 0 (0.81) = 0.85
  //   sq 3: 2.2 -> 0.73 -> 1 -> 3 (0.64), 0.9 -> 0.3 -> 0 (0.81) = 1.45
  //  The search picks 2; without it ceil gives 3.
  std::vector<float> data = {3.0f, 0.0f, 2.2f, 0.9f};
  TensorFormat f = perVector(si2, 0, 2, 2);
  CalibrationOptions options = withMethod(Method::MSE);
  options.mseGridPoints = 1;
  QuantizedTensor searched = quantizeOrDie(data, {4}, f, options);
  EXPECT_EQ(searched.integerScales, (std::vector<uint16_t>{3, 2}));
  EXPECT_EQ(searched.values, (Values{1, 0, 1, 0}));
  options.exactScaleSearch = false;
  QuantizedTensor plain = quantizeOrDie(data, {4}, f, options);
  EXPECT_EQ(plain.integerScales, (std::vector<uint16_t>{3, 3}));
  // Ties go to the default: v1 {0.4, 0}: s = 0.4 -> ceil 1; every sq
  // quantizes 0.4 to 0 (0.4, 0.2, 0.13), error 0.16 each: keep 1.
  options.exactScaleSearch = true;
  QuantizedTensor tie = quantizeOrDie({3.0f, 0.0f, 0.4f, 0.0f}, {4}, f,
                                      options);
  EXPECT_EQ(tie.integerScales, (std::vector<uint16_t>{3, 1}));
}

double squaredError(llvm::ArrayRef<float> a, llvm::ArrayRef<float> b,
                    size_t begin, size_t end) {
  double e = 0;
  for (size_t i = begin; i < end; ++i)
    e += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return e;
}

std::vector<float> gaussianData(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> data(n);
  for (size_t i = 0; i < n; ++i)
    // Heavier tails every 37th element, as real weights have.
    data[i] = normal(rng) * (i % 37 == 0 ? 4.0f : 1.0f);
  return data;
}

TEST(TwoLevel, MseNeverWorseThanMax) {
  // 256 x 64 Gaussian weight, vectors of 16 along axis 1 (1024 vectors),
  // si4 elements with ui4 scales, gamma per row and per tensor.
  const std::vector<int64_t> shape = {256, 64};
  std::vector<float> data = gaussianData(256 * 64, 1);
  for (int64_t coarseAxis : {int64_t(-1), int64_t(0)}) {
    TensorFormat f = perVector(si4, 1, 16, 4, coarseAxis);
    QuantizedTensor max = quantizeOrDie(data, shape, f);
    QuantizedTensor mse = quantizeOrDie(data, shape, f,
                                        withMethod(Method::MSE));
    double maxDb = sqnrDb(data, dequantizeTensor(max, shape, f));
    double mseDb = sqnrDb(data, dequantizeTensor(mse, shape, f));
    EXPECT_GE(mseDb, maxDb) << "coarse axis " << coarseAxis;

    // Per vector: the exhaustive search is never worse than steps 3-4 for
    // the same gamma (same mse alphas, so the same coarse scales).
    CalibrationOptions noSearch = withMethod(Method::MSE);
    noSearch.exactScaleSearch = false;
    QuantizedTensor plain = quantizeOrDie(data, shape, f, noSearch);
    ASSERT_EQ(plain.coarse, mse.coarse);
    std::vector<float> searchedHat = dequantizeTensor(mse, shape, f);
    std::vector<float> plainHat = dequantizeTensor(plain, shape, f);
    int improved = 0;
    for (size_t v = 0; v < data.size() / 16; ++v) {
      double searched = squaredError(data, searchedHat, 16 * v, 16 * v + 16);
      double defaulted = squaredError(data, plainHat, 16 * v, 16 * v + 16);
      EXPECT_LE(searched, defaulted) << "vector " << v;
      improved += searched < defaulted;
    }
    EXPECT_GT(improved, 0);
  }
}

TEST(TwoLevel, ExactScaleSearchMatchesBruteForce) {
  // The search's shortcuts must pick what trying every sq would: least
  // error (summed in element order), ties to the ceil default, then to the
  // smaller sq.
  const std::vector<int64_t> shape = {64, 48};
  std::vector<float> data = gaussianData(64 * 48, 4);
  for (float &x : data) // Some exact zeros and repeated values.
    if (std::fabs(x) < 0.05f)
      x = std::fabs(x) < 0.02f ? 0.0f : 0.25f;
  struct Case {
    ElementFormat element;
    unsigned scaleBits;
    Rounding rounding;
  };
  for (Case c : {Case{si4, 4, Rounding::HalfToEven},
                 Case{si8, 6, Rounding::HalfToEven},
                 Case{si2, 8, Rounding::HalfAwayFromZero},
                 Case{ui4, 5, Rounding::HalfToEven},
                 Case{si4, 10, Rounding::HalfAwayFromZero}}) {
    TensorFormat f = perVector(c.element, 1, 16, c.scaleBits, 0);
    f.rounding = c.rounding;
    CalibrationOptions options = withMethod(Method::MSE);
    options.mseGridPoints = 20;
    QuantizedTensor searched = quantizeOrDie(data, shape, f, options);
    options.exactScaleSearch = false;
    QuantizedTensor plain = quantizeOrDie(data, shape, f, options);
    ASSERT_EQ(searched.coarse, plain.coarse);
    const uint32_t maxScale = (1u << c.scaleBits) - 1;
    for (size_t v = 0; v < data.size() / 16; ++v) {
      const float gamma = searched.coarse[v / 3]; // 3 vectors per row.
      const uint16_t fallback = plain.integerScales[v];
      if (fallback == 0) {
        EXPECT_EQ(searched.integerScales[v], 0);
        continue;
      }
      auto errorOf = [&](uint32_t sq) {
        double e = 0;
        for (size_t i = 16 * v; i < 16 * v + 16; ++i) {
          float q = float(quantizeValue(data[i], float(sq) * gamma, c.element,
                                        c.rounding));
          float xhat = (q * float(sq)) * gamma;
          e += (double(data[i]) - xhat) * (double(data[i]) - xhat);
        }
        return e;
      };
      uint32_t best = fallback;
      double bestError = errorOf(fallback);
      for (uint32_t sq = 1; sq <= maxScale; ++sq) {
        double e = errorOf(sq);
        if (e < bestError) {
          best = sq;
          bestError = e;
        }
      }
      EXPECT_EQ(searched.integerScales[v], best)
          << "vector " << v << " scale bits " << c.scaleBits;
    }
  }
}

//===----------------------------------------------------------------------===//
// Errors and threads
//===----------------------------------------------------------------------===//

TEST(Errors, NonFiniteElementNamed) {
  std::vector<float> data(20, 1.0f);
  data[17] = std::nanf("");
  data[19] = std::numeric_limits<float>::infinity();
  std::string message = errorOf(data, {4, 5}, perVector(si8, 1, 4));
  EXPECT_NE(message.find("element 17 is NaN"), std::string::npos) << message;
  data[3] = -std::numeric_limits<float>::infinity();
  message = errorOf(data, {4, 5}, perVector(si8, 1, 4));
  EXPECT_NE(message.find("element 3 is -Inf"), std::string::npos) << message;
  std::vector<float> inf = {0.0f, std::numeric_limits<float>::infinity()};
  message = errorOf(inf, {2}, perTensor(si8));
  EXPECT_NE(message.find("element 1 is +Inf"), std::string::npos) << message;
}

TEST(Errors, InvalidFormats) {
  std::vector<float> data(6, 1.0f);
  auto expectError = [&](const TensorFormat &f, llvm::StringRef text,
                         const CalibrationOptions &options = {}) {
    std::string message = errorOf(data, {2, 3}, f, options);
    EXPECT_NE(message.find(text.str()), std::string::npos)
        << "got '" << message << "'";
  };
  TensorFormat f = perVector(si8, 1, 2);
  f.element.bits = 9;
  expectError(f, "element bits");
  f.element.bits = 1;
  expectError(f, "element bits");
  f = perVector(si8, 1, 2, 17);
  expectError(f, "scale bits");
  expectError(perVector(si8, 2, 2), "axis 2 out of range");
  expectError(perVector(si8, -1, 2), "axis -1 out of range");
  expectError(perChannel(si8, 2), "axis 2 out of range");
  expectError(perVector(si8, 1, 0), "vector size");
  expectError(perVector(si8, 1, 2, 4, 1), "equals the vector axis");
  expectError(perVector(si8, 1, 2, 4, 2), "coarse axis 2 out of range");
  expectError(perVector(si8, 1, 2, 4, -2), "coarse axis -2 out of range");
  TensorFormat channelCoarse = perChannel(si8, 1);
  channelCoarse.scaleBits = 4;
  channelCoarse.coarseAxis = 0;
  expectError(channelCoarse, "per-vector");
  CalibrationOptions options = withMethod(Method::MSE);
  options.mseGridPoints = 0;
  expectError(perTensor(si8), "grid points", options);
  options = withMethod(Method::Percentile);
  options.percentile = 0;
  expectError(perTensor(si8), "percentile", options);
  options.percentile = 100.5;
  expectError(perTensor(si8), "percentile", options);
  // Data size must match the shape: 6 elements, shape [4, 2] needs 8.
  std::string message = errorOf(data, {4, 2}, perTensor(si8));
  EXPECT_NE(message.find("shape needs 8"), std::string::npos) << message;
  // A valid format passes verifyFormat; a single-level coarse axis is
  // ignored.
  EXPECT_FALSE(bool(verifyFormat({2, 3}, perVector(si8, 1, 2, 0, 1))));
  EXPECT_FALSE(bool(verifyFormat({2, 3}, perVector(ui8, 0, 2, 16, 1))));
}

TEST(Threads, PoolGivesIdenticalResults) {
  const std::vector<int64_t> shape = {48, 70};
  std::vector<float> data = gaussianData(48 * 70, 2);
  struct Case {
    TensorFormat format;
    Method method;
  };
  TensorFormat rna = perVector(si8, 1, 16, 8);
  rna.rounding = Rounding::HalfAwayFromZero;
  rna.scaleRounding = ScaleRounding::Nearest;
  std::vector<Case> cases = {
      {perVector(si4, 1, 16), Method::Max},
      {perVector(si4, 1, 16, 4, 0), Method::MSE},
      {perVector(si8, 0, 8, 6), Method::OCTAV},
      {perChannel(si8, 0), Method::Entropy},
      {perChannel(ui4, 1), Method::Percentile},
      {perTensor(si4), Method::MSE},
      {rna, Method::MSE},
  };
  llvm::DefaultThreadPool pool(llvm::hardware_concurrency(2));
  for (const Case &c : cases) {
    CalibrationOptions options = withMethod(c.method);
    options.percentile = 99.0;
    QuantizedTensor serial = quantizeOrDie(data, shape, c.format, options);
    QuantizedTensor parallel =
        quantizeOrDie(data, shape, c.format, options, &pool);
    EXPECT_EQ(serial.values, parallel.values);
    EXPECT_EQ(serial.scales, parallel.scales);
    EXPECT_EQ(serial.integerScales, parallel.integerScales);
    EXPECT_EQ(serial.coarse, parallel.coarse);
    EXPECT_EQ(serial.scaleShape, parallel.scaleShape);
  }
}

TEST(Threads, ThresholdsMatchComputeThreshold) {
  // The tensor path gathers each vector and calls computeThreshold: s_v is
  // alpha / Q for the vector's own elements, here per channel along axis 1.
  const std::vector<int64_t> shape = {32, 5};
  std::vector<float> data = gaussianData(32 * 5, 3);
  CalibrationOptions options = withMethod(Method::OCTAV);
  QuantizedTensor t = quantizeOrDie(data, shape, perChannel(si4, 1), options);
  for (int64_t c = 0; c < 5; ++c) {
    std::vector<float> column;
    for (int64_t k = 0; k < 32; ++k)
      column.push_back(data[k * 5 + c]);
    EXPECT_EQ(t.scales[c], computeThreshold(column, si4, options) / 7.0f);
  }
}

//===----------------------------------------------------------------------===//
// The fast path against the reference implementation
//===----------------------------------------------------------------------===//

/// The kernel instruction sets this machine runs (Generic always).
std::vector<KernelIsa> availableIsas() {
  std::vector<KernelIsa> isas = {KernelIsa::Generic};
  setKernelIsa(KernelIsa::AVX512);
  if (activeKernelIsa() == KernelIsa::AVX512)
    isas.push_back(KernelIsa::AVX512);
  setKernelIsa(KernelIsa::Auto);
  return isas;
}

const char *isaName(KernelIsa isa) {
  return isa == KernelIsa::AVX512 ? "avx512" : "generic";
}

/// Bit-for-bit equality of two float vectors (== would let -0 pass for 0).
::testing::AssertionResult sameBits(const std::vector<float> &a,
                                    const std::vector<float> &b) {
  if (a.size() != b.size())
    return ::testing::AssertionFailure()
           << "sizes " << a.size() << " vs " << b.size();
  for (size_t i = 0; i < a.size(); ++i) {
    uint32_t x, y;
    std::memcpy(&x, &a[i], 4);
    std::memcpy(&y, &b[i], 4);
    if (x != y)
      return ::testing::AssertionFailure()
             << "index " << i << ": " << a[i] << " vs " << b[i];
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult sameTensor(const QuantizedTensor &a,
                                      const QuantizedTensor &b) {
  if (a.values != b.values) {
    size_t i = 0;
    while (i < a.values.size() && i < b.values.size() &&
           a.values[i] == b.values[i])
      ++i;
    return ::testing::AssertionFailure() << "values differ at " << i;
  }
  if (a.integerScales != b.integerScales) {
    size_t i = 0;
    while (i < a.integerScales.size() && i < b.integerScales.size() &&
           a.integerScales[i] == b.integerScales[i])
      ++i;
    return ::testing::AssertionFailure() << "integer scales differ at " << i;
  }
  if (a.scaleShape != b.scaleShape || a.coarseShape != b.coarseShape)
    return ::testing::AssertionFailure() << "grid shapes differ";
  if (::testing::AssertionResult r = sameBits(a.scales, b.scales); !r)
    return ::testing::AssertionFailure() << "scales: " << r.message();
  if (::testing::AssertionResult r = sameBits(a.coarse, b.coarse); !r)
    return ::testing::AssertionFailure() << "coarse: " << r.message();
  return ::testing::AssertionSuccess();
}

/// Weights-like data in one of several styles that stress the corners:
/// Laplace with per-row magnitudes, values on a quarter grid (exact rounding
/// ties), many zeros and repeats, subnormals, mostly negative.
std::vector<float> styledData(size_t n, int style, std::mt19937 &rng) {
  std::vector<float> data(n);
  std::exponential_distribution<float> expo(1.0f);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> grid(-24, 24);
  float scale = 1.0f;
  for (size_t i = 0; i < n; ++i) {
    if (i % 37 == 0)
      scale = std::uniform_real_distribution<float>(0.01f, 3.0f)(rng);
    float sign = rng() & 1 ? 1.0f : -1.0f;
    switch (style) {
    case 0:
      data[i] = scale * expo(rng) * sign;
      break;
    case 1:
      data[i] = float(grid(rng)) * 0.25f;
      break;
    case 2:
      data[i] = rng() % 3 == 0 ? 0.0f : (rng() % 2 ? 0.5f : normal(rng));
      break;
    case 3:
      data[i] = normal(rng) * 1e-39f; // Subnormal (and some normal) values.
      break;
    default:
      data[i] = -std::fabs(normal(rng)) * (rng() % 5 == 0 ? -1.0f : 1.0f);
      break;
    }
  }
  return data;
}

TEST(FastPath, MatchesReferenceOnRandomFormats) {
  // Random shapes, granularities, axes, vector sizes (tails included),
  // element and scale formats, coarse axes, roundings and methods: the
  // fast quantizer (each instruction set, with and without threads) must
  // return exactly what the reference returns.
  std::mt19937 rng(2024);
  llvm::DefaultThreadPool pool(llvm::hardware_concurrency(2));
  const std::vector<KernelIsa> isas = availableIsas();
  const int64_t vectorSizes[] = {1, 2, 3, 5, 8, 16, 17, 32};
  const Method methods[] = {Method::Max, Method::Percentile, Method::MSE,
                            Method::OCTAV, Method::Entropy};
  // G > 256 and 10-bit scales take the kernels' heap-allocated paths.
  const int64_t gridPoints[] = {1, 3, 16, 17, 100, 130, 300};
  const double percentiles[] = {50.0, 90.0, 99.0, 99.99, 100.0, 33.3};
  const unsigned scaleBitsChoices[] = {2, 4, 6, 8, 10};
  auto pick = [&](int n) { return int(rng() % unsigned(n)); };
  for (int trial = 0; trial < 400; ++trial) {
    const int rank = 1 + pick(3);
    std::vector<int64_t> shape(rank);
    int64_t n = 1;
    for (int64_t &d : shape) {
      d = 1 + pick(rank == 1 ? 300 : (rank == 2 ? 60 : 14));
      n *= d;
    }
    TensorFormat f;
    f.granularity = Granularity(pick(3));
    f.axis = pick(rank);
    f.vectorSize = vectorSizes[pick(8)];
    f.element = ElementFormat{unsigned(2 + pick(7)), pick(4) != 0};
    f.scaleBits = pick(2) ? 0 : scaleBitsChoices[pick(5)];
    f.coarseAxis = -1;
    if (f.scaleBits && f.granularity == Granularity::PerVector && rank > 1 &&
        pick(3)) {
      f.coarseAxis = pick(rank);
      if (f.coarseAxis == f.axis)
        f.coarseAxis = (f.axis + 1) % rank;
    }
    f.rounding = pick(3) ? Rounding::HalfToEven : Rounding::HalfAwayFromZero;
    f.scaleRounding = pick(3) ? ScaleRounding::Ceil : ScaleRounding::Nearest;
    CalibrationOptions options;
    options.method = methods[pick(5)];
    // Entropy per tiny vector costs the reference a 2048-bin search each.
    if (options.method == Method::Entropy &&
        f.granularity == Granularity::PerVector && n > 400)
      options.method = Method::OCTAV;
    options.mseGridPoints = gridPoints[pick(7)];
    options.percentile = percentiles[pick(6)];
    options.exactScaleSearch = pick(4) != 0;
    std::vector<float> data = styledData(size_t(n), pick(5), rng);

    llvm::Expected<QuantizedTensor> expected =
        quantizeTensorReference(data, shape, f, options);
    ASSERT_TRUE(bool(expected)) << llvm::toString(expected.takeError());
    for (KernelIsa isa : isas) {
      setKernelIsa(isa);
      for (llvm::ThreadPoolInterface *p :
           {static_cast<llvm::ThreadPoolInterface *>(nullptr),
            static_cast<llvm::ThreadPoolInterface *>(&pool)}) {
        QuantizedTensor got = quantizeOrDie(data, shape, f, options, p);
        EXPECT_TRUE(sameTensor(got, *expected))
            << "trial " << trial << " isa " << isaName(isa) << " pool "
            << (p != nullptr) << " granularity " << int(f.granularity)
            << " axis " << f.axis << " V " << f.vectorSize << " element "
            << (f.element.isSigned ? "si" : "ui") << f.element.bits
            << " scale bits " << f.scaleBits << " coarse " << f.coarseAxis
            << " method " << int(options.method) << " G "
            << options.mseGridPoints;
      }
    }
    setKernelIsa(KernelIsa::Auto);
  }
}

TEST(FastPath, LayoutsOfTheBenchmarkAndModels) {
  // The layouts the fast path specialises, at sizes where every band and
  // chunk boundary is crossed: contiguous vectors (vector axis last),
  // strided vectors (vector axis first, K x N matmul weights), conv weights
  // per output channel, coarse scale per row and per column.
  std::mt19937 rng(99);
  llvm::DefaultThreadPool pool(llvm::hardware_concurrency(2));
  struct Case {
    std::vector<int64_t> shape;
    TensorFormat format;
    Method method;
  };
  std::vector<Case> cases = {
      {{96, 1030}, perVector(si8, 1, 16), Method::Max},
      {{96, 1030}, perVector(si4, 1, 16, 4, 0), Method::Max},
      {{96, 1030}, perVector(si4, 1, 16, 4, 0), Method::MSE},
      {{96, 1030}, perVector(si4, 1, 16, 4, -1), Method::MSE},
      {{96, 1030}, perVector(ui8, 1, 32, 8, 0), Method::MSE},
      {{96, 1030}, perVector(si4, 1, 16, 4, 0), Method::Percentile},
      {{96, 1030}, perVector(si4, 1, 16, 4, 0), Method::OCTAV},
      {{1030, 96}, perVector(si4, 0, 16, 4, 1), Method::MSE},
      {{1030, 96}, perVector(si8, 0, 16), Method::Max},
      {{1030, 37}, perVector(si4, 0, 16, 6, -1), Method::OCTAV},
      {{3, 100, 40}, perVector(si4, 1, 16, 4, 0), Method::MSE},
      {{3, 100, 40}, perVector(si4, 1, 16, 4, 2), Method::Max},
      {{8, 3, 3, 40}, perChannel(si4, 0), Method::Entropy},
      {{600, 70}, perChannel(si8, 1), Method::Max},
      {{600, 70}, perChannel(si4, 1), Method::MSE},
      {{40000}, perTensor(si8), Method::Max},
      {{200, 200}, perTensor(si4), Method::MSE},
      // Few long vectors, cut into pieces (>= 256 Ki elements).
      {{300001}, perTensor(si8), Method::Max},
      {{300001}, perTensor(ui4), Method::Percentile},
      {{3, 100003}, perChannel(si4, 0), Method::MSE},
      {{2, 150000}, perVector(si4, 1, 100000, 4, 0), Method::MSE},
      {{2, 150000}, perVector(si8, 1, 100000, 6, -1), Method::Max},
  };
  for (const Case &c : cases) {
    int64_t n = 1;
    for (int64_t d : c.shape)
      n *= d;
    std::vector<float> data = styledData(size_t(n), 0, rng);
    CalibrationOptions options = withMethod(c.method);
    QuantizedTensor expected =
        *quantizeTensorReference(data, c.shape, c.format, options);
    for (KernelIsa isa : availableIsas()) {
      setKernelIsa(isa);
      EXPECT_TRUE(sameTensor(
          quantizeOrDie(data, c.shape, c.format, options, &pool), expected))
          << isaName(isa) << " shape[0] " << c.shape[0] << " method "
          << int(c.method) << " granularity " << int(c.format.granularity);
    }
    setKernelIsa(KernelIsa::Auto);
  }
}

TEST(FastPath, ExactScaleSearchMatchesBruteForce) {
  // The exhaustive two-level search (exactScaleSearch) of every instruction
  // set against a plain loop over every sq in 1..2^M-1: least squared error
  // summed in element order, ties to the steps 3-4 default, then to the
  // smaller sq. si4/ui4 and si8/ui8 elements, 4- and 8-bit scales, vectors
  // of 16 with a tail vector of 5, both element roundings, and both ceil
  // and nearest defaults.
  std::mt19937 rng(31);
  const std::vector<int64_t> shape = {40, 16 * 5 + 5}; // 6 vectors per row.
  const int64_t perRow = 6;
  for (int style : {0, 1, 2}) {
    std::vector<float> data = styledData(size_t(shape[0] * shape[1]), style,
                                         rng);
    for (ElementFormat element : {si4, ui4, si8, ui8})
      for (unsigned scaleBits : {4u, 8u})
        for (Rounding rounding :
             {Rounding::HalfToEven, Rounding::HalfAwayFromZero})
          for (KernelIsa isa : availableIsas()) {
            setKernelIsa(isa);
            TensorFormat f = perVector(element, 1, 16, scaleBits, 0);
            f.rounding = rounding;
            f.scaleRounding = style == 1 ? ScaleRounding::Nearest
                                         : ScaleRounding::Ceil;
            CalibrationOptions options = withMethod(Method::MSE);
            QuantizedTensor searched = quantizeOrDie(data, shape, f, options);
            options.exactScaleSearch = false;
            QuantizedTensor plain = quantizeOrDie(data, shape, f, options);
            ASSERT_TRUE(sameBits(searched.coarse, plain.coarse));
            const uint32_t maxScale = (1u << scaleBits) - 1;
            int changed = 0;
            for (int64_t v = 0; v < shape[0] * perRow; ++v) {
              const int64_t row = v / perRow, block = v % perRow;
              const int64_t begin = row * shape[1] + block * 16;
              const int64_t end = std::min(begin + 16, (row + 1) * shape[1]);
              const float gamma = searched.coarse[row];
              const uint16_t fallback = plain.integerScales[v];
              if (fallback == 0) {
                EXPECT_EQ(searched.integerScales[v], 0);
                continue;
              }
              auto errorOf = [&](uint32_t sq) {
                double e = 0;
                for (int64_t i = begin; i < end; ++i) {
                  float q = float(
                      quantizeValue(data[i], float(sq) * gamma, element,
                                    rounding));
                  float xhat = (q * float(sq)) * gamma;
                  double diff = double(data[i]) - double(xhat);
                  e += diff * diff;
                }
                return e;
              };
              uint32_t best = fallback;
              double bestError = errorOf(fallback);
              for (uint32_t sq = 1; sq <= maxScale; ++sq) {
                double e = errorOf(sq);
                if (e < bestError) {
                  best = sq;
                  bestError = e;
                }
              }
              const uint16_t got = searched.integerScales[v];
              changed += got != fallback;
              EXPECT_EQ(got, best)
                  << isaName(isa) << " vector " << v << " element "
                  << (element.isSigned ? "si" : "ui") << element.bits
                  << " scale bits " << scaleBits << " style " << style;
              // Same error, and never worse than the default.
              EXPECT_EQ(errorOf(got), bestError);
              EXPECT_LE(errorOf(got), errorOf(fallback));
            }
            if (style == 0) {
              EXPECT_GT(changed, 0) << "the search never moved a scale";
            }
          }
  }
  setKernelIsa(KernelIsa::Auto);
}

TEST(FastPath, NonFiniteFoundInEveryLayout) {
  // The fast path finds NaN and Inf in the same pass as the maxima; the
  // message names the first one, as verifyFinite does.
  struct Case {
    std::vector<int64_t> shape;
    TensorFormat format;
  };
  std::vector<Case> cases = {
      {{8, 40}, perVector(si8, 1, 16)},
      {{8, 40}, perVector(si4, 1, 16, 4, 0)},
      {{8, 40}, perVector(si4, 1, 16, 4, -1)},
      {{40, 8}, perVector(si8, 0, 16)},
      {{8, 40}, perChannel(si8, 1)},
      {{8, 40}, perChannel(ui8, 0)},
      {{8, 40}, perTensor(si8)},
  };
  llvm::DefaultThreadPool pool(llvm::hardware_concurrency(2));
  for (KernelIsa isa : availableIsas()) {
    setKernelIsa(isa);
    for (const Case &c : cases)
      for (Method method : {Method::Max, Method::MSE})
        for (int where : {0, 17, 200, 319}) {
          std::vector<float> data(320, 0.5f);
          data[where] = where % 2 ? -std::numeric_limits<float>::infinity()
                                  : std::nanf("");
          if (where < 300)
            data[where + 20] = std::numeric_limits<float>::infinity();
          llvm::Expected<QuantizedTensor> result = quantizeTensor(
              data, c.shape, c.format, withMethod(method), &pool);
          ASSERT_FALSE(bool(result));
          std::string message = llvm::toString(result.takeError());
          std::string expected = "element " + std::to_string(where) + " is " +
                                 (where % 2 ? "-Inf" : "NaN");
          EXPECT_NE(message.find(expected), std::string::npos)
              << isaName(isa) << ": " << message;
        }
  }
  setKernelIsa(KernelIsa::Auto);
}

} // namespace

namespace {
TensorFormat activationFormat(bool isSigned) {
  TensorFormat f;
  f.element = {4, isSigned};
  f.granularity = Granularity::PerVector;
  f.axis = 1;
  f.vectorSize = 4;
  f.scaleBits = 4;
  return f;
}
} // namespace

TEST(QuantizeWithCoarse, HandComputedDynamicScales) {
  // si4: s = 6 / 7 = 0.857, s / 0.1 -> ceil 9, S = f32(9 * 0.1) = 0.9.
  QuantizedTensor q = llvm::cantFail(quantizeTensorWithCoarse(
      {1.5f, 3.0f, 4.5f, -6.0f}, {1, 4}, activationFormat(true), {0.1f}));
  EXPECT_EQ(q.values, (std::vector<int16_t>{2, 3, 5, -7}));
  EXPECT_EQ(q.integerScales, (std::vector<uint16_t>{9}));
  EXPECT_EQ(q.coarse, (std::vector<float>{0.1f}));
  // ui4 under a coarse scale too small for the data: s / gamma = 30 clamps
  // to sq = 15, S = 0.15, then the elements clamp at Q = 15. The second
  // vector is all zero: sq = 0.
  q = llvm::cantFail(quantizeTensorWithCoarse(
      {1.5f, 3.0f, 4.5f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f}, {1, 8},
      activationFormat(false), {0.01f}));
  EXPECT_EQ(q.values, (std::vector<int16_t>{10, 15, 15, 0, 0, 0, 0, 0}));
  EXPECT_EQ(q.integerScales, (std::vector<uint16_t>{15, 0}));
}

TEST(QuantizeWithCoarse, TheDataDerivedCoarseGivesQuantizeTensor) {
  // With the coarse scale quantizeTensor derives from the data itself, the
  // fixed-coarse path must give the same integers: one implementation.
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uniform(-3.0f, 3.0f);
  std::vector<float> data(6 * 40);
  for (float &x : data)
    x = uniform(rng);
  TensorFormat f = activationFormat(true);
  f.vectorSize = 16;
  f.element.bits = 6;
  QuantizedTensor reference =
      llvm::cantFail(quantizeTensor(data, {6, 40}, f, CalibrationOptions()));
  QuantizedTensor fixed = llvm::cantFail(
      quantizeTensorWithCoarse(data, {6, 40}, f, reference.coarse));
  EXPECT_EQ(fixed.values, reference.values);
  EXPECT_EQ(fixed.integerScales, reference.integerScales);
  EXPECT_EQ(fixed.scaleShape, reference.scaleShape);
}

TEST(QuantizeWithCoarse, Rejections) {
  auto message = [](llvm::Expected<QuantizedTensor> result) {
    return result ? std::string("no error") : llvm::toString(result.takeError());
  };
  TensorFormat f = activationFormat(true);
  EXPECT_EQ(message(quantizeTensorWithCoarse({1, 2, 3, 4}, {1, 4}, f,
                                             {0.1f, 0.2f})),
            "2 coarse scales given, the format has 1 groups");
  EXPECT_EQ(message(quantizeTensorWithCoarse({1, 2, 3, 4}, {1, 4}, f,
                                             {-0.1f})),
            "coarse scale 0 is -0.10: it must be finite and >= 0");
  TensorFormat single = f;
  single.scaleBits = 0;
  EXPECT_EQ(message(quantizeTensorWithCoarse({1, 2, 3, 4}, {1, 4}, single,
                                             {0.1f})),
            "a fixed coarse scale needs a two-level per-vector format");
  EXPECT_NE(message(quantizeTensorWithCoarse({1, 2, NAN, 4}, {1, 4}, f,
                                             {0.1f}))
                .find("element 2 is NaN"),
            std::string::npos);
}
