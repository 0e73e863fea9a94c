//===- Statistics.cpp - Activation statistics and calibration tables ------===//

#include "vsquant/Quant/Statistics.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace vsquant::quant;
using llvm::ArrayRef;
using llvm::StringRef;

//===----------------------------------------------------------------------===//
// Collecting
//===----------------------------------------------------------------------===//

double TensorStatistics::variance() const {
  if (count == 0)
    return 0.0;
  double m = mean();
  return std::max(0.0, sumSquares / double(count) - m * m);
}

/// Calls `visit(vectorValues...)` per vector: runs of `vectorSize` elements
/// along `axis` of a row-major tensor of `shape` (the last run of a line may
/// be shorter: the tail vector of SPEC.md section 1).
template <typename Visit>
static void forEachVectorMax(ArrayRef<float> data, ArrayRef<int64_t> shape,
                             int64_t axis, int64_t vectorSize, Visit visit) {
  int64_t outer = 1, inner = 1, length = shape.empty() ? 1 : shape[axis];
  for (int64_t i = 0; i < axis; ++i)
    outer *= shape[i];
  for (size_t i = axis + 1; i < shape.size(); ++i)
    inner *= shape[i];
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i)
      for (int64_t start = 0; start < length; start += vectorSize) {
        int64_t end = std::min(length, start + vectorSize);
        float maxAbs = 0.0f;
        for (int64_t k = start; k < end; ++k)
          maxAbs = std::max(maxAbs, std::fabs(data[(o * length + k) * inner + i]));
        visit(maxAbs);
      }
}

llvm::Error TensorStatistics::observeRange(ArrayRef<float> data) {
  double localMax = 0, localSum = 0, localSquares = 0;
  for (size_t i = 0, e = data.size(); i < e; ++i) {
    double x = data[i];
    if (!std::isfinite(x))
      return llvm::createStringError(
          llvm::formatv("element {0} is {1}", i,
                        std::isnan(x) ? "NaN" : (x > 0 ? "+Inf" : "-Inf"))
              .str());
    localMax = std::max(localMax, std::fabs(x));
    localSum += x;
    localSquares += x * x;
  }
  maxAbs = std::max(maxAbs, localMax);
  sum += localSum;
  sumSquares += localSquares;
  count += data.size();
  return llvm::Error::success();
}

void TensorStatistics::startHistograms() {
  magnitudes = Histogram();
  magnitudes.maxAbs = maxAbs;
  vectorMaxima = Histogram();
  vectorMaxima.maxAbs = maxAbs;
  vectorCount = 0;
}

void TensorStatistics::observeHistograms(ArrayRef<float> data) {
  magnitudes.add(data);
  std::vector<float> maxima;
  forEachVectorMax(data, shape, vectorAxis, vectorSize,
                   [&](float m) { maxima.push_back(m); });
  vectorMaxima.add(maxima);
  vectorCount += maxima.size();
}

//===----------------------------------------------------------------------===//
// Thresholds from histograms
//===----------------------------------------------------------------------===//

static double binCentre(const Histogram &h, int64_t bin) {
  return (double(bin) + 0.5) * h.maxAbs / double(Histogram::kBins);
}

/// Squared error of quantizing magnitude m with threshold alpha.
static double magnitudeError(double m, float alpha, ElementFormat format) {
  float scale = alpha / float(format.qmax());
  double q = quantizeValue(float(m), scale, format, Rounding::HalfToEven);
  double e = m - q * double(scale);
  return e * e;
}

float vsquant::quant::thresholdFromHistogram(const Histogram &histogram,
                                             ElementFormat format,
                                             const CalibrationOptions &options) {
  uint64_t total = 0;
  for (uint64_t c : histogram.counts)
    total += c;
  if (total == 0 || !(histogram.maxAbs > 0))
    return 0.0f;
  switch (options.method) {
  case Method::Max:
    return float(histogram.maxAbs);
  case Method::Percentile:
    return percentileFromHistogram(histogram, options.percentile);
  case Method::Entropy:
    return entropyFromHistogram(histogram, format);
  case Method::MSE: {
    int64_t grid = std::max<int64_t>(1, options.mseGridPoints);
    float best = float(histogram.maxAbs);
    double bestError = INFINITY;
    for (int64_t k = 1; k <= grid; ++k) {
      float alpha = float(histogram.maxAbs * double(k) / double(grid));
      double error = 0;
      for (int64_t b = 0; b < Histogram::kBins; ++b)
        if (histogram.counts[b])
          error += double(histogram.counts[b]) *
                   magnitudeError(binCentre(histogram, b), alpha, format);
      if (error < bestError) {
        bestError = error;
        best = alpha;
      }
    }
    return best;
  }
  case Method::OCTAV: {
    // SPEC.md section 4's Newton iteration with expectations over the bin
    // centres.
    double c = 1.0 / (12.0 * double(format.qmax()) * double(format.qmax()));
    double s = 0;
    for (int iteration = 0; iteration < 30; ++iteration) {
      double above = 0, aboveSum = 0, below = 0;
      for (int64_t b = 0; b < Histogram::kBins; ++b) {
        double m = binCentre(histogram, b), n = double(histogram.counts[b]);
        if (m > s) {
          above += n;
          aboveSum += n * m;
        } else {
          below += n;
        }
      }
      if (above == 0)
        break;
      double next = (aboveSum / double(total)) /
                    (c * below / double(total) + above / double(total));
      bool converged = std::fabs(next - s) < 1e-4 * s;
      s = next;
      if (converged)
        break;
    }
    return std::min(float(s), float(histogram.maxAbs));
  }
  }
  return float(histogram.maxAbs);
}

