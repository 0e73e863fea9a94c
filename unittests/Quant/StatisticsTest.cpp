//===- StatisticsTest.cpp - Activation statistics and calibration tables --===//

#include "vsquant/Quant/Statistics.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace vsquant::quant;

namespace {

/// Runs both passes over `samples` (each a 2x4 tensor, vectors of 2 along
/// axis 1).
TensorStatistics collect(const std::vector<std::vector<float>> &samples) {
  TensorStatistics stats;
  stats.name = "act";
  stats.shape = {2, 4};
  stats.vectorAxis = 1;
  stats.vectorSize = 2;
  for (const auto &s : samples)
    EXPECT_FALSE(bool(stats.observeRange(s)));
  stats.startHistograms();
  for (const auto &s : samples)
    stats.observeHistograms(s);
  return stats;
}

TEST(Statistics, RangeMomentsAndHistograms) {
  // Sample 1: [[1, -2, 0, 4], [0.5, 0, -1, 1]]; sample 2: [[-8, 0, 2, 2],
  // [0, 0, 0, 0]]. max|x| = 8; sum = 3.5 + (-4) = -0.5; sum x^2 =
  // 1+4+16+0.25+1+1 + 64+4+4 = 95.25; n = 16.
  TensorStatistics s =
      collect({{1, -2, 0, 4, 0.5f, 0, -1, 1}, {-8, 0, 2, 2, 0, 0, 0, 0}});
  EXPECT_EQ(s.count, 16u);
  EXPECT_EQ(s.maxAbs, 8.0);
  EXPECT_DOUBLE_EQ(s.mean(), -0.5 / 16);
  EXPECT_DOUBLE_EQ(s.variance(), 95.25 / 16 - (0.5 / 16) * (0.5 / 16));
  // Bins of width 8 / 2048 = 1/256: |x| = 1 -> 256, 2 -> 512, 4 -> 1024,
  // 0.5 -> 128, 8 -> 2047 (clamped), 0 -> 0 (seven zeros).
  EXPECT_EQ(s.magnitudes.maxAbs, 8.0);
  EXPECT_EQ(s.magnitudes.counts[0], 7u);
  EXPECT_EQ(s.magnitudes.counts[128], 1u);
  EXPECT_EQ(s.magnitudes.counts[256], 3u);
  EXPECT_EQ(s.magnitudes.counts[512], 3u);
  EXPECT_EQ(s.magnitudes.counts[1024], 1u);
  EXPECT_EQ(s.magnitudes.counts[2047], 1u);
  // Vectors of 2 along rows: maxima 2, 4, 0.5, 1 | 8, 2, 0, 0.
  EXPECT_EQ(s.vectorCount, 8u);
  EXPECT_EQ(s.vectorMaxima.counts[512], 2u);   // 2, 2
  EXPECT_EQ(s.vectorMaxima.counts[1024], 1u);  // 4
  EXPECT_EQ(s.vectorMaxima.counts[128], 1u);   // 0.5
  EXPECT_EQ(s.vectorMaxima.counts[256], 1u);   // 1
  EXPECT_EQ(s.vectorMaxima.counts[2047], 1u);  // 8
  EXPECT_EQ(s.vectorMaxima.counts[0], 2u);     // 0, 0
}

TEST(Statistics, TailVectorAlongAnInnerAxis) {
  // 3x2 tensor, vectors of 2 along axis 0 (columns): column 0 = [1, -3, 5]
  // -> vectors [1, -3], [5]; column 1 = [2, 0, -1] -> [2, 0], [-1].
  TensorStatistics s;
  s.shape = {3, 2};
  s.vectorAxis = 0;
  s.vectorSize = 2;
  std::vector<float> data = {1, 2, -3, 0, 5, -1};
  ASSERT_FALSE(bool(s.observeRange(data)));
  s.startHistograms();
  s.observeHistograms(data);
  EXPECT_EQ(s.vectorCount, 4u);
  // Maxima 3, 5, 2, 1 over [0, 5]: bins floor(m * 2048 / 5).
  EXPECT_EQ(s.vectorMaxima.counts[1228], 1u); // 3 -> 1228.8
  EXPECT_EQ(s.vectorMaxima.counts[2047], 1u); // 5
  EXPECT_EQ(s.vectorMaxima.counts[819], 1u);  // 2 -> 819.2
  EXPECT_EQ(s.vectorMaxima.counts[409], 1u);  // 1 -> 409.6
}

TEST(Statistics, NonFiniteActivationsAreNamed) {
  TensorStatistics s;
  s.shape = {3};
  llvm::Error e = s.observeRange(std::vector<float>{1.0f, NAN, 2.0f});
  ASSERT_TRUE(bool(e));
  EXPECT_EQ(llvm::toString(std::move(e)), "element 1 is NaN");
  llvm::Error inf = s.observeRange(std::vector<float>{-INFINITY});
  EXPECT_EQ(llvm::toString(std::move(inf)), "element 0 is -Inf");
}

TEST(Statistics, ThresholdsFromHistograms) {
  Histogram h;
  h.maxAbs = 2048; // bin b covers [b, b + 1)
  h.counts[9] = 99;
  h.counts[2047] = 1;
  ElementFormat si8{8, true};
  CalibrationOptions max;
  EXPECT_EQ(thresholdFromHistogram(h, si8, max), 2048.0f);
  CalibrationOptions p99;
  p99.method = Method::Percentile;
  p99.percentile = 99;
  EXPECT_EQ(thresholdFromHistogram(h, si8, p99), 10.0f); // upper edge of bin 9
  // mse on bin centres 9.5 (x99) and 2047.5 (x1) with G = 4 candidates
  // 512, 1024, 1536, 2048: clipping the outlier costs (2047.5 - a)^2, far
  // more than the rounding noise of 99 values: 2048 wins.
  CalibrationOptions mse;
  mse.method = Method::MSE;
  mse.mseGridPoints = 4;
  EXPECT_EQ(thresholdFromHistogram(h, si8, mse), 2048.0f);
  // An empty histogram has no threshold.
  EXPECT_EQ(thresholdFromHistogram(Histogram(), si8, mse), 0.0f);
  // octav stays within (0, max].
  CalibrationOptions octav;
  octav.method = Method::OCTAV;
  float t = thresholdFromHistogram(h, si8, octav);
  EXPECT_GT(t, 0.0f);
  EXPECT_LE(t, 2048.0f);
}

TEST(Statistics, VectorScaleThreshold) {
  TensorStatistics s =
      collect({{1, -2, 0, 4, 0.5f, 0, -1, 1}, {-8, 0, 2, 2, 0, 0, 0, 0}});
  ElementFormat si8{8, true};
  CalibrationOptions max;
  EXPECT_FLOAT_EQ(vectorScaleThreshold(s, si8, max), 8.0f / 127);
  // 50% of the 8 vector maxima {0, 0, 0.5, 1, 2, 2, 4, 8}: rank 4 -> the
  // bin of 1 (256), upper edge 257 / 256.
  CalibrationOptions half;
  half.method = Method::Percentile;
  half.percentile = 50;
  EXPECT_FLOAT_EQ(vectorScaleThreshold(s, si8, half), (257.0f / 256) / 127);
}

TEST(CalibrationTable, RoundTripsExactly) {
  CalibrationTable table;
  table.model = "net";
  table.samples = 2;
  table.tensors.push_back(
      collect({{1, -2, 0, 4, 0.5f, 0, -1, 1}, {-8, 0, 2, 2, 0, 0, 0, 0}}));
  table.tensors.push_back(collect({{0.1f, 0.2f, 0.3f, 0.4f, 0, 0, 0, 0}}));
  table.tensors.back().name = "other";
  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("table", "json", path));
  ASSERT_FALSE(bool(writeCalibrationTable(table, path)));
  llvm::Expected<CalibrationTable> read = readCalibrationTable(path);
  llvm::sys::fs::remove(path);
  ASSERT_TRUE(bool(read)) << llvm::toString(read.takeError());
  EXPECT_EQ(read->model, "net");
  EXPECT_EQ(read->samples, 2);
  ASSERT_EQ(read->tensors.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const TensorStatistics &a = table.tensors[i], &b = read->tensors[i];
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.shape, b.shape);
    EXPECT_EQ(a.count, b.count);
    EXPECT_EQ(a.maxAbs, b.maxAbs);
    EXPECT_EQ(a.sum, b.sum);
    EXPECT_EQ(a.sumSquares, b.sumSquares);
    EXPECT_EQ(a.magnitudes.counts, b.magnitudes.counts);
    EXPECT_EQ(a.vectorMaxima.counts, b.vectorMaxima.counts);
    // Same quantization from the read table.
    for (Method m : {Method::Max, Method::Percentile, Method::MSE,
                     Method::OCTAV, Method::Entropy}) {
      CalibrationOptions o;
      o.method = m;
      EXPECT_EQ(thresholdFromHistogram(a.magnitudes, {8, true}, o),
                thresholdFromHistogram(b.magnitudes, {8, true}, o));
      EXPECT_EQ(vectorScaleThreshold(a, {8, true}, o),
                vectorScaleThreshold(b, {8, true}, o));
    }
  }
}

