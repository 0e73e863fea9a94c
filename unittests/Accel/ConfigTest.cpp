//===- ConfigTest.cpp - Accelerator config reader -------------------------===//

#include "vsquant/Accel/Config.h"

#include "llvm/Support/JSON.h"

#include <gtest/gtest.h>

using namespace vsquant::accel;

namespace {
const char *kValid = R"({
  "format_version": 1, "name": "tiny",
  "array": {"pes": 2, "lanes_per_pe": 4, "vector_size": 16, "ppu_lanes": 2},
  "precision": {"scaling": "per_vector", "weight_bits": 4,
                "activation_bits": 4, "weight_scale_bits": 4,
                "activation_scale_bits": 4, "accumulator_bits": 24},
  "buffers_bytes": {"weight": 4096, "input": 2048, "accumulator": 1024,
                    "global": 65536},
  "bandwidth_bytes_per_cycle": {"dram": 16, "on_chip": 64},
  "clock_mhz": 500,
  "components": {"technology": "45nm", "node_nm": 45, "supply_v": 0.9,
    "source": "test",
    "multiplier": {"energy_pj_per_bit2": 0.003, "area_um2_per_bit2": 4.4},
    "adder": {"energy_pj_per_bit": 0.004, "area_um2_per_bit": 4.5},
    "register": {"energy_pj_per_bit": 0.004, "area_um2_per_bit": 4.5},
    "sram": {"energy_pj_per_bit": 0.156, "reference_bytes": 8192,
             "energy_size_exponent": 0.5, "area_um2_per_bit": 0.58},
    "dram": {"energy_pj_per_bit": 20}}
})";

/// kValid with `path` (dot separated) replaced by `value`, or removed when
/// `value` is null.
std::string edited(llvm::StringRef path, llvm::json::Value value) {
  llvm::json::Value root = cantFail(llvm::json::parse(kValid));
  llvm::json::Object *object = root.getAsObject();
  llvm::SmallVector<llvm::StringRef> keys;
  path.split(keys, '.');
  for (size_t i = 0; i + 1 < keys.size(); ++i)
    object = object->getObject(keys[i]);
  if (value.kind() == llvm::json::Value::Null)
    object->erase(keys.back());
  else
    (*object)[keys.back()] = std::move(value);
  std::string text;
  llvm::raw_string_ostream(text) << root;
  return text;
}

std::string errorOf(const std::string &json) {
  llvm::Expected<Config> config = parseConfig(json, "c.json");
  if (config)
    return "";
  return llvm::toString(config.takeError());
}
} // namespace

TEST(AccelConfig, ParsesAllFields) {
  Config config = cantFail(parseConfig(kValid, "c.json"));
  EXPECT_EQ(config.name, "tiny");
  EXPECT_EQ(config.pes, 2);
  EXPECT_EQ(config.lanesPerPE, 4);
  EXPECT_EQ(config.vectorSize, 16);
  EXPECT_EQ(config.ppuLanes, 2);
  EXPECT_EQ(config.scaling, Scaling::PerVector);
  EXPECT_EQ(config.weightScaleBits, 4u);
  EXPECT_EQ(config.accumulatorBits, 24u);
  EXPECT_EQ(config.globalBufferBytes, 65536);
  EXPECT_DOUBLE_EQ(config.dramBytesPerCycle, 16);
  EXPECT_DOUBLE_EQ(config.components.sramAreaUm2PerBit, 0.58);
  EXPECT_EQ(config.macsPerCycle(), 2 * 4 * 16);
  // 4 + 4 bits per product, log2(16) = 4 more for the sum of 16.
  EXPECT_EQ(config.dotProductBits(), 12u);
  EXPECT_EQ(config.scaledProductBits(), 20u);
  EXPECT_DOUBLE_EQ(config.energyScale(), 1.0);
}

