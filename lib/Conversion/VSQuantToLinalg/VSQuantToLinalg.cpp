//===- VSQuantToLinalg.cpp - Reference lowering of vsquant ops ------------===//
//
// Every !vsquant.tensor becomes (values, scales[, coarse]) plain tensors and
// every op linalg on tensors computing SPEC.md sections 2-5 exactly. Vectors
// along an axis are made explicit by padding the axis to a multiple of V with
// zeros and splitting it into (J, V): scale grids then index the blocked
// tensor with projected permutations.
//
//===----------------------------------------------------------------------===//

#include "vsquant/Conversion/Passes.h"
#include "vsquant/Dialect/VSQuant/IR/VSQuant.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace mlir {
namespace vsquant {
#define GEN_PASS_DEF_CONVERTVSQUANTTOLINALG
#define GEN_PASS_DEF_VERIFYVSQUANTLOWERED
#include "vsquant/Conversion/Passes.h.inc"
} // namespace vsquant
} // namespace mlir

using namespace mlir;
using namespace mlir::vsquant;

namespace {

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

/// Integer scales sq of a two-level format: i8 up to ui8, else i16 (as
/// vsquant.constant stores them), read as unsigned.
Type integerScaleType(FormatAttr format) {
  return IntegerType::get(format.getContext(),
                          format.getScaleBits() <= 8 ? 8 : 16);
}

/// The plain tensors a quantized tensor lowers to.
struct Parts {
  Value values, scales, coarse;
  static Parts of(ValueRange range) {
    return {range[0], range[1], range.size() > 2 ? range[2] : Value()};
  }
  SmallVector<Value> list() const {
    SmallVector<Value> all = {values, scales};
    if (coarse)
      all.push_back(coarse);
    return all;
  }
};

//===----------------------------------------------------------------------===//
// Small builders
//===----------------------------------------------------------------------===//

Value f32Constant(OpBuilder &b, Location loc, double v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(float(v)));
}

Value intConstant(OpBuilder &b, Location loc, Type type, int64_t v) {
  return arith::ConstantOp::create(b, loc, IntegerAttr::get(type, v));
}

Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                  Type element) {
  return tensor::EmptyOp::create(b, loc, shape, element);
}

Value filledTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                   Value scalar) {
  Value empty = emptyTensor(b, loc, shape, scalar.getType());
  return linalg::FillOp::create(b, loc, scalar, empty).getResult(0);
}

SmallVector<utils::IteratorType> iterators(unsigned rank,
                                           ArrayRef<unsigned> reductions) {
  SmallVector<utils::IteratorType> types(rank, utils::IteratorType::parallel);
  for (unsigned r : reductions)
    types[r] = utils::IteratorType::reduction;
  return types;
}

/// Widens a stored element or integer scale (i8/i16) to `to`.
Value extend(OpBuilder &b, Location loc, Value v, Type to, bool isSigned) {
  if (v.getType() == to)
    return v;
  return isSigned ? Value(arith::ExtSIOp::create(b, loc, to, v))
                  : Value(arith::ExtUIOp::create(b, loc, to, v));
}

//===----------------------------------------------------------------------===//
// Vectors made explicit
//===----------------------------------------------------------------------===//

/// A tensor of `shape` in `format`, seen with its vector axis a split into
/// (J, V): blocked dims are [0..a-1, J, V, a+1..]. Tensors without per-vector
/// scales are not split.
struct BlockedView {
  SmallVector<int64_t> shape;
  FormatAttr format;
  int64_t axis = -1; ///< vector axis, -1 when not per vector
  int64_t vectorSize = 0, blocks = 0;

  BlockedView(ArrayRef<int64_t> shape, FormatAttr format)
      : shape(shape), format(format) {
    if (format && format.getGranularity() == Granularity::PerVector) {
      axis = format.getAxis();
      vectorSize = format.getVectorSize();
      blocks = llvm::divideCeil(shape[axis], vectorSize);
    }
  }
  bool isSplit() const { return axis >= 0; }
  unsigned rank() const { return shape.size() + (isSplit() ? 1 : 0); }
  SmallVector<int64_t> blockedShape() const {
    SmallVector<int64_t> s(shape);
    if (isSplit()) {
      s[axis] = blocks;
      s.insert(s.begin() + axis + 1, vectorSize);
    }
    return s;
  }
  /// Blocked dims -> scale grid dims.
  AffineMap gridMap(MLIRContext *ctx) const {
    SmallVector<AffineExpr> results;
    switch (format.getGranularity()) {
    case Granularity::PerTensor:
      break;
    case Granularity::PerChannel:
      results.push_back(getAffineDimExpr(format.getAxis(), ctx));
      break;
    case Granularity::PerVector:
      for (unsigned d = 0; d < rank(); ++d)
        if (int64_t(d) != axis + 1)
          results.push_back(getAffineDimExpr(d, ctx));
      break;
    }
    return AffineMap::get(rank(), 0, results, ctx);
  }
  /// Scale grid dims -> coarse dims (a per-vector grid keeps the rank).
  AffineMap coarseMapOnGrid(MLIRContext *ctx) const {
    unsigned gridRank = format.getScaleShape(shape).size();
    if (!format.hasCoarseScale() || format.hasPerTensorCoarse())
      return AffineMap::get(gridRank, 0, {}, ctx);
    return AffineMap::get(gridRank, 0,
                          getAffineDimExpr(format.getCoarseAxis(), ctx));
  }
  AffineMap identity(MLIRContext *ctx) const {
    return AffineMap::getMultiDimIdentityMap(rank(), ctx);
  }

  /// Pads the vector axis with zeros to J * V and splits it.
  Value block(OpBuilder &b, Location loc, Value t) const {
    if (!isSplit())
      return t;
    auto type = cast<RankedTensorType>(t.getType());
    int64_t padded = blocks * vectorSize;
    if (padded != shape[axis]) {
      SmallVector<int64_t> low(shape.size(), 0), high(shape.size(), 0);
      high[axis] = padded - shape[axis];
      SmallVector<int64_t> paddedShape(shape);
      paddedShape[axis] = padded;
      Value zero = arith::ConstantOp::create(
          b, loc, b.getZeroAttr(type.getElementType()));
      t = tensor::PadOp::create(
          b, loc, RankedTensorType::get(paddedShape, type.getElementType()), t,
          getAsIndexOpFoldResult(b.getContext(), low),
          getAsIndexOpFoldResult(b.getContext(), high), zero);
    }
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(blockedShape(), type.getElementType()),
        t, reassociation());
  }
  /// The inverse of block().
  Value unblock(OpBuilder &b, Location loc, Value t) const {
    if (!isSplit())
      return t;
    Type element = cast<RankedTensorType>(t.getType()).getElementType();
    SmallVector<int64_t> paddedShape(shape);
    paddedShape[axis] = blocks * vectorSize;
    Value collapsed = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get(paddedShape, element), t,
        reassociation());
    if (paddedShape[axis] == shape[axis])
      return collapsed;
    SmallVector<int64_t> offsets(shape.size(), 0), strides(shape.size(), 1);
    MLIRContext *ctx = b.getContext();
    return tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get(shape, element), collapsed,
        getAsIndexOpFoldResult(ctx, offsets), getAsIndexOpFoldResult(ctx, shape),
        getAsIndexOpFoldResult(ctx, strides));
  }

