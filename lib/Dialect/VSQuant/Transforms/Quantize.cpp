//===- Quantize.cpp - Quantize linalg contractions and convolutions -------===//
//
// Rewrites linalg contractions / convolutions with constant fp32 weights into
// vsquant ops. All numerics come from the numerics library (lib/Quant); this
// file only finds the ops, lays data out and builds IR.
//
// The pass works in two phases so that bad input (a NaN weight, say) fails
// the pass before any IR is touched: first every candidate is analysed and
// its weight quantized, then the IR is rewritten.
//
//===----------------------------------------------------------------------===//

#include "vsquant/Dialect/VSQuant/IR/VSQuant.h"
#include "vsquant/Dialect/VSQuant/Transforms/Passes.h"
#include "vsquant/Dialect/VSQuant/Transforms/QuantizableOps.h"
#include "vsquant/Quant/Dual.h"
#include "vsquant/Quant/Quantizer.h"
#include "vsquant/Quant/Statistics.h"

#include "ReportUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/GlobPattern.h"
#include "llvm/Support/InterleavedRange.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/ThreadPool.h"

#include <cmath>

namespace mlir {
namespace vsquant {
#define GEN_PASS_DEF_VSQUANTQUANTIZE
#include "vsquant/Dialect/VSQuant/Transforms/Passes.h.inc"
} // namespace vsquant
} // namespace mlir

using namespace mlir;
using namespace mlir::vsquant;
namespace q = ::vsquant::quant;

namespace {

//===----------------------------------------------------------------------===//
// Options
//===----------------------------------------------------------------------===//

enum class ActGranularity { Vector, Token, Tensor };

/// The pass options, parsed and checked once.
struct QuantizeConfig {
  q::ElementFormat weightElement, actElement;
  q::Granularity weightGranularity = q::Granularity::PerVector;
  ActGranularity actGranularity = ActGranularity::Vector;
  int64_t vectorSize = 16;
  unsigned weightScaleBits = 0, actScaleBits = 0;
  bool weightCoarsePerChannel = true;
  q::ScaleRounding scaleRounding = q::ScaleRounding::Ceil;
  q::CalibrationOptions calibration;
  double actRange = 0;
  /// How a calibration table's statistics become activation thresholds.
  q::CalibrationOptions actCalibration;
  /// Mean squared weight error above which a layer is dual-quantized; 0 off.
  double dualThreshold = 0;
  /// Quantize non-constant weights at run time instead of leaving them.
  bool dynamicWeights = false;
  /// Name of the calibration method, for the report.
  std::string methodName = "max";
  int64_t inlineLimit = 4096;
};


/// Parses `si<N>` / `ui<N>` with N in 2..8.
static std::optional<q::ElementFormat> parseElementType(StringRef text) {
  q::ElementFormat format;
  if (text.consume_front("si"))
    format.isSigned = true;
  else if (text.consume_front("ui"))
    format.isSigned = false;
  else
    return std::nullopt;
  unsigned bits;
  if (text.getAsInteger(10, bits) || bits < 2 || bits > 8)
    return std::nullopt;
  format.bits = bits;
  return format;
}

/// Parses `f32` (0) or `ui<M>` with M in 1..16.
static std::optional<unsigned> parseScaleType(StringRef text) {
  if (text == "f32")
    return 0u;
  unsigned bits;
  if (!text.consume_front("ui") || text.getAsInteger(10, bits) || bits < 1 ||
      bits > 16)
    return std::nullopt;
  return bits;
}

static std::optional<q::Method> parseMethod(StringRef text) {
  return llvm::StringSwitch<std::optional<q::Method>>(text)
      .Case("max", q::Method::Max)
      .Case("percentile", q::Method::Percentile)
      .Case("mse", q::Method::MSE)
      .Case("octav", q::Method::OCTAV)
      .Case("entropy", q::Method::Entropy)
      .Default(std::nullopt);
}

/// Sets one per-layer option by its pass-option name, checking its value.
static LogicalResult setOption(QuantizeConfig &config, StringRef key,
                               StringRef value, std::string &error) {
  auto bad = [&](const Twine &expected) {
    error = (key + " must be " + expected + ", got '" + value + "'").str();
    return failure();
  };
  auto number = [&](double &out) {
    // StringRef::getAsDouble accepts "inf"/"nan"; reject them here.
    return !value.getAsDouble(out) && std::isfinite(out);
  };
  auto integer = [&](int64_t &out) { return !value.getAsInteger(10, out); };
  if (key == "weight-type" || key == "act-type") {
    std::optional<q::ElementFormat> format = parseElementType(value);
    if (!format)
      return bad("si2..si8 or ui2..ui8");
    (key == "weight-type" ? config.weightElement : config.actElement) = *format;
  } else if (key == "vector-size") {
    if (!integer(config.vectorSize) || config.vectorSize < 1)
      return bad("a positive integer");
  } else if (key == "weight-granularity") {
    if (value == "vector")
      config.weightGranularity = q::Granularity::PerVector;
    else if (value == "channel")
      config.weightGranularity = q::Granularity::PerChannel;
    else if (value == "tensor")
      config.weightGranularity = q::Granularity::PerTensor;
    else
      return bad("vector, channel or tensor");
  } else if (key == "act-granularity") {
    if (value == "vector")
      config.actGranularity = ActGranularity::Vector;
    else if (value == "token")
      config.actGranularity = ActGranularity::Token;
    else if (value == "tensor")
      config.actGranularity = ActGranularity::Tensor;
    else
      return bad("vector, token or tensor");
  } else if (key == "weight-scale" || key == "act-scale") {
    std::optional<unsigned> bits = parseScaleType(value);
    if (!bits)
      return bad("f32 or ui1..ui16");
    (key == "weight-scale" ? config.weightScaleBits : config.actScaleBits) =
        *bits;
  } else if (key == "weight-coarse") {
    if (value != "channel" && value != "tensor")
      return bad("channel or tensor");
    config.weightCoarsePerChannel = value == "channel";
  } else if (key == "method") {
    std::optional<q::Method> method = parseMethod(value);
    if (!method)
      return bad("max, percentile, mse, octav or entropy");
    config.calibration.method = *method;
    config.methodName = value.str();
  } else if (key == "percentile") {
    double p;
    if (!number(p) || !(p > 0 && p <= 100))
      return bad("in (0, 100]");
    config.calibration.percentile = p;
  } else if (key == "mse-grid") {
    if (!integer(config.calibration.mseGridPoints) ||
        config.calibration.mseGridPoints < 1)
      return bad("at least 1");
  } else if (key == "scale-round") {
    if (value != "ceil" && value != "nearest")
      return bad("ceil or nearest");
    config.scaleRounding = value == "ceil" ? q::ScaleRounding::Ceil
                                           : q::ScaleRounding::Nearest;
  } else if (key == "act-range" || key == "dual-threshold") {
    double v;
    if (!number(v) || v < 0)
      return bad("a finite non-negative number");
    (key == "act-range" ? config.actRange : config.dualThreshold) = v;
  } else if (key == "act-method") {
    std::optional<q::Method> method = parseMethod(value);
    if (!method)
      return bad("max, percentile, mse, octav or entropy");
    config.actCalibration.method = *method;
  } else if (key == "act-percentile") {
    double p;
    if (!number(p) || !(p > 0 && p <= 100))
      return bad("in (0, 100]");
    config.actCalibration.percentile = p;
  } else if (key == "dynamic-weights") {
    if (value != "true" && value != "false")
      return bad("true or false");
    config.dynamicWeights = value == "true";
  } else {
    error = ("unknown per-layer option '" + key +
             "' (weight-type, act-type, vector-size, weight-granularity, "
             "act-granularity, weight-scale, act-scale, weight-coarse, "
             "method, percentile, mse-grid, scale-round, act-range, "
             "act-method, act-percentile, dual-threshold, dynamic-weights)")
                .str();
    return failure();
  }
  return success();
}

/// Checks combinations that single options cannot.
static LogicalResult checkConfig(const QuantizeConfig &config,
                                 std::string &error) {
  if (config.weightGranularity == q::Granularity::PerTensor &&
      config.weightScaleBits) {
    error = "a per-tensor weight scale cannot be two-level; use "
            "weight-scale=f32";
    return failure();
  }
  return success();
}

/// `override=<pattern>:<option>=<value>[;<option>=<value>...]`: options for
/// the ops whose location or op name matches the glob `pattern`.
struct LayerOverride {
  std::string text;
  llvm::GlobPattern pattern;
  QuantizeConfig config;
};

//===----------------------------------------------------------------------===//
// Data helpers
//===----------------------------------------------------------------------===//

/// Reads the fp32 data of a constant weight, or explains why it cannot.
static FailureOr<std::vector<float>> readWeight(Attribute value,
                                                std::string &why) {
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    if (!dense.getElementType().isF32()) {
      why = "the weight is not f32";
      return failure();
    }
    auto values = dense.getValues<float>();
    return std::vector<float>(values.begin(), values.end());
  }
  if (auto resource = dyn_cast<DenseF32ResourceElementsAttr>(value)) {
    std::optional<ArrayRef<float>> data = resource.tryGetAsArrayRef();
    if (!data) {
      why = "the weight's dense_resource data is not loaded";
      return failure();
    }
    return std::vector<float>(data->begin(), data->end());
  }
  why = "the weight is not dense fp32 data";
  return failure();
}

