//===- Dual.cpp - Dual quantization of hard layers --------------*- C++ -*-===//

#include "vsquant/Quant/Dual.h"

using namespace vsquant::quant;
using llvm::ArrayRef;

static double squaredError(ArrayRef<float> data, ArrayRef<float> a,
                           ArrayRef<float> b) {
  double sum = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    // The two halves are added in fp32, as the sum of two fp32 matmul
    // results would be.
    double e = double(data[i]) - double(a[i] + (b.empty() ? 0.0f : b[i]));
    sum += e * e;
  }
  return sum;
}

static std::vector<float> residual(ArrayRef<float> data, ArrayRef<float> x) {
  std::vector<float> r(data.size());
  for (size_t i = 0; i < data.size(); ++i)
    r[i] = data[i] - x[i];
  return r;
}

llvm::Expected<double>
vsquant::quant::quantizationMSE(ArrayRef<float> data, ArrayRef<int64_t> shape,
                                const TensorFormat &format,
                                const CalibrationOptions &options,
                                llvm::ThreadPoolInterface *pool) {
  llvm::Expected<QuantizedTensor> q =
      quantizeTensor(data, shape, format, options, pool);
  if (!q)
    return q.takeError();
  return meanSquaredError(data, dequantizeTensor(*q, shape, format));
}

llvm::Expected<DualQuantizedTensor> vsquant::quant::quantizeTensorDual(
    ArrayRef<float> data, ArrayRef<int64_t> shape, const TensorFormat &format,
    const CalibrationOptions &options, const DualOptions &dual,
    llvm::ThreadPoolInterface *pool) {
  auto quantize = [&](ArrayRef<float> target)
      -> llvm::Expected<std::pair<QuantizedTensor, std::vector<float>>> {
    llvm::Expected<QuantizedTensor> q =
        quantizeTensor(target, shape, format, options, pool);
    if (!q)
      return q.takeError();
    std::vector<float> xhat = dequantizeTensor(*q, shape, format);
    return std::make_pair(std::move(*q), std::move(xhat));
  };

  DualQuantizedTensor result;
  // Algorithm 1 starts from the single-tensor quantization and the
  // quantized residual it leaves.
  auto first = quantize(data);
  if (!first)
    return first.takeError();
  auto second = quantize(residual(data, first->second));
  if (!second)
    return second.takeError();
  result.singleError = squaredError(data, first->second, {});
  double error = squaredError(data, first->second, second->second);
  result.first = first->first;
  result.second = second->first;
  result.dualError = error;

  for (int round = 1; round <= dual.maxIterations; ++round) {
    // Re-fit each tensor to what the other leaves.
    auto nextFirst = quantize(residual(data, second->second));
    if (!nextFirst)
      return nextFirst.takeError();
    auto nextSecond = quantize(residual(data, nextFirst->second));
    if (!nextSecond)
      return nextSecond.takeError();
    double nextError =
        squaredError(data, nextFirst->second, nextSecond->second);
    result.iterations = round;
    bool improved = nextError < result.dualError;
    if (improved) {
      result.first = nextFirst->first;
      result.second = nextSecond->first;
    }
    double gain = result.dualError - nextError;
    if (improved)
      result.dualError = nextError;
    if (!improved || gain <= dual.tolerance * error)
      break;
    error = nextError;
    first = std::move(nextFirst);
    second = std::move(nextSecond);
  }
  return result;
}
