//===- matmul_bench.cpp - generated CPU code for quantized matmuls --------===//
//
// Measures, in one run (machines are shared and noisy: compare ratios):
//  (a) this machine's streaming read bandwidth and int8 dot-product peak
//      (vpdpbusd, 64 MACs per instruction), with small probes, on 1 and 2
//      threads;
//  (b) the fp32 matmul compiled by upstream MLIR's default linalg lowering
//      (linalg-to-loops), and by vsquant's float path (the same loops with
//      reductions moved outward);
//  (c) vsquant W8A8 and W4A8 matmuls (V = 16, 32; ui4 / ui8 two-level
//      scales; activations quantized per vector at run time) compiled by
//      vsquant-cpu-pipeline's tiled kernels, for GEMV (1 x K x N) and GEMM
//      (M x K x N), on 1 and 2 threads;
//  (d) conv2d layers of PP-OCR-like shapes (3x3, 1x1, a strided first
//      layer) in W8A8 / W4A8 V16 ui4: the tiled kernels (an implicit im2col
//      over the padded input) against vsquant's exact reference lowering and
//      the fp32 path, each tiled result checked bit for bit against the
//      reference lowering's;
//  (e) attention's batch_matmuls of two activations (Q K^T and P V, 8 heads,
//      256 tokens of 64): both operands quantized per vector at run time,
//      the right one packed by the generated code on every call, against
//      the exact reference lowering and the fp32 path, checked bit for bit
//      against the reference lowering.
// GEMVs run with cold caches (a 192 MiB read evicts the weights before each
// timed run): they stream their weights from memory, as in a model larger
// than the cache. Before each timed GEMV (GEMM) run the read (vpdpbusd)
// probe runs once more, and the case's ratio is against the best of those:
// on a shared machine the neighbours change within seconds. Each quantized
// GEMV is checked bit for bit against the numerics library
// (quantizedMatmul); each 2-thread result against the 1-thread one. With
// --rounds=R the quantized table is measured R times and a summary gives
// each case's median, lowest and highest ratio to its probe over the
// rounds: one round says more about the hour than the code.
//
//   vsq-bench-matmul [--k=4096] [--n=4096] [--gemm-rows=256]
//                    [--repeat=5] [--rounds=1] [--num-threads=1,2]
//                    [--only=<substring>]
//                    [--float-gemm=true] [--probe-mib=512] [--evict-mib=192]
//                    [--conv=true] [--attention=true] [--cold-gemv=true]
//
//===----------------------------------------------------------------------===//

#include "vsquant/InitAll.h"
#include "vsquant/Quant/Matmul.h"
#include "vsquant/Quant/Quantizer.h"
#include "vsquant/Runtime/CompiledModel.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"

#include <immintrin.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

using namespace llvm;
namespace q = vsquant::quant;
namespace rt = vsquant::runtime;

static cl::OptionCategory category("vsq-bench-matmul options");
static cl::opt<int64_t> kDim("k", cl::cat(category), cl::init(4096),
                             cl::desc("Reduction size K"));
static cl::opt<int64_t> nDim("n", cl::cat(category), cl::init(4096),
                             cl::desc("Output columns N"));
static cl::opt<int64_t> gemmRows("gemm-rows", cl::cat(category), cl::init(256),
                                 cl::desc("Rows M of the GEMM"));
static cl::opt<unsigned> repeat("repeat", cl::cat(category), cl::init(5),
                                cl::desc("Timed runs per case (best kept)"));
static cl::opt<unsigned> rounds(
    "rounds", cl::cat(category), cl::init(1),
    cl::desc("Times the quantized GEMV / GEMM table (c) is measured, each "
             "round after the last; with more than one, a summary per case "
             "follows: median, lowest and highest of the rounds' ratios to "
             "the probe and how many rounds meet the target"));
static cl::opt<std::string> threadList("num-threads", cl::cat(category),
                                       cl::init("1,2"),
                                       cl::desc("Thread counts to measure"));
static cl::opt<std::string> only("only", cl::cat(category), cl::init(""),
                                 cl::desc("Run only cases whose name "
                                          "contains this"));
static cl::opt<unsigned> probeMiB("probe-mib", cl::cat(category), cl::init(512),
                                  cl::desc("Buffer of the read-bandwidth "
                                           "probe, MiB"));
static cl::opt<unsigned> evictMiB("evict-mib", cl::cat(category), cl::init(192),
                                  cl::desc("Buffer read before each cold "
                                           "GEMV run to evict the caches, "
                                           "MiB"));
static cl::opt<bool> coldGemv(
    "cold-gemv", cl::cat(category), cl::init(true),
    cl::desc("Evict the caches (and probe) before each quantized GEMV run; "
             "false: the weights stay in the caches between runs (the "
             "kernels' compute speed without the memory stalls)"));
static cl::opt<bool> convLayers("conv", cl::cat(category), cl::init(true),
                                cl::desc("Also time the conv2d layers (d)"));
static cl::opt<bool> attention(
    "attention", cl::cat(category), cl::init(true),
    cl::desc("Also time attention's batch_matmuls of two activations (e)"));
static cl::opt<bool> floatGemm(
    "float-gemm", cl::cat(category), cl::init(true),
    cl::desc("Also time the fp32 GEMM through upstream's default lowering "
             "(slow: seconds per run; timed once)"));

static cl::opt<int64_t> prefetchDistance(
    "weight-prefetch-distance", cl::cat(category),
    cl::init(rt::CodegenOptions().prefetchDistance),
    cl::desc("The quantized kernels' prefetch-distance (bytes ahead in each "
             "weight stream; 0: none; -1: the default, 4-bit GEMVs only)"));
static cl::opt<int64_t> abPrefetchDistance(
    "ab-weight-prefetch-distance", cl::cat(category),
    cl::desc("Also compile each GEMV with this weight-prefetch-distance and "
             "run both versions alternately on the same cold weights (the "
             "machine's bandwidth drifts too much between separate runs to "
             "compare them)"));
