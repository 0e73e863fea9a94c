//===- CodegenFlags.h - Command-line options for the JIT's code generation ===//
//
// The code-generation flags of the tools that compile a model (vsq-run,
// vsq-eval, vsq-compile): which kernels, which instruction set, how many
// threads. One definition so that the tools spell and document them alike.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_RUNTIME_CODEGENFLAGS_H
#define VSQUANT_RUNTIME_CODEGENFLAGS_H

#include "vsquant/Runtime/CompiledModel.h"

#include "llvm/Support/CommandLine.h"

namespace vsquant {
namespace runtime {

/// Registers --kernels, --kernel-isa, --num-threads, --min-macs-per-thread
/// and --weight-prefetch-distance (LLVM owns --prefetch-distance) in
/// `category`; construct one (static) before parsing the command line. A
/// tool that compiles for another machine (vsq-compile) names its own
/// --kernel-isa default and values and adds to the --num-threads text how to
/// link.
class CodegenFlags {
public:
  explicit CodegenFlags(
      llvm::cl::OptionCategory &category,
      llvm::StringRef isaDefault = CodegenOptions().target,
      llvm::StringRef isaValues = "host, avx512vnni, avx2 or none",
      llvm::StringRef threadsNote = "KMP_BLOCKTIME sets how long idle "
                                    "threads spin")
      : kernels("kernels", llvm::cl::init(CodegenOptions().kernels),
                llvm::cl::desc("Quantized contractions: tiled (int8 "
                               "dot-product instructions) or reference"),
                llvm::cl::cat(category)),
        isaText(("Instruction set of the tiled kernels: " + isaValues).str()),
        threadsText(
            ("Threads of the tiled kernels (OpenMP; " + threadsNote + ")")
                .str()),
        target("kernel-isa", llvm::cl::init(isaDefault.str()),
               llvm::cl::desc(isaText), llvm::cl::cat(category)),
        numThreads("num-threads", llvm::cl::init(1),
                   llvm::cl::desc(threadsText), llvm::cl::cat(category)),
        minMacsPerThread(
            "min-macs-per-thread",
            llvm::cl::init(CodegenOptions().minMacsPerThread),
            llvm::cl::desc("Fewer threads for a contraction with fewer "
                           "multiply-accumulates than this per thread (0: "
                           "always --num-threads)"),
            llvm::cl::cat(category)),
        prefetchDistance(
            "weight-prefetch-distance",
            llvm::cl::init(CodegenOptions().prefetchDistance),
            llvm::cl::desc("Prefetch the tiled kernels' packed weights this "
                           "many bytes ahead, and their scales as many "
                           "vectors ahead (0: never; -1: the default, for "
                           "4-bit weights of one-row products)"),
            llvm::cl::cat(category)) {}

  /// The parsed flags; bad values are reported when the model is compiled.
  CodegenOptions options() const {
    CodegenOptions o;
    o.kernels = kernels;
    o.target = target;
    o.numThreads = numThreads;
    o.minMacsPerThread = minMacsPerThread;
    o.prefetchDistance = prefetchDistance;
    return o;
  }

private:
  llvm::cl::opt<std::string> kernels;
  // cl::desc keeps a StringRef: the texts live as long as the flags.
  std::string isaText, threadsText;
  llvm::cl::opt<std::string> target;
  llvm::cl::opt<unsigned> numThreads;
  llvm::cl::opt<int64_t> minMacsPerThread;
  llvm::cl::opt<int64_t> prefetchDistance;
};

} // namespace runtime
} // namespace vsquant

#endif // VSQUANT_RUNTIME_CODEGENFLAGS_H
