//===- vsq-eval.cpp - Quantized model against float, on real inputs -------===//
//
//   vsq-eval model.mlir --inputs=samples/ [--quantize="<vsquant-quantize
//       options>"] [--json=report.json]
//
// Compiles the float model and its vsquant-quantize'd version for this CPU
// (vsquant-cpu-pipeline, JIT), runs both on every sample and reports the
// quantized outputs' SQNR and cosine similarity against float, and the run
// time of each path measured in the same run.
//
//===----------------------------------------------------------------------===//

#include "vsquant/Calibration/Calibrator.h"
#include "vsquant/InitAll.h"
#include "vsquant/Quant/Quantizer.h"
#include "vsquant/Runtime/CodegenFlags.h"
#include "vsquant/Runtime/CompiledModel.h"
#include "vsquant/Support/Npy.h"

#include "vsquant/Runtime/ModelFile.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/InitAllPasses.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

#include <chrono>
#include <cmath>

using namespace llvm;
namespace runtime = vsquant::runtime;

static cl::OptionCategory category("vsq-eval options");
static cl::opt<std::string> modelPath(cl::Positional, cl::Required,
                                      cl::desc("<float model .mlir>"),
                                      cl::cat(category));
static cl::list<std::string>
    inputs("inputs", cl::OneOrMore, cl::CommaSeparated,
           cl::desc(".npy files or directories (as vsq-calibrate takes)"),
           cl::cat(category));
static cl::opt<std::string>
    quantizeOptions("quantize", cl::init(""),
                    cl::desc("Options of vsquant-quantize, e.g. "
                             "\"weight-type=si4 calibration=table.json\""),
                    cl::cat(category));
static cl::opt<std::string> entry("entry", cl::desc("Entry function"),
                                  cl::cat(category));
static cl::opt<std::string> jsonPath("json",
                                     cl::desc("Write the report as JSON here"),
                                     cl::cat(category));
static cl::opt<std::string> saveOutputs(
    "save-outputs",
    cl::desc("Write the quantized model's outputs per sample here as "
             "<sample>.out<k>.npy"),
    cl::value_desc("dir"), cl::cat(category));
static cl::opt<int> repeat("repeat", cl::init(3),
                           cl::desc("Timed runs per sample and path"),
                           cl::cat(category));
static vsquant::runtime::CodegenFlags codegenFlags(category);

