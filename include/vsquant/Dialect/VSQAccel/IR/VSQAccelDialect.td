//===- VSQAccelDialect.td - vsqaccel dialect definition ----*- tablegen -*-===//
//
// The vsqaccel dialect: the instruction set of the per-vector scaled
// accelerator of docs/Accelerator.md.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELDIALECT_TD
#define VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELDIALECT_TD

include "mlir/IR/OpBase.td"

def VSQAccel_Dialect : Dialect {
  let name = "vsqaccel";
  let cppNamespace = "::mlir::vsqaccel";
  let summary = "Instructions of the VS-Quant accelerator";
  let description = [{
    Each op of `vsqaccel` (other than `vsqaccel.program`) is one instruction
    of the accelerator described in `docs/Accelerator.md`: DMA transfers
    between DRAM and the on-chip buffers, the vector MAC with per-vector
    integer scales, accumulator clearing, the post-processing unit (coarse
    scale, bias, ReLU, dynamic per-vector re-quantization) and barriers.
    Instructions run asynchronously; an instruction starts after the
    instructions whose `!vsqaccel.token`s it lists in `after(...)` have
    finished (the simulator and the binary encoding keep these edges).

    Buffers are addressed in entries, not bytes: a weight buffer slot holds
    one `V`-element weight vector (with its integer scale) for every lane,
    an input entry one input vector with its scale, an accumulator row one
    partial sum per lane, a params word one fp32 value, an output row one
    value per lane. The program op declares the machine's capacities; every
    instruction is checked against them.
  }];
  let useDefaultTypePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerTypes();
  }];
}

class VSQAccel_Op<string mnemonic, list<Trait> traits = []>
    : Op<VSQAccel_Dialect, mnemonic, traits>;

#endif // VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELDIALECT_TD
