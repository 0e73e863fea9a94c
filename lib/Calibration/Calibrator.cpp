//===- Calibrator.cpp - Run a float model on data, collect statistics -----===//

#include "vsquant/Calibration/Calibrator.h"
#include "vsquant/Dialect/VSQuant/Transforms/QuantizableOps.h"
#include "vsquant/Runtime/CompiledModel.h"
#include "vsquant/Support/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <chrono>
#include <map>

using namespace mlir;
using mlir::vsquant::ActivationSite;
using mlir::vsquant::getActivationSite;
using llvm::StringRef;

namespace vsquant {
namespace calib {

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

llvm::Expected<unsigned> countInputs(ModuleOp model,
                                                     StringRef entry) {
  llvm::Expected<func::FuncOp> f = runtime::findEntryFunction(model, entry);
  if (!f)
    return f.takeError();
  return f->getNumArguments();
}


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
  return llvm::Error::success();
}

llvm::Expected<quant::CalibrationTable>
calibrate(ModuleOp model, llvm::ArrayRef<Sample> samples,
                          const CalibrateOptions &options) {
  if (samples.empty())
    return fail("no calibration samples");
  if (options.vectorSize < 1)
    return fail("vector size must be at least 1");
  llvm::Expected<func::FuncOp> original = runtime::findEntryFunction(model, options.entry);
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
  if (llvm::Error e = runtime::convertTosaToLinalg(*module))
    return std::move(e);
  auto f = module->lookupSymbol<func::FuncOp>(entry);
  std::vector<ActivationSite> sites;
  if (llvm::Error e = instrument(f, sites))
    return std::move(e);

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

  auto compiled = runtime::CompiledModel::compile(*module, entry);
  if (!compiled)
    return compiled.takeError();
  std::vector<runtime::TensorBuffer> &inputs = (*compiled)->inputs();
  const std::vector<runtime::TensorBuffer> &results = (*compiled)->results();

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
        if (llvm::Error e = runtime::loadInput(sample.inputs[k], inputs[k], k))
          return fail("sample '" + sample.name + "': " +
                      llvm::toString(std::move(e)));
      (*compiled)->run();
      for (auto [i, s] : llvm::enumerate(stats)) {
        const runtime::TensorBuffer &activation = results[numResults + i];
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
          if (llvm::Error e =
                  writeNpyF32(path, results[r].shape, results[r].data))
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