static cl::opt<int64_t> minMacsPerThread(
    "min-macs-per-thread", cl::cat(category),
    cl::init(rt::CodegenOptions().minMacsPerThread),
    cl::desc("The kernels' min-macs-per-thread (fewer threads for smaller "
             "contractions; 0: always the thread count)"));

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

/// Best of `runs` timings of `f`, in seconds; `before` runs untimed before
/// each.
template <typename F, typename G = void (*)()>
double best(unsigned runs, F &&f, G &&before = [] {}) {
  double t = 1e30;
  for (unsigned i = 0; i < runs; ++i) {
    before();
    auto start = Clock::now();
    f();
    t = std::min(t, seconds(start, Clock::now()));
  }
  return t;
}

/// The CPUs this process may run on, in order.
std::vector<int> allowedCPUs() {
  cpu_set_t set;
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof(set), &set) == 0)
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set))
        cpus.push_back(c);
  return cpus;
}

/// Pins the calling thread to the i-th allowed CPU (wrapping around).
void pinToCPU(unsigned i) {
  static const std::vector<int> cpus = allowedCPUs();
  if (cpus.empty())
    return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpus[i % cpus.size()], &set);
  pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/// Runs f(0) ... f(threads - 1) at once, f(i) on a new thread pinned to
/// the i-th allowed CPU: a probe or an eviction on T threads then runs on T
/// different cores. Left to the scheduler (with the kernels' idle OpenMP
/// worker spinning on one core), two such threads could share a core: a
/// probe would read at one core's rate, an eviction leave the other core's
/// private L2, with the kernel's lines in it, as it was. The calling
/// thread is never pinned: the OpenMP workers it starts would inherit its
/// one core.
template <typename F> void onThreads(unsigned threads, F &&f) {
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < threads; ++i)
    pool.emplace_back([&, i] {
      pinToCPU(i);
      f(i);
    });
  for (std::thread &t : pool)
    t.join();
}

//===----------------------------------------------------------------------===//
// Probes
//===----------------------------------------------------------------------===//

/// Reads `bytes` (whole 256-byte steps) at `data`, any alignment (the
/// evictor and cold-read buffers are std::vectors, 16-byte aligned).
__attribute__((target("avx512f"))) uint64_t readSlice(const char *data,
                                                       size_t bytes) {
  __m512i acc0 = _mm512_setzero_si512(), acc1 = acc0, acc2 = acc0,
          acc3 = acc0;
  for (size_t i = 0; i + 256 <= bytes; i += 256) {
    acc0 = _mm512_xor_si512(acc0, _mm512_loadu_si512(data + i));
    acc1 = _mm512_xor_si512(acc1, _mm512_loadu_si512(data + i + 64));
    acc2 = _mm512_xor_si512(acc2, _mm512_loadu_si512(data + i + 128));
    acc3 = _mm512_xor_si512(acc3, _mm512_loadu_si512(data + i + 192));
  }
  __m512i acc = _mm512_xor_si512(_mm512_xor_si512(acc0, acc1),
                                 _mm512_xor_si512(acc2, acc3));
  return uint64_t(_mm_cvtsi128_si64(_mm512_castsi512_si128(acc)));
}

/// A buffer far larger than the caches for the read-bandwidth probe.
struct ProbeBuffer {
  size_t bytes = size_t(probeMiB) << 20;
  char *data = static_cast<char *>(std::aligned_alloc(64, bytes));
  ProbeBuffer() { std::memset(data, 1, bytes); }
  ~ProbeBuffer() { std::free(data); }
};

/// One streaming read of the probe buffer on `threads` threads, in GB/s.
double readOnce(const ProbeBuffer &buffer, unsigned threads) {
  volatile uint64_t sink = 0;
  auto start = Clock::now();
  onThreads(threads, [&](unsigned i) {
    size_t slice = buffer.bytes / threads;
    sink = sink + readSlice(buffer.data + i * slice, slice);
  });
  return double(buffer.bytes) / seconds(start, Clock::now()) / 1e9;
}

/// Spins until `threads` threads have arrived at `count` (which then
/// stays there): the threads of a probe start and stop together without
/// a system call.
void spinBarrier(std::atomic<unsigned> &count, unsigned threads) {
  count.fetch_add(1);
  while (count.load() < threads)
    _mm_pause();
}

/// A cold read of exactly the bytes a GEMV streams, in GB/s: `data` was
/// evicted from the caches before the call. Timed from when all threads
/// run to when all have finished (thread creation is not timed: the
/// kernels' OpenMP workers are running too), each thread reading one
/// contiguous share, the best case for the prefetchers. The 512 MiB probe
/// measures a steady state that a read of a few MiB, over in a fraction of
/// a millisecond, does not reach.
double coldReadOnce(const char *data, size_t bytes, unsigned threads) {
  std::atomic<unsigned> started{0}, finished{0};
  Clock::time_point start, stop;
  volatile uint64_t sink = 0;
  size_t share = bytes / threads / 256 * 256;
  onThreads(threads, [&](unsigned i) {
    spinBarrier(started, threads);
    if (i == 0)
      start = Clock::now();
    sink = sink + readSlice(data + i * share,
                            i + 1 == threads ? bytes - i * share : share);
    spinBarrier(finished, threads);
    if (i == 0)
      stop = Clock::now();
  });
  return double(bytes) / seconds(start, stop) / 1e9;
}

/// Streaming read bandwidth in GB/s (best of 5).
double readBandwidth(const ProbeBuffer &buffer, unsigned threads) {
  double rate = 0;
  for (int i = 0; i < 5; ++i)
    rate = std::max(rate, readOnce(buffer, threads));
  return rate;
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) int
dotPeakLoop(int64_t iterations, char x, char y) {
  __m512i a = _mm512_set1_epi8(x), b = _mm512_set1_epi8(y);
  // 12 independent chains hide vpdpbusd's latency.
  __m512i c[12];
  for (__m512i &x : c)
    x = _mm512_setzero_si512();
  for (int64_t i = 0; i < iterations; ++i)
    for (__m512i &x : c)
      x = _mm512_dpbusd_epi32(x, a, b);
  // Keep every chain live; wrap-around is fine here (xor, not add).
  __m512i sum = c[0];
  for (int j = 1; j < 12; ++j)
    sum = _mm512_xor_si512(sum, c[j]);
  return _mm_cvtsi128_si32(_mm512_castsi512_si128(sum));
}

