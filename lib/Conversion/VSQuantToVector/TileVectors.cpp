//===- TileVectors.cpp - tiled vector-granularity contractions ------------===//
//
// Y = A * B for a vsquant.matmul, batch_matmul or conv2d:
//
//  * B is repacked at compile time into blocks of L output columns (L = 16
//    for AVX-512, 8 for AVX2): for each group of 4 consecutive k, the 4L
//    bytes [col 0: k..k+3][col 1: k..k+3]... are one SIMD register, the
//    operand layout of `vpdpbusd` / `vpmaddubsw`. 4-bit weights keep two
//    groups per byte (low / high nibble) and are unpacked in registers.
//  * The instructions multiply unsigned by signed bytes. With signed
//    activations on AVX-512 the weights are the unsigned operand, stored
//    with a bias (q + 128, or q + 8 in a nibble) and the activations the
//    signed one; the bias times the activations' per-vector sum (computed
//    once per row) starts each dot product. Unsigned activations are the
//    unsigned operand as they are. AVX2 multiplies |a| by sign(a) * w.
//  * B that is not a compile-time constant (activations times activations,
//    batch_matmul) is packed into the same layout by generated code on
//    every call, one byte per element, with a leading batch dim.
//  * A is padded along K to whole vectors.
//  * conv2d is the same contraction over an implicit im2col: rows are
//    output pixels, vectors are (kh, kw, channel vector) read in place from
//    the input padded once (window border, C to whole vectors); the filter
//    becomes a (taps * vectors * V) x F weight matrix at compile time.
//  * The output is cut into register tiles of rows x (columnBlocks * L);
//    tiles run under `scf.parallel` (threads come later, from
//    convert-scf-to-openmp). Per tile, for each vector j in increasing order:
//    one exact integer dot product per output, then SPEC.md section 5's
//    scale product and accumulation (exact i32 chunks flushed to i64 for
//    two-level scales; fp32 f32(sA sB) * f32(dot) for single-level).
//
//===----------------------------------------------------------------------===//

#include "vsquant/Conversion/Passes.h"
#include "vsquant/Conversion/VSQuantToVector/TileVectors.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "vsquant/Quant/Quantizer.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/TargetParser/Host.h"

#include <algorithm>
#include <cstring>

namespace mlir {
namespace vsquant {
#define GEN_PASS_DEF_VSQUANTTILEVECTORS
#include "vsquant/Conversion/Passes.h.inc"
} // namespace vsquant
} // namespace mlir

using namespace mlir;
using namespace mlir::vsquant;

std::optional<DotProductISA>
mlir::vsquant::parseDotProductISA(llvm::StringRef target) {
  if (target == "host") {
    llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
    if (features.lookup("avx512vnni") && features.lookup("avx512bw"))
      return DotProductISA::AVX512VNNI;
    if (features.lookup("avx2"))
      return DotProductISA::AVX2;
    return DotProductISA::None;
  }
  return llvm::StringSwitch<std::optional<DotProductISA>>(target)
      .Case("avx512vnni", DotProductISA::AVX512VNNI)
      .Case("avx2", DotProductISA::AVX2)
      .Case("none", DotProductISA::None)
      .Default(std::nullopt);
}

namespace {

/// Largest magnitude of a stored element (Q of SPEC.md section 2).
int64_t elementMax(FormatAttr f) { return f.getElementMax(); }

/// Everything the kernel is specialised on, decided before any op is built.
struct Plan {
  DotProductISA isa;
  int64_t m, n, k, vector, blocks, paddedK;
  int64_t lanes, columnBlocks, paddedN, rows, tileBlocks;
  int64_t threads = 1;
  bool twoLevel, fourBit, lhsSigned;
  /// batch_matmul: A, B and Y have a leading batch dim of `batch` entries
  /// (matmul and conv2d: 1, and no such dim).
  bool batched = false;
  int64_t batch = 1;
  /// B is not a compile-time constant (or is batched): generated code packs
  /// it into the same layout on every call, 8-bit elements only.
  bool runtimeRhs = false;
  /// Bytes ahead of the loads that each column block's weight stream is
  /// prefetched (0: not at all); its scale stream is prefetched as many
  /// vectors ahead.
  int64_t prefetchDistance = 0;
  /// Two-level weights against single-level activations: the weights enter
  /// with their effective scales f32(sq * gamma).
  bool rhsEffectiveScales = false;
  /// Weights are the unsigned operand, stored with this bias (0: they are
  /// the signed operand and the activations the unsigned or |a| one).
  int64_t weightBias = 0;
  /// Two-level: vectors whose exact terms fit one i32 accumulator.
  int64_t chunk;
  /// Two-level: one term sqA * sqB * dot may exceed i32 (8-bit scales over
  /// 8-bit elements): dot * sqB is exact in i32, the rest goes to i64.
  bool wideTerms = false;
  unsigned rhsScaleBits = 0; ///< storage of sqB: 8 or 16
  /// Single-level accumulation of two-level activations: their effective
  /// scales are computed at run time.
  bool lhsEffectiveScales = false;
  // Compile-time weight data.
  std::vector<int8_t> rhsValues; ///< K x N
  std::vector<int32_t> rhsIntScales; ///< J x N (two-level)
  std::vector<float> rhsScales;      ///< J x N (single level)
  std::vector<float> rhsCoarse;      ///< N (two-level)

  /// conv2d as an implicit im2col: the rows are output pixels (n, oh, ow),
  /// vector j of the reduction is channel vector j % tapVectors of tap
  /// (kh, kw) = divmod(j / tapVectors, kw), read in place from the padded
  /// input. The weights become a (taps * tapVectors * vector) x F matrix.
  struct Window {
    int64_t batch, height, width, channels, outHeight, outWidth;
    int64_t kernelHeight, kernelWidth, strideH, strideW, dilationH,
        dilationW;
    int64_t top, left, bottom, right;
    int64_t tapVectors;
    int64_t paddedHeight() const { return height + top + bottom; }
    int64_t paddedWidth() const { return width + left + right; }
  };
  std::optional<Window> conv;
};

/// Copies a constant tensor's elements (dense or dense_resource), or fails
/// when `v` is not one.
template <typename T>
bool readConstant(Value v, std::vector<T> &out) {
  ElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return false;
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    // Resource blobs hold the raw little-endian elements.
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || resource.getType().getElementTypeBitWidth() != 8 * sizeof(T))
      return false;
    ArrayRef<char> bytes = blob->getData();
    int64_t count = resource.getType().getNumElements();
    if (bytes.size() != size_t(count) * sizeof(T))
      return false;
    out.resize(count);
    std::memcpy(out.data(), bytes.data(), bytes.size());
    return true;
  }
  auto values = attr.tryGetValues<T>();
  if (!values)
    return false;
  out.assign(values->begin(), values->end());
  return true;
}

/// The common vector of both operands over a reduction of `k` elements
/// (0 when their vectors differ), and how many of them cover it. One vector
/// over all of K is zero-padded to whole pairs of 4-byte groups.
std::optional<std::pair<int64_t, int64_t>>
vectorsAlong(int64_t k, FormatAttr lf, FormatAttr rf) {
  auto vectorOf = [&](FormatAttr f) {
    return f.getGranularity() == Granularity::PerVector
               ? std::min<int64_t>(f.getVectorSize(), k)
               : int64_t(0);
  };
  int64_t lv = vectorOf(lf), rv = vectorOf(rf);
  if (lv && rv && lv != rv)
    return std::nullopt;
  int64_t vector = rv ? rv : lv;
  if (!vector || vector == k)
    return std::make_pair(int64_t(llvm::alignTo(k, 8)), int64_t(1));
  if (vector % 4)
    return std::nullopt;
  return std::make_pair(vector, llvm::divideCeil(k, vector));
}

