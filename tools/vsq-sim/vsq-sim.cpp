//===- vsq-sim.cpp - accelerator simulator driver ---------------*- C++ -*-===//
//
// Two modes:
//  * --program P.bin --image I.bin -o O.bin: runs a vsq-translate binary on
//    a DRAM image and writes the image after the run, with the timing.
//  * --matmul M,K,N: end to end on random data: quantizes A and B in the
//    machine's formats (quant::quantizeTensor), plans the matmul, encodes
//    and decodes its binary, runs it on the packed image and compares the
//    outputs bit for bit with quant::quantizedMatmul (SPEC.md section 5),
//    and the simulated cycles with the cost model's.
//
//===----------------------------------------------------------------------===//

#include "vsquant/Accel/Simulator.h"
#include "vsquant/Conversion/VSQuantToVSQAccel/VSQuantToVSQAccel.h"
#include "vsquant/Dialect/VSQuant/IR/VSQuant.h"
#include "vsquant/InitAll.h"
#include "vsquant/Quant/Matmul.h"
#include "vsquant/Support/Npy.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "vsquant/Quant/Statistics.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/WithColor.h"

#include <cmath>
#include <cstring>

using namespace llvm;
using namespace vsquant::accel;
namespace q = vsquant::quant;

static cl::OptionCategory category("Simulator options");
static cl::opt<std::string> configPath("config", cl::Required,
                                       cl::desc("Accelerator config"),
                                       cl::value_desc("accel.json"),
                                       cl::cat(category));
static cl::opt<std::string> programPath("program",
                                        cl::desc("Binary to run (vsq-translate "
                                                 "--vsqaccel-to-binary)"),
                                        cl::cat(category));
static cl::opt<std::string> imagePath("image", cl::desc("DRAM image to run on"),
                                      cl::cat(category));
static cl::opt<std::string> outputPath("o", cl::desc("Write the DRAM image "
                                                     "after the run"),
                                       cl::value_desc("path"),
                                       cl::cat(category));
static cl::opt<std::string> matmulSpec("matmul",
                                       cl::desc("M,K,N: end-to-end check on "
                                                "random data"),
                                       cl::cat(category));
static cl::opt<std::string>
    conv2dSpec("conv2d",
               cl::desc("N,H,W,C,F,KH,KW[,STRIDE[,PAD]]: end-to-end check of "
                        "a per-vector conv (im2col data image)"),
               cl::cat(category));
static cl::opt<std::string>
    mlpSpec("mlp", cl::desc("M,K,H,N: a two-layer network (bias, ReLU and "
                            "re-quantization on the PPU, then a second "
                            "matmul), entirely on the accelerator"),
            cl::cat(category));
static cl::opt<std::string> batchMatmulSpec(
    "batch-matmul",
    cl::desc("B,M,K,N: end-to-end check of a batch of independent matmuls "
             "in one program"),
    cl::cat(category));
static cl::opt<std::string> depthwiseSpec(
    "depthwise",
    cl::desc("N,H,W,C,KH,KW[,STRIDE[,PAD]]: end-to-end check of a depthwise "
             "conv (block-diagonal GEMM)"),
    cl::cat(category));
static cl::opt<double> calibrationPercentile(
    "calibration-percentile",
    cl::desc("--mlp: T of the static coarse scale is this percentile of the "
             "per-vector scales seen on calibration data (100: max)"),
    cl::init(100), cl::cat(category));
static cl::opt<std::string> modulePath(
    "module",
    cl::desc("A quantized vsquant module: plans each layer as "
             "--convert-vsquant-to-vsqaccel does, lays out one DRAM image "
             "from the module's constants, quantizes --input as the module "
             "says and runs the network; -o writes the result (.npy)"),
    cl::value_desc("model.mlir"), cl::cat(category));
static cl::opt<std::string> inputPath("input",
                                      cl::desc("--module: the entry "
                                               "function's input (.npy)"),
                                      cl::cat(category));
static cl::opt<std::string> writeDir(
    "write-dir",
    cl::desc("--module: write each layer's program (<name>.bin), the DRAM "
             "image before the first program runs (image.bin) and where "
             "everything is in it (layout.json)"),
    cl::value_desc("dir"), cl::cat(category));
static cl::opt<unsigned> seed("seed", cl::desc("Random data seed"),
                              cl::init(1), cl::cat(category));
static cl::opt<bool> withBias("bias", cl::desc("Add a bias"),
                              cl::cat(category));
static cl::opt<bool> withRelu("relu", cl::desc("Apply ReLU"),
                              cl::cat(category));
static cl::opt<bool> unsignedInput("unsigned-input",
                                   cl::desc("ui<N> activations (>= 0)"),
                                   cl::cat(category));
static cl::opt<double> maxCycleError(
    "max-cycle-error",
    cl::desc("--matmul: fail when |simulated / model - 1| exceeds this"),
    cl::init(-1), cl::cat(category));
static cl::opt<std::string> writeBinary("write-binary",
                                        cl::desc("--matmul: write the program "
                                                 "binary"),
                                        cl::value_desc("path"),
                                        cl::cat(category));
static cl::opt<std::string> writeImage("write-image",
                                       cl::desc("--matmul: write the DRAM "
                                                "image before the run"),
                                       cl::value_desc("path"),
                                       cl::cat(category));
static cl::opt<bool> printAsm("print-asm",
                              cl::desc("Print the planned program"),
                              cl::cat(category));

static int fail(const Twine &message) {
  WithColor::error(errs(), "vsq-sim") << message << "\n";
  return 1;
}

static void printStats(const SimulationStats &s) {
  outs() << formatv("simulated cycles: {0} (MAC busy {1}, DMA busy {2}, PPU "
                    "busy {3}, MAC stalled on DMA {4})\n",
                    s.cycles, s.macBusyCycles, s.dmaBusyCycles,
                    s.ppuBusyCycles, s.macStallOnDmaCycles);
  outs() << formatv("DMA bytes: {0}; vector MACs: {1}; saturations: {2}\n",
                    s.dmaBytes, s.vectorMacs, s.saturations);
  outs() << formatv("buffer occupancy: weight {0} slots, input {1} entries, "
                    "accumulator {2} rows, params {3} words, output {4} rows\n",
                    s.weightSlotsUsed, s.inputEntriesUsed,
                    s.accumulatorRowsUsed, s.paramsWordsUsed, s.outputRowsUsed);
}

