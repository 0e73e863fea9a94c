//===- Passes.td - vsquant dialect passes ------------------*- tablegen -*-===//

#ifndef VSQUANT_DIALECT_VSQUANT_TRANSFORMS_PASSES_TD
#define VSQUANT_DIALECT_VSQUANT_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def VSQuantStorageReport : Pass<"vsquant-storage-report", "ModuleOp"> {
  let summary = "Report the memory each quantized tensor occupies, scales included";
  let description = [{
    Per-vector scaling buys accuracy with extra scale storage: a 4-bit weight
    with a 4-bit scale per 16 elements costs 4.25 bits per element plus the
    coarse scales. Researchers choosing a format need that cost beside the
    accuracy, so this pass emits one remark per quantized value (compile-time
    constants and run-time quantized activations) with the element, scale and
    coarse-scale bits, the bits per element, and a module total for the
    constants. It does not change the IR.

    With `json=<file>` it also writes the same figures as JSON.
  }];
  let options = [
    Option<"jsonPath", "json", "std::string", /*default=*/"\"\"",
           "Write the report as JSON to this file as well">
  ];
}

#endif // VSQUANT_DIALECT_VSQUANT_TRANSFORMS_PASSES_TD