TEST(AccelConfig, RoundTripsThroughJSON) {
  Config config = cantFail(parseConfig(kValid, "c.json"));
  std::string text;
  llvm::raw_string_ostream(text) << toJSON(config);
  Config again = cantFail(parseConfig(text, "again.json"));
  EXPECT_EQ(again.name, config.name);
  EXPECT_EQ(again.ppuLanes, config.ppuLanes);
  EXPECT_EQ(again.weightBufferBytes, config.weightBufferBytes);
  EXPECT_DOUBLE_EQ(again.components.dramEnergyPjPerBit, 20);
}

TEST(AccelConfig, TechnologyScaling) {
  Config config = cantFail(parseConfig(
      edited("technology", llvm::json::Object{{"node_nm", 5},
                                              {"supply_v", 0.45}}),
      "c.json"));
  // (5 / 45) * (0.45 / 0.9)^2 and (5 / 45)^2.
  EXPECT_NEAR(config.energyScale(), 5.0 / 45 * 0.25, 1e-12);
  EXPECT_NEAR(config.areaScale(), 25.0 / 2025, 1e-12);
}

TEST(AccelConfig, ErrorsNameTheField) {
  EXPECT_EQ(errorOf(edited("array.pes", nullptr)),
            "c.json: field 'array.pes': missing");
  EXPECT_EQ(errorOf(edited("array.pes", "two")),
            "c.json: field 'array.pes': expected an integer");
  EXPECT_EQ(errorOf(edited("array.pes", 0)),
            "c.json: field 'array.pes': must be in 1..1048576, got 0");
  EXPECT_EQ(errorOf(edited("precision.weight_bits", 9)),
            "c.json: field 'precision.weight_bits': must be in 2..8, got 9");
  EXPECT_EQ(errorOf(edited("precision.scaling", "per_row")),
            "c.json: field 'precision.scaling': must be per_vector or "
            "per_channel, got 'per_row'");
  EXPECT_EQ(errorOf(edited("precision.accumulator_bits", 16)),
            "c.json: field 'precision.accumulator_bits': 16 bits cannot hold "
            "one scaled vector product (needs 20)");
  EXPECT_EQ(errorOf(edited("components.dram.energy_pj_per_bit", -1)),
            "c.json: field 'components.dram.energy_pj_per_bit': must be > 0, "
            "got -1");
  EXPECT_EQ(errorOf(edited("array.lanes", 4)),
            "c.json: field 'array.lanes': unknown field");
  EXPECT_EQ(errorOf(edited("format_version", 2)),
            "c.json: field 'format_version': unsupported version 2 (this "
            "reader reads 1)");
  EXPECT_EQ(errorOf(edited("buffers_bytes.input", 4)),
            "c.json: field 'buffers_bytes.input': 4 bytes cannot hold one "
            "input vector (68 bits)");
  EXPECT_EQ(errorOf(edited("clock_mhz", "fast")),
            "c.json: field 'clock_mhz': expected a finite number");
  EXPECT_EQ(errorOf("[1]"), "c.json: expected a JSON object");
  EXPECT_NE(errorOf("{").find("c.json: invalid JSON"), std::string::npos);
}

TEST(AccelConfig, PerChannelHasNoScaleBits) {
  std::string perChannel = edited("precision.scaling", "per_channel");
  EXPECT_EQ(errorOf(perChannel),
            "c.json: field 'precision.weight_scale_bits': must be in 0..0, "
            "got 4");
  llvm::json::Value root = cantFail(llvm::json::parse(perChannel));
  auto *precision = root.getAsObject()->getObject("precision");
  precision->erase("weight_scale_bits");
  precision->erase("activation_scale_bits");
  std::string text;
  llvm::raw_string_ostream(text) << root;
  Config config = cantFail(parseConfig(text, "c.json"));
  EXPECT_EQ(config.scaling, Scaling::PerChannel);
  EXPECT_EQ(config.scaledProductBits(), 12u);
}
