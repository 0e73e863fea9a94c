#!/usr/bin/env python3
"""End-to-end evaluation of the PP-OCR models under vsquant quantization.

  python3 utils/onnx/evaluate.py [--models rec,cls,det] [--sweep core|vectors|methods|all]
                                 [--part K/N] [--work DIR] [--results docs/RESULTS.md]

For each model: import it (vsq-import-onnx), make a calibration set and a
disjoint evaluation set of rendered inputs (utils/onnx/ppocr.py, different
seeds), run the float model on the evaluation set (vsq-run), calibrate on
the calibration set (vsq-calibrate, one table per vector size), then for
every setting: quantize (vsq-opt --vsquant-quantize, plus the storage
report), JIT-compile and run on the evaluation set (vsq-run) and score the
outputs against float and, for the recogniser, the CTC-decoded text against
ground truth. Every finished setting is stored as JSON under
<work>/<model>/results/, so a sweep can be run in parts (--part K/N runs
every N-th setting from the K-th) and resumed; the report is rebuilt from
all stored results each time. Progress goes to stderr.
"""
import argparse
import glob
import json
import os
import platform
import re
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import ppocr  # noqa: E402

MODELS = {
    # name: (file, input shape, calibration count, evaluation count)
    "rec": ("ch_PP-OCRv4_rec_infer.onnx", "1,3,48,320", 8, 20),
    "cls": ("ch_ppocr_mobile_v2.0_cls_infer.onnx", "1,3,48,192", 8, 20),
    "det": ("ch_PP-OCRv4_det_infer.onnx", "1,3,128,256", 4, 8),
}
BITS = {"W8A8": ("si8", "si8"), "W6A6": ("si6", "si6"),
        "W4A8": ("si4", "si8"), "W4A4": ("si4", "si4")}


def granularity_options(kind, vector_size, table):
    """Quantizer options of one scaling scheme; `table` is the calibration
    table for `vector_size` (static activation scales)."""
    if kind == "tensor":
        # Per-tensor weights, static per-tensor activations from calibration.
        return (f"weight-granularity=tensor weight-scale=f32 "
                f"act-granularity=tensor calibration={table}")
    if kind == "channel":
        # Per-output-channel weights, static per-tensor activations.
        return (f"weight-granularity=channel weight-scale=f32 "
                f"act-granularity=tensor calibration={table}")
    if kind == "vector-f32":
        # Per-vector weights and (dynamic) activations, fp32 scales.
        return (f"weight-granularity=vector vector-size={vector_size} "
                f"weight-scale=f32 act-granularity=vector act-scale=f32")
    m = re.fullmatch(r"vector-(ui\d)", kind)
    if m:
        # Two-level: integer per-vector scales under a per-channel (weights)
        # or calibrated static (activations) coarse scale.
        return (f"weight-granularity=vector vector-size={vector_size} "
                f"weight-scale={m.group(1)} act-granularity=vector "
                f"act-scale={m.group(1)} calibration={table}")
    raise ValueError(kind)


def settings(sweep):
    """(name, bits, kind, vector size, weight method, act method)."""
    out = []
    if sweep in ("core", "all"):
        for bits in BITS:
            for kind in ("tensor", "channel", "vector-f32", "vector-ui4"):
                out.append((bits, kind, 16, "max", "max"))
    if sweep in ("vectors", "all"):
        for bits in ("W4A8", "W4A4"):
            for v in (32, 64):
                for kind in ("vector-f32", "vector-ui4"):
                    out.append((bits, kind, v, "max", "max"))
        for kind in ("vector-ui6", "vector-ui8"):
            out.append(("W4A8", kind, 16, "max", "max"))
    if sweep in ("methods", "all"):
        for method in ("percentile", "mse", "octav", "entropy"):
            for kind in ("channel", "vector-f32"):
                out.append(("W4A8", kind, 16, method,
                            method if kind == "channel" else "max"))
    return [(f"{b} {k} V={v} w:{wm} a:{am}", b, k, v, wm, am)
            for b, k, v, wm, am in out]


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr,
          flush=True)


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"command failed ({result.returncode}): {' '.join(command)}\n"
                 f"{result.stderr[-4000:]}")
    return result.stdout


