//===- OnnxImporter.cpp - ONNX models to linalg on tensors ----------------===//
//
// One pass over the graph's nodes in order (ONNX requires topological
// order). Every ONNX value is either a runtime tensor (an mlir::Value of a
// static f32 tensor type) or a host tensor known at import time (Constant
// nodes, initializers and the integer shape arithmetic that static input
// shapes make constant). Ops whose inputs are all host tensors and that
// compute shapes or indices are evaluated here; everything else becomes
// linalg / tensor / arith / math on tensors.
//
//===----------------------------------------------------------------------===//

#include "vsquant/Import/OnnxImporter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"

#include "onnx/onnx_pb.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>

using namespace mlir;
using llvm::SmallVector;
using llvm::StringRef;

namespace vsquant {
namespace onnx_import {

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Error parseInputShape(StringRef spec, ImportOptions &options) {
  auto [name, dims] = spec.rsplit(':');
  if (name.empty() || dims.empty() || name == spec)
    return makeError("bad --input-shape '" + spec +
                     "': expected name:d0,d1,... (e.g. x:1,3,48,320)");
  SmallVector<int64_t> shape;
  SmallVector<StringRef> parts;
  dims.split(parts, ',');
  for (StringRef p : parts) {
    int64_t d;
    if (p.trim().getAsInteger(10, d) || d <= 0)
      return makeError("bad --input-shape '" + spec + "': dimension '" + p +
                       "' is not a positive integer");
    shape.push_back(d);
  }
  options.inputShapes[name] = shape;
  return llvm::Error::success();
}

namespace {

/// A tensor known at import time. Floats for real data, int64 for shapes,
/// indices and every integer or bool type.
struct HostTensor {
  bool isFloat = true;
  SmallVector<int64_t> shape;
  std::vector<float> f;
  std::vector<int64_t> i;

  int64_t size() const {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
  double at(int64_t k) const { return isFloat ? f[k] : double(i[k]); }
  static HostTensor ints(SmallVector<int64_t> shape, std::vector<int64_t> v) {
    HostTensor t;
    t.isFloat = false;
    t.shape = std::move(shape);
    t.i = std::move(v);
    return t;
  }
};

/// One ONNX value: a runtime tensor or a host tensor.
struct Slot {
  Value value;
  std::optional<HostTensor> host;
  /// The arith.constant made for a host float tensor, made once.
  Value materialized;
};

static SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = int64_t(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

/// Calls fn(outFlat, inFlat) for every element of a result of `outShape`
/// whose source element in a tensor of `inShape` is at
/// sum_d inputIndex(d, o[d]) * inStride[d].
static void forEachIndex(ArrayRef<int64_t> outShape, ArrayRef<int64_t> inShape,
                         function_ref<int64_t(int64_t, int64_t)> inputIndex,
                         function_ref<void(int64_t, int64_t)> fn) {
  SmallVector<int64_t> inStrides = stridesOf(inShape);
  int64_t total = 1;
  for (int64_t d : outShape)
    total *= d;
  SmallVector<int64_t> index(outShape.size(), 0);
  for (int64_t k = 0; k < total; ++k) {
    int64_t in = 0;
    for (size_t d = 0; d < outShape.size(); ++d)
      in += inputIndex(d, index[d]) * inStrides[d];
    fn(k, in);
    for (int64_t d = int64_t(outShape.size()) - 1; d >= 0; --d) {
      if (++index[d] < outShape[d])
        break;
      index[d] = 0;
    }
  }
}

static HostTensor gatherHost(const HostTensor &in, ArrayRef<int64_t> outShape,
                             function_ref<int64_t(int64_t, int64_t)> index) {
  HostTensor out;
  out.isFloat = in.isFloat;
  out.shape.assign(outShape.begin(), outShape.end());
  if (in.isFloat)
    out.f.resize(out.size());
  else
    out.i.resize(out.size());
  forEachIndex(outShape, in.shape, index, [&](int64_t o, int64_t i) {
    if (in.isFloat)
      out.f[o] = in.f[i];
    else
      out.i[o] = in.i[i];
  });
  return out;
}

/// Numpy broadcasting of two shapes; nullopt when they do not broadcast.
static std::optional<SmallVector<int64_t>>
broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> out(rank);
  for (size_t k = 0; k < rank; ++k) {
    int64_t da = k < rank - a.size() ? 1 : a[k - (rank - a.size())];
    int64_t db = k < rank - b.size() ? 1 : b[k - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return std::nullopt;
    out[k] = da == 1 ? db : da;
  }
  return out;
}

static std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t k = 0; k < shape.size(); ++k)
    s += (k ? "," : "") + std::to_string(shape[k]);
  return s + "]";
}

class Importer {
public:
  Importer(MLIRContext &ctx, const ImportOptions &options)
      : ctx(ctx), b(&ctx), options(options), loc(UnknownLoc::get(&ctx)) {}

  llvm::Expected<OwningOpRef<ModuleOp>> run(const onnx::ModelProto &model);

private:
  // Errors: `failure()` after setting `errorMessage`.
  LogicalResult fail(const llvm::Twine &message) {
    errorMessage = message.str();
    return failure();
  }

  LogicalResult readTensor(const onnx::TensorProto &proto, HostTensor &out);
  LogicalResult convertNode(const onnx::NodeProto &node);
  LogicalResult convertHostNode(const onnx::NodeProto &node, bool &done);

  // Inputs and attributes of the current node.
  bool has(unsigned index) const {
    return index < unsigned(node->input_size()) &&
           !node->input(index).empty();
  }
  FailureOr<Slot *> slot(unsigned index);
  FailureOr<Value> runtime(unsigned index);
  FailureOr<const HostTensor *> host(unsigned index, StringRef what);
  const onnx::AttributeProto *attr(StringRef name) const;
  int64_t intAttr(StringRef name, int64_t dflt) const;
  float floatAttr(StringRef name, float dflt) const;
  std::string stringAttr(StringRef name, StringRef dflt) const;
  std::optional<SmallVector<int64_t>> intsAttr(StringRef name) const;
  /// Integer list from attribute `name` (older opsets) or from host input
  /// `index` (newer ones); nullopt when neither is given.
  FailureOr<std::optional<SmallVector<int64_t>>>
  intsFromAttrOrInput(StringRef name, unsigned index);
  void setResult(unsigned index, Value v) {
    values[node->output(index)] = Slot{v, std::nullopt, {}};
  }
  void setHostResult(unsigned index, HostTensor t) {
    values[node->output(index)] = Slot{{}, std::move(t), {}};
  }

  // Building blocks.
  RankedTensorType tensorType(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, b.getF32Type());
  }
  static ArrayRef<int64_t> shapeOf(Value v) {
    return cast<RankedTensorType>(v.getType()).getShape();
  }
  Value constantF32(const HostTensor &t, StringRef name);
  Value floatScalar(OpBuilder &builder, Location l, double v) {
    return arith::ConstantOp::create(builder, l,
                                     builder.getF32FloatAttr(float(v)));
  }
  Value filled(ArrayRef<int64_t> shape, double value);
  FailureOr<Value>
  map(ArrayRef<Value> inputs,
      function_ref<Value(OpBuilder &, Location, ValueRange)> body);
  Value reduce(Value x, ArrayRef<int64_t> axes, double init,
               function_ref<Value(OpBuilder &, Location, Value, Value)> body);
  Value reshape(Value x, ArrayRef<int64_t> shape);
  Value pad(Value x, ArrayRef<int64_t> low, ArrayRef<int64_t> high,
            double value, ArrayRef<int64_t> interiorStride = {});
  Value transpose(Value x, ArrayRef<int64_t> perm);
  Value convolve(Value paddedInput, const HostTensor &weight, int64_t group,
                 ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations);
  FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank);
  /// A 2-D window (Conv, ConvTranspose, pooling) from the node's
  /// attributes: pads are top, left, bottom, right; auto_pad NOTSET or VALID.
  struct Window {
    SmallVector<int64_t> strides, dilations, pads;
  };
  FailureOr<Window> readWindow() {
    std::string autoPad = stringAttr("auto_pad", "NOTSET");
    if (autoPad != "NOTSET" && autoPad != "VALID")
      return fail("auto_pad=" + autoPad + " is not supported");
    Window w{intsAttr("strides").value_or(SmallVector<int64_t>{1, 1}),
             intsAttr("dilations").value_or(SmallVector<int64_t>{1, 1}),
             intsAttr("pads").value_or(SmallVector<int64_t>{0, 0, 0, 0})};
    if (autoPad == "VALID")
      w.pads = {0, 0, 0, 0};
    if (w.strides.size() != 2 || w.dilations.size() != 2 || w.pads.size() != 4)
      return fail("strides, dilations and pads must have 2, 2 and 4 values");
    for (int d = 0; d < 2; ++d)
      if (w.strides[d] < 1 || w.dilations[d] < 1)
        return fail("strides and dilations must be positive, got " +
                    shapeString(w.strides) + " and " +
                    shapeString(w.dilations));
    for (int64_t p : w.pads)
      if (p < 0)
        return fail("negative pads " + shapeString(w.pads) +
                    " are not supported");
    return w;
  }

  // Op families.
  LogicalResult convertConv(bool transposed);
  LogicalResult convertPool(StringRef kind);
  LogicalResult convertMatMul();
  LogicalResult convertGemm();
  LogicalResult convertResize();
  LogicalResult convertSlice();
  LogicalResult convertConcat();
  LogicalResult convertReshapeLike();
  LogicalResult convertSoftmax();
  LogicalResult convertReduce();
  LogicalResult convertElementwise(bool &handled);

