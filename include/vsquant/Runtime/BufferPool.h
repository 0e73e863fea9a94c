//===- BufferPool.h - reused buffers for JIT-compiled models ----*- C++ -*-===//
//
// A model compiled by the CPU pipeline allocates its intermediate buffers
// on every call and frees them before it returns. With plain malloc, glibc
// hands large freed blocks back to the system (munmap, heap trim), so that
// every call page-faults all its activations in again; whether it does
// depends on the heap's history (a PP-OCRv4 recogniser ran in 50 ms or
// 550 ms depending on what the compiler had allocated before). JIT-compiled
// models (CompiledModel) therefore allocate through
// finalize-memref-to-llvm's generic functions, which the JIT binds to this
// pool: freed buffers are kept by size and alignment and handed out again,
// so from the second call on a model reuses the same memory.
//
//===----------------------------------------------------------------------===//

#ifndef VSQUANT_RUNTIME_BUFFERPOOL_H
#define VSQUANT_RUNTIME_BUFFERPOOL_H

#include <cstddef>
#include <cstdint>

namespace vsquant {
namespace runtime {

/// The process's buffer pool, thread-safe (OpenMP threads of a model may
/// allocate). Buffers freed into it stay until releaseBufferPool.
void *poolAllocate(size_t bytes, size_t alignment);
void poolFree(void *buffer);

/// Frees the cached (not the live) buffers: CompiledModel calls it when its
/// last instance is destroyed.
void releaseBufferPool();

/// Bytes held in cached buffers (for tests).
size_t bufferPoolCachedBytes();

/// The entry points the generated code calls, with their names
/// (finalize-memref-to-llvm's `use-generic-functions`).
struct PoolSymbol {
  const char *name;
  void *address;
};
extern const PoolSymbol poolSymbols[3];

} // namespace runtime
} // namespace vsquant

#endif // VSQUANT_RUNTIME_BUFFERPOOL_H
