//===- TiledConvolutionTest.cpp - tiled conv2d vs the reference lowering --===//
//
// Differential test of vsquant-tile-vectors' conv2d (an implicit im2col over
// the padded input feeding the matmul kernels): random shapes, strides,
// dilations, padding, formats and values, compiled once by the reference
// lowering (SPEC.md's exact semantics, checked against hand-computed values
// in test/Integration/conv-cpu.mlir) and once per tiled code generator this
// CPU can run. The outputs must agree bit for bit.
//
//===----------------------------------------------------------------------===//

#include "IRText.h"

#include "gtest/gtest.h"

#include <cstdio>

using namespace vsquant::quant;
using namespace vsquant::testing;

namespace {

TEST(TiledConvolution, MatchesTheReferenceLowering) {
  Harness harness;
  std::vector<vsquant::runtime::CodegenOptions> tiled = tiledGenerators();
  if (tiled.empty())
    GTEST_SKIP() << "this CPU has no int8 dot-product instructions";
  Draw draw(20261124);
  int cases = 0, tiledCases = 0;
  for (int trial = 0; trial < 16; ++trial) {
    int64_t n = draw.pick({1, 2}), h = draw.pick({3, 5, 8}), w = draw.pick({4, 6, 9}),
            c = draw.pick({3, 8, 16, 20, 37}), f = draw.pick({1, 5, 16, 19}),
            kh = draw.pick({1, 2, 3}), kw = draw.pick({1, 3}), v = draw.pick({4, 8, 16});
    int64_t strideH = draw.pick({1, 1, 2}), strideW = draw.pick({1, 2, 3}),
            dilationH = draw.pick({1, 1, 2}), dilationW = draw.pick({1, 2});
    std::vector<int64_t> pad = {draw.pick({0, 1}), draw.pick({0, 1, 2}), draw.pick({0, 1}),
                                draw.pick({0, 2})};
    int64_t oh = (h + pad[0] + pad[2] - dilationH * (kh - 1) - 1) / strideH + 1,
            ow = (w + pad[1] + pad[3] - dilationW * (kw - 1) - 1) / strideW + 1;
    if (oh < 1 || ow < 1)
      continue;
    TensorFormat x;
    x.element = {unsigned(draw.pick({4, 8})), draw.pick({0, 1, 1}) == 1};
    x.granularity = Granularity::PerVector;
    x.axis = 3;
    x.vectorSize = v;
    x.scaleBits = unsigned(draw.pick({0, 4, 8}));
    x.coarseAxis = -1;
    if (x.scaleBits == 0 && draw.pick({0, 0, 1}) == 1)
      x.granularity = Granularity::PerTensor;
    TensorFormat k;
    k.element = {unsigned(draw.pick({3, 4, 8})), true};
    bool perChannel = draw.pick({0, 0, 1}) == 1;
    k.granularity = perChannel ? Granularity::PerChannel : Granularity::PerVector;
    k.axis = perChannel ? 3 : 2;
    k.vectorSize = v;
    k.scaleBits = perChannel ? 0 : unsigned(draw.pick({0, 4, 8}));
    k.coarseAxis = k.scaleBits ? 3 : -1;

    std::vector<int64_t> xShape = {n, h, w, c}, kShape = {kh, kw, c, f},
                         yShape = {n, oh, ow, f};
    std::vector<float> xv(n * h * w * c), kv(kh * kw * c * f);
    for (float &e : xv)
      e = draw.value(8);
    for (float &e : kv)
      e = draw.value();
    CalibrationOptions max;
    auto qx = quantizeTensor(xv, xShape, x, max);
    auto qk = quantizeTensor(kv, kShape, k, max);
    ASSERT_TRUE(bool(qx) && bool(qk));
    float gamma = qx->coarse.empty() ? 1.0f : qx->coarse[0];
    std::string kType = qtensorText(kShape, k);
    std::string ir = convModelText(
        "conv2d", xShape, yShape, x, gamma,
        constantText(*qk, kShape, k, kType), kType,
        llvm::formatv("strides = array<i64: {0}, {1}>, dilations = "
                      "array<i64: {2}, {3}>, padding = array<i64: {4}, {5}, "
                      "{6}, {7}>",
                      strideH, strideW, dilationH, dilationW, pad[0], pad[1],
                      pad[2], pad[3])
            .str());
    if (tiledKernelTakes(ir, harness.context.get(), tiled.front().target))
      ++tiledCases;

    ASSERT_TRUE(tiledMatchReference(harness, ir, {xv}, tiled,
                                    size_t(n * oh * ow * f)));
    ++cases;
  }
  std::printf("conv2d cases: %d, taken by the tiled kernel: %d\n", cases,
              tiledCases);
  EXPECT_GE(cases, 12);
  // The draw must exercise the tiled kernel, not only its fallback.
  EXPECT_GE(tiledCases, 8);
}

} // namespace
