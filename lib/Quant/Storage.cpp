//===- Storage.cpp - Bits a quantized tensor occupies -----------*- C++ -*-===//
//
// The storage model is header-only; this file anchors the library so that
// the numerics grow here rather than in the IR code.
//
//===----------------------------------------------------------------------===//

#include "vsquant/Quant/Storage.h"
