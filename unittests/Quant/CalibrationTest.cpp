//===- CalibrationTest.cpp - threshold methods (SPEC.md section 4) --------===//

#include "vsquant/Quant/Quantizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

using namespace vsquant::quant;

namespace {

constexpr ElementFormat si2{2, true}, si4{4, true}, si8{8, true};
constexpr ElementFormat ui2{2, false}, ui4{4, false}, ui8{8, false};

CalibrationOptions withMethod(Method method) {
  CalibrationOptions options;
  options.method = method;
  return options;
}

TEST(Calibration, MaxUsesMagnitudeOrPositivePart) {
  std::vector<float> values = {-3.0f, 2.0f, 1.0f};
  // Signed: max(|-3|, |2|, |1|) = 3. Unsigned: max(0, 2, 1) = 2.
  EXPECT_EQ(computeThreshold(values, si4, withMethod(Method::Max)), 3.0f);
  EXPECT_EQ(computeThreshold(values, ui4, withMethod(Method::Max)), 2.0f);
  // All negative in an unsigned format: nothing to cover.
  EXPECT_EQ(computeThreshold({-1.0f, -2.0f}, ui4, withMethod(Method::Max)),
            0.0f);
}

TEST(Calibration, EveryMethodGivesZeroForAllZeroSet) {
  std::vector<float> zeros(7, 0.0f);
  for (Method m : {Method::Max, Method::Percentile, Method::MSE, Method::OCTAV,
                   Method::Entropy})
    EXPECT_EQ(computeThreshold(zeros, si8, withMethod(m)), 0.0f);
}

TEST(Calibration, PercentileExactRank) {
  // |x| = 1..10 (signs alternate); rank = ceil(p/100 * 10).
  std::vector<float> values;
  for (int i = 1; i <= 10; ++i)
    values.push_back(i % 2 ? float(i) : -float(i));
  CalibrationOptions options = withMethod(Method::Percentile);
  options.percentile = 50; // rank ceil(5) = 5 -> 5th smallest = 5.
  EXPECT_EQ(computeThreshold(values, si8, options), 5.0f);
  options.percentile = 55; // rank ceil(5.5) = 6 -> 6.
  EXPECT_EQ(computeThreshold(values, si8, options), 6.0f);
  options.percentile = 10; // rank 1 -> 1.
  EXPECT_EQ(computeThreshold(values, si8, options), 1.0f);
  options.percentile = 0.01; // rank ceil(0.001) = 1 -> 1.
  EXPECT_EQ(computeThreshold(values, si8, options), 1.0f);
  options.percentile = 100; // rank 10 -> 10 (the max).
  EXPECT_EQ(computeThreshold(values, si8, options), 10.0f);
  // Unsigned: magnitudes max(x, 0) = {1,0,3,0,5,0,7,0,9,0}; sorted
  // 0,0,0,0,0,1,3,5,7,9; p = 70 -> rank 7 -> 3.
  options.percentile = 70;
  EXPECT_EQ(computeThreshold(values, ui4, options), 3.0f);
}

TEST(Calibration, PercentileRankToleratesInexactP) {
  // 99.99 * 10000 / 100 is 9999.000000000002 in double; the rule takes it
  // as 9999, so the 9999th smallest of 1..10000 is the answer, not 10000.
  std::vector<float> values;
  for (int i = 1; i <= 10000; ++i)
    values.push_back(float(i));
  CalibrationOptions options = withMethod(Method::Percentile);
  options.percentile = 99.99;
  EXPECT_EQ(computeThreshold(values, si8, options), 9999.0f);
}

TEST(Calibration, MseSmallGrid) {
  // si2: Q = 1, so s_k = alpha_k. max = 4, G = 4: alpha = 1, 2, 3, 4.
  // values {4, 2.5, 2.5, 2.5}; q = clamp(rne(x / s), -1, 1):
  //  k=1 s=1: 4->1 err 9;  2.5->1 err 2.25*3 = 6.75      -> 15.75
  //  k=2 s=2: 4->1 err 4;  2.5/2=1.25->1 err 0.25*3=0.75 -> 4.75
  //  k=3 s=3: 4->1 err 1;  2.5/3=0.83->1 err 0.25*3=0.75 -> 1.75 (least)
  //  k=4 s=4: 4->1 err 0;  2.5/4=0.625->1 err 2.25*3     -> 6.75
  std::vector<float> values = {4.0f, 2.5f, -2.5f, 2.5f};
  CalibrationOptions options = withMethod(Method::MSE);
  options.mseGridPoints = 4;
  EXPECT_EQ(computeThreshold(values, si2, options), 3.0f);
  // The rounding overload: halves cost the same either way here.
  EXPECT_EQ(computeThreshold(values, si2, options,
                             Rounding::HalfAwayFromZero),
            3.0f);
}

TEST(Calibration, MseTiesGoToSmallerK) {
  // si2, values {2, 2}, max 2, G = 2: alpha = 1, 2.
  //  k=1 s=1: 2->clamp 1, err 1 each -> 2.   k=2 s=2: exact -> 0. Picks 2.
  // values {3, 1}, G = 3: alpha = 1, 2, 3.
  //  k=1 s=1: 3->1 err 4; 1->1 err 0 -> 4.
  //  k=2 s=2: 3->1 err 1; 1/2 = 0.5 -> rne 0 err 1 -> 2.
  //  k=3 s=3: 3->1 err 0; 1/3 -> 0 err 1 -> 1 (least).
  // values {2, 1, 1}, G = 2: alpha = 1, 2.
  //  k=1 s=1: 2->1 err 1; 1 exact -> 1.
  //  k=2 s=2: 2 exact; 1/2 = 0.5 -> rne 0, err 1 each -> 2. Picks 1.
  // values {4, 1, 1}, G = 4: alpha = 1..4.
  //  k=1: 4->1 err 9 -> 9.  k=2: 4->2 err 4; 1/2->0 err 1+1 -> 6.
  //  k=3: 4->3 err 1; 1/3->0 err 2 -> 3.  k=4: 4 exact; 1/4->0 err 2 -> 2.
  // and {4, 3, 1} with G = 4:
  //  k=3: 4->3 err 1; 3 exact; 1->0 err 1 -> 2.
  //  k=4: 4 exact; 3/4 -> 1 -> 4 err 1; 1/4 -> 0 err 1 -> 2. Tie: k = 3.
  CalibrationOptions options = withMethod(Method::MSE);
  options.mseGridPoints = 2;
  EXPECT_EQ(computeThreshold({2.0f, 2.0f}, si2, options), 2.0f);
  EXPECT_EQ(computeThreshold({2.0f, 1.0f, 1.0f}, si2, options), 1.0f);
  options.mseGridPoints = 3;
  EXPECT_EQ(computeThreshold({3.0f, 1.0f}, si2, options), 3.0f);
  options.mseGridPoints = 4;
  EXPECT_EQ(computeThreshold({4.0f, 1.0f, 1.0f}, si2, options), 4.0f);
  EXPECT_EQ(computeThreshold({4.0f, 3.0f, 1.0f}, si2, options), 3.0f);
}

TEST(Calibration, MseGridEndsAtMaxExactly) {
  // alpha_G = f32(max * G / G) = max: with one value the largest k is exact
  // (error 0) and every smaller k clips it.
  CalibrationOptions options = withMethod(Method::MSE);
  options.mseGridPoints = 7;
  EXPECT_EQ(computeThreshold({0.3f}, si4, options), 0.3f);
  options.mseGridPoints = 100;
  EXPECT_EQ(computeThreshold({-0.1f}, si8, options), 0.1f);
}

TEST(Calibration, OctavHandExample) {
  // si2: Q = 1, c = 1/12. |x| = {1, 3}, n = 2.
  //  s0 = 0: both above: s1 = (4/2) / (0 + 2/2) = 2.
  //  s1 = 2: above {3}, nonzero below {1}:
  //    s2 = (3/2) / (1/12 * 1/2 + 1/2) = 1.5 / (13/24) = 36/13.
  //  s2 = 2.769: same partition, s3 = 36/13: |s3 - s2| = 0 < 1e-4 s2, stop.
  CalibrationOptions options = withMethod(Method::OCTAV);
  EXPECT_EQ(computeThreshold({1.0f, -3.0f}, si2, options),
            float(36.0 / 13.0));
  // ui2: Q = 3, c = 1/108; magnitudes max(x,0) = {0, 1, 3}, n = 3.
  //  s1 = (4/3) / (2/3) = 2 (the zero counts in n only).
  //  s2 = (3/3) / (1/108 * 1/3 + 1/3) = 1 / (109/324) = 324/109; s3 = s2.
  EXPECT_EQ(computeThreshold({-5.0f, 1.0f, 3.0f}, ui2, options),
            float(324.0 / 109.0));
}

TEST(Calibration, OctavAllEqualStopsAtTheValue) {
  // |x| = {2, 2, 2, 0}: s1 = (6/4) / (3/4) = 2. Then no |x| > 2: stop and
  // keep 2 (the literal update would give 0 / (c * 3/4) = 0).
  CalibrationOptions options = withMethod(Method::OCTAV);
  EXPECT_EQ(computeThreshold({2.0f, -2.0f, 2.0f, 0.0f}, si4, options), 2.0f);
  EXPECT_EQ(computeThreshold({0.5f}, si8, options), 0.5f);
}

TEST(Calibration, OctavOnLaplaceSample) {
  // Deterministic Laplace(0, 1) sample: |x| at the exponential quantiles
  // -ln(1 - (i + 0.5) / n), signs alternating.
  const int n = 2001;
  std::vector<float> values;
  double meanAbs = 0;
  float maxAbs = 0;
  for (int i = 0; i < n; ++i) {
    float magnitude = float(-std::log(1.0 - (i + 0.5) / n));
    values.push_back(i % 2 ? -magnitude : magnitude);
    meanAbs += magnitude;
    maxAbs = std::max(maxAbs, magnitude);
  }
  meanAbs /= n;
  CalibrationOptions options = withMethod(Method::OCTAV);
  float alpha = computeThreshold(values, si4, options);
  EXPECT_NE(alpha, maxAbs);
  EXPECT_GT(alpha, meanAbs);
  EXPECT_LT(alpha, maxAbs);
  // Fixed point: alpha = E[|x| 1{|x|>a}] / (c P(0<|x|<=a) + P(|x|>a)).
  const double c = 1.0 / (12.0 * 7 * 7);
  double sumAbove = 0, above = 0, below = 0;
  for (float v : values) {
    double m = std::fabs(v);
    if (m > alpha) {
      sumAbove += m;
      ++above;
    } else if (m > 0) {
      ++below;
    }
  }
  double next = (sumAbove / n) / (c * below / n + above / n);
  EXPECT_NEAR(next, alpha, 1e-3 * alpha);
}

TEST(Calibration, HistogramBins) {
  // maxAbs 8: bin = min(floor(|x| * 2048 / 8), 2047) = min(floor(256 |x|), 2047).
  Histogram h;
  h.maxAbs = 8;
  // 0 -> 0; 8 -> 2048 -> 2047; -8 -> 2047; 3.999 -> 1023.7 -> 1023;
  // 4 -> 1024; 0.001 -> 0.256 -> 0; 100 (above maxAbs) -> 2047.
  h.add({0.0f, 8.0f, -8.0f, 3.999f, 4.0f, 0.001f, 100.0f});
  EXPECT_EQ(h.counts[0], 2u);
  EXPECT_EQ(h.counts[1023], 1u);
  EXPECT_EQ(h.counts[1024], 1u);
  EXPECT_EQ(h.counts[2047], 3u);
  uint64_t total = 0;
  for (uint64_t c : h.counts)
    total += c;
  EXPECT_EQ(total, 7u);
}

TEST(Calibration, PercentileFromHistogram) {
  // Counts: bin 0: 5, bin 10: 4, bin 2047: 1 (total 10), maxAbs 2048 so
  // bin b has upper edge b + 1.
  Histogram h;
  h.maxAbs = 2048;
  h.counts[0] = 5;
  h.counts[10] = 4;
  h.counts[2047] = 1;
  EXPECT_EQ(percentileFromHistogram(h, 50), 1.0f);    // rank 5 -> bin 0.
  EXPECT_EQ(percentileFromHistogram(h, 50.1), 11.0f); // rank 6 -> bin 10.
  EXPECT_EQ(percentileFromHistogram(h, 90), 11.0f);   // rank 9 -> bin 10.
  EXPECT_EQ(percentileFromHistogram(h, 91), 2048.0f); // rank 10 -> 2047.
  EXPECT_EQ(percentileFromHistogram(Histogram(), 99), 0.0f);
}

TEST(Calibration, EntropyCraftedHistogram) {
  // si2: L = Q + 1 = 2 levels. hist: bin 0 = 2, bins 128 and 255 = 3 each;
  // maxAbs 2048 so alpha = i.
  //  i = 256: no outliers; level = floor(2b / 256): {0} -> level 0,
  //    {128, 255} -> level 1 (3 + 3 spread as 3, 3): Qd = P, KL = 0.
  //  i in 129..255: outliers 3 go to P[i-1]; level 1 holds hist 3 spread
  //    over nonzero P bins {128, i-1} (one bin when i = 129):
  //    P = (2, 3, 3)/8, Qd = (2, 1.5, 1.5)/5 -> KL = 0.25 ln(0.25/0.4)
  //    + 0.75 ln(0.375/0.3) = 0.0499 > 0.
  //  i = 128: P[127] = 6 but level 1 (bins 64..127) has no hist: KL = inf.
  //  i > 256: bin 128 joins level 0 (P = (2,3,3)/8, Qd = (2.5,2.5,3)/8)
  //    and later all of them: KL > 0.
  // Least KL: i = 256 -> alpha = 256 * 2048 / 2048 = 256.
  Histogram h;
  h.maxAbs = 2048;
  h.counts[0] = 2;
  h.counts[128] = 3;
  h.counts[255] = 3;
  EXPECT_EQ(entropyFromHistogram(h, si2), 256.0f);
  // si8: L = 128 >= i for i = 128: each bin its own level, but the
  // outliers of bins 128 and 255 fall on P[127] with no hist in its level:
  // inf; i = 256: 128 levels of two bins each; bin 0 shares with empty bin
  // 1, 128 with 129, 255 with 254: nonzero P bins alone in their level, so
  // Qd = P and KL = 0 again at 256; candidates 129..255 pay for the
  // outliers. alpha = 256.
  EXPECT_EQ(entropyFromHistogram(h, si8), 256.0f);
  EXPECT_EQ(entropyFromHistogram(Histogram(), si8), 0.0f);
}

TEST(Calibration, EntropyAllMassInFirstBinsPicksSmallestCandidate) {
  // All mass in bins < 128 and si8 (L = 128): at i = 128 each bin is its own
  // level, Qd = P, KL = 0; ties go to the smaller i. alpha = 128 * 16/2048.
  Histogram h;
  h.maxAbs = 16;
  for (int b = 0; b < 128; ++b)
    h.counts[b] = 1 + b % 3;
  EXPECT_EQ(entropyFromHistogram(h, si8), 1.0f);
}

TEST(Calibration, EntropyOfEqualValuesIsTheMax) {
  // {5, 5, 5}: max 5, all in bin min(floor(5 * 2048 / 5), 2047) = 2047. Every
  // i < 2048 keeps no mass (KL = inf); i = 2048 has KL = 0. alpha = 5.
  CalibrationOptions options = withMethod(Method::Entropy);
  EXPECT_EQ(computeThreshold({5.0f, -5.0f, 5.0f}, si8, options), 5.0f);
}

/// The literal dense form of SPEC.md's KL search, for comparison with the
/// sparse implementation.
float referenceEntropy(const Histogram &h, ElementFormat format) {
  const int64_t bins = Histogram::kBins, levels = format.qmax() + 1;
  double bestKL = std::numeric_limits<double>::infinity();
  int64_t best = bins;
  for (int64_t i = 128; i <= bins; ++i) {
    std::vector<double> p(h.counts.begin(), h.counts.begin() + i);
    for (int64_t b = i; b < bins; ++b)
      p[i - 1] += double(h.counts[b]);
    std::vector<double> count(levels, 0), nonzero(levels, 0);
    for (int64_t b = 0; b < i; ++b) {
      count[b * levels / i] += double(h.counts[b]);
      nonzero[b * levels / i] += p[b] > 0;
    }
    std::vector<double> qd(i, 0);
    double sumP = 0, sumQ = 0;
    for (int64_t b = 0; b < i; ++b) {
      if (p[b] > 0)
        qd[b] = count[b * levels / i] / nonzero[b * levels / i];
      sumP += p[b];
      sumQ += qd[b];
    }
    double kl = 0;
    for (int64_t b = 0; b < i; ++b) {
      if (p[b] == 0)
        continue;
      double pn = p[b] / sumP, qn = sumQ > 0 ? qd[b] / sumQ : 0;
      kl += qn == 0 ? std::numeric_limits<double>::infinity()
                    : pn * std::log(pn / qn);
    }
    if (kl < bestKL) {
      bestKL = kl;
      best = i;
    }
  }
  return float(double(best) * h.maxAbs / bins);
}

TEST(Calibration, EntropyMatchesDenseReference) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 6; ++trial) {
    std::vector<float> values(trial % 2 ? 300 : 5000);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (float &v : values)
      v = trial < 4 ? normal(rng) : normal(rng) * normal(rng) * normal(rng);
    ElementFormat format = trial % 3 == 0 ? si8 : trial % 3 == 1 ? si4 : ui4;
    float maxAbs = 0;
    for (float v : values)
      maxAbs = std::max(maxAbs, format.isSigned ? std::fabs(v)
                                                : std::max(v, 0.0f));
    Histogram h;
    h.maxAbs = maxAbs;
    std::vector<float> magnitudes;
    for (float v : values)
      magnitudes.push_back(format.isSigned ? v : std::max(v, 0.0f));
    h.add(magnitudes);
    float expected = referenceEntropy(h, format);
    EXPECT_EQ(entropyFromHistogram(h, format), expected) << "trial " << trial;
    EXPECT_EQ(computeThreshold(values, format, withMethod(Method::Entropy)),
              expected)
        << "trial " << trial;
  }
}