def run_model(bin_dir, mlir, inputs, outputs):
    out = run([os.path.join(bin_dir, "vsq-run"), mlir, f"--inputs={inputs}",
               "-o", outputs])
    m = re.search(r"compile ([0-9.]+) s; ([0-9.]+) ms per run", out)
    return float(m.group(1)), float(m.group(2))


def sqnr_db(reference, test):
    noise = float(((test - reference) ** 2).sum())
    signal = float((reference ** 2).sum())
    return float("inf") if noise == 0 else 10 * np.log10(signal / noise)


def score(model, float_dir, quant_dir, labels, keys):
    """Metrics of one setting's outputs against float (and ground truth)."""
    files = sorted(os.path.basename(p)
                   for p in glob.glob(os.path.join(float_dir, "*.out0.npy")))
    sqnrs, metrics = [], {}
    same = exact = chars = total = 0
    iou = []
    for f in files:
        ref = np.load(os.path.join(float_dir, f)).astype(np.float64)
        got = np.load(os.path.join(quant_dir, f)).astype(np.float64)
        sqnrs.append(sqnr_db(ref, got))
        name = f[:-len(".out0.npy")]
        if model == "rec":
            text, float_text = ppocr.ctc_decode(got, keys), \
                ppocr.ctc_decode(ref, keys)
            truth = labels[name]
            same += text == float_text
            exact += text == truth
            chars += max(0, len(truth) - ppocr.edit_distance(text, truth))
            total += len(truth)
        elif model == "cls":
            same += int(got.argmax() == ref.argmax())
        else:
            a, b = got > 0.3, ref > 0.3
            union = np.logical_or(a, b).sum()
            iou.append(1.0 if union == 0 else
                       float(np.logical_and(a, b).sum() / union))
    finite = [s for s in sqnrs if np.isfinite(s)]
    metrics["mean_sqnr_db"] = float(np.mean(finite)) if finite else None
    metrics["min_sqnr_db"] = float(np.min(finite)) if finite else None
    metrics["samples"] = len(files)
    if model == "rec":
        metrics["same_text_as_float"] = same / len(files)
        metrics["exact_match"] = exact / len(files)
        metrics["char_accuracy"] = chars / max(total, 1)
    elif model == "cls":
        metrics["same_class_as_float"] = same / len(files)
    else:
        metrics["mean_iou_vs_float"] = float(np.mean(iou))
    return metrics


def float_metrics(model, float_dir, labels, keys):
    if model != "rec":
        return {}
    exact = chars = total = 0
    for name, truth in labels.items():
        text = ppocr.ctc_decode(
            np.load(os.path.join(float_dir, name + ".out0.npy")), keys)
        exact += text == truth
        chars += max(0, len(truth) - ppocr.edit_distance(text, truth))
        total += len(truth)
    return {"exact_match": exact / len(labels),
            "char_accuracy": chars / max(total, 1)}


def storage_bits(report_path):
    """Bits per quantized weight element, scales included."""
    with open(report_path) as f:
        values = json.load(f)["values"]
    bits = elements = 0
    for v in values:
        if v["kind"] == "constant":
            bits += v["element_bits"] + v["scale_bits"] + v["coarse_bits"]
            elements += v["elements"]
    return bits / elements if elements else None, elements