static Error writeBytes(StringRef path, ArrayRef<uint8_t> bytes) {
  return writeToOutput(path, [&](raw_ostream &os) {
    os.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
    return Error::success();
  });
}

static Expected<std::vector<uint8_t>> readBytes(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buffer =
      MemoryBuffer::getFile(path, /*IsText=*/false);
  if (!buffer)
    return createStringError(buffer.getError(), "%s: cannot read: %s",
                             path.str().c_str(),
                             buffer.getError().message().c_str());
  StringRef data = (*buffer)->getBuffer();
  return std::vector<uint8_t>(data.begin(), data.end());
}

static int runBinary(const Config &config) {
  if (imagePath.empty())
    return fail("--program needs --image");
  Expected<std::vector<uint8_t>> bytes = readBytes(programPath);
  if (!bytes)
    return fail(toString(bytes.takeError()));
  Expected<Program> program = decodeProgram(*bytes);
  if (!program)
    return fail(programPath + ": " + toString(program.takeError()));
  Expected<std::vector<uint8_t>> image = readBytes(imagePath);
  if (!image)
    return fail(toString(image.takeError()));
  Expected<SimulationStats> stats = simulate(*program, config, *image);
  if (!stats)
    return fail(programPath + ": " + toString(stats.takeError()));
  printStats(*stats);
  if (!outputPath.empty())
    if (Error e = writeBytes(outputPath, *image))
      return fail(toString(std::move(e)));
  return 0;
}

/// Deterministic data: a small LCG, values in [-1, 1) (or [0, 1)), with a
/// few large outliers so that per-vector scales differ.
static std::vector<float> randomData(int64_t count, uint64_t state,
                                     bool nonNegative) {
  std::vector<float> data(count);
  for (float &x : data) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    double u = double(state >> 11) / double(1ULL << 53);
    x = float(nonNegative ? u : 2 * u - 1);
    if ((state >> 7) % 29 == 0)
      x *= 8;
  }
  return data;
}

/// The program as the machine gets it: encoded into `binary` and decoded
/// again (so that runs execute what the binary says, not the in-memory
/// plan); printed with --print-asm.
static Expected<Program> throughBinary(const Program &program,
                                       std::vector<uint8_t> &binary) {
  Expected<std::vector<uint8_t>> bytes = encodeProgram(program);
  if (!bytes)
    return bytes.takeError();
  binary = std::move(*bytes);
  Expected<Program> decoded = decodeProgram(binary);
  if (decoded && printAsm)
    outs() << formatAssembly(*decoded);
  return decoded;
}

/// A layer's options from --bias, --relu and --unsigned-input.
static MatmulOptions commandLineOptions(StringRef name) {
  MatmulOptions options;
  options.name = name.str();
  options.bias = withBias;
  options.relu = withRelu;
  options.unsignedInput = unsignedInput;
  return options;
}

/// Encodes and decodes the plan's binary, runs it on the packed image,
/// compares every output bit for bit with quantizedMatmul per batch (plus
/// bias and ReLU, SPEC.md section 5) and the cycles with the cost model's
/// for `costLayer`.
static int runPlanned(const Config &config, const MatmulPlan &planned,
                      ArrayRef<q::QuantizedTensor> a,
                      const q::TensorFormat &aFormat,
                      ArrayRef<q::QuantizedTensor> b,
                      const q::TensorFormat &bFormat,
                      const std::vector<float> &bias, Layer costLayer,
                      bool withReluHere = withRelu,
                      std::vector<float> *simulated = nullptr,
                      int64_t *simulatedCycles = nullptr) {
  const MatmulPlan *plan = &planned;
  int64_t m = plan->layer.m, n = plan->layer.n, batch = plan->layer.batch;
  // The GEMM's K (a depthwise conv's block-diagonal operands are wider
  // than its window).
  int64_t k = int64_t(a[0].values.size()) / m;
  std::vector<uint8_t> binary;
  Expected<Program> decoded = throughBinary(plan->program, binary);
  if (!decoded)
    return fail(toString(decoded.takeError()));
  std::vector<uint8_t> image;
  if (Error e = writeLayerImage(*plan, a, aFormat, b, bFormat, bias, 0.0f,
                                image))
    return fail(toString(std::move(e)));
  std::vector<uint8_t> initialImage = image;
  Expected<SimulationStats> stats = simulate(*decoded, config, image);
  if (!stats)
    return fail(toString(stats.takeError()));
  std::vector<float> y = readMatmulOutput(*plan, image);

  std::vector<float> reference;
  for (int64_t index = 0; index < batch; ++index) {
    Expected<std::vector<float>> product =
        q::quantizedMatmul(a[index], aFormat, b[index], bFormat, m, k, n);
    if (!product)
      return fail(toString(product.takeError()));
    reference.insert(reference.end(), product->begin(), product->end());
  }
  // SPEC.md section 5: bias and activation after the scaled result.
  for (int64_t row = 0; row < batch * m; ++row)
    for (int64_t col = 0; col < n; ++col) {
      float &r = reference[row * n + col];
      if (!bias.empty())
        r = r + bias[col];
      if (withReluHere)
        r = r > 0.0f ? r : 0.0f;
    }
  int64_t mismatches = 0;
  for (size_t i = 0; i < y.size(); ++i)
    if (std::memcmp(&y[i], &reference[i], 4) != 0) {
      if (mismatches < 5)
        errs() << formatv("mismatch at [{0}, {1}]: simulator {2:e}, "
                          "reference {3:e}\n",
                          i / n, i % n, y[i], reference[i]);
      ++mismatches;
    }
  outs() << formatv("{6} {7}{0}x{1}x{2} on {3}: {4} outputs, {5} differ from "
                    "quantizedMatmul bit for bit\n",
                    m, k, n, config.name, y.size(), mismatches,
                    plan->layer.kind,
                    batch > 1 ? formatv("{0}x", batch).str() : std::string());
  printStats(*stats);
  costLayer.requantizedOutput = false; // the program stores fp32 rows
  Expected<LayerCost> cost = estimateLayer(config, costLayer);
  if (!cost)
    return fail(toString(cost.takeError()));
  double ratio = double(stats->cycles) / double(cost->cycles);
  outs() << formatv("cost model cycles: {0}; simulator / model = {1:F3}\n",
                    cost->cycles, ratio);
  if (simulated)
    *simulated = y;
  if (simulatedCycles)
    *simulatedCycles = stats->cycles;
  if (mismatches)
    return 1;
  if (maxCycleError >= 0 && std::fabs(ratio - 1) > maxCycleError)
    return fail(formatv("simulated cycles differ from the cost model by "
                        "{0:P1}, more than --max-cycle-error={1}",
                        std::fabs(ratio - 1), maxCycleError.getValue()));
  if (!writeBinary.empty())
    if (Error e = writeBytes(writeBinary, binary))
      return fail(toString(std::move(e)));
  if (!writeImage.empty())
    if (Error e = writeBytes(writeImage, initialImage))
      return fail(toString(std::move(e)));
  if (!outputPath.empty())
    if (Error e = writeBytes(outputPath, image))
      return fail(toString(std::move(e)));
  return 0;
}