/// Row-major transpose: result dim j is input dim perm[j].
static std::vector<float> transposeData(ArrayRef<float> data,
                                        ArrayRef<int64_t> shape,
                                        ArrayRef<int64_t> perm) {
  int64_t rank = shape.size();
  SmallVector<int64_t> inStrides(rank, 1), outShape(rank);
  for (int64_t i = rank - 2; i >= 0; --i)
    inStrides[i] = inStrides[i + 1] * shape[i + 1];
  for (int64_t j = 0; j < rank; ++j)
    outShape[j] = shape[perm[j]];
  std::vector<float> out(data.size());
  SmallVector<int64_t> index(rank, 0);
  for (size_t flat = 0; flat < out.size(); ++flat) {
    int64_t source = 0;
    for (int64_t j = 0; j < rank; ++j)
      source += index[j] * inStrides[perm[j]];
    out[flat] = data[source];
    for (int64_t j = rank - 1; j >= 0; --j) {
      if (++index[j] < outShape[j])
        break;
      index[j] = 0;
    }
  }
  return out;
}

static bool isIdentity(ArrayRef<int64_t> perm) {
  for (auto [i, p] : llvm::enumerate(perm))
    if (int64_t(i) != p)
      return false;
  return true;
}

/// True when `init` is all zeros (linalg.fill of 0 or a zero constant), so
/// that dropping the accumulation into it changes nothing.
static bool isZeroInit(Value init) {
  if (auto fill = init.getDefiningOp<linalg::FillOp>()) {
    FloatAttr value;
    return matchPattern(fill.getInputs()[0], m_Constant(&value)) &&
           value.getValue().isZero();
  }
  DenseElementsAttr dense;
  return matchPattern(init, m_Constant(&dense)) && dense.isSplat() &&
         dense.getElementType().isF32() &&
         dense.getSplatValue<APFloat>().isZero();
}


//===----------------------------------------------------------------------===//
// Analysis: what to rewrite and how
//===----------------------------------------------------------------------===//

/// One op to rewrite, with its weight already quantized.
struct Candidate {
  linalg::LinalgOp op;
  /// The options that apply to this op (the pass's or an override's).
  const QuantizeConfig *config = nullptr;
  /// The weight is not a constant: quantized at run time (dynamic-weights).
  bool dynamicWeight = false;
  bool isConv = false;
  /// Depthwise convolutions: the filter is (KH * KW) x C.
  bool isDepthwise = false;
  SmallVector<int64_t> kernelSize;
  /// Convolutions: strides and dilations [h, w].
  SmallVector<int64_t> strides, dilations;
  /// Contractions: which input is the weight (0 or 1).
  unsigned weightIndex = 1;
  bool hasBatch = false;
  /// Permutations from operand layout to the canonical layout
  /// ([b,] M, K / [b,] K, N / [b,] M, N); identity for convolutions.
  SmallVector<int64_t> weightPerm, actPerm, outPerm;
  SmallVector<int64_t> weightShape, actShape;
  q::TensorFormat weightFormat;
  q::QuantizedTensor weight;
  /// Dual quantization: the quantized residual, a second weight tensor.
  std::optional<q::QuantizedTensor> residualWeight;
  FormatAttr weightAttr, actAttr;
  /// Two-level activations: the static coarse scale gamma. Per-tensor
  /// activations with a calibration table: the static scale (else 0:
  /// dynamic).
  float actGamma = 0, actStaticScale = 0;
  double sqnr = 0, sqnrPerTensor = 0, sqnrPerChannel = 0;
};