def evaluate_model(model, args, todo):
    bin_dir = os.path.join(args.build, "bin")
    file, shape, n_calib, n_eval = MODELS[model]
    if args.counts:
        n_calib, n_eval = (int(x) for x in args.counts.split(","))
    assets = os.path.join(args.cache, "ocr-models", "package", "assets")
    keys = ppocr.load_keys(os.path.join(assets, "ppocr_keys_v1.txt"))
    work = os.path.join(args.work, model)
    os.makedirs(os.path.join(work, "results"), exist_ok=True)
    mlir = os.path.join(work, "model.mlir")
    calib, evaluation = (os.path.join(work, d) for d in ("calib", "eval"))
    if not os.path.exists(mlir):
        log(f"{model}: importing {file}")
        start = time.time()
        run([os.path.join(bin_dir, "vsq-import-onnx"),
             os.path.join(assets, file), f"--input-shape=x:{shape}", "-o",
             mlir])
        json.dump({"import_seconds": time.time() - start},
                  open(os.path.join(work, "import.json"), "w"))
    if not os.path.exists(os.path.join(evaluation, "labels.tsv")):
        # Different seeds: the two sets are different renders and strings.
        ppocr.make_inputs(model, calib, n_calib, 100)
        ppocr.make_inputs(model, evaluation, n_eval, 200)
    labels = dict(line.rstrip("\n").split("\t", 1)
                  for line in open(os.path.join(evaluation, "labels.tsv")))
    float_dir = os.path.join(work, "float")
    float_json = os.path.join(work, "float.json")
    if not os.path.exists(float_json):
        log(f"{model}: float model on {n_eval} evaluation inputs")
        compile_s, ms = run_model(bin_dir, mlir, evaluation, float_dir)
        json.dump({"compile_seconds": compile_s, "ms_per_run": ms,
                   **float_metrics(model, float_dir, labels, keys)},
                  open(float_json, "w"))
    for k, (name, bits, kind, v, wmethod, amethod) in enumerate(todo):
        slug = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")
        result_path = os.path.join(work, "results", slug + ".json")
        if os.path.exists(result_path):
            log(f"{model} [{k + 1}/{len(todo)}] {name}: done before")
            continue
        table = os.path.join(work, f"table-v{v}.json")
        if not os.path.exists(table):
            log(f"{model}: calibrating on {n_calib} inputs, V={v}")
            run([os.path.join(bin_dir, "vsq-calibrate"), mlir,
                 f"--inputs={calib}", f"--vector-size={v}", "-o", table,
                 "--quiet"])
        wtype, atype = BITS[bits]
        options = (f"weight-type={wtype} act-type={atype} method={wmethod} "
                   f"act-method={amethod} " +
                   granularity_options(kind, v, table))
        start = time.time()
        log(f"{model} [{k + 1}/{len(todo)}] {name}: quantizing, compiling, "
            f"running")
        qmlir = os.path.join(work, "quantized.mlir")
        storage = os.path.join(work, "storage.json")
        run([os.path.join(bin_dir, "vsq-opt"), mlir,
             f"--vsquant-quantize={options}",
             f"--vsquant-storage-report=json={storage}", "-o", qmlir])
        bits_per_weight, weight_elements = storage_bits(storage)
        out_dir = os.path.join(work, "out-" + slug)
        compile_s, ms = run_model(bin_dir, qmlir, evaluation, out_dir)
        result = {"model": model, "setting": name, "bits": bits,
                  "kind": kind, "vector_size": v, "weight_method": wmethod,
                  "act_method": amethod, "options": options,
                  "bits_per_weight": bits_per_weight,
                  "quantized_weight_elements": weight_elements,
                  "compile_seconds": compile_s, "ms_per_run": ms,
                  **score(model, float_dir, out_dir, labels, keys)}
        json.dump(result, open(result_path, "w"), indent=1)
        summary = f"SQNR {result['mean_sqnr_db']:.2f} dB"
        if model == "rec":
            summary += (f", text = float {result['same_text_as_float']:.0%}"
                        f", exact {result['exact_match']:.0%}")
        log(f"{model} [{k + 1}/{len(todo)}] {name}: {summary} "
            f"({time.time() - start:.0f} s)")


def fmt(value, spec):
    return "n/a" if value is None else format(value, spec)


def claim_lines(results):
    """The issue's question, answered from the stored numbers: does
    per-vector W4A8 keep the float model's text on >= 95% of the lines
    while per-channel W4A8 falls measurably below?"""
    def best(bits, prefix):
        rows = [r for r in results
                if r["bits"] == bits and r["kind"].startswith(prefix)]
        return max(rows, key=lambda r: r["same_text_as_float"]) if rows else None
    out = ["Per scaling scheme, the share of evaluation lines whose decoded "
           "text equals the float model's (best setting of each scheme):",
           ""]
    for bits in BITS:
        parts = []
        for prefix, label in (("tensor", "per-tensor"),
                              ("channel", "per-channel"),
                              ("vector", "per-vector")):
            r = best(bits, prefix)
            if r:
                parts.append(f"{label} {r['same_text_as_float']:.0%}")
        if parts:
            out.append(f"- {bits}: " + ", ".join(parts))
    vec, chan = best("W4A8", "vector"), best("W4A8", "channel")
    if vec and chan:
        v, c = vec["same_text_as_float"], chan["same_text_as_float"]
        verdict = ("holds" if v >= 0.95 and c < v else "does not hold")
        out += ["", f"The issue's expectation (per-vector W4A8 keeps the float "
                f"text on at least 95% of lines, per-channel W4A8 measurably "
                f"below) {verdict} here: per-vector W4A8 ({vec['setting']}) "
                f"{v:.0%}, per-channel W4A8 {c:.0%}, on "
                f"{vec['samples']} lines."]
    out.append("")
    return out