/// HWCF filter values -> the (taps * tapVectors * vector) x F matrix of the
/// implicit im2col, each tap's channels zero-padded to whole vectors.
std::vector<int8_t> filterMatrix(const Plan &p, const std::vector<int8_t> &hwcf) {
  const Plan::Window &w = *p.conv;
  int64_t taps = w.kernelHeight * w.kernelWidth,
          tapRows = w.tapVectors * p.vector;
  std::vector<int8_t> matrix(taps * tapRows * p.n, 0);
  for (int64_t tap = 0; tap < taps; ++tap)
    for (int64_t c = 0; c < w.channels; ++c)
      std::memcpy(&matrix[(tap * tapRows + c) * p.n],
                  &hwcf[(tap * w.channels + c) * p.n], p.n);
  return matrix;
}

/// Decides whether the tiled kernel handles `ops`, and how.
std::optional<Plan> makePlan(const ContractionOperands &ops,
                             const TileVectorsOptions &options) {
  if (options.isa == DotProductISA::None ||
      ShapedType::isDynamicShape(ops.lhsType.getShape()) ||
      ShapedType::isDynamicShape(ops.rhsType.getShape()))
    return std::nullopt;
  FormatAttr lf = ops.lhsType.getFormat(), rf = ops.rhsType.getFormat();
  Plan p;
  p.isa = options.isa;
  p.batched = ops.hasBatch;
  ArrayRef<int64_t> lhsShape = ops.lhsType.getShape(),
                    rhsShape = ops.rhsType.getShape();
  // Weights: signed, at most 8 bits, scales per vector along K, per output
  // channel or per tensor. Activations: per vector along K, per row or per
  // tensor (conv2d input: per vector along C or per tensor). Vectors are
  // whole 4-byte groups. Coarse scales per row / column or per tensor.
  Granularity lg = lf.getGranularity(), rg = rf.getGranularity();
  int64_t nb = p.batched ? 1 : 0;
  int64_t rhsReduction = ops.conv ? 2 : nb, rhsChannel = ops.conv ? 3 : nb + 1;
  int64_t lhsReduction = ops.conv ? 3 : nb + 1;
  if ((rg == Granularity::PerVector && rf.getAxis() != rhsReduction) ||
      (rg == Granularity::PerChannel && rf.getAxis() != rhsChannel) ||
      (lg == Granularity::PerVector && lf.getAxis() != lhsReduction) ||
      (lg == Granularity::PerChannel && (ops.conv || lf.getAxis() != nb)) ||
      (rf.isTwoLevel() && !rf.hasPerTensorCoarse() &&
       rf.getCoarseAxis() != rhsChannel) ||
      (!ops.conv && lf.isTwoLevel() && !lf.hasPerTensorCoarse() &&
       lf.getCoarseAxis() != nb) ||
      !rf.isSignedElement() || rf.getElementBits() > 8)
    return std::nullopt;
  // Weights that are not compile-time constants are packed by the generated
  // code (a convolution's filter must be constant).
  p.runtimeRhs = p.batched || !matchPattern(ops.rhs[0], m_Constant());
  if (p.runtimeRhs && ops.conv)
    return std::nullopt;
  if (ops.conv) {
    ArrayRef<int64_t> out = ops.resultType.getShape();
    Plan::Window w;
    w.batch = lhsShape[0];
    w.height = lhsShape[1];
    w.width = lhsShape[2];
    w.channels = lhsShape[3];
    w.outHeight = out[1];
    w.outWidth = out[2];
    w.kernelHeight = rhsShape[0];
    w.kernelWidth = rhsShape[1];
    w.strideH = ops.conv->strides[0];
    w.strideW = ops.conv->strides[1];
    w.dilationH = ops.conv->dilations[0];
    w.dilationW = ops.conv->dilations[1];
    w.top = ops.conv->padding[0];
    w.left = ops.conv->padding[1];
    w.bottom = ops.conv->padding[2];
    w.right = ops.conv->padding[3];
    auto vectors = vectorsAlong(w.channels, lf, rf);
    if (!vectors)
      return std::nullopt;
    std::tie(p.vector, w.tapVectors) = *vectors;
    p.conv = w;
    p.m = w.batch * w.outHeight * w.outWidth;
    p.n = rhsShape[3];
    p.blocks = w.kernelHeight * w.kernelWidth * w.tapVectors;
    p.k = p.blocks * p.vector;
  } else {
    if (p.batched) {
      p.batch = lhsShape[0];
      if (rhsShape[0] != p.batch)
        return std::nullopt;
    }
    p.m = lhsShape[nb];
    p.k = lhsShape[nb + 1];
    p.n = rhsShape[nb + 1];
    auto vectors = vectorsAlong(p.k, lf, rf);
    if (!vectors)
      return std::nullopt;
    std::tie(p.vector, p.blocks) = *vectors;
  }
  p.paddedK = p.blocks * p.vector;
  p.fourBit = !p.runtimeRhs && rf.getElementBits() <= 4 && p.vector % 8 == 0;
  p.lhsSigned = lf.isSignedElement();
  // Both two-level: SPEC.md's exact integer accumulation. Otherwise the fp32
  // one, a two-level operand entering with its effective scales
  // f32(sq * gamma), as in the reference lowering.
  if (lf.isBlockScale() || rf.isBlockScale())
    return std::nullopt;
  p.twoLevel = lf.isTwoLevel() && rf.isTwoLevel();
  p.lhsEffectiveScales = lf.isTwoLevel() && !p.twoLevel;
  p.rhsEffectiveScales = rf.isTwoLevel() && !p.twoLevel;
  int64_t qa = elementMax(lf), qb = elementMax(rf);
  if (p.isa == DotProductISA::AVX512VNNI) {
    // vpdpbusd: unsigned bytes times signed bytes, exact in i32 for any V
    // here. Signed activations make the biased weights the unsigned operand.
    p.lanes = 16;
    if (p.lhsSigned)
      p.weightBias = p.fourBit ? 8 : 128;
  } else {
    // vpmaddubsw saturates pairs at 16 bits: signed activations go through
    // |a| and sign(a) * w, so each pair is at most 2 * qa * qb.
    p.lanes = 8;
    if (2 * qa * qb > INT16_MAX)
      return std::nullopt;
  }
  p.chunk = p.blocks;
  if (p.twoLevel) {
    int64_t sa = (int64_t(1) << lf.getScaleBits()) - 1,
            sb = (int64_t(1) << rf.getScaleBits()) - 1;
    double dot = double(p.vector) * qa * qb;
    double term = dot * sa * sb;
    if (dot * sb > INT32_MAX)
      return std::nullopt;
    p.wideTerms = term > INT32_MAX;
    if (!p.wideTerms)
      p.chunk = std::max<int64_t>(
          1, std::min<int64_t>(p.blocks, INT32_MAX / int64_t(term)));
    p.rhsScaleBits = rf.getScaleBits() <= 8 ? 8 : 16;
  }
  p.columnBlocks = llvm::divideCeil(p.n, p.lanes);
  p.paddedN = p.columnBlocks * p.lanes;
  // Register tiles: a few rows share each weight register; a single row
  // (GEMV) streams several column blocks instead.
  bool fewRows = p.m <= 2;
  int64_t rows = options.rows,
          tileBlocks = options.columnBlocks;
  if (!rows)
    rows = fewRows ? p.m : (p.lanes == 16 ? 4 : 2);
  if (!tileBlocks)
    tileBlocks = fewRows ? 4 : 2;
  p.rows = std::min(rows, p.m);
  // Threads only where each gets enough work to pay for its dispatch.
  p.threads = std::max<int64_t>(1, options.numThreads);
  if (options.minMacsPerThread > 0) {
    double macs = double(p.batch) * p.m * p.paddedN * p.paddedK;
    p.threads = std::clamp<int64_t>(
        int64_t(std::min(macs / double(options.minMacsPerThread), 1e9)), 1,
        p.threads);
  }
  p.tileBlocks = std::min(tileBlocks, p.columnBlocks);
  if (p.runtimeRhs)
    return p;
  // A single-row tile reads each weight once, straight from memory when the
  // weights do not fit the caches; the hardware prefetchers keep too few
  // lines in flight for a 4-bit kernel on several threads.
  p.prefetchDistance = options.prefetchDistance >= 0 ? options.prefetchDistance
                       : p.rows == 1 && p.fourBit   ? kDefaultPrefetchDistance
                                                    : 0;

  // The weights must be known at compile time. Repacking expands a splat;
  // past 2^28 elements (memory) the reference lowering keeps it a splat.
  ElementsAttr weightValues;
  if (matchPattern(ops.rhs[0], m_Constant(&weightValues)) &&
      weightValues.isSplat() && p.k * p.n > (int64_t(1) << 28))
    return std::nullopt;
  if (!readConstant(ops.rhs[0], p.rhsValues))
    return std::nullopt;
  if (p.conv)
    p.rhsValues = filterMatrix(p, p.rhsValues);
  if (rf.isTwoLevel()) {
    std::vector<float> coarse;
    if (!readConstant(ops.rhs[2], coarse))
      return std::nullopt;
    p.rhsCoarse.assign(p.n, coarse.empty() ? 0.0f : coarse[0]);
    if (coarse.size() == size_t(p.n))
      p.rhsCoarse = coarse;
    if (rf.getScaleBits() <= 8) {
      std::vector<uint8_t> sq;
      if (!readConstant(ops.rhs[1], sq))
        return std::nullopt;
      p.rhsIntScales.assign(sq.begin(), sq.end());
    } else {
      std::vector<uint16_t> sq;
      if (!readConstant(ops.rhs[1], sq))
        return std::nullopt;
      p.rhsIntScales.assign(sq.begin(), sq.end());
    }
    if (p.rhsEffectiveScales) {
      p.rhsScales.resize(p.rhsIntScales.size());
      for (size_t i = 0; i < p.rhsIntScales.size(); ++i)
        p.rhsScales[i] = ::vsquant::quant::effectiveScale(p.rhsIntScales[i],
                                               p.rhsCoarse[i % p.n]);
    }
  } else {
    std::vector<float> scales;
    if (!readConstant(ops.rhs[1], scales))
      return std::nullopt;
    if (rg == Granularity::PerVector) {
      p.rhsScales = std::move(scales);
    } else {
      // One scale per column (or for all): the same for every vector.
      p.rhsScales.resize(p.blocks * p.n);
      for (int64_t j = 0; j < p.blocks; ++j)
        for (int64_t col = 0; col < p.n; ++col)
          p.rhsScales[j * p.n + col] =
              scales.size() == size_t(p.n) ? scales[col] : scales[0];
    }
  }
  return p;
}

