//===- CalibrationTableFuzzer.cpp - libFuzzer target ------------*- C++ -*-===//
//
// Calibration tables are user files: any bytes give a table or an error.
// A table that parses is also used the way vsquant-quantize uses it (lookups
// and thresholds), since the reader promises checked, usable statistics.
//
//===----------------------------------------------------------------------===//

#include "vsquant/Quant/Statistics.h"

#include "llvm/Support/ErrorHandling.h"

#include <cstddef>
#include <cstdint>

using namespace vsquant::quant;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef json(reinterpret_cast<const char *>(data), size);
  llvm::Expected<CalibrationTable> table = parseCalibrationTable(json, "fuzz");
  if (!table) {
    llvm::consumeError(table.takeError());
    return 0;
  }
  ElementFormat si8;
  for (const TensorStatistics &stats : table->tensors) {
    if (table->find(stats.name) == nullptr)
      llvm::report_fatal_error("a parsed tensor is not found by name");
    // The cheap methods only: mse, octav and entropy search over all 2048
    // bins and would cut the executions per second ~50x, starving the
    // reader, which is what this target is about.
    for (Method method : {Method::Max, Method::Percentile}) {
      CalibrationOptions options;
      options.method = method;
      (void)thresholdFromHistogram(stats.magnitudes, si8, options);
      (void)vectorScaleThreshold(stats, si8, options);
    }
  }
  return 0;
}
