//===- quantize_bench.cpp - compile-time quantizer throughput ---*- C++ -*-===//
//
// Quantizes a large fp32 matrix per format and method and reports million
// elements per second beside a plain streaming read of the same bytes,
// measured in the same run (machines are shared and noisy: compare ratios).
//
//   vsq-bench-quantize [--rows=4096 --cols=4096] [--num-threads=2] [--repeat=3]
//
//===----------------------------------------------------------------------===//

#include "vsquant/Quant/Quantizer.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <random>

using namespace llvm;
namespace q = vsquant::quant;

static cl::opt<int64_t> rows("rows", cl::init(4096), cl::desc("Matrix rows"));
static cl::opt<int64_t> cols("cols", cl::init(4096),
                             cl::desc("Matrix columns (the vector axis)"));
static cl::opt<unsigned> threads("num-threads", cl::init(2),
                                 cl::desc("Worker threads"));
static cl::opt<unsigned> repeat("repeat", cl::init(3),
                                cl::desc("Timed repetitions (best is kept)"));
static cl::opt<std::string>
    only("only", cl::init(""),
         cl::desc("Run only the cases whose name contains this"));

template <typename Fn> static double bestSeconds(Fn &&fn) {
  double best = 1e30;
  for (unsigned r = 0; r < repeat; ++r) {
    auto start = std::chrono::steady_clock::now();
    fn();
    std::chrono::duration<double> took =
        std::chrono::steady_clock::now() - start;
    best = std::min(best, took.count());
  }
  return best;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "vsquant quantizer benchmark\n");
  int64_t n = rows * cols;
  std::vector<float> data(n);
  // Laplace-distributed weights with per-row magnitudes, as real layers.
  std::mt19937 rng(42);
  std::exponential_distribution<float> expo(1.0f);
  std::uniform_real_distribution<float> rowScale(0.01f, 1.0f);
  for (int64_t r = 0; r < rows; ++r) {
    float s = rowScale(rng);
    for (int64_t c = 0; c < cols; ++c)
      data[r * cols + c] = s * expo(rng) * (rng() & 1 ? 1.0f : -1.0f);
  }

  DefaultThreadPool pool(hardware_concurrency(threads));
  // Baseline: a streaming read of the same bytes on the same threads.
  volatile double sink = 0;
  int64_t chunk = (n + threads - 1) / threads;
  double readSeconds = bestSeconds([&] {
    std::vector<double> partial(threads, 0.0);
    ThreadPoolTaskGroup group(pool);
    for (unsigned t = 0; t < threads; ++t)
      group.async([&, t] {
        int64_t begin = t * chunk, end = std::min(n, begin + chunk);
        float acc[16] = {};
        for (int64_t i = begin; i + 16 <= end; i += 16)
          for (int j = 0; j < 16; ++j)
            acc[j] += data[i + j];
        double s = 0;
        for (float a : acc)
          s += a;
        partial[t] = s;
      });
    group.wait();
    for (double p : partial)
      sink = sink + p;
  });
  double readRate = n / readSeconds / 1e6;
  outs() << formatv("matrix {0} x {1} fp32 ({2:f1} MiB), {3} threads, best "
                    "of {4}\n",
                    rows, cols, n * 4.0 / (1 << 20), threads, repeat);
  outs() << formatv("baseline streaming read: {0:f1} M elements/s ({1:f2} "
                    "GB/s)\n\n",
                    readRate, readRate * 4e6 / 1e9);
  outs() << formatv("{0,-44} {1,12} {2,10} {3,10}\n", "case", "M elem/s",
                    "x read", "SQNR dB");

  struct Case {
    const char *name;
    q::Granularity granularity;
    unsigned elementBits, scaleBits;
    q::Method method;
  };
  const Case cases[] = {
      {"per-tensor si8 f32 max", q::Granularity::PerTensor, 8, 0,
       q::Method::Max},
      {"per-channel si8 f32 max", q::Granularity::PerChannel, 8, 0,
       q::Method::Max},
      {"per-vector V16 si8 f32 max", q::Granularity::PerVector, 8, 0,
       q::Method::Max},
      {"per-vector V16 si4 ui4 max", q::Granularity::PerVector, 4, 4,
       q::Method::Max},
      {"per-vector V16 si4 ui4 percentile", q::Granularity::PerVector, 4, 4,
       q::Method::Percentile},
      {"per-vector V16 si4 ui4 octav", q::Granularity::PerVector, 4, 4,
       q::Method::OCTAV},
      {"per-vector V16 si4 ui4 mse G=100 exact", q::Granularity::PerVector, 4,
       4, q::Method::MSE},
      {"per-channel si4 f32 entropy", q::Granularity::PerChannel, 4, 0,
       q::Method::Entropy},
  };
  for (const Case &c : cases) {
    if (!StringRef(c.name).contains(only))
      continue;
    q::TensorFormat format;
    format.element.bits = c.elementBits;
    format.granularity = c.granularity;
    format.axis = c.granularity == q::Granularity::PerChannel ? 0 : 1;
    format.vectorSize = 16;
    format.scaleBits = c.scaleBits;
    format.coarseAxis = c.scaleBits ? 0 : -1;
    q::CalibrationOptions options;
    options.method = c.method;
    q::QuantizedTensor result;
    double seconds = bestSeconds([&] {
      Expected<q::QuantizedTensor> t =
          q::quantizeTensor(data, {rows, cols}, format, options, &pool);
      if (!t) {
        errs() << toString(t.takeError()) << "\n";
        std::exit(1);
      }
      result = std::move(*t);
    });
    double rate = n / seconds / 1e6;
    double sqnr =
        q::sqnrDb(data, q::dequantizeTensor(result, {rows, cols}, format));
    outs() << formatv("{0,-44} {1,12:f1} {2,10:f2} {3,10:f2}\n", c.name, rate,
                      readRate / rate, sqnr);
  }
  outs() << "\n'x read' is the quantizer's time over the streaming read's "
            "time for the same bytes (lower is better).\n";
  return 0;
}
