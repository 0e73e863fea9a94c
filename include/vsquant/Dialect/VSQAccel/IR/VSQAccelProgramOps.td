//===- VSQAccelProgramOps.td - the program container -------*- tablegen -*-===//

#ifndef VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELPROGRAMOPS_TD
#define VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELPROGRAMOPS_TD

include "vsquant/Dialect/VSQAccel/IR/VSQAccelBase.td"
include "mlir/IR/RegionKindInterface.td"

def VSQAccel_ProgramOp : VSQAccel_Op<"program", [
    Symbol, IsolatedFromAbove, SingleBlock, NoTerminator]> {
  let summary = "A program for one accelerator configuration";
  let description = [{
    Holds the instructions of one program in issue order, and the machine
    parameters they are checked against: `vector_size` (V), `lanes` (all
    lanes of all PEs), the element, scale and accumulator widths
    (`weight_scale_bits = activation_scale_bits = 0` is a per-channel
    machine: no per-vector scales), and the buffer capacities in entries
    (`weight_slots` vectors per lane, `input_entries` vectors,
    `accumulator_rows`, `params_words`, `output_rows`).

    Example:

    ```mlir
    vsqaccel.program @fc attributes {vector_size = 16, lanes = 64,
        weight_bits = 4, activation_bits = 4, weight_scale_bits = 4,
        activation_scale_bits = 4, accumulator_bits = 32, weight_slots = 64,
        input_entries = 256, accumulator_rows = 64, params_words = 256,
        output_rows = 64} {
      %t = vsqaccel.barrier
    }
    ```

    Rejected: `lanes = 0`, or an instruction outside a program.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       VSQAccel_Count:$vector_size,
                       VSQAccel_Count:$lanes,
                       VSQAccel_Count:$weight_bits,
                       VSQAccel_Count:$activation_bits,
                       VSQAccel_Address:$weight_scale_bits,
                       VSQAccel_Address:$activation_scale_bits,
                       VSQAccel_Count:$accumulator_bits,
                       VSQAccel_Count:$weight_slots,
                       VSQAccel_Count:$input_entries,
                       VSQAccel_Count:$accumulator_rows,
                       VSQAccel_Count:$params_words,
                       VSQAccel_Count:$output_rows);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$sym_name attr-dict-with-keyword $body";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// True when the machine multiplies per-vector integer scales in.
    bool isPerVector() {
      return getWeightScaleBits() > 0 || getActivationScaleBits() > 0;
    }
  }];
  let skipDefaultBuilders = 0;
}

#endif // VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELPROGRAMOPS_TD
