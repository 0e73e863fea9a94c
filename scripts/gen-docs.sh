#!/usr/bin/env bash
# Regenerates docs/Dialect/*.md from the ODS files (run after changing a .td).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
cmake --build "$build" --target mlir-doc
cp "$build"/docs/Dialect/*.md "$root/docs/Dialect/"
mkdir -p "$root/docs/Conversion"
cp "$build"/docs/Conversion/*.md "$root/docs/Conversion/"
echo "docs/Dialect and docs/Conversion regenerated"