/// entropyFromHistogram as it was before the per-level and per-count
/// sharing (verbatim), which must not have changed any result.
float previousEntropy(const Histogram &histogram, ElementFormat format) {
  const std::vector<uint64_t> &hist = histogram.counts;
  assert(hist.size() == size_t(Histogram::kBins) && "2048 bins expected");
  constexpr int64_t kFirstCandidate = 128;
  const int64_t bins = Histogram::kBins;
  const int64_t levels = format.qmax() + 1;

  uint64_t total = 0;
  std::vector<int64_t> nonzeroBins;
  for (int64_t b = 0; b < bins; ++b) {
    total += hist[b];
    if (hist[b])
      nonzeroBins.push_back(b);
  }
  if (total == 0 || !(histogram.maxAbs > 0.0))
    return 0.0f;

  // Only nonzero bins enter P, the level sums and KL, so each candidate costs
  // O(nonzero bins below it); the arithmetic is that of the dense loop.
  std::vector<uint64_t> levelCount(levels, 0);
  std::vector<int64_t> levelBins(levels, 0);
  uint64_t kept = 0; // sum(hist[0:i])
  size_t keptBins = 0;
  for (int64_t b = 0; b < kFirstCandidate; ++b)
    kept += hist[b];
  while (keptBins < nonzeroBins.size() && nonzeroBins[keptBins] < kFirstCandidate)
    ++keptBins;

  const double totalCount = double(total);
  double bestKL = std::numeric_limits<double>::infinity();
  int64_t bestCandidate = bins;
  for (int64_t i = kFirstCandidate; i <= bins; ++i) {
    if (i > kFirstCandidate) {
      kept += hist[i - 1];
      if (hist[i - 1])
        ++keptBins;
    }
    const uint64_t outliers = total - kept;
    // Qd is all zero while P[i-1] holds the outliers: KL is infinite.
    if (kept == 0)
      continue;
    auto levelOf = [&](int64_t b) { return b * levels / i; };
    // P[i-1] is nonzero through the outliers alone when hist[i-1] == 0.
    const bool outlierOnlyBin = outliers > 0 && hist[i - 1] == 0;
    for (size_t n = 0; n < keptBins; ++n) {
      int64_t b = nonzeroBins[n];
      levelCount[levelOf(b)] += hist[b];
      ++levelBins[levelOf(b)];
    }
    if (outlierOnlyBin)
      ++levelBins[levelOf(i - 1)];

    const double keptCount = double(kept);
    auto termOf = [&](int64_t b, uint64_t pCount) {
      int64_t level = levelOf(b);
      double p = double(pCount) / totalCount;
      double qd = double(levelCount[level]) / double(levelBins[level]) /
                  keptCount;
      if (qd == 0.0)
        return std::numeric_limits<double>::infinity();
      return p * std::log(p / qd);
    };
    double kl = 0.0;
    for (size_t n = 0; n < keptBins; ++n) {
      int64_t b = nonzeroBins[n];
      kl += termOf(b, b == i - 1 ? hist[b] + outliers : hist[b]);
    }
    if (outlierOnlyBin)
      kl += termOf(i - 1, outliers);

    for (size_t n = 0; n < keptBins; ++n) {
      levelCount[levelOf(nonzeroBins[n])] = 0;
      levelBins[levelOf(nonzeroBins[n])] = 0;
    }
    if (outlierOnlyBin)
      levelBins[levelOf(i - 1)] = 0;

    if (kl < bestKL) { // Ties keep the smaller i.
      bestKL = kl;
      bestCandidate = i;
    }
  }
  return float(double(bestCandidate) * histogram.maxAbs /
               double(Histogram::kBins));
}


