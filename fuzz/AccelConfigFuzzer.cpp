//===- AccelConfigFuzzer.cpp - libFuzzer target -----------------*- C++ -*-===//
//
// Accelerator configs are user files: any bytes give a config or an error.
// A config that parses must print back to JSON that parses to the same
// machine, and the cost model must price it (area and a small layer)
// without crashing, since the reader promises a checked, usable machine.
//
//===----------------------------------------------------------------------===//

#include "vsquant/Accel/CostModel.h"
#include "vsquant/Accel/ISA.h"

#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>

using namespace vsquant::accel;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef json(reinterpret_cast<const char *>(data), size);
  llvm::Expected<Config> config = parseConfig(json, "fuzz");
  if (!config) {
    llvm::consumeError(config.takeError());
    return 0;
  }
  std::string printed;
  llvm::raw_string_ostream(printed) << toJSON(*config);
  llvm::Expected<Config> again = parseConfig(printed, "printed");
  if (!again)
    llvm::report_fatal_error(llvm::Twine("a parsed config does not parse after printing: ") +
                             llvm::toString(again.takeError()));
  if (again->macsPerCycle() != config->macsPerCycle() ||
      again->accumulatorBits != config->accumulatorBits ||
      again->weightBufferBytes != config->weightBufferBytes)
    llvm::report_fatal_error("printing a config changed the machine");
  (void)estimateArea(*config);
  (void)machineShapeOf(*config);
  llvm::Expected<LayerCost> cost = estimateLayer(
      *config, matmulLayer("fuzz", 8, 4 * config->vectorSize, 8,
                           config->vectorSize));
  if (!cost)
    llvm::consumeError(cost.takeError()); // a machine may not map a layer
  return 0;
}
