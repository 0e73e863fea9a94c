//===- TileVectors.h - tiled vector-granularity contractions ----*- C++ -*-===//
//
// The fast CPU lowering of vsquant contractions: weights repacked at compile
// time into the layout of the int8 dot-product instruction, register tiles
// of the output, one integer dot product per vector (AVX-512 VNNI
// `vpdpbusd`, or AVX2 `vpmaddubsw` + `vpmaddwd`), then the scale product and
// the accumulation of SPEC.md section 5, bit for bit.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_CONVERSION_VSQUANTTOVECTOR_TILEVECTORS_H
#define VSQUANT_CONVERSION_VSQUANTTOVECTOR_TILEVECTORS_H

#include "vsquant/Conversion/VSQuantToLinalg/VSQuantToLinalg.h"

#include <string>

namespace mlir {
namespace vsquant {

/// The instruction set the tiled kernels are written for.
enum class DotProductISA { None, AVX2, AVX512VNNI };

/// Parses "host", "avx512vnni", "avx2" or "none" ("host" asks this machine's
/// CPU); nullopt for anything else.
std::optional<DotProductISA> parseDotProductISA(llvm::StringRef target);

struct TileVectorsOptions {
  DotProductISA isa = DotProductISA::AVX512VNNI;
  /// Register tile: output rows and blocks of SIMD-width columns; 0 picks
  /// them from the ISA and the shape.
  int64_t rows = 0;
  int64_t columnBlocks = 0;
  /// > 1: the column tiles are split into this many contiguous shares under
  /// one `scf.parallel` (one OpenMP chunk per thread after lowering).
  int64_t numThreads = 1;
  /// Fewer threads when a contraction has fewer multiply-accumulates than
  /// this per thread: 2^20 MACs are ~4 us of kernel time, a few times what
  /// starting an OpenMP loop on spinning threads costs (docs/CPU.md).
  int64_t minMacsPerThread = int64_t(1) << 20;
  /// Software prefetch of the packed weights, this many bytes ahead in each
  /// column block's stream (one prefetch per cache line), and of the
  /// block's per-vector scales as many vectors ahead; 0: none; -1: the
  /// default, kDefaultPrefetchDistance for 4-bit weights in single-row
  /// (GEMV) tiles, none otherwise (docs/CPU.md, "Software prefetch").
  int64_t prefetchDistance = -1;
};

/// Prefetch distance of 4-bit GEMV weight streams: a cold 4-bit GEMV on two
/// threads ran about 10% faster with it (docs/Benchmarks.md); 8-bit GEMVs
/// and weights in the caches did not gain.
inline constexpr int64_t kDefaultPrefetchDistance = 2048;

/// The tiled contraction kernel for `ContractionKernel` hooks (see
/// `populateVSQuantToLinalgConversionPatterns`). It handles `vsquant.matmul`,
/// `vsquant.batch_matmul` (weights packed at compile time, or by the
/// generated code when they are computed at run time) and `vsquant.conv2d`
/// (an implicit im2col over the padded input); everything else returns null
/// and falls back to the reference lowering.
ContractionKernel makeTiledContractionKernel(TileVectorsOptions options);

} // namespace vsquant
} // namespace mlir

#endif // VSQUANT_CONVERSION_VSQUANTTOVECTOR_TILEVECTORS_H
