//===- VSQAccelOps.td - vsqaccel operations ----------------*- tablegen -*-===//
//
// One file per concern: the program container, data movement, compute and
// post-processing, synchronisation.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELOPS_TD
#define VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELOPS_TD

include "vsquant/Dialect/VSQAccel/IR/VSQAccelProgramOps.td"
include "vsquant/Dialect/VSQAccel/IR/VSQAccelDMAOps.td"
include "vsquant/Dialect/VSQAccel/IR/VSQAccelComputeOps.td"
include "vsquant/Dialect/VSQAccel/IR/VSQAccelSyncOps.td"

#endif // VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELOPS_TD
