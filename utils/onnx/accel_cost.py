"""Accelerator cost of an imported model under one quantization setting.

  accel_cost.py layers <model.mlir>   prints the layers it would price (as
                                      vsq-accel-cost --layer specs, with
                                      their MACs) and the host's MACs
  accel_cost.py config WB AB KIND V   prints the config of a setting
                                      (KIND: tensor, channel, vector-uiM)

Used by evaluate.py. The layers come from the imported float model
(vsq-import-onnx output): every `linalg.conv_2d_nchw_fchw` and every
`linalg.matmul` with a constant weight is a layer the accelerator runs
(what convert-vsquant-to-vsqaccel lowers well); depthwise convolutions and
matmuls of two run-time tensors (which the lowering also takes, at low
utilisation: docs/Accelerator.md) are not read here yet and are counted as
host MACs. A setting maps to an
accelerator config made by accel/make-configs.py's `config()` with the
setting's widths, scale bits and V; vsq-accel-cost prices the layers on it.
"""
import importlib.util
import json
import math
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ACCEL_DIR = os.path.join(ROOT, "accel")


def _make_configs():
    spec = importlib.util.spec_from_file_location(
        "make_configs", os.path.join(ACCEL_DIR, "make-configs.py"))
    module = importlib.util.module_from_spec(spec)
    # No accel/__pycache__: test/Tools/vsq-accel-cost.test compares accel/
    # with what make-configs.py writes.
    write_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = write_bytecode
    return module


_TENSOR = r"tensor<([0-9x]+)xf32>"
_CONV = re.compile(
    r"linalg\.conv_2d_nchw_fchw \{dilations = dense<([^>]*)> : [^,]*, "
    r"strides = dense<([^>]*)> : [^}]*\} ins\([^:]*: " + _TENSOR + ", " +
    _TENSOR + r"\) outs\([^:]*: " + _TENSOR + r"\).*loc\((#loc\d+|\"[^\"]*\")\)")
_DEPTHWISE = re.compile(
    r"linalg\.depthwise_conv_2d_nchw_chw .*ins\([^:]*: " + _TENSOR + ", " +
    _TENSOR + r"\) outs\([^:]*: " + _TENSOR + r"\)")
_MATMUL = re.compile(
    r"linalg\.matmul ins\(%[\w.]+, (%[\w.]+) : " + _TENSOR + ", " + _TENSOR +
    r"\).*loc\((#loc\d+|\"[^\"]*\")\)")
_BATCH_MATMUL = re.compile(
    r"linalg\.batch_matmul ins\([^:]*: " + _TENSOR + ", " + _TENSOR + r"\)")
_LOC_ALIAS = re.compile(r'^(#loc\d+) = loc\("([^"]*)"\)', re.M)


def _dims(text):
    return [int(d) for d in text.split("x")]


def _pair(text):
    values = [int(v) for v in re.findall(r"\d+", text)]
    return (values[0], values[0]) if len(values) == 1 else tuple(values)


def model_layers(mlir_path):
    """The accelerator layers of an imported model and the MACs left on the
    host: {"layers": [{"name", "spec", "macs", "note"}], "host_macs": {kind:
    MACs}}. Specs are vsq-accel-cost --layer arguments."""
    text = open(mlir_path).read()
    aliases = dict(_LOC_ALIAS.findall(text))
    constants = set(re.findall(r"^\s*(%[\w.]+) = arith\.constant", text,
                               re.M))

    def name_of(loc):
        return aliases.get(loc, loc.strip('"'))

    layers, host = [], {"depthwise_conv2d": 0, "conv2d (dilated)": 0,
                        "batch_matmul": 0, "matmul (run-time weight)": 0}
    for line in text.splitlines():
        m = _CONV.search(line)
        if m:
            dilation, stride, x, w, y, loc = m.groups()
            n, c, h, width = _dims(x)
            f, _, kh, kw = _dims(w)
            _, _, oh, ow = _dims(y)
            sh, sw = _pair(stride)
            note = ""
            if _pair(dilation) != (1, 1):
                # The cost model has no dilation: leave it to the host.
                host["conv2d (dilated)"] += n * oh * ow * f * c * kh * kw
                continue
            if sh != sw:
                # vsq-accel-cost takes one stride: the stride-1 conv with the
                # same output size has the same MACs, vectors and outputs;
                # only its input (DRAM bytes) is larger.
                h, width, sh = oh + kh - 1, ow + kw - 1, 1
                note = "stride-1 equivalent"
            # The importer pads with insert_slice, so the input is padded.
            layers.append({"name": name_of(loc),
                           "spec": f"conv2d:{n},{h},{width},{c},{f},{kh},{kw},"
                                   f"{sh}",
                           "macs": n * oh * ow * f * c * kh * kw,
                           "note": note})
            continue
        m = _DEPTHWISE.search(line)
        if m:
            x, w, y = (_dims(g) for g in m.groups())
            host["depthwise_conv2d"] += y[0] * y[1] * y[2] * y[3] * w[1] * w[2]
            continue
        m = _MATMUL.search(line)
        if m:
            weight, a, b, loc = m.groups()
            (rows, k), (_, cols) = _dims(a), _dims(b)
            if weight in constants:
                layers.append({"name": name_of(loc),
                               "spec": f"matmul:{rows},{k},{cols}",
                               "macs": rows * k * cols, "note": ""})
            else:
                host["matmul (run-time weight)"] += rows * k * cols
            continue
        m = _BATCH_MATMUL.search(line)
        if m:
            (b, rows, k), (_, _, cols) = (_dims(g) for g in m.groups())
            host["batch_matmul"] += b * rows * k * cols
    return {"layers": layers,
            "host_macs": {k: v for k, v in host.items() if v}}