//===----------------------------------------------------------------------===//
// Compile-time repacking
//===----------------------------------------------------------------------===//

/// Bytes of one column block of packed weights.
int64_t packedBlockBytes(const Plan &p) {
  return p.fourBit ? p.paddedK * p.lanes / 2 : p.paddedK * p.lanes;
}

/// Bytes of one vector of one column block of packed weights.
int64_t packedVectorBytes(const Plan &p) {
  return p.fourBit ? p.vector * p.lanes / 2 : p.vector * p.lanes;
}

/// B (K x N, vectors along K) -> [block][k / 4][lane][k % 4], padded with
/// (biased) zeros; 4-bit: groups 2i and 2i+1 share bytes (low and high
/// nibble). Stored values are q + weightBias (mod 256, or mod 16 in a
/// nibble).
std::vector<int8_t> packWeights(const Plan &p) {
  int64_t blockBytes = packedBlockBytes(p);
  int8_t zero = int8_t(p.fourBit ? (p.weightBias | (p.weightBias << 4))
                                 : p.weightBias);
  std::vector<int8_t> packed(p.columnBlocks * blockBytes, zero);
  int64_t groupBytes = 4 * p.lanes;
  for (int64_t k = 0; k < p.k; ++k)
    for (int64_t col = 0; col < p.n; ++col) {
      int8_t q = int8_t(p.rhsValues[k * p.n + col] + p.weightBias);
      int64_t block = col / p.lanes, lane = col % p.lanes;
      int64_t group = k / 4, byteInGroup = lane * 4 + k % 4;
      if (!p.fourBit) {
        packed[block * blockBytes + group * groupBytes + byteInGroup] = q;
        continue;
      }
      int8_t &byte = packed[block * blockBytes + (group / 2) * groupBytes +
                            byteInGroup];
      // Nibbles are bit patterns: shift them unsigned.
      uint8_t nibble = uint8_t(q) & 0x0F, old = uint8_t(byte);
      byte = int8_t(group % 2 ? (old & 0x0F) | (nibble << 4)
                              : (old & 0xF0) | nibble);
    }
  return packed;
}

/// A J x N grid -> [block][j][lane], zero padded.
template <typename T>
std::vector<T> packScaleGrid(const Plan &p, const std::vector<T> &grid) {
  std::vector<T> packed(p.columnBlocks * p.blocks * p.lanes, T(0));
  for (int64_t j = 0; j < p.blocks; ++j)
    for (int64_t col = 0; col < p.n; ++col)
      packed[((col / p.lanes) * p.blocks + j) * p.lanes + col % p.lanes] =
          grid[j * p.n + col];
  return packed;
}

//===----------------------------------------------------------------------===//
// IR building
//===----------------------------------------------------------------------===//

/// A compile-time array as a read-only buffer of `shape`.
template <typename T>
Value constantBuffer(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                     Type element, ArrayRef<T> data) {
  auto type = RankedTensorType::get(shape, element);
  Value tensor = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, data));
  return bufferization::ToBufferOp::create(
      b, loc, MemRefType::get(shape, element), tensor, /*read_only=*/true);
}

Value readOnlyBuffer(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  return bufferization::ToBufferOp::create(
      b, loc, MemRefType::get(type.getShape(), type.getElementType()), tensor,
      /*read_only=*/true);
}

Value index(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value splat(OpBuilder &b, Location loc, VectorType type, Attribute scalar) {
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, scalar));
}

/// `src` (rank 0, or 1-D along dim `dim` of the result) broadcast to `shape`
/// with a linalg.generic.
Value broadcastTo(OpBuilder &b, Location loc, Value src,
                  ArrayRef<int64_t> shape, std::optional<unsigned> dim) {
  MLIRContext *ctx = b.getContext();
  auto srcType = cast<RankedTensorType>(src.getType());
  if (srcType.getShape() == shape)
    return src;
  unsigned rank = shape.size();
  AffineMap srcMap =
      dim ? AffineMap::get(rank, 0, getAffineDimExpr(*dim, ctx))
          : AffineMap::get(rank, 0, {}, ctx);
  Value init = tensor::EmptyOp::create(b, loc, shape, srcType.getElementType());
  return linalg::GenericOp::create(
             b, loc, init.getType(), src, init,
             ArrayRef<AffineMap>{srcMap,
                                 AffineMap::getMultiDimIdentityMap(rank, ctx)},
             SmallVector<utils::IteratorType>(rank,
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl, args[0]);
             })
      .getResult(0);
}

