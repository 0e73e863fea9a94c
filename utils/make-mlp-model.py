#!/usr/bin/env python3
"""Writes a float MLP in linalg on tensors (weights as dense_resource blobs,
Laplace-distributed, fixed seed) and random .npy inputs, for calibration
timing (docs/Calibration.md). No numpy needed.

  make-mlp-model.py OUT_DIR [--batch 8] [--layers 1024,2048,1024,256] [--samples 100]
"""
import argparse, os, random, struct


def laplace(rng, scale):
    u = rng.random() - 0.5
    return -scale * (1 if u >= 0 else -1) * __import__("math").log(1 - 2 * abs(u))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--layers", default="1024,2048,1024,256")
    p.add_argument("--samples", type=int, default=100)
    a = p.parse_args()
    dims = [int(d) for d in a.layers.split(",")]
    rng = random.Random(1)
    os.makedirs(os.path.join(a.out, "samples"), exist_ok=True)
    lines, blobs = [], []
    b = a.batch
    lines.append("func.func @mlp(%%x: tensor<%dx%dxf32>) -> tensor<%dx%dxf32> {" % (b, dims[0], b, dims[-1]))
    lines.append("  %zero = arith.constant 0.0 : f32")
    value = "%x"
    params = 0
    for i in range(len(dims) - 1):
        k, n = dims[i], dims[i + 1]
        params += k * n
        scale = 1.0 / k ** 0.5
        data = struct.pack("<%df" % (k * n), *(laplace(rng, scale) for _ in range(k * n)))
        blobs.append("      w%d: \"0x04000000%s\"" % (i, data.hex().upper()))
        lines.append("  %%w%d = arith.constant dense_resource<w%d> : tensor<%dx%dxf32>" % (i, i, k, n))
        lines.append("  %%e%d = tensor.empty() : tensor<%dx%dxf32>" % (i, b, n))
        lines.append("  %%f%d = linalg.fill ins(%%zero : f32) outs(%%e%d : tensor<%dx%dxf32>) -> tensor<%dx%dxf32>" % (i, i, b, n, b, n))
        lines.append("  %%y%d = linalg.matmul ins(%s, %%w%d : tensor<%dx%dxf32>, tensor<%dx%dxf32>) outs(%%f%d : tensor<%dx%dxf32>) -> tensor<%dx%dxf32> loc(\"layer%d\")"
                     % (i, value, i, b, k, k, n, i, b, n, b, n, i + 1))
        value = "%%y%d" % i
        if i + 2 < len(dims):
            lines.append("  %%r%d = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = [\"parallel\", \"parallel\"]} ins(%s : tensor<%dx%dxf32>) outs(%%e%d : tensor<%dx%dxf32>) {" % (i, value, b, n, i, b, n))
            lines.append("  ^bb0(%in: f32, %out: f32):")
            lines.append("    %m = arith.maximumf %in, %zero : f32")
            lines.append("    linalg.yield %m : f32")
            lines.append("  } -> tensor<%dx%dxf32>" % (b, n))
            value = "%%r%d" % i
    lines.append("  return %s : tensor<%dx%dxf32>" % (value, b, dims[-1]))
    lines.append("}")
    lines.append("{-#\n  dialect_resources: {\n    builtin: {\n" + ",\n".join(blobs) + "\n    }\n  }\n#-}")
    with open(os.path.join(a.out, "model.mlir"), "w") as f:
        f.write("// %d parameters\n" % params + "\n".join(lines) + "\n")
    for s in range(a.samples):
        values = [rng.gauss(0, 1) for _ in range(b * dims[0])]
        header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (b, dims[0])
        header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
        with open(os.path.join(a.out, "samples", "s%03d.npy" % s), "wb") as f:
            f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
            f.write(struct.pack("<%df" % len(values), *values))
    print("%d parameters, %d samples in %s" % (params, a.samples, a.out))


main()