/// One run of the vpdpbusd loop on `threads` threads, in G int8
/// multiply-accumulates per second.
double int8PeakOnce(unsigned threads, int64_t iterations = 4'000'000) {
  volatile int sink = 0;
  auto start = Clock::now();
  onThreads(threads, [&](unsigned) {
    sink = sink + dotPeakLoop(iterations, 1, 2);
  });
  return double(iterations) * 12 * 64 * threads /
         seconds(start, Clock::now()) / 1e9;
}

/// vpdpbusd throughput (best of 3).
double int8Peak(unsigned threads) {
  double rate = 0;
  for (int i = 0; i < 3; ++i)
    rate = std::max(rate, int8PeakOnce(threads));
  return rate;
}

//===----------------------------------------------------------------------===//
// Models
//===----------------------------------------------------------------------===//

std::string hexBytes(const void *data, size_t size) {
  static const char *digits = "0123456789ABCDEF";
  std::string s = "\"0x";
  s.reserve(2 * size + 4);
  for (size_t i = 0; i < size; ++i) {
    uint8_t byte = static_cast<const uint8_t *>(data)[i];
    s += digits[byte >> 4];
    s += digits[byte & 15];
  }
  return s + "\"";
}

std::string floatModel(int64_t m, int64_t k, int64_t n,
                       const std::vector<float> &w) {
  return formatv(R"mlir(
func.func @main(%a: tensor<{0}x{1}xf32>) -> tensor<{0}x{2}xf32> {{
  %w = arith.constant dense<{3}> : tensor<{1}x{2}xf32>
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<{0}x{2}xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<{0}x{2}xf32>) -> tensor<{0}x{2}xf32>
  %y = linalg.matmul ins(%a, %w : tensor<{0}x{1}xf32>, tensor<{1}x{2}xf32>) outs(%acc : tensor<{0}x{2}xf32>) -> tensor<{0}x{2}xf32>
  return %y : tensor<{0}x{2}xf32>
}
)mlir",
                 m, k, n, hexBytes(w.data(), w.size() * 4))
      .str();
}

struct QuantCase {
  unsigned weightBits, vector, scaleBits;
  std::string name() const {
    return formatv("W{0}A8 V{1} ui{2}", weightBits, vector, scaleBits).str();
  }
  q::TensorFormat activationFormat() const {
    q::TensorFormat f;
    f.element = {8, true};
    f.granularity = q::Granularity::PerVector;
    f.axis = 1;
    f.vectorSize = vector;
    f.scaleBits = scaleBits;
    f.coarseAxis = -1;
    return f;
  }
  q::TensorFormat weightFormat() const {
    q::TensorFormat f;
    f.element = {weightBits, true};
    f.granularity = q::Granularity::PerVector;
    f.axis = 0;
    f.vectorSize = vector;
    f.scaleBits = scaleBits;
    f.coarseAxis = 1;
    return f;
  }
};

/// vsquant IR: dynamic per-vector activations (gamma from the library, as
/// calibration would give it) times constant per-vector weights.
std::string quantModel(const QuantCase &c, int64_t m, int64_t k, int64_t n,
                       const q::QuantizedTensor &qw, float gamma) {
  std::vector<int8_t> values(qw.values.begin(), qw.values.end());
  std::vector<uint8_t> sq(qw.integerScales.begin(), qw.integerScales.end());
  std::string aFormat = formatv("#vsquant.format<si8, per_vector(axis = 1, "
                                "size = {0}), scale = ui{1}>",
                                c.vector, c.scaleBits);
  std::string wFormat =
      formatv("#vsquant.format<si{0}, per_vector(axis = 0, size = {1}), "
              "scale = ui{2}, coarse = per_channel(axis = 1)>",
              c.weightBits, c.vector, c.scaleBits);
  int64_t blocks = (k + c.vector - 1) / c.vector;
  return formatv(R"mlir(
func.func @main(%a: tensor<{0}x{1}xf32>) -> tensor<{0}x{2}xf32> {{
  %g = arith.constant dense<{3:e9}> : tensor<f32>
  %aq = vsquant.dynamic_quantize %a coarse(%g : tensor<f32>) : tensor<{0}x{1}xf32> -> !vsquant.tensor<{0}x{1}, {4}>
  %w = vsquant.constant values(dense<{5}> : tensor<{1}x{2}xi8>) scales(dense<{6}> : tensor<{7}x{2}xi8>) coarse(dense<{8}> : tensor<{2}xf32>) : !vsquant.tensor<{1}x{2}, {9}>
  %y = vsquant.matmul %aq, %w : !vsquant.tensor<{0}x{1}, {4}>, !vsquant.tensor<{1}x{2}, {9}> -> tensor<{0}x{2}xf32>
  return %y : tensor<{0}x{2}xf32>
}
)mlir",
                 m, k, n, double(gamma), aFormat,
                 hexBytes(values.data(), values.size()),
                 hexBytes(sq.data(), sq.size()), blocks,
                 hexBytes(qw.coarse.data(), qw.coarse.size() * 4), wFormat)
      .str();
}

/// A conv2d layer: NHWC input 1 x H x W x C, 3x3 / 1x1 HWCF filter.
struct ConvLayer {
  const char *name;
  int64_t h, w, c, f, kernel, stride, pad;
  int64_t outH() const { return (h + 2 * pad - kernel) / stride + 1; }
  int64_t outW() const { return (w + 2 * pad - kernel) / stride + 1; }
  double macs() const {
    return double(outH()) * outW() * f * kernel * kernel * c;
  }
};

std::string convAttrs(const ConvLayer &l) {
  return formatv("{{strides = array<i64: {0}, {0}>, padding = array<i64: {1}, "
                 "{1}, {1}, {1}>}",
                 l.stride, l.pad)
      .str();
}

