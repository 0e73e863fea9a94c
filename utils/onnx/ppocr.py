#!/usr/bin/env python3
"""Inputs, decoding and checks for the PP-OCR models (scripts/fetch-models.sh).

  ppocr.py inputs rec|cls|det <dir> [--count N] [--seed S]
      Renders text lines with Debian's DejaVu fonts (python3-pil) and writes
      them preprocessed as PP-OCR does, one <dir>/sNN.npy per sample, plus
      <dir>/labels.tsv (sample, text). rec: 1x3x48x320, cls: 1x3x48x192
      (lines upright or rotated 180 degrees; the label is 0 or 180), det:
      1x3x128x256 page with a few lines.
  ppocr.py parity <ours-dir> <reference-dir> [--keys ppocr_keys_v1.txt]
      Compares <sample>.out<k>.npy of this project with onnxruntime's:
      max absolute error per output, and for the recogniser the CTC-decoded
      text of both. Exits 1 when any output differs by more than --atol.
  ppocr.py decode <outputs-dir> --keys ppocr_keys_v1.txt [--labels labels.tsv]
      CTC-decodes recogniser outputs; with labels, exact-match and character
      accuracy against ground truth.
"""
import argparse
import glob
import os
import sys

import numpy as np

FONT_DIR = "/usr/share/fonts/truetype/dejavu"
FONTS = ["DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf",
         "DejaVuSans-Bold.ttf", "DejaVuSerif-Bold.ttf",
         "DejaVuSansCondensed.ttf"]
ALPHABET = ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
            "0123456789")
WORDS = ["invoice", "total", "model", "vector", "scale", "quantize", "tensor",
         "street", "order", "price", "date", "number", "paper", "signal",
         "Berlin", "Paris", "Tokyo", "river", "garden", "window", "energy"]


def random_text(rng):
    kind = rng.integers(3)
    if kind == 0:
        return " ".join(rng.choice(WORDS, rng.integers(1, 3)))
    if kind == 1:
        return "".join(rng.choice(list("0123456789"), rng.integers(4, 10)))
    n = rng.integers(4, 10)
    return "".join(rng.choice(list(ALPHABET), n))


def render_line(text, rng, height=48):
    from PIL import Image, ImageDraw, ImageFont
    font = ImageFont.truetype(os.path.join(FONT_DIR, rng.choice(FONTS)),
                              int(rng.integers(26, 34)))
    left, top, right, bottom = font.getbbox(text)
    pad = int(rng.integers(4, 10))
    image = Image.new("RGB", (right - left + 2 * pad, height), (255, 255, 255))
    ink = tuple(int(v) for v in rng.integers(0, 80, 3))
    ImageDraw.Draw(image).text((pad - left, (height - (bottom - top)) // 2 - top),
                               text, font=font, fill=ink)
    return image


def line_tensor(image, width):
    """PP-OCR's recogniser preprocessing: height 48, keep the aspect ratio
    up to `width`, scale to [-1, 1], pad the right with zeros."""
    from PIL import Image
    h = 48
    w = min(width, max(1, int(round(image.width * h / image.height))))
    resized = np.asarray(image.resize((w, h), Image.BILINEAR), np.float32)
    out = np.zeros((1, 3, h, width), np.float32)
    out[0, :, :, :w] = (resized.transpose(2, 0, 1) / 255.0 - 0.5) / 0.5
    return out


def page_tensor(rng, texts, height=128, width=256):
    """PP-OCR's detector preprocessing: ImageNet mean and std."""
    from PIL import Image
    page = Image.new("RGB", (width, height), (255, 255, 255))
    y = 4
    for text in texts:
        line = render_line(text, rng, 32)
        if y + 32 > height:
            break
        page.paste(line.crop((0, 0, min(line.width, width - 8), 32)),
                   (int(rng.integers(0, 8)), y))
        y += 32 + int(rng.integers(2, 8))
    x = np.asarray(page, np.float32) / 255.0
    mean = np.array([0.485, 0.456, 0.406], np.float32)
    std = np.array([0.229, 0.224, 0.225], np.float32)
    return ((x - mean) / std).transpose(2, 0, 1)[None].astype(np.float32)


def make_inputs(model, directory, count, seed):
    rng = np.random.default_rng(seed)
    os.makedirs(directory, exist_ok=True)
    labels = []
    for k in range(count):
        name = f"s{k:02d}"
        text = random_text(rng)
        if model == "rec":
            x = line_tensor(render_line(text, rng), 320)
            label = text
        elif model == "cls":
            image = render_line(text, rng)
            flipped = bool(rng.integers(2))
            if flipped:
                image = image.rotate(180)
            x = line_tensor(image, 192)
            label = "180" if flipped else "0"
        else:
            texts = [random_text(rng) for _ in range(4)]
            x = page_tensor(rng, texts)
            label = " | ".join(texts)
        np.save(os.path.join(directory, name + ".npy"), x)
        labels.append((name, label))
    with open(os.path.join(directory, "labels.tsv"), "w") as f:
        for name, label in labels:
            f.write(f"{name}\t{label}\n")


def load_keys(path):
    with open(path, encoding="utf-8") as f:
        keys = [line.rstrip("\n") for line in f]
    # PP-OCR's dictionary: blank first, the file's characters, then space.
    return [""] + keys + [" "]


def ctc_decode(probabilities, keys):
    best = probabilities.reshape(-1, probabilities.shape[-1]).argmax(axis=-1)
    text, previous = [], -1
    for index in best:
        if index != previous and index != 0:
            text.append(keys[index])
        previous = index
    return "".join(text)


def edit_distance(a, b):
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1,
                                           previous + (ca != cb))
    return row[len(b)]


