#!/usr/bin/env bash
# Reproduces results/adapters/summary.json: one ISaeRFT adapter per built-in task card
# (dogs, sad, beach, control, dogs-poisoned) × component (scale, bias, ffnn) on stories260K at
# blocks.2.hook_resid_pre, all in one process (`isaerft adapter suite`).
#
# SAE: $SAE if set (any --sae spec), else the quick local SAE in results/adapters/sae/, trained
# first if missing (org.isaerft.adapter.QuickSae: SAELens standard ReLU, 512 latents, MSE + L1,
# a few hundred Adam steps on stories260K activations over re-cased TinyStories; deterministic).
# CPU, single-threaded by default (ISAERFT_THREADS) — fastest on a shared machine.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
export ISAERFT_THREADS="${ISAERFT_THREADS:-1}"
out="${OUT:-results/adapters}"
sae="${SAE:-}"
if [ -z "$sae" ]; then
  sae="$out/sae/quick-stories260K-blocks.2-512"
  if [ ! -f "$sae/cfg.json" ]; then
    scripts/isaerft --version >/dev/null   # builds the jar if needed
    java -Xmx4g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$ISAERFT_THREADS" -Dai.djl.pytorch.num_interop_threads=1 \
      -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Disaerft.home="$here" \
      -cp "target/isaerft.jar:target/lib/*" org.isaerft.adapter.QuickSae \
      ../shared/models/stories260K "$sae" blocks.2.hook_resid_pre 512 "${SAE_L1:-0.3}" "${SAE_STEPS:-800}" 400 0
  fi
fi
scripts/isaerft adapter suite --model stories260K --sae "$sae" \
  --tasks dogs,sad,beach,control,dogs-poisoned --components scale,bias,ffnn \
  --lr "${LRS:-0.02,0.005,0.003}" --steps "${STEPS:-150}" --batch 8 --seq 128 --hidden 64 --eval-windows 64 --seed 0 \
  --out "$out"
