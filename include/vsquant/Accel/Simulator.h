//===- Simulator.h - Accelerator simulator ----------------------*- C++ -*-===//
//
// Runs a program (vsquant/Accel/ISA.h) on a DRAM image: functionally, with
// SPEC.md section 5's exact integer accumulation (saturating at the
// machine's accumulator width) and fp32 post-processing, and with a timing
// model (docs/Accelerator.md, "Simulator"). Pure C++.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_ACCEL_SIMULATOR_H
#define VSQUANT_ACCEL_SIMULATOR_H

#include "vsquant/Accel/Schedule.h"
#include "vsquant/Quant/Quantizer.h"

namespace vsquant {
namespace accel {

struct SimulationStats {
  int64_t cycles = 0;
  int64_t macBusyCycles = 0, ppuBusyCycles = 0;
  /// Read plus write channel busy cycles.
  int64_t dmaBusyCycles = 0;
  /// Cycles the MAC array sat idle because a vmac waited for a DMA.
  int64_t macStallOnDmaCycles = 0;
  int64_t dmaBytes = 0;
  int64_t vectorMacs = 0; // vector products computed (rows x vectors x lanes)
  int64_t saturations = 0; // accumulator additions that saturated
  /// Highest entry + 1 written in each buffer (occupancy).
  int64_t weightSlotsUsed = 0, inputEntriesUsed = 0, accumulatorRowsUsed = 0,
          paramsWordsUsed = 0, outputRowsUsed = 0;
};

/// Executes `program` on `dram` (read and written in place), timing it with
/// `config`'s bandwidths, lanes per PE and PPU lanes. Bytes read a second
/// time come from the global buffer at the on-chip bandwidth while all
/// distinct bytes read so far fit it; everything else moves at the DRAM
/// bandwidth. Fails naming the
/// instruction on a DMA outside the image, packed vectors that do not fill
/// whole bytes, or a re-quantization of non-finite outputs.
llvm::Expected<SimulationStats> simulate(const Program &program,
                                         const Config &config,
                                         std::vector<uint8_t> &dram);

/// Writes a planned layer's data into `image` (grown to
/// plan.layout.totalBytes): inputs, weights and params of each batch
/// (docs/AcceleratorISA.md, "Matmul programs"), from tensors quantized by
/// quant::quantizeTensor: `a[b]` M x K in the machine's activation format
/// (with no values: the inputs are already in the image, e.g. the previous
/// layer's re-quantized outputs, and only its coarse scale is used), `b[b]`
/// K x N in its weight format, an optional bias of N values, and the static
/// coarse scale of re-quantized outputs. Output regions are left as they
/// are.
llvm::Error writeLayerImage(const MatmulPlan &plan,
                            llvm::ArrayRef<quant::QuantizedTensor> a,
                            const quant::TensorFormat &aFormat,
                            llvm::ArrayRef<quant::QuantizedTensor> b,
                            const quant::TensorFormat &bFormat,
                            llvm::ArrayRef<float> bias, float outputCoarse,
                            std::vector<uint8_t> &image);

/// The DRAM image of a planned matmul (docs/AcceleratorISA.md, "Matmul
/// programs") from tensors quantized by quant::quantizeTensor: `a` M x K in
/// the machine's activation format, `b` K x N in its weight format, an
/// optional bias of N values. The output region is zero.
llvm::Expected<std::vector<uint8_t>>
packMatmulImage(const MatmulPlan &plan, const quant::QuantizedTensor &a,
                const quant::TensorFormat &aFormat,
                const quant::QuantizedTensor &b,
                const quant::TensorFormat &bFormat,
                llvm::ArrayRef<float> bias);

/// The GEMM operands of a conv (planConv2d): gathers the quantized values
/// and integer scales of an NHWC `input` (per-vector along C) into
/// M x K' im2col rows, and of an HWCF `filter` (per-vector along C, coarse
/// per tensor or per F) into K' x F, with zeros (and scale 0) for padding
/// pixels and padding channels. No arithmetic: the vectors are the conv's.
/// Returns {A, aFormat, B, bFormat}.
struct ConvAsMatmul {
  quant::QuantizedTensor a, b;
  quant::TensorFormat aFormat, bFormat;
  int64_t m = 0, k = 0, n = 0;
};
llvm::Expected<ConvAsMatmul>
conv2dAsMatmul(const Conv2dShape &shape, int64_t vectorSize,
               const quant::QuantizedTensor &input,
               const quant::TensorFormat &inputFormat,
               const quant::QuantizedTensor &filter,
               const quant::TensorFormat &filterFormat);

/// A depthwise conv's block-diagonal GEMM operands (planDepthwiseConv2d):
/// the NHWC `input` (per-vector along C) as M x K' rows, K' = ceil(C / V) x
/// kh x kw x V, vector (block j, tap) holding the tap pixel's input vector
/// j; the (kh*kw) x C `filter` (one vector along the window, axis 0) as the
/// block-diagonal K' x C matrix whose column c has, in vector (c / V, tap),
/// its tap weight at position c % V and the filter vector's integer
/// scale. No arithmetic: quantizedMatmul on them sums exactly SPEC.md
/// section 5's per-tap terms sqx * sqw * qx * qw of the depthwise conv.
llvm::Expected<ConvAsMatmul>
depthwiseAsMatmul(const Conv2dShape &shape, int64_t vectorSize,
                  const quant::QuantizedTensor &input,
                  const quant::TensorFormat &inputFormat,
                  const quant::QuantizedTensor &filter,
                  const quant::TensorFormat &filterFormat);

/// Batch `index` of a rank-3 two-level per-vector tensor of `shape`
/// (vectors along axis 1 or 2) as a rank-2 tensor, with its format in
/// `sliceFormat`: a per-batch coarse scale (coarse axis 0) becomes the
/// slice's per-tensor one. No arithmetic.
llvm::Expected<quant::QuantizedTensor>
batchSlice(const quant::QuantizedTensor &tensor,
           const quant::TensorFormat &format, llvm::ArrayRef<int64_t> shape,
           int64_t index, quant::TensorFormat *sliceFormat);

/// The fp32 batch x M x N result (row-major) from the output region of an
/// image.
std::vector<float> readMatmulOutput(const MatmulPlan &plan,
                                    llvm::ArrayRef<uint8_t> dram);

/// Re-quantized outputs: batch x M rows of N values and their per-vector
/// integer scales (the coarse scale is the program's parameter, not
/// stored).
quant::QuantizedTensor readRequantizedOutput(const MatmulPlan &plan,
                                             llvm::ArrayRef<uint8_t> dram,
                                             bool isSigned);

} // namespace accel
} // namespace vsquant

#endif // VSQUANT_ACCEL_SIMULATOR_H
