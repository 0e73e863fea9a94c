//===- VSQuantToVSQAccel.cpp - vsquant layers to accelerator programs ----===//
//
// Checks that each vsquant.matmul, batch_matmul, conv2d and
// depthwise_conv2d has the machine's formats, plans its program with
// vsquant::accel (the cost model's tiling) and appends it to the module as
// a vsqaccel.program.
//
//===----------------------------------------------------------------------===//

#include "vsquant/Accel/Schedule.h"
#include "vsquant/Conversion/VSQuantToVSQAccel/VSQuantToVSQAccel.h"
#include "vsquant/Conversion/Passes.h"
#include "vsquant/Dialect/VSQAccel/IR/VSQAccel.h"
#include "vsquant/Dialect/VSQuant/IR/VSQuant.h"
#include "vsquant/Target/VSQAccel/ProgramIR.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir {
namespace vsquant {
#define GEN_PASS_DEF_CONVERTVSQUANTTOVSQACCEL
#include "vsquant/Conversion/Passes.h.inc"
} // namespace vsquant
} // namespace mlir

using namespace mlir;
using namespace mlir::vsquant;
namespace accel = ::vsquant::accel;

namespace {
/// Emits `message` on `op`, prefixed with the operand, and fails.
LogicalResult mismatch(Operation *op, StringRef operand, const Twine &message,
                       const accel::Config &config) {
  return op->emitOpError() << operand << ": " << message << " (accelerator '"
                           << config.name << "')";
}

/// Checks one operand's format against the machine. `reductionAxis` is the
/// operand's K axis, `channelAxis` its other axis; `elementBits` the
/// datapath width and `scaleBits` its per-vector scale width. An
/// activation's coarse scale must be per tensor, or per batch along
/// `batchAxis` (each batch is its own GEMM with its own PPU scales).
LogicalResult checkOperand(Operation *op, StringRef operand, QTensorType type,
                           int64_t reductionAxis, int64_t channelAxis,
                           unsigned elementBits, unsigned scaleBits,
                           bool isActivation, const accel::Config &config,
                           int64_t batchAxis = FormatAttr::kNoAxis) {
  FormatAttr format = type.getFormat();
  if (format.getElementBits() > elementBits)
    return mismatch(op, operand,
                    Twine(format.getElementBits()) +
                        "-bit elements do not fit the " + Twine(elementBits) +
                        "-bit datapath",
                    config);
  if (!isActivation && !format.isSignedElement())
    return mismatch(op, operand,
                    "unsigned elements cannot enter the signed weight "
                    "datapath",
                    config);
  if (config.scaling == accel::Scaling::PerVector) {
    if (format.getGranularity() != Granularity::PerVector ||
        format.getAxis() != reductionAxis)
      return mismatch(op, operand,
                      "must be per_vector along the reduction axis " +
                          Twine(reductionAxis) + " on a per-vector machine",
                      config);
    if (format.getVectorSize() != config.vectorSize)
      return mismatch(op, operand,
                      "vector size " + Twine(format.getVectorSize()) +
                          " differs from the hardware's " +
                          Twine(config.vectorSize),
                      config);
    if (!format.isTwoLevel() || format.getScaleBits() != scaleBits)
      return mismatch(op, operand,
                      "needs two-level ui" + Twine(scaleBits) +
                          " scales, the machine's per-vector scale width",
                      config);
    if (isActivation && !format.hasPerTensorCoarse() &&
        (batchAxis == FormatAttr::kNoAxis ||
         format.getCoarseAxis() != batchAxis))
      return mismatch(op, operand,
                      "a per-row coarse scale cannot be applied per lane by "
                      "the PPU; use a per-tensor coarse scale",
                      config);
    return success();
  }
  Granularity expected =
      isActivation ? Granularity::PerTensor : Granularity::PerChannel;
  if (format.getGranularity() != expected ||
      (!isActivation && format.getAxis() != channelAxis) ||
      !format.isSingleLevel())
    return mismatch(op, operand,
                    Twine("must be ") +
                        (isActivation ? Twine("per_tensor")
                                      : "per_channel along N (axis " +
                                            Twine(channelAxis) + ")") +
                        " with f32 scales on a per-channel machine",
                    config);
  return success();
}

/// Checks a layer op against the machine and plans its program.
struct LayerPlanner {
  const accel::Config &config;
  /// DRAM placement (dramBase, inputBase) of the plan.
  accel::MatmulOptions placement;

