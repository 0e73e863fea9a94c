//===- ReferenceLoweringTest.cpp - Compiled code vs the numerics library --===//
//
// Differential tests: random shapes, formats and values quantized by the
// numerics library, the same computation written in vsquant IR, compiled by
// vsquant-cpu-pipeline and run through the JIT, once per code generator
// (the reference lowering; the tiled kernels for AVX-512 VNNI, for AVX2 and
// on two threads). Dequantized activations and matmul results must match
// the library (quantizeTensor, dequantizeTensor, quantizedMatmul) bit for
// bit. The same for the accelerator: random matmuls in each machine's
// formats through convert-vsquant-to-vsqaccel and the simulator.
//
//===----------------------------------------------------------------------===//

#include "IRText.h"

#include "vsquant/Accel/Simulator.h"
#include "vsquant/Conversion/Passes.h"
#include "vsquant/Dialect/VSQAccel/IR/VSQAccel.h"
#include "vsquant/Dialect/VSQuant/IR/VSQuant.h"
#include "vsquant/InitAll.h"
#include "vsquant/Quant/Matmul.h"
#include "vsquant/Runtime/CompiledModel.h"
#include "vsquant/Target/VSQAccel/ProgramIR.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <random>

using namespace vsquant::quant;
using namespace vsquant::testing;