/// Permutation taking an operand with indexing `map` to the loop dims `dims`.
static std::optional<SmallVector<int64_t>> permutationTo(AffineMap map,
                                                         ArrayRef<unsigned> dims) {
  if (map.getNumResults() != dims.size() || !map.isProjectedPermutation())
    return std::nullopt;
  SmallVector<int64_t> perm;
  for (unsigned dim : dims) {
    std::optional<unsigned> pos =
        map.getResultPosition(getAffineDimExpr(dim, map.getContext()));
    if (!pos)
      return std::nullopt;
    perm.push_back(*pos);
  }
  return perm;
}


class Quantizer {
public:
  Quantizer(const QuantizeConfig &config, MLIRContext *context,
            llvm::ThreadPoolInterface *pool)
      : config(config), context(context), pool(pool) {}

  /// Fills `c` for a supported op; on a reason to leave it in float returns
  /// failure with `why` set; on bad data emits an error and sets `fatal`.
  LogicalResult analyse(linalg::LinalgOp op, Candidate &c, std::string &why,
                        bool &fatal);

  FormatAttr makeFormat(const q::TensorFormat &f) const;

private:
  /// Emits an error when an operand's element count overflows int64 or a
  /// splat weight is too large to expand.
  LogicalResult checkSizes(linalg::LinalgOp op);
  LogicalResult analyseContraction(linalg::LinalgOp op, Candidate &c,
                                   std::string &why);
  LogicalResult analyseConv(linalg::LinalgOp op, const ConvMatch &match,
                            Candidate &c, std::string &why);
  LogicalResult quantizeWeight(Candidate &c, ArrayRef<float> data,
                               int64_t reductionAxis, int64_t channelAxis,
                               int64_t actReductionAxis);
  LogicalResult quantizeActivation(Candidate &c, int64_t actReductionAxis);

  const QuantizeConfig &config;
  MLIRContext *context;
  llvm::ThreadPoolInterface *pool;
};

FormatAttr Quantizer::makeFormat(const q::TensorFormat &f) const {
  Granularity granularity = Granularity::PerTensor;
  int64_t axis = FormatAttr::kNoAxis, size = 0;
  switch (f.granularity) {
  case q::Granularity::PerTensor:
    granularity = Granularity::PerTensor;
    break;
  case q::Granularity::PerChannel:
    granularity = Granularity::PerChannel;
    axis = f.axis;
    break;
  case q::Granularity::PerVector:
    granularity = Granularity::PerVector;
    axis = f.axis;
    size = f.vectorSize;
    break;
  }
  Type scale = f.scaleBits
                   ? Type(IntegerType::get(context, f.scaleBits,
                                           IntegerType::Unsigned))
                   : Type(Float32Type::get(context));
  auto element = IntegerType::get(
      context, f.element.bits,
      f.element.isSigned ? IntegerType::Signed : IntegerType::Unsigned);
  return FormatAttr::get(
      context, element, granularity, axis, size, scale,
      f.scaleBits ? f.coarseAxis : FormatAttr::kNoAxis,
      f.rounding == q::Rounding::HalfToEven ? RoundingMode::HalfToEven
                                            : RoundingMode::HalfAwayFromZero,
      f.scaleRounding == q::ScaleRounding::Ceil ? ScaleRounding::Ceil
                                                : ScaleRounding::Nearest);
}

LogicalResult Quantizer::analyse(linalg::LinalgOp op, Candidate &c,
                                 std::string &why, bool &fatal) {
  fatal = false;
  c.op = op;
  c.config = &config;
  if (!op.hasPureTensorSemantics()) {
    why = "it does not work on tensors";
    return failure();
  }
  for (Value v : op->getOperands())
    if (!cast<ShapedType>(v.getType()).getElementType().isF32()) {
      why = "its element type is not f32";
      return failure();
    }
  if (op.hasDynamicShape()) {
    why = "its shape is dynamic";
    return failure();
  }
  if (failed(checkSizes(op))) {
    fatal = true;
    return failure();
  }
  std::optional<ConvMatch> conv = matchSupportedConv(op);
  LogicalResult result = conv ? analyseConv(op, *conv, c, why)
                              : analyseContraction(op, c, why);
  if (failed(result) && why.empty())
    fatal = true;
  return result;
}

/// Splat weights hold one value however large their shape, but quantizing
/// expands them (fp32 data, integers, dequantized copies: ~16 bytes per
/// element); beyond this many elements that is refused rather than tried.
static constexpr int64_t kMaxExpandedSplatElements = int64_t(1) << 28;

LogicalResult Quantizer::checkSizes(linalg::LinalgOp op) {
  for (OpOperand &operand : op->getOpOperands()) {
    ArrayRef<int64_t> shape =
        cast<ShapedType>(operand.get().getType()).getShape();
    int64_t count = 1;
    bool overflow = false;
    if (!llvm::is_contained(shape, 0))
      for (int64_t dim : shape)
        overflow |= llvm::MulOverflow(count, dim, count);
    if (overflow)
      return op->emitError()
             << "cannot quantize this op: operand #"
             << operand.getOperandNumber() << " of shape "
             << llvm::interleaved(shape, "x")
             << " has more than 2^63 - 1 elements";
    auto splat = op.isDpsInput(&operand)
                     ? dyn_cast_or_null<SplatElementsAttr>(
                           getWeightConstant(operand.get()))
                     : SplatElementsAttr();
    if (splat && count > kMaxExpandedSplatElements)
      return op->emitError()
             << "cannot quantize this op: its weight is a splat of " << count
             << " elements, and quantizing expands it (about "
             << llvm::formatv("{0:f1}", double(count) * 16 / (1 << 30))
             << " GiB); splat weights of more than 2^28 elements are "
                "refused";
  }
  return success();
}

