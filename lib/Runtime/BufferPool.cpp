//===- BufferPool.cpp - reused buffers for JIT-compiled models ------------===//

#include "vsquant/Runtime/BufferPool.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace vsquant {
namespace runtime {

namespace {

/// Buffers by (bytes, alignment): a model asks for the same sizes on every
/// call, so exact sizes are reused without splitting or merging blocks.
struct Pool {
  using Key = std::pair<size_t, size_t>;
  std::mutex mutex;
  std::map<Key, std::vector<void *>> cached;
  llvm::DenseMap<void *, Key> live;
  size_t cachedBytes = 0;
};

Pool &pool() {
  static Pool *instance = new Pool(); // never destroyed: no exit-order issues
  return *instance;
}

extern "C" void *vsquantPoolAlloc(uint64_t bytes) {
  return poolAllocate(bytes, alignof(std::max_align_t));
}
extern "C" void *vsquantPoolAlignedAlloc(uint64_t alignment, uint64_t bytes) {
  return poolAllocate(bytes, alignment);
}
extern "C" void vsquantPoolFree(void *buffer) { poolFree(buffer); }

} // namespace

void *poolAllocate(size_t bytes, size_t alignment) {
  alignment = std::max(alignment, alignof(std::max_align_t));
  Pool &p = pool();
  Pool::Key key{bytes, alignment};
  {
    std::lock_guard<std::mutex> lock(p.mutex);
    auto it = p.cached.find(key);
    if (it != p.cached.end() && !it->second.empty()) {
      void *buffer = it->second.back();
      it->second.pop_back();
      p.cachedBytes -= bytes;
      p.live[buffer] = key;
      return buffer;
    }
  }
  // aligned_alloc wants a multiple of the alignment.
  void *buffer = std::aligned_alloc(
      alignment, llvm::alignTo(std::max<size_t>(bytes, 1), alignment));
  if (!buffer)
    return nullptr;
  std::lock_guard<std::mutex> lock(p.mutex);
  p.live[buffer] = key;
  return buffer;
}

void poolFree(void *buffer) {
  if (!buffer)
    return;
  Pool &p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  auto it = p.live.find(buffer);
  if (it == p.live.end()) {
    // Not from the pool (cannot happen in generated code): give it back.
    std::free(buffer);
    return;
  }
  Pool::Key key = it->second;
  p.live.erase(it);
  p.cached[key].push_back(buffer);
  p.cachedBytes += key.first;
}

void releaseBufferPool() {
  Pool &p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  for (auto &[key, buffers] : p.cached)
    for (void *buffer : buffers)
      std::free(buffer);
  p.cached.clear();
  p.cachedBytes = 0;
}

size_t bufferPoolCachedBytes() {
  Pool &p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  return p.cachedBytes;
}

const PoolSymbol poolSymbols[3] = {
    {"_mlir_memref_to_llvm_alloc", reinterpret_cast<void *>(&vsquantPoolAlloc)},
    {"_mlir_memref_to_llvm_aligned_alloc",
     reinterpret_cast<void *>(&vsquantPoolAlignedAlloc)},
    {"_mlir_memref_to_llvm_free", reinterpret_cast<void *>(&vsquantPoolFree)},
};

} // namespace runtime
} // namespace vsquant