/// The runtime operands of the kernel: A's bytes and scales as buffers.
/// Matmul: indexed [row, k] and [row, j]. conv2d: the padded input's
/// [n, h, w, c] and [n, h, w, channel vector].
struct LhsBuffers {
  Value bytes;        ///< values, K (or C) zero-padded to whole vectors, i8
  Value compensation; ///< i32 per vector: -weightBias * sum(a), with biased weights
  Value scales;       ///< per vector, i32 (two-level sq) or f32
  Value coarse;       ///< M f32 (two-level)
};

/// An elementwise linalg.generic over `inputs` (maps given, the output's
/// identity) into a new tensor of `shape` x `element`.
Value elementwise(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                  Type element, ValueRange inputs, ArrayRef<AffineMap> maps,
                  function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> all(maps);
  all.push_back(AffineMap::getMultiDimIdentityMap(shape.size(), ctx));
  Value init = tensor::EmptyOp::create(b, loc, shape, element);
  return linalg::GenericOp::create(
             b, loc, init.getType(), inputs, init, all,
             SmallVector<utils::IteratorType>(shape.size(),
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl, body(nb, nl, args));
             })
      .getResult(0);
}

/// S = f32(sq * gamma) over a scale grid of `shape` (`coarseMap`: grid dims
/// -> the coarse scale), the reference lowering's effective scales of a
/// two-level operand multiplied by a single-level one.
Value effectiveScales(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                      Value sq, Value coarse, AffineMap coarseMap) {
  AffineMap id = AffineMap::getMultiDimIdentityMap(shape.size(),
                                                   b.getContext());
  return elementwise(b, loc, shape, b.getF32Type(), ValueRange{sq, coarse},
                     {id, coarseMap},
                     [](OpBuilder &nb, Location nl, ValueRange args) {
                       Value s = arith::UIToFPOp::create(
                           nb, nl, nb.getF32Type(), args[0]);
                       return arith::MulFOp::create(nb, nl, s, args[1]);
                     });
}

LhsBuffers prepareLhs(OpBuilder &b, Location loc, const Plan &p,
                      const ContractionOperands &ops) {
  MLIRContext *ctx = b.getContext();
  FormatAttr lf = ops.lhsType.getFormat();
  Type i8 = b.getI8Type(), i32 = b.getI32Type();
  // Leading (position) dims of the values and of the scale grid, then the
  // padding that makes every vector whole (and, for conv2d, the window's
  // zero border).
  SmallVector<int64_t> lead, low, high;
  int64_t vectorsPerLead;
  if (p.conv) {
    const Plan::Window &w = *p.conv;
    lead = {w.batch, w.paddedHeight(), w.paddedWidth()};
    low = {0, w.top, w.left, 0};
    high = {0, w.bottom, w.right, w.tapVectors * p.vector - w.channels};
    vectorsPerLead = w.tapVectors;
  } else {
    if (p.batched)
      lead.push_back(p.batch);
    lead.push_back(p.m);
    low.assign(lead.size() + 1, 0);
    high.assign(lead.size() + 1, 0);
    high.back() = p.paddedK - p.k;
    vectorsPerLead = p.blocks;
  }
  // The dim of a per-row scale / coarse scale in the grid.
  unsigned rowDim = p.batched ? 1 : 0;
  unsigned leadRank = lead.size(), rank = leadRank + 1;
  SmallVector<int64_t> grid(lead);
  grid.push_back(vectorsPerLead);
  // The scale grid is padded like the values, without the vector padding.
  SmallVector<int64_t> gridHigh(high);
  gridHigh.back() = 0;
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);

  Value values = padWithZeros(b, loc, ops.lhs[0], low, high);
  LhsBuffers buffers;
  buffers.bytes = readOnlyBuffer(b, loc, values);
  if (p.weightBias) {
    // -bias * sum of each vector's activations: what the biased weights add.
    SmallVector<int64_t> blockedShape(grid);
    blockedShape.push_back(p.vector);
    SmallVector<ReassociationIndices> groups;
    for (unsigned d = 0; d < leadRank; ++d)
      groups.push_back({int64_t(d)});
    groups.push_back({int64_t(leadRank), int64_t(leadRank + 1)});
    Value blocked = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(blockedShape, i8), values, groups);
    Value zero = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
    Value init =
        linalg::FillOp::create(
            b, loc, zero, ValueRange{tensor::EmptyOp::create(b, loc, grid, i32)})
            .getResult(0);
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    Value minusBias =
        arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(-p.weightBias));
    Value comp =
        linalg::GenericOp::create(
            b, loc, init.getType(), blocked, init,
            ArrayRef<AffineMap>{
                AffineMap::getMultiDimIdentityMap(rank + 1, ctx),
                AffineMap::getMultiDimIdentityMap(rank + 1, ctx)
                    .getMajorSubMap(rank)},
            iterators,
            [&](OpBuilder &nb, Location nl, ValueRange args) {
              Value a = arith::ExtSIOp::create(nb, nl, nb.getI32Type(),
                                               args[0]);
              Value term = arith::MulIOp::create(nb, nl, a, minusBias);
              linalg::YieldOp::create(
                  nb, nl,
                  arith::AddIOp::create(nb, nl, args[1], term).getResult());
            })
            .getResult(0);
    buffers.compensation = readOnlyBuffer(b, loc, comp);
  }

  // The coarse scale (two-level), per row or per tensor, as an M vector.
  auto coarseRows = [&]() {
    bool perRow = !lf.hasPerTensorCoarse();
    return broadcastTo(b, loc, ops.lhs[2], {p.m},
                       perRow ? std::optional<unsigned>(0) : std::nullopt);
  };
  Value scales = ops.lhs[1];
  Granularity lg = lf.getGranularity();
  if (lg == Granularity::PerVector) {
    scales = padWithZeros(b, loc, scales, low, gridHigh);
  } else {
    // One scale per row (matmul) or for all: the same for every vector.
    bool perRow = lg == Granularity::PerChannel;
    scales = broadcastTo(b, loc, scales, grid,
                         perRow ? std::optional<unsigned>(rowDim)
                                : std::nullopt);
  }
  if (p.twoLevel) {
    // sq (unsigned i8 / i16) -> i32.
    scales = elementwise(b, loc, grid, i32, scales, {id},
                         [](OpBuilder &nb, Location nl, ValueRange args) {
                           return arith::ExtUIOp::create(
                               nb, nl, nb.getI32Type(), args[0]);
                         });
    buffers.coarse = readOnlyBuffer(b, loc, coarseRows());
  } else if (p.lhsEffectiveScales) {
    // S = f32(sq * gamma) per vector (gamma per tensor, or per matmul row).
    Value coarse = ops.lhs[2];
    AffineMap coarseMap = AffineMap::get(rank, 0, {}, ctx);
    if (!lf.hasPerTensorCoarse())
      coarseMap = AffineMap::get(rank, 0, getAffineDimExpr(rowDim, ctx));
    scales = effectiveScales(b, loc, grid, scales, coarse, coarseMap);
  }
  buffers.scales = readOnlyBuffer(b, loc, scales);
  return buffers;
}

/// The compile-time weight operands as buffers.
struct RhsBuffers {
  Value weights;      ///< blocks x bytes i8
  Value scales;       ///< blocks x (J * L): sq (i8 / i16) or f32
  Value coarse;       ///< paddedN f32 (two-level)
};

