#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets from the project's own inputs.

Usage: make-corpus.py SOURCE_ROOT OUT_DIR [CALIBRATION_TABLE...]
  OUT_DIR/ir          every test/**/*.mlir and examples/*.mlir, split at
                      '// -----' like the tests are
  OUT_DIR/npy         examples/mlp_inputs/**/*.npy and small hand-made files
                      (every dtype and header version the reader accepts)
  OUT_DIR/calibration hand-made tables plus the given ones (vsq-calibrate's)
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


def main():
    root, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    for sub in ("ir", "npy", "calibration"):
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

    for sub in ("ir", "npy", "calibration"):
        print(f"{sub}: {len(list((out / sub).iterdir()))} seeds")


if __name__ == "__main__":
    main()
