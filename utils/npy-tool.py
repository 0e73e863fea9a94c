#!/usr/bin/env python3
"""Minimal .npy writer/reader for tests (no numpy needed).

  npy-tool.py write OUT.npy DTYPE SHAPE V1,V2,...   e.g. write a.npy <f4 2x4 1,2,3,...
  npy-tool.py dump FILE.npy                          prints dtype, shape, values
  npy-tool.py raw OUT.npy BYTES_HEX                  writes arbitrary bytes
"""
import ast
import struct
import sys

CODES = {"<f4": "f", "<f2": "e", "<f8": "d", "|i1": "b", "|u1": "B",
         "<i2": "h", "<u2": "H", "<i4": "i"}


def write(path, dtype, shape_text, values_text):
    shape = tuple(int(d) for d in shape_text.split("x")) if shape_text != "scalar" else ()
    values = [float(v) if "f" in dtype else int(v) for v in values_text.split(",") if v != ""]
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %r, }" % (dtype, shape)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack("<%d%s" % (len(values), CODES[dtype]), *values))


def dump(path):
    data = open(path, "rb").read()
    assert data[:6] == b"\x93NUMPY", "bad magic"
    (length,) = struct.unpack("<H", data[8:10])
    header = ast.literal_eval(data[10:10 + length].decode())
    payload = data[10 + length:]
    code = CODES[header["descr"]]
    count = len(payload) // struct.calcsize(code)
    values = struct.unpack("<%d%s" % (count, code), payload)
    print("dtype %s shape %s" % (header["descr"], "x".join(map(str, header["shape"])) or "scalar"))
    print(" ".join(("%.9g" % v) if isinstance(v, float) else str(v) for v in values))


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(*sys.argv[2:6])
    elif sys.argv[1] == "dump":
        dump(sys.argv[2])
    elif sys.argv[1] == "raw":
        open(sys.argv[2], "wb").write(bytes.fromhex(sys.argv[3]))