TEST(Calibration, EntropyMatchesPreviousImplementation) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 40; ++trial) {
    const int64_t n = trial % 4 == 0 ? 200 : (trial % 4 == 1 ? 4096 : 30000);
    std::vector<float> values(n);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::exponential_distribution<float> expo(1.0f);
    for (float &v : values)
      v = trial % 3 == 0   ? normal(rng)
          : trial % 3 == 1 ? expo(rng) * (rng() & 1 ? 1.0f : -1.0f)
                           : normal(rng) * normal(rng) * normal(rng);
    if (trial % 5 == 0) // A far outlier: sparse tail, outlier-only bins.
      values[0] = 1000.0f;
    ElementFormat format = trial % 4 == 0   ? si8
                           : trial % 4 == 1 ? si4
                           : trial % 4 == 2 ? ui4
                                            : si2;
    Histogram h;
    for (float v : values)
      h.maxAbs = std::max(h.maxAbs, double(format.isSigned
                                               ? std::fabs(v)
                                               : std::max(v, 0.0f)));
    std::vector<float> magnitudes;
    for (float v : values)
      magnitudes.push_back(format.isSigned ? v : std::max(v, 0.0f));
    h.add(magnitudes);
    EXPECT_EQ(entropyFromHistogram(h, format), previousEntropy(h, format))
        << "trial " << trial;
  }
}