LogicalResult Quantizer::analyseContraction(linalg::LinalgOp op, Candidate &c,
                                            std::string &why) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !linalg::isaContractionOpInterface(op)) {
    why = "it is not a supported contraction or convolution";
    return failure();
  }
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 ||
      dims->k.size() != 1 || dims->batch.size() > 1) {
    why = "its contraction has more than one M, N, K or batch dimension";
    return failure();
  }
  // The weight is the constant operand (the right-hand one if both are).
  std::vector<float> data;
  std::string readWhy;
  bool found = false;
  for (unsigned index : {1u, 0u}) {
    Attribute constant = getWeightConstant(op.getDpsInputOperand(index)->get());
    if (!constant)
      continue;
    FailureOr<std::vector<float>> read = readWeight(constant, readWhy);
    if (failed(read))
      continue;
    data = std::move(*read);
    c.weightIndex = index;
    found = true;
    break;
  }
  if (!found && config.dynamicWeights && readWhy.empty()) {
    c.weightIndex = 1;
    c.dynamicWeight = true;
  } else if (!found) {
    why = readWhy.empty() ? "its weight is not a constant (dynamic-weights=true "
                            "quantizes it at run time)"
                          : readWhy;
    return failure();
  }

  SmallVector<unsigned> batch(dims->batch.begin(), dims->batch.end());
  c.hasBatch = !batch.empty();
  unsigned m = dims->m[0], n = dims->n[0], k = dims->k[0];
  auto withBatch = [&](std::initializer_list<unsigned> rest) {
    SmallVector<unsigned> all(batch);
    all.append(rest);
    return all;
  };
  // Canonical layouts: lhs [b,] M x K, rhs [b,] K x N, result [b,] M x N.
  SmallVector<unsigned> lhsDims = withBatch({m, k}), rhsDims = withBatch({k, n}),
                        outDims = withBatch({m, n});
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  bool weightIsRhs = c.weightIndex == 1;
  // inferContractionDims names M after input 0 and N after input 1.
  auto weightPerm = permutationTo(maps[c.weightIndex],
                                  weightIsRhs ? rhsDims : lhsDims);
  auto actPerm = permutationTo(maps[1 - c.weightIndex],
                               weightIsRhs ? lhsDims : rhsDims);
  auto outPerm = permutationTo(maps[2], outDims);
  if (!weightPerm || !actPerm || !outPerm) {
    why = "its indexing maps are not permutations of a matmul";
    return failure();
  }
  c.weightPerm = *weightPerm;
  c.actPerm = *actPerm;
  c.outPerm = *outPerm;

  int64_t nb = c.hasBatch ? 1 : 0;
  auto shapeOf = [](Value v) {
    return SmallVector<int64_t>(cast<ShapedType>(v.getType()).getShape());
  };
  SmallVector<int64_t> weightShape =
      shapeOf(op.getDpsInputOperand(c.weightIndex)->get());
  SmallVector<int64_t> actShape =
      shapeOf(op.getDpsInputOperand(1 - c.weightIndex)->get());
  if (!c.dynamicWeight && !isIdentity(c.weightPerm))
    data = transposeData(data, weightShape, c.weightPerm);
  for (auto [j, p] : llvm::enumerate(c.weightPerm))
    c.weightShape.push_back(weightShape[p]);
  for (auto [j, p] : llvm::enumerate(c.actPerm))
    c.actShape.push_back(actShape[p]);

  // Weight rhs [b,] K x N: reduce along nb, channels along nb + 1; weight lhs
  // [b,] M x K: the other way round. The activation is the opposite.
  int64_t weightK = weightIsRhs ? nb : nb + 1;
  int64_t weightChannel = weightIsRhs ? nb + 1 : nb;
  int64_t actK = weightIsRhs ? nb + 1 : nb;
  return quantizeWeight(c, data, weightK, weightChannel, actK);
}

LogicalResult Quantizer::analyseConv(linalg::LinalgOp op,
                                     const ConvMatch &match, Candidate &c,
                                     std::string &why) {
  Value input = op.getDpsInputOperand(0)->get();
  Value filter = op.getDpsInputOperand(1)->get();
  Attribute constant = getWeightConstant(filter);
  FailureOr<std::vector<float>> data = std::vector<float>();
  if (constant) {
    data = readWeight(constant, why);
    if (failed(data))
      return failure();
  } else if (config.dynamicWeights) {
    c.dynamicWeight = true;
  } else {
    why = "its filter is not a constant (dynamic-weights=true quantizes it at "
          "run time)";
    return failure();
  }
  c.isConv = true;
  c.weightIndex = 1;
  switch (match.form) {
  case ConvForm::NhwcHwcf:
    c.weightPerm = c.actPerm = c.outPerm = {0, 1, 2, 3};
    break;
  case ConvForm::NhwcFhwc:
    // FHWC filter to HWCF.
    c.weightPerm = {1, 2, 3, 0};
    c.actPerm = c.outPerm = {0, 1, 2, 3};
    break;
  case ConvForm::NchwFchw:
    // NCHW input and NFHW output to NHWC / NHWF; FCHW filter to HWCF.
    c.actPerm = c.outPerm = {0, 2, 3, 1};
    c.weightPerm = {2, 3, 1, 0};
    break;
  case ConvForm::DepthwiseNhwcHwc:
    c.actPerm = c.outPerm = {0, 1, 2, 3};
    c.weightPerm = {0, 1, 2};
    break;
  case ConvForm::DepthwiseNchwChw:
    // NCHW to NHWC; CHW filter to HWC.
    c.actPerm = c.outPerm = {0, 2, 3, 1};
    c.weightPerm = {1, 2, 0};
    break;
  }
  c.isDepthwise = c.weightPerm.size() == 3;
  c.strides = match.strides;
  c.dilations = match.dilations;
  ArrayRef<int64_t> filterShape = cast<ShapedType>(filter.getType()).getShape();
  ArrayRef<int64_t> inputShape = cast<ShapedType>(input.getType()).getShape();
  for (int64_t p : c.weightPerm)
    c.weightShape.push_back(filterShape[p]);
  for (int64_t p : c.actPerm)
    c.actShape.push_back(inputShape[p]);
  if (!c.dynamicWeight && !isIdentity(c.weightPerm))
    *data = transposeData(*data, filterShape, c.weightPerm);
  if (c.isDepthwise) {
    // HWC is (KH * KW) x C in memory: the window is the only reduction, so
    // the filter's vectors run along it (SPEC.md section 5) and its channels
    // are C. The input keeps vectors along C.
    c.kernelSize = {c.weightShape[0], c.weightShape[1]};
    c.weightShape = {c.weightShape[0] * c.weightShape[1], c.weightShape[2]};
    return quantizeWeight(c, *data, /*reductionAxis=*/0, /*channelAxis=*/1,
                          /*actReductionAxis=*/3);
  }
  // Filter HWCF: vectors along C (2), channels F (3). Input NHWC: along C (3).
  return quantizeWeight(c, *data, /*reductionAxis=*/2, /*channelAxis=*/3,
                        /*actReductionAxis=*/3);
}

