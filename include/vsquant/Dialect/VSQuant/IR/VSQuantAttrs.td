//===- VSQuantAttrs.td - vsquant attributes and enums ------*- tablegen -*-===//

#ifndef VSQUANT_DIALECT_VSQUANT_IR_VSQUANTATTRS_TD
#define VSQUANT_DIALECT_VSQUANT_IR_VSQUANTATTRS_TD

include "vsquant/Dialect/VSQuant/IR/VSQuantDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def VSQuant_Granularity : I32EnumAttr<"Granularity",
    "what one scale factor covers", [
      I32EnumAttrCase<"PerTensor", 0, "per_tensor">,
      I32EnumAttrCase<"PerChannel", 1, "per_channel">,
      I32EnumAttrCase<"PerVector", 2, "per_vector">
    ]> {
  let cppNamespace = "::mlir::vsquant";
  let genSpecializedAttr = 0;
}

def VSQuant_RoundingMode : I32EnumAttr<"RoundingMode",
    "how x / S is rounded to an integer", [
      I32EnumAttrCase<"HalfToEven", 0, "rne">,
      I32EnumAttrCase<"HalfAwayFromZero", 1, "rna">
    ]> {
  let cppNamespace = "::mlir::vsquant";
  let genSpecializedAttr = 0;
}

def VSQuant_ScaleRounding : I32EnumAttr<"ScaleRounding",
    "how a two-level integer scale s / gamma is rounded", [
      I32EnumAttrCase<"Ceil", 0, "ceil">,
      I32EnumAttrCase<"Nearest", 1, "nearest">
    ]> {
  let cppNamespace = "::mlir::vsquant";
  let genSpecializedAttr = 0;
}

//===----------------------------------------------------------------------===//
// Format attribute
//===----------------------------------------------------------------------===//

def VSQuant_FormatAttr : AttrDef<VSQuant_Dialect, "Format"> {
  let mnemonic = "format";
  let summary = "How a tensor is quantized: elements, scale granularity, scales";
  let description = [{
    A format says how each element of a real tensor maps to an integer and
    which scale factor it shares with its neighbours (SPEC.md sections 1-3).

    * Element type: `si2`..`si8` (symmetric, narrow range `[-Q, Q]`,
      `Q = 2^(N-1) - 1`) or `ui2`..`ui8` (`[0, 2^N - 1]`).
    * Granularity: `per_vector(axis = a, size = V)` gives every run of `V`
      elements along axis `a` its own scale (the last run is shorter when the
      axis is not a multiple of `V`); `per_channel(axis = c)` gives every
      index of axis `c` one scale; `per_tensor` one scale for all.
    * Scale: `f32` (single level); `ui<M>` (two-level, VS-Quant: an `M`-bit
      unsigned integer per vector times a coarse fp32 scale `gamma` per
      tensor, `coarse = per_tensor`, or per channel,
      `coarse = per_channel(axis = c)`); `f8E8M0FNU` (power-of-two block
      scales as in MX) and `f8E4M3FN` (NVFP4-style block scales under a
      per-tensor fp32 scale) are representable but have no numerics yet.
    * `round`: `rne` (default) or `rna` for `x / S`.
    * `scale_round`: `ceil` (default, never clips a vector's largest element)
      or `nearest` for two-level integer scales.

    Defaults are omitted when printed.

    Example:

    ```mlir
    // 4-bit weights, 16-element vectors along axis 0 (K of a K x N weight),
    // 4-bit integer per-vector scales under a per-column fp32 scale.
    #w = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4,
                         coarse = per_channel(axis = 1)>
    // The 8-bit per-channel baseline.
    #b = #vsquant.format<si8, per_channel(axis = 1), scale = f32>
    ```

    Rejected (a coarse scale only exists for two-level scales):

    ```mlir
    #bad = #vsquant.format<si8, per_vector(axis = 0, size = 16), scale = f32,
                           coarse = per_tensor>
    ```
  }];
  let parameters = (ins
    "::mlir::IntegerType":$elementType,
    "::mlir::vsquant::Granularity":$granularity,
    "int64_t":$axis,
    "int64_t":$vectorSize,
    "::mlir::Type":$scaleType,
    "int64_t":$coarseAxis,
    "::mlir::vsquant::RoundingMode":$rounding,
    "::mlir::vsquant::ScaleRounding":$scaleRounding
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Axis value used where a granularity or coarse scale has no axis.
    static constexpr int64_t kNoAxis = -1;

    unsigned getElementBits() const { return getElementType().getWidth(); }
    bool isSignedElement() const { return getElementType().isSigned(); }
    /// Largest representable magnitude Q of the element format.
    int64_t getElementMax() const;
    /// Smallest representable integer of the element format (-Q or 0).
    int64_t getElementMin() const;

    bool isSingleLevel() const { return getScaleType().isF32(); }
    /// Two-level VS-Quant scales: an unsigned integer under a coarse scale.
    bool isTwoLevel() const;
    /// Bits of the integer scale in two-level mode (0 otherwise).
    unsigned getScaleBits() const;
    /// MX/NVFP4-style block scales: representable, no numerics yet.
    bool isBlockScale() const;
    /// Whether values in this format carry a coarse fp32 scale.
    bool hasCoarseScale() const;
    bool hasPerTensorCoarse() const { return getCoarseAxis() == kNoAxis; }

    /// Shape of the per-vector (or per-channel, per-tensor) scale grid of a
    /// tensor of `shape` in this format.
    ::llvm::SmallVector<int64_t> getScaleShape(::llvm::ArrayRef<int64_t> shape) const;
    /// Shape of the coarse scale tensor (rank 0 per tensor, 1-D per channel).
    ::llvm::SmallVector<int64_t> getCoarseShape(::llvm::ArrayRef<int64_t> shape) const;
    /// Checks the format against a tensor shape (axes in range, ...).
    ::llvm::LogicalResult verifyForShape(
        ::llvm::function_ref<::mlir::InFlightDiagnostic()> emitError,
        ::llvm::ArrayRef<int64_t> shape) const;
  }];
}

#endif // VSQUANT_DIALECT_VSQUANT_IR_VSQUANTATTRS_TD