private:
  SmallVector<ReassociationIndices> reassociation() const {
    SmallVector<ReassociationIndices> groups;
    for (int64_t d = 0, r = shape.size(); d < r; ++d) {
      if (d < axis)
        groups.push_back({d});
      else if (d == axis)
        groups.push_back({d, d + 1});
      else
        groups.push_back({d + 1});
    }
    return groups;
  }
};

//===----------------------------------------------------------------------===//
// SPEC.md sections 2-3
//===----------------------------------------------------------------------===//

/// S = f32(sq * gamma) over the scale grid of a two-level tensor; the fp32
/// scales themselves for a single-level one.
Value effectiveScales(OpBuilder &b, Location loc, const BlockedView &view,
                      const Parts &parts) {
  if (view.format.isSingleLevel())
    return parts.scales;
  MLIRContext *ctx = b.getContext();
  auto gridType = cast<RankedTensorType>(parts.scales.getType());
  unsigned gridRank = gridType.getRank();
  Value init = emptyTensor(b, loc, gridType.getShape(), b.getF32Type());
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{parts.scales, parts.coarse},
             init,
             ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(gridRank, ctx),
                                 view.coarseMapOnGrid(ctx),
                                 AffineMap::getMultiDimIdentityMap(gridRank, ctx)},
             iterators(gridRank, {}),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value sq = arith::UIToFPOp::create(nb, nl, nb.getF32Type(),
                                                  args[0]);
               Value s = arith::MulFOp::create(nb, nl, sq, args[1]);
               linalg::YieldOp::create(nb, nl, s);
             })
      .getResult(0);
}

/// q = clamp(round(x / S)) on the blocked tensor: a true fp32 division;
/// S == 0 and NaN inputs give 0 (SPEC.md section 2). Result i8.
Value quantizeValues(OpBuilder &b, Location loc, const BlockedView &view,
                     Value blockedInput, Value scales) {
  MLIRContext *ctx = b.getContext();
  FormatAttr format = view.format;
  int64_t bits = format.getElementBits();
  bool isSigned = format.isSignedElement();
  double qmax = isSigned ? double((int64_t(1) << (bits - 1)) - 1)
                         : double((int64_t(1) << bits) - 1);
  double qmin = isSigned ? -qmax : 0.0;
  bool halfEven = format.getRounding() == RoundingMode::HalfToEven;
  Value init = emptyTensor(b, loc, view.blockedShape(), b.getI8Type());
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{blockedInput, scales}, init,
             ArrayRef<AffineMap>{view.identity(ctx), view.gridMap(ctx),
                                 view.identity(ctx)},
             iterators(view.rank(), {}),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value x = args[0], s = args[1];
               Value ratio = arith::DivFOp::create(nb, nl, x, s);
               Value rounded =
                   halfEven ? Value(math::RoundEvenOp::create(nb, nl, ratio))
                            : Value(math::RoundOp::create(nb, nl, ratio));
               Value clamped = arith::MinimumFOp::create(
                   nb, nl,
                   arith::MaximumFOp::create(nb, nl, rounded,
                                             f32Constant(nb, nl, qmin)),
                   f32Constant(nb, nl, qmax));
               Value zeroF = f32Constant(nb, nl, 0.0);
               Value scaleIsZero = arith::CmpFOp::create(
                   nb, nl, arith::CmpFPredicate::OEQ, s, zeroF);
               Value isNaN = arith::CmpFOp::create(
                   nb, nl, arith::CmpFPredicate::UNO, x, x);
               Value zeroed = arith::SelectOp::create(
                   nb, nl, arith::OrIOp::create(nb, nl, scaleIsZero, isNaN),
                   zeroF, clamped);
               Value asInt =
                   arith::FPToSIOp::create(nb, nl, nb.getI32Type(), zeroed);
               linalg::YieldOp::create(
                   nb, nl,
                   arith::TruncIOp::create(nb, nl, nb.getI8Type(), asInt)
                       .getResult());
             })
      .getResult(0);
}

/// Quantizes fp32 `input` with the given scales (single level: fp32 grid;
/// two level: integer grid + coarse).
Parts quantizeWithScales(OpBuilder &b, Location loc, QTensorType type,
                         Value input, Value scales, Value coarse) {
  BlockedView view(type.getShape(), type.getFormat());
  Parts parts{Value(), scales, coarse};
  Value s = effectiveScales(b, loc, view, parts);
  Value q = quantizeValues(b, loc, view, view.block(b, loc, input), s);
  parts.values = view.unblock(b, loc, q);
  return parts;
}

/// SPEC.md section 4 for activations: s_v = max|x_v| / Q at run time; with
/// two-level scales sq_v = clamp(ceil(s_v / gamma), 1, 2^M - 1) (or nearest)
/// for s_v > 0, else 0.
Parts dynamicQuantize(OpBuilder &b, Location loc, QTensorType type,
                      Value input, Value coarse) {
  MLIRContext *ctx = b.getContext();
  FormatAttr format = type.getFormat();
  BlockedView view(type.getShape(), format);
  Value blocked = view.block(b, loc, input);
  // max|x| per grid cell (NaN ignored: maxnumf); unsigned formats take
  // max(x, 0), as negatives clamp to 0 anyway (the numerics library's rule).
  bool isSigned = format.isSignedElement();
  SmallVector<int64_t> gridShape = format.getScaleShape(type.getShape());
  AffineMap gridMap = view.gridMap(ctx);
  SmallVector<unsigned> reductions;
  for (unsigned d = 0; d < view.rank(); ++d)
    if (!gridMap.isFunctionOfDim(d))
      reductions.push_back(d);
  Value maxInit = filledTensor(b, loc, gridShape, f32Constant(b, loc, 0.0));
  Value maxima =
      linalg::GenericOp::create(
          b, loc, maxInit.getType(), blocked, maxInit,
          ArrayRef<AffineMap>{view.identity(ctx), gridMap},
          iterators(view.rank(), reductions),
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value magnitude =
                isSigned ? Value(math::AbsFOp::create(nb, nl, args[0]))
                         : Value(arith::MaxNumFOp::create(
                               nb, nl, args[0], f32Constant(nb, nl, 0.0)));
            linalg::YieldOp::create(
                nb, nl,
                arith::MaxNumFOp::create(nb, nl, args[1], magnitude)
                    .getResult());
          })
          .getResult(0);
  int64_t bits = format.getElementBits();
  double q = format.isSignedElement() ? double((int64_t(1) << (bits - 1)) - 1)
                                      : double((int64_t(1) << bits) - 1);
  unsigned gridRank = gridShape.size();
  auto gridIdentity = AffineMap::getMultiDimIdentityMap(gridRank, ctx);
  Parts parts;
  parts.coarse = coarse;
  if (format.isSingleLevel()) {
    Value init = emptyTensor(b, loc, gridShape, b.getF32Type());
    parts.scales =
        linalg::GenericOp::create(
            b, loc, init.getType(), maxima, init,
            ArrayRef<AffineMap>{gridIdentity, gridIdentity},
            iterators(gridRank, {}),
            [&](OpBuilder &nb, Location nl, ValueRange args) {
              linalg::YieldOp::create(
                  nb, nl,
                  arith::DivFOp::create(nb, nl, args[0], f32Constant(nb, nl, q))
                      .getResult());
            })
            .getResult(0);
  } else {
    Type sqType = integerScaleType(format);
    int64_t sqMax = (int64_t(1) << format.getScaleBits()) - 1;
    bool ceil = format.getScaleRounding() == ScaleRounding::Ceil;
    Value init = emptyTensor(b, loc, gridShape, sqType);
    parts.scales =
        linalg::GenericOp::create(
            b, loc, init.getType(), ValueRange{maxima, coarse}, init,
            ArrayRef<AffineMap>{gridIdentity, view.coarseMapOnGrid(ctx),
                                gridIdentity},
            iterators(gridRank, {}),
            [&](OpBuilder &nb, Location nl, ValueRange args) {
              Value zero = f32Constant(nb, nl, 0.0);
              Value s =
                  arith::DivFOp::create(nb, nl, args[0], f32Constant(nb, nl, q));
              Value gamma = args[1];
              Value ratio = arith::DivFOp::create(nb, nl, s, gamma);
              Value rounded =
                  ceil ? Value(math::CeilOp::create(nb, nl, ratio))
                       : Value(math::RoundEvenOp::create(nb, nl, ratio));
              Value clamped = arith::MinimumFOp::create(
                  nb, nl,
                  arith::MaximumFOp::create(nb, nl, rounded,
                                            f32Constant(nb, nl, 1.0)),
                  f32Constant(nb, nl, double(sqMax)));
              Value none = arith::OrIOp::create(
                  nb, nl,
                  arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OLE, s,
                                        zero),
                  arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OEQ,
                                        gamma, zero));
              Value sq = arith::SelectOp::create(nb, nl, none, zero, clamped);
              Value asInt =
                  arith::FPToUIOp::create(nb, nl, nb.getI32Type(), sq);
              linalg::YieldOp::create(
                  nb, nl,
                  arith::TruncIOp::create(nb, nl, sqType, asInt).getResult());
            })
            .getResult(0);
  }
  Value s = effectiveScales(b, loc, view, parts);
  parts.values =
      view.unblock(b, loc, quantizeValues(b, loc, view, blocked, s));
  return parts;
}