  MLIRContext &ctx;
  OpBuilder b;
  const ImportOptions &options;
  Location loc;
  const onnx::NodeProto *node = nullptr;
  int64_t opset = 1;
  std::map<std::string, Slot> values;
  /// Conv output -> the BatchNormalization that is its only consumer, to be
  /// folded into the convolution's weight and bias (as deployment does, so
  /// the quantizer sees the weights that run).
  std::map<std::string, const onnx::NodeProto *> foldableBatchNorm;
  std::set<const onnx::NodeProto *> foldedNodes;
  std::string errorMessage;
  int64_t resourceCounter = 0;
};

//===----------------------------------------------------------------------===//
// Tensors and attributes
//===----------------------------------------------------------------------===//

LogicalResult Importer::readTensor(const onnx::TensorProto &proto,
                                   HostTensor &out) {
  std::string name = "tensor '" + proto.name() + "'";
  if (proto.data_location() == onnx::TensorProto::EXTERNAL)
    return fail(name + " keeps its data in an external file, which is not "
                       "supported");
  out.shape.assign(proto.dims().begin(), proto.dims().end());
  for (int64_t d : out.shape)
    if (d < 0)
      return fail(name + " has a negative dimension");
  int64_t n = 1;
  for (int64_t d : out.shape)
    if (d > 0 && n > (int64_t(1) << 32) / d)
      return fail(name + " has more than 2^32 elements");
    else
      n *= d;
  const std::string &raw = proto.raw_data();
  auto checkCount = [&](int64_t have, int64_t elementBytes) -> LogicalResult {
    int64_t expected = elementBytes ? n * elementBytes : n;
    if (have != expected)
      return fail(llvm::formatv("{0} holds {1} {2}, its shape {3} needs {4}",
                                name, have,
                                elementBytes ? "bytes of raw data" : "values",
                                shapeString(out.shape), expected)
                      .str());
    return success();
  };
  auto readRaw = [&](auto sample, auto store) -> LogicalResult {
    using T = decltype(sample);
    if (failed(checkCount(int64_t(raw.size()), sizeof(T))))
      return failure();
    for (int64_t k = 0; k < n; ++k) {
      T v;
      std::memcpy(&v, raw.data() + k * sizeof(T), sizeof(T));
      store(k, v);
    }
    return success();
  };
  switch (proto.data_type()) {
  case onnx::TensorProto::FLOAT:
  case onnx::TensorProto::DOUBLE: {
    out.isFloat = true;
    out.f.resize(n);
    bool isDouble = proto.data_type() == onnx::TensorProto::DOUBLE;
    if (!raw.empty()) {
      if (isDouble)
        return readRaw(double(0), [&](int64_t k, double v) { out.f[k] = v; });
      return readRaw(float(0), [&](int64_t k, float v) { out.f[k] = v; });
    }
    if (isDouble) {
      if (failed(checkCount(proto.double_data_size(), 0)))
        return failure();
      for (int64_t k = 0; k < n; ++k)
        out.f[k] = float(proto.double_data(k));
      return success();
    }
    if (failed(checkCount(proto.float_data_size(), 0)))
      return failure();
    std::copy(proto.float_data().begin(), proto.float_data().end(),
              out.f.begin());
    return success();
  }
  case onnx::TensorProto::INT64:
  case onnx::TensorProto::INT32:
  case onnx::TensorProto::INT16:
  case onnx::TensorProto::INT8:
  case onnx::TensorProto::UINT8:
  case onnx::TensorProto::BOOL: {
    out.isFloat = false;
    out.i.resize(n);
    auto store = [&](int64_t k, auto v) { out.i[k] = int64_t(v); };
    if (!raw.empty()) {
      switch (proto.data_type()) {
      case onnx::TensorProto::INT64:
        return readRaw(int64_t(0), store);
      case onnx::TensorProto::INT32:
        return readRaw(int32_t(0), store);
      case onnx::TensorProto::INT16:
        return readRaw(int16_t(0), store);
      case onnx::TensorProto::INT8:
        return readRaw(int8_t(0), store);
      default:
        return readRaw(uint8_t(0), store);
      }
    }
    if (proto.data_type() == onnx::TensorProto::INT64) {
      if (failed(checkCount(proto.int64_data_size(), 0)))
        return failure();
      std::copy(proto.int64_data().begin(), proto.int64_data().end(),
                out.i.begin());
      return success();
    }
    if (failed(checkCount(proto.int32_data_size(), 0)))
      return failure();
    std::copy(proto.int32_data().begin(), proto.int32_data().end(),
              out.i.begin());
    return success();
  }
  default:
    return fail(name + " has element type " +
                onnx::TensorProto::DataType_Name(
                    onnx::TensorProto::DataType(proto.data_type())) +
                ", which is not supported");
  }
}

const onnx::AttributeProto *Importer::attr(StringRef name) const {
  for (const onnx::AttributeProto &a : node->attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}
int64_t Importer::intAttr(StringRef name, int64_t dflt) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->i() : dflt;
}
float Importer::floatAttr(StringRef name, float dflt) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->f() : dflt;
}
std::string Importer::stringAttr(StringRef name, StringRef dflt) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->s() : dflt.str();
}
std::optional<SmallVector<int64_t>> Importer::intsAttr(StringRef name) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return std::nullopt;
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

FailureOr<Slot *> Importer::slot(unsigned index) {
  if (!has(index))
    return fail(llvm::formatv("input {0} is missing", index).str());
  auto it = values.find(node->input(index));
  if (it == values.end())
    return fail("input '" + node->input(index) +
                "' is not defined before its use");
  return &it->second;
}

FailureOr<const HostTensor *> Importer::host(unsigned index, StringRef what) {
  FailureOr<Slot *> s = slot(index);
  if (failed(s))
    return failure();
  if (!(*s)->host)
    return fail(what + " ('" + node->input(index) +
                "') must be a constant known at import time");
  return &*(*s)->host;
}

FailureOr<Value> Importer::runtime(unsigned index) {
  FailureOr<Slot *> s = slot(index);
  if (failed(s))
    return failure();
  if ((*s)->value)
    return (*s)->value;
  if (!(*s)->host->isFloat)
    return fail("input '" + node->input(index) +
                "' is an integer tensor; only f32 tensors exist at run time");
  if (!(*s)->materialized)
    (*s)->materialized = constantF32(*(*s)->host, node->input(index));
  return (*s)->materialized;
}

FailureOr<std::optional<SmallVector<int64_t>>>
Importer::intsFromAttrOrInput(StringRef name, unsigned index) {
  if (auto a = intsAttr(name))
    return std::optional<SmallVector<int64_t>>(*a);
  if (!has(index))
    return std::optional<SmallVector<int64_t>>();
  FailureOr<const HostTensor *> t = host(index, name);
  if (failed(t))
    return failure();
  SmallVector<int64_t> v;
  for (int64_t k = 0; k < (*t)->size(); ++k)
    v.push_back(int64_t((*t)->at(k)));
  return std::optional<SmallVector<int64_t>>(v);
}

FailureOr<int64_t> Importer::normalizeAxis(int64_t axis, int64_t rank) {
  if (rank == 0)
    return fail("an axis of a rank-0 tensor is not supported");
  if (axis < -rank || axis >= rank)
    return fail(llvm::formatv("axis {0} is out of range for rank {1}", axis,
                              rank)
                    .str());
  return axis < 0 ? axis + rank : axis;
}

//===----------------------------------------------------------------------===//
// Building blocks
//===----------------------------------------------------------------------===//

Value Importer::constantF32(const HostTensor &t, StringRef name) {
  RankedTensorType type = tensorType(t.shape);
  if (t.size() > options.resourceThreshold) {
    // Big weights as resource blobs: compact to print and to parse.
    std::string key = "onnx_";
    for (char c : name)
      key += llvm::isAlnum(c) ? c : '_';
    auto attr = DenseF32ResourceElementsAttr::get(
        type, key,
        HeapAsmResourceBlob::allocateAndCopyInferAlign<float>(t.f));
    return arith::ConstantOp::create(b, loc, type, cast<TypedAttr>(attr));
  }
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, ArrayRef<float>(t.f)));
}

Value Importer::filled(ArrayRef<int64_t> shape, double value) {
  Value empty = tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
  return linalg::FillOp::create(b, loc, ValueRange{floatScalar(b, loc, value)},
                                ValueRange{empty})
      .getResult(0);
}

FailureOr<Value>
Importer::map(ArrayRef<Value> inputs,
              function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  SmallVector<int64_t> shape;
  for (Value v : inputs) {
    auto s = broadcastShapes(shape, shapeOf(v));
    if (!s)
      return fail("shapes " + shapeString(shape) + " and " +
                  shapeString(shapeOf(v)) + " do not broadcast");
    shape = *s;
  }
  int64_t rank = shape.size();
  SmallVector<AffineMap> maps;
  for (Value v : inputs) {
    ArrayRef<int64_t> in = shapeOf(v);
    int64_t offset = rank - int64_t(in.size());
    SmallVector<AffineExpr> exprs;
    for (int64_t d = 0; d < int64_t(in.size()); ++d)
      exprs.push_back(in[d] == 1 && shape[offset + d] != 1
                          ? getAffineConstantExpr(0, &ctx)
                          : getAffineDimExpr(offset + d, &ctx));
    maps.push_back(AffineMap::get(rank, 0, exprs, &ctx));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, &ctx));
  Value init = tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
      iterators, [&](OpBuilder &nested, Location l, ValueRange args) {
        Value r = body(nested, l, args.drop_back());
        linalg::YieldOp::create(nested, l, r);
      });
  return op.getResult(0);
}

Value Importer::reduce(
    Value x, ArrayRef<int64_t> axes, double init,
    function_ref<Value(OpBuilder &, Location, Value, Value)> body) {
  ArrayRef<int64_t> shape = shapeOf(x);
  int64_t rank = shape.size();
  SmallVector<int64_t> outShape(shape.begin(), shape.end());
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  SmallVector<AffineExpr> outExprs;
  for (int64_t d = 0; d < rank; ++d) {
    bool reduced = llvm::is_contained(axes, d);
    if (reduced) {
      outShape[d] = 1;
      iterators[d] = utils::IteratorType::reduction;
    }
    outExprs.push_back(reduced ? getAffineConstantExpr(0, &ctx)
                               : getAffineDimExpr(d, &ctx));
  }
  Value acc = filled(outShape, init);
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, &ctx),
                                 AffineMap::get(rank, 0, outExprs, &ctx)};
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange{acc.getType()}, ValueRange{x}, ValueRange{acc}, maps,
      iterators, [&](OpBuilder &nested, Location l, ValueRange args) {
        linalg::YieldOp::create(nested, l, body(nested, l, args[0], args[1]));
      });
  return op.getResult(0);
}

Value Importer::reshape(Value x, ArrayRef<int64_t> shape) {
  ArrayRef<int64_t> from = shapeOf(x);
  if (from == shape)
    return x;
  // Through 1-D: always valid for static row-major tensors, and
  // bufferization turns both steps into views.
  int64_t n = 1;
  for (int64_t d : from)
    n *= d;
  Value flat = x;
  if (from.size() != 1) {
    SmallVector<ReassociationIndices> all;
    if (!from.empty())
      all.push_back(llvm::to_vector(llvm::seq<int64_t>(0, from.size())));
    flat = tensor::CollapseShapeOp::create(b, loc, tensorType({n}), x, all);
  }
  if (shape.size() == 1)
    return flat;
  SmallVector<ReassociationIndices> all;
  if (!shape.empty())
    all.push_back(llvm::to_vector(llvm::seq<int64_t>(0, shape.size())));
  if (shape.empty())
    return tensor::CollapseShapeOp::create(b, loc, tensorType({}), flat, all);
  return tensor::ExpandShapeOp::create(b, loc, tensorType(shape), flat, all);
}