/// Run-time weights packed by generated code into packWeights' and
/// packScaleGrid's layouts (8-bit elements), with a leading batch dim when
/// batched: values [b,] K x N -> [b,] block x (K/4 x L x 4), scale grid
/// [b,] J x N -> [b,] block x (J x L), coarse scales -> paddedN.
RhsBuffers prepareRuntimeRhs(OpBuilder &b, Location loc, const Plan &p,
                             const ContractionOperands &ops) {
  MLIRContext *ctx = b.getContext();
  FormatAttr rf = ops.rhsType.getFormat();
  unsigned nb = p.batched ? 1 : 0;
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  SmallVector<int64_t> lead;
  if (p.batched)
    lead.push_back(p.batch);
  SmallVector<int64_t> low(nb + 2, 0), high(nb + 2, 0);
  SmallVector<AffineExpr> batchExpr;
  if (p.batched)
    batchExpr.push_back(d(0));
  // [b,] d(nb) = block, d(nb+1) = group or vector, d(nb+2) = lane, ...
  auto column = d(nb) * p.lanes + d(nb + 2);
  // The packed shape [b,] block x inner and its map to the source
  // [b,] row x column.
  auto blocked = [&](ArrayRef<int64_t> inner, AffineExpr row) {
    SmallVector<int64_t> shape(lead);
    shape.push_back(p.columnBlocks);
    shape.append(inner.begin(), inner.end());
    SmallVector<AffineExpr> src(batchExpr);
    src.append({row, column});
    return std::make_pair(shape, AffineMap::get(shape.size(), 0, src, ctx));
  };
  // [b,] block x inner... -> [b,] block x (product of inner).
  auto collapseInner = [&](Value t, unsigned innerDims) {
    SmallVector<ReassociationIndices> groups;
    for (unsigned i = 0; i <= nb; ++i)
      groups.push_back({int64_t(i)});
    ReassociationIndices inner;
    for (unsigned i = 0; i < innerDims; ++i)
      inner.push_back(nb + 1 + i);
    groups.push_back(inner);
    return tensor::CollapseShapeOp::create(b, loc, t, groups).getResult();
  };

  RhsBuffers buffers;
  high[nb] = p.paddedK - p.k;
  high[nb + 1] = p.paddedN - p.n;
  Value values = padWithZeros(b, loc, ops.rhs[0], low, high);
  auto [valueShape, valueMap] =
      blocked({p.paddedK / 4, p.lanes, 4}, d(nb + 1) * 4 + d(nb + 3));
  Value bias = arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(p.weightBias));
  Value packed = elementwise(
      b, loc, valueShape, b.getI8Type(), values, {valueMap},
      [&](OpBuilder &nb2, Location nl, ValueRange args) -> Value {
        if (!p.weightBias)
          return args[0];
        return arith::AddIOp::create(nb2, nl, args[0], bias);
      });
  buffers.weights = readOnlyBuffer(b, loc, collapseInner(packed, 3));

  // The scale grid [b,] J x N: per vector as given, else broadcast.
  SmallVector<int64_t> grid(lead);
  grid.append({p.blocks, p.n});
  Value scales = ops.rhs[1];
  Granularity rg = rf.getGranularity();
  if (rg != Granularity::PerVector)
    scales = broadcastTo(b, loc, scales, grid,
                         rg == Granularity::PerChannel
                             ? std::optional<unsigned>(nb + 1)
                             : std::nullopt);
  Value coarse;
  if (rf.isTwoLevel())
    coarse = broadcastTo(b, loc, ops.rhs[2], {p.n},
                         rf.hasPerTensorCoarse() ? std::nullopt
                                                 : std::optional<unsigned>(0));
  if (p.rhsEffectiveScales)
    scales = effectiveScales(b, loc, grid, scales, coarse,
                             AffineMap::get(grid.size(), 0, d(nb + 1)));
  SmallVector<int64_t> gridLow(nb + 2, 0), gridHigh(nb + 2, 0);
  gridHigh[nb + 1] = p.paddedN - p.n;
  scales = padWithZeros(b, loc, scales, gridLow, gridHigh);
  auto [scaleShape, scaleMap] = blocked({p.blocks, p.lanes}, d(nb + 1));
  Type scaleElement = cast<RankedTensorType>(scales.getType()).getElementType();
  Value packedScales = elementwise(
      b, loc, scaleShape, scaleElement, scales, {scaleMap},
      [](OpBuilder &, Location, ValueRange args) { return args[0]; });
  buffers.scales = readOnlyBuffer(b, loc, collapseInner(packedScales, 2));
  if (p.twoLevel)
    buffers.coarse = readOnlyBuffer(
        b, loc, padWithZeros(b, loc, coarse, {0}, {p.paddedN - p.n}));
  return buffers;
}

RhsBuffers prepareRhs(OpBuilder &b, Location loc, const Plan &p,
                      const ContractionOperands &ops) {
  if (p.runtimeRhs)
    return prepareRuntimeRhs(b, loc, p, ops);
  RhsBuffers buffers;
  std::vector<int8_t> packed = packWeights(p);
  buffers.weights =
      constantBuffer<int8_t>(b, loc, {p.columnBlocks, packedBlockBytes(p)},
                             b.getI8Type(), packed);
  SmallVector<int64_t> grid = {p.columnBlocks, p.blocks * p.lanes};
  if (p.twoLevel) {
    // Stored as narrow as the format allows, widened in registers.
    std::vector<int32_t> sq = packScaleGrid(p, p.rhsIntScales);
    if (p.rhsScaleBits == 8) {
      std::vector<int8_t> narrow(sq.begin(), sq.end());
      buffers.scales =
          constantBuffer<int8_t>(b, loc, grid, b.getI8Type(), narrow);
    } else {
      std::vector<int16_t> narrow(sq.begin(), sq.end());
      buffers.scales =
          constantBuffer<int16_t>(b, loc, grid, b.getI16Type(), narrow);
    }
    std::vector<float> coarse(p.rhsCoarse);
    coarse.resize(p.paddedN, 0.0f);
    buffers.coarse =
        constantBuffer<float>(b, loc, {p.paddedN}, b.getF32Type(), coarse);
  } else {
    std::vector<float> s = packScaleGrid(p, p.rhsScales);
    buffers.scales = constantBuffer<float>(b, loc, grid, b.getF32Type(), s);
  }
  return buffers;
}

/// Emits one register tile: `rows` output rows from `m0`, `blocks` column
/// blocks from `block0`, written into `out` (M x paddedN f32).
class TileEmitter {
public:
  TileEmitter(OpBuilder &b, Location loc, const Plan &p, const LhsBuffers &lhs,
              const RhsBuffers &rhs, Value out)
      : b(b), loc(loc), p(p), lhs(lhs), rhs(rhs), out(out) {
    Type i8 = b.getI8Type(), i32 = b.getI32Type();
    lanesI32 = VectorType::get({p.lanes}, i32);
    lanesI64 = VectorType::get({p.lanes}, b.getI64Type());
    lanesF32 = VectorType::get({p.lanes}, b.getF32Type());
    groupBytes = VectorType::get({4 * p.lanes}, i8);
  }

  /// `batchIndex`: the batch entry (batched plans only).
  void emit(Value batchIndex, Value m0, Value block0, int64_t rows,
            int64_t blocks) {
    this->batchIndex = batchIndex;
    this->m0 = m0;
    this->block0 = block0;
    this->rows = rows;
    this->blocks = blocks;
    rowLeads.clear();
    for (int64_t r = 0; r < rows; ++r)
      rowLeads.push_back(rowLead(r));
    if (p.twoLevel)
      emitTwoLevel();
    else
      emitSingleLevel();
  }

private:
  OpBuilder &b;
  Location loc;
  const Plan &p;
  const LhsBuffers &lhs;
  const RhsBuffers &rhs;
  Value out;
  VectorType lanesI32, lanesI64, lanesF32, groupBytes;
  Value batchIndex, m0, block0;
  int64_t rows = 0, blocks = 0;
  /// Per tile row: matmul {row}; conv2d {n, oh * strideH, ow * strideW}.
  SmallVector<SmallVector<Value, 3>> rowLeads;

  /// Where one row's vector starts in lhs.bytes (the last index is the
  /// element offset) and in the per-vector grids.
  struct VectorSite {
    SmallVector<Value, 4> bytes, grid;
  };

