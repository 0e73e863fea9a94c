//===- vsq-accel-cost.cpp - accelerator cost report -------------*- C++ -*-===//
//
// Reads accelerator configs (accel/*.json) and prices layers on each with the
// analytical cost model: cycles, utilisation, traffic, energy split and area,
// as a readable table, JSON and an SVG bar chart. With --baseline it prints
// the savings table of docs/Accelerator.md.
//
//===----------------------------------------------------------------------===//

#include "vsquant/Accel/CostModel.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;
using namespace vsquant::accel;

static cl::OptionCategory category("Cost model options");
static cl::list<std::string> configPaths(cl::Positional, cl::OneOrMore,
                                         cl::desc("<config.json>..."),
                                         cl::cat(category));
static cl::list<std::string>
    layerSpecs("layer",
               cl::desc("[name=]matmul:M,K,N, [name=]batch_matmul:B,M,K,N, "
                        "[name=]conv2d:N,H,W,C,F,KH,KW[,STRIDE[,PAD]] or "
                        "[name=]depthwise_conv2d:N,H,W,C,KH,KW[,STRIDE[,PAD]]"),
               cl::cat(category));
static cl::opt<std::string>
    baselinePath("baseline",
                 cl::desc("Config the others are compared with (savings)"),
                 cl::value_desc("config.json"), cl::cat(category));
static cl::opt<bool> checkOnly("check",
                               cl::desc("Only read and check the configs"),
                               cl::cat(category));
static cl::opt<std::string> jsonPath("json", cl::desc("Write a JSON report"),
                                     cl::value_desc("path"), cl::cat(category));
static cl::opt<std::string>
    svgPath("svg", cl::desc("Write an SVG bar chart of area and energy "
                            "relative to --baseline"),
            cl::value_desc("path"), cl::cat(category));

static int fail(const Twine &message) {
  WithColor::error(errs(), "vsq-accel-cost") << message << "\n";
  return 1;
}

/// Parses one --layer for a machine with vector size `v`.
static Expected<Layer> parseLayer(StringRef spec, int64_t v) {
  StringRef name, rest = spec;
  if (rest.contains('='))
    std::tie(name, rest) = rest.split('=');
  auto [kind, dims] = rest.split(':');
  SmallVector<StringRef> parts;
  dims.split(parts, ',');
  SmallVector<int64_t> values;
  for (StringRef part : parts) {
    int64_t value;
    if (part.trim().getAsInteger(10, value) || value <= 0 || value > (1 << 24))
      return createStringError(inconvertibleErrorCode(),
                               "--layer '%s': '%s' is not a dimension in "
                               "1..16777216",
                               spec.str().c_str(), part.str().c_str());
    values.push_back(value);
  }
  std::string label = name.empty() ? spec.str() : name.str();
  if (kind == "matmul" && values.size() == 3)
    return matmulLayer(label, values[0], values[1], values[2], v);
  if (kind == "conv2d" && values.size() >= 7 && values.size() <= 9) {
    int64_t stride = values.size() > 7 ? values[7] : 1;
    int64_t pad = values.size() > 8 ? values[8] : 0;
    if (values[1] + 2 * pad < values[5] || values[2] + 2 * pad < values[6])
      return createStringError(inconvertibleErrorCode(),
                               "--layer '%s': the filter is larger than the "
                               "padded input",
                               spec.str().c_str());
    // The layer's M = N * OH * OW and K = KH * KW * C are int64: check
    // they and the MAC count fit before building it.
    int64_t oh = (values[1] + 2 * pad - values[5]) / stride + 1;
    int64_t ow = (values[2] + 2 * pad - values[6]) / stride + 1;
    int64_t macs = values[0];
    for (int64_t factor : {oh, ow, values[5], values[6], values[3], values[4]})
      if (MulOverflow(macs, factor, macs))
        return createStringError(inconvertibleErrorCode(),
                                 "--layer '%s': more than 2^63 MACs",
                                 spec.str().c_str());
    return conv2dLayer(label, values[0], values[1], values[2], values[3],
                       values[4], values[5], values[6], stride, pad, v);
  }
  if (kind == "batch_matmul" && values.size() == 4)
    return batchMatmulLayer(label, values[0], values[1], values[2], values[3],
                            v);
  if (kind == "depthwise_conv2d" && values.size() >= 6 && values.size() <= 8) {
    int64_t stride = values.size() > 6 ? values[6] : 1;
    int64_t pad = values.size() > 7 ? values[7] : 0;
    if (values[1] + 2 * pad < values[4] || values[2] + 2 * pad < values[5])
      return createStringError(inconvertibleErrorCode(),
                               "--layer '%s': the window is larger than the "
                               "padded input",
                               spec.str().c_str());
    return depthwiseConv2dLayer(label, values[0], values[1], values[2],
                                values[3], values[4], values[5], stride, pad,
                                v);
  }
  return createStringError(inconvertibleErrorCode(),
                           "--layer '%s': expected matmul:M,K,N, "
                           "batch_matmul:B,M,K,N, "
                           "conv2d:N,H,W,C,F,KH,KW[,STRIDE[,PAD]] or "
                           "depthwise_conv2d:N,H,W,C,KH,KW[,STRIDE[,PAD]]",
                           spec.str().c_str());
}