Value Importer::pad(Value x, ArrayRef<int64_t> low, ArrayRef<int64_t> high,
                    double value, ArrayRef<int64_t> interiorStride) {
  ArrayRef<int64_t> shape = shapeOf(x);
  bool trivial = llvm::all_of(low, [](int64_t v) { return v == 0; }) &&
                 llvm::all_of(high, [](int64_t v) { return v == 0; }) &&
                 llvm::all_of(interiorStride, [](int64_t v) { return v == 1; });
  if (trivial)
    return x;
  SmallVector<int64_t> outShape, strides;
  for (size_t d = 0; d < shape.size(); ++d) {
    int64_t s = interiorStride.empty() ? 1 : interiorStride[d];
    strides.push_back(s);
    outShape.push_back(low[d] + (shape[d] - 1) * s + 1 + high[d]);
  }
  Value dest = filled(outShape, value);
  return tensor::InsertSliceOp::create(
      b, loc, x, dest, getAsIndexOpFoldResult(&ctx, low),
      getAsIndexOpFoldResult(&ctx, shape),
      getAsIndexOpFoldResult(&ctx, strides));
}

Value Importer::transpose(Value x, ArrayRef<int64_t> perm) {
  ArrayRef<int64_t> shape = shapeOf(x);
  SmallVector<int64_t> outShape;
  for (int64_t p : perm)
    outShape.push_back(shape[p]);
  Value init = tensor::EmptyOp::create(b, loc, outShape, b.getF32Type());
  return linalg::TransposeOp::create(b, loc, x, init, perm).getResult()[0];
}

