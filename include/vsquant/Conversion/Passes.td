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

def VSQuantTileVectors : Pass<"vsquant-tile-vectors", "ModuleOp"> {
  let summary = "Lower vsquant contractions to register-tiled loops that run "
                "one int8 dot-product instruction per vector";
  let description = [{
    The reference lowering (`convert-vsquant-to-linalg`) is exact but runs at
    the speed of generic loops. This pass lowers `vsquant.matmul`,
    `vsquant.batch_matmul` and `vsquant.conv2d` to code whose inner loop is
    the CPU's int8 dot-product instruction, with the same bit-exact result:

    * the weights are repacked at compile time into the operand layout of the
      instruction (4-bit weights stay two per byte and are unpacked in
      registers, integer scales stay bytes); weights computed at run time
      (both operands activations, every batch_matmul) are packed into the
      same layout by the generated code on each call, one byte per element;
      `vpdpbusd` multiplies unsigned
      by signed bytes, so with signed activations the weights are stored
      with a bias (q + 128, or q + 8 per nibble) and each dot product starts
      from -bias times the activations' vector sum, computed once per row;
    * the output is cut into register tiles (`rows` x `column-blocks` SIMD
      widths; chosen from the target and the shape when 0); column tiles
      are the outer loop (each weight panel is reused by every row tile)
      and, with `num-threads` > 1, the tiles are split into one contiguous
      share per thread under an `scf.parallel` of exactly that many
      iterations, which becomes an OpenMP loop of one chunk per thread;
    * a single-row (GEMV) tile of 4-bit weights streams them from memory
      once: each column block's stream is prefetched `prefetch-distance`
      bytes ahead, and its per-vector scales as many vectors ahead (the
      hardware prefetchers alone left a cold 4-bit GEMV on two threads
      about 10% slower, and unprefetched scales another 1-6%);
    * per tile and vector j (increasing): one exact integer dot product
      (`vpdpbusd` on `avx512vnni`; `vpmaddubsw` + `vpmaddwd` on `avx2`),
      then SPEC.md section 5's scale product and accumulation (two-level:
      exact i32 over chunks of vectors that cannot overflow, i64 across
      chunks, or i64 terms when one term can exceed i32; single level: fp32
      `f32(sA sB) * f32(dot)` from 0);
    * a conv2d is the same contraction over an implicit im2col: rows are
      output pixels (n, oh, ow), vectors are (kh, kw, channel vector) in
      SPEC.md's summation order, read in place from the input padded once
      (window border, C to whole vectors); the filter becomes a
      (taps x vectors x V) x F weight matrix at compile time.

    Everything the tiled kernel does not handle (depthwise_conv2d, a
    convolution filter not known at compile time, unsigned or wider than
    8-bit right operands, vectors of different sizes on the two operands,
    dynamic shapes, AVX2 pairs that could saturate) goes through the
    reference lowering in the same conversion, so the pass always removes
    every vsquant op but the `vsquant.dot_accumulate` steps, which
    `convert-vsquant-dot-to-llvm` lowers after bufferization.

    Example: `vsq-opt --vsquant-tile-vectors="target=avx512vnni rows=4
    column-blocks=2"`.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"host\"",
           "Instruction set: host (this machine), avx512vnni, avx2 or none "
           "(reference lowering only)">,
    Option<"rows", "rows", "int64_t", /*default=*/"0",
           "Output rows per register tile (0: chosen from target and shape)">,
    Option<"columnBlocks", "column-blocks", "int64_t", /*default=*/"0",
           "SIMD-wide column blocks per register tile (0: chosen)">,
    Option<"numThreads", "num-threads", "int64_t", /*default=*/"1",
           "Threads the column tiles are shared among (scf.parallel)">,
    Option<"minMacsPerThread", "min-macs-per-thread", "int64_t",
           /*default=*/"1048576",
           "Fewer threads for a contraction with fewer multiply-accumulates "
           "than this per thread (0: always num-threads)">,
    Option<"prefetchDistance", "prefetch-distance", "int64_t",
           /*default=*/"-1",
           "Prefetch weights packed at compile time this many bytes ahead "
           "in each column block's stream, and its scales as many "
           "vectors ahead (0: never; -1: 2048 for 4-bit weights in "
           "single-row tiles, else never)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
}

def VSQuantVectorizeElementwise
    : Pass<"vsquant-vectorize-elementwise", "func::FuncOp"> {
  let summary = "Tile the elementwise linalg ops around the kernels to their "
                "innermost dimensions and vectorize them";
  let description = [{
    After vsquant is lowered, the quantization of activations, padding, the
    packing of run-time weights, bias and dequantization are linalg.generic
    ops. Lowered to scalar loops they are left to LLVM's loop vectorizer,
    which fully unrolls short innermost loops (a vector of 16 elements) and
    vectorizes the next loop out with gathers and byte scatters: quantizing
    the activations then costs several times the int8 matmul that uses them.
    This pass tiles each such op (static shapes, projected-permutation maps,
    output written along the last loop) so that one tile covers its innermost
    contiguous extent (at most 256 elements) and its whole reductions, and
    vectorizes the tiles with upstream's linalg vectorizer.

    Results stay bit-identical: only elementwise ops and reductions whose
    combiner is order-free (max, min, integer sums) are vectorized; float
    sums keep their loops and their order.

    Example: `vsq-opt --pass-pipeline="builtin.module(func.func(vsquant-vectorize-elementwise))"`.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
}

def VSQuantMoveReductionsOutward
    : Pass<"vsquant-move-reductions-outward", "func::FuncOp"> {
  let summary = "Put the reduction loops of linalg ops just outside their "
                "innermost parallel loop";
  let description = [{
    `convert-linalg-to-loops` nests loops in iteration-space order, so a
    matmul left to loops (float layers, what the kernels do not take) runs
    its reduction innermost over a column of B, a strided walk LLVM does not
    vectorize. This pass interchanges every linalg op with reductions (named
    ops are generalized first) to (parallel..., reductions..., last
    parallel): `(m, n, k) -> (m, k, n)` for a matmul, whose innermost loop
    then walks contiguous rows. Every output element still sums its terms in
    the same order, so results are bit-identical.

    Example: `vsq-opt --vsquant-move-reductions-outward`.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def VSQuantStridedCopiesToLoops
    : Pass<"vsquant-strided-copies-to-loops", "func::FuncOp"> {
  let summary = "Rewrite memref.copy between non-contiguous buffers as "
                "an elementwise linalg.generic";
  let description = [{
    Bufferization turns a concat, a pad or an insert into a slice into
    `memref.copy` into a strided subview, and `finalize-memref-to-llvm`
    lowers every copy that is not one contiguous row-major run to a call to
    the C runner utils' `memrefCopy`: a generic loop that recomputes each
    element's address from the descriptor (and that a compiled model must
    link). This pass rewrites those copies as elementwise `linalg.generic`
    ops on the buffers, which `vsquant-vectorize-elementwise` then turns
    into SIMD loads and stores (the CPU pipeline runs it again after this
    pass). Contiguous copies (they become `memcpy`) and unranked ones are
    left alone. Runs on buffers, after bufferization.

    Example: `vsq-opt --vsquant-strided-copies-to-loops`.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def VSQuantOutlineLoopNests
    : Pass<"vsquant-outline-loop-nests", "ModuleOp"> {
  let summary = "Move each top-level loop nest of a function into a "
                "function of its own";
  let description = [{
    The CPU pipeline lowers a whole model into one function, every layer's
    loop nests one after another. LLVM's loop passes cost more per loop the
    larger the function (ScalarEvolution's guard queries walk the dominator
    tree; dominator-tree updates after each transformation): a PP-OCRv4
    recogniser spent over a minute in LLVM's O3 pipeline. This pass moves
    every top-level op with regions (`scf.for`, `scf.parallel`,
    `omp.parallel`, ...) of a function that has at least `min-nests` of
    them into a private function `<name>_nest<i>` with internal linkage and
    LLVM's `noinline`, and calls it in its place. Constants and
    `memref.get_global` ops the nest uses are cloned into it, so trip
    counts and constant weights stay visible to LLVM; other values become
    arguments. Runs on buffers, after the loops are made.

    Utility: `outlineLoopNests` (OutlineLoopNests.h).

    Example: `vsq-opt --vsquant-outline-loop-nests`.

    ```mlir
    // Before: two nests in @main.
    func.func @main(%a: memref<4xf32>, %b: memref<4xf32>) {
      %c0 = arith.constant 0 : index
      %c4 = arith.constant 4 : index
      %c1 = arith.constant 1 : index
      scf.for %i = %c0 to %c4 step %c1 { ... }
      scf.for %i = %c0 to %c4 step %c1 { ... }
      return
    }
    // After: @main calls @main_nest0(%a, %b) and @main_nest1(%a, %b), each
    // of which holds its own copies of %c0, %c4 and %c1 and one loop.
    ```
  }];
  let options = [
    Option<"minNests", "min-nests", "unsigned", /*default=*/"2",
           "Outline only in functions with at least this many nests">,
  ];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def ConvertVSQuantDotToLLVM : Pass<"convert-vsquant-dot-to-llvm"> {
  let summary = "Lower vsquant.dot_accumulate to the target's int8 "
                "dot-product instructions";
  let description = [{
    Tiled kernels (`vsquant-tile-vectors`) keep their inner step as the pure
    `vsquant.dot_accumulate` through bufferization, because buffer
    deallocation rejects ops with unknown side effects such as
    `llvm.call_intrinsic`. This pass, run after bufferization, picks the
    instruction: `llvm.x86.avx512.vpdpbusd.{128,256,512}` for `avx512vnni`
    (unsigned lhs), `llvm.x86.avx2.pmadd.ub.sw` + `llvm.x86.avx2.pmadd.wd`
    (with `vpsignb` / `vpabsb` for a signed lhs) for 8 lanes on `avx2` and
    `avx512vnni`, and widening vector arithmetic otherwise (`none`).

    Patterns: `populateVSQuantDotToLLVMPatterns`.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"host\"",
           "Instruction set: host, avx512vnni, avx2 or none">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
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