namespace {
struct Report {
  Config config;
  std::vector<LayerCost> layers;
  Breakdown energy; // summed over layers
  Breakdown area;
  int64_t macs = 0, cycles = 0;
  double energyTotal() const { return total(energy); }
  double areaTotal() const { return total(area); }
};
} // namespace

static Expected<Report> price(const Config &config) {
  Report report;
  report.config = config;
  report.area = estimateArea(config);
  for (const std::string &spec : layerSpecs) {
    Expected<Layer> layer = parseLayer(spec, config.vectorSize);
    if (!layer)
      return layer.takeError();
    Expected<LayerCost> cost = estimateLayer(config, *layer);
    if (!cost)
      return createStringError(inconvertibleErrorCode(), "%s: %s",
                               config.name.c_str(),
                               toString(cost.takeError()).c_str());
    if (report.energy.empty())
      report.energy = cost->energyPj;
    else
      for (auto [sum, part] : zip(report.energy, cost->energyPj))
        sum.second += part.second;
    report.macs += cost->macs;
    report.cycles += cost->cycles;
    report.layers.push_back(std::move(*cost));
  }
  return report;
}

/// Everything but DRAM: what a chip's measured TOPS/W covers.
static double onChipEnergyPj(const Report &r) {
  double energy = r.energyTotal();
  for (const auto &[name, pj] : r.energy)
    if (name == "dram")
      energy -= pj;
  return energy;
}

static void printReport(raw_ostream &os, const Report &r) {
  const Config &c = r.config;
  os << formatv("== {0}: {1} PEs x {2} lanes x V={3}, W{4}A{5} {6}", c.name,
                c.pes, c.lanesPerPE, c.vectorSize, c.weightBits,
                c.activationBits, scalingName(c.scaling));
  if (c.scaling == Scaling::PerVector)
    os << formatv(" ui{0}/ui{1} scales", c.weightScaleBits,
                  c.activationScaleBits);
  os << formatv(", {0}-bit accumulators\n", c.accumulatorBits);
  os << formatv("{0,-16} {1,12} {2,12} {3,6} {4,12} {5,12}\n", "layer",
                "MACs", "cycles", "util", "DRAM bytes", "energy uJ");
  for (const LayerCost &l : r.layers)
    os << formatv("{0,-16} {1,12} {2,12} {3,6:P0} {4,12} {5,12:F3}\n",
                  l.layer.name, l.macs, l.cycles, l.utilization,
                  l.dramReadBytes + l.dramWriteBytes,
                  total(l.energyPj) * 1e-6);
  if (!r.layers.empty()) {
    os << "energy split:";
    for (const auto &[name, pj] : r.energy)
      os << formatv(" {0} {1:P1}", name, pj / r.energyTotal());
    os << formatv("\nenergy per MAC: {0:F4} pJ (PEs {1:F4} pJ, datapath "
                  "{2:F4} pJ)\n",
                  r.energyTotal() / r.macs, peTotal(r.energy) / r.macs,
                  datapathEnergyPerMacPj(c));
  }
  os << formatv("area: {0:F3} mm^2:", r.areaTotal() * 1e-6);
  for (const auto &[name, um2] : r.area)
    os << formatv(" {0} {1:P1}", name, um2 / r.areaTotal());
  os << "\n";
}

