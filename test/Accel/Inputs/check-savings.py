"""Checks vsq-accel-cost's JSON against the published VS-Quant figures
(docs/Accelerator.md, "Comparison with the papers"). Prints one line per
check and exits 1 if any figure leaves its band."""
import json
import sys

report = {r["config"]: r for r in json.load(open(sys.argv[1]))["reports"]}
failures = 0


def check(label, value, target, tolerance):
    global failures
    ok = abs(value - target) <= tolerance
    failures += not ok
    print(f"{'ok' if ok else 'FAIL'}: {label} {value:.3f} (paper {target:.3f} "
          f"+- {tolerance:.3f})")


# Savings within 7 percentage points (arXiv version, PE scope).
check("w4a4 PE area saving", report["w4a4-v16-ui4"]["pe_area_saving"], 0.37, 0.07)
check("w4a4 PE energy saving", report["w4a4-v16-ui4"]["pe_energy_saving"], 0.24, 0.07)
check("w4a8 PE area saving", report["w4a8-v16-ui4"]["pe_area_saving"], 0.26, 0.07)
# MLSys version: 36% area (PE scope), 69% energy (multiplier scope).
check("w4a4 PE area saving (MLSys)", report["w4a4-v16-ui4"]["pe_area_saving"], 0.36, 0.07)
check("w4a4 multiplier energy saving (MLSys)",
      report["w4a4-v16-ui4"]["multiplier_energy_saving"], 0.69, 0.07)
# Keller et al. 2023: 95.6 TOPS/W = 10.46 fJ per op, 2 ops per MAC; within 2x
# means a ratio in [0.5, 2].
chip = report["keller2023-5nm-w4a4-v64"]
fj_per_op = chip["on_chip_energy_per_mac_pj"] * 1e3 / 2
ratio = fj_per_op / 10.46
ok = 0.5 <= ratio <= 2
failures += not ok
print(f"{'ok' if ok else 'FAIL'}: 5nm on-chip energy {fj_per_op:.2f} fJ/op, "
      f"{ratio:.2f}x the chip's 10.46 fJ/op")
sys.exit(1 if failures else 0)