def write_report(args):
    lines = ["# Results: PP-OCR models under vsquant quantization", "",
             "Regenerated by `python3 utils/onnx/evaluate.py` (see "
             "[Import.md](Import.md) for the models and "
             "`utils/onnx/evaluate.py --help`); every number below comes "
             "from the stored results of its runs.", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
             f"shared with other engineers' builds and tests while "
             f"measuring, so `ms/run` (this project's reference lowering: "
             f"loops, no fusion, one thread; vsq-run's time per run) varies "
             f"by 2-5x with the load and compares settings only roughly.",
             ""]
    for model in MODELS:
        work = os.path.join(args.work, model)
        results = [json.load(open(p)) for p in
                   sorted(glob.glob(os.path.join(work, "results", "*.json")))]
        if not results:
            continue
        flt = json.load(open(os.path.join(work, "float.json")))
        _, shape, _, _ = MODELS[model]
        n_calib = len(glob.glob(os.path.join(work, "calib", "*.npy")))
        n_eval = len(glob.glob(os.path.join(work, "eval", "*.npy")))
        lines += [f"## {model} ({MODELS[model][0]}, input {shape})", "",
                  f"Calibration: {n_calib} rendered inputs (seed 100); "
                  f"evaluation: {n_eval} others (seed 200). Float model: "
                  f"{flt['ms_per_run']:.1f} ms per run"]
        if model == "rec":
            lines[-1] += (f", exact match with ground truth "
                          f"{flt['exact_match']:.0%}, character accuracy "
                          f"{flt['char_accuracy']:.4f}")
        lines[-1] += "."
        lines.append("")
        header = ["setting", "bits/weight", "mean SQNR dB", "min SQNR dB"]
        if model == "rec":
            header += ["text = float", "exact match", "char accuracy"]
        elif model == "cls":
            header += ["class = float"]
        else:
            header += ["IoU(>0.3) vs float"]
        header += ["ms/run"]
        lines += ["| " + " | ".join(header) + " |",
                  "|" + "---|" * len(header)]
        order = {b: i for i, b in enumerate(BITS)}
        kinds = ["tensor", "channel", "vector-f32", "vector-ui4",
                 "vector-ui6", "vector-ui8"]
        results.sort(key=lambda r: (order[r["bits"]], r["vector_size"],
                                    kinds.index(r["kind"]),
                                    r["weight_method"]))
        for r in results:
            row = [r["setting"], fmt(r["bits_per_weight"], ".3f"),
                   fmt(r["mean_sqnr_db"], ".2f"), fmt(r["min_sqnr_db"], ".2f")]
            if model == "rec":
                row += [f"{r['same_text_as_float']:.0%}",
                        f"{r['exact_match']:.0%}",
                        f"{r['char_accuracy']:.4f}"]
            elif model == "cls":
                row += [f"{r['same_class_as_float']:.0%}"]
            else:
                row += [f"{r['mean_iou_vs_float']:.3f}"]
            row += [f"{r['ms_per_run']:.0f}"]
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
        if model == "rec":
            lines += claim_lines(results)
    lines += ["## Notes", "",
              "- Per-tensor weights fail on the recogniser even at 8 bits: "
              "some 1x1 convolutions (most of the model's batch norms were "
              "folded into them by the export already) have output channels "
              "of very different magnitudes. `vsq-opt <work>/rec/model.mlir "
              "--vsquant-quantize=\"weight-type=si8 "
              "weight-granularity=tensor weight-scale=f32 print-report\"` "
              "shows per-layer weight SQNR down to about 9 dB (p2o.Conv.32) "
              "where per-channel scales reach 30 dB; the same with "
              "`vsq-import-onnx --fold-batchnorm=false`.",
              "- The recogniser's output is a softmax over 6625 classes per "
              "time step; its SQNR drops quickly once the top class changes "
              "on a few steps, so the decoded-text columns are the task "
              "metric and SQNR is secondary.",
              "- `channel` pairs per-channel weights with static per-tensor "
              "activations (the usual per-channel deployment); the per-vector "
              "settings scale activations per vector too. Below 8 bits the "
              "per-tensor activations are what breaks the per-channel "
              "recogniser (W6A6); at W4A8 its 4-bit weights alone already do.",
              "- Not explained yet: on the recogniser, two-level ui4 scales "
              "(static, calibrated activation coarse scale) beat fp32 "
              "per-vector scales (dynamic, no clipping) at W6A6 and W4A8 "
              "although their weight SQNR is the same or lower (mean 20.0 "
              "vs 20.5 dB at 4 bits). Clipping activations to the "
              "calibrated range may be what helps; it needs a per-layer "
              "study.",
              "- The evaluation sets are small (rec and cls: 20 lines, det: "
              "8 pages): one line is 5 percentage points.",
              ""]
    lines += ["## Settings", "",
              "- `tensor`: per-tensor weights (fp32 scale), static per-tensor "
              "activations from the calibration table.",
              "- `channel`: per-output-channel weights (fp32 scales), static "
              "per-tensor activations from the calibration table.",
              "- `vector-f32`: per-vector weights and dynamic per-vector "
              "activations (V elements along the reduction axis), fp32 "
              "scales.",
              "- `vector-uiM`: per-vector with two-level scales: M-bit "
              "integer per-vector scales under a per-channel fp32 scale "
              "(weights) or a calibrated static one (activations).",
              "- `w:`/`a:`: weight calibration method (`method=`) and the "
              "method that turns the calibration table into activation "
              "thresholds (`act-method=`).",
              "- bits/weight: stored bits per quantized weight element, "
              "scales included (vsquant-storage-report).",
              "- SQNR: of the model's output against the float model's on "
              "the same input, mean and min over the evaluation inputs.",
              "- rec: `text = float` is the share of evaluation lines whose "
              "CTC-decoded text equals the float model's; exact match and "
              "character accuracy (1 - edit distance / length) are against "
              "the rendered ground truth.",
              "- Not quantized (left in float, with a remark from the "
              "quantizer): the recogniser's attention matmuls (both operands "
              "at run time) and pooling.",
              "- Not reported: accelerator energy and cycles (this project "
              "has no accelerator cost model yet).", ""]
    text = "\n".join(lines)
    with open(args.results + ".tmp", "w") as f:
        f.write(text)
    os.replace(args.results + ".tmp", args.results)
    log(f"wrote {args.results}")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--models", default="rec")
    parser.add_argument("--sweep", default="core",
                        choices=["core", "vectors", "methods", "all", "none"])
    parser.add_argument("--part", default="1/1",
                        help="K/N: run every N-th setting from the K-th")
    parser.add_argument("--only", default="",
                        help="run only the settings whose name matches this "
                             "regular expression")
    parser.add_argument("--counts", default="",
                        help="CALIB,EVAL: inputs per set (default per model: "
                             "rec and cls 8,20, det 4,8)")
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--cache", default=os.environ.get(
        "VSQUANT_MODEL_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
        "vsquant-models"))
    parser.add_argument("--work", default=os.path.join(
        ROOT, "build", "ocr-evaluation"))
    parser.add_argument("--results",
                        default=os.path.join(ROOT, "docs", "RESULTS.md"))
    args = parser.parse_args()
    k, n = (int(x) for x in args.part.split("/"))
    if not 1 <= k <= n:
        sys.exit("--part must be K/N with 1 <= K <= N")
    if not os.path.isdir(os.path.join(args.cache, "ocr-models")):
        sys.exit(f"no models in {args.cache}: run scripts/fetch-models.sh")
    todo = [] if args.sweep == "none" else settings(args.sweep)
    todo = [t for t in todo if re.search(args.only, t[0])][k - 1::n]
    for model in args.models.split(","):
        if model not in MODELS:
            sys.exit(f"unknown model '{model}' (rec, cls, det)")
        evaluate_model(model, args, todo)
    write_report(args)


if __name__ == "__main__":
    main()