/// Savings against the baseline in three scopes: the PEs (what a PE
/// synthesis study measures), the whole machine with its global buffer and
/// DRAM, the datapath alone (multipliers, adders, scale units) and the
/// multipliers alone.
static void printComparison(raw_ostream &os, const Report &base,
                            ArrayRef<Report> reports) {
  os << "| config | PE area mm^2 | PE area saving | machine area saving | "
        "PE energy/MAC pJ | PE energy saving | system energy saving | "
        "datapath energy saving | multiplier energy saving | on-chip "
        "energy/MAC fJ |\n|---|---|---|---|---|---|---|---|---|---|\n";
  double baseDatapath = datapathEnergyPerMacPj(base.config);
  double basePe = peTotal(base.energy) / base.macs;
  double baseSystem = base.energyTotal() / base.macs;
  double baseMultiplier = multiplierEnergyPerMacPj(base.config);
  for (const Report &r : reports) {
    double pe = peTotal(r.energy) / r.macs;
    os << formatv("| {0} | {1:F3} | {2:P1} | {3:P1} | {4:F4} | {5:P1} | "
                  "{6:P1} | {7:P1} | {8:P1} | {9:F2} |\n",
                  r.config.name, peTotal(r.area) * 1e-6,
                  1 - peTotal(r.area) / peTotal(base.area),
                  1 - r.areaTotal() / base.areaTotal(), pe, 1 - pe / basePe,
                  1 - (r.energyTotal() / r.macs) / baseSystem,
                  1 - datapathEnergyPerMacPj(r.config) / baseDatapath,
                  1 - multiplierEnergyPerMacPj(r.config) / baseMultiplier,
                  onChipEnergyPj(r) / r.macs * 1e3);
  }
}

static json::Value toJSON(const Report &r, const Report *base) {
  json::Array layers;
  for (const LayerCost &l : r.layers)
    layers.push_back(vsquant::accel::toJSON(l));
  json::Object area, energy;
  for (const auto &[name, um2] : r.area)
    area[name] = um2;
  for (const auto &[name, pj] : r.energy)
    energy[name] = pj;
  json::Object object{{"config", r.config.name},
                      {"layers", std::move(layers)},
                      {"macs", r.macs},
                      {"cycles", r.cycles},
                      {"energy_pj", std::move(energy)},
                      {"energy_total_pj", r.energyTotal()},
                      {"area_um2", std::move(area)},
                      {"area_total_um2", r.areaTotal()},
                      {"datapath_energy_per_mac_pj",
                       datapathEnergyPerMacPj(r.config)}};
  object["pe_area_um2"] = peTotal(r.area);
  if (r.macs) {
    object["energy_per_mac_pj"] = r.energyTotal() / r.macs;
    object["pe_energy_per_mac_pj"] = peTotal(r.energy) / r.macs;
    object["on_chip_energy_per_mac_pj"] = onChipEnergyPj(r) / r.macs;
  }
  if (base && r.macs) {
    object["pe_area_saving"] = 1 - peTotal(r.area) / peTotal(base->area);
    object["machine_area_saving"] = 1 - r.areaTotal() / base->areaTotal();
    object["pe_energy_saving"] = 1 - (peTotal(r.energy) / r.macs) /
                                         (peTotal(base->energy) / base->macs);
    object["system_energy_saving"] = 1 - (r.energyTotal() / r.macs) /
                                             (base->energyTotal() / base->macs);
    object["multiplier_energy_saving"] =
        1 - multiplierEnergyPerMacPj(r.config) /
                multiplierEnergyPerMacPj(base->config);
    object["datapath_energy_saving"] =
        1 - datapathEnergyPerMacPj(r.config) /
                datapathEnergyPerMacPj(base->config);
  }
  return object;
}