LogicalResult Quantizer::quantizeWeight(Candidate &c, ArrayRef<float> data,
                                        int64_t reductionAxis,
                                        int64_t channelAxis,
                                        int64_t actReductionAxis) {
  q::TensorFormat &f = c.weightFormat;
  f.element = config.weightElement;
  f.granularity = config.weightGranularity;
  f.vectorSize = config.vectorSize;
  f.axis = config.weightGranularity == q::Granularity::PerChannel ? channelAxis
                                                                  : reductionAxis;
  f.scaleBits = config.weightScaleBits;
  // A per-channel coarse scale only exists below per-vector scales.
  f.coarseAxis = config.weightCoarsePerChannel &&
                         config.weightGranularity == q::Granularity::PerVector
                     ? channelAxis
                     : -1;
  f.scaleRounding = config.scaleRounding;
  if (c.dynamicWeight) {
    // Run-time scales come from the data; a two-level coarse scale would
    // need a static range, so dynamic weights use fp32 scales.
    f.scaleBits = 0;
    f.coarseAxis = -1;
    c.sqnr = c.sqnrPerTensor = c.sqnrPerChannel = std::nan("");
    c.weightAttr = makeFormat(f);
    return quantizeActivation(c, actReductionAxis);
  }

  llvm::Expected<q::QuantizedTensor> quantized =
      q::quantizeTensor(data, c.weightShape, f, config.calibration, pool);
  if (!quantized) {
    c.op->emitError() << "cannot quantize the weight of this op: "
                      << llvm::toString(quantized.takeError());
    return failure();
  }
  c.weight = std::move(*quantized);
  std::vector<float> xhat = q::dequantizeTensor(c.weight, c.weightShape, f);
  c.sqnr = q::sqnrDb(data, xhat);
  if (config.dualThreshold > 0 &&
      q::meanSquaredError(data, xhat) > config.dualThreshold) {
    // A key layer (Choukroun et al. 3.5): a second tensor quantizes the
    // residual the first leaves.
    llvm::Expected<q::DualQuantizedTensor> dual = q::quantizeTensorDual(
        data, c.weightShape, f, config.calibration, q::DualOptions(), pool);
    if (!dual) {
      c.op->emitError() << "cannot dual-quantize the weight of this op: "
                        << llvm::toString(dual.takeError());
      return failure();
    }
    c.weight = std::move(dual->first);
    c.residualWeight = std::move(dual->second);
    std::vector<float> first = q::dequantizeTensor(c.weight, c.weightShape, f);
    std::vector<float> second =
        q::dequantizeTensor(*c.residualWeight, c.weightShape, f);
    for (size_t i = 0; i < first.size(); ++i)
      first[i] += second[i];
    c.sqnr = q::sqnrDb(data, first);
  }

  // Baselines at the same element width with fp32 scales, same method.
  auto baseline = [&](q::Granularity granularity, int64_t axis) {
    q::TensorFormat b;
    b.element = f.element;
    b.granularity = granularity;
    b.axis = axis;
    b.scaleBits = 0;
    b.coarseAxis = -1;
    llvm::Expected<q::QuantizedTensor> t =
        q::quantizeTensor(data, c.weightShape, b, config.calibration, pool);
    if (!t) {
      llvm::consumeError(t.takeError());
      return std::nan("");
    }
    return q::sqnrDb(data, q::dequantizeTensor(*t, c.weightShape, b));
  };
  c.sqnrPerTensor = baseline(q::Granularity::PerTensor, 0);
  c.sqnrPerChannel = baseline(q::Granularity::PerChannel, channelAxis);
  c.weightAttr = makeFormat(f);
  return quantizeActivation(c, actReductionAxis);
}

LogicalResult Quantizer::quantizeActivation(Candidate &c,
                                            int64_t actReductionAxis) {
  // The activation: vectors along its reduction axis with the same size.
  q::TensorFormat a;
  a.element = config.actElement;
  a.scaleBits = config.actScaleBits;
  a.coarseAxis = -1;
  a.axis = actReductionAxis;
  switch (config.actGranularity) {
  case ActGranularity::Vector:
    a.granularity = q::Granularity::PerVector;
    a.vectorSize = config.vectorSize;
    break;
  case ActGranularity::Token:
    // One vector spans the whole reduction axis of each row.
    a.granularity = q::Granularity::PerVector;
    a.vectorSize = c.actShape[actReductionAxis];
    break;
  case ActGranularity::Tensor:
    a.granularity = q::Granularity::PerTensor;
    break;
  }
  c.actAttr = makeFormat(a);
  return success();
}

//===----------------------------------------------------------------------===//
// Rewriting
//===----------------------------------------------------------------------===//

