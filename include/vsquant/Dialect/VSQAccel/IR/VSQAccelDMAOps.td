//===- VSQAccelDMAOps.td - data movement -------------------*- tablegen -*-===//

#ifndef VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELDMAOPS_TD
#define VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELDMAOPS_TD

include "vsquant/Dialect/VSQAccel/IR/VSQAccelBase.td"

def VSQAccel_DmaLoadOp : VSQAccel_Instruction<"dma_load"> {
  let summary = "Copy entries from DRAM into a weight, input or params buffer";
  let description = [{
    Copies `count` entries starting at byte `dram_addr` of DRAM into
    `buffer` starting at entry `addr`. The 2-D form `rows R stride S`
    copies R blocks of `count` entries, block `r` from byte
    `dram_addr + r * S` to entry `addr + r * count` (a tile of rows out of a
    row-major matrix). Entry sizes (packed, docs/
    AcceleratorISA.md): a weight slot is `lanes` weight vectors of
    `V * weight_bits + weight_scale_bits` bits each, rounded up to bytes; an
    input entry one vector of `V * activation_bits + activation_scale_bits`
    bits rounded up; a params word 4 bytes (fp32).

    Example:

    ```mlir
    %w = vsqaccel.dma_load weight[0] from dram[4096] count 2
    %a = vsqaccel.dma_load input[0] from dram[0] count 8 after(%w)
    %t = vsqaccel.dma_load input[8] from dram[0] count 2 rows 4 stride 72
    ```

    Rejected: loading into `output` (only the PPU writes it), or entries
    beyond the buffer's capacity.
  }];
  let arguments = (ins VSQAccel_BufferAttr:$buffer, VSQAccel_Address:$addr,
                       VSQAccel_Address:$dram_addr, VSQAccel_Count:$count,
                       OptionalAttr<VSQAccel_Count>:$rows,
                       OptionalAttr<VSQAccel_Address>:$stride,
                       Variadic<VSQAccel_TokenType>:$deps);
  let assemblyFormat = [{
    $buffer `[` $addr `]` `from` `dram` `[` $dram_addr `]` `count` $count
    (`rows` $rows^ `stride` $stride)? (`after` `(` $deps^ `)`)? attr-dict
  }];
  let extraClassDeclaration = [{
    /// Blocks of `count` entries (1 for the 1-D form).
    int64_t getRowCount() { return getRows() ? *getRows() : 1; }
  }];
}

def VSQAccel_DmaStoreOp : VSQAccel_Instruction<"dma_store"> {
  let summary = "Copy output rows to DRAM";
  let description = [{
    Copies `count` rows of the output buffer starting at row `addr` to DRAM
    starting at byte `dram_addr`. An output row is the machine's `lanes`
    fp32 values, or, when the PPU re-quantized it, `lanes / V` input-format
    vectors (the next layer's input entries, byte-compatible with
    `dma_load input`). The 2-D form `lanes L stride S` writes only the
    first L outputs of each row (`L * 4` bytes, or `L / V` entries), row `r`
    to byte `dram_addr + r * S`: a lane tile's columns of a row-major
    matrix, such as the next layer's input rows.

    Example:

    ```mlir
    %s = vsqaccel.dma_store output[0] to dram[8192] count 4 after(%p)
    %t = vsqaccel.dma_store output[4] to dram[0] count 4 lanes 32 stride 36 requantized
    ```

    Rejected: storing from any buffer other than `output`; a re-quantized
    2-D store whose `lanes` is not a multiple of V.
  }];
  let arguments = (ins VSQAccel_BufferAttr:$buffer, VSQAccel_Address:$addr,
                       VSQAccel_Address:$dram_addr, VSQAccel_Count:$count,
                       OptionalAttr<VSQAccel_Count>:$lanes,
                       OptionalAttr<VSQAccel_Address>:$stride,
                       UnitAttr:$requantized,
                       Variadic<VSQAccel_TokenType>:$deps);
  let assemblyFormat = [{
    $buffer `[` $addr `]` `to` `dram` `[` $dram_addr `]` `count` $count
    (`lanes` $lanes^ `stride` $stride)?
    (`requantized` $requantized^)? (`after` `(` $deps^ `)`)? attr-dict
  }];
}

#endif // VSQUANT_DIALECT_VSQACCEL_IR_VSQACCELDMAOPS_TD
