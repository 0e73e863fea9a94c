//===- VSQAccelEnums.td - vsqaccel enums -------------------*- tablegen -*-===//

#ifndef VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELENUMS_TD
#define VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELENUMS_TD

include "mlir/IR/EnumAttr.td"

// The values are the buffer field of the binary encoding
// (docs/AcceleratorISA.md): keep them stable.
def VSQAccel_BufferWeight : I32EnumAttrCase<"weight", 0>;
def VSQAccel_BufferInput : I32EnumAttrCase<"input", 1>;
def VSQAccel_BufferParams : I32EnumAttrCase<"params", 2>;
def VSQAccel_BufferOutput : I32EnumAttrCase<"output", 3>;

def VSQAccel_BufferAttr : I32EnumAttr<"Buffer", "an on-chip buffer",
    [VSQAccel_BufferWeight, VSQAccel_BufferInput, VSQAccel_BufferParams,
     VSQAccel_BufferOutput]> {
  let cppNamespace = "::mlir::vsqaccel";
}

#endif // VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELENUMS_TD