Value Importer::convolve(Value xp, const HostTensor &w, int64_t group,
                         ArrayRef<int64_t> strides,
                         ArrayRef<int64_t> dilations) {
  ArrayRef<int64_t> in = shapeOf(xp);
  int64_t n = in[0], c = in[1], m = w.shape[0], kh = w.shape[2],
          kw = w.shape[3];
  int64_t oh = (in[2] - dilations[0] * (kh - 1) - 1) / strides[0] + 1;
  int64_t ow = (in[3] - dilations[1] * (kw - 1) - 1) / strides[1] + 1;
  SmallVector<int64_t> outShape = {n, m, oh, ow};
  auto strideAttr = b.getI64TensorAttr(strides);
  auto dilationAttr = b.getI64TensorAttr(dilations);
  if (group == 1) {
    Value weight = constantF32(w, node->name() + "_weight");
    return linalg::Conv2DNchwFchwOp::create(
               b, loc, TypeRange{tensorType(outShape)}, ValueRange{xp, weight},
               ValueRange{filled(outShape, 0.0)}, strideAttr, dilationAttr)
        .getResult(0);
  }
  if (group == c && m == c) {
    // Depthwise, one filter per channel: the quantizer's depthwise form.
    HostTensor dw = w;
    dw.shape = {c, kh, kw};
    Value weight = constantF32(dw, node->name() + "_weight");
    return linalg::DepthwiseConv2DNchwChwOp::create(
               b, loc, TypeRange{tensorType(outShape)}, ValueRange{xp, weight},
               ValueRange{filled(outShape, 0.0)}, strideAttr, dilationAttr)
        .getResult(0);
  }
  // Other groupings: one dense convolution per group.
  int64_t cg = c / group, mg = m / group;
  Value out = tensor::EmptyOp::create(b, loc, outShape, b.getF32Type());
  for (int64_t g = 0; g < group; ++g) {
    Value part = tensor::ExtractSliceOp::create(
        b, loc, tensorType({n, cg, in[2], in[3]}), xp,
        getAsIndexOpFoldResult(&ctx, {0, g * cg, 0, 0}),
        getAsIndexOpFoldResult(&ctx, {n, cg, in[2], in[3]}),
        getAsIndexOpFoldResult(&ctx, {1, 1, 1, 1}));
    HostTensor wg;
    wg.shape = {mg, w.shape[1], kh, kw};
    int64_t per = w.shape[1] * kh * kw;
    wg.f.assign(w.f.begin() + g * mg * per, w.f.begin() + (g + 1) * mg * per);
    Value weight =
        constantF32(wg, node->name() + "_weight_g" + std::to_string(g));
    SmallVector<int64_t> partShape = {n, mg, oh, ow};
    Value conv = linalg::Conv2DNchwFchwOp::create(
                     b, loc, TypeRange{tensorType(partShape)},
                     ValueRange{part, weight},
                     ValueRange{filled(partShape, 0.0)}, strideAttr,
                     dilationAttr)
                     .getResult(0);
    out = tensor::InsertSliceOp::create(
        b, loc, conv, out, getAsIndexOpFoldResult(&ctx, {0, g * mg, 0, 0}),
        getAsIndexOpFoldResult(&ctx, partShape),
        getAsIndexOpFoldResult(&ctx, {1, 1, 1, 1}));
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Op families
//===----------------------------------------------------------------------===//

LogicalResult Importer::convertConv(bool transposed) {
  FailureOr<Value> x = runtime(0);
  if (failed(x))
    return failure();
  FailureOr<const HostTensor *> wp = host(1, "the weight");
  if (failed(wp))
    return failure();
  const HostTensor &w = **wp;
  ArrayRef<int64_t> in = shapeOf(*x);
  if (in.size() != 4 || w.shape.size() != 4 || !w.isFloat)
    return fail("only 2-D convolutions (4-D input and f32 weight) are "
                "supported; input " +
                shapeString(in) + ", weight " + shapeString(w.shape));
  int64_t group = intAttr("group", 1);
  FailureOr<Window> attrs = readWindow();
  if (failed(attrs))
    return failure();
  SmallVector<int64_t> strides = attrs->strides, dilations = attrs->dilations,
                       pads = attrs->pads;
  int64_t kh = w.shape[2], kw = w.shape[3];
  if (auto ks = intsAttr("kernel_shape"))
    if (*ks != SmallVector<int64_t>{kh, kw})
      return fail("kernel_shape " + shapeString(*ks) +
                  " does not match the weight " + shapeString(w.shape));

  // The bias, and a following BatchNormalization folded into weight and
  // bias when its parameters are known here.
  std::optional<HostTensor> bias;
  if (has(2)) {
    FailureOr<const HostTensor *> bt = host(2, "the bias");
    if (failed(bt))
      return failure();
    bias = **bt;
  }
  HostTensor foldedWeight;
  const HostTensor *weight = &w;
  const onnx::NodeProto *batchNorm = nullptr;
  auto foldable = foldableBatchNorm.find(node->output(0));
  if (!transposed && foldable != foldableBatchNorm.end()) {
    const onnx::NodeProto *bn = foldable->second;
    int64_t m = w.shape[0];
    const HostTensor *p[4] = {};
    bool known = bn->input_size() >= 5;
    for (int k = 0; known && k < 4; ++k) {
      auto it = values.find(bn->input(k + 1));
      known = it != values.end() && it->second.host &&
              it->second.host->size() == m;
      if (known)
        p[k] = &*it->second.host;
    }
    if (known) {
      float eps = 1e-5f;
      for (const onnx::AttributeProto &a : bn->attribute())
        if (a.name() == "epsilon")
          eps = a.f();
      foldedWeight = w;
      HostTensor newBias;
      newBias.shape = {m};
      int64_t per = w.size() / m;
      for (int64_t c = 0; c < m; ++c) {
        float a = float(p[0]->at(c)) / std::sqrt(float(p[3]->at(c)) + eps);
        for (int64_t k = 0; k < per; ++k)
          foldedWeight.f[c * per + k] *= a;
        float b0 = bias && bias->size() == m ? float(bias->at(c)) : 0.0f;
        newBias.f.push_back((b0 - float(p[2]->at(c))) * a +
                            float(p[1]->at(c)));
      }
      bias = std::move(newBias);
      weight = &foldedWeight;
      batchNorm = bn;
    }
  }

  Value result;
  int64_t outChannels;
  if (!transposed) {
    if (group < 1 || in[1] != w.shape[1] * group || w.shape[0] % group)
      return fail(llvm::formatv("weight {0} with group={1} does not fit an "
                                "input of {2} channels",
                                shapeString(w.shape), group, in[1])
                      .str());
    for (int d = 0; d < 2; ++d)
      if (in[2 + d] + pads[d] + pads[d + 2] < dilations[d] * (w.shape[2 + d] - 1) + 1)
        return fail("the kernel " + shapeString(w.shape) +
                    " does not fit the padded input " + shapeString(in));
    Value xp = pad(*x, {0, 0, pads[0], pads[1]}, {0, 0, pads[2], pads[3]}, 0.0);
    result = convolve(xp, *weight, group, strides, dilations);
    outChannels = w.shape[0];
  } else {
    // ConvTranspose as a stride-1 convolution of the input dilated by the
    // strides, padded by dilation*(k-1)-pad, with the kernel flipped and its
    // in/out channels swapped.
    if (group != 1 || in[1] != w.shape[0])
      return fail("ConvTranspose needs group=1 and a weight of " +
                  std::to_string(in[1]) + " input channels, got " +
                  shapeString(w.shape));
    if (intsAttr("output_shape"))
      return fail("ConvTranspose with output_shape is not supported");
    SmallVector<int64_t> outPad = intsAttr("output_padding").value_or(
        SmallVector<int64_t>{0, 0});
    if (outPad.size() != 2 || outPad[0] < 0 || outPad[1] < 0)
      return fail("output_padding must have 2 non-negative values");
    int64_t c = w.shape[0], m = w.shape[1];
    HostTensor flipped;
    flipped.shape = {m, c, kh, kw};
    flipped.f.resize(w.f.size());
    for (int64_t ci = 0; ci < c; ++ci)
      for (int64_t mi = 0; mi < m; ++mi)
        for (int64_t i = 0; i < kh; ++i)
          for (int64_t j = 0; j < kw; ++j)
            flipped.f[((mi * c + ci) * kh + (kh - 1 - i)) * kw + (kw - 1 - j)] =
                w.f[((ci * m + mi) * kh + i) * kw + j];
    SmallVector<int64_t> low = {0, 0}, high = {0, 0};
    int64_t k[2] = {kh, kw};
    for (int d = 0; d < 2; ++d) {
      low.push_back(dilations[d] * (k[d] - 1) - pads[d]);
      high.push_back(dilations[d] * (k[d] - 1) - pads[d + 2] + outPad[d]);
      if (low.back() < 0 || high.back() < 0)
        return fail("ConvTranspose pads larger than the kernel extent are "
                    "not supported");
    }
    Value xp = pad(*x, low, high, 0.0, {1, 1, strides[0], strides[1]});
    result = convolve(xp, flipped, 1, {1, 1}, dilations);
    outChannels = m;
  }
  if (bias) {
    if (bias->size() != outChannels)
      return fail("the bias has " + std::to_string(bias->size()) +
                  " values for " + std::to_string(outChannels) + " channels");
    HostTensor b4 = *bias;
    b4.shape = {1, outChannels, 1, 1};
    Value bv = constantF32(b4, node->name() + "_bias");
    FailureOr<Value> sum =
        map({result, bv}, [](OpBuilder &nb, Location l, ValueRange a) {
          return arith::AddFOp::create(nb, l, a[0], a[1]).getResult();
        });
    if (failed(sum))
      return failure();
    result = *sum;
  }
  setResult(0, result);
  if (batchNorm) {
    values[batchNorm->output(0)] = Slot{result, std::nullopt, {}};
    foldedNodes.insert(batchNorm);
  }
  return success();
}

LogicalResult Importer::convertPool(StringRef kind) {
  FailureOr<Value> x = runtime(0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> in = shapeOf(*x);
  if (in.size() != 4)
    return fail("only 2-D pooling (4-D input) is supported, input " +
                shapeString(in));
  if (kind == "GlobalAveragePool" || kind == "GlobalMaxPool") {
    bool isMax = kind == "GlobalMaxPool";
    Value r = reduce(*x, {2, 3}, isMax ? -INFINITY : 0.0,
                     [&](OpBuilder &nb, Location l, Value v, Value acc) {
                       if (isMax)
                         return arith::MaximumFOp::create(nb, l, v, acc)
                             .getResult();
                       return arith::AddFOp::create(nb, l, v, acc).getResult();
                     });
    if (!isMax) {
      double count = double(in[2] * in[3]);
      FailureOr<Value> mean =
          map({r}, [&](OpBuilder &nb, Location l, ValueRange a) {
            return arith::DivFOp::create(nb, l, a[0], floatScalar(nb, l, count))
                .getResult();
          });
      if (failed(mean))
        return failure();
      r = *mean;
    }
    setResult(0, r);
    return success();
  }
  bool isMax = kind == "MaxPool";
  if (isMax && node->output_size() > 1 && !node->output(1).empty())
    return fail("MaxPool's Indices output is not supported");
  std::optional<SmallVector<int64_t>> kernel = intsAttr("kernel_shape");
  if (!kernel || kernel->size() != 2)
    return fail("kernel_shape must have 2 values");
  FailureOr<Window> attrs = readWindow();
  if (failed(attrs))
    return failure();
  SmallVector<int64_t> strides = attrs->strides, dilations = attrs->dilations,
                       pads = attrs->pads;
  if ((*kernel)[0] < 1 || (*kernel)[1] < 1)
    return fail("kernel_shape " + shapeString(*kernel) + " is not positive");
  int64_t outHW[2];
  for (int d = 0; d < 2; ++d) {
    int64_t span = in[2 + d] + pads[d] + pads[d + 2] -
                   dilations[d] * ((*kernel)[d] - 1) - 1;
    if (span < 0)
      return fail("the window does not fit the padded input " +
                  shapeString(in));
    outHW[d] = span / strides[d] + 1;
    if (intAttr("ceil_mode", 0) && span % strides[d])
      return fail("ceil_mode=1 changes the output size here, which is not "
                  "supported");
  }
  Value xp = pad(*x, {0, 0, pads[0], pads[1]}, {0, 0, pads[2], pads[3]},
                 isMax ? -INFINITY : 0.0);
  SmallVector<int64_t> outShape = {in[0], in[1], outHW[0], outHW[1]};
  Value window = tensor::EmptyOp::create(b, loc, *kernel, b.getF32Type());
  auto strideAttr = b.getI64TensorAttr(strides);
  auto dilationAttr = b.getI64TensorAttr(dilations);
  Value init = filled(outShape, isMax ? -INFINITY : 0.0);
  if (isMax) {
    setResult(0, linalg::PoolingNchwMaxOp::create(
                     b, loc, TypeRange{init.getType()}, ValueRange{xp, window},
                     ValueRange{init}, strideAttr, dilationAttr)
                     .getResult(0));
    return success();
  }
  Value sum = linalg::PoolingNchwSumOp::create(
                  b, loc, TypeRange{init.getType()}, ValueRange{xp, window},
                  ValueRange{init}, strideAttr, dilationAttr)
                  .getResult(0);
  // Divisors per output position, computed here: the window size, or with
  // count_include_pad=0 only the positions inside the unpadded input.
  bool includePad = intAttr("count_include_pad", 0);
  HostTensor counts;
  counts.shape = {1, 1, outHW[0], outHW[1]};
  for (int64_t i = 0; i < outHW[0]; ++i)
    for (int64_t j = 0; j < outHW[1]; ++j) {
      int64_t count = 0;
      for (int64_t u = 0; u < (*kernel)[0]; ++u)
        for (int64_t v = 0; v < (*kernel)[1]; ++v) {
          int64_t r = i * strides[0] + u * dilations[0] - pads[0];
          int64_t c = j * strides[1] + v * dilations[1] - pads[1];
          bool inside = r >= 0 && r < in[2] && c >= 0 && c < in[3];
          bool inPadded = r < in[2] + pads[2] && c < in[3] + pads[3];
          count += inside || (includePad && inPadded);
        }
      counts.f.push_back(float(std::max<int64_t>(count, 1)));
    }
  Value divisor = constantF32(counts, node->name() + "_counts");
  FailureOr<Value> avg =
      map({sum, divisor}, [](OpBuilder &nb, Location l, ValueRange a) {
        return arith::DivFOp::create(nb, l, a[0], a[1]).getResult();
      });
  if (failed(avg))
    return failure();
  setResult(0, *avg);
  return success();
}

LogicalResult Importer::convertMatMul() {
  FailureOr<Value> a = runtime(0);
  if (failed(a))
    return failure();
  FailureOr<Slot *> bs = slot(1);
  if (failed(bs))
    return failure();
  ArrayRef<int64_t> as = shapeOf(*a);
  if (as.size() < 2)
    return fail("MatMul of a rank-" + std::to_string(as.size()) +
                " input is not supported");
  int64_t m = as[as.size() - 2], k = as.back();
  auto zero = [&](ArrayRef<int64_t> shape) { return filled(shape, 0.0); };
  if ((*bs)->host && (*bs)->host->shape.size() == 2) {
    // Constant weight: every leading dim folds into the rows of one
    // linalg.matmul, the form the quantizer handles.
    const HostTensor &w = *(*bs)->host;
    if (w.shape[0] != k)
      return fail("MatMul shapes " + shapeString(as) + " and " +
                  shapeString(w.shape) + " do not match");
    int64_t rows = 1;
    for (size_t d = 0; d + 1 < as.size(); ++d)
      rows *= as[d];
    int64_t n = w.shape[1];
    Value a2 = reshape(*a, {rows, k});
    FailureOr<Value> wv = runtime(1);
    if (failed(wv))
      return failure();
    Value mm = linalg::MatmulOp::create(b, loc, TypeRange{tensorType({rows, n})},
                                        ValueRange{a2, *wv},
                                        ValueRange{zero({rows, n})})
                   .getResult(0);
    SmallVector<int64_t> outShape(as.begin(), as.end());
    outShape.back() = n;
    setResult(0, reshape(mm, outShape));
    return success();
  }
  FailureOr<Value> bv = runtime(1);
  if (failed(bv))
    return failure();
  ArrayRef<int64_t> bsh = shapeOf(*bv);
  if (bsh.size() != as.size() || bsh[bsh.size() - 2] != k ||
      !std::equal(as.begin(), as.end() - 2, bsh.begin()))
    return fail("MatMul shapes " + shapeString(as) + " and " +
                shapeString(bsh) +
                " are not supported (both operands at run time need the same "
                "batch dimensions)");
  int64_t n = bsh.back();
  if (as.size() == 2) {
    setResult(0, linalg::MatmulOp::create(b, loc, TypeRange{tensorType({m, n})},
                                          ValueRange{*a, *bv},
                                          ValueRange{zero({m, n})})
                     .getResult(0));
    return success();
  }
  int64_t batch = 1;
  for (size_t d = 0; d + 2 < as.size(); ++d)
    batch *= as[d];
  Value a3 = reshape(*a, {batch, m, k}), b3 = reshape(*bv, {batch, k, n});
  Value mm = linalg::BatchMatmulOp::create(
                 b, loc, TypeRange{tensorType({batch, m, n})},
                 ValueRange{a3, b3}, ValueRange{zero({batch, m, n})})
                 .getResult(0);
  SmallVector<int64_t> outShape(as.begin(), as.end());
  outShape.back() = n;
  setResult(0, reshape(mm, outShape));
  return success();
}

LogicalResult Importer::convertGemm() {
  FailureOr<Value> a = runtime(0);
  if (failed(a))
    return failure();
  if (shapeOf(*a).size() != 2)
    return fail("Gemm needs a 2-D input A, got " + shapeString(shapeOf(*a)));
  if (intAttr("transA", 0))
    *a = transpose(*a, {1, 0});
  FailureOr<Slot *> bs = slot(1);
  if (failed(bs))
    return failure();
  Value bv;
  if ((*bs)->host && intAttr("transB", 0)) {
    const HostTensor &w = *(*bs)->host;
    if (w.shape.size() != 2 || !w.isFloat)
      return fail("Gemm needs a 2-D f32 B");
    HostTensor t = w;
    t.shape = {w.shape[1], w.shape[0]};
    for (int64_t i = 0; i < w.shape[1]; ++i)
      for (int64_t j = 0; j < w.shape[0]; ++j)
        t.f[i * w.shape[0] + j] = w.f[j * w.shape[1] + i];
    bv = constantF32(t, node->input(1) + "_transposed");
  } else {
    FailureOr<Value> v = runtime(1);
    if (failed(v))
      return failure();
    bv = intAttr("transB", 0) ? transpose(*v, {1, 0}) : *v;
  }
  ArrayRef<int64_t> as = shapeOf(*a), bsh = shapeOf(bv);
  if (bsh.size() != 2 || as[1] != bsh[0])
    return fail("Gemm shapes " + shapeString(as) + " and " +
                shapeString(bsh) + " do not match");
  SmallVector<int64_t> outShape = {as[0], bsh[1]};
  Value r = linalg::MatmulOp::create(b, loc, TypeRange{tensorType(outShape)},
                                     ValueRange{*a, bv},
                                     ValueRange{filled(outShape, 0.0)})
                .getResult(0);
  double alpha = floatAttr("alpha", 1.0f), beta = floatAttr("beta", 1.0f);
  if (alpha != 1.0) {
    FailureOr<Value> s = map({r}, [&](OpBuilder &nb, Location l, ValueRange x) {
      return arith::MulFOp::create(nb, l, x[0], floatScalar(nb, l, alpha))
          .getResult();
    });
    if (failed(s))
      return failure();
    r = *s;
  }
  if (has(2) && beta != 0.0) {
    FailureOr<Value> c = runtime(2);
    if (failed(c))
      return failure();
    FailureOr<Value> s =
        map({r, *c}, [&](OpBuilder &nb, Location l, ValueRange x) {
          Value cv = x[1];
          if (beta != 1.0)
            cv = arith::MulFOp::create(nb, l, cv, floatScalar(nb, l, beta));
          return arith::AddFOp::create(nb, l, x[0], cv).getResult();
        });
    if (failed(s))
      return failure();
    if (shapeOf(*s) != ArrayRef<int64_t>(outShape))
      return fail("Gemm's C does not broadcast to " + shapeString(outShape));
    r = *s;
  }
  setResult(0, r);
  return success();
}

LogicalResult Importer::convertResize() {
  FailureOr<Value> x = runtime(0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> in = shapeOf(*x);
  int64_t rank = in.size();
  std::string mode = stringAttr("mode", "nearest");
  std::string coord = stringAttr("coordinate_transformation_mode",
                                 opset >= 11 ? "half_pixel" : "asymmetric");
  std::string nearest = stringAttr("nearest_mode", "round_prefer_floor");
  if (mode != "nearest")
    return fail("Resize mode '" + mode + "' is not supported (only nearest)");
  // Scales and sizes: opset 10 has (X, scales), 11+ (X, roi, scales, sizes).
  unsigned scalesIndex = opset >= 11 ? 2 : 1, sizesIndex = 3;
  SmallVector<double> scales;
  SmallVector<int64_t> outShape;
  if (has(sizesIndex)) {
    FailureOr<const HostTensor *> sizes = host(sizesIndex, "sizes");
    if (failed(sizes))
      return failure();
    for (int64_t k = 0; k < (*sizes)->size(); ++k)
      outShape.push_back(int64_t((*sizes)->at(k)));
    if (int64_t(outShape.size()) != rank)
      return fail("sizes has " + std::to_string(outShape.size()) +
                  " values for a rank-" + std::to_string(rank) + " input");
    for (int64_t d = 0; d < rank; ++d)
      scales.push_back(double(outShape[d]) / double(in[d]));
  } else {
    FailureOr<const HostTensor *> s = host(scalesIndex, "scales");
    if (failed(s))
      return failure();
    if ((*s)->size() != rank)
      return fail("scales has " + std::to_string((*s)->size()) +
                  " values for a rank-" + std::to_string(rank) + " input");
    for (int64_t d = 0; d < rank; ++d) {
      // ORT computes in float: scale the same way.
      float scale = float((*s)->at(d));
      scales.push_back(scale);
      outShape.push_back(int64_t(std::floor(float(in[d]) * scale)));
    }
  }
  for (int64_t d = 0; d < rank; ++d)
    if (outShape[d] < 1 || !(scales[d] > 0))
      return fail("Resize to " + shapeString(outShape) +
                  " (non-positive sizes or scales) is not supported");
  // The source index of every output index per dim, computed here.
  std::vector<std::vector<int64_t>> tables(rank);
  for (int64_t d = 0; d < rank; ++d) {
    for (int64_t o = 0; o < outShape[d]; ++o) {
      float scale = float(scales[d]);
      float src;
      if (coord == "asymmetric")
        src = float(o) / scale;
      else if (coord == "half_pixel")
        src = (float(o) + 0.5f) / scale - 0.5f;
      else if (coord == "pytorch_half_pixel")
        src = outShape[d] > 1 ? (float(o) + 0.5f) / scale - 0.5f : 0.0f;
      else if (coord == "align_corners")
        src = outShape[d] > 1
                  ? float(o) * float(in[d] - 1) / float(outShape[d] - 1)
                  : 0.0f;
      else
        return fail("coordinate_transformation_mode '" + coord +
                    "' is not supported");
      int64_t idx;
      if (nearest == "floor")
        idx = int64_t(std::floor(src));
      else if (nearest == "ceil")
        idx = int64_t(std::ceil(src));
      else if (nearest == "round_prefer_floor")
        idx = src == std::floor(src) + 0.5f ? int64_t(std::floor(src))
                                            : int64_t(std::round(src));
      else if (nearest == "round_prefer_ceil")
        idx = int64_t(std::round(src));
      else
        return fail("nearest_mode '" + nearest + "' is not supported");
      tables[d].push_back(std::clamp<int64_t>(idx, 0, in[d] - 1));
    }
  }
  // A generic over the output that reads the input at the tabled indices.
  Value init = tensor::EmptyOp::create(b, loc, outShape, b.getF32Type());
  SmallVector<Value> tableValues;
  SmallVector<AffineMap> maps;
  for (int64_t d = 0; d < rank; ++d) {
    auto type = RankedTensorType::get({outShape[d]}, b.getIndexType());
    auto attr = DenseElementsAttr::get(
        type, llvm::to_vector(llvm::map_range(tables[d], [&](int64_t v) {
          return Attribute(b.getIndexAttr(v));
        })));
    tableValues.push_back(arith::ConstantOp::create(b, loc, attr));
    maps.push_back(AffineMap::get(rank, 0, getAffineDimExpr(d, &ctx)));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, &ctx));
  Value source = *x;
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, tableValues, ValueRange{init}, maps,
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value v = tensor::ExtractOp::create(nb, l, source, args.drop_back());
        linalg::YieldOp::create(nb, l, v);
      });
  setResult(0, op.getResult(0));
  return success();
}

LogicalResult Importer::convertSlice() {
  FailureOr<Slot *> s = slot(0);
  if (failed(s))
    return failure();
  SmallVector<int64_t> shape = (*s)->host
                                   ? (*s)->host->shape
                                   : SmallVector<int64_t>(shapeOf((*s)->value));
  int64_t rank = shape.size();
  auto starts = intsFromAttrOrInput("starts", 1);
  auto ends = intsFromAttrOrInput("ends", 2);
  auto axes = intsFromAttrOrInput("axes", 3);
  auto steps = intsFromAttrOrInput("steps", 4);
  if (failed(starts) || failed(ends) || failed(axes) || failed(steps))
    return failure();
  if (!*starts || !*ends || (*starts)->size() != (*ends)->size())
    return fail("starts and ends must be given with the same length");
  SmallVector<int64_t> offset(rank, 0), size(shape), stride(rank, 1);
  for (size_t k = 0; k < (*starts)->size(); ++k) {
    int64_t axis = *axes ? (**axes)[k] : int64_t(k);
    FailureOr<int64_t> a = normalizeAxis(axis, rank);
    if (failed(a))
      return failure();
    int64_t step = *steps ? (**steps)[k] : 1;
    if (step <= 0)
      return fail("Slice with step " + std::to_string(step) +
                  " is not supported");
    int64_t dim = shape[*a];
    auto clampIndex = [&](int64_t v) {
      if (v < 0)
        v += dim;
      return std::clamp<int64_t>(v, 0, dim);
    };
    int64_t begin = clampIndex((**starts)[k]), end = clampIndex((**ends)[k]);
    offset[*a] = begin;
    stride[*a] = step;
    size[*a] = end > begin ? (end - begin + step - 1) / step : 0;
  }
  if ((*s)->host) {
    setHostResult(0, gatherHost(*(*s)->host, size, [&](int64_t d, int64_t i) {
                    return offset[d] + i * stride[d];
                  }));
    return success();
  }
  setResult(0, tensor::ExtractSliceOp::create(
                   b, loc, tensorType(size), (*s)->value,
                   getAsIndexOpFoldResult(&ctx, offset),
                   getAsIndexOpFoldResult(&ctx, size),
                   getAsIndexOpFoldResult(&ctx, stride)));
  return success();
}

LogicalResult Importer::convertConcat() {
  SmallVector<Slot *> inputs;
  bool allHost = true;
  for (int k = 0; k < node->input_size(); ++k) {
    if (!has(k))
      continue;
    FailureOr<Slot *> s = slot(k);
    if (failed(s))
      return failure();
    inputs.push_back(*s);
    allHost &= bool((*s)->host);
  }
  if (inputs.empty())
    return fail("Concat without inputs");
  auto shapeOfSlot = [&](Slot *s) {
    return s->host ? s->host->shape : SmallVector<int64_t>(shapeOf(s->value));
  };
  SmallVector<int64_t> outShape = shapeOfSlot(inputs[0]);
  FailureOr<int64_t> axis = normalizeAxis(intAttr("axis", 0), outShape.size());
  if (failed(axis))
    return failure();
  outShape[*axis] = 0;
  for (Slot *s : inputs) {
    SmallVector<int64_t> sh = shapeOfSlot(s);
    for (size_t d = 0; d < outShape.size(); ++d)
      if (int64_t(d) != *axis && (sh.size() != outShape.size() ||
                                  sh[d] != shapeOfSlot(inputs[0])[d]))
        return fail("Concat inputs " + shapeString(shapeOfSlot(inputs[0])) +
                    " and " + shapeString(sh) + " do not match");
    outShape[*axis] += sh[*axis];
  }
  if (allHost) {
    HostTensor out;
    out.isFloat = llvm::all_of(inputs, [](Slot *s) { return s->host->isFloat; });
    out.shape = outShape;
    int64_t outer = 1;
    for (int64_t d = 0; d < *axis; ++d)
      outer *= outShape[d];
    for (int64_t o = 0; o < outer; ++o)
      for (Slot *s : inputs) {
        int64_t chunk = s->host->size() / std::max<int64_t>(outer, 1);
        for (int64_t k = 0; k < chunk; ++k) {
          double v = s->host->at(o * chunk + k);
          if (out.isFloat)
            out.f.push_back(float(v));
          else
            out.i.push_back(int64_t(v));
        }
      }
    setHostResult(0, std::move(out));
    return success();
  }
  Value dest = tensor::EmptyOp::create(b, loc, outShape, b.getF32Type());
  int64_t at = 0;
  for (int k = 0; k < node->input_size(); ++k) {
    if (!has(k))
      continue;
    FailureOr<Value> v = runtime(k);
    if (failed(v))
      return failure();
    SmallVector<int64_t> offsets(outShape.size(), 0);
    offsets[*axis] = at;
    ArrayRef<int64_t> sh = shapeOf(*v);
    at += sh[*axis];
    dest = tensor::InsertSliceOp::create(
        b, loc, *v, dest, getAsIndexOpFoldResult(&ctx, offsets),
        getAsIndexOpFoldResult(&ctx, sh),
        getAsIndexOpFoldResult(&ctx, SmallVector<int64_t>(sh.size(), 1)));
  }
  setResult(0, dest);
  return success();
}

/// Reshape, Flatten, Squeeze, Unsqueeze: only the shape changes.
LogicalResult Importer::convertReshapeLike() {
  StringRef op = node->op_type();
  FailureOr<Slot *> s = slot(0);
  if (failed(s))
    return failure();
  SmallVector<int64_t> in = (*s)->host
                                ? (*s)->host->shape
                                : SmallVector<int64_t>(shapeOf((*s)->value));
  int64_t rank = in.size(), count = 1;
  for (int64_t d : in)
    count *= d;
  SmallVector<int64_t> out;
  if (op == "Reshape") {
    FailureOr<const HostTensor *> target = host(1, "the shape");
    if (failed(target))
      return failure();
    int64_t known = 1, inferred = -1;
    for (int64_t k = 0; k < (*target)->size(); ++k) {
      int64_t d = int64_t((*target)->at(k));
      if (d == 0 && !intAttr("allowzero", 0)) {
        if (k >= rank)
          return fail("shape entry 0 at " + std::to_string(k) +
                      " has no input dimension to copy");
        d = in[k];
      }
      if (d < -1)
        return fail("shape entry " + std::to_string(d) + " is invalid");
      if (d == -1) {
        if (inferred >= 0)
          return fail("shape has more than one -1");
        inferred = k;
      } else {
        known *= d;
      }
      out.push_back(d);
    }
    if (inferred >= 0) {
      if (known == 0 || count % known)
        return fail("cannot infer the -1 of shape " + shapeString(out) +
                    " for " + std::to_string(count) + " elements");
      out[inferred] = count / known;
    }
  } else if (op == "Flatten") {
    FailureOr<int64_t> axis = normalizeAxis(intAttr("axis", 1), rank + 1);
    if (failed(axis))
      return failure();
    int64_t outer = 1;
    for (int64_t d = 0; d < *axis; ++d)
      outer *= in[d];
    out = {outer, count / std::max<int64_t>(outer, 1)};
  } else {
    auto axesOr = intsFromAttrOrInput("axes", 1);
    if (failed(axesOr))
      return failure();
    if (op == "Squeeze") {
      SmallVector<int64_t> axes;
      if (*axesOr) {
        for (int64_t a : **axesOr) {
          FailureOr<int64_t> n = normalizeAxis(a, rank);
          if (failed(n))
            return failure();
          if (in[*n] != 1)
            return fail("cannot squeeze axis " + std::to_string(a) +
                        " of size " + std::to_string(in[*n]));
          axes.push_back(*n);
        }
      }
      for (int64_t d = 0; d < rank; ++d)
        if (*axesOr ? !llvm::is_contained(axes, d) : in[d] != 1)
          out.push_back(in[d]);
    } else {
      if (!*axesOr)
        return fail("Unsqueeze needs axes");
      int64_t outRank = rank + (*axesOr)->size();
      SmallVector<int64_t> axes;
      for (int64_t a : **axesOr) {
        FailureOr<int64_t> n = normalizeAxis(a, outRank);
        if (failed(n))
          return failure();
        if (llvm::is_contained(axes, *n))
          return fail("axes " + shapeString(**axesOr) + " repeat an axis");
        axes.push_back(*n);
      }
      for (int64_t d = 0, k = 0; d < outRank; ++d)
        out.push_back(llvm::is_contained(axes, d) ? 1 : in[k++]);
    }
  }
  int64_t outCount = 1;
  for (int64_t d : out)
    outCount *= d;
  if (outCount != count)
    return fail("cannot reshape " + shapeString(in) + " to " +
                shapeString(out));
  if ((*s)->host) {
    HostTensor t = *(*s)->host;
    t.shape = out;
    setHostResult(0, std::move(t));
    return success();
  }
  setResult(0, reshape((*s)->value, out));
  return success();
}

LogicalResult Importer::convertSoftmax() {
  FailureOr<Value> x = runtime(0);
  if (failed(x))
    return failure();
  int64_t rank = shapeOf(*x).size();
  FailureOr<int64_t> axis =
      normalizeAxis(intAttr("axis", opset >= 13 ? -1 : 1), rank);
  if (failed(axis))
    return failure();
  // Before opset 13 Softmax normalizes over all dims from `axis` on.
  SmallVector<int64_t> axes;
  for (int64_t d = *axis; d < (opset >= 13 ? *axis + 1 : rank); ++d)
    axes.push_back(d);
  Value max = reduce(*x, axes, -INFINITY,
                     [](OpBuilder &nb, Location l, Value v, Value acc) {
                       return arith::MaximumFOp::create(nb, l, v, acc)
                           .getResult();
                     });
  FailureOr<Value> e =
      map({*x, max}, [](OpBuilder &nb, Location l, ValueRange a) {
        Value d = arith::SubFOp::create(nb, l, a[0], a[1]);
        return math::ExpOp::create(nb, l, d).getResult();
      });
  if (failed(e))
    return failure();
  Value sum = reduce(*e, axes, 0.0,
                     [](OpBuilder &nb, Location l, Value v, Value acc) {
                       return arith::AddFOp::create(nb, l, v, acc).getResult();
                     });
  FailureOr<Value> y =
      map({*e, sum}, [](OpBuilder &nb, Location l, ValueRange a) {
        return arith::DivFOp::create(nb, l, a[0], a[1]).getResult();
      });
  if (failed(y))
    return failure();
  setResult(0, *y);
  return success();
}

LogicalResult Importer::convertReduce() {
  StringRef op = node->op_type();
  FailureOr<Value> x = runtime(0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> in = shapeOf(*x);
  int64_t rank = in.size();
  auto axesOr = intsFromAttrOrInput("axes", 1);
  if (failed(axesOr))
    return failure();
  SmallVector<int64_t> axes;
  if (*axesOr && !(*axesOr)->empty()) {
    for (int64_t a : **axesOr) {
      FailureOr<int64_t> n = normalizeAxis(a, rank);
      if (failed(n))
        return failure();
      axes.push_back(*n);
    }
  } else if (!intAttr("noop_with_empty_axes", 0)) {
    axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  }
  bool isMax = op == "ReduceMax";
  Value r = reduce(*x, axes, isMax ? -INFINITY : 0.0,
                   [&](OpBuilder &nb, Location l, Value v, Value acc) {
                     if (isMax)
                       return arith::MaximumFOp::create(nb, l, v, acc)
                           .getResult();
                     return arith::AddFOp::create(nb, l, v, acc).getResult();
                   });
  if (op == "ReduceMean") {
    double count = 1;
    for (int64_t a : axes)
      count *= in[a];
    FailureOr<Value> mean = map({r}, [&](OpBuilder &nb, Location l, ValueRange a) {
      return arith::DivFOp::create(nb, l, a[0], floatScalar(nb, l, count))
          .getResult();
    });
    if (failed(mean))
      return failure();
    r = *mean;
  }
  if (!intAttr("keepdims", 1)) {
    SmallVector<int64_t> out;
    for (int64_t d = 0; d < rank; ++d)
      if (!llvm::is_contained(axes, d))
        out.push_back(in[d]);
    r = reshape(r, out);
  }
  setResult(0, r);
  return success();
}

/// The body of an elementwise op that is one op on its single input.
template <typename OpTy>
std::function<Value(OpBuilder &, Location, ValueRange)> unaryBody() {
  return [](OpBuilder &nb, Location l, ValueRange a) -> Value {
    return OpTy::create(nb, l, a[0]);
  };
}

/// Element-wise ops with numpy broadcasting; sets `handled`.
LogicalResult Importer::convertElementwise(bool &handled) {
  StringRef op = node->op_type();
  handled = true;
  using Body = std::function<Value(OpBuilder &, Location, ValueRange)>;
  auto f = [](double v) {
    return [v](OpBuilder &nb, Location l) -> Value {
      return arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(float(v)));
    };
  };
  Body body;
  unsigned numInputs = 1;
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" ||
      op == "Pow" || op == "Max" || op == "Min") {
    numInputs = 2;
    std::string name = op.str();
    bool squareExponent = false;
    if (op == "Pow" && has(1)) {
      // x^2 as x*x: exact, as reference runtimes compute it.
      FailureOr<Slot *> e = slot(1);
      if (failed(e))
        return failure();
      squareExponent = (*e)->host && (*e)->host->size() == 1 &&
                       (*e)->host->at(0) == 2.0;
    }
    body = [name, squareExponent](OpBuilder &nb, Location l,
                                  ValueRange a) -> Value {
      if (name == "Add")
        return arith::AddFOp::create(nb, l, a[0], a[1]);
      if (name == "Sub")
        return arith::SubFOp::create(nb, l, a[0], a[1]);
      if (name == "Mul")
        return arith::MulFOp::create(nb, l, a[0], a[1]);
      if (name == "Div")
        return arith::DivFOp::create(nb, l, a[0], a[1]);
      if (name == "Max")
        return arith::MaximumFOp::create(nb, l, a[0], a[1]);
      if (name == "Min")
        return arith::MinimumFOp::create(nb, l, a[0], a[1]);
      if (squareExponent)
        return arith::MulFOp::create(nb, l, a[0], a[0]);
      return math::PowFOp::create(nb, l, a[0], a[1]);
    };
  } else if (op == "Relu") {
    body = [f](OpBuilder &nb, Location l, ValueRange a) -> Value {
      return arith::MaximumFOp::create(nb, l, a[0], f(0.0)(nb, l));
    };
  } else if (op == "Clip") {
    double lo = -INFINITY, hi = INFINITY;
    if (opset < 11) {
      lo = floatAttr("min", -std::numeric_limits<float>::infinity());
      hi = floatAttr("max", std::numeric_limits<float>::infinity());
    } else {
      for (unsigned k : {1u, 2u}) {
        if (!has(k))
          continue;
        FailureOr<const HostTensor *> t = host(k, k == 1 ? "min" : "max");
        if (failed(t))
          return failure();
        if ((*t)->size() != 1)
          return fail("Clip bounds must be scalars");
        (k == 1 ? lo : hi) = (*t)->at(0);
      }
    }
    body = [f, lo, hi](OpBuilder &nb, Location l, ValueRange a) -> Value {
      Value v = a[0];
      if (!std::isinf(lo))
        v = arith::MaximumFOp::create(nb, l, v, f(lo)(nb, l));
      if (!std::isinf(hi))
        v = arith::MinimumFOp::create(nb, l, v, f(hi)(nb, l));
      return v;
    };
  } else if (op == "HardSigmoid" || op == "HardSwish") {
    double alpha = op == "HardSwish" ? 1.0 / 6 : floatAttr("alpha", 0.2f);
    double beta = op == "HardSwish" ? 0.5 : floatAttr("beta", 0.5f);
    bool swish = op == "HardSwish";
    body = [f, alpha, beta, swish](OpBuilder &nb, Location l,
                                   ValueRange a) -> Value {
      Value v = arith::MulFOp::create(nb, l, a[0], f(alpha)(nb, l));
      v = arith::AddFOp::create(nb, l, v, f(beta)(nb, l));
      v = arith::MaximumFOp::create(nb, l, v, f(0.0)(nb, l));
      v = arith::MinimumFOp::create(nb, l, v, f(1.0)(nb, l));
      return swish ? arith::MulFOp::create(nb, l, a[0], v).getResult() : v;
    };
  } else if (op == "Sigmoid") {
    body = [f](OpBuilder &nb, Location l, ValueRange a) -> Value {
      Value n = arith::NegFOp::create(nb, l, a[0]);
      Value e = math::ExpOp::create(nb, l, n);
      Value d = arith::AddFOp::create(nb, l, e, f(1.0)(nb, l));
      return arith::DivFOp::create(nb, l, f(1.0)(nb, l), d);
    };
  } else if (op == "Sqrt") {
    body = unaryBody<math::SqrtOp>();
  } else if (op == "Exp") {
    body = unaryBody<math::ExpOp>();
  } else if (op == "Log") {
    body = unaryBody<math::LogOp>();
  } else if (op == "Neg") {
    body = unaryBody<arith::NegFOp>();
  } else if (op == "Abs") {
    body = unaryBody<math::AbsFOp>();
  } else if (op == "Reciprocal") {
    body = [f](OpBuilder &nb, Location l, ValueRange a) -> Value {
      return arith::DivFOp::create(nb, l, f(1.0)(nb, l), a[0]);
    };
  } else if (op == "LeakyRelu") {
    double alpha = floatAttr("alpha", 0.01f);
    body = [f, alpha](OpBuilder &nb, Location l, ValueRange a) -> Value {
      Value scaled = arith::MulFOp::create(nb, l, a[0], f(alpha)(nb, l));
      Value positive = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT,
                                             a[0], f(0.0)(nb, l));
      return arith::SelectOp::create(nb, l, positive, a[0], scaled);
    };
  } else if (op == "BatchNormalization") {
    // Inference form: per-channel x * a + c, with a and c computed here.
    numInputs = 1;
    const HostTensor *params[4];
    static const char *names[4] = {"scale", "B", "mean", "var"};
    for (unsigned k = 0; k < 4; ++k) {
      FailureOr<const HostTensor *> t = host(k + 1, names[k]);
      if (failed(t))
        return failure();
      params[k] = *t;
    }
    FailureOr<Value> x = runtime(0);
    if (failed(x))
      return failure();
    ArrayRef<int64_t> in = shapeOf(*x);
    if (in.size() < 2)
      return fail("BatchNormalization needs a channel dimension");
    int64_t channels = in[1];
    for (const HostTensor *p : params)
      if (p->size() != channels)
        return fail("BatchNormalization parameters must have " +
                    std::to_string(channels) + " values");
    double eps = floatAttr("epsilon", 1e-5f);
    HostTensor scale, shift;
    scale.shape.assign(in.size(), 1);
    scale.shape[1] = channels;
    shift.shape = scale.shape;
    for (int64_t c = 0; c < channels; ++c) {
      float a = params[0]->at(c) / std::sqrt(float(params[3]->at(c)) +
                                             float(eps));
      scale.f.push_back(a);
      shift.f.push_back(float(params[1]->at(c)) - float(params[2]->at(c)) * a);
    }
    Value sv = constantF32(scale, node->name() + "_scale");
    Value cv = constantF32(shift, node->name() + "_shift");
    FailureOr<Value> y =
        map({*x, sv, cv}, [](OpBuilder &nb, Location l, ValueRange a) {
          Value m = arith::MulFOp::create(nb, l, a[0], a[1]);
          return arith::AddFOp::create(nb, l, m, a[2]).getResult();
        });
    if (failed(y))
      return failure();
    setResult(0, *y);
    return success();
  } else if (op == "Identity" || op == "Dropout" ||
             (op == "Cast" && intAttr("to", 1) == onnx::TensorProto::FLOAT)) {
    FailureOr<Value> x = runtime(0);
    if (failed(x))
      return failure();
    setResult(0, *x);
    return success();
  } else {
    handled = false;
    return success();
  }
  SmallVector<Value> inputs;
  for (unsigned k = 0; k < numInputs; ++k) {
    FailureOr<Value> v = runtime(k);
    if (failed(v))
      return failure();
    inputs.push_back(*v);
  }
  FailureOr<Value> y = map(inputs, body);
  if (failed(y))
    return failure();
  setResult(0, *y);
  return success();
}

