//===- Metrics.cpp - Error metrics, storage cost, sub-byte packing --------===//
//
// SPEC.md section 6 metrics, bits per element and the packed storage of
// sub-byte elements.
//
//===----------------------------------------------------------------------===//

#include "vsquant/Quant/Quantizer.h"
#include "vsquant/Quant/Storage.h"

#include <cassert>
#include <cmath>
#include <limits>

using namespace vsquant::quant;
using llvm::ArrayRef;

double vsquant::quant::sqnrDb(ArrayRef<float> x, ArrayRef<float> xhat) {
  assert(x.size() == xhat.size() && "sqnr of tensors of different sizes");
  double signal = 0.0, noise = 0.0;
  for (size_t i = 0, e = x.size(); i < e; ++i) {
    double value = x[i], diff = double(x[i]) - double(xhat[i]);
    signal += value * value;
    noise += diff * diff;
  }
  // Exact reproduction is +inf even for an all-zero signal (0/0).
  if (noise == 0.0)
    return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal / noise);
}

double vsquant::quant::meanSquaredError(ArrayRef<float> x,
                                        ArrayRef<float> xhat) {
  assert(x.size() == xhat.size() && "mse of tensors of different sizes");
  double sum = 0.0;
  for (size_t i = 0, e = x.size(); i < e; ++i) {
    double diff = double(x[i]) - double(xhat[i]);
    sum += diff * diff;
  }
  return x.empty() ? 0.0 : sum / x.size();
}

double vsquant::quant::cosineSimilarity(ArrayRef<float> x,
                                        ArrayRef<float> xhat) {
  assert(x.size() == xhat.size() && "cosine of tensors of different sizes");
  double dot = 0.0, normX = 0.0, normXhat = 0.0;
  for (size_t i = 0, e = x.size(); i < e; ++i) {
    double a = x[i], b = xhat[i];
    dot += a * b;
    normX += a * a;
    normXhat += b * b;
  }
  if (normX == 0.0 && normXhat == 0.0)
    return 1.0; // Both zero: identical.
  if (normX == 0.0 || normXhat == 0.0)
    return 0.0; // No direction to compare with.
  return dot / (std::sqrt(normX) * std::sqrt(normXhat));
}

double vsquant::quant::bitsPerElement(ArrayRef<int64_t> shape,
                                      const TensorFormat &format) {
  StorageBreakdown storage;
  storage.numElements = 1;
  for (int64_t d : shape)
    storage.numElements *= d;
  storage.elementBits = format.element.bits;
  storage.numScales = 1;
  for (int64_t d : scaleGridShape(shape, format))
    storage.numScales *= d;
  storage.scaleBits = format.scaleBits > 0 ? format.scaleBits : 32;
  if (format.scaleBits > 0) {
    storage.numCoarseScales = 1;
    for (int64_t d : coarseGridShape(shape, format))
      storage.numCoarseScales *= d;
  }
  return storage.bitsPerElement();
}

std::vector<uint8_t> vsquant::quant::packSubByte(ArrayRef<int16_t> values,
                                                 unsigned bits) {
  assert(bits >= 2 && bits <= 8 && "sub-byte packing needs 2..8 bits");
  const uint32_t mask = (1u << bits) - 1;
  std::vector<uint8_t> packed((values.size() * bits + 7) / 8, 0);
  uint64_t bitPosition = 0;
  for (int16_t value : values) {
    // Two's complement: the low `bits` bits of the value.
    uint32_t field = uint32_t(uint16_t(value)) & mask;
    // A field spans at most two bytes (bits <= 8).
    uint32_t shifted = field << (bitPosition % 8);
    size_t byte = bitPosition / 8;
    packed[byte] |= uint8_t(shifted);
    if (shifted >> 8)
      packed[byte + 1] |= uint8_t(shifted >> 8);
    bitPosition += bits;
  }
  return packed;
}

std::vector<int16_t> vsquant::quant::unpackSubByte(ArrayRef<uint8_t> packed,
                                                   int64_t count,
                                                   unsigned bits,
                                                   bool isSigned) {
  assert(bits >= 2 && bits <= 8 && "sub-byte packing needs 2..8 bits");
  assert(uint64_t(count) * bits <= uint64_t(packed.size()) * 8 &&
         "not enough packed bytes");
  const uint32_t mask = (1u << bits) - 1;
  const uint32_t signBit = 1u << (bits - 1);
  std::vector<int16_t> values(count);
  uint64_t bitPosition = 0;
  for (int64_t i = 0; i < count; ++i) {
    size_t byte = bitPosition / 8;
    uint32_t window = packed[byte];
    if (byte + 1 < packed.size())
      window |= uint32_t(packed[byte + 1]) << 8;
    uint32_t field = (window >> (bitPosition % 8)) & mask;
    int32_t value = int32_t(field);
    if (isSigned && (field & signBit))
      value -= int32_t(1u << bits);
    values[i] = int16_t(value);
    bitPosition += bits;
  }
  return values;
}
