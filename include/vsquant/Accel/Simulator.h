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
/// whole bytes, or a re-quantizing postprocess (not simulated yet).
llvm::Expected<SimulationStats> simulate(const Program &program,
                                         const Config &config,
                                         std::vector<uint8_t> &dram);

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

/// The fp32 M x N result (row-major) from the output region of an image.
std::vector<float> readMatmulOutput(const MatmulPlan &plan,
                                    llvm::ArrayRef<uint8_t> dram);

} // namespace accel
} // namespace vsquant

#endif // VSQUANT_ACCEL_SIMULATOR_H
