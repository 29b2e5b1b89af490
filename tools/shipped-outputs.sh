#!/usr/bin/env bash
# Runs every shipped scenario (configs/**/*.toml except graphs/ and stress/) and every experiment
# (experiments/*.toml) with the given restake binary into OUTDIR, so two builds can be compared
# with tools/compare-outputs.py:
#   tools/shipped-outputs.sh target/debug/restake /tmp/after
#   python3 tools/compare-outputs.py /tmp/before /tmp/after
set -euo pipefail
bin=$(realpath "$1")
out=$(realpath -m "$2")
cd "$(dirname "$0")/.."
mkdir -p "$out/run" "$out/sweep"
for f in $(find configs -name '*.toml' -not -path 'configs/graphs/*' -not -path 'configs/stress/*' | sort); do
  name=$(echo "${f#configs/}" | sed 's#/#-#g; s#\.toml$##')
  echo "== run $f"
  "$bin" run "$f" --out "$out/run/$name" --no-plot --threads 2 > "$out/run/$name.log"
done
for f in experiments/*.toml; do
  name=$(basename "$f" .toml)
  echo "== sweep $f"
  rm -rf "$out/sweep/$name"
  "$bin" sweep "$f" --out "$out/sweep/$name" --threads 2 > "$out/sweep/$name.log" 2>&1
  "$bin" merge "$out/sweep/$name" >> "$out/sweep/$name.log" 2>&1
done
