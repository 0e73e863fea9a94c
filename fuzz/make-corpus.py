#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets from the project's own inputs.

Usage: make-corpus.py SOURCE_ROOT OUT_DIR [CALIBRATION_TABLE...]
  OUT_DIR/ir          every test/**/*.mlir and examples/*.mlir, split at
                      '// -----' like the tests are
  OUT_DIR/npy         examples/mlp_inputs/**/*.npy and small hand-made files
                      (every dtype and header version the reader accepts)
  OUT_DIR/calibration hand-made tables plus the given ones (vsq-calibrate's)
  OUT_DIR/accel-config accel/*.json
  OUT_DIR/accel-binary vsqaccel binaries written from docs/AcceleratorISA.md's
                      encoding (every opcode and flag)
"""
import json
import pathlib
import shutil
import struct
import sys


def npy(dtype, shape, payload, version=1):
    dims = ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "")
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (dtype, dims)
    prefix = 10 if version == 1 else 12
    header += " " * ((64 - (prefix + len(header) + 1) % 64) % 64) + "\n"
    size = struct.pack("<H", len(header)) if version == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + size + header.encode() + payload


def table(tensors):
    return json.dumps({"format": "vsquant-calibration-table", "version": 1,
                       "model": "main", "samples": 2, "tensors": tensors})


def tensor(name, shape, max_abs, counts):
    hist = {"range": max_abs, "counts": counts}
    return {"name": name, "shape": shape, "vector_axis": len(shape) - 1,
            "vector_size": 4, "count": sum(counts), "vector_count": 2,
            "max_abs": max_abs, "sum": 1.5, "sum_squares": 9.0,
            "histogram": hist, "vector_max_histogram": hist}


def accel_binary(name, instructions, per_vector=True):
    """A vsqaccel binary: V=16, 32 lanes, W4A4 (ui4 scales or per-channel)."""
    scale_bits = 4 if per_vector else 0
    header = b"VSQA" + struct.pack("<HHII", 1, 0, 16, 32)
    header += bytes([4, 4, scale_bits, scale_bits, 32, 0, 0, 0])
    header += struct.pack("<5I", 8, 16, 4, 130, 4)
    header += struct.pack("<H", len(name)) + name.encode()
    body = struct.pack("<I", len(instructions))
    for opcode, flags, deps, fields in instructions:
        body += struct.pack("<BBH", opcode, flags, len(deps))
        body += b"".join(struct.pack("<I", d) for d in deps) + fields
    return header + body


def dma(buffer, addr, dram, count, rows=None, stride=0):
    fields = struct.pack("<BIQI", buffer, addr, dram, count)
    return fields + (struct.pack("<IQ", rows, stride) if rows else b"")


def main():
    root, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    for sub in ("ir", "npy", "calibration", "accel-config", "accel-binary"):
        shutil.rmtree(out / sub, ignore_errors=True)
        (out / sub).mkdir(parents=True)

    files = sorted(root.glob("test/**/*.mlir")) + sorted(root.glob("examples/*.mlir"))
    n = 0
    for path in files:
        for chunk in path.read_text().split("// -----"):
            if chunk.strip():
                (out / "ir" / f"{n:04d}.mlir").write_text(chunk)
                n += 1

    for path in sorted(root.glob("examples/mlp_inputs/**/*.npy")):
        shutil.copy(path, out / "npy" / f"{path.parent.name}-{path.name}")
    small = {
        "f4-2x3.npy": npy("<f4", [2, 3], struct.pack("<6f", 1, -2, 3.5, 0, 1e-3, 7)),
        "f2-4.npy": npy("<f2", [4], struct.pack("<4H", 0x3C00, 0x0001, 0x7C00, 0xFE00)),
        "f8-scalar.npy": npy("<f8", [], struct.pack("<d", 2.5)),
        "f4-empty.npy": npy("<f4", [0, 5], b""),
        "f4-v2.npy": npy("<f4", [1, 1], struct.pack("<f", 3), version=2),
        "f4-v3.npy": npy("<f4", [2], struct.pack("<2f", 3, 4), version=3),
    }
    for name, data in small.items():
        (out / "npy" / name).write_bytes(data)

    zeros = [0] * 2048
    ramp = [i % 7 for i in range(2048)]
    tables = {
        "one.json": table([tensor("fc1", [2, 8], 4.0, ramp)]),
        "two.json": table([tensor("fc1", [2, 8], 4.0, ramp),
                           tensor("loc(\"fc2\")", [1, 3, 3, 4], 0.5, zeros)]),
        "zeros.json": table([tensor("a", [4], 0.0, zeros)]),
        "empty.json": table([]),
    }
    for name, text in tables.items():
        (out / "calibration" / name).write_text(text)
    for i, path in enumerate(sys.argv[3:]):
        shutil.copy(path, out / "calibration" / f"calibrated-{i}.json")

    for path in sorted(root.glob("accel/*.json")):
        shutil.copy(path, out / "accel-config" / path.name)
    binaries = {
        "all.bin": accel_binary("all", [
            (1, 0, [], dma(0, 0, 0, 2)),
            (1, 1, [0], dma(1, 0, 1024, 2, rows=4, stride=72)),
            (1, 0, [], dma(2, 65, 2048, 65)),
            (3, 0, [], struct.pack("<II", 0, 4)),
            (4, 1, [0, 1, 3], struct.pack("<6I", 0, 0, 0, 4, 2, 32)),
            (5, 7, [4, 2], struct.pack("<5I", 0, 4, 32, 65, 0)),
            (2, 1, [5], dma(3, 0, 4096, 4)),
            (6, 0, [6], b""),
            (6, 0, [], b""),
        ]),
        "per-channel.bin": accel_binary("pc", [
            (1, 0, [], dma(0, 0, 0, 1)),
            (1, 0, [], dma(1, 0, 512, 1)),
            (4, 0, [0, 1], struct.pack("<6I", 0, 0, 0, 1, 1, 16)),
            (5, 2, [2], struct.pack("<5I", 0, 1, 16, 0, 0)),
            (2, 0, [3], dma(3, 0, 1024, 1)),
        ], per_vector=False),
        "empty.bin": accel_binary("e", []),
    }
    for name, data in binaries.items():
        (out / "accel-binary" / name).write_bytes(data)

    for sub in ("ir", "npy", "calibration", "accel-config", "accel-binary"):
        print(f"{sub}: {len(list((out / sub).iterdir()))} seeds")


if __name__ == "__main__":
    main()
