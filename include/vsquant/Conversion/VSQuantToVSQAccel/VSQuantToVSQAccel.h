//===- VSQuantToVSQAccel.h - vsquant layers to accelerator programs -*- C++ -*-===//
//
// The per-layer planning behind --convert-vsquant-to-vsqaccel, for tools
// that lay out a whole network's DRAM image (vsq-sim --module).
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_CONVERSION_VSQUANTTOVSQACCEL_VSQUANTTOVSQACCEL_H
#define VSQUANT_CONVERSION_VSQUANTTOVSQACCEL_VSQUANTTOVSQACCEL_H

#include "vsquant/Accel/Schedule.h"

#include "mlir/IR/Operation.h"
#include "mlir/Support/LLVM.h"

namespace mlir {
namespace vsquant {

/// Checks a vsquant.matmul, batch_matmul, conv2d or depthwise_conv2d
/// against the machine and plans its program (what the conversion attaches
/// as `name`); its regions start at DRAM byte `dramBase`, its inputs at
/// `inputBase` (-1: before its weights). Emits a diagnostic on `op` naming
/// what cannot map, and fails.
FailureOr<::vsquant::accel::MatmulPlan>
planAcceleratorLayer(Operation *op, StringRef name,
                     const ::vsquant::accel::Config &config,
                     int64_t dramBase = 0, int64_t inputBase = -1);

/// The program symbol the conversion gives the `index`-th layer of its kind
/// in its function: <function>_<op>_<index>.
std::string acceleratorProgramName(Operation *op, int64_t index);

} // namespace vsquant
} // namespace mlir

#endif // VSQUANT_CONVERSION_VSQUANTTOVSQACCEL_VSQUANTTOVSQACCEL_H