/// Parses "a,b,c,..." into `count` dimensions in 1..4096 (`optional`
/// trailing ones may be missing or 0).
static bool parseDims(StringRef spec, StringRef option, size_t required,
                      size_t optional, SmallVectorImpl<int64_t> &dims) {
  SmallVector<StringRef> parts;
  spec.split(parts, ',');
  if (parts.size() < required || parts.size() > required + optional) {
    fail("--" + option + ": expected " + Twine(required) +
         (optional ? " to " + Twine(required + optional) : Twine()) +
         " comma-separated sizes");
    return false;
  }
  for (auto [i, part] : llvm::enumerate(parts)) {
    int64_t value;
    int64_t low = i < required ? 1 : 0;
    if (part.getAsInteger(10, value) || value < low || value > 4096) {
      fail("--" + option + ": '" + part + "' is not a size in " + Twine(low) +
           "..4096");
      return false;
    }
    dims.push_back(value);
  }
  return true;
}

/// The machine's per-vector format of an activation (vectors along
/// `axis`, per-tensor coarse unless `coarseAxis`) or a weight.
static q::TensorFormat machineFormat(const Config &config, bool activation,
                                     bool isSigned, int64_t axis,
                                     int64_t coarseAxis) {
  q::TensorFormat f;
  f.element = {activation ? config.activationBits : config.weightBits,
               isSigned};
  f.granularity = q::Granularity::PerVector;
  f.axis = axis;
  f.vectorSize = config.vectorSize;
  f.scaleBits =
      activation ? config.activationScaleBits : config.weightScaleBits;
  f.coarseAxis = coarseAxis;
  return f;
}

/// Bt independent GEMMs in one program: A (Bt x M x K) with a coarse scale
/// per batch, B (Bt x K x N) with one per column; both quantized per vector
/// by quantizeTensor (both could be activations), each batch compared with
/// quantizedMatmul on its slices.
static int runBatchMatmul(const Config &config) {
  SmallVector<int64_t> d;
  if (!parseDims(batchMatmulSpec, "batch-matmul", 4, 0, d))
    return 1;
  if (config.scaling != Scaling::PerVector)
    return fail("--batch-matmul needs a per-vector machine");
  int64_t batch = d[0], m = d[1], k = d[2], n = d[3];
  q::TensorFormat aFormat =
      machineFormat(config, true, !unsignedInput, 2, /*coarseAxis=*/0);
  q::TensorFormat bFormat =
      machineFormat(config, false, true, 1, /*coarseAxis=*/2);
  q::CalibrationOptions calibration;
  Expected<q::QuantizedTensor> a =
      q::quantizeTensor(randomData(batch * m * k, seed, unsignedInput),
                        {batch, m, k}, aFormat, calibration);
  if (!a)
    return fail(toString(a.takeError()));
  Expected<q::QuantizedTensor> b =
      q::quantizeTensor(randomData(batch * k * n, seed * 7919 + 13, false),
                        {batch, k, n}, bFormat, calibration);
  if (!b)
    return fail(toString(b.takeError()));
  std::vector<q::QuantizedTensor> aSlices, bSlices;
  q::TensorFormat aSliceFormat, bSliceFormat;
  for (int64_t index = 0; index < batch; ++index) {
    Expected<q::QuantizedTensor> aSlice =
        batchSlice(*a, aFormat, {batch, m, k}, index, &aSliceFormat);
    Expected<q::QuantizedTensor> bSlice =
        batchSlice(*b, bFormat, {batch, k, n}, index, &bSliceFormat);
    if (!aSlice || !bSlice)
      return fail("slicing the batch failed");
    aSlices.push_back(std::move(*aSlice));
    bSlices.push_back(std::move(*bSlice));
  }
  std::vector<float> bias;
  if (withBias)
    bias = randomData(n, seed + 99, false);
  MatmulOptions options = commandLineOptions("batch_matmul");
  Expected<MatmulPlan> plan = planBatchMatmul(config, batch, m, k, n, options);
  if (!plan)
    return fail(toString(plan.takeError()));
  return runPlanned(config, *plan, aSlices, aSliceFormat, bSlices,
                    bSliceFormat, bias, plan->layer);
}

/// A depthwise conv: NHWC input per vector along C, a (KH*KW) x C filter
/// in vectors along the window with a coarse scale per channel; the
/// program runs the block-diagonal GEMM (depthwiseAsMatmul's operands).
static int runDepthwise(const Config &config) {
  SmallVector<int64_t> d;
  if (!parseDims(depthwiseSpec, "depthwise", 6, 2, d))
    return 1;
  if (config.scaling != Scaling::PerVector)
    return fail("--depthwise needs a per-vector machine");
  Conv2dShape shape;
  shape.batch = d[0];
  shape.h = d[1];
  shape.w = d[2];
  shape.c = shape.f = d[3];
  shape.kh = d[4];
  shape.kw = d[5];
  shape.strideH = shape.strideW = d.size() > 6 && d[6] > 0 ? d[6] : 1;
  int64_t pad = d.size() > 7 ? d[7] : 0;
  shape.padTop = shape.padLeft = shape.padBottom = shape.padRight = pad;
  MatmulOptions options = commandLineOptions("depthwise_conv2d");
  Expected<MatmulPlan> plan = planDepthwiseConv2d(config, shape, options);
  if (!plan)
    return fail(toString(plan.takeError()));
  int64_t taps = shape.kh * shape.kw;
  q::TensorFormat inputFormat =
      machineFormat(config, true, !unsignedInput, 3, -1);
  q::TensorFormat filterFormat =
      machineFormat(config, false, true, 0, /*coarseAxis=*/1);
  q::CalibrationOptions calibration;
  Expected<q::QuantizedTensor> input = q::quantizeTensor(
      randomData(shape.batch * shape.h * shape.w * shape.c, seed,
                 unsignedInput),
      {shape.batch, shape.h, shape.w, shape.c}, inputFormat, calibration);
  if (!input)
    return fail(toString(input.takeError()));
  Expected<q::QuantizedTensor> filter = q::quantizeTensor(
      randomData(taps * shape.c, seed * 7919 + 13, false), {taps, shape.c},
      filterFormat, calibration);
  if (!filter)
    return fail(toString(filter.takeError()));
  Expected<ConvAsMatmul> gemm = depthwiseAsMatmul(
      shape, config.vectorSize, *input, inputFormat, *filter, filterFormat);
  if (!gemm)
    return fail(toString(gemm.takeError()));
  std::vector<float> bias;
  if (withBias)
    bias = randomData(shape.c, seed + 99, false);
  outs() << formatv("depthwise_conv2d {0}x{1}x{2}x{3} * {4}x{5} window as a "
                    "block-diagonal {6}x{7}x{3} GEMM\n",
                    shape.batch, shape.h, shape.w, shape.c, shape.kh,
                    shape.kw, gemm->m, gemm->k);
  return runPlanned(config, *plan, ArrayRef(gemm->a), gemm->aFormat,
                    ArrayRef(gemm->b), gemm->bFormat, bias, plan->layer);
}

