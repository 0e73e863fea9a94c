"""Small ONNX graphs for the importer's tests, with numpy references.

  onnx_cases.py make <case> <dir>   writes <dir>/model.onnx, the inputs as
                                    <dir>/in/s.in<k>.npy and numpy's
                                    results as <dir>/expected/s.out<k>.npy
  onnx_cases.py compare <got-dir> <expected-dir>
                                    checks every expected output (fp32
                                    tolerance) and prints the worst error

The references are computed here in float64 from the ONNX operator
definitions, independently of the importer.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)


def rand(*shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, shape).astype(np.float32)


def value_info(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def const(name, array):
    return helper.make_node("Constant", [], [name], name=name,
                            value=numpy_helper.from_array(array, name))


def conv_ref(x, w, b=None, strides=(1, 1), pads=(0, 0, 0, 0),
             dilations=(1, 1), group=1):
    x = np.pad(x.astype(np.float64),
               ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    oh = (h - dilations[0] * (kh - 1) - 1) // strides[0] + 1
    ow = (wd - dilations[1] * (kw - 1) - 1) // strides[1] + 1
    out = np.zeros((n, m, oh, ow))
    mg = m // group
    for g in range(group):
        for i in range(kh):
            for j in range(kw):
                r0, c0 = i * dilations[0], j * dilations[1]
                patch = x[:, g * cg:(g + 1) * cg,
                          r0:r0 + strides[0] * (oh - 1) + 1:strides[0],
                          c0:c0 + strides[1] * (ow - 1) + 1:strides[1]]
                out[:, g * mg:(g + 1) * mg] += np.einsum(
                    "nchw,mc->nmhw", patch, w[g * mg:(g + 1) * mg, :, i, j])
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


def conv_transpose_ref(x, w, b, stride, pads):
    # Scatter form of the definition: every input pixel adds its kernel.
    n, c, h, wd = x.shape
    _, m, kh, kw = w.shape
    full = np.zeros((n, m, (h - 1) * stride + kh, (wd - 1) * stride + kw))
    for i in range(h):
        for j in range(wd):
            full[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] \
                += np.einsum("nc,cmuv->nmuv", x[:, :, i, j], w)
    out = full[:, :, pads[0]:full.shape[2] - pads[2],
               pads[1]:full.shape[3] - pads[3]]
    return out + b.reshape(1, -1, 1, 1)


def softmax_ref(x, axes):
    e = np.exp(x - x.max(axis=axes, keepdims=True))
    return e / e.sum(axis=axes, keepdims=True)


def case_conv():
    x = rand(1, 4, 9, 9)
    w1, b1 = rand(6, 4, 3, 3), rand(6)
    wd, bd = rand(4, 1, 5, 5), rand(4)
    wg = rand(6, 2, 3, 3)
    wt, bt = rand(4, 3, 2, 2), rand(3)
    scale, bias, mean, var = rand(6), rand(6), rand(6), rand(6, lo=0.5, hi=2)
    nodes = [
        const("w1", w1), const("b1", b1), const("wd", wd), const("bd", bd),
        const("wg", wg), const("wt", wt), const("bt", bt),
        const("bn_scale", scale), const("bn_bias", bias),
        const("bn_mean", mean), const("bn_var", var),
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="dense_conv",
                         pads=[1, 1, 1, 1], strides=[2, 2], group=1),
        helper.make_node("BatchNormalization",
                         ["c1", "bn_scale", "bn_bias", "bn_mean", "bn_var"],
                         ["bn"], name="bn", epsilon=1e-5),
        helper.make_node("Relu", ["bn"], ["y0"], name="relu"),
        helper.make_node("Conv", ["x", "wd", "bd"], ["y1"],
                         name="depthwise_conv", pads=[2, 2, 2, 2], group=4),
        helper.make_node("Conv", ["x", "wg"], ["y2"], name="grouped_conv",
                         pads=[0, 1, 2, 1], strides=[1, 2], dilations=[2, 1],
                         group=2),
        helper.make_node("ConvTranspose", ["x", "wt", "bt"], ["y3"],
                         name="deconv", strides=[2, 2], kernel_shape=[2, 2]),
    ]
    bn = (conv_ref(x, w1, b1, (2, 2), (1, 1, 1, 1)) - mean.reshape(1, -1, 1, 1)) \
        / np.sqrt(var.reshape(1, -1, 1, 1).astype(np.float64) + 1e-5) \
        * scale.reshape(1, -1, 1, 1) + bias.reshape(1, -1, 1, 1)
    expected = [
        np.maximum(bn, 0),
        conv_ref(x, wd, bd, pads=(2, 2, 2, 2), group=4),
        conv_ref(x, wg, None, (1, 2), (0, 1, 2, 1), (2, 1), group=2),
        conv_transpose_ref(x, wt, bt, 2, (0, 0, 0, 0)),
    ]
    return nodes, {"x": x}, expected, 11


def case_accel_layers():
    """A conv with unequal strides and a matmul of two run-time tensors:
    what utils/onnx/accel_cost.py prices differently (test/Tools)."""
    x, w = rand(1, 8, 10, 12), rand(16, 8, 3, 3)
    a, b = rand(4, 6), rand(6, 5)
    nodes = [
        const("w", w),
        helper.make_node("Conv", ["x", "w"], ["y0"], name="strided_conv",
                         pads=[1, 1, 1, 1], strides=[2, 1]),
        helper.make_node("MatMul", ["a", "b"], ["y1"], name="runtime_matmul"),
    ]
    expected = [conv_ref(x, w, None, (2, 1), (1, 1, 1, 1)),
                a.astype(np.float64) @ b]
    return nodes, {"x": x, "a": a, "b": b}, expected, 13


def case_elementwise():
    x, y = rand(2, 3, 4, lo=-4, hi=4), rand(3, 1, lo=0.5, hi=2)
    lo, hi = np.array(-0.5, np.float32), np.array(1.5, np.float32)
    two = np.array(2.0, np.float32)
    nodes = [
        const("lo", lo), const("hi", hi), const("two", two),
        helper.make_node("Add", ["x", "y"], ["add"], name="add"),
        helper.make_node("Sub", ["add", "y"], ["sub"], name="sub"),
        helper.make_node("Mul", ["sub", "y"], ["mul"], name="mul"),
        helper.make_node("Div", ["mul", "y"], ["y0"], name="div"),
        helper.make_node("Clip", ["x", "lo", "hi"], ["y1"], name="clip"),
        helper.make_node("HardSigmoid", ["x"], ["y2"], name="hsig",
                         alpha=0.25, beta=0.4),
        helper.make_node("HardSwish", ["x"], ["y3"], name="hswish"),
        helper.make_node("Sigmoid", ["x"], ["y4"], name="sigmoid"),
        helper.make_node("Abs", ["x"], ["abs"], name="abs"),
        helper.make_node("Sqrt", ["abs"], ["y5"], name="sqrt"),
        helper.make_node("Pow", ["x", "two"], ["y6"], name="square"),
        helper.make_node("Pow", ["abs", "y"], ["y7"], name="pow"),
        helper.make_node("Exp", ["y"], ["exp"], name="exp"),
        helper.make_node("Log", ["exp"], ["log"], name="log"),
        helper.make_node("Neg", ["log"], ["neg"], name="neg"),
        helper.make_node("Reciprocal", ["neg"], ["y8"], name="reciprocal"),
        helper.make_node("LeakyRelu", ["x"], ["y9"], name="leaky", alpha=0.1),
        helper.make_node("Max", ["x", "y"], ["mx"], name="max"),
        helper.make_node("Min", ["mx", "hi"], ["y10"], name="min"),
    ]
    xd, yd = x.astype(np.float64), y.astype(np.float64)
    expected = [
        (xd + yd - yd) * yd / yd,
        np.clip(xd, -0.5, 1.5),
        np.clip(0.25 * xd + 0.4, 0, 1),
        xd * np.clip(xd / 6 + 0.5, 0, 1),
        1 / (1 + np.exp(-xd)),
        np.sqrt(np.abs(xd)),
        xd * xd,
        np.abs(xd) ** yd,
        -1 / yd,
        np.where(xd > 0, xd, 0.1 * xd),
        np.minimum(np.maximum(xd, yd), 1.5),
    ]
    return nodes, {"x": x, "y": y}, expected, 14


def case_clip9():
    x = rand(2, 5, lo=-8, hi=8)
    nodes = [helper.make_node("Clip", ["x"], ["y0"], name="relu6", min=0.0,
                              max=6.0)]
    return nodes, {"x": x}, [np.clip(x.astype(np.float64), 0, 6)], 9


def case_matmul():
    a, b = rand(2, 3, 5), rand(2, 2, 3, 4)
    c = rand(2, 2, 4, 3)
    w = rand(5, 7)
    g, gb = rand(6, 5), rand(6)
    nodes = [
        const("w", w), const("g", g), const("gb", gb),
        helper.make_node("MatMul", ["a", "w"], ["y0"], name="matmul_const"),
        helper.make_node("MatMul", ["b", "c"], ["y1"], name="matmul_batch"),
        helper.make_node("Flatten", ["a"], ["a2"], name="flatten", axis=2),
        helper.make_node("Gemm", ["a2", "g", "gb"], ["y2"], name="gemm",
                         transB=1, alpha=0.5, beta=2.0),
        helper.make_node("Transpose", ["b"], ["y3"], name="transpose",
                         perm=[0, 2, 3, 1]),
        helper.make_node("Softmax", ["b"], ["y4"], name="softmax_last",
                         axis=-1),
    ]
    ad, bd, cd = a.astype(np.float64), b.astype(np.float64), c.astype(np.float64)
    expected = [
        ad @ w,
        bd @ cd,
        0.5 * (ad.reshape(6, 5) @ g.T.astype(np.float64)) + 2.0 * gb,
        bd.transpose(0, 2, 3, 1),
        softmax_ref(bd, (3,)),
    ]
    return nodes, {"a": a, "b": b, "c": c}, expected, 13


def case_softmax11():
    # Before opset 13, Softmax normalizes over every dim from axis on.
    x = rand(2, 3, 4, lo=-3, hi=3)
    nodes = [helper.make_node("Softmax", ["x"], ["y0"], name="softmax",
                              axis=1)]
    return nodes, {"x": x}, [softmax_ref(x.astype(np.float64), (1, 2))], 11


def case_shapes():
    x = rand(2, 3, 4, 5)
    i64 = lambda v: np.array(v, np.int64)
    nodes = [
        # Shape arithmetic, all evaluated during import.
        helper.make_node("Shape", ["x"], ["shape"], name="shape"),
        const("idx", i64([0, 1])),
        helper.make_node("Gather", ["shape", "idx"], ["lead"], name="gather"),
        helper.make_node("Cast", ["lead"], ["lead_f"], name="cast_f", to=1),
        helper.make_node("Cast", ["lead_f"], ["lead_i"], name="cast_i", to=7),
        const("minus1", i64([-1])),
        helper.make_node("Concat", ["lead_i", "minus1"], ["target"],
                         name="concat_shape", axis=0),
        helper.make_node("Reshape", ["x", "target"], ["y0"], name="reshape"),
        # Opset 13: axes as inputs.
        const("axes", i64([1, 3])),
        helper.make_node("Unsqueeze", ["y0", "axes"], ["y1"],
                         name="unsqueeze"),
        helper.make_node("Squeeze", ["y1", "axes"], ["sq"], name="squeeze"),
        const("starts", i64([1, 0])), const("ends", i64([3, 100])),
        const("saxes", i64([1, 2])), const("steps", i64([1, 3])),
        helper.make_node("Slice", ["sq", "starts", "ends", "saxes", "steps"],
                         ["y2"], name="slice"),
        helper.make_node("Concat", ["x", "x"], ["y3"], name="concat", axis=2),
        helper.make_node("Identity", ["x"], ["ident"], name="identity"),
        helper.make_node("Reshape", ["ident", "minus1"], ["y4"],
                         name="reshape_flat"),
    ]
    xd = x.astype(np.float64)
    y0 = xd.reshape(2, 3, 20)
    expected = [y0, y0[:, None, :, None], y0[:, 1:3, ::3],
                np.concatenate([xd, xd], axis=2), xd.reshape(-1)]
    return nodes, {"x": x}, expected, 13


def case_pool():
    x = rand(1, 3, 7, 8)
    nodes = [
        helper.make_node("MaxPool", ["x"], ["y0"], name="maxpool",
                         kernel_shape=[3, 3], strides=[2, 2],
                         pads=[1, 1, 1, 1]),
        helper.make_node("AveragePool", ["x"], ["y1"], name="avgpool",
                         kernel_shape=[3, 2], strides=[2, 2],
                         pads=[1, 0, 1, 0], count_include_pad=0),
        helper.make_node("GlobalAveragePool", ["x"], ["y2"], name="gap"),
        helper.make_node("ReduceMean", ["x"], ["y3"], name="reduce_mean",
                         axes=[-1], keepdims=0),
        helper.make_node("ReduceSum", ["x"], ["y4"], name="reduce_sum",
                         keepdims=1),
        helper.make_node("ReduceMax", ["x"], ["y5"], name="reduce_max",
                         axes=[1]),
    ]
    xd = x.astype(np.float64)

    def pool(pad_value, k, s, pads, fn):
        xp = np.pad(xd, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])),
                    constant_values=pad_value)
        valid = np.pad(np.ones_like(xd), ((0, 0), (0, 0), (pads[0], pads[2]),
                                          (pads[1], pads[3])))
        oh = (xp.shape[2] - k[0]) // s[0] + 1
        ow = (xp.shape[3] - k[1]) // s[1] + 1
        out = np.zeros((1, 3, oh, ow))
        for i in range(oh):
            for j in range(ow):
                win = (slice(None), slice(None),
                       slice(i * s[0], i * s[0] + k[0]),
                       slice(j * s[1], j * s[1] + k[1]))
                out[:, :, i, j] = fn(xp[win], valid[win])
        return out

    expected = [
        pool(-np.inf, (3, 3), (2, 2), (1, 1, 1, 1),
             lambda w, v: w.max(axis=(2, 3))),
        pool(0, (3, 2), (2, 2), (1, 0, 1, 0),
             lambda w, v: w.sum(axis=(2, 3)) / v.sum(axis=(2, 3))),
        xd.mean(axis=(2, 3), keepdims=True),
        xd.mean(axis=-1),
        xd.sum(keepdims=True),
        xd.max(axis=1, keepdims=True),
    ]
    return nodes, {"x": x}, expected, 11


def case_resize():
    x = rand(1, 2, 3, 4)
    empty = np.zeros((0,), np.float32)
    nodes = [
        const("roi", empty), const("scales", np.array([1, 1, 2, 2], np.float32)),
        const("sizes", np.array([1, 2, 5, 3], np.int64)),
        helper.make_node("Resize", ["x", "roi", "scales"], ["y0"],
                         name="upsample", mode="nearest",
                         coordinate_transformation_mode="asymmetric",
                         nearest_mode="floor"),
        helper.make_node("Resize", ["x", "roi", "", "sizes"], ["y1"],
                         name="resize_sizes", mode="nearest",
                         coordinate_transformation_mode="half_pixel",
                         nearest_mode="round_prefer_floor"),
    ]
    xd = x.astype(np.float64)
    # half_pixel, round_prefer_floor: src = (o + 0.5) / scale - 0.5.
    def index(o, scale, n):
        src = (o + 0.5) / scale - 0.5
        i = np.floor(src) if src == np.floor(src) + 0.5 else np.round(src)
        return int(min(max(i, 0), n - 1))
    rows = [index(o, 5 / 3, 3) for o in range(5)]
    cols = [index(o, 3 / 4, 4) for o in range(3)]
    expected = [xd.repeat(2, axis=2).repeat(2, axis=3),
                xd[:, :, rows][:, :, :, cols]]
    return nodes, {"x": x}, expected, 13


def bad_model(kind, path):
    """Models the importer must reject, written without the checker."""
    x = value_info("x", [1, 4])
    y = value_info("y", [1, 4])
    if kind == "unsupported":
        nodes = [
            helper.make_node("Relu", ["x"], ["a"], name="fine"),
            helper.make_node("Einsum", ["a"], ["b"], name="einsum_1",
                             equation="ij->ij"),
            helper.make_node("Tanh", ["b"], ["c"], name="tanh_1"),
            helper.make_node("Einsum", ["c"], ["d"], name="einsum_2",
                             equation="ij->ij"),
            helper.make_node("Gelu", ["d"], ["y"], name="custom_gelu",
                             domain="com.example"),
        ]
        graph = helper.make_graph(nodes, kind, [x], [y])
    elif kind == "dynamic":
        graph = helper.make_graph(
            [helper.make_node("Relu", ["x"], ["y"], name="relu")], kind,
            [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                           ["batch", 3, "height", 8])], [y])
    elif kind == "bad-initializer":
        # 12 bytes of raw data for 16 floats.
        w = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4, 4],
                        raw_data=b"\0" * 12)
        graph = helper.make_graph(
            [helper.make_node("MatMul", ["x", "w"], ["y"], name="matmul")],
            kind, [x], [y], initializer=[w])
    elif kind == "runtime-weight":
        w = value_info("w", [4, 4, 1, 1])
        graph = helper.make_graph(
            [helper.make_node("Reshape", ["x", "shape"], ["x4"], name="r"),
             helper.make_node("Conv", ["x4", "w"], ["y"], name="conv_w")],
            kind, [x, w], [y],
            initializer=[numpy_helper.from_array(
                np.array([1, 4, 1, 1], np.int64), "shape")])
    elif kind in ("kernel-too-big", "zero-stride", "bad-reshape"):
        # Attribute values that would make impossible shapes.
        x4 = value_info("x", [1, 2, 3, 3])
        if kind == "kernel-too-big":
            node = helper.make_node("Conv", ["x", "w"], ["y"], name="big_conv")
            init = [numpy_helper.from_array(rand(2, 2, 5, 5), "w")]
        elif kind == "zero-stride":
            node = helper.make_node("MaxPool", ["x"], ["y"], name="pool0",
                                    kernel_shape=[2, 2], strides=[0, 1])
            init = []
        else:
            node = helper.make_node("Reshape", ["x", "shape"], ["y"],
                                    name="reshape_neg")
            init = [numpy_helper.from_array(np.array([-2, -9], np.int64),
                                            "shape")]
        graph = helper.make_graph([node], kind, [x4], [y], initializer=init)
    else:
        sys.exit("unknown bad model " + kind)
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 13)])
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


CASES = {name[5:]: fn for name, fn in globals().items()
         if name.startswith("case_")}


def make(case, directory):
    nodes, inputs, expected, opset = CASES[case]()
    outputs = [value_info(f"y{k}", list(np.shape(e)))
               for k, e in enumerate(expected)]
    graph = helper.make_graph(
        nodes, case, [value_info(n, list(a.shape)) for n, a in inputs.items()],
        outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    os.makedirs(os.path.join(directory, "in"), exist_ok=True)
    os.makedirs(os.path.join(directory, "expected"), exist_ok=True)
    onnx.save(model, os.path.join(directory, "model.onnx"))
    names = list(inputs)
    for k, name in enumerate(names):
        suffix = f".in{k}" if len(names) > 1 else ""
        np.save(os.path.join(directory, "in", f"s{suffix}.npy"), inputs[name])
    for k, e in enumerate(expected):
        np.save(os.path.join(directory, "expected", f"s.out{k}.npy"),
                np.asarray(e, np.float64))


def compare(got_dir, expected_dir):
    worst = 0.0
    files = sorted(os.listdir(expected_dir))
    for f in files:
        e = np.load(os.path.join(expected_dir, f))
        g = np.load(os.path.join(got_dir, f))
        if g.shape != e.shape:
            sys.exit(f"{f}: shape {g.shape}, expected {e.shape}")
        err = np.abs(g - e)
        tol = 1e-5 + 1e-5 * np.abs(e)
        if not (err <= tol).all():
            k = np.unravel_index(np.argmax(err - tol), e.shape)
            sys.exit(f"{f}: at {k} got {g[k]}, expected {e[k]}")
        worst = max(worst, float(err.max()) if err.size else 0.0)
    print(f"{len(files)} outputs match, max abs error {worst:.2e}")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "bad":
        bad_model(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: onnx_cases.py make <case> <dir> | compare <got> <expected>")
