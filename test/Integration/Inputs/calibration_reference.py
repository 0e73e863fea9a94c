"""Independent reference for the calibration integration test (no numpy).

  calibration_reference.py make DIR N            N samples of 2x8 integers
  calibration_reference.py check MODEL DIR TABLE OUTPUTS V

Recomputes the float model's activations from the weights in MODEL and the
inputs in DIR, and checks the table's statistics (SPEC.md section 4: 2048-bin
histograms of |x| over [0, max|x|]; per-vector maxima along the reduction
axis in vectors of V) and the saved float outputs.
"""
import ast, json, math, os, random, re, struct, subprocess, sys

NPY_TOOL = os.path.join(os.path.dirname(__file__), "..", "..", "..", "utils", "npy-tool.py")


def read_npy(path):
    data = open(path, "rb").read()
    (length,) = struct.unpack("<H", data[8:10])
    header = ast.literal_eval(data[10:10 + length].decode())
    n = 1
    for d in header["shape"]:
        n *= d
    return header["shape"], list(struct.unpack("<%df" % n, data[10 + length:10 + length + 4 * n]))


def write_npy(path, shape, values):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': %r, }" % (tuple(shape),)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack("<%df" % len(values), *values))


def weights(model):
    text = open(model).read()
    found = re.findall(r"dense<(\[\[.*?\]\])>", text, re.S)
    return [ast.literal_eval(w.replace("\n", " ")) for w in found]


def matmul(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(len(b[0]))] for i in range(len(a))]


def histogram(values, top):
    counts = [0] * 2048
    for v in values:
        m = abs(v)
        b = 2047 if top <= 0 and m > 0 else (0 if top <= 0 else min(int(math.floor(m * 2048.0 / top)), 2047))
        counts[b] += 1
    return counts


def vector_maxima(rows, v):
    out = []
    for row in rows:
        for s in range(0, len(row), v):
            out.append(max(abs(x) for x in row[s:s + v]))
    return out


def main():
    if sys.argv[1] == "make":
        random.seed(7)
        os.makedirs(sys.argv[2], exist_ok=True)
        for s in range(int(sys.argv[3])):
            write_npy(os.path.join(sys.argv[2], "sample%02d.npy" % s), [2, 8],
                      [float(random.randint(-8, 8)) for _ in range(16)])
        return
    model, directory, table_path, outputs, v = sys.argv[2:7]
    v = int(v)
    w1, w2 = weights(model)
    table = json.load(open(table_path))
    assert table["format"] == "vsquant-calibration-table" and table["version"] == 1
    assert table["model"] == "net", table["model"]
    acts = {"fc1": [], "fc2": []}
    files = sorted(f for f in os.listdir(directory) if f.endswith(".npy"))
    assert table["samples"] == len(files)
    for f in files:
        shape, x = read_npy(os.path.join(directory, f))
        rows = [x[0:8], x[8:16]]
        h = [[max(0.0, e) for e in r] for r in matmul(rows, w1)]
        y = matmul(h, w2)
        acts["fc1"].append(rows)
        acts["fc2"].append(h)
        oshape, out = read_npy(os.path.join(outputs, f[:-4] + ".out0.npy"))
        assert oshape == (2, 3) and out == [e for r in y for e in r], (f, out, y)
    by_name = {t["name"]: t for t in table["tensors"]}
    assert sorted(by_name) == ["fc1", "fc2"], sorted(by_name)
    for name, samples in acts.items():
        t = by_name[name]
        flat = [e for rows in samples for r in rows for e in r]
        top = max(abs(e) for e in flat)
        assert t["max_abs"] == top, (name, t["max_abs"], top)
        assert t["count"] == len(flat)
        mean = sum(flat) / len(flat)
        assert abs(t["mean"] - mean) < 1e-9 * max(1, abs(mean)), (t["mean"], mean)
        var = sum(e * e for e in flat) / len(flat) - mean * mean
        assert abs(t["variance"] - var) < 1e-9 * max(1, var), (t["variance"], var)
        assert t["histogram"]["range"] == top
        assert t["histogram"]["counts"] == histogram(flat, top), name
        maxima = [m for rows in samples for m in vector_maxima(rows, v)]
        assert t["vector_count"] == len(maxima)
        assert t["vector_size"] == v and t["vector_axis"] == 1
        assert t["vector_max_histogram"]["counts"] == histogram(maxima, top), name
        print("%s: max %g, %d elements, %d vectors: ok" % (name, top, len(flat), len(maxima)))


main()