/// Builds the vsquant.constant of a quantized weight.
static Value buildWeightConstant(OpBuilder &b, Location loc,
                                 const Candidate &c,
                                 const q::QuantizedTensor &weight,
                                 int64_t inlineLimit) {
  MLIRContext *ctx = b.getContext();
  auto qType = QTensorType::get(ctx, c.weightShape, c.weightAttr);
  auto valuesType = RankedTensorType::get(c.weightShape, b.getI8Type());
  std::vector<int8_t> bytes(weight.values.begin(), weight.values.end());
  TypedAttr values;
  if (int64_t(bytes.size()) > inlineLimit)
    values = cast<TypedAttr>(Attribute(DenseI8ResourceElementsAttr::get(
        valuesType, "vsquant_weight",
        HeapAsmResourceBlob::allocateAndCopyInferAlign(
            ArrayRef<int8_t>(bytes)))));
  else
    values = DenseElementsAttr::get(valuesType, ArrayRef<int8_t>(bytes));

  TypedAttr scales;
  if (c.weightFormat.scaleBits) {
    unsigned width = c.weightFormat.scaleBits <= 8 ? 8 : 16;
    auto type = RankedTensorType::get(weight.scaleShape,
                                      b.getIntegerType(width));
    SmallVector<APInt> ints;
    for (uint16_t s : weight.integerScales)
      ints.push_back(APInt(width, s));
    scales = DenseElementsAttr::get(type, ints);
  } else {
    auto type = RankedTensorType::get(weight.scaleShape, b.getF32Type());
    scales = DenseElementsAttr::get(type, ArrayRef<float>(weight.scales));
  }
  TypedAttr coarse;
  if (c.weightFormat.scaleBits)
    coarse = DenseElementsAttr::get(
        RankedTensorType::get(weight.coarseShape, b.getF32Type()),
        ArrayRef<float>(weight.coarse));
  return ConstantOp::create(b, loc, qType, values, scales, coarse);
}

static Value transposeValue(OpBuilder &b, Location loc, Value v,
                            ArrayRef<int64_t> perm) {
  if (isIdentity(perm))
    return v;
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getShape()[p]);
  Value init = tensor::EmptyOp::create(b, loc, shape, type.getElementType());
  return linalg::TransposeOp::create(b, loc, v, init, perm)->getResult(0);
}

static SmallVector<int64_t> inversePermutation(ArrayRef<int64_t> perm) {
  SmallVector<int64_t> inverse(perm.size());
  for (auto [i, p] : llvm::enumerate(perm))
    inverse[p] = i;
  return inverse;
}

/// The vsquant compute op of one quantized weight tensor and the quantized
/// activation, in canonical layout.
static Value buildComputeOp(OpBuilder &b, Location loc, const Candidate &c,
                            Value weight, Value actQ,
                            RankedTensorType outType) {
  Value lhs = c.weightIndex == 1 ? actQ : weight;
  Value rhs = c.weightIndex == 1 ? weight : actQ;
  if (c.isDepthwise)
    return DepthwiseConv2DOp::create(
        b, loc, outType, lhs, rhs, Value(), Value(),
        b.getDenseI64ArrayAttr(c.kernelSize), b.getDenseI64ArrayAttr(c.strides),
        b.getDenseI64ArrayAttr(c.dilations),
        b.getDenseI64ArrayAttr({0, 0, 0, 0}), /*relu=*/false);
  if (c.isConv)
    return Conv2DOp::create(b, loc, outType, lhs, rhs, Value(), Value(),
                            b.getDenseI64ArrayAttr(c.strides),
                            b.getDenseI64ArrayAttr(c.dilations),
                            b.getDenseI64ArrayAttr({0, 0, 0, 0}),
                            /*relu=*/false);
  if (c.hasBatch)
    return BatchMatmulOp::create(b, loc, outType, lhs, rhs, Value(), Value(),
                                 /*relu=*/false);
  return MatmulOp::create(b, loc, outType, lhs, rhs, Value(), Value(),
                          /*relu=*/false);
}

/// Quantizes a non-constant weight at run time, in canonical layout.
static Value buildDynamicWeight(OpBuilder &b, Location loc,
                                const Candidate &c) {
  linalg::LinalgOp op = c.op;
  Value weight = op.getDpsInputOperand(c.weightIndex)->get();
  weight = transposeValue(b, loc, weight, c.weightPerm);
  if (c.isDepthwise) {
    // HWC -> (KH * KW) x C, the layout of vsquant.depthwise_conv2d.
    auto type = RankedTensorType::get(c.weightShape, b.getF32Type());
    weight = tensor::CollapseShapeOp::create(
        b, loc, type, weight,
        ArrayRef<ReassociationIndices>{ReassociationIndices{0, 1},
                                       ReassociationIndices{2}});
  }
  auto qType = QTensorType::get(b.getContext(), c.weightShape, c.weightAttr);
  return DynamicQuantizeOp::create(b, loc, qType, weight, Value());
}

static void rewrite(RewriterBase &rewriter, const Candidate &c) {
  linalg::LinalgOp op = c.op;
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  MLIRContext *ctx = rewriter.getContext();
  int64_t inlineLimit = c.config->inlineLimit;

  Value weight =
      c.dynamicWeight
          ? buildDynamicWeight(rewriter, loc, c)
          : buildWeightConstant(rewriter, loc, c, c.weight, inlineLimit);
  Value residual;
  if (c.residualWeight)
    residual =
        buildWeightConstant(rewriter, loc, c, *c.residualWeight, inlineLimit);
  Value act = op.getDpsInputOperand(1 - c.weightIndex)->get();
  act = transposeValue(rewriter, loc, act, c.actPerm);
  auto scalar = [&](float value) {
    return arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(RankedTensorType::get({}, rewriter.getF32Type()),
                               value));
  };
  Value actCoarse;
  if (c.actAttr.isTwoLevel())
    actCoarse = scalar(c.actGamma);
  auto actType = QTensorType::get(ctx, c.actShape, c.actAttr);
  // A static per-tensor scale from calibration, else run-time scales.
  Value actQ = c.actStaticScale > 0
                   ? Value(QuantizeOp::create(rewriter, loc, actType, act,
                                              scalar(c.actStaticScale),
                                              Value()))
                   : Value(DynamicQuantizeOp::create(rewriter, loc, actType,
                                                     act, actCoarse));

  Value init = op.getDpsInitOperand(0)->get();
  auto initType = cast<RankedTensorType>(init.getType());
  SmallVector<int64_t> outShape;
  for (int64_t p : c.outPerm)
    outShape.push_back(initType.getShape()[p]);
  auto outType = RankedTensorType::get(outShape, rewriter.getF32Type());

  // One compute op per weight tensor (two for dual-quantized layers, whose
  // results add up: both share the activation's quantization).
  Value result = buildComputeOp(rewriter, loc, c, weight, actQ, outType);
  if (residual)
    result = arith::AddFOp::create(
        rewriter, loc, result,
        buildComputeOp(rewriter, loc, c, residual, actQ, outType));
  result = transposeValue(rewriter, loc, result, inversePermutation(c.outPerm));
  // linalg accumulates into its init; keep that unless the init is zero.
  if (!isZeroInit(init))
    result = arith::AddFOp::create(rewriter, loc, result, init);
  Operation *floatWeight =
      op.getDpsInputOperand(c.weightIndex)->get().getDefiningOp();
  Operation *initOp = init.getDefiningOp();
  rewriter.replaceOp(op, result);
  // The float weight (and a zero init) die with the op: drop them here so the
  // fp32 copy of a large weight does not linger until the next canonicalize.
  for (Operation *dead : {floatWeight, initOp})
    if (dead && dead->use_empty() && isPure(dead))
      rewriter.eraseOp(dead);
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