static int runMatmul(const Config &config) {
  SmallVector<StringRef> parts;
  StringRef(matmulSpec).split(parts, ',');
  int64_t dims[3];
  if (parts.size() != 3)
    return fail("--matmul must be M,K,N");
  for (int i = 0; i < 3; ++i)
    if (parts[i].getAsInteger(10, dims[i]) || dims[i] < 1 || dims[i] > 4096)
      return fail("--matmul: '" + parts[i] + "' is not a dimension in 1..4096");
  int64_t m = dims[0], k = dims[1], n = dims[2];
  bool perVector = config.scaling == Scaling::PerVector;

  q::TensorFormat aFormat, bFormat;
  aFormat.element = {config.activationBits, !unsignedInput};
  bFormat.element = {config.weightBits, true};
  if (perVector) {
    aFormat.granularity = bFormat.granularity = q::Granularity::PerVector;
    aFormat.axis = 1;
    bFormat.axis = 0;
    aFormat.vectorSize = bFormat.vectorSize = config.vectorSize;
    aFormat.scaleBits = config.activationScaleBits;
    bFormat.scaleBits = config.weightScaleBits;
    aFormat.coarseAxis = -1;
    bFormat.coarseAxis = 1;
  } else {
    aFormat.granularity = q::Granularity::PerTensor;
    bFormat.granularity = q::Granularity::PerChannel;
    bFormat.axis = 1;
  }
  std::vector<float> aData = randomData(m * k, seed, unsignedInput);
  std::vector<float> bData = randomData(k * n, seed * 7919 + 13, false);
  q::CalibrationOptions calibration;
  Expected<q::QuantizedTensor> a =
      q::quantizeTensor(aData, {m, k}, aFormat, calibration);
  if (!a)
    return fail(toString(a.takeError()));
  Expected<q::QuantizedTensor> b =
      q::quantizeTensor(bData, {k, n}, bFormat, calibration);
  if (!b)
    return fail(toString(b.takeError()));
  std::vector<float> bias;
  if (withBias)
    bias = randomData(n, seed + 99, false);

  MatmulOptions options = commandLineOptions("matmul");
  Expected<MatmulPlan> plan = planMatmul(config, m, k, n, options);
  if (!plan)
    return fail(toString(plan.takeError()));
  return runPlanned(config, *plan, ArrayRef(*a), aFormat, ArrayRef(*b),
                    bFormat, bias, plan->layer);
}

/// Quantizes a random NHWC input and HWCF filter per vector along C, runs
/// the conv's GEMM program on the im2col data image, and compares with
/// quantizedMatmul on the same im2col operands.
static int runConv2d(const Config &config) {
  SmallVector<StringRef> parts;
  StringRef(conv2dSpec).split(parts, ',');
  SmallVector<int64_t> dims;
  for (StringRef part : parts) {
    int64_t value;
    if (part.getAsInteger(10, value) || value < 0 || value > 4096)
      return fail("--conv2d: '" + part + "' is not a dimension in 0..4096");
    dims.push_back(value);
  }
  if (dims.size() < 7 || dims.size() > 9 ||
      llvm::any_of(ArrayRef<int64_t>(dims).take_front(7),
                   [](int64_t d) { return d == 0; }) ||
      (dims.size() > 7 && dims[7] == 0))
    return fail("--conv2d must be N,H,W,C,F,KH,KW[,STRIDE[,PAD]] with "
                "positive sizes");
  if (config.scaling != Scaling::PerVector)
    return fail("--conv2d needs a per-vector machine");
  Conv2dShape shape;
  shape.batch = dims[0];
  shape.h = dims[1];
  shape.w = dims[2];
  shape.c = dims[3];
  shape.f = dims[4];
  shape.kh = dims[5];
  shape.kw = dims[6];
  shape.strideH = shape.strideW = dims.size() > 7 ? dims[7] : 1;
  int64_t pad = dims.size() > 8 ? dims[8] : 0;
  shape.padTop = shape.padLeft = shape.padBottom = shape.padRight = pad;
  MatmulOptions options = commandLineOptions("conv2d");
  Expected<MatmulPlan> plan = planConv2d(config, shape, options);
  if (!plan)
    return fail(toString(plan.takeError()));

  q::TensorFormat inputFormat, filterFormat;
  inputFormat.element = {config.activationBits, !unsignedInput};
  filterFormat.element = {config.weightBits, true};
  inputFormat.granularity = filterFormat.granularity =
      q::Granularity::PerVector;
  inputFormat.axis = 3;
  filterFormat.axis = 2;
  inputFormat.vectorSize = filterFormat.vectorSize = config.vectorSize;
  inputFormat.scaleBits = config.activationScaleBits;
  filterFormat.scaleBits = config.weightScaleBits;
  inputFormat.coarseAxis = -1;
  filterFormat.coarseAxis = 3;
  std::vector<int64_t> inputShape = {shape.batch, shape.h, shape.w, shape.c};
  std::vector<int64_t> filterShape = {shape.kh, shape.kw, shape.c, shape.f};
  q::CalibrationOptions calibration;
  Expected<q::QuantizedTensor> input = q::quantizeTensor(
      randomData(shape.batch * shape.h * shape.w * shape.c, seed,
                 unsignedInput),
      inputShape, inputFormat, calibration);
  if (!input)
    return fail(toString(input.takeError()));
  Expected<q::QuantizedTensor> filter = q::quantizeTensor(
      randomData(shape.kh * shape.kw * shape.c * shape.f, seed * 7919 + 13,
                 false),
      filterShape, filterFormat, calibration);
  if (!filter)
    return fail(toString(filter.takeError()));
  Expected<ConvAsMatmul> gemm =
      conv2dAsMatmul(shape, config.vectorSize, *input, inputFormat, *filter,
                     filterFormat);
  if (!gemm)
    return fail(toString(gemm.takeError()));
  std::vector<float> bias;
  if (withBias)
    bias = randomData(shape.f, seed + 99, false);
  outs() << formatv("conv2d {0}x{1}x{2}x{3} * {4}x{5}x{3}x{6} as a "
                    "{7}x{8}x{6} GEMM\n",
                    shape.batch, shape.h, shape.w, shape.c, shape.kh,
                    shape.kw, shape.f, gemm->m, gemm->k);
  return runPlanned(config, *plan, ArrayRef(gemm->a), gemm->aFormat,
                    ArrayRef(gemm->b), gemm->bFormat, bias, plan->layer);
}