/// Grouped bars: area and energy per MAC of each config relative to the
/// baseline (1.0 = baseline), with the values printed on the bars.
static std::string svgChart(const Report &base, ArrayRef<Report> reports) {
  std::string svg;
  raw_string_ostream os(svg);
  const int barWidth = 28, groupGap = 30, plotHeight = 240, top = 40,
            left = 60;
  int width = left + int(reports.size()) * (2 * barWidth + groupGap) + 20;
  int height = top + plotHeight + 90;
  os << formatv("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" "
                "height=\"{1}\" font-family=\"sans-serif\" font-size=\"11\">\n",
                width, height);
  os << formatv("<text x=\"{0}\" y=\"20\" font-size=\"14\">PE area and PE "
                "energy per MAC relative to {1}</text>\n",
                left, base.config.name);
  for (double tick : {0.0, 0.25, 0.5, 0.75, 1.0}) {
    int y = top + plotHeight - int(tick * plotHeight);
    os << formatv("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" "
                  "stroke=\"#ccc\"/><text x=\"{3}\" y=\"{4}\" "
                  "text-anchor=\"end\">{5:F2}</text>\n",
                  left, width - 10, y, left - 6, y + 4, tick);
  }
  int x = left + 10;
  for (const Report &r : reports) {
    double values[2] = {peTotal(r.area) / peTotal(base.area),
                        (peTotal(r.energy) / r.macs) /
                            (peTotal(base.energy) / base.macs)};
    const char *colors[2] = {"#4878d0", "#ee854a"};
    for (int i = 0; i < 2; ++i) {
      int h = int(std::min(values[i], 1.2) * plotHeight);
      os << formatv("<rect x=\"{0}\" y=\"{1}\" width=\"{2}\" height=\"{3}\" "
                    "fill=\"{4}\"/><text x=\"{5}\" y=\"{6}\" "
                    "text-anchor=\"middle\">{7:F2}</text>\n",
                    x + i * barWidth, top + plotHeight - h, barWidth - 2, h,
                    colors[i], x + i * barWidth + barWidth / 2,
                    top + plotHeight - h - 3, values[i]);
    }
    os << formatv("<text x=\"{0}\" y=\"{1}\" text-anchor=\"end\" "
                  "transform=\"rotate(-35 {0} {1})\">{2}</text>\n",
                  x + barWidth, top + plotHeight + 14, r.config.name);
    x += 2 * barWidth + groupGap;
  }
  os << formatv("<rect x=\"{0}\" y=\"{1}\" width=\"10\" height=\"10\" "
                "fill=\"#4878d0\"/><text x=\"{2}\" y=\"{3}\">area</text>"
                "<rect x=\"{4}\" y=\"{1}\" width=\"10\" height=\"10\" "
                "fill=\"#ee854a\"/><text x=\"{5}\" y=\"{3}\">energy per "
                "MAC</text>\n",
                width - 200, 10, width - 186, 19, width - 140, width - 126);
  os << "</svg>\n";
  return svg;
}

static Error writeFile(StringRef path, StringRef contents) {
  return writeToOutput(path, [&](raw_ostream &os) {
    os << contents;
    return Error::success();
  });
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "Accelerator cost model (docs/Accelerator.md)\n");
  if (!svgPath.empty() && baselinePath.empty())
    return fail("--svg needs --baseline");
  if ((!baselinePath.empty() || !svgPath.empty()) && layerSpecs.empty())
    return fail("--baseline needs at least one --layer to price energy");

  std::vector<Config> configs;
  for (const std::string &path : configPaths) {
    Expected<Config> config = readConfig(path);
    if (!config)
      return fail(toString(config.takeError()));
    configs.push_back(std::move(*config));
  }
  std::optional<Config> baseline;
  if (!baselinePath.empty()) {
    Expected<Config> config = readConfig(baselinePath);
    if (!config)
      return fail(toString(config.takeError()));
    baseline = std::move(*config);
  }
  if (checkOnly) {
    for (const Config &config : configs)
      outs() << "ok: " << config.name << "\n";
    return 0;
  }

  std::vector<Report> reports;
  for (const Config &config : configs) {
    Expected<Report> report = price(config);
    if (!report)
      return fail(toString(report.takeError()));
    reports.push_back(std::move(*report));
  }
  std::optional<Report> base;
  if (baseline) {
    Expected<Report> report = price(*baseline);
    if (!report)
      return fail(toString(report.takeError()));
    base = std::move(*report);
  }

  // Build every output before writing any, so that a failure leaves none.
  std::string json, svg;
  if (!jsonPath.empty()) {
    json::Array array;
    for (const Report &r : reports)
      array.push_back(toJSON(r, base ? &*base : nullptr));
    json::Object root{{"reports", std::move(array)}};
    if (base)
      root["baseline"] = base->config.name;
    json = formatv("{0:2}\n", json::Value(std::move(root)));
  }
  if (!svgPath.empty())
    svg = svgChart(*base, reports);

  for (const Report &r : reports)
    printReport(outs(), r);
  if (base) {
    outs() << "\nSavings against " << base->config.name << ":\n";
    printComparison(outs(), *base, reports);
  }
  if (!json.empty())
    if (Error error = writeFile(jsonPath, json))
      return fail(toString(std::move(error)));
  if (!svg.empty())
    if (Error error = writeFile(svgPath, svg))
      return fail(toString(std::move(error)));
  return 0;
}
