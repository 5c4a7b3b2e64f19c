#!/usr/bin/env bash
# Trains the embedded default SAEs on stories260K (blocks.2.hook_resid_pre, 8x expansion = 512 latents):
# local, e2e and e2e+downstream, on the train part (90%, split seed 0) of the TinyStories sample, then
# evaluates each on the held-out 10% with `sae eval` and writes results/sae/e2e_vs_local.json.
# Deterministic for a given machine/engine (seed 0, fixed data order); ~2-6 min per SAE on 1 busy core.
# Usage: scripts/train-default-saes.sh [--eval-only] [OUT_ROOT]   (default: results/sae)
#   --eval-only: skip training, re-evaluate the SAEs under OUT_ROOT/stories260K and rewrite e2e_vs_local.json
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
eval_only=0
if [ "${1:-}" = "--eval-only" ]; then eval_only=1; shift; fi
out="${1:-results/sae}"
shared="${ISAERFT_SHARED:-../shared}"
corpus="$shared/corpora/tinystories/tinystories-sample.txt"
export ISAERFT_THREADS="${ISAERFT_THREADS:-1}"

# λ per kind, chosen so that local and e2e end at similar held-out L0 (see results/sae/README.md)
L1_LOCAL="${L1_LOCAL:-0.35}"
L1_E2E="${L1_E2E:-5}"
L1_DS="${L1_DS:-6}"

train() { # kind l1 dir
  rm -rf "$out/stories260K/$3"
  scripts/isaerft sae train --model stories260K --hook blocks.2.hook_resid_pre --kind "$1" --expansion 8 --l1 "$2" \
    --corpus "$corpus" --held-out-fraction 0.1 --split-seed 0 --tokens 100000 --batch 8 --seq 64 --lr 2e-3 --warmup 20 \
    --seed 0 --log-every 25 --out "$out/stories260K/$3"
}
evaluate() { # dir
  scripts/isaerft sae eval --model "$shared/models/stories260K" --sae "$out/stories260K/$1" --corpus "$corpus" \
    --split held-out --held-out-fraction 0.1 --seed 0 --seq 64 --batch 8 --tokens 1000000 --json --out "$out/eval/$1.json" > /dev/null
}

if [ "$eval_only" = 0 ]; then
  train local "$L1_LOCAL" local
  train e2e "$L1_E2E" e2e
  train e2e-downstream "$L1_DS" e2e-downstream
fi
mkdir -p "$out/eval"
for k in local e2e e2e-downstream; do evaluate "$k"; done

pick='{l0, ce_increase, kl, explained_variance, alive, mse, ce_clean, ce_spliced, dead, tokens, l1: $l1}'
jq -n --slurpfile a "$out/eval/local.json" --slurpfile b "$out/eval/e2e.json" --slurpfile c "$out/eval/e2e-downstream.json" \
  --argjson la "$L1_LOCAL" --argjson lb "$L1_E2E" --argjson lc "$L1_DS" \
  "{schema_version: 1, type: \"sae_e2e_vs_local\", model: \"stories260K\", hook: \"blocks.2.hook_resid_pre\", d_sae: 512,
    eval_corpus: (\$a[0].corpus + \" (held-out 10%, split seed 0)\"),
    local: (\$a[0] | (\$la as \$l1 | $pick)), e2e: (\$b[0] | (\$lb as \$l1 | $pick)),
    e2e_downstream: (\$c[0] | (\$lc as \$l1 | $pick))}" > "$out/e2e_vs_local.json.tmp"
mv "$out/e2e_vs_local.json.tmp" "$out/e2e_vs_local.json"
cat "$out/e2e_vs_local.json"
