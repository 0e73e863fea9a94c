#!/usr/bin/env python3
"""Writes the shipped accelerator configs (accel/*.json) from one place so
that every 45 nm config carries the very same component table.

Usage: accel/make-configs.py [OUT_DIR]   (default: the directory of this file)

Sizing rule of the 45 nm comparison set (docs/Accelerator.md): the array,
V, the accumulator width and the input/accumulator/global buffers' bytes are
those of the 8-bit baseline; the weight buffer keeps the baseline's number of
weights (so the same weight tiles stay resident) and shrinks with the weight
and scale bits.
"""
import json
import pathlib
import sys

HOROWITZ_45NM = {
    "technology": "45nm",
    "node_nm": 45,
    "supply_v": 0.9,
    "source": ("M. Horowitz, 'Computing's energy problem', ISSCC 2014 (45 nm, "
               "0.9 V): 8-bit multiply 0.2 pJ / 282 um^2, 8-bit add 0.03 pJ / "
               "36 um^2, 8 KiB SRAM 64-bit read 10 pJ (32 KiB: 20 pJ), DRAM "
               "1.3-2.6 nJ per 64 bits; register: NanGate 45 nm DFF_X1 "
               "4.5 um^2, energy taken equal to an adder bit; SRAM area: "
               "0.346 um^2 6T cell (Intel 45 nm) at 60% array efficiency"),
    "multiplier": {"energy_pj_per_bit2": 0.2 / 64, "area_um2_per_bit2": 282 / 64},
    "adder": {"energy_pj_per_bit": 0.03 / 8, "area_um2_per_bit": 36 / 8},
    "register": {"energy_pj_per_bit": 0.03 / 8, "area_um2_per_bit": 4.5},
    "sram": {"energy_pj_per_bit": 10 / 64, "reference_bytes": 8192,
             "energy_size_exponent": 0.5, "area_um2_per_bit": 0.346 / 0.6},
    "dram": {"energy_pj_per_bit": 20.0},
}

WEIGHTS_PER_PE = 16384


def config(name, description, wb, ab, ws=0, as_=0, pes=4, lanes=16, v=16,
           acc=32, components=HOROWITZ_45NM, technology=None, weight_bytes=None,
           input_bytes=8192, acc_bytes=4096, global_bytes=262144,
           dram=32, on_chip=128, clock=1000, ppu=4):
    per_vector = ws > 0
    precision = {"scaling": "per_vector" if per_vector else "per_channel",
                 "weight_bits": wb, "activation_bits": ab,
                 "accumulator_bits": acc}
    if per_vector:
        precision["weight_scale_bits"] = ws
        precision["activation_scale_bits"] = as_
    if weight_bytes is None:
        weight_bytes = WEIGHTS_PER_PE * (wb * v + ws) // v // 8
    out = {"format_version": 1, "name": name, "description": description,
           "array": {"pes": pes, "lanes_per_pe": lanes, "vector_size": v,
                     "ppu_lanes": ppu},
           "precision": precision,
           "buffers_bytes": {"weight": weight_bytes, "input": input_bytes,
                             "accumulator": acc_bytes, "global": global_bytes},
           "bandwidth_bytes_per_cycle": {"dram": dram, "on_chip": on_chip},
           "clock_mhz": clock}
    if technology:
        out["technology"] = technology
    out["components"] = components
    return out


CONFIGS = [
    config("baseline-w8a8-pc", "8-bit weights and activations, per-channel "
           "weight and per-tensor activation fp32 scales (the VS-Quant "
           "paper's baseline)", 8, 8),
    config("w8a8-v16-ui6", "VS-Quant W8A8, V=16, two-level ui6 scales", 8, 8,
           6, 6),
    config("w6a6-v16-ui6", "VS-Quant W6A6, V=16, two-level ui6 scales", 6, 6,
           6, 6),
    config("w4a8-v16-ui4", "VS-Quant W4A8, V=16, two-level ui4 scales", 4, 8,
           4, 4),
    config("w4a4-v16-ui4", "VS-Quant W4A4, V=16, two-level ui4 scales", 4, 4,
           4, 4),
    # Keller et al., 'A 95.6-TOPS/W deep learning inference accelerator with
    # per-vector scaled 4-bit quantization in 5 nm', IEEE JSSC 2023: 64-element
    # vectors, 1024 4-bit MACs per cycle, 24-bit partial sums, 0.46 V.
    config("keller2023-5nm-w4a4-v64", "Modelled on the 5 nm VS-Quant chip of "
           "Keller et al. 2023 (JSSC): 16 lanes of 64-element 4-bit vector "
           "MACs (1024 MACs/cycle), ui4 two-level scales, 24-bit partial "
           "sums, 0.46 V; component table scaled from 45 nm", 4, 4, 4, 4,
           pes=1, lanes=16, v=64, acc=24, input_bytes=8192, acc_bytes=8192,
           global_bytes=1 << 20, weight_bytes=65536, dram=32, on_chip=128,
           clock=152, technology={"node_nm": 5, "supply_v": 0.46}),
]


def main():
    out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else
                       pathlib.Path(__file__).parent)
    for c in CONFIGS:
        (out / (c["name"] + ".json")).write_text(json.dumps(c, indent=2) + "\n")


if __name__ == "__main__":
    main()