/// The report as a table a person reads: chosen format beside the
/// per-tensor and per-channel baselines of the same run.
static void printReportTable(const llvm::json::Array &layers) {
  llvm::raw_ostream &os = llvm::errs(); // stdout carries the IR
  os << llvm::formatv("{0,-28} {1,-12} {2,9} {3,11} {4,13} {5,14}\n", "layer",
                      "weight", "bits/elem", "SQNR dB", "per-tensor dB",
                      "per-channel dB");
  for (const llvm::json::Value &value : layers) {
    const llvm::json::Object &layer = *value.getAsObject();
    std::string shape;
    for (const llvm::json::Value &d : *layer.getArray("weight_shape"))
      shape += (shape.empty() ? "" : "x") + std::to_string(*d.getAsInteger());
    auto number = [&](StringRef key) {
      std::optional<double> v = layer.getNumber(key);
      return v ? llvm::formatv("{0:f2}", *v).str() : std::string("exact");
    };
    os << llvm::formatv("{0,-28} {1,-12} {2,9:f3} {3,11} {4,13} {5,14}\n",
                        layer.getString("location").value_or(""), shape,
                        layer.getNumber("bits_per_element").value_or(0),
                        number("sqnr_db"), number("per_tensor_sqnr_db"),
                        number("per_channel_sqnr_db"));
  }
}

