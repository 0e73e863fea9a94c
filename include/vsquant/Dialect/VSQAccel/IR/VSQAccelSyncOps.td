//===- VSQAccelSyncOps.td - synchronisation ----------------*- tablegen -*-===//

#ifndef VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELSYNCOPS_TD
#define VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELSYNCOPS_TD

include "vsquant/Dialect/VSQAccel/IR/VSQAccelBase.td"

def VSQAccel_BarrierOp : VSQAccel_Instruction<"barrier"> {
  let summary = "Wait for tokens (or for everything issued before)";
  let description = [{
    Finishes when the listed instructions have finished; without operands,
    when every earlier instruction has. Later instructions may wait on its
    token to join several dependencies into one.

    Example:

    ```mlir
    %b = vsqaccel.barrier after(%s0, %s1)
    %all = vsqaccel.barrier
    ```
  }];
  let arguments = (ins Variadic<VSQAccel_TokenType>:$deps);
  let assemblyFormat = "(`after` `(` $deps^ `)`)? attr-dict";
}

#endif // VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELSYNCOPS_TD