  Value add(Value a, Value c) { return arith::AddIOp::create(b, loc, a, c); }
  Value mul(Value a, Value c) { return arith::MulIOp::create(b, loc, a, c); }
  Value mul(Value a, int64_t c) { return mul(a, index(b, loc, c)); }
  Value div(Value a, int64_t c) {
    return arith::DivUIOp::create(b, loc, a, index(b, loc, c));
  }
  Value rem(Value a, int64_t c) {
    return arith::RemUIOp::create(b, loc, a, index(b, loc, c));
  }
  Value row(int64_t r) { return add(m0, index(b, loc, r)); }
  Value block(int64_t c) { return add(block0, index(b, loc, c)); }

  /// A read prefetch of the line at `at` into every cache level.
  void prefetch(Value memref, ValueRange at) {
    memref::PrefetchOp::create(b, loc, memref, at, /*isWrite=*/false,
                               /*localityHint=*/3, /*isDataCache=*/true);
  }

  /// Indices into a batched operand: the batch entry first.
  SmallVector<Value, 4> batchedAt(ValueRange at) {
    SmallVector<Value, 4> all;
    if (p.batched)
      all.push_back(batchIndex);
    all.append(at.begin(), at.end());
    return all;
  }

  SmallVector<Value, 3> rowLead(int64_t r) {
    if (!p.conv)
      return SmallVector<Value, 3>(batchedAt(row(r)));
    const Plan::Window &w = *p.conv;
    Value pixel = row(r);
    Value ow = rem(pixel, w.outWidth), rest = div(pixel, w.outWidth);
    Value oh = rem(rest, w.outHeight), n = div(rest, w.outHeight);
    return {n, mul(oh, w.strideH), mul(ow, w.strideW)};
  }

  /// The sites of vector j for every tile row.
  SmallVector<VectorSite> sitesOf(Value j) {
    SmallVector<VectorSite> sites;
    if (!p.conv) {
      Value k0 = mul(j, p.vector);
      for (int64_t r = 0; r < rows; ++r) {
        VectorSite site;
        site.bytes.assign(rowLeads[r].begin(), rowLeads[r].end());
        site.grid = site.bytes;
        site.bytes.push_back(k0);
        site.grid.push_back(j);
        sites.push_back(site);
      }
      return sites;
    }
    // j = (kh * KW + kw) * tapVectors + channel vector.
    const Plan::Window &w = *p.conv;
    Value tap = div(j, w.tapVectors), jc = rem(j, w.tapVectors);
    Value dh = mul(div(tap, w.kernelWidth), w.dilationH),
          dw = mul(rem(tap, w.kernelWidth), w.dilationW);
    Value c0 = mul(jc, p.vector);
    for (int64_t r = 0; r < rows; ++r) {
      Value n = rowLeads[r][0], h = add(rowLeads[r][1], dh),
            wi = add(rowLeads[r][2], dw);
      sites.push_back({{n, h, wi, c0}, {n, h, wi, jc}});
    }
    return sites;
  }

  /// The 4 activation bytes at `offset` of a row's vector, in every 32-bit
  /// lane.
  Value activationGroup(const VectorSite &site, int64_t offset) {
    SmallVector<Value, 4> at(site.bytes);
    at.back() = add(at.back(), index(b, loc, offset));
    Value four = vector::LoadOp::create(
        b, loc, VectorType::get({4}, b.getI8Type()), lhs.bytes, at);
    Value word = vector::BitCastOp::create(
        b, loc, VectorType::get({1}, b.getI32Type()), four);
    Value spread = vector::BroadcastOp::create(b, loc, lanesI32, word);
    return vector::BitCastOp::create(b, loc, groupBytes, spread);
  }

  /// dot += a . w per 32-bit lane (4 byte products each), exactly (up to
  /// the weight bias the compensation removes).
  Value dotStep(Value dot, Value a, Value w) {
    if (p.weightBias)
      return DotAccumulateOp::create(b, loc, lanesI32, dot, w, a,
                                     /*lhs_unsigned=*/true);
    return DotAccumulateOp::create(b, loc, lanesI32, dot, a, w,
                                   /*lhs_unsigned=*/!p.lhsSigned);
  }

  /// The exact integer dot products of vector `j` for the whole tile.
  SmallVector<Value> vectorDots(Value j, ArrayRef<VectorSite> sites) {
    Value zero = splat(b, loc, lanesI32, b.getI32IntegerAttr(0));
    SmallVector<Value> dots(rows * blocks, zero);
    if (p.weightBias)
      for (int64_t r = 0; r < rows; ++r) {
        Value comp = vector::BroadcastOp::create(
            b, loc, lanesI32,
            memref::LoadOp::create(b, loc, lhs.compensation, sites[r].grid));
        for (int64_t c = 0; c < blocks; ++c)
          dots[r * blocks + c] = comp;
      }
    int64_t bytesPerVector = packedVectorBytes(p);
    Value wBase = mul(j, index(b, loc, bytesPerVector));
    SmallVector<Value> packed(blocks);
    Value four = splat(b, loc, groupBytes, b.getI8IntegerAttr(4));
    Value lowNibble = splat(b, loc, groupBytes, b.getI8IntegerAttr(0x0F));
    // One register of packed weights of every block at `offset` into the
    // vector's bytes, each block's stream prefetched ahead at line starts
    // (clamped to the block: memref.prefetch takes in-bounds indices).
    auto loadWeights = [&](int64_t offset) {
      SmallVector<Value> regs(blocks);
      Value at = add(wBase, index(b, loc, offset));
      Value ahead;
      constexpr int64_t lineBytes = 64;
      if (p.prefetchDistance > 0 && offset % lineBytes == 0 &&
          bytesPerVector % lineBytes == 0)
        ahead = arith::MinUIOp::create(
            b, loc, add(at, index(b, loc, p.prefetchDistance)),
            index(b, loc, packedBlockBytes(p) - 1));
      for (int64_t c = 0; c < blocks; ++c) {
        if (ahead)
          prefetch(rhs.weights, batchedAt({block(c), ahead}));
        regs[c] = vector::LoadOp::create(b, loc, groupBytes, rhs.weights,
                                         batchedAt({block(c), at}));
      }
      return regs;
    };
    for (int64_t g = 0; g < p.vector / 4; ++g) {
      SmallVector<Value> w(blocks);
      if (!p.fourBit)
        w = loadWeights(g * 4 * p.lanes);
      else if (g % 2 == 0)
        packed = loadWeights((g / 2) * 4 * p.lanes);
      for (int64_t c = 0; p.fourBit && c < blocks; ++c) {
        // Two groups per byte, low nibble first. Biased nibbles are
        // unsigned (mask / shift); signed ones are sign-extended.
        Value x = packed[c];
        if (p.weightBias) {
          w[c] = g % 2 == 0 ? Value(arith::AndIOp::create(b, loc, x, lowNibble))
                            : Value(arith::ShRUIOp::create(b, loc, x, four));
          continue;
        }
        if (g % 2 == 0)
          x = arith::ShLIOp::create(b, loc, x, four);
        w[c] = arith::ShRSIOp::create(b, loc, x, four);
      }
      for (int64_t r = 0; r < rows; ++r) {
        Value a = activationGroup(sites[r], 4 * g);
        for (int64_t c = 0; c < blocks; ++c)
          dots[r * blocks + c] = dotStep(dots[r * blocks + c], a, w[c]);
      }
    }
    return dots;
  }