TEST(CalibrationTable, MalformedTablesNameTheField) {
  auto error = [](llvm::StringRef json) {
    llvm::Expected<CalibrationTable> t = parseCalibrationTable(json, "t.json");
    return t ? std::string("parsed") : llvm::toString(t.takeError());
  };
  EXPECT_NE(error("{").find("t.json: not valid JSON"), std::string::npos);
  EXPECT_NE(error("{\"format\": \"x\"}").find("not a vsquant calibration table"),
            std::string::npos);
  EXPECT_NE(error("{\"format\": \"vsquant-calibration-table\", \"version\": 1, "
                  "\"model\": \"m\", \"samples\": 1, \"tensors\": [{\"name\": "
                  "\"a\", \"shape\": [2], \"vector_axis\": 0, \"vector_size\": "
                  "2, \"count\": 2, \"vector_count\": 1, \"max_abs\": -1}]}")
                .find("tensors[0] ('a'): 'max_abs' must be a finite "
                      "non-negative number"),
            std::string::npos);
  EXPECT_NE(error("{\"format\": \"vsquant-calibration-table\", \"version\": 1, "
                  "\"model\": \"m\", \"samples\": 1, \"tensors\": [{\"name\": "
                  "\"a\", \"shape\": [2], \"vector_axis\": 3}]}")
                .find("'vector_axis' is out of range"),
            std::string::npos);
}

} // namespace
