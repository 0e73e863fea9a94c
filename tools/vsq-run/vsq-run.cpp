//===- vsq-run.cpp - Run a model on .npy inputs, write its outputs --------===//
//
//   vsq-run model.mlir --inputs=samples/ -o outputs/ [--repeat=N]
//           [--num-threads=N] [--kernels=tiled|reference] [--kernel-isa=...]
//
// JIT-compiles the model as it is (float, or already quantized) with the
// CPU pipeline every vsquant tool uses and writes each sample's outputs as
// <sample>.out<k>.npy: for comparing against a reference runtime. Prints
// the compile time, the first run's time (it page-faults the model's
// buffers in; they are reused afterwards) and the time per run of the
// others (mean and best).
//
//===----------------------------------------------------------------------===//

#include "vsquant/Calibration/Calibrator.h"
#include "vsquant/InitAll.h"
#include "vsquant/Runtime/CodegenFlags.h"
#include "vsquant/Runtime/CompiledModel.h"
#include "vsquant/Runtime/ModelFile.h"
#include "vsquant/Support/Npy.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

#include <algorithm>
#include <chrono>

using namespace llvm;
namespace runtime = vsquant::runtime;

static cl::OptionCategory category("vsq-run options");
static cl::opt<std::string> modelPath(cl::Positional, cl::Required,
                                      cl::desc("<model .mlir>"),
                                      cl::cat(category));
static cl::list<std::string>
    inputs("inputs", cl::OneOrMore, cl::CommaSeparated,
           cl::desc(".npy files or directories (as vsq-calibrate takes)"),
           cl::cat(category));
static cl::opt<std::string> outputDir("o", cl::Required,
                                      cl::desc("Directory for the outputs"),
                                      cl::value_desc("dir"), cl::cat(category));
static cl::opt<std::string> entry("entry", cl::desc("Entry function"),
                                  cl::cat(category));
static cl::opt<int> repeat("repeat", cl::init(1),
                           cl::desc("Timed runs per sample"),
                           cl::cat(category));
static runtime::CodegenFlags codegenFlags(category);

static int error(const Twine &message) {
  WithColor::error(errs(), "vsq-run") << message << "\n";
  return 1;
}

static double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start)
      .count();
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "vsquant: run a model on .npy inputs\n");
  if (repeat < 1)
    return error("--repeat must be at least 1");
  std::unique_ptr<mlir::MLIRContext> context = runtime::createModelContext();
  SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, context.get());
  auto start = std::chrono::steady_clock::now();
  auto parsed = runtime::parseModelFile(modelPath, sourceMgr, context.get());
  if (!parsed)
    return error(toString(parsed.takeError()));
  Expected<unsigned> numInputs = vsquant::calib::countInputs(**parsed, entry);
  if (!numInputs)
    return error(toString(numInputs.takeError()));
  std::vector<std::string> paths(inputs.begin(), inputs.end());
  auto samples = vsquant::calib::collectSamples(paths, *numInputs);
  if (!samples)
    return error(toString(samples.takeError()));
  auto model =
      runtime::CompiledModel::compile(**parsed, entry, codegenFlags.options());
  if (!model)
    return error(toString(model.takeError()));
  double compileSeconds = secondsSince(start);
  if (std::error_code ec = sys::fs::create_directories(outputDir))
    return error("cannot create '" + outputDir + "': " + ec.message());
  // Mean and best: on a shared machine the best run is the one least
  // disturbed by the neighbours.
  double runSeconds = 0, bestSeconds = 1e30, firstSeconds = -1;
  for (const vsquant::calib::Sample &sample : *samples) {
    for (unsigned k = 0; k < *numInputs; ++k)
      if (Error e = runtime::loadInput(sample.inputs[k], (*model)->inputs()[k],
                                       k))
        return error("sample '" + sample.name + "': " +
                     toString(std::move(e)));
    if (firstSeconds < 0) {
      auto runStart = std::chrono::steady_clock::now();
      (*model)->run();
      firstSeconds = secondsSince(runStart);
    }
    for (int r = 0; r < repeat; ++r) {
      auto runStart = std::chrono::steady_clock::now();
      (*model)->run();
      double seconds = secondsSince(runStart);
      runSeconds += seconds;
      bestSeconds = std::min(bestSeconds, seconds);
    }
    for (size_t r = 0; r < (*model)->results().size(); ++r) {
      const runtime::TensorBuffer &out = (*model)->results()[r];
      SmallString<256> path(outputDir);
      sys::path::append(path, sample.name + ".out" + std::to_string(r) +
                                  ".npy");
      if (Error e = vsquant::writeNpyF32(path, out.shape, out.data))
        return error(toString(std::move(e)));
      // Written as computed, but never silently.
      if (Error e = runtime::checkFiniteResult(out, r))
        WithColor::warning(errs(), "vsq-run")
            << "sample '" << sample.name << "': " << toString(std::move(e))
            << "\n";
    }
  }
  outs() << formatv("{0} samples; compile {1:f2} s; first run {2:f3} ms; "
                    "{3:f3} ms per run (best {4:f3} ms)\n",
                    samples->size(), compileSeconds, 1e3 * firstSeconds,
                    1e3 * runSeconds / (samples->size() * repeat),
                    1e3 * bestSeconds);
  return 0;
}
