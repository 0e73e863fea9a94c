//===- Formats.h - TensorFormat shorthands for the numerics tests -*- C++ -*-===//

#ifndef VSQUANT_UNITTESTS_QUANT_FORMATS_H
#define VSQUANT_UNITTESTS_QUANT_FORMATS_H

#include "vsquant/Quant/Quantizer.h"

namespace vsquant::testing {

inline quant::TensorFormat perTensor(quant::ElementFormat element) {
  quant::TensorFormat f;
  f.element = element;
  f.granularity = quant::Granularity::PerTensor;
  return f;
}

inline quant::TensorFormat perChannel(quant::ElementFormat element,
                                      int64_t axis) {
  quant::TensorFormat f;
  f.element = element;
  f.granularity = quant::Granularity::PerChannel;
  f.axis = axis;
  return f;
}

/// Per-vector along `axis`; `scaleBits` > 0 makes it two-level, with the
/// coarse scale per tensor (`coarseAxis` -1) or per channel of `coarseAxis`.
inline quant::TensorFormat perVector(quant::ElementFormat element, int64_t axis,
                                     int64_t size, unsigned scaleBits = 0,
                                     int64_t coarseAxis = -1) {
  quant::TensorFormat f;
  f.element = element;
  f.granularity = quant::Granularity::PerVector;
  f.axis = axis;
  f.vectorSize = size;
  f.scaleBits = scaleBits;
  f.coarseAxis = coarseAxis;
  return f;
}

} // namespace vsquant::testing

#endif // VSQUANT_UNITTESTS_QUANT_FORMATS_H