namespace {

/// The code generators under test: the reference lowering and the tiled
/// kernels this CPU can run.
std::vector<vsquant::runtime::CodegenOptions> hostGenerators() {
  std::vector<vsquant::runtime::CodegenOptions> generators = {
      {"reference", "none", 1}};
  for (const vsquant::runtime::CodegenOptions &tiled : tiledGenerators())
    generators.push_back(tiled);
  return generators;
}

/// One random m x k x n case in formats a and w: values drawn from `rng`,
/// quantized by the library, the matmul and the dequantized activations
/// compiled by every generator and compared bit for bit with the library.
/// Counts the case in `tiledCases` when the tiled kernels for `countISA`
/// take it.
void expectMatmulMatchesLibrary(
    Harness &harness,
    const std::vector<vsquant::runtime::CodegenOptions> &generators,
    std::mt19937 &rng, int64_t m, int64_t k, int64_t n, const TensorFormat &a,
    const TensorFormat &w, int *tiledCases,
    llvm::StringRef countISA = "avx2") {
  std::exponential_distribution<float> magnitude(4.0f);
  std::vector<float> av(m * k), wv(k * n);
  for (float &x : av)
    x = (rng() % 2 ? 1.0f : -1.0f) * magnitude(rng) * float(1 + rng() % 8);
  for (float &x : wv)
    x = (rng() % 2 ? 1.0f : -1.0f) * magnitude(rng);
  CalibrationOptions max;
  auto qa = quantizeTensor(av, {m, k}, a, max);
  auto qw = quantizeTensor(wv, {k, n}, w, max);
  ASSERT_TRUE(bool(qa) && bool(qw));
  auto reference = quantizedMatmul(*qa, a, *qw, w, m, k, n);
  ASSERT_TRUE(bool(reference)) << llvm::toString(reference.takeError());
  std::vector<float> dequantized = dequantizeTensor(*qa, {m, k}, a);

  auto qType = [](int64_t rows, int64_t cols, const TensorFormat &f) {
    return llvm::formatv("!vsquant.tensor<{0}x{1}, {2}>", rows, cols,
                         formatText(f))
        .str();
  };
  std::string aType = qType(m, k, a), wType = qType(k, n, w);
  // Two-level activations: the library's gamma as the static coarse scale.
  float gamma = qa->coarse.empty() ? 1.0f : qa->coarse[0];
  std::string coarseA;
  if (a.scaleBits)
    coarseA = llvm::formatv(" coarse(%g : tensor<f32>)").str();
  unsigned sqBits = w.scaleBits <= 8 ? 8 : 16;
  std::string wScales =
      w.scaleBits
          ? "dense<" + intsText<uint16_t>(qw->integerScales, sqBits) +
                "> : tensor<" + shapeText(qw->scaleShape) + "i" +
                std::to_string(sqBits) + ">"
          : "dense<" + floatsText(qw->scales) + "> : tensor<" +
                shapeText(qw->scaleShape) + "f32>";
  std::string wCoarse =
      w.scaleBits ? " coarse(dense<" + floatsText(qw->coarse) +
                        "> : tensor<" + shapeText(qw->coarseShape) + "f32>)"
                  : "";
  std::string ir = llvm::formatv(R"mlir(
func.func @f(%a: tensor<{0}f32>) -> (tensor<{1}f32>, tensor<{0}f32>) {{
%g = arith.constant dense<{2}> : tensor<f32>
%aq = vsquant.dynamic_quantize %a{3} : tensor<{0}f32> -> {4}
%w = vsquant.constant values(dense<{5}> : tensor<{6}i8>) scales({7}){8} : {9}
%y = vsquant.matmul %aq, %w : {4}, {9} -> tensor<{1}f32>
%d = vsquant.dequantize %aq : {4} -> tensor<{0}f32>
return %y, %d : tensor<{1}f32>, tensor<{0}f32>
}
)mlir",
                                 shapeText({m, k}), shapeText({m, n}),
                                 llvm::formatv("{0:e9}", double(gamma)).str(),
                                 coarseA, aType, intsText<int16_t>(qw->values, 8),
                                 shapeText({k, n}), wScales, wCoarse, wType)
                       .str();
  if (tiledKernelTakes(ir, harness.context.get(), countISA))
    ++*tiledCases;
  for (const vsquant::runtime::CodegenOptions &generator : generators) {
    std::string label = generator.kernels + "/" + generator.target + "/" +
                        std::to_string(generator.numThreads) + " threads\n";
    auto module = mlir::parseSourceString<mlir::ModuleOp>(
        ir, harness.context.get());
    ASSERT_TRUE(bool(module)) << ir;
    auto compiled =
        vsquant::runtime::CompiledModel::compile(*module, "f", generator);
    ASSERT_TRUE(bool(compiled))
        << llvm::toString(compiled.takeError()) << label << ir;
    std::copy(av.begin(), av.end(), (*compiled)->inputs()[0].data.begin());
    (*compiled)->run();
    const std::vector<float> &y = (*compiled)->results()[0].data;
    const std::vector<float> &d = (*compiled)->results()[1].data;
    for (int64_t i = 0; i < m * n; ++i)
      ASSERT_EQ(bitsOf(y[i]), bitsOf((*reference)[i]))
          << "matmul element " << i << ": " << y[i] << " vs "
          << (*reference)[i] << "\n"
          << label << ir;
    for (int64_t i = 0; i < m * k; ++i)
      ASSERT_EQ(bitsOf(d[i]), bitsOf(dequantized[i]))
          << "dequantized element " << i << "\n"
          << label << ir;
  }
}

TEST(ReferenceLowering, MatmulAndQuantizeMatchTheLibrary) {
  Harness harness;
  std::vector<vsquant::runtime::CodegenOptions> generators = hostGenerators();
  int tiledCases = 0;
  std::mt19937 rng(20261123);
  auto pick = [&](std::vector<int64_t> options) {
    return options[rng() % options.size()];
  };
  int cases = 0;
  for (int trial = 0; trial < 24; ++trial) {
    // Shapes with several register tiles and remainders in both dims.
    int64_t m = pick({1, 2, 3, 6, 9}), k = pick({3, 7, 16, 20, 37, 64}),
            n = pick({1, 2, 5, 17, 40}), v = pick({4, 8, 16});
    TensorFormat a;
    a.element = {unsigned(pick({4, 8})), pick({0, 1, 1}) == 1};
    a.granularity = Granularity::PerVector;
    a.axis = 1;
    a.vectorSize = v;
    a.scaleBits = unsigned(pick({0, 4, 8}));
    a.coarseAxis = -1;
    // Single-level activations may also be per row (token) or per tensor.
    if (a.scaleBits == 0) {
      int64_t g = pick({0, 0, 1, 2});
      if (g == 1) {
        a.granularity = Granularity::PerChannel;
        a.axis = 0;
      } else if (g == 2) {
        a.granularity = Granularity::PerTensor;
      }
    }
    TensorFormat w;
    w.element = {unsigned(pick({2, 3, 4, 6, 8})), true};
    bool perChannel = pick({0, 0, 1}) == 1;
    w.granularity = perChannel ? Granularity::PerChannel : Granularity::PerVector;
    w.axis = perChannel ? 1 : 0;
    w.vectorSize = v;
    w.scaleBits = perChannel ? 0 : unsigned(pick({0, 4, 8}));
    w.coarseAxis = w.scaleBits ? 1 : -1;

    expectMatmulMatchesLibrary(harness, generators, rng, m, k, n, a, w,
                               &tiledCases);
    if (HasFatalFailure())
      return;
    ++cases;
  }
  EXPECT_EQ(cases, 24);
  // The draw must exercise the tiled kernels, not only their fallback.
  EXPECT_GE(tiledCases, 6);
}

/// 8-bit scales over 8-bit elements on both sides: one term sqA sqB dot can
/// exceed i32, so the tiled kernels sum i64 terms (split into even and odd
/// lanes). Vectors of both lengths, signed and unsigned activations, tails
/// in every dimension; negative and positive dots in every lane.
TEST(ReferenceLowering, WideScaleTermsMatchTheLibrary) {
  Harness harness;
  std::vector<vsquant::runtime::CodegenOptions> generators = hostGenerators();
  std::mt19937 rng(20261206);
  int tiledCases = 0;
  const int64_t shapes[][4] = {// m, k, n, V
                               {1, 64, 40, 16},  {5, 48, 17, 16},
                               {9, 100, 33, 32}, {2, 256, 16, 16},
                               {6, 37, 5, 32},   {4, 128, 64, 32}};
  for (const auto &shape : shapes)
    for (bool signedActivations : {true, false}) {
      TensorFormat a, w;
      a.element = {8, signedActivations};
      a.granularity = w.granularity = Granularity::PerVector;
      a.axis = 1;
      w.axis = 0;
      a.vectorSize = w.vectorSize = shape[3];
      a.scaleBits = w.scaleBits = 8;
      a.coarseAxis = -1;
      w.element = {8, true};
      w.coarseAxis = 1;
      expectMatmulMatchesLibrary(harness, generators, rng, shape[0], shape[1],
                                 shape[2], a, w, &tiledCases, "avx512vnni");
      if (HasFatalFailure())
        return;
    }
  // AVX-512 VNNI takes every case (AVX2 only the signed activations: 8-bit
  // unsigned ones could saturate vpmaddubsw's pairs).
  EXPECT_EQ(tiledCases, 12);
}

} // namespace

