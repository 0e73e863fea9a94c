//===- Passes.h - vsquant conversion passes ---------------------*- C++ -*-===//

#ifndef VSQUANT_CONVERSION_PASSES_H
#define VSQUANT_CONVERSION_PASSES_H

#include "vsquant/Conversion/VSQuantToLinalg/VSQuantToLinalg.h"
#include "vsquant/Conversion/VSQuantToLLVM/DotToLLVM.h"
#include "vsquant/Conversion/VSQuantToLLVM/OutlineLoopNests.h"
#include "vsquant/Conversion/VSQuantToVector/TileVectors.h"

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace vsquant {

#define GEN_PASS_DECL
#include "vsquant/Conversion/Passes.h.inc"

/// bufferization and lowering of linalg on tensors to the LLVM dialect, the
/// tail every vsquant CPU pipeline (and the calibration JIT) shares. With
/// `numThreads` > 1, `scf.parallel` loops become OpenMP parallel loops of
/// that many threads (the program then needs LLVM's libomp).
/// vsquant.dot_accumulate ops of tiled kernels become `target`'s
/// instructions (see parseDotProductISA). `genericAllocation`: buffers are
/// allocated through `_mlir_memref_to_llvm_alloc` / `_aligned_alloc` /
/// `_free` (finalize-memref-to-llvm's generic functions), which the program
/// must provide (vsquant's JIT binds them to its buffer pool), instead of
/// malloc / free.
void buildLinalgToLLVMPipeline(OpPassManager &pm, unsigned numThreads = 1,
                               StringRef target = "host",
                               bool genericAllocation = false);

/// `vsquant-cpu-pipeline`: vsquant (or plain linalg) on tensors to the LLVM
/// dialect. `kernels`: "tiled" or "reference"; `target`: see
/// parseDotProductISA; `moveReductionsOutward` false keeps upstream's loop
/// order (a benchmark baseline); `genericAllocation`: see
/// buildLinalgToLLVMPipeline; `prefetchDistance`: vsquant-tile-vectors'
/// prefetch-distance (-1: its default). Bad values go to `errorHandler`.
LogicalResult
buildCPUPipeline(OpPassManager &pm, StringRef kernels, StringRef target,
                 unsigned numThreads, int64_t minMacsPerThread,
                 function_ref<LogicalResult(const Twine &)> errorHandler,
                 bool moveReductionsOutward = true,
                 bool genericAllocation = false,
                 int64_t prefetchDistance = -1);

/// Registers `vsquant-cpu-pipeline`.
void registerVSQuantConversionPipelines();

#define GEN_PASS_REGISTRATION
#include "vsquant/Conversion/Passes.h.inc"

} // namespace vsquant
} // namespace mlir

#endif // VSQUANT_CONVERSION_PASSES_H
