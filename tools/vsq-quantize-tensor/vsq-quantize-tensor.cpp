//===- vsq-quantize-tensor.cpp - quantize one .npy tensor -------*- C++ -*-===//
//
// Quantizes one tensor with any format and method and writes the integer
// values, the scales and the coarse scales as .npy files, plus a one-line
// JSON summary on stdout. Researchers use it to study a format before
// compiling; tests use it to pin numerics.
//
//===----------------------------------------------------------------------===//

#include "vsquant/Quant/Quantizer.h"
#include "vsquant/Support/Npy.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

#include <cmath>

using namespace llvm;
namespace q = vsquant::quant;

static cl::OptionCategory category("Quantization options");
static cl::opt<std::string> inputPath(cl::Positional, cl::Required,
                                      cl::desc("<input.npy>"),
                                      cl::cat(category));
static cl::opt<std::string>
    outputPrefix("o", cl::desc("Output prefix: writes <prefix>.values.npy, "
                               "<prefix>.scales.npy and, for two-level "
                               "scales, <prefix>.coarse.npy"),
                 cl::value_desc("prefix"), cl::cat(category));
static cl::opt<std::string> elementType("elem",
                                        cl::desc("si2..si8 or ui2..ui8"),
                                        cl::init("si4"), cl::cat(category));
static cl::opt<std::string>
    granularity("granularity", cl::desc("vector, channel or tensor"),
                cl::init("vector"), cl::cat(category));
static cl::opt<int64_t> axis("axis",
                             cl::desc("Vector axis, or channel axis"),
                             cl::init(-1), cl::cat(category));
static cl::opt<int64_t> vectorSize("vector-size", cl::desc("V"), cl::init(16),
                                   cl::cat(category));
static cl::opt<std::string>
    scale("scale", cl::desc("f32 (single level) or ui<M> (two level)"),
          cl::init("f32"), cl::cat(category));
static cl::opt<int64_t>
    coarseAxis("coarse-axis",
               cl::desc("Axis of per-channel coarse scales (-1: per tensor)"),
               cl::init(-1), cl::cat(category));
static cl::opt<std::string> method("method",
                                   cl::desc("max, percentile, mse, octav or "
                                            "entropy"),
                                   cl::init("max"), cl::cat(category));
static cl::opt<double> percentile("percentile", cl::desc("p of percentile"),
                                  cl::init(99.99), cl::cat(category));
static cl::opt<int64_t> mseGrid("mse-grid", cl::desc("G of mse"),
                                cl::init(100), cl::cat(category));
static cl::opt<std::string> rounding("round", cl::desc("rne or rna"),
                                     cl::init("rne"), cl::cat(category));
static cl::opt<std::string> scaleRound("scale-round",
                                       cl::desc("ceil or nearest"),
                                       cl::init("ceil"), cl::cat(category));
static cl::opt<unsigned> threads("num-threads",
                                 cl::desc("Worker threads (0: all cores)"),
                                 cl::init(0), cl::cat(category));

