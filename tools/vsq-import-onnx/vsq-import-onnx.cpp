//===- vsq-import-onnx.cpp - ONNX model to linalg on tensors --------------===//
//
//   vsq-import-onnx model.onnx -o model.mlir [--input-shape=x:1,3,48,320]
//
// Writes one func.func on static f32 tensors (linalg, tensor, arith, math)
// that vsq-calibrate, vsq-eval, vsq-compile and vsquant-quantize take.
// Nothing is written unless the whole import succeeds.
//
//===----------------------------------------------------------------------===//

#include "vsquant/Import/OnnxImporter.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace llvm;
namespace onnx_import = vsquant::onnx_import;

static cl::OptionCategory category("vsq-import-onnx options");
static cl::opt<std::string> inputPath(cl::Positional, cl::Required,
                                      cl::desc("<model.onnx>"),
                                      cl::cat(category));
static cl::opt<std::string> outputPath("o", cl::init("-"),
                                       cl::desc("Output .mlir (default: "
                                                "stdout)"),
                                       cl::value_desc("file"),
                                       cl::cat(category));
static cl::list<std::string> inputShapes(
    "input-shape",
    cl::desc("Static shape of a graph input, name:d0,d1,... (repeatable)"),
    cl::value_desc("name:dims"), cl::cat(category));
static cl::opt<int64_t> resourceThreshold(
    "resource-threshold", cl::init(64),
    cl::desc("Constants with more elements are written as dense_resource"),
    cl::cat(category));
static cl::opt<std::string> functionName("function",
                                         cl::init("main"),
                                         cl::desc("Name of the emitted "
                                                  "function"),
                                         cl::cat(category));
static cl::opt<bool> foldBatchNorm(
    "fold-batchnorm", cl::init(true),
    cl::desc("Fold a BatchNormalization into the Conv it alone follows "
             "(default on; =false keeps it as a per-channel multiply-add)"),
    cl::cat(category));
static cl::opt<bool> listOps("list-supported-ops",
                             cl::desc("Print the supported operators and "
                                      "exit"),
                             cl::cat(category));
static cl::opt<bool> timing("time", cl::desc("Print the import time on "
                                             "stderr"),
                            cl::cat(category));

static int error(const Twine &message) {
  WithColor::error(errs(), "vsq-import-onnx") << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  // --list-supported-ops needs no model; the positional stays required
  // otherwise.
  for (int k = 1; k < argc; ++k)
    if (StringRef(argv[k]) == "--list-supported-ops") {
      for (const std::string &op : onnx_import::supportedOperators())
        outs() << op << "\n";
      return 0;
    }
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "vsquant ONNX importer: ONNX model to linalg "
                              "on static f32 tensors\n");
  onnx_import::ImportOptions options;
  options.resourceThreshold = resourceThreshold;
  options.functionName = functionName;
  options.foldBatchNorm = foldBatchNorm;
  for (const std::string &spec : inputShapes)
    if (Error e = onnx_import::parseInputShape(spec, options))
      return error(toString(std::move(e)));

  auto start = std::chrono::steady_clock::now();
  mlir::MLIRContext context;
  auto module = onnx_import::importOnnxFile(inputPath, context, options);
  if (!module)
    return error(toString(module.takeError()));
  if (Error e = writeToOutput(outputPath, [&](raw_ostream &os) {
        (*module)->print(os, mlir::OpPrintingFlags().enableDebugInfo(
                                 /*enable=*/true, /*prettyForm=*/false));
        os << "\n";
        return Error::success();
      }))
    return error("cannot write '" + outputPath + "': " + toString(std::move(e)));
  if (timing)
    errs() << formatv("import: {0:f3} s\n",
                      std::chrono::duration<double>(
                          std::chrono::steady_clock::now() - start)
                          .count());
  return 0;
}
