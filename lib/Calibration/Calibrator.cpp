//===- Calibrator.cpp - Run a float model on data, collect statistics -----===//

#include "vsquant/Calibration/Calibrator.h"
#include "vsquant/Conversion/Passes.h"
#include "vsquant/Dialect/VSQuant/Transforms/QuantizableOps.h"
#include "vsquant/Support/Npy.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/TosaToLinalg/TosaToLinalg.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/TargetSelect.h"

#include <chrono>
#include <map>

using namespace mlir;
using mlir::vsquant::ActivationSite;
using mlir::vsquant::getActivationSite;
using llvm::StringRef;

namespace vsquant {
namespace calib {

static std::string debugString(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}

static llvm::Error fail(const llvm::Twine &message) {
  return llvm::createStringError(message.str());
}

//===----------------------------------------------------------------------===//
// Samples
//===----------------------------------------------------------------------===//

llvm::Expected<std::vector<Sample>>
collectSamples(llvm::ArrayRef<std::string> paths,
                               unsigned numInputs) {
  std::vector<std::string> files;
  for (const std::string &path : paths) {
    if (!llvm::sys::fs::is_directory(path)) {
      if (!llvm::sys::fs::exists(path))
        return fail("input '" + path + "' does not exist");
      files.push_back(path);
      continue;
    }
    std::vector<std::string> inDirectory;
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(path, ec), end; it != end && !ec;
         it.increment(ec))
      if (StringRef(it->path()).ends_with(".npy"))
        inDirectory.push_back(it->path());
    if (ec)
      return fail("cannot list directory '" + path + "': " + ec.message());
    if (inDirectory.empty())
      return fail("directory '" + path + "' holds no .npy files");
    llvm::sort(inDirectory);
    files.insert(files.end(), inDirectory.begin(), inDirectory.end());
  }
  std::vector<Sample> samples;
  if (numInputs == 1) {
    for (const std::string &file : files)
      samples.push_back(
          {llvm::sys::path::stem(file).str(), std::vector<std::string>{file}});
    return samples;
  }
  // <sample>.in<k>.npy
  std::map<std::string, std::vector<std::string>> grouped;
  std::vector<std::string> order;
  for (const std::string &file : files) {
    StringRef stem = llvm::sys::path::stem(file);
    auto [name, suffix] = stem.rsplit(".in");
    unsigned k;
    if (suffix == stem || suffix.getAsInteger(10, k) || k >= numInputs)
      return fail("input file '" + file + "' is not named <sample>.in<k>.npy "
                  "with k < " + llvm::Twine(numInputs) +
                  " (the model has " + llvm::Twine(numInputs) + " inputs)");
    auto &slots = grouped[name.str()];
    if (slots.empty()) {
      slots.resize(numInputs);
      order.push_back(name.str());
    }
    if (!slots[k].empty())
      return fail("input " + llvm::Twine(k) + " of sample '" + name +
                  "' is given twice ('" + slots[k] + "', '" + file + "')");
    slots[k] = file;
  }
  for (const std::string &name : order) {
    std::vector<std::string> &slots = grouped[name];
    for (unsigned k = 0; k < numInputs; ++k)
      if (slots[k].empty())
        return fail("sample '" + name + "' has no input " + llvm::Twine(k) +
                    " ('" + name + ".in" + llvm::Twine(k) + ".npy')");
    samples.push_back({name, slots});
  }
  return samples;
}

//===----------------------------------------------------------------------===//
// The model
//===----------------------------------------------------------------------===//

static llvm::Expected<func::FuncOp> findEntry(ModuleOp module,
                                              StringRef entry) {
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
  auto check = [&](Type type, StringRef what, unsigned i) -> llvm::Error {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor || !tensor.hasStaticShape() || !tensor.getElementType().isF32())
      return fail("@" + found.getSymName() + " " + what + " " +
                  llvm::Twine(i) +
                  " must be a statically shaped f32 tensor, got " +
                  llvm::Twine(debugString(type)));
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

llvm::Expected<unsigned> countInputs(ModuleOp model,
                                                     StringRef entry) {
  llvm::Expected<func::FuncOp> f = findEntry(model, entry);
  if (!f)
    return f.takeError();
  return f->getNumArguments();
}

namespace {
/// A memref descriptor for the C interface: {allocated, aligned, offset,
/// sizes[rank], strides[rank]} over a buffer we own.
struct Buffer {
  std::vector<int64_t> shape;
  std::vector<float> data;
  std::vector<int64_t> descriptor;
  void *descriptorPointer = nullptr;

  explicit Buffer(llvm::ArrayRef<int64_t> shape) : shape(shape) {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    data.assign(n, 0.0f);
    size_t rank = shape.size();
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
};
} // namespace

/// The instrumented model: every observed activation is an extra result.
static llvm::Error instrument(func::FuncOp f,
                              std::vector<ActivationSite> &sites) {
  f.walk([&](linalg::LinalgOp op) {
    if (std::optional<ActivationSite> site = getActivationSite(op))
      sites.push_back(*site);
  });
  if (sites.empty())
    return fail("@" + f.getSymName() +
                " has no op vsquant-quantize would quantize; nothing to "
                "calibrate");
  auto ret = cast<func::ReturnOp>(f.getBody().front().getTerminator());
  SmallVector<Value> results(ret.getOperands());
  for (ActivationSite &site : sites)
    results.push_back(site.op.getDpsInputOperand(site.operandIndex)->get());
  ret->setOperands(results);
  f.setType(FunctionType::get(f.getContext(), f.getArgumentTypes(),
                              TypeRange(ValueRange(results))));
  MLIRContext *ctx = f.getContext();
  // Inputs are ours: the model must not write into them.
  for (unsigned i = 0; i < f.getNumArguments(); ++i)
    f.setArgAttr(i, "bufferization.writable", BoolAttr::get(ctx, false));
  f->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), UnitAttr::get(ctx));
  return llvm::Error::success();
}

/// Puts every reduction loop of a linalg op just outside its innermost
/// parallel loop ((m, n, k) -> (m, k, n) for a matmul), so that the loops
/// convert-linalg-to-loops emits run along contiguous rows that LLVM
/// vectorizes. Each output element still sums its terms in the same order,
/// so the results are bit-identical; it is ~20x faster on this CPU.
static LogicalResult moveReductionsOutward(ModuleOp module) {
  IRRewriter rewriter(module.getContext());
  SmallVector<linalg::LinalgOp> ops;
  module.walk([&](linalg::LinalgOp op) {
    if (op.getNumReductionLoops() > 0 && op.getNumParallelLoops() > 0)
      ops.push_back(op);
  });
  for (linalg::LinalgOp op : ops) {
    SmallVector<unsigned> parallel, reduction;
    for (auto [i, type] : llvm::enumerate(op.getIteratorTypesArray()))
      (type == utils::IteratorType::parallel ? parallel : reduction)
          .push_back(i);
    SmallVector<unsigned> order(parallel.begin(), parallel.end() - 1);
    order.append(reduction);
    order.push_back(parallel.back());
    rewriter.setInsertionPoint(op);
    linalg::GenericOp generic = dyn_cast<linalg::GenericOp>(op.getOperation());
    if (!generic) {
      FailureOr<linalg::GenericOp> generalized =
          linalg::generalizeNamedOp(rewriter, op);
      if (failed(generalized))
        continue; // left as it is: only slower
      generic = *generalized;
    }
    if (failed(linalg::interchangeGenericOp(rewriter, generic, order)))
      return failure();
  }
  return success();
}

/// linalg on tensors -> LLVM dialect, results as out-parameters.
static LogicalResult lowerToLLVM(ModuleOp module) {
  if (failed(moveReductionsOutward(module)))
    return failure();
  PassManager pm(module.getContext());
  mlir::vsquant::buildLinalgToLLVMPipeline(pm);
  return pm.run(module);
}

/// Reads one input of a sample and checks it against the model.
static llvm::Error loadInput(const std::string &path, Buffer &into,
                             unsigned index) {
  llvm::Expected<::vsquant::NpyArray> array = ::vsquant::readNpy(path);
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

static llvm::Error writeOutput(const std::string &path, const Buffer &buffer) {
  std::string bytes = ::vsquant::serializeNpy(
      "<f4", buffer.shape,
      llvm::ArrayRef<char>(reinterpret_cast<const char *>(buffer.data.data()),
                           buffer.data.size() * sizeof(float)));
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return fail("cannot write '" + path + "': " + ec.message());
  os << bytes;
  if (os.has_error())
    return fail("cannot write '" + path + "'");
  return llvm::Error::success();
}

llvm::Expected<quant::CalibrationTable>
calibrate(ModuleOp model, llvm::ArrayRef<Sample> samples,
                          const CalibrateOptions &options) {
  if (samples.empty())
    return fail("no calibration samples");
  if (options.vectorSize < 1)
    return fail("vector size must be at least 1");
  llvm::Expected<func::FuncOp> original = findEntry(model, options.entry);
  if (!original)
    return original.takeError();
  std::string entry = original->getSymName().str();
  unsigned numInputs = original->getNumArguments();
  unsigned numResults = original->getNumResults();
  for (const Sample &sample : samples)
    if (sample.inputs.size() != numInputs)
      return fail("sample '" + sample.name + "' has " +
                  llvm::Twine(sample.inputs.size()) + " inputs, @" + entry +
                  " takes " + llvm::Twine(numInputs));

  OwningOpRef<ModuleOp> module(cast<ModuleOp>(model->clone()));
  // TOSA models take upstream's tosa-to-linalg first (locations, hence
  // activation names, carry over: vsq-opt --tosa-to-linalg-pipeline
  // --vsquant-quantize finds the same ones).
  bool hasTosa = false;
  module->walk([&](Operation *op) {
    hasTosa |= op->getDialect() &&
               op->getDialect()->getNamespace() == "tosa";
  });
  if (hasTosa) {
    PassManager pm(module->getContext());
    tosa::addTosaToLinalgPasses(pm, TosaToLinalgOptions());
    pm.addPass(createTosaToArithPass());
    if (failed(pm.run(*module)))
      return fail("cannot convert the TOSA model to linalg (see the "
                  "diagnostics above)");
  }
  auto f = module->lookupSymbol<func::FuncOp>(entry);
  std::vector<ActivationSite> sites;
  SmallVector<Type> inputTypes(f.getArgumentTypes());
  if (llvm::Error e = instrument(f, sites))
    return std::move(e);
  SmallVector<Type> resultTypes(f.getResultTypes());

  std::vector<quant::TensorStatistics> stats(sites.size());
  for (auto [site, s] : llvm::zip(sites, stats)) {
    s.name = site.name;
    linalg::LinalgOp op = site.op;
    auto type = cast<RankedTensorType>(
        op.getDpsInputOperand(site.operandIndex)->get().getType());
    s.shape.assign(type.getShape().begin(), type.getShape().end());
    s.vectorAxis = site.vectorAxis;
    s.vectorSize = options.vectorSize;
  }

  if (failed(lowerToLLVM(*module)))
    return fail("cannot lower @" + entry +
                " to LLVM for calibration (see the diagnostics above)");
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  registerBuiltinDialectTranslation(*module->getContext());
  registerLLVMDialectTranslation(*module->getContext());
  ExecutionEngineOptions engineOptions;
  auto transformer = makeOptimizingTransformer(/*optLevel=*/3, /*sizeLevel=*/0,
                                               /*targetMachine=*/nullptr);
  engineOptions.transformer = transformer;
  auto engine = ExecutionEngine::create(*module, engineOptions);
  if (!engine)
    return fail("cannot JIT-compile @" + entry + ": " +
                llvm::toString(engine.takeError()));
  (*engine)->initialize();
  auto function = (*engine)->lookupPacked("_mlir_ciface_" + entry);
  if (!function)
    return fail("cannot find @" + entry + " in the JIT: " +
                llvm::toString(function.takeError()));

  std::vector<Buffer> buffers;
  for (Type t : inputTypes)
    buffers.emplace_back(cast<RankedTensorType>(t).getShape());
  for (Type t : resultTypes)
    buffers.emplace_back(cast<RankedTensorType>(t).getShape());
  SmallVector<void *> arguments;
  for (Buffer &b : buffers)
    arguments.push_back(&b.descriptorPointer);

  if (!options.outputsDirectory.empty())
    if (std::error_code ec =
            llvm::sys::fs::create_directories(options.outputsDirectory))
      return fail("cannot create '" + options.outputsDirectory +
                  "': " + ec.message());

  // Two passes, so that the histograms span exactly [0, max|x|].
  auto start = std::chrono::steady_clock::now();
  for (int pass = 1; pass <= 2; ++pass) {
    if (pass == 2)
      for (quant::TensorStatistics &s : stats)
        s.startHistograms();
    for (auto [index, sample] : llvm::enumerate(samples)) {
      for (unsigned k = 0; k < numInputs; ++k)
        if (llvm::Error e = loadInput(sample.inputs[k], buffers[k], k))
          return fail("sample '" + sample.name + "': " +
                      llvm::toString(std::move(e)));
      (*function)(arguments.data());
      for (auto [i, s] : llvm::enumerate(stats)) {
        const Buffer &activation = buffers[numInputs + numResults + i];
        if (pass == 2) {
          s.observeHistograms(activation.data);
          continue;
        }
        if (llvm::Error e = s.observeRange(activation.data))
          return fail("sample '" + sample.name + "': activation '" + s.name +
                      "': " + llvm::toString(std::move(e)));
      }
      if (pass == 1 && !options.outputsDirectory.empty())
        for (unsigned r = 0; r < numResults; ++r) {
          llvm::SmallString<256> path(options.outputsDirectory);
          llvm::sys::path::append(path, sample.name + ".out" +
                                            std::to_string(r) + ".npy");
          if (llvm::Error e = writeOutput(std::string(path),
                                          buffers[numInputs + r]))
            return std::move(e);
        }
      if (options.progress) {
        std::chrono::duration<double> elapsed =
            std::chrono::steady_clock::now() - start;
        options.progress(
            {pass, int64_t(index) + 1, int64_t(samples.size()), elapsed.count()});
      }
    }
  }

  quant::CalibrationTable table;
  table.model = entry;
  table.samples = samples.size();
  table.tensors = std::move(stats);
  return table;
}

} // namespace calib
} // namespace vsquant
