#!/usr/bin/env bash
# Trains the embedded default SAEs on stories260K (blocks.2.hook_resid_pre, 8x expansion = 512 latents):
# local, e2e and e2e+downstream, then evaluates each on the held-out 10% (split seed 0) of the TinyStories
# sample with `sae eval` and writes the comparison JSON. Deterministic for a given machine/engine (seed 0,
# fixed data order).
#
# Usage: scripts/train-default-saes.sh [--v2] [--eval-only] [OUT_ROOT]   (default OUT_ROOT: results/sae)
#   (v1, default)  100k training tokens from the train 90% of the TinyStories sample, L0 ~100;
#                  writes OUT_ROOT/stories260K/{local,e2e,e2e-downstream}, OUT_ROOT/eval/*.json and
#                  OUT_ROOT/e2e_vs_local.json. ~2-6 min per SAE on 1 busy core.
#   --v2           1M training tokens (10x) from the train 90% of the TinyStories sample plus the train 90%
#                  of a corpus sampled from stories260K itself (2000 documents x 256 tokens, seed 0; made
#                  with `corpus sample` into $V2_SAMPLED if that file is missing), λ chosen for matched
#                  held-out L0 ~25 (see results/sae/README.md, "v2"); writes OUT_ROOT/stories260K-v2/
#                  {local,e2e,e2e-downstream} (each with eval.json) and OUT_ROOT/e2e_vs_local_v2.json.
#                  ~5-15 min per SAE on 1 core.
#   --eval-only    skip training (and sampling): re-evaluate the SAEs already there, rewrite the JSON.
# Environment: L1_LOCAL, L1_E2E, L1_DS override λ per kind (e.g. the v2 L0 ~55 row: L1_LOCAL=… see README);
#   ISAERFT_THREADS (default 1); ISAERFT_SHARED (default ../shared); V2_SAMPLED (default
#   results/tmp/stories260K-sampled-2000x256-seed0.txt, gitignored).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
eval_only=0
v2=0
while [ $# -gt 0 ]; do
  case "$1" in
    --eval-only) eval_only=1; shift ;;
    --v2) v2=1; shift ;;
    *) break ;;
  esac
done
out="${1:-results/sae}"
shared="${ISAERFT_SHARED:-../shared}"
corpus="$shared/corpora/tinystories/tinystories-sample.txt"
export ISAERFT_THREADS="${ISAERFT_THREADS:-1}"

if [ "$v2" = 0 ]; then
  # λ per kind, chosen so that local and e2e end at similar held-out L0 ~100 (see results/sae/README.md)
  L1_LOCAL="${L1_LOCAL:-0.35}"
  L1_E2E="${L1_E2E:-5}"
  L1_DS="${L1_DS:-6}"
  tokens=100000
  saes="$out/stories260K"
  train_corpora=(--corpus "$corpus")
  extra=()
  log_every=25
  json="$out/e2e_vs_local.json"
  eval_json() { echo "$out/eval/$1.json"; }
else
  # λ per kind for matched held-out L0 ~25 after 1M tokens (the v2 λ sweep in results/sae/README.md)
  L1_LOCAL="${L1_LOCAL:-0.38}"
  L1_E2E="${L1_E2E:-7}"
  L1_DS="${L1_DS:-8.5}"
  tokens=1000000
  saes="$out/stories260K-v2"
  sampled="${V2_SAMPLED:-results/tmp/stories260K-sampled-2000x256-seed0.txt}"
  if [ "$eval_only" = 0 ] && [ ! -f "$sampled" ]; then
    mkdir -p "$(dirname "$sampled")"
    scripts/isaerft corpus sample --model stories260K --documents 2000 --max-new-tokens 256 --temperature 1.0 \
      --batch 128 --seed 0 --out "$sampled"
  fi
  train_corpora=(--corpus "$corpus" --corpus "$sampled")
  extra=(--shuffle-buffer 16384) # > the ~8,600 windows of an epoch: a full shuffle, so both corpora mix evenly
  log_every=200
  json="$out/e2e_vs_local_v2.json"
  eval_json() { echo "$saes/$1/eval.json"; }
fi

train() { # kind l1 dir
  rm -rf "$saes/$3"
  scripts/isaerft sae train --model stories260K --hook blocks.2.hook_resid_pre --kind "$1" --expansion 8 --l1 "$2" \
    "${train_corpora[@]}" --held-out-fraction 0.1 --split-seed 0 --tokens "$tokens" --batch 8 --seq 64 --lr 2e-3 --warmup 20 \
    --seed 0 --log-every "$log_every" "${extra[@]}" --out "$saes/$3"
}
evaluate() { # dir
  mkdir -p "$(dirname "$(eval_json "$1")")"
  scripts/isaerft sae eval --model "$shared/models/stories260K" --sae "$saes/$1" --corpus "$corpus" \
    --split held-out --held-out-fraction 0.1 --seed 0 --seq 64 --batch 8 --tokens 1000000 --json --out "$(eval_json "$1")" > /dev/null
}

if [ "$eval_only" = 0 ]; then
  train local "$L1_LOCAL" local
  train e2e "$L1_E2E" e2e
  train e2e-downstream "$L1_DS" e2e-downstream
fi
for k in local e2e e2e-downstream; do evaluate "$k"; done

pick='{l0, ce_increase, kl, explained_variance, alive, mse, ce_clean, ce_spliced, dead, tokens, l1: $l1}'
jq -n --slurpfile a "$(eval_json local)" --slurpfile b "$(eval_json e2e)" --slurpfile c "$(eval_json e2e-downstream)" \
  --argjson la "$L1_LOCAL" --argjson lb "$L1_E2E" --argjson lc "$L1_DS" --argjson tokens "$tokens" \
  "{schema_version: 1, type: \"sae_e2e_vs_local\", model: \"stories260K\", hook: \"blocks.2.hook_resid_pre\", d_sae: 512,
    train_tokens: \$tokens, eval_corpus: (\$a[0].corpus + \" (held-out 10%, split seed 0)\"),
    local: (\$a[0] | (\$la as \$l1 | $pick)), e2e: (\$b[0] | (\$lb as \$l1 | $pick)),
    e2e_downstream: (\$c[0] | (\$lc as \$l1 | $pick))}" > "$json.tmp"
mv "$json.tmp" "$json"
cat "$json"
