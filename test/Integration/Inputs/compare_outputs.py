"""compare_outputs.py PRINTED.txt REFERENCE.npy: the printed floats (one per
line, %.9g) equal the .npy's float32 values exactly."""
import ast, struct, sys

text = [float(line) for line in open(sys.argv[1]) if line.strip()]
data = open(sys.argv[2], "rb").read()
(length,) = struct.unpack("<H", data[8:10])
header = ast.literal_eval(data[10:10 + length].decode())
n = 1
for d in header["shape"]:
    n *= d
reference = struct.unpack("<%df" % n, data[10 + length:10 + length + 4 * n])
printed = [struct.unpack("<f", struct.pack("<f", v))[0] for v in text]
assert len(printed) == n, (len(printed), n)
bad = [(i, a, b) for i, (a, b) in enumerate(zip(printed, reference)) if a != b]
assert not bad, bad[:5]
print("%d values identical" % n)