/// Runs one program of a network on `image` and prints its cycles against
/// the cost model's for `layer`.
static Expected<int64_t> runLayerProgram(const Config &config,
                                         const MatmulPlan &plan,
                                         std::vector<uint8_t> &image,
                                         StringRef label) {
  std::vector<uint8_t> binary;
  Expected<Program> decoded = throughBinary(plan.program, binary);
  if (!decoded)
    return decoded.takeError();
  Expected<SimulationStats> stats = simulate(*decoded, config, image);
  if (!stats)
    return stats.takeError();
  outs() << label << ": ";
  printStats(*stats);
  Expected<LayerCost> cost = estimateLayer(config, plan.layer);
  if (!cost)
    return cost.takeError();
  double ratio = double(stats->cycles) / double(cost->cycles);
  outs() << formatv("{0}: cost model cycles: {1}; simulator / model = "
                    "{2:F3}\n",
                    label, cost->cycles, ratio);
  if (maxCycleError >= 0 && std::fabs(ratio - 1) > maxCycleError)
    return createStringError(
        inconvertibleErrorCode(),
        formatv("{0}: simulated cycles differ from the cost model by {1:P1}, "
                "more than --max-cycle-error={2}",
                label, std::fabs(ratio - 1), maxCycleError.getValue())
            .str());
  return stats->cycles;
}

