//===- DepthwiseConvolutionTest.cpp - CPU depthwise conv vs the library ---===//
//
// Differential test of the CPU lowering of vsquant.depthwise_conv2d with
// two-level scales on both operands (the recogniser's depthwise layers):
// random shapes, windows, strides, padding, element and scale widths,
// values quantized by the numerics library, the conv compiled through
// vsquant-cpu-pipeline and run by the JIT. The library computes the same
// conv as its block-diagonal GEMM (accel::depthwiseAsMatmul, then
// quant::quantizedMatmul: SPEC.md section 5's exact integer sum); outputs
// must agree bit for bit. The draw covers both accumulators of the
// lowering: i32 where no window sum can exceed it, i64 otherwise.
//
//===----------------------------------------------------------------------===//

#include "IRText.h"

#include "vsquant/Accel/Simulator.h"
#include "vsquant/Quant/Matmul.h"

#include "gtest/gtest.h"

using namespace vsquant::quant;
using namespace vsquant::testing;

namespace {

TEST(DepthwiseConvolution, TwoLevelMatchesTheLibrary) {
  Harness harness;
  Draw draw(20261206);
  int cases = 0, wideCases = 0;
  for (int trial = 0; trial < 14; ++trial) {
    vsquant::accel::Conv2dShape s;
    s.h = draw.pick({3, 6, 9});
    s.w = draw.pick({4, 7});
    s.c = s.f = draw.pick({5, 16, 24, 40});
    s.kh = draw.pick({1, 2, 3, 5});
    s.kw = draw.pick({2, 3, 5});
    s.strideH = draw.pick({1, 2});
    s.strideW = draw.pick({1, 1, 2});
    s.padTop = draw.pick({0, 1});
    s.padLeft = draw.pick({0, 1, 2});
    s.padBottom = draw.pick({0, 1, 2});
    s.padRight = draw.pick({0, 1});
    if (s.outH() < 1 || s.outW() < 1)
      continue;
    int64_t v = draw.pick({8, 16});
    int64_t taps = s.kh * s.kw;
    TensorFormat x;
    x.element = {unsigned(draw.pick({4, 8})), draw.pick({0, 1, 1}) == 1};
    x.granularity = Granularity::PerVector;
    x.axis = 3;
    x.vectorSize = v;
    x.scaleBits = unsigned(draw.pick({4, 8}));
    x.coarseAxis = -1;
    TensorFormat k;
    k.element = {unsigned(draw.pick({4, 8})), true};
    k.granularity = Granularity::PerVector;
    k.axis = 0;
    // Vectors along the window: one (padded) or several per channel.
    k.vectorSize = draw.pick({4, 16, 32});
    k.scaleBits = unsigned(draw.pick({4, 8}));
    k.coarseAxis = draw.pick({-1, 1});
    if (trial % 3 == 0) {
      // 8-bit scales over 8-bit elements: sums can exceed i32.
      x.element.bits = k.element.bits = 8;
      x.scaleBits = k.scaleBits = 8;
    }
    double bound = double(x.element.qmax()) *
                   k.element.qmax() *
                   double((1 << x.scaleBits) - 1) *
                   double((1 << k.scaleBits) - 1) * double(taps);
    if (bound > double(INT32_MAX))
      ++wideCases;

    std::vector<int64_t> xShape = {1, s.h, s.w, s.c}, kShape = {taps, s.c},
                         yShape = {1, s.outH(), s.outW(), s.c};
    std::vector<float> xv(s.h * s.w * s.c), kv(taps * s.c);
    for (float &e : xv)
      e = x.element.isSigned ? draw.value(8) : std::abs(draw.value(8));
    for (float &e : kv)
      e = draw.value();
    CalibrationOptions max;
    auto qx = quantizeTensor(xv, xShape, x, max);
    auto qk = quantizeTensor(kv, kShape, k, max);
    ASSERT_TRUE(bool(qx) && bool(qk));
    auto gemm = vsquant::accel::depthwiseAsMatmul(s, v, *qx, x, *qk, k);
    ASSERT_TRUE(bool(gemm)) << llvm::toString(gemm.takeError());
    auto expected = quantizedMatmul(gemm->a, gemm->aFormat, gemm->b,
                                    gemm->bFormat, gemm->m, gemm->k, gemm->n);
    ASSERT_TRUE(bool(expected)) << llvm::toString(expected.takeError());

    std::string kType = qtensorText(kShape, k);
    std::string ir = convModelText(
        "depthwise_conv2d", xShape, yShape, x, qx->coarse[0],
        constantText(*qk, kShape, k, kType), kType,
        llvm::formatv("kernel_size = array<i64: {0}, {1}>, strides = "
                      "array<i64: {2}, {3}>, padding = array<i64: {4}, {5}, "
                      "{6}, {7}>",
                      s.kh, s.kw, s.strideH, s.strideW, s.padTop, s.padLeft,
                      s.padBottom, s.padRight)
            .str());
    for (const vsquant::runtime::CodegenOptions &generator :
         {vsquant::runtime::CodegenOptions{"reference", "none", 1},
          vsquant::runtime::CodegenOptions{}}) {
      std::vector<float> y = compileAndRun(harness, ir, generator, {xv});
      ASSERT_EQ(y.size(), expected->size()) << ir;
      for (size_t i = 0; i < y.size(); ++i)
        ASSERT_EQ(bitsOf(y[i]), bitsOf((*expected)[i]))
            << "output element " << i << ": " << y[i] << " vs "
            << (*expected)[i] << " (" << generator.kernels << ")\n"
            << ir;
    }
    ++cases;
  }
  EXPECT_GE(cases, 10);
  // Both accumulators of the lowering are exercised.
  EXPECT_GE(wideCases, 2);
  EXPECT_LE(wideCases, cases - 2);
}

} // namespace
