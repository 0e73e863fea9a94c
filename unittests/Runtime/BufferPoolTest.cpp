//===- BufferPoolTest.cpp - buffers reused across calls of a JIT model ----===//

#include "IRText.h"

#include "vsquant/Runtime/BufferPool.h"
#include "vsquant/Runtime/CompiledModel.h"

#include "gtest/gtest.h"

#include <cstdint>

using namespace vsquant::runtime;
using namespace vsquant::testing;

namespace {

TEST(BufferPool, ReusesFreedBuffersOfTheSameSizeAndAlignment) {
  releaseBufferPool();
  ASSERT_EQ(bufferPoolCachedBytes(), 0u);
  void *a = poolAllocate(1000, 64);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 64, 0u);
  poolFree(a);
  EXPECT_EQ(bufferPoolCachedBytes(), 1000u);
  // The same request gets the same block back; others get their own.
  void *again = poolAllocate(1000, 64);
  EXPECT_EQ(again, a);
  EXPECT_EQ(bufferPoolCachedBytes(), 0u);
  void *other = poolAllocate(1000, 4096);
  EXPECT_NE(other, a);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(other) % 4096, 0u);
  void *larger = poolAllocate(1001, 64);
  EXPECT_NE(larger, a);
  poolFree(again);
  poolFree(other);
  poolFree(larger);
  EXPECT_EQ(bufferPoolCachedBytes(), 3001u);
  releaseBufferPool();
  EXPECT_EQ(bufferPoolCachedBytes(), 0u);
  poolFree(nullptr); // as free(nullptr): nothing
  EXPECT_EQ(bufferPoolCachedBytes(), 0u);
}

// A JIT-compiled model allocates its intermediate buffer from the pool and
// returns it there; the last model's destruction empties the pool.
TEST(BufferPool, HoldsAModelsBuffersBetweenCalls) {
  Harness harness;
  releaseBufferPool();
  const char *ir = R"mlir(
func.func @f(%a: tensor<1024xf32>) -> tensor<1024xf32> {
  %e = tensor.empty() : tensor<1024xf32>
  %t = linalg.add ins(%a, %a : tensor<1024xf32>, tensor<1024xf32>) outs(%e : tensor<1024xf32>) -> tensor<1024xf32>
  %e2 = tensor.empty() : tensor<1024xf32>
  %y = linalg.mul ins(%t, %a : tensor<1024xf32>, tensor<1024xf32>) outs(%e2 : tensor<1024xf32>) -> tensor<1024xf32>
  return %y : tensor<1024xf32>
}
)mlir";
  auto module =
      mlir::parseSourceString<mlir::ModuleOp>(ir, harness.context.get());
  ASSERT_TRUE(module);
  auto compiled = CompiledModel::compile(*module, "f");
  ASSERT_TRUE(bool(compiled)) << llvm::toString(compiled.takeError());
  CompiledModel &model = **compiled;
  for (int i = 0; i < 1024; ++i)
    model.inputs()[0].data[i] = float(i % 7) - 3.0f;
  for (int call = 0; call < 3; ++call) {
    model.run();
    // The 4 KiB intermediate (2a, plus the lowering's alignment slack) is
    // back in the pool after each call.
    EXPECT_GE(bufferPoolCachedBytes(), 1024 * sizeof(float)) << call;
    EXPECT_LT(bufferPoolCachedBytes(), 2 * 1024 * sizeof(float)) << call;
    for (int i = 0; i < 1024; ++i) {
      float a = float(i % 7) - 3.0f;
      ASSERT_EQ(model.results()[0].data[i], 2 * a * a) << i;
    }
  }
  compiled->reset();
  EXPECT_EQ(bufferPoolCachedBytes(), 0u);
}

} // namespace
