// Bad option values are errors that name the option and the value.
// RUN: not vsq-opt %s --vsquant-quantize="weight-type=si9" 2>&1 | FileCheck %s --check-prefix=WTYPE
// RUN: not vsq-opt %s --vsquant-quantize="act-type=f16" 2>&1 | FileCheck %s --check-prefix=ATYPE
// RUN: not vsq-opt %s --vsquant-quantize="weight-granularity=row" 2>&1 | FileCheck %s --check-prefix=WGRAN
// RUN: not vsq-opt %s --vsquant-quantize="act-granularity=channel" 2>&1 | FileCheck %s --check-prefix=AGRAN
// RUN: not vsq-opt %s --vsquant-quantize="weight-scale=si4" 2>&1 | FileCheck %s --check-prefix=WSCALE
// RUN: not vsq-opt %s --vsquant-quantize="act-scale=bf16" 2>&1 | FileCheck %s --check-prefix=ASCALE
// RUN: not vsq-opt %s --vsquant-quantize="method=kl" 2>&1 | FileCheck %s --check-prefix=METHOD
// RUN: not vsq-opt %s --vsquant-quantize="percentile=120" 2>&1 | FileCheck %s --check-prefix=PCT
// RUN: not vsq-opt %s --vsquant-quantize="mse-grid=0" 2>&1 | FileCheck %s --check-prefix=GRID
// RUN: not vsq-opt %s --vsquant-quantize="vector-size=0" 2>&1 | FileCheck %s --check-prefix=VSIZE
// RUN: not vsq-opt %s --vsquant-quantize="scale-round=up" 2>&1 | FileCheck %s --check-prefix=SROUND
// RUN: not vsq-opt %s --vsquant-quantize="weight-coarse=row" 2>&1 | FileCheck %s --check-prefix=COARSE
// RUN: not vsq-opt %s --vsquant-quantize="act-range=-1" 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not vsq-opt %s --vsquant-quantize="dual-threshold=-0.5" 2>&1 | FileCheck %s --check-prefix=DUAL
// RUN: not vsq-opt %s --vsquant-quantize="weight-granularity=tensor" 2>&1 | FileCheck %s --check-prefix=TENSOR2L
// RUN: not vsq-opt %s --vsquant-quantize="bits=4" 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not vsq-opt %s --vsquant-quantize="report=%t.nodir/x/r.json" 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: not vsq-opt %s --vsquant-quantize="override=layer2" 2>&1 | FileCheck %s --check-prefix=OVSYNTAX
// RUN: not vsq-opt %s --vsquant-quantize="override=layer2:bits" 2>&1 | FileCheck %s --check-prefix=OVASSIGN
// RUN: not vsq-opt %s --vsquant-quantize="override=layer2:bits=4" 2>&1 | FileCheck %s --check-prefix=OVKEY
// RUN: not vsq-opt %s --vsquant-quantize="override=layer2:vector-size=32;weight-type=si12" 2>&1 | FileCheck %s --check-prefix=OVVALUE
// RUN: not vsq-opt %s --vsquant-quantize="override=layer[2:method=mse" 2>&1 | FileCheck %s --check-prefix=OVGLOB
// RUN: not vsq-opt %s --vsquant-quantize="override=*:weight-granularity=tensor" 2>&1 | FileCheck %s --check-prefix=OVCOMBO
// RUN: not vsq-opt %s --vsquant-quantize="dynamic-weights=maybe" 2>&1 | FileCheck %s --check-prefix=DYN

// WTYPE: error: vsquant-quantize: weight-type must be si2..si8 or ui2..ui8, got 'si9'
// ATYPE: error: vsquant-quantize: act-type must be si2..si8 or ui2..ui8, got 'f16'
// WGRAN: error: vsquant-quantize: weight-granularity must be vector, channel or tensor, got 'row'
// AGRAN: error: vsquant-quantize: act-granularity must be vector, token or tensor, got 'channel'
// WSCALE: error: vsquant-quantize: weight-scale must be f32 or ui1..ui16, got 'si4'
// ASCALE: error: vsquant-quantize: act-scale must be f32 or ui1..ui16, got 'bf16'
// METHOD: error: vsquant-quantize: method must be max, percentile, mse, octav or entropy, got 'kl'
// PCT: error: vsquant-quantize: percentile must be in (0, 100], got '120'
// GRID: error: vsquant-quantize: mse-grid must be at least 1, got '0'
// VSIZE: error: vsquant-quantize: vector-size must be a positive integer, got '0'
// SROUND: error: vsquant-quantize: scale-round must be ceil or nearest, got 'up'
// COARSE: error: vsquant-quantize: weight-coarse must be channel or tensor, got 'row'
// RANGE: error: vsquant-quantize: act-range must be a finite non-negative number, got '-1'
// DUAL: error: vsquant-quantize: dual-threshold must be a finite non-negative number, got '-0.5'
// TENSOR2L: error: vsquant-quantize: a per-tensor weight scale cannot be two-level; use weight-scale=f32
// UNKNOWN: no such option bits
// REPORT: error: cannot write quantization report '{{.*}}.nodir/x/r.json'
// OVSYNTAX: error: vsquant-quantize: override 'layer2' must be <pattern>:<option>=<value>[;...]
// OVASSIGN: error: vsquant-quantize: override 'layer2:bits': 'bits' is not <option>=<value>
// OVKEY: error: vsquant-quantize: override 'layer2:bits=4': unknown per-layer option 'bits' (weight-type,
// OVVALUE: error: vsquant-quantize: override 'layer2:vector-size=32;weight-type=si12': weight-type must be si2..si8 or ui2..ui8, got 'si12'
// OVGLOB: error: vsquant-quantize: override 'layer[2:method=mse': bad pattern: invalid glob pattern, unmatched '['
// OVCOMBO: error: vsquant-quantize: override '*:weight-granularity=tensor': a per-tensor weight scale cannot be two-level; use weight-scale=f32
// DYN: for the --dynamic-weights option: 'maybe' is invalid value for boolean argument

func.func @f(%a: tensor<2x4xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<1.0> : tensor<4x2xf32>
  %c = arith.constant dense<0.0> : tensor<2x2xf32>
  %y = linalg.matmul ins(%a, %w : tensor<2x4xf32>, tensor<4x2xf32>) outs(%c : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