//===----------------------------------------------------------------------===//
// Import-time evaluation of shape arithmetic
//===----------------------------------------------------------------------===//

LogicalResult Importer::convertHostNode(const onnx::NodeProto &n, bool &done) {
  StringRef op = n.op_type();
  done = true;
  if (op == "Constant") {
    HostTensor t;
    if (const onnx::AttributeProto *a = attr("value")) {
      if (failed(readTensor(a->t(), t)))
        return failure();
    } else if (const onnx::AttributeProto *a = attr("value_float")) {
      t.f = {a->f()};
    } else if (const onnx::AttributeProto *a = attr("value_floats")) {
      t.f.assign(a->floats().begin(), a->floats().end());
      t.shape = {int64_t(t.f.size())};
    } else if (const onnx::AttributeProto *a = attr("value_int")) {
      t = HostTensor::ints({}, {a->i()});
    } else if (const onnx::AttributeProto *a = attr("value_ints")) {
      std::vector<int64_t> v(a->ints().begin(), a->ints().end());
      t = HostTensor::ints({int64_t(v.size())}, v);
    } else {
      return fail("Constant without a supported value attribute");
    }
    setHostResult(0, std::move(t));
    return success();
  }
  if (op == "Shape") {
    FailureOr<Slot *> s = slot(0);
    if (failed(s))
      return failure();
    SmallVector<int64_t> shape = (*s)->host
                                     ? (*s)->host->shape
                                     : SmallVector<int64_t>(shapeOf((*s)->value));
    std::vector<int64_t> dims(shape.begin(), shape.end());
    int64_t rank = dims.size();
    int64_t start = intAttr("start", 0), end = intAttr("end", rank);
    start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
    end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
    dims = std::vector<int64_t>(dims.begin() + start,
                                dims.begin() + std::max(start, end));
    setHostResult(0, HostTensor::ints({int64_t(dims.size())}, dims));
    return success();
  }
  // The rest only when every input is known here.
  bool allHost = n.input_size() > 0;
  for (int k = 0; k < n.input_size(); ++k) {
    if (n.input(k).empty())
      continue;
    auto it = values.find(n.input(k));
    allHost &= it != values.end() && it->second.host.has_value();
  }
  if (!allHost) {
    done = false;
    return success();
  }
  if (op == "Cast") {
    HostTensor t = *values[n.input(0)].host;
    int64_t to = intAttr("to", 1);
    bool toFloat = to == onnx::TensorProto::FLOAT ||
                   to == onnx::TensorProto::DOUBLE;
    if (toFloat && !t.isFloat) {
      t.f.assign(t.i.begin(), t.i.end());
      t.i.clear();
    } else if (!toFloat && t.isFloat) {
      for (float v : t.f)
        t.i.push_back(int64_t(v));
      t.f.clear();
    }
    t.isFloat = toFloat;
    setHostResult(0, std::move(t));
    return success();
  }
  if (op == "Gather") {
    const HostTensor &data = *values[n.input(0)].host;
    const HostTensor &indices = *values[n.input(1)].host;
    int64_t rank = data.shape.size();
    FailureOr<int64_t> axis = normalizeAxis(intAttr("axis", 0), rank);
    if (failed(axis))
      return failure();
    // Result: data dims before axis, index dims, data dims after axis.
    SmallVector<int64_t> outShape(data.shape.begin(),
                                  data.shape.begin() + *axis);
    outShape.append(indices.shape.begin(), indices.shape.end());
    outShape.append(data.shape.begin() + *axis + 1, data.shape.end());
    HostTensor out;
    out.isFloat = data.isFloat;
    out.shape = outShape;
    int64_t outer = 1, inner = 1, dim = data.shape[*axis];
    for (int64_t d = 0; d < *axis; ++d)
      outer *= data.shape[d];
    for (int64_t d = *axis + 1; d < rank; ++d)
      inner *= data.shape[d];
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t k = 0; k < indices.size(); ++k) {
        int64_t idx = int64_t(indices.at(k));
        if (idx < 0)
          idx += dim;
        if (idx < 0 || idx >= dim)
          return fail("Gather index " + std::to_string(idx) +
                      " is out of range");
        for (int64_t i = 0; i < inner; ++i) {
          int64_t from = (o * dim + idx) * inner + i;
          if (out.isFloat)
            out.f.push_back(data.f[from]);
          else
            out.i.push_back(data.i[from]);
        }
      }
    setHostResult(0, std::move(out));
    return success();
  }
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" ||
      op == "Equal" || op == "Less" || op == "Greater") {
    const HostTensor &x = *values[n.input(0)].host;
    const HostTensor &y = *values[n.input(1)].host;
    auto shape = broadcastShapes(x.shape, y.shape);
    if (!shape)
      return fail("shapes " + shapeString(x.shape) + " and " +
                  shapeString(y.shape) + " do not broadcast");
    auto index = [&](const HostTensor &t) {
      int64_t offset = shape->size() - t.shape.size();
      return [&t, offset, this, sh = *shape](int64_t d, int64_t i) -> int64_t {
        (void)this;
        if (d < offset)
          return 0;
        return t.shape[d - offset] == 1 ? 0 : i;
      };
    };
    // Broadcast both to the result shape (ranks equalized), then combine.
    auto expand = [&](const HostTensor &t) {
      HostTensor r = t;
      SmallVector<int64_t> padded(shape->size() - t.shape.size(), 1);
      padded.append(t.shape.begin(), t.shape.end());
      r.shape = padded;
      return gatherHost(r, *shape, index(r));
    };
    HostTensor ex = expand(x), ey = expand(y);
    bool isFloat = x.isFloat || y.isFloat;
    bool isCompare = op == "Equal" || op == "Less" || op == "Greater";
    HostTensor out;
    out.isFloat = isFloat && !isCompare;
    out.shape = *shape;
    for (int64_t k = 0; k < out.size(); ++k) {
      double a = ex.at(k), c = ey.at(k), r;
      if (op == "Add")
        r = a + c;
      else if (op == "Sub")
        r = a - c;
      else if (op == "Mul")
        r = a * c;
      else if (op == "Div") {
        if (!isFloat && c == 0)
          return fail("integer division by zero");
        r = isFloat ? a / c : double(int64_t(a) / int64_t(c));
      } else if (op == "Equal")
        r = a == c;
      else if (op == "Less")
        r = a < c;
      else
        r = a > c;
      if (out.isFloat)
        out.f.push_back(float(r));
      else
        out.i.push_back(int64_t(r));
    }
    setHostResult(0, std::move(out));
    return success();
  }
  done = false;
  return success();
}

