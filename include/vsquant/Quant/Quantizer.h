//===- Quantizer.h - Per-vector scaled quantization numerics ----*- C++ -*-===//
//
// Pure C++ (LLVM Support only, no MLIR types): SPEC.md sections 1-4 and 6.
// One implementation serves the compile-time quantizer, the reference checks
// and the simulator.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_QUANT_QUANTIZER_H
#define VSQUANT_QUANT_QUANTIZER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llvm {
class ThreadPoolInterface;
} // namespace llvm

namespace vsquant {
namespace quant {

enum class Rounding { HalfToEven, HalfAwayFromZero };
enum class ScaleRounding { Ceil, Nearest };
enum class Granularity { PerTensor, PerChannel, PerVector };
enum class Method { Max, Percentile, MSE, OCTAV, Entropy };

/// `si<N>` (symmetric, narrow range) or `ui<N>`; N in 2..8.
struct ElementFormat {
  unsigned bits = 8;
  bool isSigned = true;
  /// Q: 2^(N-1) - 1 for signed, 2^N - 1 for unsigned.
  int64_t qmax() const {
    return isSigned ? (int64_t(1) << (bits - 1)) - 1 : (int64_t(1) << bits) - 1;
  }
  int64_t qmin() const { return isSigned ? -qmax() : 0; }
};

/// How a whole tensor is quantized (the pure-C++ twin of #vsquant.format).
struct TensorFormat {
  ElementFormat element;
  Granularity granularity = Granularity::PerVector;
  /// Vector axis (PerVector) or channel axis (PerChannel); unused per tensor.
  int64_t axis = 0;
  int64_t vectorSize = 16;
  /// 0: single-level fp32 scales. M > 0: two-level ui<M> scales.
  unsigned scaleBits = 0;
  /// Coarse scale axis of two-level formats; -1 is one coarse scale.
  int64_t coarseAxis = -1;
  Rounding rounding = Rounding::HalfToEven;
  ScaleRounding scaleRounding = ScaleRounding::Ceil;
};

struct CalibrationOptions {
  Method method = Method::Max;
  /// percentile(p), p in (0, 100].
  double percentile = 99.99;
  /// Grid points G of the mse method.
  int64_t mseGridPoints = 100;
  /// Two-level mse only: search every sq in 1..2^M-1 per vector for the least
  /// squared error (never worse than ceil/nearest). Exact shortcuts keep it
  /// cheap for M <= 8; the cost grows with 2^M (M = 16: ~1 min per 10^6
  /// elements on 2 threads).
  bool exactScaleSearch = true;
};

//===----------------------------------------------------------------------===//
// Scalars (SPEC.md section 2)
//===----------------------------------------------------------------------===//

/// Rounds to an integer-valued double with `mode`.
double roundWith(double v, Rounding mode);

/// q = clamp(round(x / S)) with a true fp32 division; S == 0 gives 0.
/// Unsigned formats clamp negatives to 0. NaN input gives 0.
int32_t quantizeValue(float x, float scale, ElementFormat format,
                      Rounding rounding);

//===----------------------------------------------------------------------===//
// Thresholds (SPEC.md section 4)
//===----------------------------------------------------------------------===//

/// The clipping threshold alpha of one set of values with `options.method`
/// for elements of `format` (unsigned formats use max(x, 0)). For entropy
/// and percentile this is the exact-on-weights variant (percentile) or the
/// 2048-bin histogram (entropy). Returns 0 for an all-zero set. Values must
/// be finite (checked by the tensor-level entry points).
///
/// percentile(p) takes the r-th smallest magnitude, r = ceil(p/100 * n)
/// clamped to [1, n]; p/100 * n within 1e-9 (relative) of an integer counts
/// as that integer, so 99.99% of 10000 is 9999 although 99.99 is inexact.
/// mse measures candidates with HalfToEven rounding (see the overload).
float computeThreshold(llvm::ArrayRef<float> values, ElementFormat format,
                       const CalibrationOptions &options);
/// As above; `rounding` is the element rounding the mse search measures
/// its candidates with (the other methods ignore it).
float computeThreshold(llvm::ArrayRef<float> values, ElementFormat format,
                       const CalibrationOptions &options, Rounding rounding);

/// computeThreshold's plain implementation (scalar loops, a heap copy of
/// the magnitudes): the oracle the fast kernels are tested against.
float computeThresholdReference(llvm::ArrayRef<float> values,
                                ElementFormat format,
                                const CalibrationOptions &options,
                                Rounding rounding = Rounding::HalfToEven);

/// A 2048-bin histogram of |x| over [0, maxAbs] (activation statistics).
struct Histogram {
  static constexpr int64_t kBins = 2048;
  double maxAbs = 0;
  std::vector<uint64_t> counts = std::vector<uint64_t>(kBins, 0);
  /// Adds values, bin min(floor(|x| * 2048 / maxAbs), 2047), computed in
  /// double. maxAbs must be set first; with maxAbs == 0 zeros go to bin 0
  /// and anything else to the last bin. Callers with unsigned formats pass
  /// max(x, 0).
  void add(llvm::ArrayRef<float> values);
};

/// percentile(p) from a histogram: upper edge of the bin where the
/// cumulative count reaches p% (the same rank rule as computeThreshold).
/// 0 for an empty histogram.
float percentileFromHistogram(const Histogram &histogram, double percentile);
/// TensorRT-style KL threshold from a histogram (SPEC.md section 4). Bins
/// of a level share its count if they are nonzero in P (so the last kept
/// bin counts when only the clipped outliers fill it, as in TensorRT).
/// 0 for an empty histogram.
float entropyFromHistogram(const Histogram &histogram, ElementFormat format);

//===----------------------------------------------------------------------===//
// Tensors (SPEC.md sections 1 and 3)
//===----------------------------------------------------------------------===//

/// Result of quantizing a row-major tensor.
/// The effective scale of a two-level vector, S_v = f32(sq_v * gamma_g)
/// (SPEC.md section 3, step 4): one fp32 rounding of the exact product.
inline float effectiveScale(uint32_t integerScale, float gamma) {
  return float(integerScale) * gamma;
}

struct QuantizedTensor {
  /// One integer per element, row-major, in [qmin, qmax] (int16 holds ui8).
  std::vector<int16_t> values;
  /// Scale grid, row-major (SPEC section 1 / #vsquant.format's grid shape).
  std::vector<int64_t> scaleShape;
  /// Single level: s_v. Two level: empty.
  std::vector<float> scales;
  /// Two level: sq_v in 0..2^M-1. Single level: empty.
  std::vector<uint16_t> integerScales;
  /// Two level: gamma_g (rank 0 -> one value, else one per coarse channel).
  std::vector<int64_t> coarseShape;
  std::vector<float> coarse;
};

/// Shape of the scale grid of a tensor of `shape` in `format`.
std::vector<int64_t> scaleGridShape(llvm::ArrayRef<int64_t> shape,
                                    const TensorFormat &format);
/// Shape of the coarse (gamma) grid: [] for coarseAxis == -1, else
/// [shape[coarseAxis]]; [] as well for single-level formats (no gamma).
std::vector<int64_t> coarseGridShape(llvm::ArrayRef<int64_t> shape,
                                     const TensorFormat &format);

/// Checks `format` against `shape` (axes in range, bit widths, ...). Fields
/// a granularity does not use are not checked: axis per tensor, vectorSize
/// unless per vector, coarseAxis of single-level formats. A two-level
/// coarseAxis other than -1 needs per-vector granularity (a channel or the
/// whole tensor does not lie inside one coarse channel).
llvm::Error verifyFormat(llvm::ArrayRef<int64_t> shape,
                         const TensorFormat &format);

/// Quantizes `data` (row-major, `shape`). Fails with a message naming the
/// flat index of the first NaN or Inf, or of the first element whose
/// dequantized value would overflow to Inf (|x| within a rounding of
/// FLT_MAX, e.g. FLT_MAX in si8: f32(127 * f32(FLT_MAX / 127)) is Inf), or
/// an invalid format or calibration option (mseGridPoints >= 1, percentile
/// in (0, 100]). Work is spread over
/// `pool` when given; the result is identical without it.
///
/// Two-level: sq_v = 0 when s_v == 0 or when gamma_g underflows to 0 (a
/// group whose largest scale is below ~2^-149 * (2^M - 1)); the quotient
/// s_v / gamma_g is an fp32 division; ScaleRounding::Nearest rounds it half
/// to even.
llvm::Expected<QuantizedTensor>
quantizeTensor(llvm::ArrayRef<float> data, llvm::ArrayRef<int64_t> shape,
               const TensorFormat &format, const CalibrationOptions &options,
               llvm::ThreadPoolInterface *pool = nullptr);

/// Dynamic activation quantization under a static coarse scale (SPEC.md
/// section 4, activations): a two-level per-vector `format`, each s_v from
/// the data with `max` (s_v = max|x| / Q), the coarse scales fixed to
/// `coarse` (one, or one per coarse channel, from calibration) instead of
/// derived from the data, so sq_v clamps to 2^M - 1 where s_v exceeds
/// (2^M - 1) gamma. Then sq_v and q as quantizeTensor (SPEC.md section 3,
/// steps 3-4, the format's roundings). What the CPU path computes for a
/// compute op's re-quantized result (out_coarse) and the accelerator's PPU
/// for re-quantized outputs. Fails on NaN or Inf data (naming the element),
/// a format that is not two-level per-vector, or a wrong number of coarse
/// scales, or a negative or non-finite one.
llvm::Expected<QuantizedTensor>
quantizeTensorWithCoarse(llvm::ArrayRef<float> data,
                         llvm::ArrayRef<int64_t> shape,
                         const TensorFormat &format,
                         llvm::ArrayRef<float> coarse,
                         llvm::ThreadPoolInterface *pool = nullptr);

/// The plain implementation of quantizeTensor: one vector at a time, each
/// gathered and handed to computeThresholdReference, scalar loops. Same
/// contract and bit-identical results; kept as the oracle the fast path is
/// tested against (slow: use quantizeTensor).
llvm::Expected<QuantizedTensor>
quantizeTensorReference(llvm::ArrayRef<float> data,
                        llvm::ArrayRef<int64_t> shape,
                        const TensorFormat &format,
                        const CalibrationOptions &options,
                        llvm::ThreadPoolInterface *pool = nullptr);

/// Instruction sets of the bulk kernels behind quantizeTensor and
/// computeThreshold. Results never depend on the choice; Auto (the default)
/// takes the widest the CPU runs: AVX-512 (F, DQ, BW, VL) on x86-64 when
/// present, else portable C++.
enum class KernelIsa { Auto, Generic, AVX512 };
/// Selects the kernels for later calls, process-wide (for tests and
/// benchmarks; not synchronised with calls in flight). Asking for an ISA the
/// CPU or the build lacks selects Generic.
void setKernelIsa(KernelIsa isa);
/// The kernels in use: Generic or AVX512 (never Auto).
KernelIsa activeKernelIsa();

/// xhat per SPEC.md section 3: q * s_v, or f32(q * sq_v) * gamma_g.
/// `tensor` must come from quantizeTensor with the same shape and format.
std::vector<float> dequantizeTensor(const QuantizedTensor &tensor,
                                    llvm::ArrayRef<int64_t> shape,
                                    const TensorFormat &format);

//===----------------------------------------------------------------------===//
// Error metrics (SPEC.md section 6)
//===----------------------------------------------------------------------===//

/// 10 log10(sum x^2 / sum (x - xhat)^2), in double; +inf when exact (also
/// for 0/0: an all-zero tensor reproduced exactly), -inf when x is all zero
/// but xhat is not. x and xhat have the same size.
double sqnrDb(llvm::ArrayRef<float> x, llvm::ArrayRef<float> xhat);
/// mean (x - xhat)^2 in double; 0 for empty tensors.
double meanSquaredError(llvm::ArrayRef<float> x, llvm::ArrayRef<float> xhat);
/// x . xhat / (|x| |xhat|) in double; 1 when both are all zero, 0 when only
/// one is.
double cosineSimilarity(llvm::ArrayRef<float> x, llvm::ArrayRef<float> xhat);

/// Bits per element with scales counted (elements + scales + coarse).
double bitsPerElement(llvm::ArrayRef<int64_t> shape, const TensorFormat &format);

/// Packs values of `bits` (2..8) bits, two's complement for signed, back to
/// back in one little-endian bit stream: value j occupies stream bits
/// [j * bits, (j + 1) * bits) and stream bit k is bit k % 8 of byte k / 8.
/// So the first value sits in the low bits of byte 0 (4-bit: low nibble
/// first; 3-bit values straddle bytes). ceil(n * bits / 8) bytes, the unused
/// high bits of the last byte are 0. Each value is truncated to its low
/// `bits` bits; unpacking sign-extends when `isSigned`.
std::vector<uint8_t> packSubByte(llvm::ArrayRef<int16_t> values, unsigned bits);
std::vector<int16_t> unpackSubByte(llvm::ArrayRef<uint8_t> packed,
                                  int64_t count, unsigned bits, bool isSigned);

} // namespace quant
} // namespace vsquant

#endif // VSQUANT_QUANT_QUANTIZER_H
