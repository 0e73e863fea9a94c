//===- Config.h - Accelerator configuration ---------------------*- C++ -*-===//
//
// The machine the vsqaccel ISA, the simulator and the cost model describe
// (docs/Accelerator.md): a PE array of vector MAC lanes with per-vector
// scale support, its buffers and bandwidths, and the component table
// (energy per action, area per component) the cost model prices it with.
// Pure C++ (LLVM Support only, no MLIR types). Read from versioned JSON.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_ACCEL_CONFIG_H
#define VSQUANT_ACCEL_CONFIG_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace llvm::json {
class Value;
} // namespace llvm::json

namespace vsquant {
namespace accel {

/// The only `format_version` this reader accepts.
constexpr int64_t kConfigFormatVersion = 1;

/// How the datapath scales its integer dot products.
enum class Scaling {
  /// One fp32 scale per output channel (weights) and per tensor
  /// (activations), applied once per output in the post-processing unit.
  PerChannel,
  /// Two-level VS-Quant: each V-element vector has an integer scale; lanes
  /// multiply the two vectors' scales into every dot product.
  PerVector,
};

/// Energy and area of the building blocks, at one technology node. Linear
/// models: a multiplier costs per bit of a x b (array multiplier), an adder
/// and a register per bit, SRAM per bit accessed (growing with the array's
/// size as (size / reference size)^exponent) and per bit stored.
struct ComponentTable {
  std::string technology; // e.g. "45nm"
  double nodeNm = 45;
  double supplyVolts = 0.9;
  std::string source; // citation of the numbers
  double multiplierEnergyPjPerBit2 = 0;
  double multiplierAreaUm2PerBit2 = 0;
  double adderEnergyPjPerBit = 0;
  double adderAreaUm2PerBit = 0;
  double registerEnergyPjPerBit = 0; // one write (or read) of one bit
  double registerAreaUm2PerBit = 0;
  double sramEnergyPjPerBit = 0; // one bit accessed, at the reference size
  double sramReferenceBytes = 8192;
  double sramEnergySizeExponent = 0.5;
  double sramAreaUm2PerBit = 0;
  double dramEnergyPjPerBit = 0;
};

/// Scaling of a component table to the machine's own node and voltage:
/// dynamic energy C V^2 with capacitance proportional to the feature size,
/// area proportional to its square (classic scaling; see
/// docs/Accelerator.md for what this leaves out).
struct Technology {
  double nodeNm = 0;      // 0: the component table's own node
  double supplyVolts = 0; // 0: the component table's own voltage
};

struct Config {
  int64_t formatVersion = kConfigFormatVersion;
  std::string name;
  std::string description;

  // Compute array: `pes` PEs, each with `lanesPerPE` vector MAC lanes; a
  // lane computes one `vectorSize`-element integer dot product per cycle.
  int64_t pes = 1;
  int64_t lanesPerPE = 1;
  int64_t vectorSize = 16;
  /// Outputs the post-processing unit of a PE finishes per cycle.
  int64_t ppuLanes = 4;

  // Precision.
  Scaling scaling = Scaling::PerVector;
  unsigned weightBits = 8;
  unsigned activationBits = 8;
  /// M of the two-level ui<M> per-vector scales (0 with per-channel scaling).
  unsigned weightScaleBits = 0;
  unsigned activationScaleBits = 0;
  /// Width of the lanes' partial sums (saturating, SPEC.md section 5).
  unsigned accumulatorBits = 24;

  // Buffers, bytes. Weight, input and accumulator buffers are per PE; the
  // global buffer is shared and stages DRAM traffic.
  int64_t weightBufferBytes = 0;
  int64_t inputBufferBytes = 0;
  int64_t accumulatorBufferBytes = 0;
  int64_t globalBufferBytes = 0;

  // Bandwidths, bytes per cycle, and the clock.
  double dramBytesPerCycle = 0;
  double onChipBytesPerCycle = 0;
  double clockMHz = 0;

  Technology technology;
  ComponentTable components;

  int64_t macsPerCycle() const { return pes * lanesPerPE * vectorSize; }
  int64_t lanes() const { return pes * lanesPerPE; }
  /// Bits of one exact integer dot product of one vector pair (signed
  /// elements; with ui<N> activations the bound is the same or smaller).
  unsigned dotProductBits() const;
  /// Bits of a dot product times the two integer scales (per-vector), or of
  /// the dot product alone (per-channel): what one accumulation adds.
  unsigned scaledProductBits() const;
  /// Energy factor from the component table's node/voltage to the
  /// machine's (1 when `technology` is unset).
  double energyScale() const;
  double areaScale() const;
};

/// Parses and checks a config. Errors name `bufferName` and the offending
/// field by its JSON path (e.g. "precision.weight_bits").
llvm::Expected<Config> parseConfig(llvm::StringRef json,
                                   llvm::StringRef bufferName);
/// Reads `path` ("-" is stdin) and parses it.
llvm::Expected<Config> readConfig(llvm::StringRef path);
/// The config as JSON in the format parseConfig reads (round-trips).
llvm::json::Value toJSON(const Config &config);

llvm::StringRef scalingName(Scaling scaling);

} // namespace accel
} // namespace vsquant

#endif // VSQUANT_ACCEL_CONFIG_H
