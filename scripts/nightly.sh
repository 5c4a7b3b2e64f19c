#!/usr/bin/env bash
# Nightly: run the benchmark suite into results/nightly/<UTC stamp>/ and compare its summary.json with the
# previous nightly's, marking regressions and improvements in the new report (report.html, report.md, compare.json).
#   scripts/nightly.sh [CONFIG]          CONFIG defaults to configs/demo.yaml
# Environment: ISAERFT_NIGHTLY_TOLERANCES (default benchmarks/nightly-tolerances.yaml),
#              ISAERFT_NIGHTLY_STRICT=1 to exit with status 3 when anything regressed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
config="${1:-configs/demo.yaml}"
tolerances="${ISAERFT_NIGHTLY_TOLERANCES:-$here/benchmarks/nightly-tolerances.yaml}"
root="$here/results/nightly"
mkdir -p "$root"
previous=""
for d in $(ls -1d "$root"/*/ 2>/dev/null | sort); do
  [ -f "$d/summary.json" ] && [ "$(basename "$d")" != latest ] && previous="${d%/}"
done
current="$root/$(date -u +%Y%m%dT%H%M%SZ)"
echo "nightly: suite -> $current" >&2
"$here/scripts/isaerft" bench suite --config "$config" --run-dir "$current" --out "$current/bench"
ln -sfn "$current" "$root/latest"
if [ -z "$previous" ]; then
  echo "nightly: first run, nothing to compare with" >&2
  exit 0
fi
strict=()
[ "${ISAERFT_NIGHTLY_STRICT:-0}" = 1 ] && strict=(--fail-on-regression)
"$here/scripts/isaerft" report compare --previous "$previous" --current "$current" --tolerances "$tolerances" "${strict[@]}"