//===----------------------------------------------------------------------===//
// SPEC.md section 5
//===----------------------------------------------------------------------===//

/// Y = f32(acc) * f32(gammaA * gammaB) over the output: the one fp32
/// rounding of a two-level accumulation (SPEC.md section 5). The maps take
/// output dims to each coarse tensor.
Value applyCoarseScales(OpBuilder &b, Location loc, Value acc, Value gammaA,
                        AffineMap mapA, Value gammaB, AffineMap mapB) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(acc.getType());
  AffineMap identity = AffineMap::getMultiDimIdentityMap(type.getRank(), ctx);
  Value init = emptyTensor(b, loc, type.getShape(), b.getF32Type());
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{acc, gammaA, gammaB}, init,
             ArrayRef<AffineMap>{identity, mapA, mapB, identity},
             iterators(type.getRank(), {}),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value accF = arith::SIToFPOp::create(nb, nl, nb.getF32Type(),
                                                    args[0]);
               Value gamma = arith::MulFOp::create(nb, nl, args[1], args[2]);
               linalg::YieldOp::create(
                   nb, nl, arith::MulFOp::create(nb, nl, accF, gamma).getResult());
             })
      .getResult(0);
}

/// The value of an optional operand in a 1:N adaptor, or null.
Value optionalOperand(ValueRange range) {
  return range.empty() ? Value() : range.front();
}

/// Y + bias (along the last, channel dim), then relu.
Value biasAndRelu(OpBuilder &b, Location loc, Value y, Value bias, bool relu) {
  if (!bias && !relu)
    return y;
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(y.getType());
  unsigned rank = type.getRank();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  SmallVector<Value> inputs = {y};
  SmallVector<AffineMap> maps = {identity};
  if (bias) {
    inputs.push_back(bias);
    maps.push_back(AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, ctx)));
  }
  maps.push_back(identity);
  Value init = emptyTensor(b, loc, type.getShape(), b.getF32Type());
  return linalg::GenericOp::create(
             b, loc, init.getType(), inputs, init, maps, iterators(rank, {}),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value v = args[0];
               if (bias)
                 v = arith::AddFOp::create(nb, nl, v, args[1]);
               if (relu)
                 v = arith::MaximumFOp::create(nb, nl, v,
                                               f32Constant(nb, nl, 0.0));
               linalg::YieldOp::create(nb, nl, v);
             })
      .getResult(0);
}

/// Zero-pads dims 1 and 2 (H, W) of an NHWC-like tensor: [top, left, bottom,
/// right]. Padded values are 0, so they add exact zeros whatever their scale.
Value padSpatial(OpBuilder &b, Location loc, Value t, ArrayRef<int64_t> pad) {
  unsigned rank = cast<RankedTensorType>(t.getType()).getRank();
  SmallVector<int64_t> low(rank, 0), high(rank, 0);
  low[1] = pad[0];
  low[2] = pad[1];
  high[1] = pad[2];
  high[2] = pad[3];
  return padWithZeros(b, loc, t, low, high);
}

/// The operands of a convolution as the lowering needs them.
struct ConvOperands {
  QTensorType inputType, filterType;
  Parts input, filter;
  ArrayRef<int64_t> strides, dilations, padding;
  RankedTensorType result;
};

