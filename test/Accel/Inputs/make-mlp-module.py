"""Writes a quantized two-layer vsquant model for the w4a4-v16-ui4 machine
(model.mlir) and a random input (x.npy) into the directory given.

x (4x48, f32) -> dynamic_quantize (si4, V = 16, ui4, static coarse)
  -> matmul (si4 weights, per-column coarse) + bias, ReLU, re-quantized to
     ui4 under a static coarse scale (out_coarse)
  -> matmul -> y (4x32, f32)
"""
import os
import random
import struct
import sys

out = sys.argv[1]
rng = random.Random(11)
M, K, H, N, V = 4, 48, 96, 32, 16


def dense_ints(rows, cols, low, high):
    return "[" + ", ".join(
        "[" + ", ".join(str(rng.randint(low, high)) for _ in range(cols)) + "]"
        for _ in range(rows)) + "]"


def dense_floats(count, low, high):
    return "[" + ", ".join(
        "%.6e" % rng.uniform(low, high) for _ in range(count)) + "]"


def weight(k, n, name):
    return (f"  %{name} = vsquant.constant values(dense<{dense_ints(k, n, -7, 7)}> : tensor<{k}x{n}xi8>)\n"
            f"      scales(dense<{dense_ints(k // V, n, 1, 15)}> : tensor<{k // V}x{n}xi8>)\n"
            f"      coarse(dense<{dense_floats(n, 0.001, 0.004)}> : tensor<{n}xf32>) : !vsquant.tensor<{k}x{n}, #w>\n")


model = f"""#x = #vsquant.format<si4, per_vector(axis = 1, size = 16), scale = ui4>
#w = #vsquant.format<si4, per_vector(axis = 0, size = 16), scale = ui4, coarse = per_channel(axis = 1)>
#h = #vsquant.format<ui4, per_vector(axis = 1, size = 16), scale = ui4>
func.func @mlp(%x: tensor<{M}x{K}xf32>) -> tensor<{M}x{N}xf32> {{
  %gx = arith.constant dense<0.04> : tensor<f32>
  %xq = vsquant.dynamic_quantize %x coarse(%gx : tensor<f32>) : tensor<{M}x{K}xf32> -> !vsquant.tensor<{M}x{K}, #x>
{weight(K, H, "w1")}  %b1 = arith.constant dense<{dense_floats(H, -0.5, 0.5)}> : tensor<{H}xf32>
  %gh = arith.constant dense<0.004> : tensor<f32>
  %h = vsquant.matmul %xq, %w1 bias(%b1 : tensor<{H}xf32>) out_coarse(%gh : tensor<f32>) relu
      : !vsquant.tensor<{M}x{K}, #x>, !vsquant.tensor<{K}x{H}, #w> -> !vsquant.tensor<{M}x{H}, #h>
{weight(H, N, "w2")}  %y = vsquant.matmul %h, %w2 : !vsquant.tensor<{M}x{H}, #h>, !vsquant.tensor<{H}x{N}, #w> -> tensor<{M}x{N}xf32>
  return %y : tensor<{M}x{N}xf32>
}}
"""
with open(os.path.join(out, "model.mlir"), "w") as f:
    f.write(model)

# x: uniform in [-1, 1) with a few outliers, so some vectors' integer
# scales clamp under the static coarse scale.
data = [rng.uniform(-1, 1) * (8 if rng.random() < 0.05 else 1)
        for _ in range(M * K)]
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (M, K)
header += " " * (63 - (10 + len(header)) % 64) + "\n"
with open(os.path.join(out, "x.npy"), "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) +
            header.encode() + struct.pack("<%df" % len(data), *data))
