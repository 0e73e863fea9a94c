//===- Pipelines.cpp - vsquant CPU pipelines ------------------------------===//

#include "vsquant/Conversion/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::vsquant::buildLinalgToLLVMPipeline(OpPassManager &pm,
                                              unsigned numThreads,
                                              StringRef target,
                                              bool genericAllocation) {
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Results become caller-owned out-parameters: the C interface of a
  // compiled model takes its outputs' buffers.
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.modifyPublicFunctions = true;
  outParams.hoistStaticAllocs = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addNestedPass<func::FuncOp>(createVSQuantStridedCopiesToLoops());
  pm.addNestedPass<func::FuncOp>(createVSQuantVectorizeElementwise());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  // vsquant-vectorize-elementwise's n-D transfers (whole reductions) as
  // unrolled 1-D ones.
  VectorTransferToSCFOptions transfers;
  transfers.enableFullUnroll();
  pm.addNestedPass<func::FuncOp>(createConvertVectorToSCFPass(transfers));
  if (numThreads > 1) {
    // scf.parallel (the tiled kernels' tile loops) -> an OpenMP parallel
    // loop; the program then needs an OpenMP runtime (LLVM's libomp).
    ConvertSCFToOpenMPPassOptions parallel;
    parallel.numThreads = numThreads;
    pm.addPass(createConvertSCFToOpenMPPass(parallel));
    // The loop body's memref.alloca_scope holds no allocas here: inlining it
    // lets scf-to-cf split the body into blocks (the scope allows one).
    pm.addPass(createCanonicalizerPass());
  }
  // One function per loop nest: LLVM's loop passes slow down with the size
  // of the function they are in.
  pm.addPass(createVSQuantOutlineLoopNests());
  ConvertVSQuantDotToLLVMOptions dot;
  dot.target = target.str();
  pm.addPass(createConvertVSQuantDotToLLVM(dot));
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  FinalizeMemRefToLLVMConversionPassOptions memrefs;
  memrefs.useGenericFunctions = genericAllocation;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefs));
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass()); // the vectorizer's ub.poison
  if (numThreads > 1)
    pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

namespace {
struct CPUPipelineOptions : PassPipelineOptions<CPUPipelineOptions> {
  Option<std::string> kernels{
      *this, "kernels",
      llvm::cl::desc("Contraction kernels: tiled (int8 dot-product "
                     "instructions where the target has them) or reference"),
      llvm::cl::init("tiled")};
  Option<std::string> target{
      *this, "target",
      llvm::cl::desc("Instruction set of the tiled kernels: host, "
                     "avx512vnni, avx2 or none"),
      llvm::cl::init("host")};
  Option<unsigned> numThreads{
      *this, "num-threads",
      llvm::cl::desc("Threads for the tiled kernels' tile loops (> 1: OpenMP "
                     "parallel loops, which need LLVM's libomp at run time)"),
      llvm::cl::init(1)};
  Option<int64_t> minMacsPerThread{
      *this, "min-macs-per-thread",
      llvm::cl::desc("Fewer threads for a contraction with fewer "
                     "multiply-accumulates than this per thread (0: always "
                     "num-threads)"),
      llvm::cl::init(int64_t(1) << 20)};
  Option<int64_t> prefetchDistance{
      *this, "prefetch-distance",
      llvm::cl::desc("Prefetch the tiled kernels' packed weights this many "
                     "bytes ahead, and their scales as many vectors ahead "
                     "(0: never; -1: vsquant-tile-vectors' default, 4-bit "
                     "GEMV weights only)"),
      llvm::cl::init(-1)};
};
} // namespace

LogicalResult mlir::vsquant::buildCPUPipeline(
    OpPassManager &pm, StringRef kernels, StringRef target,
    unsigned numThreads, int64_t minMacsPerThread,
    function_ref<LogicalResult(const Twine &)> errorHandler,
    bool moveReductionsOutward, bool genericAllocation,
    int64_t prefetchDistance) {
  if (kernels != "tiled" && kernels != "reference")
    return errorHandler("vsquant-cpu-pipeline: unknown kernels '" + kernels +
                        "' (expected tiled or reference)");
  if (!parseDotProductISA(target))
    return errorHandler("vsquant-cpu-pipeline: unknown target '" + target +
                        "' (expected host, avx512vnni, avx2 or none)");
  if (numThreads == 0)
    return errorHandler("vsquant-cpu-pipeline: num-threads must be >= 1");
  if (minMacsPerThread < 0)
    return errorHandler(
        "vsquant-cpu-pipeline: min-macs-per-thread must be >= 0");
  if (prefetchDistance < -1)
    return errorHandler("vsquant-cpu-pipeline: prefetch-distance must be "
                        ">= 0, or -1 for the default");
  if (kernels == "tiled") {
    VSQuantTileVectorsOptions tile;
    tile.target = target.str();
    tile.numThreads = numThreads;
    tile.minMacsPerThread = minMacsPerThread;
    tile.prefetchDistance = prefetchDistance;
    pm.addPass(createVSQuantTileVectors(tile));
  } else {
    pm.addPass(createConvertVSQuantToLinalg());
  }
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createVSQuantVectorizeElementwise());
  if (moveReductionsOutward)
    pm.addNestedPass<func::FuncOp>(createVSQuantMoveReductionsOutward());
  buildLinalgToLLVMPipeline(pm, numThreads, target, genericAllocation);
  pm.addPass(createVerifyVSQuantLowered());
  return success();
}

void mlir::vsquant::registerVSQuantConversionPipelines() {
  // Registered by hand rather than with PassPipelineRegistration so that bad
  // option values are reported as errors, not aborts.
  registerPassPipeline(
      "vsquant-cpu-pipeline",
      "Lower vsquant on tensors to the LLVM dialect for the CPU: contractions "
      "through vsquant-tile-vectors (or the reference lowering), the rest "
      "through convert-vsquant-to-linalg; ends with vsquant-verify-lowered",
      [](OpPassManager &pm, StringRef optionsString,
         function_ref<LogicalResult(const Twine &)> errorHandler) {
        CPUPipelineOptions options;
        if (failed(options.parseFromString(optionsString)))
          return failure();
        return buildCPUPipeline(pm, options.kernels, options.target,
                                options.numThreads, options.minMacsPerThread,
                                errorHandler, /*moveReductionsOutward=*/true,
                                /*genericAllocation=*/false,
                                options.prefetchDistance);
      },
      [](function_ref<void(const mlir::detail::PassOptions &)> optHandler) {
        optHandler(CPUPipelineOptions());
      });
}