float vsquant::quant::coarseScaleOfThreshold(double threshold,
                                             unsigned scaleBits) {
  return float(threshold / double((uint64_t(1) << scaleBits) - 1));
}

float vsquant::quant::vectorScaleThreshold(const TensorStatistics &stats,
                                           ElementFormat format,
                                           const CalibrationOptions &options) {
  float maxima = options.method == Method::Percentile
                     ? percentileFromHistogram(stats.vectorMaxima,
                                               options.percentile)
                     : float(stats.maxAbs);
  return maxima / float(format.qmax());
}

//===----------------------------------------------------------------------===//
// The table
//===----------------------------------------------------------------------===//

const TensorStatistics *CalibrationTable::find(StringRef name) const {
  for (const TensorStatistics &t : tensors)
    if (t.name == name)
      return &t;
  return nullptr;
}

static llvm::json::Value histogramToJson(const Histogram &h) {
  llvm::json::Array counts;
  for (uint64_t c : h.counts)
    counts.push_back(int64_t(c));
  return llvm::json::Object{{"range", h.maxAbs}, {"counts", std::move(counts)}};
}

llvm::Error vsquant::quant::writeCalibrationTable(const CalibrationTable &table,
                                                  StringRef path) {
  llvm::json::Array tensors;
  for (const TensorStatistics &t : table.tensors) {
    llvm::json::Array shape;
    for (int64_t d : t.shape)
      shape.push_back(d);
    tensors.push_back(llvm::json::Object{
        {"name", t.name},
        {"shape", std::move(shape)},
        {"vector_axis", t.vectorAxis},
        {"vector_size", t.vectorSize},
        {"count", int64_t(t.count)},
        {"vector_count", int64_t(t.vectorCount)},
        {"max_abs", t.maxAbs},
        {"mean", t.mean()},
        {"variance", t.variance()},
        {"sum", t.sum},
        {"sum_squares", t.sumSquares},
        {"histogram", histogramToJson(t.magnitudes)},
        {"vector_max_histogram", histogramToJson(t.vectorMaxima)}});
  }
  llvm::json::Object root{{"format", "vsquant-calibration-table"},
                          {"version", CalibrationTable::kVersion},
                          {"model", table.model},
                          {"samples", table.samples},
                          {"tensors", std::move(tensors)}};
  // writeToOutput writes a temporary file and renames it: never half a
  // table.
  llvm::json::Value json(std::move(root));
  if (llvm::Error e = llvm::writeToOutput(path, [&](llvm::raw_ostream &os) {
        os << llvm::formatv("{0:2}", json) << "\n";
        return llvm::Error::success();
      }))
    // The error names the path already.
    return llvm::createStringError("cannot write calibration table: " +
                                   llvm::toString(std::move(e)));
  return llvm::Error::success();
}

namespace {
/// Reads fields with errors that name the table, the tensor and the field.
struct TableReader {
  StringRef file;
  std::string where;

  llvm::Error fail(const llvm::Twine &message) const {
    return llvm::createStringError(
        (file + ": " + where + (where.empty() ? "" : ": ") + message).str());
  }
  llvm::Expected<double> number(const llvm::json::Object &o, StringRef key,
                                bool nonNegative = true) const {
    std::optional<double> v = o.getNumber(key);
    if (!v)
      return fail("missing or non-numeric '" + key + "'");
    if (!std::isfinite(*v) || (nonNegative && *v < 0))
      return fail("'" + key + "' must be a finite" +
                  (nonNegative ? " non-negative" : "") + " number");
    return *v;
  }
  llvm::Expected<int64_t> integer(const llvm::json::Object &o,
                                  StringRef key) const {
    std::optional<int64_t> v = o.getInteger(key);
    if (!v || *v < 0)
      return fail("missing or invalid '" + key +
                  "' (a non-negative integer)");
    return *v;
  }
  llvm::Expected<Histogram> histogram(const llvm::json::Object &o,
                                      StringRef key) const {
    const llvm::json::Object *h = o.getObject(key);
    if (!h)
      return fail("missing '" + key + "'");
    Histogram result;
    llvm::Expected<double> range = number(*h, "range");
    if (!range)
      return range.takeError();
    result.maxAbs = *range;
    const llvm::json::Array *counts = h->getArray("counts");
    if (!counts || counts->size() != size_t(Histogram::kBins))
      return fail("'" + key + ".counts' must be an array of " +
                  llvm::Twine(Histogram::kBins) + " counts");
    for (size_t i = 0; i < counts->size(); ++i) {
      std::optional<int64_t> c = (*counts)[i].getAsInteger();
      if (!c || *c < 0)
        return fail("'" + key + ".counts[" + llvm::Twine(i) +
                    "]' is not a non-negative integer");
      result.counts[i] = uint64_t(*c);
    }
    return result;
  }
};
} // namespace