//===----------------------------------------------------------------------===//
// Driver
//===----------------------------------------------------------------------===//

static const char *const kSupported[] = {
    "Abs",          "Add",
    "AveragePool",  "BatchNormalization",
    "Cast",         "Clip",
    "Concat",       "Constant",
    "Conv",         "ConvTranspose",
    "Div",          "Dropout",
    "Exp",          "Flatten",
    "Gather",       "Gemm",
    "GlobalAveragePool", "GlobalMaxPool",
    "HardSigmoid",  "HardSwish",
    "Identity",     "LeakyRelu",
    "Log",          "MatMul",
    "Max",          "MaxPool",
    "Min",          "Mul",
    "Neg",          "Pow",
    "Reciprocal",   "ReduceMax",
    "ReduceMean",   "ReduceSum",
    "Relu",         "Reshape",
    "Resize",       "Shape",
    "Sigmoid",      "Slice",
    "Softmax",      "Sqrt",
    "Squeeze",      "Sub",
    "Transpose",    "Unsqueeze",
    // Only with inputs known at import time:
    "Equal",        "Greater",
    "Less",
};

static bool isHostOnly(StringRef op) {
  return op == "Gather" || op == "Equal" || op == "Greater" || op == "Less";
}

LogicalResult Importer::convertNode(const onnx::NodeProto &n) {
  StringRef op = n.op_type();
  if (n.output_size() < 1 || n.output(0).empty())
    return fail("the node has no output");
  bool done = false;
  if (failed(convertHostNode(n, done)))
    return failure();
  if (done)
    return success();
  if (isHostOnly(op))
    return fail(op + " is supported only on tensors known at import time");
  if (op == "Conv")
    return convertConv(false);
  if (op == "ConvTranspose")
    return convertConv(true);
  if (op == "MaxPool" || op == "AveragePool" || op == "GlobalAveragePool" ||
      op == "GlobalMaxPool")
    return convertPool(op);
  if (op == "MatMul")
    return convertMatMul();
  if (op == "Gemm")
    return convertGemm();
  if (op == "Resize")
    return convertResize();
  if (op == "Slice")
    return convertSlice();
  if (op == "Concat")
    return convertConcat();
  if (op == "Reshape" || op == "Flatten" || op == "Squeeze" ||
      op == "Unsqueeze")
    return convertReshapeLike();
  if (op == "Softmax")
    return convertSoftmax();
  if (op == "ReduceMean" || op == "ReduceSum" || op == "ReduceMax")
    return convertReduce();
  if (op == "Transpose") {
    FailureOr<Value> x = runtime(0);
    if (failed(x))
      return failure();
    int64_t rank = shapeOf(*x).size();
    SmallVector<int64_t> perm = intsAttr("perm").value_or(
        llvm::to_vector(llvm::reverse(llvm::seq<int64_t>(0, rank))));
    SmallVector<int64_t> sorted(perm);
    llvm::sort(sorted);
    if (sorted != llvm::to_vector(llvm::seq<int64_t>(0, rank)))
      return fail("perm " + shapeString(perm) + " is not a permutation of " +
                  std::to_string(rank) + " dims");
    setResult(0, transpose(*x, perm));
    return success();
  }
  bool handled = false;
  if (failed(convertElementwise(handled)))
    return failure();
  if (!handled)
    return fail("Cast" == op ? "Cast to a non-float type at run time is not "
                               "supported"
                             : "is not supported");
  return success();
}

