//===- Config.cpp - Accelerator configuration reader ------------*- C++ -*-===//

#include "vsquant/Accel/Config.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cmath>

using namespace llvm;
using namespace vsquant::accel;

StringRef vsquant::accel::scalingName(Scaling scaling) {
  return scaling == Scaling::PerVector ? "per_vector" : "per_channel";
}

static unsigned ceilLog2(int64_t value) {
  unsigned bits = 0;
  while ((int64_t(1) << bits) < value)
    ++bits;
  return bits;
}

unsigned Config::dotProductBits() const {
  // |q_w| <= 2^(wb-1) - 1 and |q_a| <= 2^ab - 1 (the larger of si/ui), so a
  // product needs wb + ab bits with sign, and a sum of V of them log2(V) more.
  return weightBits + activationBits + ceilLog2(vectorSize);
}

unsigned Config::scaledProductBits() const {
  if (scaling == Scaling::PerChannel)
    return dotProductBits();
  return dotProductBits() + weightScaleBits + activationScaleBits;
}

double Config::energyScale() const {
  double node = technology.nodeNm > 0 ? technology.nodeNm : components.nodeNm;
  double volts =
      technology.supplyVolts > 0 ? technology.supplyVolts : components.supplyVolts;
  double v = volts / components.supplyVolts;
  return (node / components.nodeNm) * v * v;
}

double Config::areaScale() const {
  double node = technology.nodeNm > 0 ? technology.nodeNm : components.nodeNm;
  double n = node / components.nodeNm;
  return n * n;
}

namespace {
/// Walks one JSON object, remembering its path for messages and which keys
/// were read, so that misspelt keys are reported instead of ignored.
class Reader {
public:
  Reader(const json::Object &object, std::string path, StringRef bufferName,
         Error &error)
      : object(object), path(std::move(path)), bufferName(bufferName),
        error(error) {}

  /// Reports unknown keys; call after reading every field.
  void finish() {
    for (const auto &entry : object)
      if (!seen.contains(entry.first.str()))
        fail(entry.first.str(), "unknown field");
  }

  std::string field(StringRef key) const {
    return path.empty() ? key.str() : path + "." + key.str();
  }

  void fail(StringRef key, const Twine &message) {
    if (error)
      return; // keep the first error
    error = createStringError(inconvertibleErrorCode(),
                              "%s: field '%s': %s", bufferName.str().c_str(),
                              field(key).c_str(), message.str().c_str());
  }

  const json::Value *get(StringRef key, bool required) {
    seen.insert(key);
    const json::Value *value = object.get(key);
    if (!value && required)
      fail(key, "missing");
    return value;
  }

  std::optional<Reader> object_(StringRef key, bool required = true) {
    const json::Value *value = get(key, required);
    if (!value)
      return std::nullopt;
    const json::Object *child = value->getAsObject();
    if (!child) {
      fail(key, "expected an object");
      return std::nullopt;
    }
    return Reader(*child, field(key), bufferName, error);
  }

  void string(StringRef key, std::string &out, bool required = true) {
    const json::Value *value = get(key, required);
    if (!value)
      return;
    if (auto s = value->getAsString())
      out = s->str();
    else
      fail(key, "expected a string");
  }

  void integer(StringRef key, int64_t &out, int64_t min, int64_t max,
               bool required = true) {
    const json::Value *value = get(key, required);
    if (!value)
      return;
    std::optional<int64_t> i = value->getAsInteger();
    if (!i) {
      fail(key, "expected an integer");
      return;
    }
    if (*i < min || *i > max) {
      fail(key, formatv("must be in {0}..{1}, got {2}", min, max, *i));
      return;
    }
    out = *i;
  }

  void bits(StringRef key, unsigned &out, int64_t min, int64_t max,
            bool required = true) {
    int64_t value = out;
    integer(key, value, min, max, required);
    out = unsigned(value);
  }

  /// A finite number; `positive` excludes zero.
  void number(StringRef key, double &out, bool positive,
              bool required = true) {
    const json::Value *value = get(key, required);
    if (!value)
      return;
    std::optional<double> d = value->getAsNumber();
    if (!d || !std::isfinite(*d)) {
      fail(key, "expected a finite number");
      return;
    }
    if (positive ? *d <= 0 : *d < 0) {
      fail(key, formatv("must be {0}, got {1}", positive ? "> 0" : ">= 0",
                        format("%g", *d)));
      return;
    }
    out = *d;
  }

private:
  const json::Object &object;
  std::string path;
  StringRef bufferName;
  Error &error;
  StringSet<> seen;
};
} // namespace

static constexpr int64_t kMaxCount = int64_t(1) << 40;

