//===- IRText.h - vsquant IR text for differential tests --------*- C++ -*-===//
//
// Writes numerics-library tensors and formats as vsquant IR text (exact hex
// dense attributes), and the harness the differential tests compile with.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_UNITTESTS_RUNTIME_IRTEXT_H
#define VSQUANT_UNITTESTS_RUNTIME_IRTEXT_H

#include "vsquant/Conversion/Passes.h"
#include "vsquant/Dialect/VSQuant/IR/VSQuant.h"
#include "vsquant/InitAll.h"
#include "vsquant/Quant/Quantizer.h"
#include "vsquant/Runtime/CompiledModel.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/TargetParser/Host.h"

#include "gtest/gtest.h"

#include <cstring>
#include <random>
#include <string>

namespace vsquant::testing {

inline std::string elementName(quant::ElementFormat e) {
  return (e.isSigned ? "si" : "ui") + std::to_string(e.bits);
}

/// #vsquant.format text of a TensorFormat.
inline std::string formatText(const quant::TensorFormat &f) {
  std::string text = "#vsquant.format<" + elementName(f.element) + ", ";
  switch (f.granularity) {
  case quant::Granularity::PerTensor:
    text += "per_tensor";
    break;
  case quant::Granularity::PerChannel:
    text += llvm::formatv("per_channel(axis = {0})", f.axis).str();
    break;
  case quant::Granularity::PerVector:
    text += llvm::formatv("per_vector(axis = {0}, size = {1})", f.axis,
                          f.vectorSize)
                .str();
    break;
  }
  text += f.scaleBits ? ", scale = ui" + std::to_string(f.scaleBits)
                      : std::string(", scale = f32");
  if (f.scaleBits && f.coarseAxis >= 0)
    text += llvm::formatv(", coarse = per_channel(axis = {0})", f.coarseAxis)
                .str();
  return text + ">";
}

/// "2x3x" for {2, 3}: the dimensions part of a tensor type.
inline std::string shapeText(llvm::ArrayRef<int64_t> shape) {
  std::string s;
  for (int64_t d : shape)
    s += std::to_string(d) + "x";
  return s;
}

/// The hex form of dense<...>: raw little-endian bytes, any shape, exact.
inline std::string hexBytes(const void *data, size_t size) {
  static const char *digits = "0123456789ABCDEF";
  std::string s = "\"0x";
  for (size_t i = 0; i < size; ++i) {
    uint8_t byte = static_cast<const uint8_t *>(data)[i];
    s += digits[byte >> 4];
    s += digits[byte & 15];
  }
  return s + "\"";
}

inline std::string floatsText(llvm::ArrayRef<float> v) {
  return hexBytes(v.data(), v.size() * sizeof(float));
}

/// Integers stored in `bits`-wide (8 or 16) signless storage.
template <typename T>
std::string intsText(llvm::ArrayRef<T> v, unsigned bits) {
  std::string bytes;
  for (T x : v) {
    bytes.push_back(char(uint64_t(int64_t(x)) & 0xFF));
    if (bits == 16)
      bytes.push_back(char((uint64_t(int64_t(x)) >> 8) & 0xFF));
  }
  return hexBytes(bytes.data(), bytes.size());
}

/// "!vsquant.tensor<2x3, #vsquant.format<...>>".
inline std::string qtensorText(llvm::ArrayRef<int64_t> shape,
                               const quant::TensorFormat &f) {
  std::string dims = shapeText(shape);
  dims.pop_back(); // "2x3x" -> "2x3"
  return "!vsquant.tensor<" + dims + ", " + formatText(f) + ">";
}

/// `vsquant.constant` of a library-quantized tensor of `shape` (values,
/// scales and, for two-level formats, coarse scales), typed `type`.
inline std::string constantText(const quant::QuantizedTensor &q,
                                llvm::ArrayRef<int64_t> shape,
                                const quant::TensorFormat &f,
                                const std::string &type) {
  unsigned sqBits = f.scaleBits <= 8 ? 8 : 16;
  std::string scales =
      f.scaleBits ? "dense<" + intsText<uint16_t>(q.integerScales, sqBits) +
                        "> : tensor<" + shapeText(q.scaleShape) + "i" +
                        std::to_string(sqBits) + ">"
                  : "dense<" + floatsText(q.scales) + "> : tensor<" +
                        shapeText(q.scaleShape) + "f32>";
  std::string coarse =
      f.scaleBits ? " coarse(dense<" + floatsText(q.coarse) + "> : tensor<" +
                        shapeText(q.coarseShape) + "f32>)"
                  : "";
  return "vsquant.constant values(dense<" + intsText<int16_t>(q.values, 8) +
         "> : tensor<" + shapeText(shape) + "i8>) scales(" + scales + ")" +
         coarse + " : " + type;
}

/// @f(x) = `op` of the dynamically quantized input x (input format as in
/// `xType`, `gamma` its coarse scale when two-level) and the constant
/// filter `filter` (typed `kType`), with the op's attributes `attributes`
/// ("strides = ..., padding = ..."): the differential conv tests' model.
inline std::string convModelText(llvm::StringRef op,
                                 llvm::ArrayRef<int64_t> xShape,
                                 llvm::ArrayRef<int64_t> yShape,
                                 const quant::TensorFormat &x, float gamma,
                                 const std::string &filter,
                                 const std::string &kType,
                                 const std::string &attributes) {
  return llvm::formatv(R"mlir(
func.func @f(%x: tensor<{0}f32>) -> tensor<{1}f32> {{
  %g = arith.constant dense<{2}> : tensor<f32>
  %xq = vsquant.dynamic_quantize %x{3} : tensor<{0}f32> -> {4}
  %k = {5}
  %y = vsquant.{6} %xq, %k {{{7}}
      : {4}, {8} -> tensor<{1}f32>
  return %y : tensor<{1}f32>
}
)mlir",
                       shapeText(xShape), shapeText(yShape),
                       llvm::formatv("{0:e9}", double(gamma)).str(),
                       x.scaleBits ? " coarse(%g : tensor<f32>)" : "",
                       qtensorText(xShape, x), filter, op, attributes, kType)
      .str();
}

inline uint32_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

struct Harness {
  mlir::DialectRegistry registry;
  std::unique_ptr<mlir::MLIRContext> context;
  Harness() {
    mlir::registerAllDialects(registry);
    mlir::registerAllExtensions(registry);
    vsquant::registerAllDialects(registry);
    context = std::make_unique<mlir::MLIRContext>(registry);
    context->loadAllAvailableDialects();
  }
};

/// Whether vsquant-tile-vectors takes the contraction (rather than falling
/// back to the reference lowering): its inner step is then dot_accumulate.
inline bool tiledKernelTakes(const std::string &ir, mlir::MLIRContext *ctx,
                             llvm::StringRef target) {
  auto module = mlir::parseSourceString<mlir::ModuleOp>(ir, ctx);
  mlir::PassManager pm(ctx);
  mlir::vsquant::VSQuantTileVectorsOptions options;
  options.target = target.str();
  pm.addPass(mlir::vsquant::createVSQuantTileVectors(options));
  if (!module || failed(pm.run(*module)))
    return false;
  bool found = false;
  module->walk([&](mlir::vsquant::DotAccumulateOp) { found = true; });
  return found;
}

/// Seeded random draws of the differential tests: shape / format choices
/// and signed values of exponentially distributed magnitude.
struct Draw {
  std::mt19937 rng;
  std::exponential_distribution<float> magnitude{4.0f};
  explicit Draw(unsigned seed) : rng(seed) {}
  int64_t pick(const std::vector<int64_t> &options) {
    return options[rng() % options.size()];
  }
  /// +-|Exp(4)|, times a random factor in [1, spread].
  float value(unsigned spread = 1) {
    float sign = rng() % 2 ? 1.0f : -1.0f;
    float m = magnitude(rng);
    return sign * m * float(spread > 1 ? 1 + rng() % spread : 1);
  }
};

/// The tiled code generators this CPU can run: AVX2, AVX-512 VNNI on one and
/// on two threads.
inline std::vector<runtime::CodegenOptions> tiledGenerators() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  std::vector<runtime::CodegenOptions> tiled;
  if (features.lookup("avx2"))
    tiled.push_back({"tiled", "avx2", 1});
  if (features.lookup("avx512vnni") && features.lookup("avx512bw")) {
    tiled.push_back({"tiled", "avx512vnni", 1});
    tiled.push_back({"tiled", "avx512vnni", 2, 0});
  }
  return tiled;
}

/// Compiles @f of `ir` with `generator`, runs it on `inputs` (one per
/// argument, in order) and returns its first result; a failure to parse or
/// compile is a test failure and returns nothing.
inline std::vector<float>
compileAndRun(Harness &harness, const std::string &ir,
              const runtime::CodegenOptions &generator,
              llvm::ArrayRef<std::vector<float>> inputs) {
  auto module = mlir::parseSourceString<mlir::ModuleOp>(ir, harness.context.get());
  EXPECT_TRUE(bool(module)) << ir;
  if (!module)
    return {};
  auto compiled = runtime::CompiledModel::compile(*module, "f", generator);
  if (!compiled) {
    ADD_FAILURE() << llvm::toString(compiled.takeError()) << "\n" << ir;
    return {};
  }
  for (size_t i = 0; i < inputs.size(); ++i)
    std::copy(inputs[i].begin(), inputs[i].end(),
              (*compiled)->inputs()[i].data.begin());
  (*compiled)->run();
  return (*compiled)->results()[0].data;
}

/// Runs @f of `ir` through the reference lowering and each of `tiled`: every
/// tiled output must have `elements` values, equal to the reference
/// lowering's bit for bit.
inline ::testing::AssertionResult
tiledMatchReference(Harness &harness, const std::string &ir,
                    llvm::ArrayRef<std::vector<float>> inputs,
                    llvm::ArrayRef<runtime::CodegenOptions> tiled,
                    size_t elements) {
  std::vector<float> expected =
      compileAndRun(harness, ir, {"reference", "none", 1}, inputs);
  if (expected.size() != elements)
    return ::testing::AssertionFailure()
           << "reference lowering: " << expected.size() << " outputs, not "
           << elements << "\n" << ir;
  for (const runtime::CodegenOptions &generator : tiled) {
    std::vector<float> y = compileAndRun(harness, ir, generator, inputs);
    std::string label = generator.kernels + "/" + generator.target + "/" +
                        std::to_string(generator.numThreads) + " threads\n";
    if (y.size() != elements)
      return ::testing::AssertionFailure()
             << label << y.size() << " outputs, not " << elements << "\n"
             << ir;
    for (size_t i = 0; i < elements; ++i)
      if (bitsOf(y[i]) != bitsOf(expected[i]))
        return ::testing::AssertionFailure()
               << "output element " << i << ": " << y[i] << " vs "
               << expected[i] << "\n"
               << label << ir;
  }
  return ::testing::AssertionSuccess();
}

} // namespace vsquant::testing

#endif // VSQUANT_UNITTESTS_RUNTIME_IRTEXT_H
