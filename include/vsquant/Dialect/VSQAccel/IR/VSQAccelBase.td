//===- VSQAccelBase.td - shared pieces of vsqaccel ops -----*- tablegen -*-===//

#ifndef VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELBASE_TD
#define VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELBASE_TD

include "vsquant/Dialect/VSQAccel/IR/VSQAccelDialect.td"
include "vsquant/Dialect/VSQAccel/IR/VSQAccelEnums.td"
include "vsquant/Dialect/VSQAccel/IR/VSQAccelTypes.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/SymbolInterfaces.td"

def VSQAccel_Address : ConfinedAttr<I64Attr, [IntNonNegative]>;
def VSQAccel_Count : ConfinedAttr<I64Attr, [IntPositive]>;

/// An instruction: lives in a vsqaccel.program, waits for `deps`, returns
/// its completion token. Verifiers check addresses against the program.
class VSQAccel_Instruction<string mnemonic, list<Trait> traits = []>
    : VSQAccel_Op<mnemonic, !listconcat(traits, [HasParent<"::mlir::vsqaccel::ProgramOp">])> {
  let results = (outs VSQAccel_TokenType:$token);
  let hasVerifier = 1;
}

#endif // VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELBASE_TD