def element_bits(type_name):
    return int(re.fullmatch(r"[su]i(\d)", type_name).group(1))


def config_for(weight_bits, act_bits, kind, vector_size):
    """(config dict, None) for a setting, or (None, reason) when the
    accelerator has no such format.

    Per-tensor and per-channel settings run on the per-channel machine (an
    fp32 scale per output channel in the PPU, per-tensor activations; a
    per-tensor weight scale is the same hardware) with V = 16. Per-vector
    settings with ui<M> scales run on the two-level VS-Quant machine with
    the setting's V and M; the array keeps 1024 multipliers (16 lanes x V=16,
    8 x 32, 4 x 64 per PE) and the accumulators grow to hold one scaled
    vector product when 32 bits do not."""
    make = _make_configs()
    if kind in ("tensor", "channel"):
        name = f"pc-w{weight_bits}a{act_bits}"
        return make.config(name, f"W{weight_bits}A{act_bits} per-channel "
                           f"(evaluate.py)", weight_bits, act_bits), None
    m = re.fullmatch(r"vector-ui(\d+)", kind)
    if not m:
        return None, ("fp32 per-vector scales: the accelerator multiplies "
                      "ui<M> integer scales")
    scale_bits = int(m.group(1))
    v = vector_size
    needed = (weight_bits + act_bits + math.ceil(math.log2(v)) +
              2 * scale_bits)
    acc = 32 if needed <= 32 else 8 * math.ceil(needed / 8)
    name = f"w{weight_bits}a{act_bits}-v{v}-ui{scale_bits}"
    return make.config(name, f"W{weight_bits}A{act_bits}, V={v}, two-level "
                       f"ui{scale_bits} scales (evaluate.py)", weight_bits,
                       act_bits, scale_bits, scale_bits, lanes=1024 // 4 // v,
                       v=v, acc=acc), None


def shipped_name(config):
    """The accel/*.json file equal to `config` but for its name and
    description, or None."""
    def key(c):
        return {k: v for k, v in c.items() if k not in ("name", "description")}
    for path in sorted(os.listdir(ACCEL_DIR)):
        if path.endswith(".json"):
            shipped = json.load(open(os.path.join(ACCEL_DIR, path)))
            if key(shipped) == key(config):
                return shipped["name"]
    return None


def price(bin_dir, config, layers, work):
    """Runs vsq-accel-cost on `layers` with `config`; returns {"config",
    "shipped", "energy_uj", "cycles", "macs", "seconds"} and caches it in
    work/<config name>.cost.json."""
    os.makedirs(work, exist_ok=True)
    name = config["name"]
    config_path = os.path.join(work, name + ".json")
    cost_path = os.path.join(work, name + ".cost.json")
    layer_args = [f"--layer={l['name']}={l['spec']}" for l in layers]
    fingerprint = {"config": config, "layers": layer_args}
    if os.path.exists(cost_path):
        cached = json.load(open(cost_path))
        if cached.get("fingerprint") == fingerprint:
            return cached["result"]
    with open(config_path, "w") as f:
        json.dump(config, f, indent=2)
    report_path = os.path.join(work, name + ".report.json")
    result = subprocess.run(
        [os.path.join(bin_dir, "vsq-accel-cost"), config_path, *layer_args,
         f"--json={report_path}"], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"vsq-accel-cost {config_path}: "
                           f"{result.stderr.strip()}")
    report = json.load(open(report_path))["reports"][0]
    cost = {"config": name, "shipped": shipped_name(config),
            "energy_uj": report["energy_total_pj"] * 1e-6,
            "on_chip_energy_uj": (report["on_chip_energy_per_mac_pj"] *
                                  report["macs"] * 1e-6),
            "cycles": report["cycles"], "macs": report["macs"],
            "seconds": report["cycles"] / (config["clock_mhz"] * 1e6)}
    with open(cost_path, "w") as f:
        json.dump({"fingerprint": fingerprint, "result": cost}, f, indent=1)
    return cost


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "config":
        config, reason = config_for(int(sys.argv[2]), int(sys.argv[3]),
                                    sys.argv[4], int(sys.argv[5]))
        print(json.dumps(config, indent=2) if config else f"n/a: {reason}")
        return
    if len(sys.argv) != 3 or sys.argv[1] != "layers":
        sys.exit("usage: accel_cost.py layers <model.mlir>\n"
                 "       accel_cost.py config WEIGHT_BITS ACT_BITS KIND V")
    summary = model_layers(sys.argv[2])
    for layer in summary["layers"]:
        note = f" ({layer['note']})" if layer["note"] else ""
        print(f"layer {layer['name']}={layer['spec']} macs {layer['macs']}"
              f"{note}")
    for kind, macs in summary["host_macs"].items():
        print(f"host {kind} macs {macs}")


if __name__ == "__main__":
    main()