  /// What matmul and conv2d share: bias, relu, the input's signedness and,
  /// for a quantized result, a check of its format against the machine.
  template <typename OpTy>
  FailureOr<accel::MatmulOptions>
  layerOptions(OpTy op, StringRef name, QTensorType input,
               int64_t resultReductionAxis) {
    accel::MatmulOptions options = placement;
    options.name = name.str();
    options.bias = static_cast<bool>(op.getBias());
    options.relu = op.getRelu();
    options.unsignedInput = !input.getFormat().isSignedElement();
    if (auto result = dyn_cast<QTensorType>(op.getResult().getType())) {
      if (failed(checkOperand(op, "result", result, resultReductionAxis, 0,
                              config.activationBits, config.activationScaleBits,
                              true, config)))
        return failure();
      FormatAttr format = result.getFormat();
      if (!format.hasPerTensorCoarse())
        return mismatch(op, "result",
                        "the PPU re-quantizes under one coarse scale; use "
                        "a per-tensor coarse scale",
                        config);
      if (format.getRounding() != RoundingMode::HalfToEven ||
          format.getScaleRounding() != ScaleRounding::Ceil)
        return mismatch(op, "result",
                        "the PPU rounds elements half to even and integer "
                        "scales up (round = rne, scale_round = ceil)",
                        config);
      options.requantize = true;
      options.unsignedOutput = !format.isSignedElement();
    }
    return options;
  }

  /// What conv2d and depthwise_conv2d check first: a per-vector machine,
  /// static shapes, an NHWC input per vector along C in the machine's
  /// format.
  LogicalResult checkConvInput(Operation *op, QTensorType input,
                               QTensorType filter) {
    if (config.scaling != accel::Scaling::PerVector)
      return op->emitOpError("maps only to per-vector machines for now "
                             "(accelerator '")
             << config.name << "' is per-channel)";
    if (ShapedType::isDynamicShape(input.getShape()) ||
        ShapedType::isDynamicShape(filter.getShape()))
      return op->emitOpError("needs static shapes to map to the accelerator");
    return checkOperand(op, "input", input, 3, 0, config.activationBits,
                        config.activationScaleBits, true, config);
  }

  /// The planner's view of a conv op on an NHWC input of shape `in`.
  template <typename ConvOp>
  static accel::Conv2dShape convShapeOf(ConvOp op, ArrayRef<int64_t> in,
                                        int64_t kh, int64_t kw, int64_t f) {
    accel::Conv2dShape shape;
    shape.batch = in[0];
    shape.h = in[1];
    shape.w = in[2];
    shape.c = in[3];
    shape.kh = kh;
    shape.kw = kw;
    shape.f = f;
    shape.strideH = op.getStrides()[0];
    shape.strideW = op.getStrides()[1];
    shape.dilationH = op.getDilations()[0];
    shape.dilationW = op.getDilations()[1];
    shape.padTop = op.getPadding()[0];
    shape.padLeft = op.getPadding()[1];
    shape.padBottom = op.getPadding()[2];
    shape.padRight = op.getPadding()[3];
    return shape;
  }

  /// The plan, or the planner's reason as a diagnostic on `op`.
  FailureOr<accel::MatmulPlan> finishPlan(Operation *op,
                                          llvm::Expected<accel::MatmulPlan> plan) {
    if (!plan)
      return op->emitOpError("cannot map to accelerator '")
             << config.name << "': " << llvm::toString(plan.takeError());
    return std::move(*plan);
  }