struct QuantizePass
    : public mlir::vsquant::impl::VSQuantQuantizeBase<QuantizePass> {
  using Base::Base;

  /// The pass's own options as (name, value) pairs, parsed by the same
  /// setOption as per-layer overrides.
  SmallVector<std::pair<StringRef, std::string>> optionValues() const {
    // All 17 digits: the value must parse back to the same double.
    auto exact = [](double v) {
      char buffer[64];
      snprintf(buffer, sizeof(buffer), "%.17g", v);
      return std::string(buffer);
    };
    return {{"weight-type", weightType},
            {"act-type", actType},
            {"vector-size", std::to_string(vectorSize)},
            {"weight-granularity", weightGranularity},
            {"act-granularity", actGranularity},
            {"weight-scale", weightScale},
            {"act-scale", actScale},
            {"weight-coarse", weightCoarse},
            {"method", method},
            {"percentile", exact(percentile)},
            {"mse-grid", std::to_string(mseGrid)},
            {"scale-round", scaleRound},
            {"act-range", exact(actRange)},
            {"dual-threshold", exact(dualThreshold)},
            {"act-method", actMethod},
            {"act-percentile", exact(actPercentile)},
            {"dynamic-weights", dynamicWeights ? "true" : "false"}};
  }

  LogicalResult parseConfig(QuantizeConfig &config,
                            std::vector<LayerOverride> &overrides,
                            ModuleOp module) {
    auto fail = [&](const Twine &message) {
      module.emitError() << "vsquant-quantize: " << message;
      return failure();
    };
    std::string error;
    for (auto &[key, value] : optionValues())
      if (failed(setOption(config, key, value, error)))
        return fail(error);
    if (failed(checkConfig(config, error)))
      return fail(error);
    config.inlineLimit = inlineLimit;

    for (const std::string &text : overrides_) {
      // <pattern>:<option>=<value>[;<option>=<value>...]
      auto [pattern, settings] = StringRef(text).rsplit(':');
      if (pattern.empty() || settings.empty() || !StringRef(text).contains(':'))
        return fail("override '" + text +
                    "' must be <pattern>:<option>=<value>[;...]");
      llvm::Expected<llvm::GlobPattern> glob =
          llvm::GlobPattern::create(pattern);
      if (!glob)
        return fail("override '" + text + "': bad pattern: " +
                    llvm::toString(glob.takeError()));
      LayerOverride layer{text, std::move(*glob), config};
      SmallVector<StringRef> assignments;
      settings.split(assignments, ';', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
      for (StringRef assignment : assignments) {
        auto [key, value] = assignment.split('=');
        if (!assignment.contains('='))
          return fail("override '" + text + "': '" + assignment +
                      "' is not <option>=<value>");
        if (failed(setOption(layer.config, key.trim(), value.trim(), error)) ||
            failed(checkConfig(layer.config, error)))
          return fail("override '" + text + "': " + error);
      }
      overrides.push_back(std::move(layer));
    }
    return success();
  }

  /// Two-level activations need a static coarse scale.
  static void applyActivationFallback(QuantizeConfig &config, Operation *at,
                                      StringRef where) {
    if (!config.actScaleBits || config.actRange > 0)
      return;
    at->emitRemark() << "vsquant-quantize: two-level activation scales need "
                        "a static coarse scale (act-range or a calibration "
                        "table); using fp32 per-vector activation scales "
                        "instead"
                     << where;
    config.actScaleBits = 0;
  }

  /// Static activation scales: from the calibration table when given (SPEC.md
  /// section 4), else from act-range.
  LogicalResult resolveActivationScales(Candidate &c,
                                        const q::CalibrationTable *table) {
    const QuantizeConfig &config = *c.config;
    linalg::LinalgOp op = c.op;
    const q::TensorStatistics *stats = nullptr;
    if (table) {
      std::string name = activationName(op);
      stats = table->find(name);
      auto shape = cast<ShapedType>(
                       op.getDpsInputOperand(1 - c.weightIndex)->get().getType())
                       .getShape();
      if (!stats && !c.dynamicWeight)
        return op->emitError()
               << "the calibration table '" << calibrationPath
               << "' (model '" << table->model << "') has no activation '"
               << name << "': was it made for another model?";
      if (stats && ArrayRef<int64_t>(stats->shape) != shape)
        return op->emitError()
               << "the calibration table '" << calibrationPath
               << "' gives activation '" << name
               << "' another shape than this op's: was it made for another "
                  "model?";
    }
    if (c.actAttr.isTwoLevel()) {
      double threshold = config.actRange;
      if (stats)
        threshold = q::vectorScaleThreshold(*stats, config.actElement,
                                            config.actCalibration);
      if (!(threshold > 0))
        return op->emitError()
               << "no static coarse scale for this op's two-level activation "
                  "scales: "
               << (stats ? "calibration saw only zeros"
                         : "give act-range or a calibration table");
      c.actGamma =
          q::coarseScaleOfThreshold(threshold, c.actAttr.getScaleBits());
      // A zero (or infinite) gamma would quantize every activation to 0
      // (or NaN) at run time.
      if (!(c.actGamma > 0) || std::isinf(c.actGamma))
        return op->emitError()
               << "no static coarse scale for this op's two-level activation "
                  "scales: the threshold "
               << llvm::formatv("{0:e}", threshold)
               << " divided by 2^M - 1 is not a finite positive fp32 number";
    } else if (stats && config.actGranularity == ActGranularity::Tensor) {
      float alpha = q::thresholdFromHistogram(
          stats->magnitudes, config.actElement, config.actCalibration);
      c.actStaticScale = alpha / float(config.actElement.qmax());
    }
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    QuantizeConfig config;
    std::vector<LayerOverride> overrides;
    if (failed(parseConfig(config, overrides, module)))
      return signalPassFailure();
    std::optional<q::CalibrationTable> table;
    if (!calibrationPath.empty()) {
      llvm::Expected<q::CalibrationTable> read =
          q::readCalibrationTable(calibrationPath);
      if (!read) {
        module.emitError() << "vsquant-quantize: "
                           << llvm::toString(read.takeError());
        return signalPassFailure();
      }
      table = std::move(*read);
    } else {
      applyActivationFallback(config, module, "");
      for (LayerOverride &layer : overrides)
        applyActivationFallback(layer.config, module,
                                " (override '" + layer.text + "')");
    }

    llvm::DefaultThreadPool pool(llvm::hardware_concurrency());

    // Phase 1: analyse and quantize every candidate; nothing is rewritten yet.
    std::vector<Candidate> candidates;
    bool failedHard = false;
    module.walk([&](linalg::LinalgOp op) {
      bool isConv = matchSupportedConv(op).has_value();
      bool isContraction = linalg::isaContractionOpInterface(op);
      if (!isConv && !isContraction) {
        if (linalg::isaConvolutionOpInterface(op))
          op->emitRemark()
              << "left in float: this convolution form is not supported yet "
                 "(conv_2d_nhwc_hwcf, conv_2d_nhwc_fhwc, conv_2d_nchw_fchw, "
                 "depthwise_conv_2d_nhwc_hwc and depthwise_conv_2d_nchw_chw "
                 "are)";
        return;
      }
      std::string loc = locationToString(op.getLoc());
      for (const std::string &pattern : skip)
        if (!pattern.empty() && StringRef(loc).contains(pattern)) {
          op->emitRemark() << "left in float: skipped by the skip option ('"
                           << pattern << "')";
          return;
        }
      // The first override whose pattern matches the location or the op
      // name wins.
      const QuantizeConfig *layerConfig = &config;
      for (const LayerOverride &layer : overrides)
        if (layer.pattern.match(loc) ||
            layer.pattern.match(op->getName().getStringRef())) {
          layerConfig = &layer.config;
          break;
        }
      Quantizer quantizer(*layerConfig, &getContext(), &pool);
      Candidate c;
      std::string why;
      bool fatal = false;
      if (succeeded(quantizer.analyse(op, c, why, fatal))) {
        candidates.push_back(std::move(c));
        return;
      }
      if (fatal)
        failedHard = true;
      else
        op->emitRemark() << "left in float: " << why;
    });
    if (failedHard)
      return signalPassFailure();
    for (Candidate &c : candidates)
      if (failed(resolveActivationScales(c, table ? &*table : nullptr)))
        return signalPassFailure();

    // Phase 2: rewrite.
    IRRewriter rewriter(&getContext());
    llvm::json::Array layers;
    for (Candidate &c : candidates) {
      std::string formatText;
      llvm::raw_string_ostream formatOS(formatText);
      formatOS << c.weightAttr;
      // A dual-quantized weight stores two tensors.
      double bits = q::bitsPerElement(c.weightShape, c.weightFormat) *
                    (c.residualWeight ? 2 : 1);
      auto finiteOrNull = [](double v) -> llvm::json::Value {
        if (std::isfinite(v))
          return v;
        return nullptr;
      };
      llvm::json::Array shape;
      for (int64_t d : c.weightShape)
        shape.push_back(d);
      layers.push_back(llvm::json::Object{
          {"location", locationToString(c.op.getLoc())},
          {"op", c.op->getName().getStringRef()},
          {"weight_shape", std::move(shape)},
          {"format", formatText},
          {"method", c.config->methodName},
          {"dual", c.residualWeight.has_value()},
          {"dynamic_weight", c.dynamicWeight},
          {"bits_per_element", bits},
          {"sqnr_db", finiteOrNull(c.sqnr)},
          {"per_tensor_sqnr_db", finiteOrNull(c.sqnrPerTensor)},
          {"per_channel_sqnr_db", finiteOrNull(c.sqnrPerChannel)}});
      rewrite(rewriter, c);
    }

    if (printReport)
      printReportTable(layers);
    if (!reportPath.empty() &&
        failed(writeJsonReport(module, reportPath,
                               llvm::json::Object{{"version", 1},
                                                  {"layers", std::move(layers)}},
                               "quantization report")))
      signalPassFailure();
  }
};
} // namespace