namespace {

/// Compiles `ir` once per code generator and returns each one's results.
std::vector<std::vector<std::vector<float>>>
runEveryGenerator(Harness &harness, const std::string &ir,
                  llvm::ArrayRef<float> input) {
  std::vector<std::vector<std::vector<float>>> all;
  for (const vsquant::runtime::CodegenOptions &generator : hostGenerators()) {
    auto module =
        mlir::parseSourceString<mlir::ModuleOp>(ir, harness.context.get());
    EXPECT_TRUE(bool(module)) << ir;
    if (!module)
      return all;
    auto compiled =
        vsquant::runtime::CompiledModel::compile(*module, "f", generator);
    EXPECT_TRUE(bool(compiled)) << llvm::toString(compiled.takeError());
    if (!compiled)
      return all;
    std::copy(input.begin(), input.end(),
              (*compiled)->inputs()[0].data.begin());
    (*compiled)->run();
    std::vector<std::vector<float>> results;
    for (const vsquant::runtime::TensorBuffer &r : (*compiled)->results())
      results.push_back(r.data);
    all.push_back(std::move(results));
  }
  return all;
}

/// Run-time activations the numerics library refuses or that sit at the
/// ends of fp32, through dynamic_quantize -> matmul in compiled code: every
/// code generator agrees bit for bit with the library where the library
/// computes (zeros, subnormals, 2^126, a one-element tail vector), NaN
/// elements count as 0 (maxnumf: docs/CPU.md), and a +Inf turns its row
/// into NaN, never into a finite number.
TEST(ReferenceLowering, HostileRunTimeActivations) {
  Harness harness;
  const int64_t m = 5, k = 9, n = 3; // K = 9: vectors of 4, 4 and 1.
  TensorFormat a;
  a.element = {8, true};
  a.granularity = Granularity::PerVector;
  a.axis = 1;
  a.vectorSize = 4;
  TensorFormat w = a;
  w.element = {4, true};
  w.axis = 0;
  std::vector<float> wv(k * n);
  for (int64_t i = 0; i < k * n; ++i)
    wv[i] = float((i * 7) % 11) - 5.0f;
  QuantizedTensor qw = cantFail(quantizeTensor(wv, {k, n}, w, {}));
  const float d = std::numeric_limits<float>::denorm_min();
  const float big = std::ldexp(1.0f, 126);
  std::vector<float> av = {
      0, 0,      0,     0,     0,    0,      0,   0,   0,         // zeros
      d, -3 * d, 100 * d, 1e-39f, 0,  d,      0,   0,   -7 * d,    // subnormal
      big, -big, big / 3, 1,  big,  big / 7, -1,  0,   big,       // 2^126
      1, 2,      3,     4,     0,    0,      0,   0,   -0.5f,     // plain
      1, 2,      3,     4,     5,    6,      7,   8,   9};        // NaN / Inf
  std::string ir = llvm::formatv(R"mlir(
#a = {0}
#w = {1}
func.func @f(%a: tensor<{2}f32>) -> (tensor<{3}f32>, tensor<{2}f32>) {{
  %aq = vsquant.dynamic_quantize %a : tensor<{2}f32> -> !vsquant.tensor<{8}, #a>
  %w = vsquant.constant values(dense<{4}> : tensor<{5}i8>) scales(dense<{6}> : tensor<{7}f32>) : !vsquant.tensor<{9}, #w>
  %y = vsquant.matmul %aq, %w : !vsquant.tensor<{8}, #a>, !vsquant.tensor<{9}, #w> -> tensor<{3}f32>
  %d = vsquant.dequantize %aq : !vsquant.tensor<{8}, #a> -> tensor<{2}f32>
  return %y, %d : tensor<{3}f32>, tensor<{2}f32>
}
)mlir",
                                 formatText(a), formatText(w),
                                 shapeText({m, k}), shapeText({m, n}),
                                 intsText<int16_t>(qw.values, 8),
                                 shapeText({k, n}), floatsText(qw.scales),
                                 shapeText(qw.scaleShape),
                                 llvm::formatv("{0}x{1}", m, k).str(),
                                 llvm::formatv("{0}x{1}", k, n).str())
                       .str();
  // Finite rows: bit for bit against the library.
  QuantizedTensor qa = cantFail(quantizeTensor(av, {m, k}, a, {}));
  std::vector<float> y = cantFail(quantizedMatmul(qa, a, qw, w, m, k, n));
  std::vector<float> dq = dequantizeTensor(qa, {m, k}, a);
  for (const auto &results : runEveryGenerator(harness, ir, av)) {
    for (int64_t i = 0; i < m * n; ++i)
      ASSERT_EQ(bitsOf(results[0][i]), bitsOf(y[i])) << "matmul " << i;
    for (int64_t i = 0; i < m * k; ++i)
      ASSERT_EQ(bitsOf(results[1][i]), bitsOf(dq[i])) << "dequantized " << i;
  }

  // Row 4 gets a NaN (counts as 0) and, separately, an Inf (row -> NaN).
  std::vector<float> withNaN = av, nanAsZero = av;
  withNaN[4 * k + 2] = std::nanf("");
  nanAsZero[4 * k + 2] = 0.0f;
  QuantizedTensor qz = cantFail(quantizeTensor(nanAsZero, {m, k}, a, {}));
  std::vector<float> yz = cantFail(quantizedMatmul(qz, a, qw, w, m, k, n));
  for (const auto &results : runEveryGenerator(harness, ir, withNaN))
    for (int64_t i = 0; i < m * n; ++i)
      ASSERT_EQ(bitsOf(results[0][i]), bitsOf(yz[i])) << "NaN row " << i;
  std::vector<float> withInf = av;
  withInf[4 * k + 2] = std::numeric_limits<float>::infinity();
  for (const auto &results : runEveryGenerator(harness, ir, withInf))
    for (int64_t i = 0; i < m * n; ++i) {
      if (i / n == 4)
        EXPECT_TRUE(std::isnan(results[0][i])) << "Inf row " << i;
      else
        ASSERT_EQ(bitsOf(results[0][i]), bitsOf(y[i])) << "Inf, other " << i;
    }
}

} // namespace

