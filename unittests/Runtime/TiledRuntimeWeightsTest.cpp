//===- TiledRuntimeWeightsTest.cpp - tiled run-time B vs the reference ----===//
//
// Differential test of vsquant-tile-vectors on contractions whose right
// operand is computed at run time (batch_matmul of two activations, as in
// attention, and matmul of two activations), which the generated code packs
// into the kernel's layout on every call: random batch sizes, shapes with
// tails in every dim, element widths, granularities and single- or
// two-level scales on both operands, compiled once by the reference
// lowering (SPEC.md's exact semantics) and once per tiled code generator
// this CPU can run. The outputs must agree bit for bit.
//
//===----------------------------------------------------------------------===//

#include "IRText.h"

#include "gtest/gtest.h"

#include <cstdio>

using namespace vsquant::quant;
using namespace vsquant::testing;

namespace {

TEST(TiledRuntimeWeights, MatchTheReferenceLowering) {
  Harness harness;
  std::vector<vsquant::runtime::CodegenOptions> tiled = tiledGenerators();
  if (tiled.empty())
    GTEST_SKIP() << "this CPU has no int8 dot-product instructions";
  Draw draw(20261206);
  int cases = 0, tiledCases = 0;
  for (int trial = 0; trial < 16; ++trial) {
    // batch 0: a plain matmul of two activations.
    int64_t batch = draw.pick({0, 1, 2, 3}), m = draw.pick({1, 3, 6, 9}),
            k = draw.pick({7, 16, 20, 37, 64}), n = draw.pick({1, 5, 17, 40}),
            v = draw.pick({4, 8, 16});
    int nb = batch ? 1 : 0;
    std::vector<int64_t> aShape, bShape, yShape;
    if (batch)
      aShape = bShape = yShape = {batch};
    aShape.insert(aShape.end(), {m, k});
    bShape.insert(bShape.end(), {k, n});
    yShape.insert(yShape.end(), {m, n});

    TensorFormat a;
    a.element = {unsigned(draw.pick({4, 8})), draw.pick({0, 1, 1}) == 1};
    a.granularity = Granularity::PerVector;
    a.axis = nb + 1;
    a.vectorSize = v;
    a.scaleBits = unsigned(draw.pick({0, 4, 8}));
    a.coarseAxis = -1;
    TensorFormat b;
    b.element = {unsigned(draw.pick({4, 8, 8})), true};
    int64_t g = draw.pick({0, 0, 1, 2});
    b.granularity = g == 1   ? Granularity::PerChannel
                    : g == 2 ? Granularity::PerTensor
                             : Granularity::PerVector;
    b.axis = g == 1 ? nb + 1 : nb;
    b.vectorSize = v;
    b.scaleBits = g == 0 ? unsigned(draw.pick({0, 4, 8})) : 0;
    b.coarseAxis = -1;

    auto count = [](const std::vector<int64_t> &shape) {
      int64_t c = 1;
      for (int64_t d : shape)
        c *= d;
      return c;
    };
    std::vector<float> av(count(aShape)), bv(count(bShape));
    for (float &e : av)
      e = draw.value(8);
    for (float &e : bv)
      e = draw.value();
    // Two-level operands: the library's per-tensor coarse scale, static.
    CalibrationOptions max;
    auto qa = quantizeTensor(av, aShape, a, max);
    auto qb = quantizeTensor(bv, bShape, b, max);
    ASSERT_TRUE(bool(qa) && bool(qb));
    auto coarse = [](const QuantizedTensor &q, const char *name) {
      if (q.coarse.empty())
        return std::string();
      return llvm::formatv(" coarse(%{0} : tensor<f32>)", name).str();
    };
    auto gammaText = [](const QuantizedTensor &q) {
      return llvm::formatv("{0:e9}", double(q.coarse.empty() ? 1.0f
                                                             : q.coarse[0]))
          .str();
    };
    std::string aType = qtensorText(aShape, a), bType = qtensorText(bShape, b);
    std::string ir = llvm::formatv(R"mlir(
func.func @f(%a: tensor<{0}f32>, %b: tensor<{1}f32>) -> tensor<{2}f32> {{
  %ga = arith.constant dense<{3}> : tensor<f32>
  %gb = arith.constant dense<{4}> : tensor<f32>
  %aq = vsquant.dynamic_quantize %a{5} : tensor<{0}f32> -> {6}
  %bq = vsquant.dynamic_quantize %b{7} : tensor<{1}f32> -> {8}
  %y = vsquant.{9} %aq, %bq : {6}, {8} -> tensor<{2}f32>
  return %y : tensor<{2}f32>
}
)mlir",
                                   shapeText(aShape), shapeText(bShape),
                                   shapeText(yShape), gammaText(*qa),
                                   gammaText(*qb), coarse(*qa, "ga"), aType,
                                   coarse(*qb, "gb"), bType,
                                   batch ? "batch_matmul" : "matmul")
                         .str();
    if (tiledKernelTakes(ir, harness.context.get(), tiled.front().target))
      ++tiledCases;
    ASSERT_TRUE(tiledMatchReference(harness, ir, {av, bv}, tiled,
                                    size_t(count(yShape))));
    ++cases;
  }
  std::printf("run-time weight cases: %d, taken by the tiled kernel: %d\n",
              cases, tiledCases);
  EXPECT_EQ(cases, 16);
  // The draw must exercise the tiled kernel, not only its fallback.
  EXPECT_GE(tiledCases, 10);
}

} // namespace
