//===- VSQuantOps.td - vsquant operations ------------------*- tablegen -*-===//

#ifndef VSQUANT_DIALECT_VSQUANT_IR_VSQUANTOPS_TD
#define VSQUANT_DIALECT_VSQUANT_IR_VSQUANTOPS_TD

include "vsquant/Dialect/VSQuant/IR/VSQuantDialect.td"
include "vsquant/Dialect/VSQuant/IR/VSQuantTypes.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def VSQuant_F32Tensor : RankedTensorOf<[F32]>;
def VSQuant_ScaleTensor : RankedTensorOf<[F32, AnySignlessInteger,
                                           F8E8M0FNU, F8E4M3FN]>;
def VSQuant_ComputeResult : AnyTypeOf<[VSQuant_F32Tensor, VSQuant_TensorType],
    "fp32 tensor or vsquant tensor">;

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

def VSQuant_QuantizeOp : VSQuant_Op<"quantize", [Pure]> {
  let summary = "Quantize an fp32 tensor with given (static) scales";
  let description = [{
    Quantizes `input` into the result's format with the scale grid `scales`
    (and `coarse` scales in two-level mode) given as operands:
    `q = clamp(round(x / S))` with `S` the vector's scale (`f32` mode) or
    `f32(sq * gamma)` (two-level mode), per SPEC.md sections 2-3.

    `scales` has the shape of the format's scale grid: the input shape with
    the vector axis divided (rounding up) by the vector size for
    `per_vector`, `[dim(c)]` for `per_channel(axis = c)`, rank 0 for
    `per_tensor`. Its elements are `f32` for single-level scales and a
    signless integer at least `M` bits wide (read as unsigned) for `ui<M>`.
    `coarse` is present exactly when the format has a coarse scale: rank 0
    for `coarse = per_tensor`, `[dim(c)]` for `coarse = per_channel(axis = c)`.

    Example:

    ```mlir
    %q = vsquant.quantize %x scales(%s : tensor<4x2xi8>) coarse(%g : tensor<f32>)
        : tensor<4x32xf32> -> !vsquant.tensor<4x32, #vsquant.format<si4,
            per_vector(axis = 1, size = 16), scale = ui4>>
    ```

    Rejected (the scale grid of a 4x32 tensor with 16-element vectors along
    axis 1 is 4x2, not 4x4):

    ```mlir
    %q = vsquant.quantize %x scales(%s : tensor<4x4xf32>)
        : tensor<4x32xf32> -> !vsquant.tensor<4x32, #vsquant.format<si8,
            per_vector(axis = 1, size = 16), scale = f32>>
    ```
  }];
  let arguments = (ins VSQuant_F32Tensor:$input,
                       VSQuant_ScaleTensor:$scales,
                       Optional<VSQuant_F32Tensor>:$coarse);
  let results = (outs VSQuant_TensorType:$result);
  let assemblyFormat = [{
    $input `scales` `(` $scales `:` type($scales) `)`
    (`coarse` `(` $coarse^ `:` type($coarse) `)`)?
    attr-dict `:` type($input) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

def VSQuant_DynamicQuantizeOp : VSQuant_Op<"dynamic_quantize", [Pure]> {
  let summary = "Quantize an fp32 tensor with scales computed at run time";
  let description = [{
    Quantizes `input` into the result's format, computing each vector's (or
    channel's, or the tensor's) scale at run time with the `max` method:
    `s_v = max|x_v| / Q` (SPEC.md section 4, activations; unsigned formats
    take `max(x_v, 0)`, their negatives clamping to 0). In two-level mode
    the coarse scale `gamma` is static and given as the `coarse` operand
    (from calibration); the integer scale then clamps to `2^M - 1` where
    `s_v` exceeds what `gamma` can express.

    Example:

    ```mlir
    %q = vsquant.dynamic_quantize %x coarse(%g : tensor<f32>)
        : tensor<4x32xf32> -> !vsquant.tensor<4x32, #vsquant.format<si8,
            per_vector(axis = 1, size = 16), scale = ui4>>
    ```

    Rejected (a two-level format needs its static coarse scale):

    ```mlir
    %q = vsquant.dynamic_quantize %x
        : tensor<4x32xf32> -> !vsquant.tensor<4x32, #vsquant.format<si8,
            per_vector(axis = 1, size = 16), scale = ui4>>
    ```
  }];
  let arguments = (ins VSQuant_F32Tensor:$input,
                       Optional<VSQuant_F32Tensor>:$coarse);
  let results = (outs VSQuant_TensorType:$result);
  let assemblyFormat = [{
    $input (`coarse` `(` $coarse^ `:` type($coarse) `)`)?
    attr-dict `:` type($input) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

def VSQuant_DequantizeOp : VSQuant_Op<"dequantize", [Pure]> {
  let summary = "Expand a quantized tensor back to fp32";
  let description = [{
    `xhat = q * S` per element, with `S` the element's scale. In two-level
    mode `xhat = f32(q * sq) * gamma`: the integer product is exact, so the
    result is rounded once (SPEC.md section 3).

    Example:

    ```mlir
    %x = vsquant.dequantize %q : !vsquant.tensor<4x32, #vsquant.format<si8,
        per_tensor, scale = f32>> -> tensor<4x32xf32>
    ```

    Rejected (the shapes differ):

    ```mlir
    %x = vsquant.dequantize %q : !vsquant.tensor<4x32, #vsquant.format<si8,
        per_tensor, scale = f32>> -> tensor<4x16xf32>
    ```
  }];
  let arguments = (ins VSQuant_TensorType:$input);
  let results = (outs VSQuant_F32Tensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` type($result)
  }];
  let hasVerifier = 1;
}

def VSQuant_ConstantOp : VSQuant_Op<"constant", [ConstantLike, Pure]> {
  let summary = "A tensor quantized at compile time (packed weights)";
  let description = [{
    Holds the integer elements (`values`), the scale grid (`scales`) and, in
    two-level mode, the coarse scales (`coarse`) of a tensor quantized at
    compile time. Any of them may be `dense` or `dense_resource` data, so
    large weights need not be printed inline.

    `values` is a tensor of the result's shape with signless integer
    elements at least as wide as the element format (read as signed for
    `si<N>`, unsigned for `ui<N>`); every dense value must lie in the
    element format's range. `scales` and `coarse` follow the same rules as
    the operands of `vsquant.quantize`.

    Example:

    ```mlir
    %w = vsquant.constant values(dense<[[1, -7], [3, 0]]> : tensor<2x2xi8>)
        scales(dense<[0.5, 0.25]> : tensor<2xf32>)
        : !vsquant.tensor<2x2, #vsquant.format<si4, per_channel(axis = 1), scale = f32>>
    ```

    Rejected (`-8` is outside `si4`'s narrow range `[-7, 7]`):

    ```mlir
    %w = vsquant.constant values(dense<[[1, -8], [3, 0]]> : tensor<2x2xi8>)
        scales(dense<[0.5, 0.25]> : tensor<2xf32>)
        : !vsquant.tensor<2x2, #vsquant.format<si4, per_channel(axis = 1), scale = f32>>
    ```
  }];
  let arguments = (ins TypedAttrInterface:$values,
                       TypedAttrInterface:$scales,
                       OptionalAttr<TypedAttrInterface>:$coarse);
  let results = (outs VSQuant_TensorType:$result);
  let assemblyFormat = [{
    `values` `(` $values `)` `scales` `(` $scales `)`
    (`coarse` `(` $coarse^ `)`)? attr-dict `:` qualified(type($result))
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Compute
//===----------------------------------------------------------------------===//

class VSQuant_ComputeOp<string mnemonic, list<Trait> traits = []>
    : VSQuant_Op<mnemonic, !listconcat(traits, [Pure, AttrSizedOperandSegments])> {
  let hasVerifier = 1;
}

def VSQuant_MatmulOp : VSQuant_ComputeOp<"matmul"> {
  let summary = "Matrix product of two per-vector scaled matrices";
  let description = [{
    `Y = A * B` with `A: M x K` quantized along `K` (axis 1) and `B: K x N`
    quantized along `K` (axis 0). Each vector's integer dot product is
    scaled by the product of the two vectors' scales and accumulated
    (SPEC.md section 5); with two-level scales the accumulation is exact in
    integers and the coarse scales are applied once at the end.

    Both operands' scales must be factorable out of the dot products: a
    `per_vector` format must run along `K`, a `per_channel` format along the
    other axis (rows of `A`, columns of `B`), and two `per_vector` operands
    must share one vector size (an operand whose scale covers all of `K`
    pairs with any).

    An optional `bias` (`tensor<Nxf32>`) is added and `relu` applied after
    scaling. The result is an fp32 `M x N` tensor, or, when the result type
    is a `!vsquant.tensor`, the output re-quantized with dynamic per-vector
    scales (its static coarse scale as `out_coarse`).

    Example:

    ```mlir
    %y = vsquant.matmul %a, %b bias(%bias : tensor<8xf32>) relu
        : !vsquant.tensor<4x32, #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = ui4>>,
          !vsquant.tensor<32x8, #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4,
                              coarse = per_channel(axis = 1)>>
        -> tensor<4x8xf32>
    ```

    Rejected (`B` is quantized along `N`, not along the reduction axis):

    ```mlir
    %y = vsquant.matmul %a, %b
        : !vsquant.tensor<4x32, #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>>,
          !vsquant.tensor<32x8, #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>>
        -> tensor<4x8xf32>
    ```
  }];
  let arguments = (ins VSQuant_TensorType:$lhs, VSQuant_TensorType:$rhs,
                       Optional<VSQuant_F32Tensor>:$bias,
                       Optional<VSQuant_F32Tensor>:$out_coarse,
                       UnitAttr:$relu);
  let results = (outs VSQuant_ComputeResult:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`bias` `(` $bias^ `:` type($bias) `)`)?
    (`out_coarse` `(` $out_coarse^ `:` type($out_coarse) `)`)?
    (`relu` $relu^)? attr-dict `:` qualified(type($lhs)) `,`
    qualified(type($rhs)) `->` qualified(type($result))
  }];
}

def VSQuant_BatchMatmulOp : VSQuant_ComputeOp<"batch_matmul"> {
  let summary = "Batched matrix product of per-vector scaled tensors";
  let description = [{
    `Y[b] = A[b] * B[b]` with `A: Bt x M x K` quantized along `K` (axis 2) and
    `B: Bt x K x N` quantized along `K` (axis 1); otherwise as
    `vsquant.matmul`. A `per_channel` scale may run along any non-reduction
    axis (for example per batch and row of `A`).

    Example:

    ```mlir
    %y = vsquant.batch_matmul %a, %b
        : !vsquant.tensor<2x4x32, #vsquant.format<si8, per_vector(axis = 2, size = 16), scale = f32>>,
          !vsquant.tensor<2x32x8, #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>>
        -> tensor<2x4x8xf32>
    ```

    Rejected (batch sizes differ):

    ```mlir
    %y = vsquant.batch_matmul %a, %b
        : !vsquant.tensor<2x4x32, #vsquant.format<si8, per_vector(axis = 2, size = 16), scale = f32>>,
          !vsquant.tensor<3x32x8, #vsquant.format<si8, per_vector(axis = 1, size = 16), scale = f32>>
        -> tensor<2x4x8xf32>
    ```
  }];
  let arguments = (ins VSQuant_TensorType:$lhs, VSQuant_TensorType:$rhs,
                       Optional<VSQuant_F32Tensor>:$bias,
                       Optional<VSQuant_F32Tensor>:$out_coarse,
                       UnitAttr:$relu);
  let results = (outs VSQuant_ComputeResult:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`bias` `(` $bias^ `:` type($bias) `)`)?
    (`out_coarse` `(` $out_coarse^ `:` type($out_coarse) `)`)?
    (`relu` $relu^)? attr-dict `:` qualified(type($lhs)) `,`
    qualified(type($rhs)) `->` qualified(type($result))
  }];
}

def VSQuant_Conv2DOp : VSQuant_ComputeOp<"conv2d"> {
  let summary = "2-D convolution of per-vector scaled NHWC input and HWCF filter";
  let description = [{
    Convolution of `input: N x H x W x C` (quantized along `C`, axis 3) with
    `filter: KH x KW x C x F` (quantized along `C`, axis 2). Every output
    sums the per-vector scaled integer dot products over `(kh, kw, vector)`
    (SPEC.md section 5). `strides` and `dilations` are `[h, w]`, `padding`
    is `[top, left, bottom, right]` zero padding (zero is exact in every
    format). The filter's coarse scale, if any, is per tensor or per output
    channel (`coarse = per_channel(axis = 3)`). Optional `bias`
    (`tensor<Fxf32>`), `relu` and re-quantized results as `vsquant.matmul`.

    Example:

    ```mlir
    %y = vsquant.conv2d %x, %w {strides = array<i64: 2, 2>,
                                padding = array<i64: 1, 1, 1, 1>}
        : !vsquant.tensor<1x8x8x32, #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>>,
          !vsquant.tensor<3x3x32x4, #vsquant.format<si4, per_vector(axis = 2, size = 16), scale = f32>>
        -> tensor<1x4x4x4xf32>
    ```

    Rejected (the output of an 8x8 input with a 3x3 filter, stride 2 and
    padding 1 is 4x4):

    ```mlir
    %y = vsquant.conv2d %x, %w {strides = array<i64: 2, 2>,
                                padding = array<i64: 1, 1, 1, 1>}
        : !vsquant.tensor<1x8x8x32, #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>>,
          !vsquant.tensor<3x3x32x4, #vsquant.format<si4, per_vector(axis = 2, size = 16), scale = f32>>
        -> tensor<1x8x8x4xf32>
    ```
  }];
  let arguments = (ins VSQuant_TensorType:$input, VSQuant_TensorType:$filter,
                       Optional<VSQuant_F32Tensor>:$bias,
                       Optional<VSQuant_F32Tensor>:$out_coarse,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$padding,
                       UnitAttr:$relu);
  let results = (outs VSQuant_ComputeResult:$result);
  let assemblyFormat = [{
    $input `,` $filter (`bias` `(` $bias^ `:` type($bias) `)`)?
    (`out_coarse` `(` $out_coarse^ `:` type($out_coarse) `)`)?
    (`relu` $relu^)? attr-dict `:` qualified(type($input)) `,`
    qualified(type($filter)) `->` qualified(type($result))
  }];
}

def VSQuant_DepthwiseConv2DOp : VSQuant_ComputeOp<"depthwise_conv2d"> {
  let summary = "Depthwise 2-D convolution of an NHWC input and a per-window "
                "quantized filter";
  let description = [{
    Depthwise convolution (one filter per channel, channel multiplier 1) of
    `input: N x H x W x C` with a filter of `kernel_size = [KH, KW]` stored
    as `filter: (KH * KW) x C`, row `kh * KW + kw`. The only reduction of a
    depthwise convolution is the window, so the filter is quantized in
    vectors along axis 0 (the flattened window, SPEC.md section 5: "vectors
    along the reduction axis that exists"); with `KH * KW <= V` one vector
    covers the window and the scheme equals per-channel scaling. Its coarse
    scale, if any, is per tensor or per channel (`per_channel(axis = 1)`).

    The input cannot have vectors along the window (windows overlap), so it
    is quantized per tensor, per channel (`axis = 3`) or in vectors along
    `C` (`axis = 3`): every product then carries its own scale product,
    `Y[n,oh,ow,c] = sum over (kh, kw) in row-major order of
    f32(sx * sw) * f32(qx * qw)` for fp32 scales; with two-level scales on
    both operands the sum of `sqx * sqw * qx * qw` is exact in integers and
    the coarse scales multiply it once. `strides`, `dilations`, `padding`,
    `bias` (`tensor<Cxf32>`), `relu` and re-quantized results are as for
    `vsquant.conv2d`.

    Example (3x3 depthwise, 32 channels):

    ```mlir
    %y = vsquant.depthwise_conv2d %x, %w {kernel_size = array<i64: 3, 3>,
                                          padding = array<i64: 1, 1, 1, 1>}
        : !vsquant.tensor<1x8x8x32, #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>>,
          !vsquant.tensor<9x32, #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>>
        -> tensor<1x8x8x32xf32>
    ```

    Rejected (a 3x3 window has 9 rows, not 16):

    ```mlir
    %y = vsquant.depthwise_conv2d %x, %w {kernel_size = array<i64: 3, 3>}
        : !vsquant.tensor<1x8x8x32, #vsquant.format<si8, per_vector(axis = 3, size = 16), scale = f32>>,
          !vsquant.tensor<16x32, #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = f32>>
        -> tensor<1x6x6x32xf32>
    ```
  }];
  let arguments = (ins VSQuant_TensorType:$input, VSQuant_TensorType:$filter,
                       Optional<VSQuant_F32Tensor>:$bias,
                       Optional<VSQuant_F32Tensor>:$out_coarse,
                       DenseI64ArrayAttr:$kernel_size,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$padding,
                       UnitAttr:$relu);
  let results = (outs VSQuant_ComputeResult:$result);
  let assemblyFormat = [{
    $input `,` $filter (`bias` `(` $bias^ `:` type($bias) `)`)?
    (`out_coarse` `(` $out_coarse^ `:` type($out_coarse) `)`)?
    (`relu` $relu^)? attr-dict `:` qualified(type($input)) `,`
    qualified(type($filter)) `->` qualified(type($result))
  }];
}

//===----------------------------------------------------------------------===//
// Vector-level kernel ops
//===----------------------------------------------------------------------===//

def VSQuant_DotAccumulateOp : VSQuant_Op<"dot_accumulate",
    [Pure, AllTypesMatch<["acc", "result"]>, AllTypesMatch<["lhs", "rhs"]>]> {
  let summary = "Add the dot products of 4-byte groups to 32-bit lanes";
  let description = [{
    The inner step of `vsquant-tile-vectors` kernels, the semantics of the
    CPUs' int8 dot-product instructions: lane `i` of the result is
    `acc[i] + sum_{t<4} lhs[4i+t] * rhs[4i+t]`, exactly, with `rhs` bytes
    signed and `lhs` bytes signed or, with `lhs_unsigned`, unsigned. The
    producer guarantees that the sum fits in i32.

    It exists so that kernels stay pure vector IR (bufferization and buffer
    deallocation reject the side-effecting `llvm.call_intrinsic`) until
    `convert-vsquant-dot-to-llvm` picks the instruction: `vpdpbusd`
    (AVX-512 VNNI, unsigned `lhs`, 16 lanes), `vpmaddubsw` + `vpmaddwd`
    (AVX2, 8 lanes; exact when each pair of products fits in i16, which
    vsquant-tile-vectors checks from the formats), or portable vector
    arithmetic.

    Example:

    ```mlir
    %d = vsquant.dot_accumulate %acc, %a, %w lhs_unsigned
        : vector<16xi32>, vector<64xi8>
    ```

    Rejected (64 bytes are 16 groups of 4, not 8):

    ```mlir
    %d = vsquant.dot_accumulate %acc, %a, %w : vector<8xi32>, vector<64xi8>
    ```
  }];
  let arguments = (ins VectorOfRankAndType<[1], [I32]>:$acc,
                       VectorOfRankAndType<[1], [I8]>:$lhs,
                       VectorOfRankAndType<[1], [I8]>:$rhs,
                       UnitAttr:$lhs_unsigned);
  let results = (outs VectorOfRankAndType<[1], [I32]>:$result);
  let assemblyFormat = [{
    $acc `,` $lhs `,` $rhs (`lhs_unsigned` $lhs_unsigned^)? attr-dict `:`
    type($acc) `,` type($lhs)
  }];
  let hasVerifier = 1;
}

#endif // VSQUANT_DIALECT_VSQUANT_IR_VSQUANTOPS_TD
