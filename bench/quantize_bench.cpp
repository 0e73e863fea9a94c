//===- quantize_bench.cpp - compile-time quantizer throughput ---*- C++ -*-===//
//
// Quantizes large fp32 matrices per format and method and reports million
// elements per second beside a plain streaming read of the same bytes,
// measured in the same run (machines are shared and noisy: compare ratios).
//
//   vsq-bench-quantize [--shapes=4096x4096,8192x8192] [--num-threads=2]
//                      [--repeat=3] [--only=<substring>]
//                      [--kernels=auto|generic|avx512]
//   vsq-bench-quantize --rows=R --cols=C ...     (one shape)
//
// Memory. quantizeTensor returns fresh std::vectors; the first touch of
// fresh pages costs a page fault each, which on a VM can cost more than the
// quantization itself (~10 us per 4 KiB page here). By default the process
// keeps freed memory in its heap (glibc mallopt), so that repetitions after
// the first reuse mapped pages, as a long-running quantizer does once warm:
// "x read" is the best repetition's time over the best time of a streaming
// read timed just before each repetition (a noisy machine changes speed
// between cases). "cold x" is the first repetition's: free heap pages are
// handed back to the system before it (malloc_trim), so it also pays for
// faulting in the result's pages.
// --reuse-memory=false leaves glibc's defaults (every large result is a
// fresh mmap, so every repetition is cold).
//
//===----------------------------------------------------------------------===//

#include "vsquant/Quant/Quantizer.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <random>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

using namespace llvm;
namespace q = vsquant::quant;

static cl::opt<int64_t> rows("rows", cl::init(4096),
                             cl::desc("Matrix rows (with --cols: one shape "
                                      "instead of --shapes)"));
static cl::opt<int64_t> cols("cols", cl::init(4096),
                             cl::desc("Matrix columns (the vector axis)"));
static cl::opt<std::string>
    shapes("shapes", cl::init("4096x4096,8192x8192"),
           cl::desc("Comma-separated RxC matrix shapes, each measured in "
                    "turn (ignored when --rows or --cols is given)"));
static cl::opt<unsigned> threads("num-threads", cl::init(2),
                                 cl::desc("Worker threads"));
static cl::opt<unsigned> repeat("repeat", cl::init(3),
                                cl::desc("Timed repetitions (best is kept)"));
static cl::opt<double> maxCaseSeconds(
    "max-case-seconds", cl::init(60.0),
    cl::desc("Stop repeating a case once its repetitions took this long"));
static cl::opt<bool> reuseMemory(
    "reuse-memory", cl::init(true),
    cl::desc("Keep freed memory in the heap so that repetitions after the "
             "first reuse mapped pages (see the file comment)"));
static cl::opt<q::KernelIsa> kernels(
    "kernels", cl::init(q::KernelIsa::Auto),
    cl::desc("Kernel instruction set (results are identical)"),
    cl::values(clEnumValN(q::KernelIsa::Auto, "auto",
                          "the widest the CPU runs"),
               clEnumValN(q::KernelIsa::Generic, "generic",
                          "portable C++ (what CPUs without AVX-512 get)"),
               clEnumValN(q::KernelIsa::AVX512, "avx512", "AVX-512")));
static cl::opt<std::string>
    only("only", cl::init(""),
         cl::desc("Run only the cases whose name contains this"));