std::string floatConvModel(const ConvLayer &l, const std::vector<float> &k) {
  return formatv(R"mlir(
func.func @main(%x: tensor<1x{0}x{1}x{2}xf32>) -> tensor<1x{3}x{4}x{5}xf32> {{
  %k = arith.constant dense<{6}> : tensor<{7}x{7}x{2}x{5}xf32>
  %zero = arith.constant 0.0 : f32
  %padded = tensor.pad %x low[0, {8}, {8}, 0] high[0, {8}, {8}, 0] {{
  ^bb0(%i: index, %j: index, %l: index, %m: index):
    tensor.yield %zero : f32
  } : tensor<1x{0}x{1}x{2}xf32> to tensor<1x{9}x{10}x{2}xf32>
  %init = tensor.empty() : tensor<1x{3}x{4}x{5}xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<1x{3}x{4}x{5}xf32>) -> tensor<1x{3}x{4}x{5}xf32>
  %y = linalg.conv_2d_nhwc_hwcf {{strides = dense<{11}> : tensor<2xi64>, dilations = dense<1> : tensor<2xi64>}
      ins(%padded, %k : tensor<1x{9}x{10}x{2}xf32>, tensor<{7}x{7}x{2}x{5}xf32>) outs(%acc : tensor<1x{3}x{4}x{5}xf32>) -> tensor<1x{3}x{4}x{5}xf32>
  return %y : tensor<1x{3}x{4}x{5}xf32>
}
)mlir",
                 l.h, l.w, l.c, l.outH(), l.outW(), l.f,
                 hexBytes(k.data(), k.size() * 4), l.kernel, l.pad,
                 l.h + 2 * l.pad, l.w + 2 * l.pad, l.stride)
      .str();
}

/// Per-vector activations along C (dynamic, gamma from the library) times
/// a constant per-vector filter (vectors along C, coarse per F).
std::string quantConvModel(const ConvLayer &l, const QuantCase &c,
                           const q::QuantizedTensor &qk, float gamma) {
  std::vector<int8_t> values(qk.values.begin(), qk.values.end());
  std::vector<uint8_t> sq(qk.integerScales.begin(), qk.integerScales.end());
  std::string xFormat = formatv("#vsquant.format<si8, per_vector(axis = 3, "
                                "size = {0}), scale = ui{1}>",
                                c.vector, c.scaleBits);
  std::string kFormat =
      formatv("#vsquant.format<si{0}, per_vector(axis = 2, size = {1}), "
              "scale = ui{2}, coarse = per_channel(axis = 3)>",
              c.weightBits, c.vector, c.scaleBits);
  int64_t blocks = (l.c + c.vector - 1) / c.vector;
  return formatv(R"mlir(
func.func @main(%x: tensor<1x{0}x{1}x{2}xf32>) -> tensor<1x{3}x{4}x{5}xf32> {{
  %g = arith.constant dense<{6:e9}> : tensor<f32>
  %xq = vsquant.dynamic_quantize %x coarse(%g : tensor<f32>) : tensor<1x{0}x{1}x{2}xf32> -> !vsquant.tensor<1x{0}x{1}x{2}, {7}>
  %k = vsquant.constant values(dense<{8}> : tensor<{9}x{9}x{2}x{5}xi8>) scales(dense<{10}> : tensor<{9}x{9}x{11}x{5}xi8>) coarse(dense<{12}> : tensor<{5}xf32>) : !vsquant.tensor<{9}x{9}x{2}x{5}, {13}>
  %y = vsquant.conv2d %xq, %k {14} : !vsquant.tensor<1x{0}x{1}x{2}, {7}>, !vsquant.tensor<{9}x{9}x{2}x{5}, {13}> -> tensor<1x{3}x{4}x{5}xf32>
  return %y : tensor<1x{3}x{4}x{5}xf32>
}
)mlir",
                 l.h, l.w, l.c, l.outH(), l.outW(), l.f, double(gamma),
                 xFormat, hexBytes(values.data(), values.size()), l.kernel,
                 hexBytes(sq.data(), sq.size()), blocks,
                 hexBytes(qk.coarse.data(), qk.coarse.size() * 4), kFormat,
                 convAttrs(l))
      .str();
}

/// One of attention's batch_matmuls: [h] x M x K times [h] x K x N, both
/// operands activations (inputs of the function).
struct AttentionProduct {
  const char *name;
  int64_t heads, m, k, n;
  /// The left operand is a softmax output (unsigned, ui8).
  bool unsignedLhs;
  double macs() const { return double(heads) * m * k * n; }
};

/// fp32 batch_matmul, or both operands quantized per vector of `vector`
/// along K at run time (si8 / ui8 with fp32 scales, as dynamic activations
/// are) and multiplied by vsquant.batch_matmul.
std::string attentionModel(const AttentionProduct &a, int64_t vector,
                           bool quantized) {
  std::string lhs = formatv("{0}x{1}x{2}", a.heads, a.m, a.k),
              rhs = formatv("{0}x{1}x{2}", a.heads, a.k, a.n),
              out = formatv("{0}x{1}x{2}", a.heads, a.m, a.n);
  if (!quantized)
    return formatv(R"mlir(
func.func @main(%a: tensor<{0}xf32>, %b: tensor<{1}xf32>) -> tensor<{2}xf32> {{
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<{2}xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<{2}xf32>) -> tensor<{2}xf32>
  %y = linalg.batch_matmul ins(%a, %b : tensor<{0}xf32>, tensor<{1}xf32>) outs(%acc : tensor<{2}xf32>) -> tensor<{2}xf32>
  return %y : tensor<{2}xf32>
}
)mlir",
                   lhs, rhs, out)
        .str();
  std::string lhsType =
      formatv("!vsquant.tensor<{0}, #vsquant.format<{1}, per_vector(axis = "
              "2, size = {2}), scale = f32>>",
              lhs, a.unsignedLhs ? "ui8" : "si8", vector);
  std::string rhsType =
      formatv("!vsquant.tensor<{0}, #vsquant.format<si8, per_vector(axis = "
              "1, size = {1}), scale = f32>>",
              rhs, vector);
  return formatv(R"mlir(
func.func @main(%a: tensor<{0}xf32>, %b: tensor<{1}xf32>) -> tensor<{2}xf32> {{
  %aq = vsquant.dynamic_quantize %a : tensor<{0}xf32> -> {3}
  %bq = vsquant.dynamic_quantize %b : tensor<{1}xf32> -> {4}
  %y = vsquant.batch_matmul %aq, %bq : {3}, {4} -> tensor<{2}xf32>
  return %y : tensor<{2}xf32>
}
)mlir",
                 lhs, rhs, out, lhsType, rhsType)
      .str();
}