static int error(const Twine &message) {
  WithColor::error(errs(), "vsq-eval") << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerAllPasses();
  vsquant::registerAllPasses();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "vsquant evaluation: quantized model against "
                              "float on real inputs, accuracy and speed\n");
  if (repeat < 1)
    return error("--repeat must be at least 1");

  std::unique_ptr<mlir::MLIRContext> context =
      vsquant::runtime::createModelContext();
  SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, context.get());
  auto parsed =
      vsquant::runtime::parseModelFile(modelPath, sourceMgr, context.get());
  if (!parsed)
    return error(toString(parsed.takeError()));
  mlir::OwningOpRef<mlir::ModuleOp> model = std::move(*parsed);

  Expected<unsigned> numInputs = vsquant::calib::countInputs(*model, entry);
  if (!numInputs)
    return error(toString(numInputs.takeError()));
  std::vector<std::string> paths(inputs.begin(), inputs.end());
  auto samples = vsquant::calib::collectSamples(paths, *numInputs);
  if (!samples)
    return error(toString(samples.takeError()));
  if (!saveOutputs.empty())
    if (std::error_code ec = sys::fs::create_directories(saveOutputs))
      return error("cannot create '" + saveOutputs + "': " + ec.message());

  // The float path and the quantized path, compiled the same way.
  mlir::OwningOpRef<mlir::ModuleOp> floatModule(
      cast<mlir::ModuleOp>((*model)->clone()));
  auto floatModel = runtime::CompiledModel::compile(*floatModule, entry);
  if (!floatModel)
    return error("float model: " + toString(floatModel.takeError()));
  mlir::OwningOpRef<mlir::ModuleOp> quantModule(
      cast<mlir::ModuleOp>((*model)->clone()));
  if (Error e = vsquant::runtime::runQuantizePass(*quantModule, quantizeOptions))
    return error(toString(std::move(e)));
  runtime::CodegenOptions codegen = codegenFlags.options();
  auto quantModel =
      runtime::CompiledModel::compile(*quantModule, entry, codegen);
  if (!quantModel)
    return error("quantized model: " + toString(quantModel.takeError()));

  size_t numResults = (*floatModel)->results().size();
  std::vector<std::vector<double>> sqnr(numResults), cosine(numResults);
  double floatSeconds = 0, quantSeconds = 0;
  auto timeRuns = [&](runtime::CompiledModel &m) {
    auto start = std::chrono::steady_clock::now();
    for (int r = 0; r < repeat; ++r)
      m.run();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };
  bool warm = false;
  for (const vsquant::calib::Sample &sample : *samples) {
    for (unsigned k = 0; k < *numInputs; ++k) {
      for (runtime::CompiledModel *m : {floatModel->get(), quantModel->get()})
        if (Error e = runtime::loadInput(sample.inputs[k], m->inputs()[k], k))
          return error("sample '" + sample.name + "': " +
                       toString(std::move(e)));
    }
    // Untimed first runs: they page-fault each model's buffers in (reused
    // by every later run).
    if (!warm) {
      (*floatModel)->run();
      (*quantModel)->run();
      warm = true;
    }
    // Interleaved, so both paths see the same machine load.
    floatSeconds += timeRuns(**floatModel);
    quantSeconds += timeRuns(**quantModel);
    if (!saveOutputs.empty())
      for (size_t r = 0; r < numResults; ++r) {
        const runtime::TensorBuffer &out = (*quantModel)->results()[r];
        SmallString<256> path(saveOutputs);
        sys::path::append(path, sample.name + ".out" + std::to_string(r) +
                                    ".npy");
        if (Error e = vsquant::writeNpyF32(path, out.shape, out.data))
          return error(toString(std::move(e)));
      }
    // SQNR and cosine are undefined on NaN / Inf outputs.
    for (size_t r = 0; r < numResults; ++r)
      for (auto [model, name] : {std::pair(floatModel->get(), "float"),
                                 std::pair(quantModel->get(), "quantized")})
        if (Error e = runtime::checkFiniteResult(model->results()[r], r))
          return error("sample '" + sample.name + "': " + name + " model " +
                       toString(std::move(e)));
    for (size_t r = 0; r < numResults; ++r) {
      const auto &x = (*floatModel)->results()[r].data;
      const auto &y = (*quantModel)->results()[r].data;
      sqnr[r].push_back(vsquant::quant::sqnrDb(x, y));
      cosine[r].push_back(vsquant::quant::cosineSimilarity(x, y));
    }
  }

  auto mean = [](const std::vector<double> &v) {
    double s = 0;
    for (double x : v)
      s += x;
    return v.empty() ? 0.0 : s / v.size();
  };
  auto minimum = [](const std::vector<double> &v) {
    double m = INFINITY;
    for (double x : v)
      m = std::min(m, x);
    return m;
  };
  size_t runs = samples->size() * repeat;
  outs() << formatv("{0} samples, quantize options: \"{1}\"\n",
                    samples->size(), quantizeOptions);
  outs() << formatv("{0,-8} {1,14} {2,14} {3,12}\n", "output", "mean SQNR dB",
                    "min SQNR dB", "mean cosine");
  json::Array outputs;
  for (size_t r = 0; r < numResults; ++r) {
    outs() << formatv("{0,-8} {1,14:f2} {2,14:f2} {3,12:f6}\n", r,
                      mean(sqnr[r]), minimum(sqnr[r]), mean(cosine[r]));
    auto finite = [](double v) -> json::Value {
      return std::isfinite(v) ? json::Value(v) : json::Value(nullptr);
    };
    outputs.push_back(json::Object{{"mean_sqnr_db", finite(mean(sqnr[r]))},
                                   {"min_sqnr_db", finite(minimum(sqnr[r]))},
                                   {"mean_cosine", mean(cosine[r])}});
  }
  double floatMs = 1e3 * floatSeconds / runs, quantMs = 1e3 * quantSeconds / runs;
  outs() << formatv("time per run: float {0:f3} ms, quantized {1:f3} ms "
                    "(float / quantized = {2:f2}x; {3} kernels, {4}, {5} "
                    "thread(s))\n",
                    floatMs, quantMs, floatMs / quantMs, codegen.kernels, codegen.target,
                    codegen.numThreads);
  if (!jsonPath.empty()) {
    json::Value report(json::Object{{"version", 1},
                                    {"samples", int64_t(samples->size())},
                                    {"quantize_options", quantizeOptions},
                                    {"outputs", std::move(outputs)},
                                    {"float_ms_per_run", floatMs},
                                    {"quantized_ms_per_run", quantMs}});
    if (Error e = writeToOutput(jsonPath, [&](raw_ostream &os) {
          os << formatv("{0:2}", report) << "\n";
          return Error::success();
        }))
      return error("cannot write the report: " + toString(std::move(e)));
  }
  return 0;
}
