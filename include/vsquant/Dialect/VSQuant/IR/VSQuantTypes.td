//===- VSQuantTypes.td - vsquant types ---------------------*- tablegen -*-===//

#ifndef VSQUANT_DIALECT_VSQUANT_IR_VSQUANTTYPES_TD
#define VSQUANT_DIALECT_VSQUANT_IR_VSQUANTTYPES_TD

include "vsquant/Dialect/VSQuant/IR/VSQuantAttrs.td"
include "mlir/IR/AttrTypeBase.td"

def VSQuant_TensorType : TypeDef<VSQuant_Dialect, "QTensor"> {
  let mnemonic = "tensor";
  let summary = "A tensor quantized with per-vector (or coarser) scales";
  let description = [{
    A value of this type is a tensor of integers in the element format of
    its `#vsquant.format`, together with its scale grid (and coarse scales
    in two-level mode). The shape is the shape of the real tensor it stands
    for; dimensions may be dynamic (`?`) except where an op needs them.

    Example:

    ```mlir
    !vsquant.tensor<64x128, #vsquant.format<si4, per_vector(axis = 1, size = 16), scale = ui4>>
    ```

    Rejected (the vector axis does not exist in a 2-D tensor):

    ```mlir
    !vsquant.tensor<64x128, #vsquant.format<si4, per_vector(axis = 2, size = 16), scale = f32>>
    ```
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t">:$shape,
    "::mlir::vsquant::FormatAttr":$format
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    int64_t getRank() const { return getShape().size(); }
    /// Shape of the scale grid of this tensor.
    ::llvm::SmallVector<int64_t> getScaleShape() const {
      return getFormat().getScaleShape(getShape());
    }
    /// Shape of the coarse scale tensor of this tensor.
    ::llvm::SmallVector<int64_t> getCoarseShape() const {
      return getFormat().getCoarseShape(getShape());
    }
    /// The fp32 tensor type this quantized tensor stands for.
    ::mlir::RankedTensorType getExpressedType() const;
  }];
}

#endif // VSQUANT_DIALECT_VSQUANT_IR_VSQUANTTYPES_TD
