//===- Matmul.h - Reference quantized matrix product ------------*- C++ -*-===//
//
// SPEC.md section 5 computed directly from quantized tensors: the reference
// that compiled code (vsquant's CPU lowering) and the accelerator simulator
// are checked against, bit for bit.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_QUANT_MATMUL_H
#define VSQUANT_QUANT_MATMUL_H

#include "vsquant/Quant/Quantizer.h"

namespace vsquant {
namespace quant {

/// Y = A * B with A: M x K (per_vector along axis 1, per_channel along axis
/// 0, or per_tensor) and B: K x N (per_vector along axis 0, per_channel
/// along axis 1, or per_tensor), both quantized by quantizeTensor.
///
/// Vectors of the per-vector operand(s) define the blocks j along K (two
/// per-vector operands share V; a vector covering all of K is one block).
/// Per block the integer dot product is exact. Both two-level:
/// acc = sum_j sqA sqB dot_j exactly, Y = f32(acc) * f32(gammaA * gammaB).
/// Otherwise Y = sum over increasing j of f32(f32(SA * SB) * f32(dot_j)),
/// accumulated in fp32 from 0, where a two-level operand's S is
/// f32(sq * gamma). Result row-major M x N.
llvm::Expected<std::vector<float>>
quantizedMatmul(const QuantizedTensor &a, const TensorFormat &aFormat,
                const QuantizedTensor &b, const TensorFormat &bFormat,
                int64_t m, int64_t k, int64_t n);

} // namespace quant
} // namespace vsquant

#endif // VSQUANT_QUANT_MATMUL_H
