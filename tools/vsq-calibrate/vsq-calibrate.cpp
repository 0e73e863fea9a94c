//===- vsq-calibrate.cpp - Calibrate a float model on real inputs ---------===//
//
//   vsq-calibrate model.mlir --inputs=samples/ -o table.json
//       [--entry=fn] [--vector-size=16] [--save-outputs=dir]
//
// Runs the float model (linalg on tensors) on every sample through LLVM's JIT
// and writes the calibration table vsquant-quantize reads
// (`calibration=table.json`). docs/Calibration.md describes the table.
//
//===----------------------------------------------------------------------===//

#include "vsquant/Calibration/Calibrator.h"

#include "vsquant/Runtime/ModelFile.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

using namespace llvm;

static cl::OptionCategory category("vsq-calibrate options");
static cl::opt<std::string> modelPath(cl::Positional, cl::Required,
                                      cl::desc("<float model .mlir>"),
                                      cl::cat(category));
static cl::list<std::string>
    inputs("inputs", cl::OneOrMore, cl::CommaSeparated,
           cl::desc(".npy files or directories of them (one file per model "
                    "input per sample; <sample>.in<k>.npy for several inputs)"),
           cl::cat(category));
static cl::opt<std::string> outputPath("o", cl::Required,
                                       cl::desc("Calibration table to write"),
                                       cl::value_desc("table.json"),
                                       cl::cat(category));
static cl::opt<std::string> entry("entry",
                                  cl::desc("Entry function (default: the only "
                                           "public function)"),
                                  cl::cat(category));
static cl::opt<int64_t>
    vectorSize("vector-size", cl::init(16),
               cl::desc("Vector size V of the per-vector scale statistics"),
               cl::cat(category));
static cl::opt<std::string>
    saveOutputs("save-outputs",
                cl::desc("Write the float model's outputs per sample here"),
                cl::value_desc("dir"), cl::cat(category));
static cl::opt<bool> quiet("quiet", cl::desc("No progress on stderr"),
                           cl::cat(category));

static int error(const Twine &message) {
  WithColor::error(errs(), "vsq-calibrate") << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "vsquant calibration driver: runs a float model "
                              "on real inputs and writes a calibration table\n");

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

  vsquant::calib::CalibrateOptions options;
  options.entry = entry;
  options.vectorSize = vectorSize;
  options.outputsDirectory = saveOutputs;
  bool terminal = errs().is_displayed();
  int64_t lastReported = -1;
  if (!quiet)
    options.progress = [&](const vsquant::calib::Progress &p) {
      // A live line on a terminal; every 10% otherwise (logs stay short).
      int64_t tenth = p.done * 10 / p.total;
      if (!terminal && tenth == lastReported && p.done != p.total)
        return;
      lastReported = p.done == p.total ? -1 : tenth;
      errs() << (terminal ? "\r" : "")
             << formatv("calibrating: pass {0}/2 ({1}), sample {2}/{3}, "
                        "{4:f1} samples/s",
                        p.pass, p.pass == 1 ? "ranges" : "histograms", p.done,
                        p.total, p.seconds > 0 ? (p.done + (p.pass - 1) * p.total) / p.seconds : 0.0)
             << (terminal && p.done != p.total ? "" : "\n");
    };
  auto table = vsquant::calib::calibrate(*model, *samples, options);
  if (!table)
    return error(toString(table.takeError()));
  if (Error e = vsquant::quant::writeCalibrationTable(*table, outputPath))
    return error(toString(std::move(e)));
  if (!quiet)
    errs() << formatv("wrote {0}: {1} activations, {2} samples\n", outputPath,
                      table->tensors.size(), table->samples);
  return 0;
}