/// conv2d (NHWC x HWCF) per SPEC.md section 5: per-vector integer dots over
/// C, scaled per (kh, kw, j) term, summed over (kh, kw, j) in that order
/// (fp32), or exactly in i64 for two-level scales on both operands.
Value lowerConv2D(OpBuilder &b, Location loc, const ConvOperands &c) {
  MLIRContext *ctx = b.getContext();
  FormatAttr inF = c.inputType.getFormat(), flF = c.filterType.getFormat();
  ArrayRef<int64_t> in = c.inputType.getShape(), fl = c.filterType.getShape();
  int64_t channels = in[3];
  auto blockOf = [&](FormatAttr f) -> int64_t {
    return f.getGranularity() == Granularity::PerVector &&
                   f.getVectorSize() < channels
               ? f.getVectorSize()
               : 0;
  };
  int64_t vector = blockOf(inF) ? blockOf(inF) : blockOf(flF);
  if (!vector)
    vector = channels;
  int64_t blocks = llvm::divideCeil(channels, vector);
  bool single = blocks == 1;
  // Values: spatial zero padding, then C split into (J, V).
  auto split = [&](Value t, ArrayRef<int64_t> shape, int64_t axis) {
    BlockedView view(shape, FormatAttr());
    view.axis = axis;
    view.vectorSize = vector;
    view.blocks = blocks;
    return view.block(b, loc, t);
  };
  Value x = padSpatial(b, loc, c.input.values, c.padding);
  SmallVector<int64_t> padded(in);
  padded[1] += c.padding[0] + c.padding[2];
  padded[2] += c.padding[1] + c.padding[3];
  x = split(x, padded, 3);
  Value w = split(c.filter.values, fl, 2);
  ArrayRef<int64_t> out = c.result.getShape();
  int64_t n = out[0], oh = out[1], ow = out[2], f = out[3];
  auto qmax = [](FormatAttr fm) {
    int64_t bits = fm.getElementBits();
    return fm.isSignedElement() ? (int64_t(1) << (bits - 1)) - 1
                                : (int64_t(1) << bits) - 1;
  };
  bool wide =
      double(vector) * double(qmax(inF)) * double(qmax(flF)) > double(INT32_MAX);
  Type dotType = wide ? b.getI64Type() : b.getI32Type();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  // dot[n, oh, ow, kh, kw, j, f]: loops (n, oh, ow, kh, kw, j, f, v).
  AffineExpr ih = d(1) * c.strides[0] + d(3) * c.dilations[0];
  AffineExpr iw = d(2) * c.strides[1] + d(4) * c.dilations[1];
  SmallVector<int64_t> dotShape = {n, oh, ow, fl[0], fl[1], blocks, f};
  Value dotInit =
      filledTensor(b, loc, dotShape, intConstant(b, loc, dotType, 0));
  bool inSigned = inF.isSignedElement(), flSigned = flF.isSignedElement();
  Value dots =
      linalg::GenericOp::create(
          b, loc, dotInit.getType(), ValueRange{x, w}, dotInit,
          ArrayRef<AffineMap>{
              AffineMap::get(8, 0, {d(0), ih, iw, d(5), d(7)}, ctx),
              AffineMap::get(8, 0, {d(3), d(4), d(5), d(7), d(6)}, ctx),
              AffineMap::get(8, 0, {d(0), d(1), d(2), d(3), d(4), d(5), d(6)},
                             ctx)},
          iterators(8, {7}),
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value a = extend(nb, nl, args[0], dotType, inSigned);
            Value v = extend(nb, nl, args[1], dotType, flSigned);
            linalg::YieldOp::create(
                nb, nl,
                arith::AddIOp::create(nb, nl, args[2],
                                      arith::MulIOp::create(nb, nl, a, v))
                    .getResult());
          })
          .getResult(0);
  // Combine: loops (n, oh, ow, f, kh, kw, j).
  AffineExpr j = single ? getAffineConstantExpr(0, ctx) : d(6);
  AffineExpr cih = d(1) * c.strides[0] + d(4) * c.dilations[0];
  AffineExpr ciw = d(2) * c.strides[1] + d(5) * c.dilations[1];
  auto inputScaleMap = [&]() {
    if (inF.getGranularity() == Granularity::PerVector)
      return AffineMap::get(7, 0, {d(0), cih, ciw, j}, ctx);
    return AffineMap::get(7, 0, {}, ctx); // per tensor (verified)
  };
  auto filterScaleMap = [&]() {
    switch (flF.getGranularity()) {
    case Granularity::PerVector:
      return AffineMap::get(7, 0, {d(4), d(5), j, d(3)}, ctx);
    case Granularity::PerChannel:
      return AffineMap::get(7, 0, d(3));
    case Granularity::PerTensor:
      break;
    }
    return AffineMap::get(7, 0, {}, ctx);
  };
  // The input's scale grid is padded like its values (H, W).
  Value inputScales = c.input.scales;
  if (inF.getGranularity() == Granularity::PerVector)
    inputScales = padSpatial(b, loc, inputScales, c.padding);
  AffineMap dotMap =
      AffineMap::get(7, 0, {d(0), d(1), d(2), d(4), d(5), d(6), d(3)}, ctx);
  AffineMap outMap = AffineMap::get(7, 0, {d(0), d(1), d(2), d(3)}, ctx);
  SmallVector<int64_t> outShape(out);
  if (inF.isTwoLevel() && flF.isTwoLevel()) {
    Value accInit =
        filledTensor(b, loc, outShape, intConstant(b, loc, b.getI64Type(), 0));
    Value acc =
        linalg::GenericOp::create(
            b, loc, accInit.getType(),
            ValueRange{dots, inputScales, c.filter.scales}, accInit,
            ArrayRef<AffineMap>{dotMap, inputScaleMap(), filterScaleMap(),
                                outMap},
            iterators(7, {4, 5, 6}),
            [&](OpBuilder &nb, Location nl, ValueRange args) {
              Type i64 = nb.getI64Type();
              Value term = arith::MulIOp::create(
                  nb, nl,
                  arith::MulIOp::create(nb, nl,
                                        extend(nb, nl, args[1], i64, false),
                                        extend(nb, nl, args[2], i64, false)),
                  extend(nb, nl, args[0], i64, true));
              linalg::YieldOp::create(
                  nb, nl, arith::AddIOp::create(nb, nl, args[3], term).getResult());
            })
            .getResult(0);
    AffineMap flCoarse = flF.hasPerTensorCoarse()
                             ? AffineMap::get(4, 0, {}, ctx)
                             : AffineMap::get(4, 0, d(3));
    return applyCoarseScales(b, loc, acc, c.input.coarse,
                             AffineMap::get(4, 0, {}, ctx), c.filter.coarse,
                             flCoarse);
  }
  BlockedView inView(padded, inF), flView(fl, flF);
  Parts inParts = c.input;
  inParts.scales = inputScales;
  Value sx = effectiveScales(b, loc, inView, inParts);
  Value sw = effectiveScales(b, loc, flView, c.filter);
  Value init = filledTensor(b, loc, outShape, f32Constant(b, loc, 0.0));
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{dots, sx, sw}, init,
             ArrayRef<AffineMap>{dotMap, inputScaleMap(), filterScaleMap(),
                                 outMap},
             iterators(7, {4, 5, 6}),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value dot =
                   arith::SIToFPOp::create(nb, nl, nb.getF32Type(), args[0]);
               Value scale = arith::MulFOp::create(nb, nl, args[1], args[2]);
               Value term = arith::MulFOp::create(nb, nl, scale, dot);
               linalg::YieldOp::create(
                   nb, nl, arith::AddFOp::create(nb, nl, args[3], term).getResult());
             })
      .getResult(0);
}