llvm::Expected<OwningOpRef<ModuleOp>>
Importer::run(const onnx::ModelProto &model) {
  for (const onnx::OperatorSetIdProto &set : model.opset_import())
    if (set.domain().empty() || set.domain() == "ai.onnx")
      opset = set.version();
  const onnx::GraphProto &graph = model.graph();

  // Every unsupported operator at once, so a model's gaps show in one run.
  llvm::StringSet<> supported;
  for (const char *name : kSupported)
    supported.insert(name);
  std::vector<std::string> unsupported;
  std::map<std::string, int> unsupportedCount;
  for (const onnx::NodeProto &n : graph.node()) {
    bool defaultDomain = n.domain().empty() || n.domain() == "ai.onnx";
    if (!defaultDomain || !supported.contains(n.op_type())) {
      std::string op =
          defaultDomain ? n.op_type() : n.domain() + "." + n.op_type();
      unsupported.push_back(op + " (node '" + n.name() + "')");
      ++unsupportedCount[op];
    }
  }
  if (!unsupported.empty()) {
    std::string ops;
    for (auto &[op, count] : unsupportedCount)
      ops += (ops.empty() ? "" : ", ") + op;
    std::string message = llvm::formatv("the model uses {0} unsupported "
                                        "operator(s): {1}; nodes:",
                                        unsupportedCount.size(), ops);
    for (const std::string &u : unsupported)
      message += "\n  " + u;
    return makeError(message);
  }

  for (const onnx::TensorProto &init : graph.initializer()) {
    HostTensor t;
    if (failed(readTensor(init, t)))
      return makeError("initializer '" + init.name() + "': " + errorMessage);
    values[init.name()] = Slot{{}, std::move(t), {}};
  }

  llvm::StringSet<> graphInputs;
  for (const onnx::ValueInfoProto &input : graph.input())
    graphInputs.insert(input.name());
  for (auto &entry : options.inputShapes)
    if (!graphInputs.contains(entry.getKey()) ||
        values.count(entry.getKey().str()))
      return makeError("--input-shape names '" + entry.getKey() +
                       "', which is not an input of the model");

  // Function inputs: graph inputs that are not initializers.
  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  for (const onnx::ValueInfoProto &input : graph.input()) {
    if (values.count(input.name()))
      continue;
    const std::string &name = input.name();
    if (!input.type().has_tensor_type())
      return makeError("input '" + name + "' is not a tensor");
    const onnx::TypeProto::Tensor &tt = input.type().tensor_type();
    if (tt.elem_type() != onnx::TensorProto::FLOAT)
      return makeError("input '" + name + "' has element type " +
                       onnx::TensorProto::DataType_Name(
                           onnx::TensorProto::DataType(tt.elem_type())) +
                       "; only float inputs are supported");
    SmallVector<int64_t> shape;
    bool dynamic = !tt.has_shape();
    for (const onnx::TensorShapeProto::Dimension &d : tt.shape().dim()) {
      shape.push_back(d.has_dim_value() ? d.dim_value() : -1);
      dynamic |= !d.has_dim_value() || d.dim_value() <= 0;
    }
    auto given = options.inputShapes.find(name);
    if (given != options.inputShapes.end()) {
      if (tt.has_shape() && given->second.size() != shape.size())
        return makeError(llvm::formatv("--input-shape for '{0}' has rank {1}, "
                                       "the model's input has rank {2}",
                                       name, given->second.size(),
                                       shape.size())
                             .str());
      for (size_t d = 0; d < shape.size(); ++d)
        if (shape[d] > 0 && shape[d] != given->second[d])
          return makeError("--input-shape for '" + name + "' is " +
                           shapeString(given->second) +
                           ", the model fixes dimension " + std::to_string(d) +
                           " to " + std::to_string(shape[d]));
      shape = given->second;
    } else if (dynamic) {
      std::string dims;
      for (size_t d = 0; d < shape.size(); ++d)
        dims += (d ? "," : "") +
                (shape[d] > 0 ? std::to_string(shape[d]) : std::string("?"));
      return makeError("input '" + name + "' has a dynamic shape [" + dims +
                       "]; give a static one with --input-shape=" + name +
                       ":d0,d1,...");
    }
    argTypes.push_back(tensorType(shape));
    argNames.push_back(name);
  }

  OwningOpRef<ModuleOp> module = ModuleOp::create(UnknownLoc::get(&ctx));
  b.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(
      b, UnknownLoc::get(&ctx), options.functionName,
      b.getFunctionType(argTypes, {}));
  Block *body = func.addEntryBlock();
  for (size_t k = 0; k < argNames.size(); ++k) {
    values[argNames[k]] = Slot{body->getArgument(k), std::nullopt, {}};
    func.setArgAttr(k, "onnx.name", b.getStringAttr(argNames[k]));
  }
  b.setInsertionPointToEnd(body);

  if (options.foldBatchNorm) {
    // A Conv output used only by a BatchNormalization (not a graph output).
    std::map<std::string, int> uses;
    std::map<std::string, const onnx::NodeProto *> producer;
    for (const onnx::NodeProto &n : graph.node()) {
      for (const std::string &in : n.input())
        ++uses[in];
      for (const std::string &out : n.output())
        producer[out] = &n;
    }
    for (const onnx::ValueInfoProto &out : graph.output())
      ++uses[out.name()];
    for (const onnx::NodeProto &n : graph.node()) {
      if (n.op_type() != "BatchNormalization" || !n.domain().empty() ||
          n.input_size() < 5 || uses[n.input(0)] != 1)
        continue;
      auto p = producer.find(n.input(0));
      if (p != producer.end() && p->second->op_type() == "Conv" &&
          p->second->domain().empty())
        foldableBatchNorm[n.input(0)] = &n;
    }
  }

  int index = 0;
  for (const onnx::NodeProto &n : graph.node()) {
    node = &n;
    if (foldedNodes.count(&n)) {
      ++index;
      continue;
    }
    std::string label = n.name().empty()
                            ? n.op_type() + "_" + std::to_string(index)
                            : n.name();
    ++index;
    loc = NameLoc::get(b.getStringAttr(label));
    if (failed(convertNode(n)))
      return makeError("node '" + label + "' (" + n.op_type() + "): " +
                       errorMessage);
  }
  loc = UnknownLoc::get(&ctx);

  SmallVector<Value> results;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    auto it = values.find(output.name());
    if (it == values.end())
      return makeError("output '" + output.name() + "' is never computed");
    Slot &s = it->second;
    if (!s.value && !s.host->isFloat)
      return makeError("output '" + output.name() +
                       "' is an integer tensor; only f32 outputs are "
                       "supported");
    if (!s.value && !s.materialized)
      s.materialized = constantF32(*s.host, output.name());
    results.push_back(s.value ? s.value : s.materialized);
  }
  func::ReturnOp::create(b, UnknownLoc::get(&ctx), results);
  func.setType(b.getFunctionType(argTypes, ValueRange(results).getTypes()));
  for (size_t k = 0; k < results.size(); ++k)
    func.setResultAttr(k, "onnx.name",
                       b.getStringAttr(graph.output(k).name()));
  if (failed(verify(*module)))
    return makeError("the imported module does not verify (an importer "
                     "bug; see the diagnostics above)");
  return std::move(module);
}

} // namespace