  FailureOr<accel::MatmulPlan> lower(MatmulOp op, StringRef name) {
    auto lhs = cast<QTensorType>(op.getLhs().getType());
    auto rhs = cast<QTensorType>(op.getRhs().getType());
    if (ShapedType::isDynamicShape(lhs.getShape()) ||
        ShapedType::isDynamicShape(rhs.getShape()))
      return op.emitOpError("needs static shapes to map to the accelerator");
    if (failed(checkOperand(op, "lhs", lhs, 1, 0, config.activationBits,
                            config.activationScaleBits, true, config)) ||
        failed(checkOperand(op, "rhs", rhs, 0, 1, config.weightBits,
                            config.weightScaleBits, false, config)))
      return failure();
    FailureOr<accel::MatmulOptions> options =
        layerOptions(op, name, lhs, /*resultReductionAxis=*/1);
    if (failed(options))
      return failure();
    int64_t m = lhs.getShape()[0], k = lhs.getShape()[1],
            n = rhs.getShape()[1];
    llvm::Expected<accel::MatmulPlan> plan =
        accel::planMatmul(config, m, k, n, *options);
    return finishPlan(op, std::move(plan));
  }

  /// One program runs the batch's GEMMs one after the other (planBatchMatmul);
  /// both operands may be activations, but B enters the weight datapath.
  FailureOr<accel::MatmulPlan> lowerBatch(BatchMatmulOp op, StringRef name) {
    auto lhs = cast<QTensorType>(op.getLhs().getType());
    auto rhs = cast<QTensorType>(op.getRhs().getType());
    if (ShapedType::isDynamicShape(lhs.getShape()) ||
        ShapedType::isDynamicShape(rhs.getShape()))
      return op.emitOpError("needs static shapes to map to the accelerator");
    if (failed(checkOperand(op, "lhs", lhs, 2, 1, config.activationBits,
                            config.activationScaleBits, true, config,
                            /*batchAxis=*/0)) ||
        failed(checkOperand(op, "rhs", rhs, 1, 2, config.weightBits,
                            config.weightScaleBits, false, config)))
      return failure();
    FailureOr<accel::MatmulOptions> options =
        layerOptions(op, name, lhs, /*resultReductionAxis=*/2);
    if (failed(options))
      return failure();
    ArrayRef<int64_t> a = lhs.getShape(), b = rhs.getShape();
    llvm::Expected<accel::MatmulPlan> plan =
        accel::planBatchMatmul(config, a[0], a[1], a[2], b[2], *options);
    return finishPlan(op, std::move(plan));
  }

  /// A depthwise conv runs as its block-diagonal GEMM
  /// (planDepthwiseConv2d): each tap's product is one vector MAC whose
  /// weight vector holds a single nonzero element.
  FailureOr<accel::MatmulPlan> lowerDepthwise(DepthwiseConv2DOp op,
                                              StringRef name) {
    auto input = cast<QTensorType>(op.getInput().getType());
    auto filter = cast<QTensorType>(op.getFilter().getType());
    if (failed(checkConvInput(op, input, filter)))
      return failure();
    // The filter's vectors run along the window (axis 0), any size: each
    // tap's weight enters its own vector MAC with its own integer scale.
    FormatAttr filterFormat = filter.getFormat();
    if (filterFormat.getElementBits() > config.weightBits)
      return mismatch(op, "filter",
                      Twine(filterFormat.getElementBits()) +
                          "-bit elements do not fit the " +
                          Twine(config.weightBits) + "-bit datapath",
                      config);
    if (!filterFormat.isSignedElement())
      return mismatch(op, "filter",
                      "unsigned elements cannot enter the signed weight "
                      "datapath",
                      config);
    if (filterFormat.getGranularity() != Granularity::PerVector ||
        filterFormat.getAxis() != 0 || !filterFormat.isTwoLevel() ||
        filterFormat.getScaleBits() != config.weightScaleBits)
      return mismatch(op, "filter",
                      "must be per_vector along the window (axis 0) with "
                      "two-level ui" +
                          Twine(config.weightScaleBits) +
                          " scales on a per-vector machine",
                      config);
    FailureOr<accel::MatmulOptions> options =
        layerOptions(op, name, input, /*resultReductionAxis=*/3);
    if (failed(options))
      return failure();
    accel::Conv2dShape shape =
        convShapeOf(op, input.getShape(), op.getKernelSize()[0],
                    op.getKernelSize()[1], input.getShape()[3]);
    llvm::Expected<accel::MatmulPlan> plan =
        accel::planDepthwiseConv2d(config, shape, *options);
    return finishPlan(op, std::move(plan));
  }

