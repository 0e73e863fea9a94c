//===- NpyFuzzer.cpp - libFuzzer target for the .npy reader -----*- C++ -*-===//
//
// Any bytes give an array or an error, never a crash; a parsed array must be
// self-consistent (element count == product of the shape).
//
//===----------------------------------------------------------------------===//

#include "vsquant/Support/Npy.h"

#include "llvm/Support/ErrorHandling.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  llvm::Expected<vsquant::NpyArray> array = vsquant::parseNpy(bytes, "fuzz");
  if (!array) {
    llvm::consumeError(array.takeError());
    return 0;
  }
  int64_t count = 1;
  for (int64_t dim : array->shape)
    count *= dim;
  if (count != int64_t(array->data.size()))
    llvm::report_fatal_error("parseNpy: data size differs from the shape");
  return 0;
}