llvm::Expected<CalibrationTable>
vsquant::quant::parseCalibrationTable(StringRef json, StringRef name) {
  TableReader reader{name, ""};
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(json);
  if (!parsed)
    return reader.fail("not valid JSON: " + llvm::toString(parsed.takeError()));
  const llvm::json::Object *root = parsed->getAsObject();
  if (!root || root->getString("format") != "vsquant-calibration-table")
    return reader.fail("not a vsquant calibration table (\"format\" must be "
                       "\"vsquant-calibration-table\")");
  std::optional<int64_t> version = root->getInteger("version");
  if (version != CalibrationTable::kVersion)
    return reader.fail("unsupported version " +
                       (version ? llvm::Twine(*version) : llvm::Twine("?")) +
                       " (this build reads version " +
                       llvm::Twine(CalibrationTable::kVersion) + ")");
  CalibrationTable table;
  std::optional<StringRef> model = root->getString("model");
  if (!model)
    return reader.fail("missing 'model'");
  table.model = model->str();
  llvm::Expected<int64_t> samples = reader.integer(*root, "samples");
  if (!samples)
    return samples.takeError();
  table.samples = *samples;
  const llvm::json::Array *tensors = root->getArray("tensors");
  if (!tensors)
    return reader.fail("missing 'tensors' array");
  for (size_t i = 0; i < tensors->size(); ++i) {
    reader.where = ("tensors[" + llvm::Twine(i) + "]").str();
    const llvm::json::Object *t = (*tensors)[i].getAsObject();
    if (!t)
      return reader.fail("not an object");
    TensorStatistics stats;
    std::optional<StringRef> tensorName = t->getString("name");
    if (!tensorName)
      return reader.fail("missing 'name'");
    stats.name = tensorName->str();
    reader.where += " ('" + stats.name + "')";
    const llvm::json::Array *shape = t->getArray("shape");
    if (!shape)
      return reader.fail("missing 'shape'");
    for (const llvm::json::Value &d : *shape) {
      std::optional<int64_t> dim = d.getAsInteger();
      if (!dim || *dim < 1)
        return reader.fail("'shape' must hold positive integers");
      stats.shape.push_back(*dim);
    }
    llvm::Expected<int64_t> axis = reader.integer(*t, "vector_axis");
    if (!axis)
      return axis.takeError();
    if (*axis >= int64_t(std::max<size_t>(1, stats.shape.size())))
      return reader.fail("'vector_axis' is out of range for the shape");
    stats.vectorAxis = *axis;
    llvm::Expected<int64_t> size = reader.integer(*t, "vector_size");
    if (!size)
      return size.takeError();
    if (*size < 1)
      return reader.fail("'vector_size' must be at least 1");
    stats.vectorSize = *size;
    // Each field is checked as it is read (an unchecked llvm::Expected
    // must not outlive an error).
    llvm::Expected<int64_t> count = reader.integer(*t, "count");
    if (!count)
      return count.takeError();
    llvm::Expected<int64_t> vectors = reader.integer(*t, "vector_count");
    if (!vectors)
      return vectors.takeError();
    llvm::Expected<double> maxAbs = reader.number(*t, "max_abs");
    if (!maxAbs)
      return maxAbs.takeError();
    llvm::Expected<double> sum = reader.number(*t, "sum", false);
    if (!sum)
      return sum.takeError();
    llvm::Expected<double> squares = reader.number(*t, "sum_squares");
    if (!squares)
      return squares.takeError();
    stats.count = uint64_t(*count);
    stats.vectorCount = uint64_t(*vectors);
    stats.maxAbs = *maxAbs;
    stats.sum = *sum;
    stats.sumSquares = *squares;
    llvm::Expected<Histogram> magnitudes = reader.histogram(*t, "histogram");
    if (!magnitudes)
      return magnitudes.takeError();
    llvm::Expected<Histogram> maxima =
        reader.histogram(*t, "vector_max_histogram");
    if (!maxima)
      return maxima.takeError();
    stats.magnitudes = std::move(*magnitudes);
    stats.vectorMaxima = std::move(*maxima);
    if (table.find(stats.name))
      return reader.fail("duplicate tensor name");
    table.tensors.push_back(std::move(stats));
  }
  return table;
}

llvm::Expected<CalibrationTable>
vsquant::quant::readCalibrationTable(StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return llvm::createStringError(buffer.getError(),
                                   "cannot read calibration table '" + path +
                                       "': " + buffer.getError().message());
  return parseCalibrationTable((*buffer)->getBuffer(), path);
}
