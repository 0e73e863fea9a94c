//===- CompiledModel.cpp - JIT-compile and run a tensor model -------------===//

#include "vsquant/Runtime/CompiledModel.h"
#include "vsquant/Runtime/BufferPool.h"
#include "vsquant/Conversion/Passes.h"
#include "vsquant/Support/Npy.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/TosaToLinalg/TosaToLinalg.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/TargetSelect.h"

#include <atomic>

using namespace mlir;

namespace vsquant {
namespace runtime {

static llvm::Error fail(const llvm::Twine &message) {
  return llvm::createStringError(message.str());
}

static std::string typeString(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}

llvm::Expected<func::FuncOp> findEntryFunction(ModuleOp module,
                                               llvm::StringRef entry) {
  func::FuncOp found;
  if (!entry.empty()) {
    found = module.lookupSymbol<func::FuncOp>(entry);
    if (!found || found.isExternal())
      return fail("the model has no function '@" + entry + "'");
  } else {
    for (auto f : module.getOps<func::FuncOp>()) {
      if (f.isExternal() || f.isPrivate())
        continue;
      if (found)
        return fail("the model has several public functions (@" +
                    found.getSymName() + ", @" + f.getSymName() +
                    "); choose one with --entry");
      found = f;
    }
    if (!found)
      return fail("the model has no public function with a body");
  }
  auto check = [&](Type type, llvm::StringRef what, unsigned i) -> llvm::Error {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor || !tensor.hasStaticShape() || !tensor.getElementType().isF32())
      return fail("@" + found.getSymName() + " " + what + " " +
                  llvm::Twine(i) +
                  " must be a statically shaped f32 tensor, got " +
                  typeString(type));
    return llvm::Error::success();
  };
  for (auto [i, type] : llvm::enumerate(found.getArgumentTypes()))
    if (llvm::Error e = check(type, "input", i))
      return std::move(e);
  for (auto [i, type] : llvm::enumerate(found.getResultTypes()))
    if (llvm::Error e = check(type, "result", i))
      return std::move(e);
  if (!llvm::hasSingleElement(found.getBody()))
    return fail("@" + found.getSymName() + " must have a single block");
  return found;
}

TensorBuffer::TensorBuffer(llvm::ArrayRef<int64_t> shape)
    : shape(shape.begin(), shape.end()) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  data.assign(n, 0.0f);
  size_t rank = shape.size();
  // {allocated, aligned, offset, sizes[rank], strides[rank]}
  descriptor.assign(3 + 2 * rank, 0);
  auto pointer = reinterpret_cast<int64_t>(data.data());
  descriptor[0] = descriptor[1] = pointer;
  int64_t stride = 1;
  for (size_t i = rank; i-- > 0;) {
    descriptor[3 + i] = shape[i];
    descriptor[3 + rank + i] = stride;
    stride *= shape[i];
  }
  descriptorPointer = descriptor.data();
}

static bool containsDialect(ModuleOp module, llvm::StringRef name) {
  return module
      .walk([&](Operation *op) {
        Dialect *d = op->getDialect();
        return d && d->getNamespace() == name ? WalkResult::interrupt()
                                              : WalkResult::advance();
      })
      .wasInterrupted();
}

llvm::Error convertTosaToLinalg(ModuleOp module) {
  if (!containsDialect(module, "tosa"))
    return llvm::Error::success();
  PassManager pm(module.getContext());
  tosa::addTosaToLinalgPasses(pm, TosaToLinalgOptions());
  pm.addPass(createTosaToArithPass());
  if (failed(pm.run(module)))
    return fail("cannot convert the TOSA model to linalg (see the "
                "diagnostics above)");
  return llvm::Error::success();
}

llvm::Error lowerModelToLLVM(ModuleOp module, llvm::StringRef entryName,
                             const CodegenOptions &options) {
  llvm::Expected<func::FuncOp> entry = findEntryFunction(module, entryName);
  if (!entry)
    return entry.takeError();
  std::string name = entry->getSymName().str();
  MLIRContext *ctx = module.getContext();
  // Inputs are the caller's: the model must not write into them.
  for (unsigned i = 0; i < entry->getNumArguments(); ++i)
    entry->setArgAttr(i, "bufferization.writable", BoolAttr::get(ctx, false));
  (*entry)->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                    UnitAttr::get(ctx));

  if (llvm::Error e = convertTosaToLinalg(module))
    return e;
  // vsquant-cpu-pipeline, for the float layers too (the float path is a
  // baseline, not a straw man).
  std::string optionError;
  PassManager pm(ctx);
  if (failed(mlir::vsquant::buildCPUPipeline(
          pm, options.kernels, options.target, options.numThreads,
          options.minMacsPerThread,
          [&](const llvm::Twine &message) {
            optionError = message.str();
            return failure();
          },
          options.moveReductionsOutward, options.genericAllocation,
          options.prefetchDistance)))
    return fail(optionError);
  if (failed(pm.run(module)))
    return fail("cannot lower @" + name + " to LLVM (see the diagnostics "
                "above)");

  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<CompiledModel>>