  /// Per-vector scale of row r (broadcast) and of column block c.
  Value lhsScale(const VectorSite &site, VectorType type) {
    Value s = memref::LoadOp::create(b, loc, lhs.scales, site.grid);
    return vector::BroadcastOp::create(b, loc, type, s);
  }
  /// Per-vector scales of vector j of every column block.
  SmallVector<Value> rhsScales(Value j, VectorType type) {
    auto scalesType = cast<MemRefType>(rhs.scales.getType());
    auto stored = scalesType.getElementType();
    // The scales of a weight stream that is prefetched come from memory
    // too, a 64-byte line every few vectors: prefetched as many vectors
    // ahead as the weights (A/B on 4-bit GEMVs: 1-6% faster, 1 and 2
    // threads), clamped to the stream.
    Value ahead;
    if (p.prefetchDistance > 0) {
      int64_t vectorsAhead =
          std::max<int64_t>(1, p.prefetchDistance / packedVectorBytes(p));
      ahead = arith::MinUIOp::create(
          b, loc, mul(add(j, index(b, loc, vectorsAhead)), p.lanes),
          index(b, loc, scalesType.getShape().back() - 1));
    }
    Value at = mul(j, index(b, loc, p.lanes));
    SmallVector<Value> scales;
    for (int64_t c = 0; c < blocks; ++c) {
      if (ahead)
        prefetch(rhs.scales, batchedAt({block(c), ahead}));
      Value v = vector::LoadOp::create(b, loc,
                                       VectorType::get({p.lanes}, stored),
                                       rhs.scales, batchedAt({block(c), at}));
      if (stored != type.getElementType())
        v = arith::ExtUIOp::create(b, loc, type, v);
      scales.push_back(v);
    }
    return scales;
  }

  /// The output has exactly N columns (no padded copy to slice and copy
  /// back): when N is not a multiple of the SIMD width, the last block's
  /// store is masked (out-of-bounds lanes dropped).
  void store(int64_t r, int64_t c, Value v) {
    SmallVector<Value, 4> at =
        batchedAt({row(r), mul(block(c), index(b, loc, p.lanes))});
    if (p.paddedN == p.n) {
      vector::StoreOp::create(b, loc, v, out, at);
      return;
    }
    vector::TransferWriteOp::create(b, loc, v, out, at,
                                    ArrayRef<bool>{false});
  }

  /// acc = sum_j sqA sqB dot_j exactly: i32 over chunks of vectors that
  /// cannot overflow, i64 across chunks; Y = f32(acc) * f32(gA * gB).
  /// scf.for over vectors [lo, hi) carrying one accumulator per tile output
  /// (all `zero` at first): per vector, the tile's dot products, then
  /// acc = combine(dot, sA, sB, acc) with the vector's scales as `scaleType`
  /// (sA broadcast per row, sB per column block).
  SmallVector<Value>
  accumulateVectors(Value lo, Value hi, Value zero, VectorType scaleType,
                    function_ref<Value(Value, Value, Value, Value)> combine) {
    SmallVector<Value> init(rows * blocks, zero);
    auto loop = scf::ForOp::create(
        b, loc, lo, hi, index(b, loc, 1), init,
        [&](OpBuilder &, Location, Value j, ValueRange acc) {
          SmallVector<VectorSite> sites = sitesOf(j);
          SmallVector<Value> dots = vectorDots(j, sites);
          SmallVector<Value> sb = rhsScales(j, scaleType), next;
          for (int64_t r = 0; r < rows; ++r) {
            Value sa = lhsScale(sites[r], scaleType);
            for (int64_t c = 0; c < blocks; ++c)
              next.push_back(combine(dots[r * blocks + c], sa, sb[c],
                                     acc[r * blocks + c]));
          }
          scf::YieldOp::create(b, loc, next);
        });
    return SmallVector<Value>(loop.getResults());
  }

  /// acc = sum_j sqA sqB dot_j exactly: i32 over chunks of vectors that
  /// cannot overflow, i64 across chunks; Y = f32(acc) * f32(gA * gB).
  void emitTwoLevel() {
    int64_t tile = rows * blocks;
    Value zero32 = splat(b, loc, lanesI32, b.getI32IntegerAttr(0));
    Value zero64 = splat(b, loc, lanesI64, b.getI64IntegerAttr(0));
    auto exactTerms = [&](Value dot, Value sa, Value sb, Value acc) {
      return add(acc, mul(dot, mul(sa, sb)));
    };
    SmallVector<Value> totals;
    if (p.wideTerms) {
      // dot * sqB is exact in i32; the product with sqA and the sum in i64.
      // Widening a vector of i32 to i64 costs shuffles; instead the i32
      // lanes are read in place as pairs: the even lanes are the low halves
      // of i64 lanes, the odd ones the high halves, and each half times sqA
      // is one vpmuldq (32 x 32 -> 64 bits, signed). The accumulator holds
      // the even lanes' sums, then the odd lanes'; interleaved once at the
      // end.
      int64_t half = p.lanes / 2;
      auto halfI64 = VectorType::get({half}, b.getI64Type());
      Value thirtyTwo = splat(b, loc, halfI64, b.getI64IntegerAttr(32));
      SmallVector<int64_t> concat;
      for (int64_t i = 0; i < p.lanes; ++i)
        concat.push_back(i);
      totals = accumulateVectors(
          index(b, loc, 0), index(b, loc, p.blocks), zero64, lanesI32,
          [&](Value dot, Value sa, Value sb, Value acc) {
            Value pairs =
                vector::BitCastOp::create(b, loc, halfI64, mul(dot, sb));
            Value even = arith::ShRSIOp::create(
                b, loc, arith::ShLIOp::create(b, loc, pairs, thirtyTwo),
                thirtyTwo);
            Value odd = arith::ShRSIOp::create(b, loc, pairs, thirtyTwo);
            // sqA is one value broadcast over the lanes.
            Value sa64 = arith::ExtSIOp::create(
                b, loc, halfI64,
                vector::ExtractStridedSliceOp::create(
                    b, loc, sa, ArrayRef<int64_t>{0}, ArrayRef<int64_t>{half},
                    ArrayRef<int64_t>{1}));
            Value terms = vector::ShuffleOp::create(
                b, loc, mul(even, sa64), mul(odd, sa64), concat);
            return add(acc, terms);
          });
      SmallVector<int64_t> interleave;
      for (int64_t i = 0; i < p.lanes; ++i)
        interleave.push_back(i % 2 == 0 ? i / 2 : half + i / 2);
      for (Value &total : totals)
        total = vector::ShuffleOp::create(b, loc, total, total, interleave);
    } else if (p.chunk >= p.blocks) {
      totals = accumulateVectors(index(b, loc, 0), index(b, loc, p.blocks),
                                 zero32, lanesI32, exactTerms);
    } else {
      SmallVector<Value> init(tile, zero64);
      Value chunk = index(b, loc, p.chunk), blocksV = index(b, loc, p.blocks);
      auto loop = scf::ForOp::create(
          b, loc, index(b, loc, 0), blocksV, chunk, init,
          [&](OpBuilder &, Location, Value j0, ValueRange acc) {
            Value hi = arith::MinSIOp::create(b, loc, add(j0, chunk), blocksV);
            SmallVector<Value> partial =
                accumulateVectors(j0, hi, zero32, lanesI32, exactTerms);
            SmallVector<Value> next;
            for (int64_t t = 0; t < tile; ++t)
              next.push_back(add(
                  acc[t], arith::ExtSIOp::create(b, loc, lanesI64, partial[t])));
            scf::YieldOp::create(b, loc, next);
          });
      totals = SmallVector<Value>(loop.getResults());
    }
    for (int64_t c = 0; c < blocks; ++c) {
      Value gb = vector::LoadOp::create(
          b, loc, lanesF32, rhs.coarse,
          ValueRange{mul(block(c), index(b, loc, p.lanes))});
      for (int64_t r = 0; r < rows; ++r) {
        Value ga = vector::BroadcastOp::create(
            b, loc, lanesF32,
            memref::LoadOp::create(b, loc, lhs.coarse, ValueRange{row(r)}));
        Value gamma = arith::MulFOp::create(b, loc, ga, gb);
        Value acc =
            arith::SIToFPOp::create(b, loc, lanesF32, totals[r * blocks + c]);
        store(r, c, arith::MulFOp::create(b, loc, acc, gamma));
      }
    }
  }