Expected<Config> vsquant::accel::parseConfig(StringRef text,
                                             StringRef bufferName) {
  Expected<json::Value> parsed = json::parse(text);
  if (!parsed)
    return createStringError(inconvertibleErrorCode(), "%s: invalid JSON: %s",
                             bufferName.str().c_str(),
                             toString(parsed.takeError()).c_str());
  const json::Object *root = parsed->getAsObject();
  if (!root)
    return createStringError(inconvertibleErrorCode(),
                             "%s: expected a JSON object",
                             bufferName.str().c_str());

  Config config;
  Error error = Error::success();
  Reader top(*root, "", bufferName, error);
  top.integer("format_version", config.formatVersion, 0, kMaxCount);
  if (!error && config.formatVersion != kConfigFormatVersion)
    top.fail("format_version",
             formatv("unsupported version {0} (this reader reads {1})",
                     config.formatVersion, kConfigFormatVersion));
  top.string("name", config.name);
  top.string("description", config.description, /*required=*/false);

  if (auto array = top.object_("array")) {
    array->integer("pes", config.pes, 1, 1 << 20);
    array->integer("lanes_per_pe", config.lanesPerPE, 1, 1 << 20);
    array->integer("vector_size", config.vectorSize, 1, 4096);
    array->integer("ppu_lanes", config.ppuLanes, 1, 1 << 20);
    array->finish();
  }

  if (auto precision = top.object_("precision")) {
    std::string scaling;
    precision->string("scaling", scaling);
    if (scaling == "per_vector")
      config.scaling = Scaling::PerVector;
    else if (scaling == "per_channel")
      config.scaling = Scaling::PerChannel;
    else if (!error)
      precision->fail("scaling", formatv("must be per_vector or per_channel, "
                                         "got '{0}'",
                                         scaling));
    precision->bits("weight_bits", config.weightBits, 2, 8);
    precision->bits("activation_bits", config.activationBits, 2, 8);
    bool perVector = config.scaling == Scaling::PerVector;
    // Per-channel machines have no per-vector scales: the fields must be 0
    // or absent, so a config cannot claim hardware it does not price.
    precision->bits("weight_scale_bits", config.weightScaleBits,
                    perVector ? 1 : 0, perVector ? 16 : 0, perVector);
    precision->bits("activation_scale_bits", config.activationScaleBits,
                    perVector ? 1 : 0, perVector ? 16 : 0, perVector);
    precision->bits("accumulator_bits", config.accumulatorBits, 8, 64);
    if (!error && config.accumulatorBits < config.scaledProductBits())
      precision->fail("accumulator_bits",
                      formatv("{0} bits cannot hold one {1} vector product "
                              "(needs {2})",
                              config.accumulatorBits,
                              config.scaling == Scaling::PerVector ? "scaled"
                                                                   : "integer",
                              config.scaledProductBits()));
    precision->finish();
  }

  if (auto buffers = top.object_("buffers_bytes")) {
    buffers->integer("weight", config.weightBufferBytes, 1, kMaxCount);
    buffers->integer("input", config.inputBufferBytes, 1, kMaxCount);
    buffers->integer("accumulator", config.accumulatorBufferBytes, 1,
                     kMaxCount);
    buffers->integer("global", config.globalBufferBytes, 1, kMaxCount);
    // A lane needs room for one weight vector (with its scale), a PE for
    // one input vector and one partial sum per lane.
    int64_t weightVectorBits =
        config.vectorSize * config.weightBits + config.weightScaleBits;
    int64_t inputVectorBits =
        config.vectorSize * config.activationBits + config.activationScaleBits;
    if (!error && config.weightBufferBytes * 8 <
                      config.lanesPerPE * weightVectorBits)
      buffers->fail("weight", formatv("{0} bytes cannot hold one weight "
                                      "vector per lane ({1} bits)",
                                      config.weightBufferBytes,
                                      config.lanesPerPE * weightVectorBits));
    if (!error && config.inputBufferBytes * 8 < inputVectorBits)
      buffers->fail("input", formatv("{0} bytes cannot hold one input vector "
                                     "({1} bits)",
                                     config.inputBufferBytes, inputVectorBits));
    if (!error && config.accumulatorBufferBytes * 8 <
                      config.lanesPerPE * int64_t(config.accumulatorBits))
      buffers->fail("accumulator",
                    formatv("{0} bytes cannot hold one partial sum per lane",
                            config.accumulatorBufferBytes));
    buffers->finish();
  }

  if (auto bandwidth = top.object_("bandwidth_bytes_per_cycle")) {
    bandwidth->number("dram", config.dramBytesPerCycle, /*positive=*/true);
    bandwidth->number("on_chip", config.onChipBytesPerCycle, true);
    bandwidth->finish();
  }
  top.number("clock_mhz", config.clockMHz, /*positive=*/true);

  if (auto technology = top.object_("technology", /*required=*/false)) {
    technology->number("node_nm", config.technology.nodeNm, true);
    technology->number("supply_v", config.technology.supplyVolts, true);
    technology->finish();
  }

  if (auto components = top.object_("components")) {
    ComponentTable &table = config.components;
    components->string("technology", table.technology);
    components->number("node_nm", table.nodeNm, true);
    components->number("supply_v", table.supplyVolts, true);
    components->string("source", table.source);
    if (auto mul = components->object_("multiplier")) {
      mul->number("energy_pj_per_bit2", table.multiplierEnergyPjPerBit2, true);
      mul->number("area_um2_per_bit2", table.multiplierAreaUm2PerBit2, true);
      mul->finish();
    }
    if (auto add = components->object_("adder")) {
      add->number("energy_pj_per_bit", table.adderEnergyPjPerBit, true);
      add->number("area_um2_per_bit", table.adderAreaUm2PerBit, true);
      add->finish();
    }
    if (auto reg = components->object_("register")) {
      reg->number("energy_pj_per_bit", table.registerEnergyPjPerBit, true);
      reg->number("area_um2_per_bit", table.registerAreaUm2PerBit, true);
      reg->finish();
    }
    if (auto sram = components->object_("sram")) {
      sram->number("energy_pj_per_bit", table.sramEnergyPjPerBit, true);
      sram->number("reference_bytes", table.sramReferenceBytes, true);
      sram->number("energy_size_exponent", table.sramEnergySizeExponent,
                   false);
      sram->number("area_um2_per_bit", table.sramAreaUm2PerBit, true);
      sram->finish();
    }
    if (auto dram = components->object_("dram")) {
      dram->number("energy_pj_per_bit", table.dramEnergyPjPerBit, true);
      dram->finish();
    }
    components->finish();
  }
  top.finish();
  if (error)
    return std::move(error);
  return config;
}