/// depthwise_conv2d: every product carries its own scale product, summed
/// over the window in row-major order (fp32), or exactly in i64 for
/// two-level scales on both operands (docs/Semantics.md).
Value lowerDepthwise(OpBuilder &b, Location loc, const ConvOperands &c,
                     ArrayRef<int64_t> kernel) {
  MLIRContext *ctx = b.getContext();
  FormatAttr inF = c.inputType.getFormat(), flF = c.filterType.getFormat();
  ArrayRef<int64_t> in = c.inputType.getShape(), fl = c.filterType.getShape();
  SmallVector<int64_t> padded(in);
  padded[1] += c.padding[0] + c.padding[2];
  padded[2] += c.padding[1] + c.padding[3];
  Value x = padSpatial(b, loc, c.input.values, c.padding);
  Value inputScales = c.input.scales;
  if (inF.getGranularity() == Granularity::PerVector)
    inputScales = padSpatial(b, loc, inputScales, c.padding);
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  // Loops (n, oh, ow, c, kh, kw).
  AffineExpr ih = d(1) * c.strides[0] + d(4) * c.dilations[0];
  AffineExpr iw = d(2) * c.strides[1] + d(5) * c.dilations[1];
  AffineExpr row = d(4) * kernel[1] + d(5);
  AffineMap inputMap = AffineMap::get(6, 0, {d(0), ih, iw, d(3)}, ctx);
  // The filter's rows are kh * KW + kw: view its values as KH x KW x C so
  // that the window loops index it directly (linalg needs them as plain
  // dims somewhere).
  AffineMap filterMap = AffineMap::get(6, 0, {d(4), d(5), d(3)}, ctx);
  Value filterValues = tensor::ExpandShapeOp::create(
      b, loc,
      RankedTensorType::get({kernel[0], kernel[1], fl[1]}, b.getI8Type()),
      c.filter.values, ArrayRef<ReassociationIndices>{{0, 1}, {2}});
  auto inputScaleMap = [&]() {
    switch (inF.getGranularity()) {
    case Granularity::PerVector:
      return AffineMap::get(6, 0,
                            {d(0), ih, iw, d(3).floorDiv(inF.getVectorSize())},
                            ctx);
    case Granularity::PerChannel:
      return AffineMap::get(6, 0, d(3));
    case Granularity::PerTensor:
      break;
    }
    return AffineMap::get(6, 0, {}, ctx);
  };
  auto filterScaleMap = [&]() {
    switch (flF.getGranularity()) {
    case Granularity::PerVector:
      return AffineMap::get(6, 0, {row.floorDiv(flF.getVectorSize()), d(3)},
                            ctx);
    case Granularity::PerChannel:
      return AffineMap::get(6, 0, d(3));
    case Granularity::PerTensor:
      break;
    }
    return AffineMap::get(6, 0, {}, ctx);
  };
  AffineMap outMap = AffineMap::get(6, 0, {d(0), d(1), d(2), d(3)}, ctx);
  SmallVector<int64_t> outShape(c.result.getShape());
  bool inSigned = inF.isSignedElement(), flSigned = flF.isSignedElement();
  if (inF.isTwoLevel() && flF.isTwoLevel()) {
    // The exact window sum in i32 when no sum can exceed it (4-bit scales,
    // or 4-bit elements, over a 3x3 window do not): LLVM vectorizes i32
    // products along C, while i64 ones stay scalar.
    double bound = double(inF.getElementMax()) * flF.getElementMax() *
                   double((int64_t(1) << inF.getScaleBits()) - 1) *
                   double((int64_t(1) << flF.getScaleBits()) - 1) *
                   double(kernel[0] * kernel[1]);
    Type accType = bound <= double(INT32_MAX) ? b.getI32Type() : b.getI64Type();
    Value accInit =
        filledTensor(b, loc, outShape, intConstant(b, loc, accType, 0));
    Value acc =
        linalg::GenericOp::create(
            b, loc, accInit.getType(),
            ValueRange{x, filterValues, inputScales, c.filter.scales},
            accInit,
            ArrayRef<AffineMap>{inputMap, filterMap, inputScaleMap(),
                                filterScaleMap(), outMap},
            iterators(6, {4, 5}),
            [&](OpBuilder &nb, Location nl, ValueRange args) {
              Value q = arith::MulIOp::create(
                  nb, nl, extend(nb, nl, args[0], accType, inSigned),
                  extend(nb, nl, args[1], accType, flSigned));
              Value sq = arith::MulIOp::create(
                  nb, nl, extend(nb, nl, args[2], accType, false),
                  extend(nb, nl, args[3], accType, false));
              linalg::YieldOp::create(
                  nb, nl,
                  arith::AddIOp::create(nb, nl, args[4],
                                        arith::MulIOp::create(nb, nl, q, sq))
                      .getResult());
            })
            .getResult(0);
    AffineMap flCoarse = flF.hasPerTensorCoarse()
                             ? AffineMap::get(4, 0, {}, ctx)
                             : AffineMap::get(4, 0, d(3));
    return applyCoarseScales(b, loc, acc, c.input.coarse,
                             AffineMap::get(4, 0, {}, ctx), c.filter.coarse,
                             flCoarse);
  }
  BlockedView inView(padded, inF), flView(c.filterType.getShape(), flF);
  Parts inParts = c.input;
  inParts.scales = inputScales;
  Value sx = effectiveScales(b, loc, inView, inParts);
  Value sw = effectiveScales(b, loc, flView, c.filter);
  Value init = filledTensor(b, loc, outShape, f32Constant(b, loc, 0.0));
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{x, filterValues, sx, sw},
             init,
             ArrayRef<AffineMap>{inputMap, filterMap, inputScaleMap(),
                                 filterScaleMap(), outMap},
             iterators(6, {4, 5}),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Type i32 = nb.getI32Type();
               Value q = arith::MulIOp::create(
                   nb, nl, extend(nb, nl, args[0], i32, inSigned),
                   extend(nb, nl, args[1], i32, flSigned));
               Value scale = arith::MulFOp::create(nb, nl, args[2], args[3]);
               Value term = arith::MulFOp::create(
                   nb, nl, scale,
                   arith::SIToFPOp::create(nb, nl, nb.getF32Type(), q));
               linalg::YieldOp::create(
                   nb, nl, arith::AddFOp::create(nb, nl, args[4], term).getResult());
             })
      .getResult(0);
}

/// One operand of a (batch) matmul, seen in loop space (b?, m, n, j).
struct MatmulOperand {
  QTensorType type;
  Parts parts;
  bool isLhs;
  bool hasBatch;

  FormatAttr format() const { return type.getFormat(); }
  int64_t reductionAxis() const {
    return (hasBatch ? 1 : 0) + (isLhs ? 1 : 0);
  }
  int64_t channelAxis() const { return (hasBatch ? 1 : 0) + (isLhs ? 0 : 1); }
  /// Elements per scale along K, or 0 when one scale covers all of K.
  int64_t block() const {
    FormatAttr f = format();
    if (f.getGranularity() != Granularity::PerVector)
      return 0;
    int64_t k = type.getShape()[reductionAxis()];
    return f.getVectorSize() >= k ? 0 : f.getVectorSize();
  }
  /// Loop dims (b?, m, n, j) -> scale grid.
  AffineMap scaleMap(MLIRContext *ctx, bool singleBlock) const {
    unsigned nb = hasBatch ? 1 : 0;
    AffineExpr b = getAffineDimExpr(0, ctx), m = getAffineDimExpr(nb, ctx),
               n = getAffineDimExpr(nb + 1, ctx),
               j = singleBlock ? getAffineConstantExpr(0, ctx)
                               : getAffineDimExpr(nb + 2, ctx);
    SmallVector<AffineExpr> r;
    switch (format().getGranularity()) {
    case Granularity::PerTensor:
      break;
    case Granularity::PerChannel:
      r.push_back(isLhs ? m : n);
      break;
    case Granularity::PerVector:
      if (hasBatch)
        r.push_back(b);
      if (isLhs)
        r.append({m, j});
      else
        r.append({j, n});
      break;
    }
    return AffineMap::get(nb + 3, 0, r, ctx);
  }
  /// Loop dims (b?, m, n) -> coarse scales.
  AffineMap coarseMap(MLIRContext *ctx) const {
    unsigned nb = hasBatch ? 1 : 0;
    if (format().hasPerTensorCoarse())
      return AffineMap::get(nb + 2, 0, {}, ctx);
    return AffineMap::get(nb + 2, 0, getAffineDimExpr(isLhs ? nb : nb + 1, ctx));
  }
};

