//===- Npy.h - NumPy .npy files ---------------------------------*- C++ -*-===//
//
// Reads and writes NumPy .npy files (format versions 1-3, C order), the
// exchange format of the command-line tools. Pure C++ on LLVM Support.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_SUPPORT_NPY_H
#define VSQUANT_SUPPORT_NPY_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vsquant {

/// An array read from a .npy file, converted to fp32.
struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<float> data;
  /// The file's dtype, e.g. "<f4" or "<f2".
  std::string dtype;
};

/// Parses .npy bytes; `name` is used in error messages. Accepts float32,
/// float16 and float64 (little-endian) in C order.
llvm::Expected<NpyArray> parseNpy(llvm::StringRef bytes, llvm::StringRef name);
/// Reads a .npy file.
llvm::Expected<NpyArray> readNpy(llvm::StringRef path);

/// Serialises an array (format version 1.0). `dtype` is a NumPy descr such as
/// "<f4", "|i1", "<i2" or "<u2"; `data` holds the raw little-endian values.
std::string serializeNpy(llvm::StringRef dtype, llvm::ArrayRef<int64_t> shape,
                         llvm::ArrayRef<char> data);

/// Writes a float32 array to `path` atomically (a temporary file renamed
/// over it), so a failure never leaves half a file; errors name the path.
llvm::Error writeNpyF32(llvm::StringRef path, llvm::ArrayRef<int64_t> shape,
                        llvm::ArrayRef<float> data);

/// IEEE half to single, exact (subnormals and NaN payloads included).
float halfToFloat(uint16_t bits);

} // namespace vsquant

#endif // VSQUANT_SUPPORT_NPY_H
