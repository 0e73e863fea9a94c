#!/usr/bin/env bash
# One entry point for the two README commands:
#   bash scripts/setup.sh demo   install what is missing, build, run the example
#   bash scripts/setup.sh test   install what is missing, build, run every test
# BUILD_DIR (default: build) and JOBS (default: 2) may be set in the environment.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
jobs="${JOBS:-2}"
mode="${1:-}"
case "$mode" in
  demo|test|build) ;;
  *) echo "usage: $0 demo|test|build" >&2; exit 2 ;;
esac

# Debian packages the project needs; only the missing ones are installed.
packages=(llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools
          cmake ninja-build g++ ccache libgtest-dev python3)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "== installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

echo "== configuring in $build"
cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
echo "== building with $jobs jobs"
cmake --build "$build" -j "$jobs"

case "$mode" in
  demo)
    echo "== main job: quantize examples/mlp_float.mlir (linalg, fp32 weights)"
    echo "   with 4-bit per-vector two-level weights and 8-bit per-vector activations"
    "$build/bin/vsq-opt" "$root/examples/mlp_float.mlir" \
      --vsquant-quantize="print-report report=$build/mlp_float.report.json" \
      --vsquant-storage-report="json=$build/mlp_float.storage.json" \
      -o "$build/mlp_float.vsquant.mlir"
    echo "== quantized IR: $build/mlp_float.vsquant.mlir"
    echo "== reports: $build/mlp_float.report.json, $build/mlp_float.storage.json"
    echo "== calibrate on examples/mlp_inputs/calibration (JIT-compiled float model)"
    "$build/bin/vsq-calibrate" "$root/examples/mlp_float.mlir" \
      --inputs="$root/examples/mlp_inputs/calibration" \
      -o "$build/mlp_float.calibration.json"
    echo "== compile for this CPU and run on examples/mlp_inputs/evaluation:"
    echo "   quantized outputs against float, per-vector vs per-channel vs per-tensor"
    for options in \
        "calibration=$build/mlp_float.calibration.json act-scale=ui4" \
        "weight-granularity=channel weight-scale=f32 act-granularity=token" \
        "weight-granularity=tensor weight-scale=f32 act-granularity=tensor calibration=$build/mlp_float.calibration.json"; do
      "$build/bin/vsq-eval" "$root/examples/mlp_float.mlir" \
        --inputs="$root/examples/mlp_inputs/evaluation" --quantize="$options"
    done
    ;;
  test)
    echo "== running lit and unit tests"
    log="$build/check-vsquant.log"
    set +e
    cmake --build "$build" -j "$jobs" --target check-vsquant 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    set -e
    # One plain summary line for CI: 'N passed, N failed'.
    passed=$(grep -Eo '^ *Passed *: *[0-9]+' "$log" | grep -Eo "[0-9]+" | tail -1 || true)
    failed=$(grep -Eo '^ *Failed *: *[0-9]+' "$log" | grep -Eo "[0-9]+" | tail -1 || true)
    echo "tests: ${passed:-0} passed, ${failed:-0} failed"
    exit "$status"
    ;;
esac