/// Values of an operand padded along K to blocks * V and split into (J, V):
/// lhs [b,] M x J x V, rhs [b,] J x V x N.
Value blockAlongK(OpBuilder &b, Location loc, const MatmulOperand &operand,
                  int64_t vector, int64_t blocks) {
  ArrayRef<int64_t> shape = operand.type.getShape();
  SmallVector<int64_t> blockShape(shape);
  int64_t axis = operand.reductionAxis();
  blockShape[axis] = blocks;
  blockShape.insert(blockShape.begin() + axis + 1, vector);
  // A per-vector view with the common vector size does the padding.
  BlockedView view(shape, FormatAttr());
  view.axis = axis;
  view.vectorSize = vector;
  view.blocks = blocks;
  return view.block(b, loc, operand.parts.values);
}

/// Y = A * B per SPEC.md section 5, plus bias and relu.
Value lowerContraction(OpBuilder &b, Location loc, MatmulOperand lhs,
                       MatmulOperand rhs, RankedTensorType resultF32,
                       Value bias, bool relu) {
  MLIRContext *ctx = b.getContext();
  bool hasBatch = lhs.hasBatch;
  unsigned nb = hasBatch ? 1 : 0;
  int64_t k = lhs.type.getShape()[lhs.reductionAxis()];
  int64_t vector = lhs.block() ? lhs.block() : rhs.block();
  if (!vector)
    vector = k;
  int64_t blocks = llvm::divideCeil(k, vector);
  bool singleBlock = blocks == 1;
  ArrayRef<int64_t> out = resultF32.getShape();
  int64_t batch = hasBatch ? out[0] : 1, m = out[nb], n = out[nb + 1];

  // dot[b?, m, j, n] = sum_v qA * qB, exact (i32, or i64 when it could
  // overflow).
  auto qmax = [](FormatAttr f) {
    int64_t bits = f.getElementBits();
    return f.isSignedElement() ? (int64_t(1) << (bits - 1)) - 1
                               : (int64_t(1) << bits) - 1;
  };
  bool wide = double(vector) * double(qmax(lhs.format())) *
                  double(qmax(rhs.format())) >
              double(INT32_MAX);
  Type dotType = wide ? b.getI64Type() : b.getI32Type();
  Value lhsBlocked = blockAlongK(b, loc, lhs, vector, blocks);
  Value rhsBlocked = blockAlongK(b, loc, rhs, vector, blocks);
  SmallVector<int64_t> dotShape;
  if (hasBatch)
    dotShape.push_back(batch);
  dotShape.append({m, blocks, n});
  Value dotInit =
      filledTensor(b, loc, dotShape, intConstant(b, loc, dotType, 0));
  // Loops (b?, m, j, n, v).
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  unsigned rank = nb + 4;
  SmallVector<AffineExpr> batchExpr;
  if (hasBatch)
    batchExpr.push_back(d(0));
  auto withBatch = [&](ArrayRef<AffineExpr> rest) {
    SmallVector<AffineExpr> all(batchExpr);
    all.append(rest.begin(), rest.end());
    return AffineMap::get(rank, 0, all, ctx);
  };
  AffineExpr em = d(nb), ej = d(nb + 1), en = d(nb + 2), ev = d(nb + 3);
  bool lhsSigned = lhs.format().isSignedElement(),
       rhsSigned = rhs.format().isSignedElement();
  Value dots =
      linalg::GenericOp::create(
          b, loc, dotInit.getType(), ValueRange{lhsBlocked, rhsBlocked},
          dotInit,
          ArrayRef<AffineMap>{withBatch({em, ej, ev}), withBatch({ej, ev, en}),
                              withBatch({em, ej, en})},
          iterators(rank, {nb + 3}),
          [&](OpBuilder &nb_, Location nl, ValueRange args) {
            Value a = extend(nb_, nl, args[0], dotType, lhsSigned);
            Value w = extend(nb_, nl, args[1], dotType, rhsSigned);
            Value p = arith::MulIOp::create(nb_, nl, a, w);
            linalg::YieldOp::create(
                nb_, nl, arith::AddIOp::create(nb_, nl, args[2], p).getResult());
          })
          .getResult(0);

  // Combine the per-vector terms over j: loops (b?, m, n, j).
  unsigned crank = nb + 3;
  SmallVector<AffineExpr> outExprs(batchExpr);
  outExprs.append({d(nb), d(nb + 1)});
  AffineMap outMap = AffineMap::get(crank, 0, outExprs, ctx);
  SmallVector<AffineExpr> dotExprs(batchExpr);
  dotExprs.append({d(nb), d(nb + 2), d(nb + 1)});
  AffineMap dotMap = AffineMap::get(crank, 0, dotExprs, ctx);
  AffineMap lhsScaleMap = lhs.scaleMap(ctx, singleBlock),
            rhsScaleMap = rhs.scaleMap(ctx, singleBlock);
  Value result;
  if (lhs.format().isTwoLevel() && rhs.format().isTwoLevel()) {
    // acc = sum_j sqA sqB dot_j exactly (i64); Y = f32(acc) f32(gA gB).
    Value accInit =
        filledTensor(b, loc, out, intConstant(b, loc, b.getI64Type(), 0));
    Value acc =
        linalg::GenericOp::create(
            b, loc, accInit.getType(),
            ValueRange{dots, lhs.parts.scales, rhs.parts.scales}, accInit,
            ArrayRef<AffineMap>{dotMap, lhsScaleMap, rhsScaleMap, outMap},
            iterators(crank, {nb + 2}),
            [&](OpBuilder &nb_, Location nl, ValueRange args) {
              Type i64 = nb_.getI64Type();
              Value dot = extend(nb_, nl, args[0], i64, true);
              Value sa = extend(nb_, nl, args[1], i64, false);
              Value sb = extend(nb_, nl, args[2], i64, false);
              Value term = arith::MulIOp::create(
                  nb_, nl, arith::MulIOp::create(nb_, nl, sa, sb), dot);
              linalg::YieldOp::create(
                  nb_, nl,
                  arith::AddIOp::create(nb_, nl, args[3], term).getResult());
            })
            .getResult(0);
    result = applyCoarseScales(b, loc, acc, lhs.parts.coarse,
                               lhs.coarseMap(ctx), rhs.parts.coarse,
                               rhs.coarseMap(ctx));
  } else {
    // Y = sum_j f32(f32(sA sB) * f32(dot_j)), in fp32 from 0, increasing j.
    // A two-level operand paired with a single-level one uses its effective
    // scales S = f32(sq gamma).
    BlockedView lhsView(lhs.type.getShape(), lhs.format()),
        rhsView(rhs.type.getShape(), rhs.format());
    Value sa = effectiveScales(b, loc, lhsView, lhs.parts);
    Value sb = effectiveScales(b, loc, rhsView, rhs.parts);
    Value init = filledTensor(b, loc, out, f32Constant(b, loc, 0.0));
    result =
        linalg::GenericOp::create(
            b, loc, init.getType(), ValueRange{dots, sa, sb}, init,
            ArrayRef<AffineMap>{dotMap, lhsScaleMap, rhsScaleMap, outMap},
            iterators(crank, {nb + 2}),
            [&](OpBuilder &nb_, Location nl, ValueRange args) {
              Value dot = arith::SIToFPOp::create(nb_, nl, nb_.getF32Type(),
                                                  args[0]);
              Value scale = arith::MulFOp::create(nb_, nl, args[1], args[2]);
              Value term = arith::MulFOp::create(nb_, nl, scale, dot);
              linalg::YieldOp::create(
                  nb_, nl,
                  arith::AddFOp::create(nb_, nl, args[3], term).getResult());
            })
            .getResult(0);
  }
  return biasAndRelu(b, loc, result, bias, relu);
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

struct ConstantLowering : OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConstantOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    SmallVector<Value> parts;
    auto add = [&](TypedAttr attr) {
      parts.push_back(arith::ConstantOp::create(rewriter, op.getLoc(), attr));
    };
    add(op.getValues());
    add(op.getScales());
    if (std::optional<TypedAttr> coarse = op.getCoarse())
      add(*coarse);
    rewriter.replaceOpWithMultiple(op, {parts});
    return success();
  }
};