static int fail(const Twine &message) {
  WithColor::error(errs(), "vsq-quantize-tensor") << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "Quantize one .npy tensor (SPEC.md numerics)\n");

  q::TensorFormat format;
  StringRef elem = elementType;
  unsigned bits = 0;
  if (!(elem.consume_front("si") || elem.consume_front("ui")) ||
      elem.getAsInteger(10, bits))
    return fail("--elem must be si2..si8 or ui2..ui8, got '" + elementType +
                "'");
  format.element.bits = bits;
  format.element.isSigned = StringRef(elementType).starts_with("si");
  if (granularity == "vector")
    format.granularity = q::Granularity::PerVector;
  else if (granularity == "channel")
    format.granularity = q::Granularity::PerChannel;
  else if (granularity == "tensor")
    format.granularity = q::Granularity::PerTensor;
  else
    return fail("--granularity must be vector, channel or tensor, got '" +
                granularity + "'");
  format.vectorSize = vectorSize;
  StringRef scaleText = scale;
  if (scaleText == "f32")
    format.scaleBits = 0;
  else if (!scaleText.consume_front("ui") ||
           scaleText.getAsInteger(10, format.scaleBits))
    return fail("--scale must be f32 or ui<M>, got '" + scale + "'");
  format.coarseAxis = coarseAxis;
  if (rounding == "rne")
    format.rounding = q::Rounding::HalfToEven;
  else if (rounding == "rna")
    format.rounding = q::Rounding::HalfAwayFromZero;
  else
    return fail("--round must be rne or rna, got '" + rounding + "'");
  if (scaleRound == "ceil")
    format.scaleRounding = q::ScaleRounding::Ceil;
  else if (scaleRound == "nearest")
    format.scaleRounding = q::ScaleRounding::Nearest;
  else
    return fail("--scale-round must be ceil or nearest, got '" + scaleRound +
                "'");
  q::CalibrationOptions calibration;
  if (method == "max")
    calibration.method = q::Method::Max;
  else if (method == "percentile")
    calibration.method = q::Method::Percentile;
  else if (method == "mse")
    calibration.method = q::Method::MSE;
  else if (method == "octav")
    calibration.method = q::Method::OCTAV;
  else if (method == "entropy")
    calibration.method = q::Method::Entropy;
  else
    return fail("--method must be max, percentile, mse, octav or entropy, "
                "got '" +
                method + "'");
  calibration.percentile = percentile;
  calibration.mseGridPoints = mseGrid;

  Expected<vsquant::NpyArray> input = vsquant::readNpy(inputPath);
  if (!input)
    return fail(toString(input.takeError()));
  // The default axis is the last one (the reduction axis of x @ W^T rows).
  if (axis < 0)
    format.axis = input->shape.empty() ? 0 : int64_t(input->shape.size()) - 1;
  else
    format.axis = axis;
  if (format.granularity == q::Granularity::PerTensor)
    format.axis = 0;

  DefaultThreadPool pool(threads ? hardware_concurrency(threads)
                                 : hardware_concurrency());
  Expected<q::QuantizedTensor> quantized = q::quantizeTensor(
      input->data, input->shape, format, calibration, &pool);
  if (!quantized)
    return fail(inputPath + ": " + toString(quantized.takeError()));
  std::vector<float> xhat =
      q::dequantizeTensor(*quantized, input->shape, format);
  double sqnr = q::sqnrDb(input->data, xhat);

  if (!outputPrefix.empty()) {
    // Every file goes through a temporary and is kept only when all were
    // written: never a partial set of outputs.
    std::vector<std::unique_ptr<ToolOutputFile>> files;
    auto write = [&](StringRef suffix, StringRef dtype,
                     ArrayRef<int64_t> shape, ArrayRef<char> data) {
      std::error_code ec;
      auto file = std::make_unique<ToolOutputFile>(
          (outputPrefix + suffix).str(), ec, sys::fs::OF_None);
      if (ec)
        return false;
      file->os() << vsquant::serializeNpy(dtype, shape, data);
      files.push_back(std::move(file));
      return true;
    };
    const q::QuantizedTensor &t = *quantized;
    bool ok;
    if (format.element.isSigned) {
      std::vector<int8_t> v(t.values.begin(), t.values.end());
      ok = write(".values.npy", "|i1", input->shape,
                 ArrayRef<char>((const char *)v.data(), v.size()));
    } else {
      std::vector<uint8_t> v(t.values.begin(), t.values.end());
      ok = write(".values.npy", "|u1", input->shape,
                 ArrayRef<char>((const char *)v.data(), v.size()));
    }
    if (ok && format.scaleBits)
      ok = write(".scales.npy", "<u2", t.scaleShape,
                 ArrayRef<char>((const char *)t.integerScales.data(),
                                t.integerScales.size() * 2)) &&
           write(".coarse.npy", "<f4", t.coarseShape,
                 ArrayRef<char>((const char *)t.coarse.data(),
                                t.coarse.size() * 4));
    else if (ok)
      ok = write(".scales.npy", "<f4", t.scaleShape,
                 ArrayRef<char>((const char *)t.scales.data(),
                                t.scales.size() * 4));
    if (!ok)
      return fail("cannot write outputs with prefix '" + outputPrefix + "'");
    for (auto &file : files)
      file->keep();
  }

  json::Array shape;
  for (int64_t d : input->shape)
    shape.push_back(d);
  json::Object summary{
      {"input", inputPath},
      {"shape", std::move(shape)},
      {"method", method},
      {"bits_per_element", q::bitsPerElement(input->shape, format)},
      {"sqnr_db", std::isfinite(sqnr) ? json::Value(sqnr) : json::Value(nullptr)},
      {"cosine", q::cosineSimilarity(input->data, xhat)}};
  outs() << formatv("{0}", json::Value(std::move(summary))) << "\n";
  return 0;
}
