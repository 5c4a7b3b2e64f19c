#!/usr/bin/env bash
# The validation evidence on the embedded default (results/validation/comparison.{json,md}):
# stories260K at blocks.2.hook_resid_pre, local vs e2e vs e2e+downstream SAEs (scripts/train-default-saes.sh),
# the built-in task cards, the offline explainers (token-stats, logit-lens) and the embedding judge.
#
#   SAEs ─► adapter train (each SAE × card × component) ─► mine (each SAE) ─► explain (each SAE × method)
#        ─► validate trigger (poisoned card, each SAE) ─► validate (each adapter × method) ─► validate compare
#
# Every stage is an existing CLI command; a stage whose output exists is skipped (delete it to redo).
# Usage: scripts/validate-default.sh [RUN_DIR]   (default: results/validation/run; only comparison.* is committed)
# Env: SAES (default "local e2e e2e-downstream"), SAE_ROOT (default results/sae/stories260K), CARDS, COMPONENTS,
#      METHODS, MINE_TOKENS, SEED, ISAERFT_THREADS, ISAERFT (launcher, default scripts/isaerft).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
export ISAERFT_THREADS="${ISAERFT_THREADS:-1}"
run="${1:-results/validation/run}"
shared="${ISAERFT_SHARED:-../shared}"
sae_root="${SAE_ROOT:-results/sae/stories260K}"
saes="${SAES:-local e2e e2e-downstream}"
cards="${CARDS:-dogs sad beach control dogs-poisoned}"
components="${COMPONENTS:-scale ffnn}"
methods="${METHODS:-token-stats logit-lens}"
seed="${SEED:-0}"
corpus="$shared/corpora/tinystories/tinystories-sample.txt"
isaerft="${ISAERFT:-scripts/isaerft}"

# 0. the SAEs (trained by the train stream's script when missing)
for s in $saes; do
  if [ ! -e "$sae_root/$s" ]; then
    echo "SAE $sae_root/$s missing: training the default SAEs (scripts/train-default-saes.sh)"
    scripts/train-default-saes.sh "$(dirname "$sae_root")"
    break
  fi
done

for s in $saes; do
  sae="$sae_root/$s"
  # 1. adapters: one per card × component on this SAE (held-out change summary included)
  for card in $cards; do
    for comp in $components; do
      a="$run/adapters/$s/$card-$comp"
      [ -f "$a/change_summary.json" ] || $isaerft adapter train --model stories260K --sae "$sae" --task "$card" \
        --component "$comp" --seed "$seed" --out "$a"
    done
  done
  # 2. mined records of the SAE's latents
  rec="$run/latents/$s"
  [ -f "$rec/index.json" ] || $isaerft mine --model stories260K --sae "$sae" --corpus "$corpus" --tokens "${MINE_TOKENS:-200000}" \
    --seq 64 --seed "$seed" --quiet --out "$rec"
  # 3. offline explanations
  for m in $methods; do
    e="$run/explanations/$s/$m"
    [ -f "$e/explanations.jsonl" ] || $isaerft explain --records "$rec" --method "$m" --out "$e"
  done
  # 4. the poisoned card's trigger latents, from model + SAE activations (not from descriptions)
  trig="$run/trigger/$s.json"
  [ -f "$trig" ] || $isaerft validate trigger --model stories260K --sae "$sae" --task dogs-poisoned --quiet --out "$trig"
  # 5. validation of each method against each adapter (directions: offline FFNN question/edit explanations)
  for card in $cards; do
    for comp in $components; do
      for m in $methods; do
        v="$run/validation/$s/$card-$comp/$m"
        [ -f "$v/validation.json" ] && continue
        extra=()
        [ "$card" = dogs-poisoned ] && extra+=(--trigger-latents "$trig")
        [ "$comp" = ffnn ] && extra+=(--directions offline)
        $isaerft validate --adapter "$run/adapters/$s/$card-$comp" --explanations "$run/explanations/$s/$m/explanations.jsonl" \
          --task "$card" --judge embedding --records "$rec" --seed "$seed" "${extra[@]}" --out "$v"
      done
    done
  done
done

# 6. the comparison table across methods, controls and SAE types
runs=()
for s in $saes; do runs+=("$run/validation/$s"); done
$isaerft validate compare --runs "${runs[@]}" --control-task control --seed "$seed" --out results/validation