TEST(Calibration, MseHandExamplesInEveryKernelSet) {
  // MseSmallGrid and MseTiesGoToSmallerK again, in each kernel set (the
  // hand tests above run the active one only): the portable grid walks
  // down from k = G and must still give ties to the smaller k.
  std::vector<KernelIsa> isas = {KernelIsa::Generic};
  setKernelIsa(KernelIsa::AVX512);
  if (activeKernelIsa() == KernelIsa::AVX512)
    isas.push_back(KernelIsa::AVX512);
  for (KernelIsa isa : isas) {
    setKernelIsa(isa);
    CalibrationOptions options = withMethod(Method::MSE);
    options.mseGridPoints = 4;
    EXPECT_EQ(computeThreshold({4.0f, 2.5f, -2.5f, 2.5f}, si2, options),
              3.0f);
    options.mseGridPoints = 2;
    EXPECT_EQ(computeThreshold({2.0f, 2.0f}, si2, options), 2.0f);
    EXPECT_EQ(computeThreshold({2.0f, 1.0f, 1.0f}, si2, options), 1.0f);
    options.mseGridPoints = 3;
    EXPECT_EQ(computeThreshold({3.0f, 1.0f}, si2, options), 3.0f);
    options.mseGridPoints = 4;
    EXPECT_EQ(computeThreshold({4.0f, 1.0f, 1.0f}, si2, options), 4.0f);
    // k = 3 and k = 4 tie at 2: the smaller wins.
    EXPECT_EQ(computeThreshold({4.0f, 3.0f, 1.0f}, si2, options), 3.0f)
        << "isa " << int(isa);
    // A tie between grid points in different groups of 16 lanes: si2,
    // G = 32, values {-0.25, -0.25, 0.25, 0.75}, max 0.75:
    //  k=32 s=0.75: +-0.25 / 0.75 = 0.33 -> 0 (err 0.0625 x 3), 0.75 -> 1
    //       exact: 0.1875.
    //  k=16 s=0.375: +-0.25 / 0.375 = 0.67 -> +-1 -> +-0.375 (err
    //       0.015625 x 3), 0.75 / 0.375 = 2 -> clamp 1 -> 0.375 (err
    //       0.140625): 0.1875. Every other k is worse; k = 16 wins.
    options.mseGridPoints = 32;
    EXPECT_EQ(computeThreshold({-0.25f, -0.25f, 0.25f, 0.75f}, si2, options),
              0.375f)
        << "isa " << int(isa);
  }
  setKernelIsa(KernelIsa::Auto);
}

