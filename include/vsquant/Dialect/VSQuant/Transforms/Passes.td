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

def VSQuantQuantize : Pass<"vsquant-quantize", "ModuleOp"> {
  let summary = "Quantize linalg contractions and convolutions with constant weights";
  let description = [{
    Turns a float model in linalg-on-tensors form into vsquant ops: the
    constant weights of every matmul-like contraction (`linalg.matmul` with
    any operand transposition, `linalg.batch_matmul`, `linalg.generic`
    contractions with one reduction dimension) and of every convolution in
    the forms `conv_2d_nhwc_hwcf`, `conv_2d_nchw_fchw`,
    `depthwise_conv_2d_nhwc_hwc` and `depthwise_conv_2d_nchw_chw` (named, or
    a `linalg.generic` upstream's convolution matcher identifies as one; NCHW
    forms are transposed to NHWC around the vsquant op, filters at compile
    time) are quantized at compile time into
    `vsquant.constant` (numerics: SPEC.md sections 1-4, in the project's
    numerics library), and their activations are quantized at run time by
    `vsquant.dynamic_quantize` with vectors along the same reduction axis.

    Weights are quantized along the reduction axis (`K`, or `C` of a
    convolution) with `weight-granularity=vector` (vector size
    `vector-size`), or per output channel / per tensor for the baselines.
    Two-level scales (`weight-scale=ui<M>`) sit under an fp32 coarse scale per
    output channel (`weight-coarse=channel`) or per tensor.

    Activations: per-vector scales are computed at run time with `max`. A
    two-level activation format (`act-scale=ui<M>`) needs a static coarse
    scale: `gamma = act-range / (2^M - 1)`. Without `act-range` the pass
    falls back to single-level fp32 activation scales (and says so in a
    remark).

    Ops whose weight is not a constant, whose element type is not f32, or
    that match a name in `skip` stay in float (with a remark). A NaN or Inf
    in a weight is an error naming the weight and element; nothing is
    rewritten then.

    With `dual-threshold=tau`, a weight whose mean squared quantization
    error exceeds `tau` (a "key layer", Choukroun et al. 2019, section 3.5) is
    approximated by the sum of two quantized tensors in the same format,
    found by alternating optimisation; the layer becomes two compute ops on
    the same quantized activation whose results are added.

    Per-layer options: `override=<glob>:<option>=<value>[;...]` sets any of
    the format and calibration options above for the ops whose location or
    op name matches the glob (the first matching override wins), e.g.
    `override=*classifier*:weight-type=si8;weight-scale=f32` or
    `override=linalg.batch_matmul:method=mse`. `skip=<text>` leaves ops whose
    location contains the text in float.

    Weights that are not constants leave their op in float with a remark,
    unless `dynamic-weights=true`: they are then quantized at run time with
    `vsquant.dynamic_quantize` (fp32 per-vector scales: a two-level coarse
    scale would need a static range).

    Activation scales are dynamic per vector (SPEC.md section 4). Static parts
    come from a calibration table written by `vsq-calibrate`
    (`calibration=<file>`, docs/Calibration.md): the coarse scale of two-level
    activations, `gamma = T / (2^M - 1)` with `T` the max or
    `act-percentile` of the per-vector scales seen (`act-method`), and with
    `act-granularity=tensor` a static per-tensor scale from the histogram of
    `|x|` with any `act-method`. Without a table, two-level activations take
    `T` from `act-range` (falling back to fp32 scales when it is 0) and
    per-tensor activations are quantized dynamically. A table that lacks an
    activation of the module, or gives it another shape, is an error.

    With `report=<file>` the pass writes, per quantized weight, the SQNR of
    the chosen format and, from the same run, of per-tensor and per-channel
    baselines at the same element width, and the bits per element with
    scales counted (JSON).
  }];
  let dependentDialects = ["::mlir::vsquant::VSQuantDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
  let options = [
    Option<"weightType", "weight-type", "std::string", "\"si4\"",
           "Weight element type: si2..si8 or ui2..ui8">,
    Option<"actType", "act-type", "std::string", "\"si8\"",
           "Activation element type: si2..si8 or ui2..ui8">,
    Option<"vectorSize", "vector-size", "int64_t", "16",
           "Elements per vector along the reduction axis">,
    Option<"weightGranularity", "weight-granularity", "std::string",
           "\"vector\"", "Weight scales: vector, channel or tensor">,
    Option<"actGranularity", "act-granularity", "std::string", "\"vector\"",
           "Activation scales: vector, token (one per row) or tensor">,
    Option<"weightScale", "weight-scale", "std::string", "\"ui4\"",
           "Weight scale type: f32 or ui<M> (two-level)">,
    Option<"actScale", "act-scale", "std::string", "\"f32\"",
           "Activation scale type: f32 or ui<M> (two-level, needs act-range)">,
    Option<"weightCoarse", "weight-coarse", "std::string", "\"channel\"",
           "Coarse scale of two-level weights: channel or tensor">,
    Option<"method", "method", "std::string", "\"max\"",
           "Weight calibration: max, percentile, mse, octav or entropy">,
    Option<"percentile", "percentile", "double", "99.99",
           "p of the percentile method">,
    Option<"mseGrid", "mse-grid", "int64_t", "100",
           "Grid points of the mse method">,
    Option<"scaleRound", "scale-round", "std::string", "\"ceil\"",
           "Rounding of two-level integer scales: ceil or nearest">,
    Option<"actRange", "act-range", "double", "0.0",
           "Activation threshold T giving the static coarse scale of "
           "two-level activations, gamma = T / (2^M - 1)">,
    Option<"calibrationPath", "calibration", "std::string", "\"\"",
           "Calibration table (vsq-calibrate) giving static activation "
           "scales">,
    Option<"actMethod", "act-method", "std::string", "\"max\"",
           "Activation threshold from calibration: max or percentile for "
           "two-level coarse scales; any method for static per-tensor scales">,
    Option<"actPercentile", "act-percentile", "double", "99.99",
           "p of the activation percentile method">,
    Option<"dualThreshold", "dual-threshold", "double", "0.0",
           "Dual-quantize weights whose mean squared quantization error "
           "exceeds this (Choukroun et al. 2019, 3.5); 0 disables">,
    Option<"dynamicWeights", "dynamic-weights", "bool", "false",
           "Quantize non-constant weights at run time (fp32 per-vector "
           "scales) instead of leaving their ops in float">,
    ListOption<"overrides_", "override", "std::string",
               "Per-layer options: <glob>:<option>=<value>[;<option>=<value>] "
               "for ops whose location or op name matches the glob; the "
               "first match wins">,
    ListOption<"skip", "skip", "std::string",
               "Leave ops in float whose location contains one of these">,
    Option<"reportPath", "report", "std::string", "\"\"",
           "Write a per-layer quantization report (JSON) to this file">,
    Option<"printReport", "print-report", "bool", "false",
           "Print the per-layer report as a table on stderr">,
    Option<"inlineLimit", "inline-limit", "int64_t", "4096",
           "Weights with more elements are stored as dense_resource">
  ];
}

#endif // VSQUANT_DIALECT_VSQUANT_TRANSFORMS_PASSES_TD