  /// A conv runs as the GEMM of its im2col rows (planConv2d); the host lays
  /// the input out as those rows.
  FailureOr<accel::MatmulPlan> lowerConv(Conv2DOp op, StringRef name) {
    auto input = cast<QTensorType>(op.getInput().getType());
    auto filter = cast<QTensorType>(op.getFilter().getType());
    if (failed(checkConvInput(op, input, filter)) ||
        failed(checkOperand(op, "filter", filter, 2, 3, config.weightBits,
                            config.weightScaleBits, false, config)))
      return failure();
    FailureOr<accel::MatmulOptions> options =
        layerOptions(op, name, input, /*resultReductionAxis=*/3);
    if (failed(options))
      return failure();
    ArrayRef<int64_t> f = filter.getShape();
    accel::Conv2dShape shape =
        convShapeOf(op, input.getShape(), f[0], f[1], f[3]);
    llvm::Expected<accel::MatmulPlan> plan =
        accel::planConv2d(config, shape, *options);
    return finishPlan(op, std::move(plan));
  }
};
} // namespace

FailureOr<accel::MatmulPlan> mlir::vsquant::planAcceleratorLayer(
    Operation *op, StringRef name, const accel::Config &config,
    int64_t dramBase, int64_t inputBase) {
  LayerPlanner planner{config, {}};
  planner.placement.dramBase = dramBase;
  planner.placement.inputBase = inputBase;
  return TypeSwitch<Operation *, FailureOr<accel::MatmulPlan>>(op)
      .Case([&](MatmulOp matmul) { return planner.lower(matmul, name); })
      .Case([&](BatchMatmulOp batched) {
        return planner.lowerBatch(batched, name);
      })
      .Case([&](Conv2DOp conv) { return planner.lowerConv(conv, name); })
      .Case([&](DepthwiseConv2DOp conv) {
        return planner.lowerDepthwise(conv, name);
      })
      .Default([](Operation *other) {
        return other->emitOpError("is not a layer the accelerator runs");
      });
}

std::string mlir::vsquant::acceleratorProgramName(Operation *op,
                                                  int64_t index) {
  auto function = op->getParentOfType<func::FuncOp>();
  return (function ? function.getSymName().str() : std::string("module")) +
         "_" + op->getName().stripDialect().str() + std::to_string(index);
}

namespace {
struct ConvertVSQuantToVSQAccelPass
    : mlir::vsquant::impl::ConvertVSQuantToVSQAccelBase<
          ConvertVSQuantToVSQAccelPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (configPath.empty()) {
      module.emitError("convert-vsquant-to-vsqaccel needs "
                       "config=<accelerator.json>");
      return signalPassFailure();
    }
    llvm::Expected<accel::Config> config = accel::readConfig(configPath);
    if (!config) {
      module.emitError(llvm::toString(config.takeError()));
      return signalPassFailure();
    }
    SmallVector<Operation *> layers;
    module.walk([&](Operation *op) {
      if (isa<MatmulOp, BatchMatmulOp, Conv2DOp, DepthwiseConv2DOp>(op))
        layers.push_back(op);
    });
    OpBuilder builder(module.getContext());
    builder.setInsertionPointToEnd(module.getBody());
    DenseMap<std::pair<Operation *, OperationName>, int> countPerFunction;
    bool failedAny = false;
    for (Operation *op : layers) {
      auto function = op->getParentOfType<func::FuncOp>();
      std::string name = acceleratorProgramName(
          op, countPerFunction[{function, op->getName()}]++);
      FailureOr<accel::MatmulPlan> plan =
          planAcceleratorLayer(op, name, *config);
      LogicalResult result = failure();
      if (succeeded(plan)) {
        // The program beside the op, and the op pointing at it.
        vsqaccel::ProgramOp program =
            vsqaccel::buildProgramOp(builder, op->getLoc(), plan->program);
        op->setAttr("vsqaccel.program",
                    FlatSymbolRefAttr::get(program.getSymNameAttr()));
        result = success();
      }
      if (failed(result))
        failedAny = true;
    }
    if (failedAny)
      signalPassFailure();
  }
};
} // namespace