namespace {

/// The accelerator: random matmuls in formats each machine of accel/ takes
/// (element widths up to the datapath's, the machine's V and scale widths,
/// signed or unsigned inputs, bias, ReLU), written as vsquant IR, compiled
/// by convert-vsquant-to-vsqaccel, the program taken back from its
/// vsqaccel.program op, run by the simulator on the data image, and
/// compared bit for bit with quantizedMatmul (+ bias, ReLU; SPEC.md
/// section 5). The pass's program must also be the planner's, byte for byte.
TEST(ReferenceLowering, AcceleratorMatchesTheLibrary) {
  namespace accel = vsquant::accel;
  Harness harness;
  const char *machines[] = {"baseline-w8a8-pc", "w4a4-v16-ui4",
                            "w4a8-v16-ui4",     "w6a6-v16-ui6",
                            "w8a8-v16-ui6",     "keller2023-5nm-w4a4-v64"};
  std::vector<std::pair<std::string, accel::Config>> configs;
  for (const char *name : machines) {
    llvm::SmallString<256> path(VSQUANT_SOURCE_DIR);
    llvm::sys::path::append(path, "accel", std::string(name) + ".json");
    llvm::Expected<accel::Config> config = accel::readConfig(path);
    ASSERT_TRUE(bool(config)) << llvm::toString(config.takeError());
    configs.emplace_back(path.str().str(), std::move(*config));
  }
  std::mt19937 rng(20261124);
  auto below = [&](int64_t n) { return int64_t(rng() % uint64_t(n)); };
  std::exponential_distribution<float> magnitude(2.0f);
  const int kCases = 600;
  int cases = 0, outputs = 0;
  for (int trial = 0; trial < kCases; ++trial) {
    const auto &[configPath, config] = configs[trial % configs.size()];
    const bool perVector = config.scaling == accel::Scaling::PerVector;
    // Shapes around the machine's tiles: K not a multiple of V, N not a
    // multiple of the lanes, single rows, columns and vectors.
    const int64_t v = config.vectorSize;
    int64_t m = 1 + below(trial % 4 ? 9 : 40), k = 1 + below(3 * v + 5),
            n = 1 + below(80);
    if (trial % 10 == 0)
      k = 1;
    TensorFormat a, w;
    const bool unsignedInput = perVector && below(3) == 0;
    a.element = {unsigned(2 + below(config.activationBits - 1)),
                 !unsignedInput};
    w.element = {unsigned(2 + below(config.weightBits - 1)), true};
    if (perVector) {
      a.granularity = w.granularity = Granularity::PerVector;
      a.axis = 1;
      w.axis = 0;
      a.vectorSize = w.vectorSize = v;
      a.scaleBits = config.activationScaleBits;
      w.scaleBits = config.weightScaleBits;
      a.coarseAxis = -1;
      w.coarseAxis = 1;
    } else {
      a.granularity = Granularity::PerTensor;
      w.granularity = Granularity::PerChannel;
      w.axis = 1;
    }
    std::vector<float> av(m * k), wv(k * n), bias;
    for (float &x : av)
      x = (below(2) ? 1.0f : -1.0f) * magnitude(rng) * float(1 + below(8));
    for (float &x : wv)
      x = below(7) == 0 ? 0.0f : (below(2) ? 1.0f : -1.0f) * magnitude(rng);
    const bool withBias = below(2), withRelu = below(2);
    if (withBias)
      for (int64_t j = 0; j < n; ++j)
        bias.push_back(float(below(9)) - 4.0f);
    QuantizedTensor qa = cantFail(quantizeTensor(av, {m, k}, a, {}));
    QuantizedTensor qw = cantFail(quantizeTensor(wv, {k, n}, w, {}));

    std::string aType = llvm::formatv("!vsquant.tensor<{0}x{1}, {2}>", m, k,
                                      formatText(a));
    std::string wType = llvm::formatv("!vsquant.tensor<{0}x{1}, {2}>", k, n,
                                      formatText(w));
    std::string ir = llvm::formatv(
        R"mlir(
func.func @f(%a: {0}, %w: {1}, %bias: tensor<{2}xf32>) -> tensor<{3}x{2}xf32> {{
  %y = vsquant.matmul %a, %w {4}{5} : {0}, {1} -> tensor<{3}x{2}xf32>
  return %y : tensor<{3}x{2}xf32>
}
)mlir",
        aType, wType, n, m,
        withBias ? llvm::formatv("bias(%bias : tensor<{0}xf32>)", n).str()
                 : std::string(),
        withRelu ? " relu" : "")
                         .str();
    std::string label = config.name + "\n" + ir;
    auto module =
        mlir::parseSourceString<mlir::ModuleOp>(ir, harness.context.get());
    ASSERT_TRUE(bool(module)) << label;
    mlir::PassManager pm(harness.context.get());
    mlir::vsquant::ConvertVSQuantToVSQAccelOptions options;
    options.configPath = configPath;
    pm.addPass(mlir::vsquant::createConvertVSQuantToVSQAccel(options));
    ASSERT_TRUE(succeeded(pm.run(*module))) << label;
    auto programOp = module->lookupSymbol<mlir::vsqaccel::ProgramOp>("f_matmul0");
    ASSERT_TRUE(bool(programOp)) << label;
    mlir::FailureOr<accel::Program> program =
        mlir::vsqaccel::programFromOp(programOp);
    ASSERT_TRUE(succeeded(program)) << label;

    accel::MatmulOptions planOptions;
    planOptions.name = "f_matmul0";
    planOptions.bias = withBias;
    planOptions.relu = withRelu;
    planOptions.unsignedInput = unsignedInput;
    accel::MatmulPlan plan =
        cantFail(accel::planMatmul(config, m, k, n, planOptions));
    ASSERT_EQ(cantFail(accel::encodeProgram(*program)),
              cantFail(accel::encodeProgram(plan.program)))
        << label;
    std::vector<uint8_t> image =
        cantFail(accel::packMatmulImage(plan, qa, a, qw, w, bias));
    accel::SimulationStats stats =
        cantFail(accel::simulate(*program, config, image));
    ASSERT_EQ(stats.saturations, 0) << label;
    std::vector<float> y = accel::readMatmulOutput(plan, image);

    std::vector<float> reference =
        cantFail(quantizedMatmul(qa, a, qw, w, m, k, n));
    ASSERT_EQ(y.size(), reference.size());
    for (int64_t i = 0; i < m * n; ++i) {
      float r = reference[i];
      if (withBias)
        r = r + bias[i % n];
      if (withRelu)
        r = r > 0.0f ? r : 0.0f;
      ASSERT_EQ(bitsOf(y[i]), bitsOf(r))
          << "output " << i << ": " << y[i] << " vs " << r << "\n"
          << label;
    }
    outputs += int(m * n);
    ++cases;
  }
  EXPECT_EQ(cases, kCases);
  EXPECT_GT(outputs, kCases * 20);
}

} // namespace