CompiledModel::compile(ModuleOp module, llvm::StringRef entryName,
                       const CodegenOptions &codegen) {
  llvm::Expected<func::FuncOp> entry = findEntryFunction(module, entryName);
  if (!entry)
    return entry.takeError();
  std::string name = entry->getSymName().str();
  std::unique_ptr<CompiledModel> model(new CompiledModel());
  for (Type t : entry->getArgumentTypes())
    model->inputBuffers.emplace_back(cast<RankedTensorType>(t).getShape());
  for (Type t : entry->getResultTypes())
    model->resultBuffers.emplace_back(cast<RankedTensorType>(t).getShape());
  // Buffers come from the pool (BufferPool.h): reused across calls.
  CodegenOptions pooled = codegen;
  pooled.genericAllocation = true;
  if (llvm::Error e = lowerModelToLLVM(module, name, pooled))
    return std::move(e);
  MLIRContext *ctx = module.getContext();
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  registerBuiltinDialectTranslation(*ctx);
  registerLLVMDialectTranslation(*ctx);
  registerOpenMPDialectTranslation(*ctx);
  ExecutionEngineOptions options;
  llvm::StringRef runtimeLibraries[] = {VSQUANT_MLIR_C_RUNNER_UTILS};
  options.sharedLibPaths = runtimeLibraries;
  // Threaded tiles are OpenMP parallel loops: the JIT finds LLVM's OpenMP
  // runtime in the process. Its workers stay in the runtime (spinning for a
  // while, then asleep) between parallel loops, never in JIT code, so an
  // engine can be freed as soon as its call returns.
  if (codegen.numThreads > 1) {
    std::string error;
    if (llvm::sys::DynamicLibrary::LoadLibraryPermanently(
            VSQUANT_OPENMP_RUNTIME, &error))
      return fail("cannot load the OpenMP runtime (" +
                  llvm::Twine(VSQUANT_OPENMP_RUNTIME) + "): " + error);
  }
  // LLVM's optimizer needs this CPU's target machine: without one its cost
  // model knows no vector registers and vectorizes nothing (quantization,
  // packing, the float path would all run as scalar loops).
  auto machineBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!machineBuilder)
    return fail("cannot describe this CPU to LLVM: " +
                llvm::toString(machineBuilder.takeError()));
  auto machine = machineBuilder->createTargetMachine();
  if (!machine)
    return fail("cannot create a target machine for this CPU: " +
                llvm::toString(machine.takeError()));
  auto transformer = makeOptimizingTransformer(/*optLevel=*/3, /*sizeLevel=*/0,
                                               machine->get());
  options.transformer = transformer;
  auto engine = ExecutionEngine::create(module, options);
  if (!engine)
    return fail("cannot JIT-compile @" + name + ": " +
                llvm::toString(engine.takeError()));
  model->engine = std::move(*engine);
  model->engine->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    for (const PoolSymbol &s : poolSymbols)
      symbols[interner(s.name)] = {llvm::orc::ExecutorAddr::fromPtr(s.address),
                                   llvm::JITSymbolFlags::Exported};
    return symbols;
  });
  model->engine->initialize();
  auto function = model->engine->lookupPacked("_mlir_ciface_" + name);
  if (!function)
    return fail("cannot find @" + name + " in the JIT: " +
                llvm::toString(function.takeError()));
  model->function = *function;
  for (TensorBuffer &b : model->inputBuffers)
    model->arguments.push_back(&b.descriptorPointer);
  for (TensorBuffer &b : model->resultBuffers)
    model->arguments.push_back(&b.descriptorPointer);
  return model;
}

/// Reads one input of a sample and checks it against the model.
llvm::Error loadInput(llvm::StringRef path, TensorBuffer &into, unsigned index) {
  llvm::Expected<NpyArray> array = readNpy(path);
  if (!array)
    return fail("input " + llvm::Twine(index) + ": " +
                llvm::toString(array.takeError()));
  if (array->shape != into.shape) {
    std::string got, want;
    for (int64_t d : array->shape)
      got += (got.empty() ? "" : "x") + std::to_string(d);
    for (int64_t d : into.shape)
      want += (want.empty() ? "" : "x") + std::to_string(d);
    return fail("'" + path + "': shape " + (got.empty() ? "scalar" : got) +
                " does not match model input " + llvm::Twine(index) + " (" +
                want + ")");
  }
  if (array->dtype != "<f4" && array->dtype != "<f2")
    return fail("'" + path + "': dtype " + array->dtype +
                " is not float32 or float16");
  for (size_t i = 0; i < array->data.size(); ++i)
    if (!std::isfinite(array->data[i]))
      return fail("'" + path + "': element " + llvm::Twine(i) +
                  " is not finite");
  std::copy(array->data.begin(), array->data.end(), into.data.begin());
  return llvm::Error::success();
}

llvm::Error checkFiniteResult(const TensorBuffer &result, unsigned index) {
  size_t first = result.data.size(), count = 0;
  for (size_t i = 0; i < result.data.size(); ++i)
    if (!std::isfinite(result.data[i])) {
      first = std::min(first, i);
      ++count;
    }
  if (!count)
    return llvm::Error::success();
  float value = result.data[first];
  return fail("output " + llvm::Twine(index) + ": element " +
              llvm::Twine(first) + " is " +
              (std::isnan(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf") +
              " (" + llvm::Twine(count) + " of " +
              llvm::Twine(result.data.size()) +
              " elements are not finite): the model overflows fp32 on this "
              "input");
}

/// Live CompiledModels: the pool's cached buffers are freed with the last.
static std::atomic<unsigned> liveModels{0};

CompiledModel::CompiledModel() { ++liveModels; }

CompiledModel::~CompiledModel() {
  engine.reset();
  if (--liveModels == 0)
    releaseBufferPool();
}

void CompiledModel::run() { function(arguments.data()); }

} // namespace runtime
} // namespace vsquant
