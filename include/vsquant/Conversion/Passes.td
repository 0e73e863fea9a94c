//===- Passes.td - vsquant conversion passes ---------------*- tablegen -*-===//
//
// All conversions out of vsquant share this file (CIRCT's habit); each lives
// in lib/Conversion/<A>To<B>/.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_CONVERSION_PASSES_TD
#define VSQUANT_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertVSQuantToLinalg : Pass<"convert-vsquant-to-linalg", "ModuleOp"> {
  let summary = "Lower vsquant ops to linalg / arith / tensor with SPEC.md's "
                "exact semantics";
  let description = [{
    Every per-vector scaled tensor becomes two or three plain tensors: the
    integer values (`i8`, read as unsigned for `ui<N>` formats), the scale
    grid (`f32`, or the integer scales `sq` of two-level formats) and, for
    two-level formats, the coarse scales (`f32`). Ops become linalg on
    tensors that compute exactly what SPEC.md sections 2-5 define: the
    per-vector integer dot products are exact (`i32`), two-level
    accumulations exact in `i64`, fp32 accumulations in increasing vector
    order. This is the reference lowering every faster path must agree with
    bit for bit; vectors along a reduction axis that is not a multiple of V
    are padded with zeros (exact in every format).

    Implemented: `constant`, `quantize`, `dynamic_quantize`, `dequantize`,
    `matmul`, `batch_matmul`, `conv2d` (zero padding, strides, dilations)
    and `depthwise_conv2d`, with bias, relu and re-quantized results. Conv
    inputs with static per-channel scales fail to legalize. Block scales
    (`f8E8M0FNU`, `f8E4M3FN`) have no numerics yet and are rejected. vsquant
    types on function boundaries are not converted.

    Patterns: `populateVSQuantToLinalgConversionPatterns`.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
}

def ConvertVSQuantToVSQAccel
    : Pass<"convert-vsquant-to-vsqaccel", "ModuleOp"> {
  let summary = "Compile vsquant matmuls and convs to accelerator programs";
  let description = [{
    For every `vsquant.matmul` and `vsquant.conv2d` (per-vector machines;
    run as the GEMM of its im2col rows) the pass plans a `vsqaccel.program`
    for the
    machine of `config` (an `accel/*.json` file, docs/Accelerator.md): the
    layer is tiled to the buffers exactly as the cost model tiles it, weight
    and input tiles are double buffered when two fit, and the program is
    appended to the module as `@<function>_matmul<i>` (or `_conv2d<i>`).
    The op keeps its
    place in the host function and gets a `vsqaccel.program` attribute
    naming its program (the host runtime that would launch it is not part
    of this pass). The DRAM layout of each program's data images is
    docs/AcceleratorISA.md's "Matmul programs".

    A matmul maps only when its formats are the machine's: on a per-vector
    machine, `A` per-vector along K and `B` per-vector along K with the
    machine's V and `ui<M>` scales, `A`'s coarse scale per tensor; on a
    per-channel machine, `A` per-tensor and `B` per-channel along N with
    fp32 scales; element widths at most the datapath's; static shapes.
    Anything else is an error naming the operand and the mismatch, e.g. a
    vector size that differs from the hardware's.
  }];
  let options = [
    Option<"configPath", "config", "std::string", /*default=*/"\"\"",
           "Accelerator config file (accel/*.json)">,
  ];
  let dependentDialects = ["::mlir::vsqaccel::VSQAccelDialect"];
}

def VerifyVSQuantLowered : Pass<"vsquant-verify-lowered", "ModuleOp"> {
  let summary = "Check that nothing of vsquant is left (pipeline contract)";
  let description = [{
    Ends the lowering pipelines: fails, naming the first offender, when a
    vsquant op, type or attribute survived. A pipeline that passes this has
    produced IR any MLIR tool can take.
  }];
}

#endif // VSQUANT_CONVERSION_PASSES_TD
