// Unknown option values are errors that name the option, never aborts.
// RUN: not vsq-opt %s --vsquant-tile-vectors="target=sse9" 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: not vsq-opt %s --vsquant-tile-vectors="rows=-1" 2>&1 | FileCheck %s --check-prefix=ROWS
// RUN: not vsq-opt %s --vsquant-cpu-pipeline="kernels=fast" 2>&1 | FileCheck %s --check-prefix=KERNELS
// RUN: not vsq-opt %s --vsquant-cpu-pipeline="target=sse9" 2>&1 | FileCheck %s --check-prefix=PTARGET
// RUN: not vsq-opt %s --vsquant-cpu-pipeline="num-threads=0" 2>&1 | FileCheck %s --check-prefix=THREADS
// RUN: not vsq-opt %s --convert-vsquant-dot-to-llvm="target=sse9" 2>&1 | FileCheck %s --check-prefix=DOT
// RUN: not vsq-opt %s --vsquant-tile-vectors="min-macs-per-thread=-1" 2>&1 | FileCheck %s --check-prefix=MINMACS
// RUN: not vsq-opt %s --vsquant-cpu-pipeline="min-macs-per-thread=-1" 2>&1 | FileCheck %s --check-prefix=PMINMACS
// RUN: not vsq-opt %s --vsquant-tile-vectors="prefetch-distance=-2" 2>&1 | FileCheck %s --check-prefix=PREFETCH
// RUN: not vsq-opt %s --vsquant-cpu-pipeline="prefetch-distance=-2" 2>&1 | FileCheck %s --check-prefix=PPREFETCH

// TARGET: unknown target 'sse9' (expected host, avx512vnni, avx2 or none)
// ROWS: rows and column-blocks must be >= 0
// KERNELS: unknown kernels 'fast' (expected tiled or reference)
// PTARGET: vsquant-cpu-pipeline: unknown target 'sse9'
// THREADS: num-threads must be >= 1
// DOT: convert-vsquant-dot-to-llvm: unknown target 'sse9'
// MINMACS: vsquant-tile-vectors: min-macs-per-thread must be >= 0
// PMINMACS: vsquant-cpu-pipeline: min-macs-per-thread must be >= 0
// PREFETCH: vsquant-tile-vectors: prefetch-distance must be >= 0, or -1 for the default
// PPREFETCH: vsquant-cpu-pipeline: prefetch-distance must be >= 0, or -1 for the default

func.func @f() {
  return
}