/// Two layers entirely on the machine: layer 1 computes relu(A x B1 + b1)
/// and its PPU re-quantizes the result per vector (ui<N>, dynamic scales
/// under a static coarse scale calibrated on other data) into DRAM, where
/// layer 2's program reads it as its input rows for x B2. The host computes
/// the same chain with the numerics library (quantizedMatmul,
/// quantizeTensorWithCoarse); the re-quantized activations and the final
/// outputs are compared bit for bit.
static int runMlp(const Config &config) {
  SmallVector<int64_t> d;
  if (!parseDims(mlpSpec, "mlp", 4, 0, d))
    return 1;
  if (config.scaling != Scaling::PerVector)
    return fail("--mlp needs a per-vector machine");
  int64_t m = d[0], k = d[1], h = d[2], n = d[3];
  q::CalibrationOptions calibration;
  q::TensorFormat aFormat = machineFormat(config, true, true, 1, -1);
  q::TensorFormat a2Format = machineFormat(config, true, false, 1, -1);
  q::TensorFormat bFormat = machineFormat(config, false, true, 0, 1);
  Expected<q::QuantizedTensor> a =
      q::quantizeTensor(randomData(m * k, seed, false), {m, k}, aFormat,
                        calibration);
  Expected<q::QuantizedTensor> calibrationInput =
      q::quantizeTensor(randomData(m * k, seed + 1000, false), {m, k},
                        aFormat, calibration);
  Expected<q::QuantizedTensor> b1 = q::quantizeTensor(
      randomData(k * h, seed * 31 + 1, false), {k, h}, bFormat, calibration);
  Expected<q::QuantizedTensor> b2 = q::quantizeTensor(
      randomData(h * n, seed * 37 + 2, false), {h, n}, bFormat, calibration);
  if (!a || !calibrationInput || !b1 || !b2)
    return fail("quantizing the random operands failed");
  std::vector<float> bias1 = randomData(h, seed + 5, false);

  // Host reference of layer 1: SPEC.md section 5, bias, ReLU.
  auto layer1 = [&](const q::QuantizedTensor &input)
      -> Expected<std::vector<float>> {
    Expected<std::vector<float>> y =
        q::quantizedMatmul(input, aFormat, *b1, bFormat, m, k, h);
    if (!y)
      return y.takeError();
    for (int64_t i = 0; i < m * h; ++i) {
      float r = (*y)[i] + bias1[i % h];
      (*y)[i] = r > 0.0f ? r : 0.0f;
    }
    return y;
  };
  // The static coarse scale of layer 2's input (SPEC.md section 4): max or
  // percentile(p) of the per-vector scales seen on calibration data, as
  // the quantizer pass computes it from a calibration table.
  Expected<std::vector<float>> yCalibration = layer1(*calibrationInput);
  if (!yCalibration)
    return fail(toString(yCalibration.takeError()));
  q::TensorStatistics statistics;
  statistics.shape = {m, h};
  statistics.vectorAxis = 1;
  statistics.vectorSize = config.vectorSize;
  if (Error e = statistics.observeRange(*yCalibration))
    return fail(toString(std::move(e)));
  statistics.startHistograms();
  statistics.observeHistograms(*yCalibration);
  q::CalibrationOptions coarseCalibration;
  if (calibrationPercentile < 100) {
    coarseCalibration.method = q::Method::Percentile;
    coarseCalibration.percentile = calibrationPercentile;
  }
  float gamma = q::coarseScaleOfThreshold(
      q::vectorScaleThreshold(statistics, a2Format.element, coarseCalibration),
      a2Format.scaleBits);

  MatmulOptions first;
  first.name = "layer1";
  first.bias = true;
  first.relu = true;
  first.requantize = true;
  first.unsignedOutput = true;
  Expected<MatmulPlan> plan1 = planMatmul(config, m, k, h, first);
  if (!plan1)
    return fail(toString(plan1.takeError()));
  MatmulOptions second;
  second.name = "layer2";
  second.unsignedInput = true;
  second.inputBase = plan1->layout.outputBase;
  second.dramBase = plan1->layout.totalBytes;
  Expected<MatmulPlan> plan2 = planMatmul(config, m, h, n, second);
  if (!plan2)
    return fail(toString(plan2.takeError()));
  plan2->layer.requantizedOutput = false; // fp32 rows for the comparison

  // One DRAM image: layer 1's regions, then layer 2's weights, params and
  // outputs; layer 2's inputs are layer 1's output region.
  std::vector<uint8_t> image;
  q::QuantizedTensor onChipInput; // no values: already in the image
  onChipInput.coarse = {gamma};
  if (Error e = writeLayerImage(*plan1, ArrayRef(*a), aFormat, ArrayRef(*b1),
                                bFormat, bias1, gamma, image))
    return fail(toString(std::move(e)));
  if (Error e = writeLayerImage(*plan2, ArrayRef(onChipInput), a2Format,
                                ArrayRef(*b2), bFormat, {}, 0.0f, image))
    return fail(toString(std::move(e)));
  Expected<int64_t> cycles1 = runLayerProgram(config, *plan1, image, "layer 1");
  if (!cycles1)
    return fail(toString(cycles1.takeError()));
  Expected<int64_t> cycles2 = runLayerProgram(config, *plan2, image, "layer 2");
  if (!cycles2)
    return fail(toString(cycles2.takeError()));

  // Host chain.
  Expected<std::vector<float>> y1 = layer1(*a);
  if (!y1)
    return fail(toString(y1.takeError()));
  Expected<q::QuantizedTensor> a2 =
      q::quantizeTensorWithCoarse(*y1, {m, h}, a2Format, gamma);
  if (!a2)
    return fail(toString(a2.takeError()));
  Expected<std::vector<float>> y2 =
      q::quantizedMatmul(*a2, a2Format, *b2, bFormat, m, h, n);
  if (!y2)
    return fail(toString(y2.takeError()));

  q::QuantizedTensor simulatedA2 =
      readRequantizedOutput(*plan1, image, /*isSigned=*/false);
  int64_t valueDiffs = 0, scaleDiffs = 0, clamped = 0, outputDiffs = 0;
  for (size_t i = 0; i < a2->values.size(); ++i)
    valueDiffs += simulatedA2.values[i] != a2->values[i];
  uint16_t sqMax = (1u << config.activationScaleBits) - 1;
  for (size_t i = 0; i < a2->integerScales.size(); ++i) {
    scaleDiffs += simulatedA2.integerScales[i] != a2->integerScales[i];
    clamped += a2->integerScales[i] == sqMax;
  }
  std::vector<float> simulatedY2 = readMatmulOutput(*plan2, image);
  for (size_t i = 0; i < y2->size(); ++i)
    if (std::memcmp(&simulatedY2[i], &(*y2)[i], 4) != 0) {
      if (outputDiffs < 5)
        errs() << formatv("mismatch at [{0}, {1}]: simulator {2:e}, "
                          "reference {3:e}\n",
                          i / n, i % n, simulatedY2[i], (*y2)[i]);
      ++outputDiffs;
    }
  outs() << formatv("layer 1 re-quantized on the PPU ({0}x{1}, static coarse "
                    "{2:e}): {3} of {4} elements and {5} of {6} integer "
                    "scales differ from quantizeTensorWithCoarse ({7} scales "
                    "clamped at {8})\n",
                    m, h, gamma, valueDiffs, a2->values.size(), scaleDiffs,
                    a2->integerScales.size(), clamped, sqMax);
  outs() << formatv("layer 2 {0}x{1}x{2}: {3} of {4} outputs differ from the "
                    "host chain bit for bit\n",
                    m, h, n, outputDiffs, y2->size());
  outs() << formatv("network: {0} simulated cycles\n", *cycles1 + *cycles2);
  return valueDiffs || scaleDiffs || outputDiffs ? 1 : 0;
}

//===----------------------------------------------------------------------===//
// --module: the host flow of a quantized model
//===----------------------------------------------------------------------===//