struct QuantizeLowering : OpConversionPattern<QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(QuantizeOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value coarse = optionalOperand(adaptor.getCoarse());
    Parts parts = quantizeWithScales(rewriter, op.getLoc(), op.getType(),
                                     adaptor.getInput().front(),
                                     adaptor.getScales().front(), coarse);
    rewriter.replaceOpWithMultiple(op, {parts.list()});
    return success();
  }
};

struct DynamicQuantizeLowering : OpConversionPattern<DynamicQuantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DynamicQuantizeOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value coarse = optionalOperand(adaptor.getCoarse());
    Parts parts = dynamicQuantize(rewriter, op.getLoc(), op.getType(),
                                  adaptor.getInput().front(), coarse);
    rewriter.replaceOpWithMultiple(op, {parts.list()});
    return success();
  }
};

struct DequantizeLowering : OpConversionPattern<DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DequantizeOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    QTensorType type = op.getInput().getType();
    FormatAttr format = type.getFormat();
    Parts parts = Parts::of(adaptor.getInput());
    BlockedView view(type.getShape(), format);
    Value values = view.block(rewriter, loc, parts.values);
    bool isSigned = format.isSignedElement();
    Value init = emptyTensor(rewriter, loc, view.blockedShape(),
                             rewriter.getF32Type());
    SmallVector<Value> inputs = {values, parts.scales};
    SmallVector<AffineMap> maps = {view.identity(ctx), view.gridMap(ctx)};
    if (format.isTwoLevel()) {
      inputs.push_back(parts.coarse);
      maps.push_back(view.coarseMapOnGrid(ctx).compose(view.gridMap(ctx)));
    }
    maps.push_back(view.identity(ctx));
    Value blocked =
        linalg::GenericOp::create(
            rewriter, loc, init.getType(), inputs, init, maps,
            iterators(view.rank(), {}),
            [&](OpBuilder &b, Location nl, ValueRange args) {
              Type i32 = b.getI32Type();
              Value q = extend(b, nl, args[0], i32, isSigned);
              Value xhat;
              if (format.isTwoLevel()) {
                // f32(q * sq) * gamma: the integer product is exact.
                Value sq = extend(b, nl, args[1], i32, false);
                Value product = arith::MulIOp::create(b, nl, q, sq);
                xhat = arith::MulFOp::create(
                    b, nl,
                    arith::SIToFPOp::create(b, nl, b.getF32Type(), product),
                    args[2]);
              } else {
                xhat = arith::MulFOp::create(
                    b, nl, arith::SIToFPOp::create(b, nl, b.getF32Type(), q),
                    args[1]);
              }
              linalg::YieldOp::create(b, nl, xhat);
            })
            .getResult(0);
    rewriter.replaceOp(op, view.unblock(rewriter, loc, blocked));
    return success();
  }
};

LogicalResult finishCompute(Operation *op, Value y, Value outCoarse,
                            ConversionPatternRewriter &rewriter);

/// matmul and batch_matmul.
template <typename OpTy>
struct ContractionLowering : OpConversionPattern<OpTy> {
  ContractionLowering(const TypeConverter &converter, MLIRContext *ctx,
                      ContractionKernel kernel)
      : OpConversionPattern<OpTy>(converter, ctx), kernel(std::move(kernel)) {}
  using OneToNOpAdaptor = typename OpConversionPattern<OpTy>::OneToNOpAdaptor;
  LogicalResult
  matchAndRewrite(OpTy op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    bool hasBatch = std::is_same_v<OpTy, BatchMatmulOp>;
    MatmulOperand lhs{op.getLhs().getType(), Parts::of(adaptor.getLhs()),
                      /*isLhs=*/true, hasBatch};
    MatmulOperand rhs{op.getRhs().getType(), Parts::of(adaptor.getRhs()),
                      /*isLhs=*/false, hasBatch};
    Type resultType = op.getResult().getType();
    auto qResult = dyn_cast<QTensorType>(resultType);
    auto resultF32 =
        qResult ? qResult.getExpressedType() : cast<RankedTensorType>(resultType);
    Value bias = optionalOperand(adaptor.getBias());
    Value y;
    if (kernel)
      y = kernel(rewriter, op.getLoc(),
                 ContractionOperands{lhs.type, rhs.type, adaptor.getLhs(),
                                     adaptor.getRhs(), resultF32, hasBatch});
    if (y)
      y = biasAndRelu(rewriter, op.getLoc(), y, bias, op.getRelu());
    else
      y = lowerContraction(rewriter, op.getLoc(), lhs, rhs, resultF32, bias,
                           op.getRelu());
    Value outCoarse = optionalOperand(adaptor.getOutCoarse());
    return finishCompute(op, y, outCoarse, rewriter);
  }

private:
  ContractionKernel kernel;
};

/// Replaces a compute op by its fp32 result, or re-quantizes it.
LogicalResult finishCompute(Operation *op, Value y, Value outCoarse,
                            ConversionPatternRewriter &rewriter) {
  auto qResult = dyn_cast<QTensorType>(op->getResult(0).getType());
  if (!qResult) {
    rewriter.replaceOp(op, y);
    return success();
  }
  Parts parts = dynamicQuantize(rewriter, op->getLoc(), qResult, y, outCoarse);
  rewriter.replaceOpWithMultiple(op, {parts.list()});
  return success();
}

