//===- VSQAccelComputeOps.td - MAC array and PPU -----------*- tablegen -*-===//

#ifndef VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELCOMPUTEOPS_TD
#define VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELCOMPUTEOPS_TD

include "vsquant/Dialect/VSQAccel/IR/VSQAccelBase.td"

def VSQAccel_AccClearOp : VSQAccel_Instruction<"acc_clear"> {
  let summary = "Zero accumulator rows";
  let description = [{
    Sets `rows` accumulator rows from row `acc` to zero (every lane).

    Example:

    ```mlir
    %c = vsqaccel.acc_clear acc[0] rows 4
    ```
  }];
  let arguments = (ins VSQAccel_Address:$acc, VSQAccel_Count:$rows,
                       Variadic<VSQAccel_TokenType>:$deps);
  let assemblyFormat = [{
    `acc` `[` $acc `]` `rows` $rows (`after` `(` $deps^ `)`)? attr-dict
  }];
}

def VSQAccel_VmacOp : VSQAccel_Instruction<"vmac"> {
  let summary = "Vector MACs with per-vector scales, accumulated";
  let description = [{
    For every row `r < rows` and lane `l < lanes`:

    ```
    acc[acc + r][l] += sum_{j < vectors} sqW[w + j][l] * sqA[in + r*vectors + j]
                                         * dot(W[w + j][l], A[in + r*vectors + j])
    ```

    exact integer arithmetic, saturating at the program's
    `accumulator_bits` (SPEC.md section 5). `W[s][l]` is lane `l`'s vector
    in weight slot `s`, `A[e]` input entry `e`; a per-channel machine has no
    `sq` (they are 1). Weights are signed; input elements are signed unless
    `unsigned_input` (`ui<N>` activations, e.g. after a ReLU). One cycle per (row, vector): all lanes work in
    parallel on the broadcast input vector.

    Example:

    ```mlir
    %m = vsqaccel.vmac acc[0] weight[0] input[0] rows 4 vectors 2 lanes 64 after(%w, %a, %c)
    ```

    Rejected: `lanes` above the machine's, or input entries
    `in + rows * vectors` beyond the input buffer.
  }];
  let arguments = (ins VSQAccel_Address:$acc, VSQAccel_Address:$weight,
                       VSQAccel_Address:$input, VSQAccel_Count:$rows,
                       VSQAccel_Count:$vectors, VSQAccel_Count:$lanes,
                       UnitAttr:$unsigned_input,
                       Variadic<VSQAccel_TokenType>:$deps);
  let assemblyFormat = [{
    `acc` `[` $acc `]` `weight` `[` $weight `]` `input` `[` $input `]`
    `rows` $rows `vectors` $vectors `lanes` $lanes
    (`unsigned_input` $unsigned_input^)? (`after` `(` $deps^ `)`)? attr-dict
  }];
}

def VSQAccel_PostprocessOp : VSQAccel_Instruction<"postprocess"> {
  let summary = "Coarse scale, bias, ReLU and re-quantization of outputs";
  let description = [{
    For every row `r < rows` and lane `l < lanes`, with `P` the params
    buffer from word `params`:

    ```
    y = f32(acc[acc + r][l]) * P[l]          (P[l] = f32(gammaA * gammaB[n]))
    y = y + P[lanes + l]                     (with `bias`)
    y = max(y, 0)                            (with `relu`)
    ```

    and writes output row `out + r`. With `requantize`, each run of V
    outputs becomes one input-format vector with a dynamic per-vector scale
    under the static coarse scale `P[lanes (* 2 with bias)]` of the next
    layer (SPEC.md section 4, activations): `sq = clamp(ceil(s / gamma), 1,
    2^M - 1)` with `s = max|y| / Q` over the V outputs, `q = round(y / f32(sq
    * gamma))` half to even, clamped; elements are `si<N>`, or `ui<N>` with
    `unsigned_output`. The PPU drains `ppu_lanes` outputs per PE per cycle.

    Example:

    ```mlir
    %p = vsqaccel.postprocess acc[0] rows 4 lanes 64 params[0] -> output[0] bias relu after(%m)
    ```

    Rejected: `requantize` on a per-channel machine or with `lanes` not a
    multiple of V; `unsigned_output` without `requantize`.
  }];
  let arguments = (ins VSQAccel_Address:$acc, VSQAccel_Count:$rows,
                       VSQAccel_Count:$lanes, VSQAccel_Address:$params,
                       VSQAccel_Address:$out, UnitAttr:$bias, UnitAttr:$relu,
                       UnitAttr:$requantize, UnitAttr:$unsigned_output,
                       Variadic<VSQAccel_TokenType>:$deps);
  let assemblyFormat = [{
    `acc` `[` $acc `]` `rows` $rows `lanes` $lanes `params` `[` $params `]`
    `->` `output` `[` $out `]` (`bias` $bias^)? (`relu` $relu^)?
    (`requantize` $requantize^)? (`unsigned_output` $unsigned_output^)?
    (`after` `(` $deps^ `)`)? attr-dict
  }];
  let extraClassDeclaration = [{
    /// Params words this instruction reads.
    int64_t getParamsWords() {
      return getLanes() * (getBias() ? 2 : 1) + (getRequantize() ? 1 : 0);
    }
  }];
}

#endif // VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELCOMPUTEOPS_TD
