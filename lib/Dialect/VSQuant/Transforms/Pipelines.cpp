//===- Pipelines.cpp - vsquant pass pipelines -------------------*- C++ -*-===//

#include "vsquant/Dialect/VSQuant/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace {
struct InspectPipelineOptions
    : public PassPipelineOptions<InspectPipelineOptions> {
  Option<std::string> jsonPath{*this, "json",
                               llvm::cl::desc("Also write the storage report "
                                              "as JSON to this file")};
};
} // namespace

void mlir::vsquant::registerVSQuantPipelines() {
  PassPipelineRegistration<InspectPipelineOptions>(
      "vsquant-inspect-pipeline",
      "Clean up vsquant IR and report what its quantized values cost in "
      "memory",
      [](OpPassManager &pm, const InspectPipelineOptions &options) {
        pm.addPass(createCanonicalizerPass());
        pm.addPass(createCSEPass());
        VSQuantStorageReportOptions reportOptions;
        reportOptions.jsonPath = options.jsonPath;
        pm.addPass(createVSQuantStorageReport(reportOptions));
      });
}
