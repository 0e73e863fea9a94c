//===- Storage.h - Bits a quantized tensor occupies -------------*- C++ -*-===//
//
// Pure C++ (no MLIR types): how many bits a tensor stored in a per-vector,
// per-channel or per-tensor scaled format occupies, scales included.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_QUANT_STORAGE_H
#define VSQUANT_QUANT_STORAGE_H

#include <cstdint>

namespace vsquant {
namespace quant {

/// Counts and widths of the three parts of a quantized tensor.
struct StorageBreakdown {
  int64_t numElements = 0;
  unsigned elementBits = 0;
  /// Per-vector (or per-channel / per-tensor) scales.
  int64_t numScales = 0;
  unsigned scaleBits = 0;
  /// Coarse fp32 scales of two-level formats (0 for single level).
  int64_t numCoarseScales = 0;
  unsigned coarseBits = 32;

  double elementTotalBits() const {
    return double(numElements) * elementBits;
  }
  double scaleTotalBits() const { return double(numScales) * scaleBits; }
  double coarseTotalBits() const {
    return double(numCoarseScales) * coarseBits;
  }
  double totalBits() const {
    return elementTotalBits() + scaleTotalBits() + coarseTotalBits();
  }
  /// Average bits per element with every scale counted (0 for no elements).
  double bitsPerElement() const {
    return numElements ? totalBits() / double(numElements) : 0.0;
  }
};

} // namespace quant
} // namespace vsquant

#endif // VSQUANT_QUANT_STORAGE_H
