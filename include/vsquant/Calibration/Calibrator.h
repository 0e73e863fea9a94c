//===- Calibrator.h - Run a float model on data, collect statistics -*- C++ -*-===//
//
// The calibration driver: instruments every activation that feeds an op
// vsquant-quantize would rewrite, JIT-compiles the float model through LLVM
// (MLIR's ExecutionEngine), runs it on every sample and accumulates
// quant::TensorStatistics per activation into a calibration table.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_CALIBRATION_CALIBRATOR_H
#define VSQUANT_CALIBRATION_CALIBRATOR_H

#include "vsquant/Quant/Statistics.h"

#include "mlir/IR/BuiltinOps.h"

#include <functional>

namespace vsquant {
namespace calib {

/// One calibration sample: one .npy file per model input.
struct Sample {
  std::string name;
  std::vector<std::string> inputs;
};

/// Groups .npy files into samples. Each path is a file or a directory (its
/// *.npy files, sorted by name). A model with one input takes every file as
/// a sample; with N > 1 inputs files must be named `<sample>.in<k>.npy`,
/// k = 0..N-1, and every sample needs all N.
llvm::Expected<std::vector<Sample>>
collectSamples(llvm::ArrayRef<std::string> paths, unsigned numInputs);

struct Progress {
  /// 1: ranges (max, moments); 2: histograms.
  int pass = 1;
  int64_t done = 0, total = 0;
  double seconds = 0;
};

struct CalibrateOptions {
  /// Entry function; empty: the module's only public function.
  std::string entry;
  int64_t vectorSize = 16;
  /// When set, the float model's outputs per sample are written here as
  /// `<sample>.out<k>.npy` (for comparing the quantized model later).
  std::string outputsDirectory;
  std::function<void(const Progress &)> progress;
};

/// The number of inputs of the entry function (for collectSamples).
llvm::Expected<unsigned> countInputs(mlir::ModuleOp model,
                                     llvm::StringRef entry);

/// Calibrates `model` (linalg on tensors, f32) on `samples`. The model is
/// not modified. Errors name the sample, file or tensor at fault.
llvm::Expected<quant::CalibrationTable>
calibrate(mlir::ModuleOp model, llvm::ArrayRef<Sample> samples,
          const CalibrateOptions &options);

} // namespace calib
} // namespace vsquant

#endif // VSQUANT_CALIBRATION_CALIBRATOR_H