def parity(ours, reference, keys_path, atol):
    keys = load_keys(keys_path) if keys_path else None
    files = sorted(os.path.basename(p)
                   for p in glob.glob(os.path.join(reference, "*.npy")))
    if not files:
        sys.exit(f"no outputs in {reference}")
    worst, worst_rel, same_text = 0.0, 0.0, 0
    for f in files:
        a = np.load(os.path.join(ours, f)).astype(np.float64)
        b = np.load(os.path.join(reference, f)).astype(np.float64)
        if a.shape != b.shape:
            sys.exit(f"{f}: shape {a.shape}, onnxruntime {b.shape}")
        err = float(np.abs(a - b).max())
        worst = max(worst, err)
        worst_rel = max(worst_rel, err / max(float(np.abs(b).max()), 1e-30))
        if keys:
            same_text += ctc_decode(a, keys) == ctc_decode(b, keys)
    print(f"{len(files)} outputs; max abs error {worst:.3e}; "
          f"max error / max |output| {worst_rel:.3e}")
    if keys:
        print(f"decoded text equal to onnxruntime's: {same_text}/{len(files)}")
    if worst > atol or (keys and same_text != len(files)):
        sys.exit(f"parity FAILED (atol {atol:g})")
    print("parity OK")


def decode(outputs, keys_path, labels_path):
    keys = load_keys(keys_path)
    labels = {}
    if labels_path:
        with open(labels_path, encoding="utf-8") as f:
            for line in f:
                name, text = line.rstrip("\n").split("\t", 1)
                labels[name] = text
    exact = chars = total = 0
    for path in sorted(glob.glob(os.path.join(outputs, "*.out0.npy"))):
        name = os.path.basename(path)[:-len(".out0.npy")]
        text = ctc_decode(np.load(path), keys)
        truth = labels.get(name)
        print(f"{name}\t{text}" + (f"\t(truth: {truth})" if truth else ""))
        if truth is not None:
            exact += text == truth
            chars += max(0, len(truth) - edit_distance(text, truth))
            total += len(truth)
    if labels:
        print(f"exact match {exact}/{len(labels)}; character accuracy "
              f"{chars / max(total, 1):.4f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("inputs")
    p.add_argument("model", choices=["rec", "cls", "det"])
    p.add_argument("dir")
    p.add_argument("--count", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    p = sub.add_parser("parity")
    p.add_argument("ours")
    p.add_argument("reference")
    p.add_argument("--keys")
    p.add_argument("--atol", type=float, default=1e-4)
    p = sub.add_parser("decode")
    p.add_argument("outputs")
    p.add_argument("--keys", required=True)
    p.add_argument("--labels")
    args = parser.parse_args()
    if args.command == "inputs":
        make_inputs(args.model, args.dir, args.count, args.seed)
    elif args.command == "parity":
        parity(args.ours, args.reference, args.keys, args.atol)
    else:
        decode(args.outputs, args.keys, args.labels)


if __name__ == "__main__":
    main()