namespace {
using mlir::Operation;
using mlir::Value;
namespace vsq = mlir::vsquant;

/// The numerics library's view of a #vsquant.format.
q::TensorFormat tensorFormatOf(vsq::FormatAttr format) {
  q::TensorFormat f;
  f.element = {format.getElementBits(), format.isSignedElement()};
  switch (format.getGranularity()) {
  case vsq::Granularity::PerTensor:
    f.granularity = q::Granularity::PerTensor;
    break;
  case vsq::Granularity::PerChannel:
    f.granularity = q::Granularity::PerChannel;
    break;
  case vsq::Granularity::PerVector:
    f.granularity = q::Granularity::PerVector;
    break;
  }
  f.axis = format.getAxis();
  f.vectorSize = format.getVectorSize();
  f.scaleBits = format.getScaleBits();
  f.coarseAxis = format.getCoarseAxis();
  f.rounding = format.getRounding() == vsq::RoundingMode::HalfToEven
                   ? q::Rounding::HalfToEven
                   : q::Rounding::HalfAwayFromZero;
  f.scaleRounding = format.getScaleRounding() == vsq::ScaleRounding::Ceil
                        ? q::ScaleRounding::Ceil
                        : q::ScaleRounding::Nearest;
  return f;
}

/// The dense f32 elements of an arith.constant (or a failure naming it).
Expected<std::vector<float>> floatConstant(Value value, StringRef what) {
  auto constant = value ? value.getDefiningOp<mlir::arith::ConstantOp>()
                        : mlir::arith::ConstantOp();
  auto dense = constant ? dyn_cast<mlir::DenseElementsAttr>(constant.getValue())
                        : mlir::DenseElementsAttr();
  if (!dense || !dense.getElementType().isF32())
    return createStringError(inconvertibleErrorCode(),
                             "%s must be an arith.constant of dense f32 "
                             "values",
                             what.str().c_str());
  auto values = dense.getValues<float>();
  return std::vector<float>(values.begin(), values.end());
}

/// A vsquant.constant as the numerics library's quantized tensor.
Expected<q::QuantizedTensor> quantizedConstant(vsq::ConstantOp constant) {
  auto fail = [&](const Twine &message) {
    return createStringError(inconvertibleErrorCode(), "%s",
                             message.str().c_str());
  };
  auto values = dyn_cast<mlir::DenseElementsAttr>(constant.getValues());
  auto scales = dyn_cast<mlir::DenseElementsAttr>(constant.getScales());
  if (!values || !scales)
    return fail("the weights' values and scales must be dense attributes "
                "(not dense_resource)");
  vsq::FormatAttr format =
      cast<vsq::QTensorType>(constant.getType()).getFormat();
  q::QuantizedTensor tensor;
  unsigned width = values.getElementType().getIntOrFloatBitWidth();
  for (const APInt &v : values.getValues<APInt>())
    tensor.values.push_back(int16_t(format.isSignedElement()
                                        ? v.getSExtValue()
                                        : int64_t(v.getZExtValue())));
  (void)width;
  auto scaleType = cast<mlir::ShapedType>(scales.getType());
  tensor.scaleShape.assign(scaleType.getShape().begin(),
                           scaleType.getShape().end());
  if (format.isTwoLevel()) {
    for (const APInt &v : scales.getValues<APInt>())
      tensor.integerScales.push_back(uint16_t(v.getZExtValue()));
    auto coarse = constant.getCoarse()
                      ? dyn_cast<mlir::DenseElementsAttr>(*constant.getCoarse())
                      : mlir::DenseElementsAttr();
    if (!coarse)
      return fail("a two-level weight needs dense coarse scales");
    for (float g : coarse.getValues<float>())
      tensor.coarse.push_back(g);
    auto coarseType = cast<mlir::ShapedType>(coarse.getType());
    tensor.coarseShape.assign(coarseType.getShape().begin(),
                              coarseType.getShape().end());
  } else {
    for (float v : scales.getValues<float>())
      tensor.scales.push_back(v);
  }
  return tensor;
}

/// What the host knows about an SSA value of the entry function.
struct HostValue {
  enum Kind { Float, Quantized, OnChip } kind = Float;
  std::vector<float> data;                  // Float
  q::QuantizedTensor quantized;             // Quantized (the host made it)
  q::TensorFormat format;                   // Quantized, OnChip
  int64_t layer = -1;                       // OnChip: the layer that stores it
  float coarse = 0;                         // OnChip: its static coarse scale
};

struct ModuleLayer {
  std::string name;
  MatmulPlan plan;
  Operation *op = nullptr;
  bool requantized = false;
};
} // namespace