std::vector<std::string> supportedOperators() {
  return std::vector<std::string>(std::begin(kSupported),
                                  std::end(kSupported));
}

llvm::Expected<OwningOpRef<ModuleOp>>
importOnnxModel(StringRef bytes, StringRef bufferName, MLIRContext &context,
                const ImportOptions &options) {
  context.loadDialect<arith::ArithDialect, func::FuncDialect,
                      linalg::LinalgDialect, math::MathDialect,
                      tensor::TensorDialect>();
  onnx::ModelProto model;
  if (bytes.size() > size_t(std::numeric_limits<int>::max()) ||
      !model.ParseFromArray(bytes.data(), int(bytes.size())))
    return makeError("'" + bufferName +
                     "' is not a valid ONNX model (protobuf parse failed)");
  if (!model.has_graph())
    return makeError("'" + bufferName + "' has no graph");
  Importer importer(context, options);
  auto module = importer.run(model);
  if (!module)
    return makeError("'" + bufferName + "': " + toString(module.takeError()));
  return module;
}

llvm::Expected<OwningOpRef<ModuleOp>>
importOnnxFile(StringRef path, MLIRContext &context,
               const ImportOptions &options) {
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/false);
  if (!buffer)
    return makeError("cannot read '" + path +
                     "': " + buffer.getError().message());
  return importOnnxModel((*buffer)->getBuffer(), path, context, options);
}

} // namespace onnx_import
} // namespace vsquant
