#!/usr/bin/env python3
"""Feeds mutated copies of vsquant test inputs to vsq-opt and fails if any of
them crashes it (a signal or an exit code other than 0 or 1).

Mutations are deterministic (seeded): numbers replaced by edge values,
keywords swapped for others of the dialect, tokens deleted or duplicated.
Usage: mutate-and-run.py VSQ_OPT SEED COUNT FILE...
"""
import random
import re
import subprocess
import sys
import tempfile

EDGE_NUMBERS = ["0", "-1", "1", "65", "9223372036854775807", "-9223372036854775808",
                "4294967296", "16", "3", "1e39", "nan"]
KEYWORDS = ["per_tensor", "per_channel", "per_vector", "axis", "size", "scale",
            "coarse", "round", "scale_round", "si4", "ui4", "si8", "ui8", "si1",
            "ui16", "f32", "f8E8M0FNU", "f8E4M3FN", "rne", "rna", "ceil",
            "nearest", "relu", "bias", "out_coarse", "values", "scales", "?",
            # vsqaccel instructions
            "weight", "input", "params", "output", "dram", "count", "after",
            "rows", "lanes", "vectors", "requantize", "acc"]
TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|-?\d+|[<>(),=:\[\]x?]")


def mutate(text, rng):
    tokens = list(TOKEN.finditer(text))
    if not tokens:
        return text
    for _ in range(rng.randint(1, 3)):
        tokens = list(TOKEN.finditer(text))
        m = rng.choice(tokens)
        kind = rng.random()
        if kind < 0.35 and re.fullmatch(r"-?\d+", m.group()):
            repl = rng.choice(EDGE_NUMBERS)
        elif kind < 0.7:
            repl = rng.choice(KEYWORDS)
        elif kind < 0.85:
            repl = ""
        else:
            repl = m.group() + m.group()
        text = text[:m.start()] + repl + text[m.end():]
    return text


def main():
    vsq_opt, seed, count, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    rng = random.Random(seed)
    chunks = []
    for path in files:
        with open(path) as f:
            chunks += [c for c in f.read().split("// -----") if "vsquant" in c or "vsqaccel" in c]
    crashes = 0
    for i in range(count):
        text = mutate(rng.choice(chunks), rng)
        with tempfile.NamedTemporaryFile("w", suffix=".mlir") as tmp:
            tmp.write(text)
            tmp.flush()
            proc = subprocess.run([vsq_opt, tmp.name, "--vsquant-storage-report"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  text=True, timeout=60)
        if proc.returncode not in (0, 1):
            crashes += 1
            sys.stderr.write(f"case {i}: exit {proc.returncode}\n{text}\n{proc.stderr[-2000:]}\n")
    print(f"{count} mutated inputs, {crashes} crashes")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