  /// Y = sum_j f32(f32(sA sB) * f32(dot_j)), from 0 in increasing j.
  void emitSingleLevel() {
    Value zero = splat(b, loc, lanesF32, b.getF32FloatAttr(0.0f));
    SmallVector<Value> sums = accumulateVectors(
        index(b, loc, 0), index(b, loc, p.blocks), zero, lanesF32,
        [&](Value dot, Value sa, Value sb, Value acc) {
          Value scale = arith::MulFOp::create(b, loc, sa, sb);
          Value term = arith::MulFOp::create(
              b, loc, scale, arith::SIToFPOp::create(b, loc, lanesF32, dot));
          return Value(arith::AddFOp::create(b, loc, acc, term));
        });
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < blocks; ++c)
        store(r, c, sums[r * blocks + c]);
  }
};

Value emitTiledMatmul(OpBuilder &b, Location loc, const Plan &p,
                      const ContractionOperands &ops) {
  LhsBuffers lhs = prepareLhs(b, loc, p, ops);
  RhsBuffers rhs = prepareRhs(b, loc, p, ops);
  SmallVector<int64_t> outShape;
  if (p.batched)
    outShape.push_back(p.batch);
  outShape.append({p.m, p.n});
  auto outType = MemRefType::get(outShape, b.getF32Type());
  Value out = memref::AllocOp::create(b, loc, outType);

  TileEmitter tiles(b, loc, p, lhs, rhs, out);
  // Whole tiles, then the row and column remainders. Column tiles are the
  // outer loop (a weight panel is reused by every row tile); the tiles are
  // split into one contiguous share per thread: an scf.parallel of exactly
  // `threads` iterations, so that each OpenMP thread gets one share
  // rather than many small ones.
  int64_t fullRows = p.m / p.rows, rowRest = p.m % p.rows;
  int64_t fullCols = p.columnBlocks / p.tileBlocks,
          colRest = p.columnBlocks % p.tileBlocks;
  auto region = [&](int64_t rowStart, int64_t rowTiles, int64_t rows,
                    int64_t colStart, int64_t colTiles, int64_t blocks) {
    if (!rowTiles || !colTiles || !rows || !blocks)
      return;
    // Tiles in order f = (batch * colTiles + colTile) * rowTiles + rowTile,
    // from lo to hi.
    auto tilesOf = [&](Value lo, Value hi) {
      scf::ForOp::create(
          b, loc, lo, hi, index(b, loc, 1), ValueRange{},
          [&](OpBuilder &, Location, Value f, ValueRange) {
            Value batchIndex;
            if (p.batched) {
              Value perBatch = index(b, loc, rowTiles * colTiles);
              batchIndex = arith::DivUIOp::create(b, loc, f, perBatch);
              f = arith::RemUIOp::create(b, loc, f, perBatch);
            }
            Value perCol = index(b, loc, rowTiles);
            Value ct = arith::DivUIOp::create(b, loc, f, perCol);
            Value rt = arith::RemUIOp::create(b, loc, f, perCol);
            Value block0 = arith::AddIOp::create(
                b, loc, index(b, loc, colStart),
                arith::MulIOp::create(b, loc, ct, index(b, loc, blocks)));
            Value m0 = arith::AddIOp::create(
                b, loc, index(b, loc, rowStart),
                arith::MulIOp::create(b, loc, rt, index(b, loc, rows)));
            tiles.emit(batchIndex, m0, block0, rows, blocks);
            scf::YieldOp::create(b, loc);
          });
    };
    int64_t total = p.batch * rowTiles * colTiles;
    int64_t threads = std::min(p.threads, total);
    if (threads <= 1) {
      tilesOf(index(b, loc, 0), index(b, loc, total));
      return;
    }
    scf::ParallelOp::create(
        b, loc, ValueRange{index(b, loc, 0)}, ValueRange{index(b, loc, threads)},
        ValueRange{index(b, loc, 1)},
        [&](OpBuilder &, Location, ValueRange ivs) {
          // Share t: tiles [t * total / threads, (t + 1) * total / threads).
          auto bound = [&](Value t) {
            return arith::DivUIOp::create(
                b, loc, arith::MulIOp::create(b, loc, t, index(b, loc, total)),
                index(b, loc, threads));
          };
          Value next = arith::AddIOp::create(b, loc, ivs[0], index(b, loc, 1));
          tilesOf(bound(ivs[0]), bound(next));
        });
  };
  region(0, fullRows, p.rows, 0, fullCols, p.tileBlocks);
  region(0, fullRows, p.rows, fullCols * p.tileBlocks, 1, colRest);
  region(fullRows * p.rows, 1, rowRest, 0, fullCols, p.tileBlocks);
  region(fullRows * p.rows, 1, rowRest, fullCols * p.tileBlocks, 1, colRest);

  auto matrixType = RankedTensorType::get(outShape, b.getF32Type());
  Value result = bufferization::ToTensorOp::create(b, loc, matrixType, out,
                                                   /*restrict=*/true,
                                                   /*writable=*/true);
  if (p.conv) // (n, oh, ow) rows -> NHWC
    result = tensor::ExpandShapeOp::create(
        b, loc, ops.resultType, result,
        ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}});
  return result;
}

struct VSQuantTileVectorsPass
    : mlir::vsquant::impl::VSQuantTileVectorsBase<VSQuantTileVectorsPass> {
  using Base::Base;
  void runOnOperation() override {
    std::optional<DotProductISA> isa = parseDotProductISA(target);
    if (!isa) {
      emitError(getOperation().getLoc())
          << "vsquant-tile-vectors: unknown target '" << target
          << "' (expected host, avx512vnni, avx2 or none)";
      return signalPassFailure();
    }
    if (rows < 0 || columnBlocks < 0) {
      emitError(getOperation().getLoc())
          << "vsquant-tile-vectors: rows and column-blocks must be >= 0";
      return signalPassFailure();
    }
    if (numThreads < 1) {
      emitError(getOperation().getLoc())
          << "vsquant-tile-vectors: num-threads must be >= 1";
      return signalPassFailure();
    }
    if (minMacsPerThread < 0) {
      emitError(getOperation().getLoc())
          << "vsquant-tile-vectors: min-macs-per-thread must be >= 0";
      return signalPassFailure();
    }
    if (prefetchDistance < -1) {
      emitError(getOperation().getLoc())
          << "vsquant-tile-vectors: prefetch-distance must be >= 0, or -1 "
             "for the default";
      return signalPassFailure();
    }
    TileVectorsOptions options;
    options.isa = *isa;
    options.prefetchDistance = prefetchDistance;
    options.rows = rows;
    options.columnBlocks = columnBlocks;
    options.numThreads = numThreads;
    options.minMacsPerThread = minMacsPerThread;
    if (failed(lowerVSQuantOps(getOperation(),
                               makeTiledContractionKernel(options))))
      signalPassFailure();
  }
};

} // namespace

ContractionKernel
mlir::vsquant::makeTiledContractionKernel(TileVectorsOptions options) {
  return [options](OpBuilder &b, Location loc,
                   const ContractionOperands &ops) -> Value {
    std::optional<Plan> plan = makePlan(ops, options);
    if (!plan)
      return Value();
    return emitTiledMatmul(b, loc, *plan, ops);
  };
}