bool sameBits(const std::vector<float> &a, const std::vector<float> &b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

struct Bench {
  mlir::DialectRegistry registry;
  std::unique_ptr<mlir::MLIRContext> context;
  Bench() {
    mlir::registerAllDialects(registry);
    mlir::registerAllExtensions(registry);
    vsquant::registerAllDialects(registry);
    context = std::make_unique<mlir::MLIRContext>(registry);
    context->disableMultithreading();
    context->loadAllAvailableDialects();
  }

  /// A buffer larger than the last-level cache: reading it before a timed
  /// run evicts the weights, so a GEMV streams them from memory as it does
  /// in a model too large for the cache. It is read on as many threads as
  /// the run uses: each core's private L2 keeps the last lines its thread
  /// read, and a non-inclusive L3 (AMD's) does not take them back when
  /// another core streams the evictor. Read on one thread only, a 2-thread
  /// GEMV found part of the second thread's share still in its core's L2
  /// (1 MiB here).
  std::vector<char> evictor = std::vector<char>(size_t(evictMiB) << 20, 1);
  void evictCaches(unsigned threads) {
    std::atomic<uint64_t> sink{0};
    size_t share = evictor.size() / threads / 256 * 256;
    onThreads(threads, [&](unsigned i) {
      sink += readSlice(evictor.data() + i * share, share);
    });
  }

  /// `ir` compiled with `options`, `inputs` copied in, run once (first touch
  /// of pages, lazy runtime set-up).
  Expected<std::unique_ptr<rt::CompiledModel>>
  compileAndRunOnce(const std::string &ir, const rt::CodegenOptions &options,
                    ArrayRef<std::vector<float>> inputs) {
    auto module = mlir::parseSourceString<mlir::ModuleOp>(ir, context.get());
    if (!module)
      return createStringError("cannot parse the benchmark model");
    auto compiled = rt::CompiledModel::compile(*module, "main", options);
    if (!compiled)
      return compiled.takeError();
    rt::CompiledModel &model = **compiled;
    for (size_t i = 0; i < inputs.size(); ++i)
      std::copy(inputs[i].begin(), inputs[i].end(),
                model.inputs()[i].data.begin());
    model.run();
    return compiled;
  }

  /// Run times of two versions of a model, each sorted ascending, and
  /// whether their outputs agree bit for bit.
  struct Comparison {
    std::vector<double> a, b;
    bool sameOutputs = false;
  };

  /// Compiles `ir` with `a` and with `b` and runs the two alternately,
  /// `runs` times each, evicting the caches before each run when
  /// `coldCache`: the machine's bandwidth drifts less between two adjacent
  /// runs than between two separate benchmark runs.
  Expected<Comparison> compare(const std::string &ir,
                               const rt::CodegenOptions &a,
                               const rt::CodegenOptions &b,
                               ArrayRef<std::vector<float>> inputs,
                               unsigned runs, bool coldCache) {
    std::unique_ptr<rt::CompiledModel> models[2];
    for (int v = 0; v < 2; ++v) {
      auto model = compileAndRunOnce(ir, v ? b : a, inputs);
      if (!model)
        return model.takeError();
      models[v] = std::move(*model);
    }
    Comparison result;
    result.sameOutputs = sameBits(models[0]->results()[0].data,
                                  models[1]->results()[0].data);
    for (unsigned r = 0; r < runs; ++r)
      for (int v = 0; v < 2; ++v) {
        if (coldCache)
          evictCaches(std::max(1u, (v ? b : a).numThreads));
        auto start = Clock::now();
        models[v]->run();
        (v ? result.b : result.a).push_back(seconds(start, Clock::now()));
      }
    llvm::sort(result.a);
    llvm::sort(result.b);
    return result;
  }

  /// Compiles `ir`, runs it `repeat` times on `inputs`; best time in
  /// seconds and the output. `coldCache` evicts the caches before each run.
  /// `probe`, when given, runs (untimed here) before each run and its best
  /// rate goes to `probeRate`: the machine is shared, and a probe taken
  /// between the runs sees the same neighbours as the runs do.
  Expected<std::pair<double, std::vector<float>>>
  run(const std::string &ir, const rt::CodegenOptions &options,
      ArrayRef<std::vector<float>> inputs, unsigned runs, bool coldCache,
      function_ref<double()> probe = nullptr, double *probeRate = nullptr) {
    auto compiled = compileAndRunOnce(ir, options, inputs);
    if (!compiled)
      return compiled.takeError();
    rt::CompiledModel &model = **compiled;
    double t = best(
        runs, [&] { model.run(); },
        [&] {
          if (probe)
            *probeRate = std::max(*probeRate, probe());
          if (coldCache)
            evictCaches(std::max(1u, options.numThreads));
        });
    return std::make_pair(t, model.results()[0].data);
  }
};

bool timeConvLayers(Bench &bench, std::mt19937 &rng,
                    ArrayRef<unsigned> threadCounts,
                    std::map<unsigned, double> &peakGMACs, raw_ostream &os);
bool timeAttention(Bench &bench, std::mt19937 &rng,
                   ArrayRef<unsigned> threadCounts,
                   std::map<unsigned, double> &peakGMACs, raw_ostream &os);

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "vsquant matmul benchmark\n");
  raw_ostream &os = outs();
  int64_t k = kDim, n = nDim;
  SmallVector<unsigned> threadCounts;
  for (StringRef t : split(threadList, ',')) {
    unsigned v;
    if (t.getAsInteger(10, v) || v == 0) {
      errs() << "vsq-bench-matmul: bad --num-threads entry '" << t << "'\n";
      return 2;
    }
    threadCounts.push_back(v);
  }
  if (k <= 0 || n <= 0 || gemmRows <= 0 || repeat == 0 || probeMiB == 0 ||
      evictMiB == 0) {
    errs() << "vsq-bench-matmul: sizes and --repeat must be positive\n";
    return 2;
  }
  StringMap<bool> features = sys::getHostCPUFeatures();
  if (!features.lookup("avx512vnni") || !features.lookup("avx512bw")) {
    errs() << "vsq-bench-matmul: the probes need AVX-512 VNNI, which this "
              "CPU lacks\n";
    return 2;
  }

  // (a) Probes.
  ProbeBuffer probeBuffer;
  std::map<unsigned, double> readGBs, peakGMACs;
  for (unsigned t : threadCounts) {
    readGBs[t] = readBandwidth(probeBuffer, t);
    peakGMACs[t] = int8Peak(t);
    os << formatv("probe {0} thread(s): streaming read {1:f1} GB/s, "
                  "vpdpbusd peak {2:f0} G int8 MAC/s\n",
                  t, readGBs[t], peakGMACs[t]);
  }
  os.flush();

  Bench bench;
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> w(k * n);
  for (float &x : w)
    x = normal(rng);
  struct Shape {
    const char *name;
    int64_t m;
  };
  Shape shapes[] = {{"GEMV", 1}, {"GEMM", gemmRows}};

  // (b) fp32 baselines, one thread (neither path makes threads).
  std::map<std::string, double> floatDefault, floatReordered;
  for (const Shape &shape : shapes) {
    std::vector<float> a(shape.m * k);
    for (float &x : a)
      x = normal(rng);
    std::string ir = floatModel(shape.m, k, n, w);
    double macs = double(shape.m) * k * n;
    bool cold = shape.m == 1;
    // Times one fp32 lowering; false on error (reported).
    auto timeFloat = [&](const rt::CodegenOptions &options, unsigned runs,
                         const char *label,
                         std::map<std::string, double> &into) {
      auto result = bench.run(ir, options, a, runs, cold);
      if (!result) {
        errs() << "vsq-bench-matmul: " << toString(result.takeError()) << "\n";
        return false;
      }
      into[shape.name] = result->first;
      os << formatv("fp32 {0} {1}x{2}x{3}, {4}: {5:f3} ms, {6:f2} GFLOP/s\n",
                    shape.name, shape.m, k, n, label, result->first * 1e3,
                    2 * macs / result->first / 1e9);
      return true;
    };
    if (!timeFloat(rt::CodegenOptions(), repeat,
                   "vsquant float path (loops, reductions outward)",
                   floatReordered))
      return 1;
    if (shape.m > 1 && !floatGemm)
      continue;
    rt::CodegenOptions upstream;
    upstream.moveReductionsOutward = false;
    if (!timeFloat(upstream, shape.m > 1 ? 1 : repeat,
                   "upstream default lowering (linalg-to-loops)",
                   floatDefault))
      return 1;
    os.flush();
  }

  // (c) Quantized. The activations are drawn once, so every round runs
  // the same inputs.
  std::vector<QuantCase> cases = {{8, 16, 4}, {8, 32, 4}, {8, 16, 8},
                                  {8, 32, 8}, {4, 16, 4}, {4, 32, 4},
                                  {4, 16, 8}, {4, 32, 8}};
  std::vector<std::vector<float>> activations;
  for (const Shape &shape : shapes) {
    activations.emplace_back(shape.m * k);
    for (float &x : activations.back())
      x = normal(rng);
  }
  // Per case and thread count, in the order first measured: each round's
  // ratio to its probe (GEMV: read; GEMM: vpdpbusd) and speed-up over fp32.
  struct RoundResults {
    std::string name;
    unsigned threads;
    bool gemv;
    std::vector<double> probeRatio, floatSpeedup;
  };
  std::vector<RoundResults> summary;
  for (unsigned round = 0; round < rounds; ++round) {
    if (rounds > 1)
      os << formatv("\nround {0} of {1}\n", round + 1, rounds);
    os << "\ncase                     threads   time ms   GMAC/s  weight GB/s"
          "  probe*  x read BW  cold read*  x cold read  x int8 peak  "
          "x fp32 default  x fp32 path  check\n";
    for (const Shape &shape : shapes) {
      const std::vector<float> &a = activations[&shape - shapes];
      double macs = double(shape.m) * k * n;
      for (const QuantCase &c : cases) {
        std::string name = std::string(shape.name) + " " + c.name();
        if (!only.empty() && name.find(only) == std::string::npos)
          continue;
        q::CalibrationOptions max;
        auto qw = q::quantizeTensor(w, {k, n}, c.weightFormat(), max);
        auto qa = q::quantizeTensor(a, {shape.m, k}, c.activationFormat(), max);
        if (!qw || !qa) {
          errs() << "vsq-bench-matmul: quantization failed\n";
          return 1;
        }
        std::string ir = quantModel(c, shape.m, k, n, *qw, qa->coarse[0]);
        // Weight bytes as stored by the kernel: elements plus byte scales.
        double weightBytes =
            double(k) * n * c.weightBits / 8 + double(k / c.vector) * n;
        // As many bytes for the cold read probe, one contiguous buffer.
        std::vector<char> coldBytes;
        if (shape.m == 1)
          coldBytes.assign(size_t(weightBytes) / 256 * 256, 1);
        std::vector<float> firstResult;
        for (unsigned t : threadCounts) {
          rt::CodegenOptions options;
          options.numThreads = t;
          options.minMacsPerThread = minMacsPerThread;
          options.prefetchDistance = prefetchDistance;
          // GEMVs against the read probe, GEMMs against the vpdpbusd probe,
          // each taken between the runs.
          double probeRate = 0, coldReadRate = 0;
          auto probe = [&] {
            if (shape.m > 1)
              return int8PeakOnce(t, 1'000'000);
            bench.evictCaches(t);
            coldReadRate =
                std::max(coldReadRate,
                         coldReadOnce(coldBytes.data(), coldBytes.size(), t));
            return readOnce(probeBuffer, t);
          };
          // Warm GEMVs: no eviction, and no probe either (it would evict).
          bool cold = shape.m == 1 && coldGemv;
          bool probed = shape.m > 1 || coldGemv;
          auto result = bench.run(
              ir, options, a, repeat, cold,
              probed ? function_ref<double()>(probe) : nullptr, &probeRate);
          if (!result) {
            errs() << "vsq-bench-matmul: " << toString(result.takeError())
                   << "\n";
            return 1;
          }
          std::string check;
          if (firstResult.empty()) {
            firstResult = result->second;
            if (shape.m == 1) {
              auto reference =
                  q::quantizedMatmul(*qa, c.activationFormat(), *qw,
                                     c.weightFormat(), shape.m, k, n);
              check = reference && sameBits(*reference, result->second)
                          ? "= library"
                          : "DIFFERS from library";
            } else {
              check = "-";
            }
          } else {
            check = sameBits(firstResult, result->second) ? "= 1 thread"
                                                          : "DIFFERS";
          }
          double time = result->first;
          auto ratio = [&](std::map<std::string, double> &base) {
            auto it = base.find(shape.name);
            return it == base.end()
                       ? std::string("-")
                       : formatv("{0:f1}", it->second / time).str();
          };
          // Warm GEMVs took no probes between runs: the start's.
          double readRate =
              shape.m == 1 && probeRate > 0 ? probeRate : readGBs[t];
          double peakRate = shape.m == 1 ? peakGMACs[t] : probeRate;
          double readShare = weightBytes / time / 1e9 / readRate,
                 peakShare = macs / time / 1e9 / peakRate;
          // The slower fp32 baseline timed for this shape (upstream's when
          // timed) is the one the speed-up target is about.
          double fp32Seconds = 0;
          for (auto *base : {&floatDefault, &floatReordered})
            if (auto it = base->find(shape.name); it != base->end())
              fp32Seconds = std::max(fp32Seconds, it->second);
          auto entry = llvm::find_if(summary, [&](const RoundResults &r) {
            return r.name == name && r.threads == t;
          });
          if (entry == summary.end())
            entry = summary.insert(summary.end(), {name, t, shape.m == 1});
          entry->probeRatio.push_back(shape.m == 1 ? readShare : peakShare);
          entry->floatSpeedup.push_back(fp32Seconds / time);
          std::string coldColumns = "          -          -";
          if (shape.m == 1 && coldReadRate > 0)
            coldColumns = formatv("{0,11:f0} {1,10:f2}", coldReadRate,
                                  weightBytes / time / 1e9 / coldReadRate);
          os << formatv(
              "{0,-24} {1,7} {2,9:f3} {3,8:f1} {4,12:f1} {5,9:f0} "
              "{6,10:f2} {7} {8,12:f2} {9,15} {10,12}  {11}\n",
              name, t, time * 1e3, macs / time / 1e9, weightBytes / time / 1e9,
              shape.m == 1 ? readRate : peakRate, readShare, coldColumns,
              peakShare, ratio(floatDefault), ratio(floatReordered), check);
          if (shape.m == 1 && abPrefetchDistance.getNumOccurrences()) {
            rt::CodegenOptions other = options;
            other.prefetchDistance = abPrefetchDistance;
            auto ab = bench.compare(ir, options, other, a, repeat, cold);
            if (!ab) {
              errs() << "vsq-bench-matmul: " << toString(ab.takeError())
                     << "\n";
              return 1;
            }
            auto stats = [](const std::vector<double> &t) {
              return formatv("best {0:f3} median {1:f3} ms", t.front() * 1e3,
                             t[t.size() / 2] * 1e3)
                  .str();
            };
            os << formatv("  A/B, alternating: weight-prefetch-distance {0}: "
                          "{1} | {2}: {3} | outputs {4}\n",
                          prefetchDistance, stats(ab->a), abPrefetchDistance,
                          stats(ab->b),
                          ab->sameOutputs ? "identical" : "DIFFER");
          }
          os.flush();
        }
      }
    }
    os << "probe*: best of the probe runs taken between this case's runs "
          "(GEMV: streaming read, GB/s; GEMM: vpdpbusd, G MAC/s); the case's "
          "`x read BW` (GEMV) or `x int8 peak` (GEMM) is against it, the other "
          "ratio against the probes at the start; cold read*: GEMV only, best "
          "of the cold reads of as many bytes as the weights (evicted first, "
          "one contiguous share per thread, threads already running) taken "
          "between the case's runs, GB/s, and the case's weight GB/s against "
          "it\n";
  }
  if (rounds > 1) {
    // A machine shared with neighbours moves a case's ratio by 2x from one
    // minute to the next: the median over rounds is the case's speed, the
    // lowest and highest how far the hours pulled it.
    os << formatv("\nsummary over {0} rounds: ratio to the probe (GEMV: x "
                  "read BW, target >= 0.70; GEMM: x int8 peak, target >= "
                  "0.40) and speed-up over the slower fp32 path (target >= "
                  "3)\n",
                  rounds);
    os << "case                     threads   median    min    max  "
          "rounds >= target   x fp32 min\n";
    for (RoundResults &r : summary) {
      llvm::sort(r.probeRatio);
      double target = r.gemv ? 0.70 : 0.40;
      size_t meeting =
          llvm::count_if(r.probeRatio, [&](double x) { return x >= target; });
      size_t n = r.probeRatio.size();
      double median = n % 2
                          ? r.probeRatio[n / 2]
                          : (r.probeRatio[n / 2 - 1] + r.probeRatio[n / 2]) / 2;
      os << formatv("{0,-24} {1,7} {2,8:f2} {3,6:f2} {4,6:f2} {5,8} of {6,-6} "
                    "{7,12:f1}\n",
                    r.name, r.threads, median, r.probeRatio.front(),
                    r.probeRatio.back(), meeting, n,
                    *llvm::min_element(r.floatSpeedup));
    }
  }
  if (convLayers && !timeConvLayers(bench, rng, threadCounts, peakGMACs, os))
    return 1;
  if (attention &&
      !timeAttention(bench, rng, threadCounts, peakGMACs, os))
    return 1;
  return 0;
}