TEST(Calibration, FastThresholdsMatchReference) {
  // computeThreshold (bulk kernels, no heap copies) against the plain
  // reference, every method, on sets from 1 to 5000 values, each kernel
  // instruction set.
  std::vector<KernelIsa> isas = {KernelIsa::Generic};
  setKernelIsa(KernelIsa::AVX512);
  if (activeKernelIsa() == KernelIsa::AVX512)
    isas.push_back(KernelIsa::AVX512);
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int trial = 0; trial < 120; ++trial) {
    const size_t n = trial % 6 == 0 ? 1 + trial % 5 : (trial % 3 ? 16 : 5000);
    std::vector<float> values(n);
    for (float &v : values)
      v = trial % 4 == 3 ? float(int(normal(rng) * 8)) * 0.25f
                         : normal(rng) * (rng() % 19 == 0 ? 5.0f : 1.0f);
    ElementFormat format{unsigned(2 + trial % 7), trial % 5 != 4};
    CalibrationOptions options;
    options.method = Method(trial % 5);
    options.mseGridPoints = trial % 2 ? 100 : 1 + trial;
    options.percentile = trial % 3 ? 99.0 : 62.5;
    Rounding rounding =
        trial % 7 == 3 ? Rounding::HalfAwayFromZero : Rounding::HalfToEven;
    float expected =
        computeThresholdReference(values, format, options, rounding);
    for (KernelIsa isa : isas) {
      setKernelIsa(isa);
      EXPECT_EQ(computeThreshold(values, format, options, rounding), expected)
          << "trial " << trial << " isa " << int(isa);
    }
  }
  setKernelIsa(KernelIsa::Auto);
}

} // namespace