static int runModule(const Config &config) {
  if (inputPath.empty())
    return fail("--module needs --input");
  mlir::DialectRegistry registry;
  vsquant::registerAllDialects(registry);
  registry.insert<mlir::func::FuncDialect, mlir::arith::ArithDialect>();
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();
  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(modulePath, sourceMgr, &context);
  if (!module)
    return 1; // the parser reported where
  SmallVector<mlir::func::FuncOp> functions;
  module->walk([&](mlir::func::FuncOp f) {
    if (!f.isExternal())
      functions.push_back(f);
  });
  if (functions.size() != 1)
    return fail(modulePath + ": expected one function, found " +
                Twine(functions.size()));
  mlir::func::FuncOp function = functions.front();
  auto emitFailure = [&](Operation *op, const Twine &message) {
    op->emitError(message);
    return 1;
  };
  if (function.getNumArguments() != 1 || function.getNumResults() != 1)
    return emitFailure(function, "the --module flow runs functions of one "
                                 "f32 input and one f32 result");
  Expected<vsquant::NpyArray> input = vsquant::readNpy(inputPath);
  if (!input)
    return fail(toString(input.takeError()));
  auto argumentType =
      dyn_cast<mlir::RankedTensorType>(function.getArgument(0).getType());
  if (!argumentType || !argumentType.getElementType().isF32() ||
      ArrayRef<int64_t>(input->shape) != argumentType.getShape())
    return fail(inputPath + ": the input's shape does not match the entry "
                            "function's f32 argument");

  // Pass 1: the host's work up front (quantizing the input), every layer's
  // plan at its place in one DRAM image, its weights and params.
  DenseMap<Value, HostValue> values;
  values[function.getArgument(0)] = {HostValue::Float, input->data};
  std::vector<ModuleLayer> layers;
  std::vector<uint8_t> image;
  int64_t next = 0;
  Value returned;
  DenseMap<mlir::OperationName, int64_t> countPerKind;
  for (Operation &operation : function.getBody().front()) {
    Operation *op = &operation;
    if (isa<mlir::arith::ConstantOp, vsq::ConstantOp>(op))
      continue; // read by their users
    if (auto ret = dyn_cast<mlir::func::ReturnOp>(op)) {
      returned = ret.getOperand(0);
      continue;
    }
    if (auto quantize = dyn_cast<vsq::DynamicQuantizeOp>(op)) {
      auto it = values.find(quantize.getInput());
      if (it == values.end() || it->second.kind != HostValue::Float ||
          quantize.getInput() != function.getArgument(0))
        return emitFailure(op, "the --module flow quantizes only the "
                               "function's input on the host; re-quantize "
                               "between layers in the PPU (a layer result "
                               "with out_coarse)");
      Expected<std::vector<float>> coarse =
          floatConstant(quantize.getCoarse(), "the coarse scale");
      if (!coarse)
        return emitFailure(op, toString(coarse.takeError()));
      auto type = cast<vsq::QTensorType>(quantize.getType());
      HostValue quantized;
      quantized.kind = HostValue::Quantized;
      quantized.format = tensorFormatOf(type.getFormat());
      Expected<q::QuantizedTensor> tensor = q::quantizeTensorWithCoarse(
          it->second.data, type.getShape(), quantized.format, *coarse);
      if (!tensor)
        return emitFailure(op, toString(tensor.takeError()));
      quantized.quantized = std::move(*tensor);
      values[quantize.getResult()] = std::move(quantized);
      continue;
    }
    auto matmul = dyn_cast<vsq::MatmulOp>(op);
    if (!matmul)
      return emitFailure(op, "the --module flow runs vsquant.matmul layers "
                             "(with dynamic_quantize of the input and "
                             "constants) for now");
    auto lhs = values.find(matmul.getLhs());
    if (lhs == values.end() || lhs->second.kind == HostValue::Float)
      return emitFailure(op, "the lhs must be the quantized input or a "
                             "previous layer's re-quantized result");
    auto weights = matmul.getRhs().getDefiningOp<vsq::ConstantOp>();
    if (!weights)
      return emitFailure(op, "the rhs must be a vsquant.constant");
    Expected<q::QuantizedTensor> b = quantizedConstant(weights);
    if (!b)
      return emitFailure(weights, toString(b.takeError()));
    std::vector<float> bias;
    if (matmul.getBias()) {
      Expected<std::vector<float>> values =
          floatConstant(matmul.getBias(), "the bias");
      if (!values)
        return emitFailure(op, toString(values.takeError()));
      bias = std::move(*values);
    }
    float outputCoarse = 0;
    if (matmul.getOutCoarse()) {
      Expected<std::vector<float>> coarse =
          floatConstant(matmul.getOutCoarse(), "out_coarse");
      if (!coarse)
        return emitFailure(op, toString(coarse.takeError()));
      outputCoarse = coarse->front();
    }
    int64_t inputBase = -1;
    q::QuantizedTensor a;
    const HostValue &source = lhs->second;
    if (source.kind == HostValue::OnChip) {
      // The previous layer's re-quantized rows are this layer's inputs.
      inputBase = layers[source.layer].plan.layout.outputBase;
      a.coarse = {source.coarse};
    } else {
      a = source.quantized;
    }
    std::string name = vsq::acceleratorProgramName(op, countPerKind[op->getName()]++);
    mlir::FailureOr<MatmulPlan> plan =
        vsq::planAcceleratorLayer(op, name, config, next, inputBase);
    if (failed(plan))
      return 1; // the planner reported on the op
    auto bType = cast<vsq::QTensorType>(matmul.getRhs().getType());
    if (Error e = writeLayerImage(*plan, ArrayRef(a), source.format,
                                  ArrayRef(*b),
                                  tensorFormatOf(bType.getFormat()), bias,
                                  outputCoarse, image))
      return emitFailure(op, toString(std::move(e)));
    next = plan->layout.totalBytes;
    bool requantized = plan->layout.requantizedOutput;
    HostValue result;
    result.kind = HostValue::OnChip;
    result.layer = layers.size();
    result.coarse = outputCoarse;
    if (requantized)
      result.format = tensorFormatOf(
          cast<vsq::QTensorType>(matmul.getResult().getType()).getFormat());
    values[matmul.getResult()] = result;
    layers.push_back({name, std::move(*plan), op, requantized});
  }
  auto result = values.find(returned);
  if (result == values.end() || result->second.kind != HostValue::OnChip ||
      layers[result->second.layer].requantized)
    return emitFailure(function, "the function must return a layer's f32 "
                                 "result");
  for (auto [value, host] : values)
    if (host.kind == HostValue::OnChip && !layers[host.layer].requantized &&
        value != returned)
      return emitFailure(layers[host.layer].op,
                         "only the returned result may leave the machine in "
                         "f32; give this layer a re-quantized result "
                         "(out_coarse)");

  if (!writeDir.empty()) {
    if (std::error_code ec = sys::fs::create_directories(writeDir))
      return fail(writeDir + ": " + ec.message());
    json::Array described;
    for (const ModuleLayer &layer : layers) {
      Expected<std::vector<uint8_t>> binary =
          encodeProgram(layer.plan.program);
      if (!binary)
        return fail(toString(binary.takeError()));
      SmallString<128> path(writeDir);
      sys::path::append(path, layer.name + ".bin");
      if (Error e = writeBytes(path, *binary))
        return fail(toString(std::move(e)));
      const DramLayout &l = layer.plan.layout;
      described.push_back(json::Object{
          {"program", layer.name + ".bin"},
          {"kind", layer.plan.layer.kind},
          {"m", layer.plan.layer.m},
          {"k", layer.plan.layer.k},
          {"n", layer.plan.layer.n},
          {"input_base", l.inputBase},
          {"input_row_bytes", l.inputRowBytes},
          {"weight_base", l.weightBase},
          {"params_base", l.paramsBase},
          {"output_base", l.outputBase},
          {"output_row_bytes", l.outputRowBytes},
          {"requantized_output", l.requantizedOutput},
          {"end", l.totalBytes}});
    }
    SmallString<128> imageFile(writeDir), layoutFile(writeDir);
    sys::path::append(imageFile, "image.bin");
    sys::path::append(layoutFile, "layout.json");
    if (Error e = writeBytes(imageFile, image))
      return fail(toString(std::move(e)));
    if (Error e = writeToOutput(layoutFile, [&](raw_ostream &os) {
          os << formatv("{0:2}", json::Value(json::Object{
                                     {"config", config.name},
                                     {"image_bytes", int64_t(image.size())},
                                     {"layers", std::move(described)}}))
             << "\n";
          return Error::success();
        }))
      return fail(toString(std::move(e)));
  }

  // Pass 2: the programs, in order, on the one image.
  int64_t totalCycles = 0;
  for (const ModuleLayer &layer : layers) {
    Expected<int64_t> cycles =
        runLayerProgram(config, layer.plan, image, layer.name);
    if (!cycles)
      return fail(toString(cycles.takeError()));
    totalCycles += *cycles;
  }
  const MatmulPlan &last = layers[result->second.layer].plan;
  std::vector<float> y = readMatmulOutput(last, image);
  outs() << formatv("network: {0} layers, {1} simulated cycles\n",
                    layers.size(), totalCycles);
  if (!outputPath.empty()) {
    auto type = cast<mlir::RankedTensorType>(returned.getType());
    if (Error e = vsquant::writeNpyF32(outputPath, type.getShape(), y))
      return fail(toString(std::move(e)));
  }
  return 0;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "vsquant accelerator simulator\n");
  Expected<Config> config = readConfig(configPath);
  if (!config)
    return fail(toString(config.takeError()));
  if (!programPath.empty() + !matmulSpec.empty() + !conv2dSpec.empty() +
          !mlpSpec.empty() + !batchMatmulSpec.empty() +
          !depthwiseSpec.empty() + !modulePath.empty() !=
      1)
    return fail("give exactly one of --program, --matmul, --batch-matmul, "
                "--conv2d, --depthwise, --mlp or --module");
  if (!modulePath.empty())
    return runModule(*config);
  if (!conv2dSpec.empty())
    return runConv2d(*config);
  if (!batchMatmulSpec.empty())
    return runBatchMatmul(*config);
  if (!depthwiseSpec.empty())
    return runDepthwise(*config);
  if (!mlpSpec.empty())
    return runMlp(*config);
  return programPath.empty() ? runMatmul(*config) : runBinary(*config);
}
