//===- VSQAccelTypes.td - vsqaccel types -------------------*- tablegen -*-===//

#ifndef VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELTYPES_TD
#define VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELTYPES_TD

include "vsquant/Dialect/VSQAccel/IR/VSQAccelDialect.td"
include "mlir/IR/AttrTypeBase.td"

def VSQAccel_TokenType : TypeDef<VSQAccel_Dialect, "Token"> {
  let mnemonic = "token";
  let summary = "Completion of an instruction";
  let description = [{
    Every instruction returns a token; instructions that list it in their
    `after(...)` operands start only once it has finished.
  }];
}

#endif // VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELTYPES_TD
