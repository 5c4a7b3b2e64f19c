#!/usr/bin/env bash
# GPU check, self-timed (budget 5 min): on a CUDA machine, trains the same adapter (ffnn on the dogs card, 30 steps) and
# the same SAE (local, 4 steps of 8 × 64 tokens) on the GPU and on the CPU from the same seed, compares the losses and
# prints throughput. On a CPU-only machine it says so and exits 0.
#
# Tolerances (float32; GPU kernels reduce in a different order, so results agree to rounding, not bit for bit):
#   adapter: first-step loss |gpu − cpu| ≤ 1e-4; final loss |gpu − cpu| ≤ 2e-3 (30 Adam steps amplify rounding)
#   SAE:     final training loss |gpu − cpu| ≤ 1e-3 · max(1, |cpu|)
# Build for the GPU first (README "GPU"): ISAERFT_MVN_ARGS=-Dgpu (CUDA 12.4 natives from Maven Central), or the default
# build with PYTORCH_LIBRARY_PATH / PYTORCH_VERSION=2.7.1 / PYTORCH_FLAVOR=cu128 pointing at a libtorch.
# Usage: scripts/gpu-check.sh [WORK_DIR]      Exit: 0 = agree (or CPU-only machine), 1 = disagree / failed / over budget
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
start=$(date +%s)
budget=${GPU_CHECK_BUDGET_S:-300}
elapsed() { echo $(( $(date +%s) - start )); }
left() { local l=$(( budget - $(elapsed) )); [ "$l" -gt 5 ] || { echo "gpu-check: over the ${budget}s budget after $(elapsed)s" >&2; exit 1; }; echo "$l"; }

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1 || [ -z "$(nvidia-smi -L 2>/dev/null)" ]; then
  echo "gpu-check: CPU-only machine (no NVIDIA driver or no GPU: nvidia-smi is missing or lists no device)."
  echo "gpu-check: nothing to compare; the CPU path is what mvn -B test covers. Done in $(elapsed)s."
  exit 0
fi
echo "gpu-check: $(nvidia-smi -L | head -1)"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
isaerft=scripts/isaerft
export ISAERFT_THREADS="${ISAERFT_THREADS:-$(nproc)}"
sae=results/sae/stories260K/local
corpus="${ISAERFT_SHARED:-../shared}/corpora/tinystories/tinystories-sample.txt"

for dev in cpu gpu; do
  if ! timeout "$(left)" $isaerft adapter train --model stories260K --sae "$sae" --task dogs --component ffnn --steps 30 --seed 0 \
      --device "$dev" --out "$work/adapter-$dev" > "$work/adapter-$dev.log" 2>&1; then
    echo "gpu-check: adapter training on $dev failed:"; tail -5 "$work/adapter-$dev.log"
    [ "$dev" = gpu ] && echo "gpu-check: is the build a GPU build? see README \"GPU\" (ISAERFT_MVN_ARGS=-Dgpu, or PYTORCH_LIBRARY_PATH)"
    exit 1
  fi
  if ! timeout "$(left)" $isaerft sae train --model stories260K --hook blocks.2.hook_resid_pre --kind local --expansion 8 --l1 0.35 \
      --corpus "$corpus" --tokens 2048 --batch 8 --seq 64 --seed 0 --log-every 1 --device "$dev" --out "$work/sae-$dev" \
      > "$work/sae-$dev.log" 2>&1; then
    echo "gpu-check: SAE training on $dev failed:"; tail -5 "$work/sae-$dev.log"; exit 1
  fi
done

python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
a = {d: json.load(open(f"{w}/adapter-{d}/metadata.json")) for d in ("cpu", "gpu")}
s = {d: json.load(open(f"{w}/sae-{d}/metadata.json")) for d in ("cpu", "gpu")}
ok = True
first = {d: a[d]["loss_curve"][0]["task_loss"] for d in a}
last = {d: a[d]["loss_curve"][-1]["task_loss"] for d in a}
for name, x, y, tol in (("adapter first-step loss", first["cpu"], first["gpu"], 1e-4),
                        ("adapter final loss", last["cpu"], last["gpu"], 2e-3),
                        ("SAE final loss", s["cpu"]["metrics"]["loss"], s["gpu"]["metrics"]["loss"],
                         1e-3 * max(1.0, abs(s["cpu"]["metrics"]["loss"])))):
    d = abs(x - y)
    ok &= d <= tol
    print(f"gpu-check: {name}: cpu {x:.6f}  gpu {y:.6f}  |diff| {d:.2e}  (tolerance {tol:.0e})  {'ok' if d <= tol else 'DIFFERENT'}")
for d in ("cpu", "gpu"):
    print(f"gpu-check: {d}: adapter {a[d]['train_tokens'] / a[d]['seconds']:,.0f} tokens/s ({a[d]['seconds']:.1f} s), "
          f"SAE {s[d]['metrics']['tokens_per_second']:,.0f} tokens/s, device {a[d]['device']}")
sys.exit(0 if ok else 1)
PY
rc=$?
echo "gpu-check: done in $(elapsed)s (budget ${budget}s); outputs in $work"
exit $rc