namespace {

/// Times the tiled kernels of `ir` on each thread count and prints a row
/// per count: speed, fraction of the int8 probe, speed-up over the
/// reference lowering (`referenceSeconds`) and the fp32 path, and whether
/// the output equals the reference lowering's bit for bit. False on error
/// (reported).
bool timeAgainstReference(Bench &bench, const std::string &ir,
                          ArrayRef<std::vector<float>> inputs,
                          const std::string &name, double macs,
                          double referenceSeconds,
                          const std::vector<float> &referenceOutput,
                          double floatSeconds, ArrayRef<unsigned> threadCounts,
                          std::map<unsigned, double> &peakGMACs,
                          raw_ostream &os) {
  for (unsigned t : threadCounts) {
    rt::CodegenOptions options;
    options.numThreads = t;
    options.minMacsPerThread = minMacsPerThread;
    options.prefetchDistance = prefetchDistance;
    auto result = bench.run(ir, options, inputs, repeat, false);
    if (!result) {
      errs() << "vsq-bench-matmul: " << toString(result.takeError()) << "\n";
      return false;
    }
    double time = result->first;
    os << formatv("{0,-38} {1,7} {2,9:f3} {3,8:f1} {4,12:f2} {5,12:f1} "
                  "{6,11:f1}  {7}\n",
                  name, t, time * 1e3, macs / time / 1e9,
                  macs / time / 1e9 / peakGMACs[t], referenceSeconds / time,
                  floatSeconds / time,
                  sameBits(referenceOutput, result->second)
                      ? "= reference"
                      : "DIFFERS from reference");
    os.flush();
  }
  return true;
}

/// (d): false on error (reported).
bool timeConvLayers(Bench &bench, std::mt19937 &rng,
                    ArrayRef<unsigned> threadCounts,
                    std::map<unsigned, double> &peakGMACs, raw_ostream &os) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  os << "\nconv2d layer                           threads   time ms   GMAC/s"
        "  x int8 peak  x reference  x fp32 path  check\n";
  ConvLayer layers[] = {{"3x3 C64->64 24x80", 24, 80, 64, 64, 3, 1, 1},
                        {"1x1 C128->256 12x40", 12, 40, 128, 256, 1, 1, 0},
                        {"3x3/2 C3->32 48x160", 48, 160, 3, 32, 3, 2, 1}};
  std::vector<QuantCase> convCases = {{8, 16, 4}, {4, 16, 4}};
  for (const ConvLayer &l : layers) {
    std::vector<float> x(l.h * l.w * l.c), kv(l.kernel * l.kernel * l.c * l.f);
    for (float &e : x)
      e = normal(rng);
    for (float &e : kv)
      e = normal(rng);
    auto floatResult =
        bench.run(floatConvModel(l, kv), rt::CodegenOptions(), x, repeat, false);
    if (!floatResult) {
      errs() << "vsq-bench-matmul: " << toString(floatResult.takeError())
             << "\n";
      return false;
    }
    for (const QuantCase &c : convCases) {
      std::string name = std::string("conv ") + l.name + " " + c.name();
      if (!only.empty() && name.find(only) == std::string::npos)
        continue;
      q::TensorFormat xf = c.activationFormat(), kf = c.weightFormat();
      xf.axis = 3;
      kf.axis = 2;
      kf.coarseAxis = 3;
      q::CalibrationOptions max;
      auto qk = q::quantizeTensor(kv, {l.kernel, l.kernel, l.c, l.f}, kf, max);
      auto qx = q::quantizeTensor(x, {1, l.h, l.w, l.c}, xf, max);
      if (!qk || !qx) {
        errs() << "vsq-bench-matmul: quantization failed\n";
        return false;
      }
      std::string ir = quantConvModel(l, c, *qk, qx->coarse[0]);
      rt::CodegenOptions reference;
      reference.kernels = "reference";
      auto exact = bench.run(ir, reference, x, 1, false);
      if (!exact) {
        errs() << "vsq-bench-matmul: " << toString(exact.takeError()) << "\n";
        return false;
      }
      if (!timeAgainstReference(bench, ir, {x}, name, l.macs(),
                                exact->first, exact->second,
                                floatResult->first, threadCounts, peakGMACs,
                                os))
        return false;
    }
  }
  return true;
}