template <typename OpTy>
struct ConvLowering : OpConversionPattern<OpTy> {
  ConvLowering(const TypeConverter &converter, MLIRContext *ctx,
               ContractionKernel kernel)
      : OpConversionPattern<OpTy>(converter, ctx), kernel(std::move(kernel)) {}
  using OneToNOpAdaptor = typename OpConversionPattern<OpTy>::OneToNOpAdaptor;
  LogicalResult
  matchAndRewrite(OpTy op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    QTensorType inputType = op.getInput().getType();
    if (inputType.getFormat().getGranularity() == Granularity::PerChannel &&
        !std::is_same_v<OpTy, DepthwiseConv2DOp>)
      return rewriter.notifyMatchFailure(op, "per-channel input scales");
    if (inputType.getFormat().isTwoLevel() &&
        !inputType.getFormat().hasPerTensorCoarse())
      return rewriter.notifyMatchFailure(op, "per-channel input coarse scale");
    Type resultType = op.getResult().getType();
    auto qResult = dyn_cast<QTensorType>(resultType);
    ConvOperands c{inputType,
                   op.getFilter().getType(),
                   Parts::of(adaptor.getInput()),
                   Parts::of(adaptor.getFilter()),
                   op.getStrides(),
                   op.getDilations(),
                   op.getPadding(),
                   qResult ? qResult.getExpressedType()
                           : cast<RankedTensorType>(resultType)};
    Value y;
    if constexpr (std::is_same_v<OpTy, DepthwiseConv2DOp>) {
      y = lowerDepthwise(rewriter, op.getLoc(), c, op.getKernelSize());
    } else {
      if (kernel)
        y = kernel(rewriter, op.getLoc(),
                   ContractionOperands{
                       c.inputType, c.filterType, adaptor.getInput(),
                       adaptor.getFilter(), c.result, /*hasBatch=*/false,
                       ConvolutionWindow{c.strides, c.dilations, c.padding}});
      if (!y)
        y = lowerConv2D(rewriter, op.getLoc(), c);
    }
    Value bias = optionalOperand(adaptor.getBias());
    y = biasAndRelu(rewriter, op.getLoc(), y, bias, op.getRelu());
    Value outCoarse = optionalOperand(adaptor.getOutCoarse());
    return finishCompute(op, y, outCoarse, rewriter);
  }

private:
  ContractionKernel kernel;
};

//===----------------------------------------------------------------------===//
// Passes
//===----------------------------------------------------------------------===//

struct ConvertVSQuantToLinalgPass
    : mlir::vsquant::impl::ConvertVSQuantToLinalgBase<
          ConvertVSQuantToLinalgPass> {
  void runOnOperation() override {
    if (failed(lowerVSQuantOps(getOperation())))
      signalPassFailure();
  }
};

struct VerifyVSQuantLoweredPass
    : mlir::vsquant::impl::VerifyVSQuantLoweredBase<VerifyVSQuantLoweredPass> {
  void runOnOperation() override {
    auto isVSQuant = [](Type t) {
      bool found = false;
      t.walk([&](Type inner) { found |= isa<QTensorType>(inner); });
      return found;
    };
    WalkResult result = getOperation().walk([&](Operation *op) {
      if (isa<VSQuantDialect>(op->getDialect())) {
        op->emitError() << "vsquant op left after lowering: '"
                        << op->getName() << "' has no lowering yet";
        return WalkResult::interrupt();
      }
      // Operands, results, block arguments and types inside attributes
      // (function signatures).
      SmallVector<Type> types(op->getOperandTypes());
      llvm::append_range(types, op->getResultTypes());
      for (Region &region : op->getRegions())
        for (Block &block : region)
          llvm::append_range(types, block.getArgumentTypes());
      op->getAttrDictionary().walk([&](Type t) { types.push_back(t); });
      for (Type t : types)
        if (isVSQuant(t)) {
          op->emitError() << "vsquant type left after lowering: " << t;
          return WalkResult::interrupt();
        }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace

void mlir::vsquant::populateVSQuantTypeConversion(TypeConverter &converter) {
  converter.addConversion([](Type t) { return t; });
  converter.addConversion(
      [](QTensorType type, SmallVectorImpl<Type> &results)
          -> std::optional<LogicalResult> {
        FormatAttr format = type.getFormat();
        if (format.isBlockScale())
          return failure();
        MLIRContext *ctx = type.getContext();
        results.push_back(
            RankedTensorType::get(type.getShape(), IntegerType::get(ctx, 8)));
        Type scale = format.isTwoLevel() ? integerScaleType(format)
                                         : Type(Float32Type::get(ctx));
        results.push_back(RankedTensorType::get(type.getScaleShape(), scale));
        if (format.isTwoLevel())
          results.push_back(RankedTensorType::get(type.getCoarseShape(),
                                                  Float32Type::get(ctx)));
        return success();
      });
}

void mlir::vsquant::populateVSQuantToLinalgConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns,
    ContractionKernel kernel) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<ConstantLowering, QuantizeLowering, DynamicQuantizeLowering,
               DequantizeLowering>(converter, ctx);
  patterns.add<ContractionLowering<MatmulOp>,
               ContractionLowering<BatchMatmulOp>, ConvLowering<Conv2DOp>,
               ConvLowering<DepthwiseConv2DOp>>(converter, ctx, kernel);
}

LogicalResult mlir::vsquant::lowerVSQuantOps(ModuleOp module,
                                             ContractionKernel kernel) {
  MLIRContext *ctx = module.getContext();
  TypeConverter converter;
  populateVSQuantTypeConversion(converter);
  // Block scales have no numerics yet: say so once, clearly.
  WalkResult blockScales = module.walk([&](Operation *op) {
    for (Type t : op->getResultTypes())
      if (auto q = dyn_cast<QTensorType>(t);
          q && q.getFormat().isBlockScale()) {
        op->emitError() << "cannot lower " << q
                        << ": block scales have no numerics yet";
        return WalkResult::interrupt();
      }
    return WalkResult::advance();
  });
  if (blockScales.wasInterrupted())
    return failure();
  ConversionTarget target(*ctx);
  target.addIllegalDialect<VSQuantDialect>();
  // Vector-level kernel steps stay until convert-vsquant-dot-to-llvm.
  target.addLegalOp<DotAccumulateOp>();
  // Everything else (linalg, arith, and what a contraction kernel emits) is
  // legal once no vsquant type is left on it.
  target.markUnknownOpDynamicallyLegal(
      [&](Operation *op) { return converter.isLegal(op); });
  RewritePatternSet patterns(ctx);
  populateVSQuantToLinalgConversionPatterns(converter, patterns,
                                            std::move(kernel));
  return applyPartialConversion(module, target, std::move(patterns));
}

Value mlir::vsquant::padWithZeros(OpBuilder &b, Location loc, Value t,
                                  ArrayRef<int64_t> low,
                                  ArrayRef<int64_t> high) {
  if (llvm::all_of(low, [](int64_t v) { return v == 0; }) &&
      llvm::all_of(high, [](int64_t v) { return v == 0; }))
    return t;
  auto type = cast<RankedTensorType>(t.getType());
  SmallVector<int64_t> shape(type.getShape());
  for (size_t d = 0; d < shape.size(); ++d)
    shape[d] += low[d] + high[d];
  Value zero =
      arith::ConstantOp::create(b, loc, b.getZeroAttr(type.getElementType()));
  return tensor::PadOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), t,
      getAsIndexOpFoldResult(b.getContext(), low),
      getAsIndexOpFoldResult(b.getContext(), high), zero);
}
