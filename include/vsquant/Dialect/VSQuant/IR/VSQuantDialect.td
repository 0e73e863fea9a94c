//===- VSQuantDialect.td - vsquant dialect definition ------*- tablegen -*-===//
//
// The vsquant dialect: per-vector scaled quantized tensors and the ops on them.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_DIALECT_VSQUANT_IR_VSQUANTDIALECT_TD
#define VSQUANT_DIALECT_VSQUANT_IR_VSQUANTDIALECT_TD

include "mlir/IR/OpBase.td"

def VSQuant_Dialect : Dialect {
  let name = "vsquant";
  let cppNamespace = "::mlir::vsquant";
  let summary = "Per-vector scaled quantization (VS-Quant)";
  let description = [{
    The `vsquant` dialect represents tensors quantized with per-vector scale
    factors (VS-Quant, Dai et al., MLSys 2021) and the compute ops that
    consume them. Every small vector of `V` elements along a tensor's
    reduction axis has its own scale; in two-level mode that scale is itself
    an `M`-bit unsigned integer under a coarse fp32 scale per tensor or per
    channel. Per-tensor and per-channel scaling are expressed by the same
    format attribute, so baselines and per-vector formats live in one IR.

    The numerical contract of every op is the project's SPEC.md, summarised
    in `docs/Semantics.md`.
  }];
  let useDefaultAttributePrinterParser = 1;
  let useDefaultTypePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
    void registerTypes();
  }];
}

class VSQuant_Op<string mnemonic, list<Trait> traits = []>
    : Op<VSQuant_Dialect, mnemonic, traits>;

#endif // VSQUANT_DIALECT_VSQUANT_IR_VSQUANTDIALECT_TD