/// (e): false on error (reported).
bool timeAttention(Bench &bench, std::mt19937 &rng,
                   ArrayRef<unsigned> threadCounts,
                   std::map<unsigned, double> &peakGMACs, raw_ostream &os) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> probability(0.0f, 1.0f);
  os << "\nattention batch_matmul                 threads   time ms   GMAC/s"
        "  x int8 peak  x reference  x fp32 path  check\n";
  AttentionProduct products[] = {{"Q K^T 8x256x64x256", 8, 256, 64, 256, false},
                                 {"P V 8x256x256x64", 8, 256, 256, 64, true}};
  auto report = [&](auto &result) {
    if (!result)
      errs() << "vsq-bench-matmul: " << toString(result.takeError()) << "\n";
    return bool(result);
  };
  for (const AttentionProduct &a : products) {
    std::vector<float> lhs(a.heads * a.m * a.k), rhs(a.heads * a.k * a.n);
    for (float &e : lhs)
      e = a.unsignedLhs ? probability(rng) : normal(rng);
    for (float &e : rhs)
      e = normal(rng);
    std::vector<std::vector<float>> inputs = {lhs, rhs};
    auto floatResult = bench.run(attentionModel(a, 0, false),
                                 rt::CodegenOptions(), inputs, repeat, false);
    if (!report(floatResult))
      return false;
    for (int64_t vector : {16, 32}) {
      std::string name = formatv("{0} V{1}", a.name, vector).str();
      if (!only.empty() && name.find(only) == std::string::npos)
        continue;
      std::string ir = attentionModel(a, vector, true);
      rt::CodegenOptions reference;
      reference.kernels = "reference";
      auto exact = bench.run(ir, reference, inputs, 1, false);
      if (!report(exact))
        return false;
      if (!timeAgainstReference(bench, ir, inputs, name, a.macs(),
                                exact->first, exact->second,
                                floatResult->first, threadCounts, peakGMACs,
                                os))
        return false;
    }
  }
  return true;
}

} // namespace
