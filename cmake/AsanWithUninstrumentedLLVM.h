// Force-included into every vsquant source in sanitizer and fuzz builds.
//
// llvm/Support/Compiler.h turns on ASan poisoning in LLVM's inline allocators
// (BumpPtrAllocator, Recycler) whenever the including code is built with
// ASan. Debian's libMLIR.so is not, yet it shares those allocators with us
// (MLIR's type and attribute uniquer): a slab that our inline code poisoned
// is then handed out by libMLIR's copy, which never unpoisons it, and every
// later write is a false use-after-poison. Making the poisoning calls no-ops
// here, as they are inside libMLIR.so, keeps both copies consistent; ASan
// still checks everything else.
#pragma once
#include <sanitizer/asan_interface.h>
#undef __asan_poison_memory_region
#undef __asan_unpoison_memory_region
#define __asan_poison_memory_region(p, size) ((void)(p), (void)(size))
#define __asan_unpoison_memory_region(p, size) ((void)(p), (void)(size))