Expected<Config> vsquant::accel::readConfig(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buffer =
      MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/true);
  if (!buffer)
    return createStringError(buffer.getError(), "%s: cannot read: %s",
                             path.str().c_str(),
                             buffer.getError().message().c_str());
  return parseConfig((*buffer)->getBuffer(), path);
}

json::Value vsquant::accel::toJSON(const Config &config) {
  const ComponentTable &table = config.components;
  json::Object precision{
      {"scaling", scalingName(config.scaling)},
      {"weight_bits", config.weightBits},
      {"activation_bits", config.activationBits},
      {"accumulator_bits", config.accumulatorBits}};
  if (config.scaling == Scaling::PerVector) {
    precision["weight_scale_bits"] = config.weightScaleBits;
    precision["activation_scale_bits"] = config.activationScaleBits;
  }
  json::Object root{
      {"format_version", config.formatVersion},
      {"name", config.name},
      {"description", config.description},
      {"array",
       json::Object{{"pes", config.pes},
                    {"lanes_per_pe", config.lanesPerPE},
                    {"vector_size", config.vectorSize},
                    {"ppu_lanes", config.ppuLanes}}},
      {"precision", std::move(precision)},
      {"buffers_bytes",
       json::Object{{"weight", config.weightBufferBytes},
                    {"input", config.inputBufferBytes},
                    {"accumulator", config.accumulatorBufferBytes},
                    {"global", config.globalBufferBytes}}},
      {"bandwidth_bytes_per_cycle",
       json::Object{{"dram", config.dramBytesPerCycle},
                    {"on_chip", config.onChipBytesPerCycle}}},
      {"clock_mhz", config.clockMHz},
      {"components",
       json::Object{
           {"technology", table.technology},
           {"node_nm", table.nodeNm},
           {"supply_v", table.supplyVolts},
           {"source", table.source},
           {"multiplier",
            json::Object{{"energy_pj_per_bit2", table.multiplierEnergyPjPerBit2},
                         {"area_um2_per_bit2", table.multiplierAreaUm2PerBit2}}},
           {"adder", json::Object{{"energy_pj_per_bit", table.adderEnergyPjPerBit},
                                  {"area_um2_per_bit", table.adderAreaUm2PerBit}}},
           {"register",
            json::Object{{"energy_pj_per_bit", table.registerEnergyPjPerBit},
                         {"area_um2_per_bit", table.registerAreaUm2PerBit}}},
           {"sram",
            json::Object{{"energy_pj_per_bit", table.sramEnergyPjPerBit},
                         {"reference_bytes", table.sramReferenceBytes},
                         {"energy_size_exponent", table.sramEnergySizeExponent},
                         {"area_um2_per_bit", table.sramAreaUm2PerBit}}},
           {"dram", json::Object{{"energy_pj_per_bit", table.dramEnergyPjPerBit}}},
       }}};
  if (config.technology.nodeNm > 0 || config.technology.supplyVolts > 0)
    root["technology"] =
        json::Object{{"node_nm", config.technology.nodeNm > 0
                                     ? config.technology.nodeNm
                                     : table.nodeNm},
                     {"supply_v", config.technology.supplyVolts > 0
                                      ? config.technology.supplyVolts
                                      : table.supplyVolts}};
  return root;
}
