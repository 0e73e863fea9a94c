//===- CompiledModel.h - JIT-compile and run a tensor model -----*- C++ -*-===//
//
// A model function on static f32 tensors (linalg, TOSA or vsquant on
// tensors) lowered through vsquant's CPU pipeline and JIT-compiled with
// MLIR's ExecutionEngine. Calibration, evaluation and tests run models
// through it.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_RUNTIME_COMPILEDMODEL_H
#define VSQUANT_RUNTIME_COMPILEDMODEL_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace vsquant {
namespace runtime {

/// The entry function: `entry`, or the only public function when empty.
/// Its inputs and results must be statically shaped f32 tensors.
llvm::Expected<mlir::func::FuncOp> findEntryFunction(mlir::ModuleOp module,
                                                     llvm::StringRef entry);

/// Runs upstream's tosa-to-linalg (and tosa-to-arith) when `module` holds
/// TOSA ops; op locations carry over.
llvm::Error convertTosaToLinalg(mlir::ModuleOp module);

/// How vsquant contractions are compiled (vsquant-cpu-pipeline's options).
struct CodegenOptions {
  /// "tiled" (vsquant-tile-vectors) or "reference".
  std::string kernels = "tiled";
  /// "host", "avx512vnni", "avx2" or "none".
  std::string target = "host";
  /// Threads for the tiled kernels (> 1 runs tiles as OpenMP parallel loops).
  unsigned numThreads = 1;
  /// Fewer threads for a contraction with fewer multiply-accumulates than
  /// this per thread (0: always numThreads); see TileVectorsOptions.
  int64_t minMacsPerThread = int64_t(1) << 20;
  /// Move reduction loops of the remaining linalg ops outward (bit-identical
  /// results, vectorizable loops); false keeps upstream's plain
  /// linalg-to-loops order (a baseline for benchmarks).
  bool moveReductionsOutward = true;
  /// Allocate buffers through finalize-memref-to-llvm's generic functions
  /// (the program must define them) instead of malloc / free. CompiledModel
  /// always does, binding them to its buffer pool (BufferPool.h).
  bool genericAllocation = false;
  /// Software prefetch of the tiled kernels' packed weights, bytes ahead,
  /// and of their scales as many vectors ahead (0: never; -1:
  /// vsquant-tile-vectors' default, 4-bit GEMV weights).
  int64_t prefetchDistance = -1;
};

/// Lowers `module` in place to the LLVM dialect for the CPU: TOSA through
/// tosa-to-linalg, vsquant through vsquant-tile-vectors (or the reference
/// lowering), reduction loops of the remaining linalg moved outward
/// (bit-identical results, vectorizable loops), then bufferization with
/// results as out-parameters. The entry gets a C interface,
/// `_mlir_ciface_<entry>(inputs..., outputs...)`, each argument a pointer to
/// a memref descriptor; it never writes its inputs.
llvm::Error lowerModelToLLVM(mlir::ModuleOp module, llvm::StringRef entry,
                             const CodegenOptions &options = {});

/// One f32 tensor the JIT reads or writes, with its memref descriptor.
struct TensorBuffer {
  std::vector<int64_t> shape;
  std::vector<float> data;
  explicit TensorBuffer(llvm::ArrayRef<int64_t> shape);
  TensorBuffer(const TensorBuffer &) = delete;
  TensorBuffer(TensorBuffer &&) = default;

  std::vector<int64_t> descriptor;
  void *descriptorPointer = nullptr;
};

/// Reads a .npy file (float32 or float16) into model input `index`,
/// checking shape, dtype and finiteness; errors name the file.
llvm::Error loadInput(llvm::StringRef path, TensorBuffer &into,
                      unsigned index);

/// Fails when result `index` holds a NaN or Inf, naming the first one and
/// how many there are: finite inputs gave a non-finite output, so the model
/// overflowed fp32 on them (SPEC.md's formulas, like fp32 arithmetic, give
/// Inf past FLT_MAX and NaN for Inf - Inf or Inf * 0).
llvm::Error checkFiniteResult(const TensorBuffer &result, unsigned index);

class CompiledModel {
public:
  /// Lowers `module` in place (pass a copy) and JIT-compiles its entry.
  /// TOSA goes through tosa-to-linalg, vsquant through
  /// convert-vsquant-to-linalg; reduction loops are moved outward (results
  /// are bit-identical) so the loops vectorize.
  static llvm::Expected<std::unique_ptr<CompiledModel>>
  compile(mlir::ModuleOp module, llvm::StringRef entry,
          const CodegenOptions &options = {});
  ~CompiledModel();

  std::vector<TensorBuffer> &inputs() { return inputBuffers; }
  const std::vector<TensorBuffer> &results() const { return resultBuffers; }
  /// Runs the model on the input buffers into the result buffers.
  void run();

private:
  CompiledModel();
  std::unique_ptr<mlir::ExecutionEngine> engine;
  void (*function)(void **) = nullptr;
  std::vector<TensorBuffer> inputBuffers, resultBuffers;
  std::vector<void *> arguments;
};

} // namespace runtime
} // namespace vsquant

#endif // VSQUANT_RUNTIME_COMPILEDMODEL_H