namespace {

struct Timing {
  double first = 0, best = 1e30;
  unsigned runs = 0;
};

/// Runs setup(run) untimed and then fn() timed, `repeat` times (fewer once
/// maxCaseSeconds is spent, at least once).
template <typename Setup, typename Fn> Timing measure(Setup setup, Fn fn) {
  Timing timing;
  double total = 0;
  for (unsigned r = 0; r < std::max(1u, unsigned(repeat)); ++r) {
    if (r > 0 && total > maxCaseSeconds)
      break;
    setup(r);
    auto start = std::chrono::steady_clock::now();
    fn();
    std::chrono::duration<double> took =
        std::chrono::steady_clock::now() - start;
    if (r == 0)
      timing.first = took.count();
    timing.best = std::min(timing.best, took.count());
    total += took.count();
    ++timing.runs;
  }
  return timing;
}

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

void runShape(int64_t numRows, int64_t numCols, ThreadPoolInterface &pool) {
  const int64_t n = numRows * numCols;
  std::vector<float> data(n);
  // Laplace-distributed weights with per-row magnitudes, as real layers.
  std::mt19937 rng(42);
  std::exponential_distribution<float> expo(1.0f);
  std::uniform_real_distribution<float> rowScale(0.01f, 1.0f);
  for (int64_t r = 0; r < numRows; ++r) {
    float s = rowScale(rng);
    for (int64_t c = 0; c < numCols; ++c)
      data[r * numCols + c] = s * expo(rng) * (rng() & 1 ? 1.0f : -1.0f);
  }

  // Baseline: a streaming read of the same bytes on the same threads.
  volatile double sink = 0;
  const int64_t chunk = (n + threads - 1) / threads;
  auto streamingRead = [&] {
    std::vector<double> partial(threads, 0.0);
    ThreadPoolTaskGroup group(pool);
    for (unsigned t = 0; t < threads; ++t)
      group.async([&, t] {
        int64_t begin = std::min(n, t * chunk),
                end = std::min(n, begin + chunk);
        float acc[16] = {};
        int64_t i = begin;
        for (; i + 16 <= end; i += 16)
          for (int j = 0; j < 16; ++j)
            acc[j] += data[i + j];
        for (; i < end; ++i)
          acc[0] += data[i];
        double s = 0;
        for (float a : acc)
          s += a;
        partial[t] = s;
      });
    group.wait();
    for (double p : partial)
      sink = sink + p;
  };
  Timing read = measure([](unsigned) {}, streamingRead);
  outs() << formatv("matrix {0} x {1} fp32 ({2:f1} MiB), {3} threads, best "
                    "of {4}\n",
                    numRows, numCols, n * 4.0 / (1 << 20), threads, repeat);
  outs() << formatv("baseline streaming read: {0:f1} M elements/s ({1:f2} "
                    "GB/s)\n\n",
                    n / read.best / 1e6, n / read.best * 4 / 1e9);
  outs() << formatv("{0,-40} {1,10} {2,8} {3,8} {4,8} {5,5} {6,9}\n", "case",
                    "M elem/s", "read", "x read", "cold x", "runs",
                    "SQNR dB");

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
    // The read is timed again before each run of the case, so that both
    // sides of the ratio see the same moment of a noisy machine.
    Timing caseRead;
    Timing timing = measure(
        // Free the previous result and time a read, outside the timed
        // region. Before the first run, hand the heap's free pages back to
        // the system, so that this run faults in fresh ones ("cold x").
        [&](unsigned run) {
          result = q::QuantizedTensor();
#if defined(__GLIBC__)
          if (run == 0)
            malloc_trim(0);
#endif
          auto start = std::chrono::steady_clock::now();
          streamingRead();
          std::chrono::duration<double> took =
              std::chrono::steady_clock::now() - start;
          caseRead.best = std::min(caseRead.best, took.count());
        },
        [&] {
          Expected<q::QuantizedTensor> t =
              q::quantizeTensor(data, {numRows, numCols}, format, options,
                                &pool);
          if (!t) {
            errs() << toString(t.takeError()) << "\n";
            std::exit(1);
          }
          result = std::move(*t);
        });
    const double rate = n / timing.best / 1e6;
    const double sqnr = q::sqnrDb(
        data, q::dequantizeTensor(result, {numRows, numCols}, format));
    outs() << formatv(
        "{0,-40} {1,10:f1} {2,8:f1} {3,8:f2} {4,8:f2} {5,5} {6,9:f2}\n",
        c.name, rate, n / caseRead.best / 1e6, timing.best / caseRead.best,
        timing.first / caseRead.best, timing.runs, sqnr);
  }
  outs() << "\n";
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "vsquant quantizer benchmark\n");
#if defined(__GLIBC__)
  if (reuseMemory) {
    // Large blocks from the heap instead of fresh mmaps, and never handed
    // back: repetitions after the first reuse already-mapped pages.
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
  }
#endif

  SmallVector<std::pair<int64_t, int64_t>> matrixShapes;
  if (rows.getNumOccurrences() || cols.getNumOccurrences()) {
    matrixShapes.push_back({rows, cols});
  } else {
    SmallVector<StringRef> items;
    StringRef(shapes).split(items, ',', -1, false);
    for (StringRef item : items) {
      auto [r, c] = item.trim().split('x');
      int64_t numRows, numCols;
      if (r.getAsInteger(10, numRows) || c.getAsInteger(10, numCols) ||
          numRows < 1 || numCols < 1) {
        errs() << "bad shape '" << item << "' (want RxC)\n";
        return 1;
      }
      matrixShapes.push_back({numRows, numCols});
    }
  }

  q::setKernelIsa(kernels);
  DefaultThreadPool pool(hardware_concurrency(threads));
  outs() << formatv("kernels: {0}; memory: {1}\n\n",
                    q::activeKernelIsa() == q::KernelIsa::AVX512 ? "avx512"
                                                                 : "generic",
                    reuseMemory ? "freed memory reused (warm after the "
                                  "first run)"
                                : "glibc defaults (every run cold)");
  for (auto [numRows, numCols] : matrixShapes)
    runShape(numRows, numCols, pool);
  outs() << "'read' is the streaming read of the same bytes (M elements/s), "
            "best of the reads timed just before each run of the case; "
            "'x read' is the case's best time over that read's time (lower "
            "is better); 'cold x' the same for the case's first run, which "
            "also faults in fresh pages for the result.\n";
  return 0;
}
