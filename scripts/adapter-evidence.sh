#!/usr/bin/env bash
# Reproduces results/adapters/: one ISaeRFT adapter per built-in task card
# (dogs, sad, beach, control, dogs-poisoned) × component × SAE on stories260K at blocks.2.hook_resid_pre.
#
# Usage: scripts/adapter-evidence.sh [SAE_DIR[:COMPONENTS] ...]
#   e.g. scripts/adapter-evidence.sh results/sae/stories260K/local results/sae/stories260K/e2e-downstream:ffnn,scale
#   SAE_DIRs default to the shipped trained SAEs results/sae/stories260K/local and .../e2e (the committed
#   set; pass results/sae/stories260K/e2e-downstream too for the third; see results/sae/README.md). Each SAE's runs land in OUT/<sae dir name>/runs/
#   and all entries in OUT/summary.json (one entry per card × component × SAE, with `sae`/`sae_spec`).
# Environment:
#   OUT          output folder (default results/adapters)
#   COMPONENTS   comma list, run in this order (default ffnn,scale,bias); SAE_DIR:COMPONENTS overrides it per SAE
#   LR_SCALE / LR_BIAS / LR_FFNN   Adam learning rates (default 0.05 / 0.02 / 0.003); STEPS (default 150)
#   KEEP_FFNN_WEIGHTS  cards whose ffnn adapter.safetensors (~260 KB each) is kept (default dogs);
#                the others are deleted to keep the repo lean (metadata.json and change_summary.json are kept).
#   WORK         folder of the per-(SAE, component) suite outputs (default OUT/.work, deleted at the end);
#                a (SAE, component) whose WORK/<sae>/<component>/summary.json exists is not re-run.
# CPU, single-threaded by default (ISAERFT_THREADS) — fastest on a shared machine; ~2 min per run on a
# loaded 2-core machine (30 runs for the default two SAEs).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
export ISAERFT_THREADS="${ISAERFT_THREADS:-1}"
out="${OUT:-results/adapters}"
work="${WORK:-$out/.work}"
components="${COMPONENTS:-ffnn,scale,bias}"
keep_ffnn="${KEEP_FFNN_WEIGHTS:-dogs}"
if [ "$#" -gt 0 ]; then saes=("$@"); else
  saes=(results/sae/stories260K/local results/sae/stories260K/e2e)
fi
command -v jq >/dev/null || { echo "adapter-evidence: jq is required" >&2; exit 1; }

lr_of() {
  case "$1" in
    scale) echo "${LR_SCALE:-0.05}" ;; bias) echo "${LR_BIAS:-0.02}" ;; ffnn) echo "${LR_FFNN:-0.003}" ;;
    *) echo "adapter-evidence: unknown component '$1' (expected scale, bias or ffnn)" >&2; exit 1 ;;
  esac
}

# 1. Train: one `isaerft adapter suite` per SAE × component (all five cards).
for spec in "${saes[@]}"; do
  sae="${spec%%:*}"; comps="$components"; [ "$spec" = "$sae" ] || comps="${spec#*:}"
  [ -f "$sae/cfg.json" ] || { echo "adapter-evidence: $sae/cfg.json not found (expected a SAELens SAE folder)" >&2; exit 1; }
  name="$(basename "$sae")"
  for c in ${comps//,/ }; do
    if [ -f "$work/$name/$c/summary.json" ]; then continue; fi
    echo "adapter-evidence: $name × $c" >&2
    scripts/isaerft adapter suite --model stories260K --sae "$sae" \
      --tasks dogs,sad,beach,control,dogs-poisoned --components "$c" --lr "$(lr_of "$c")" \
      --steps "${STEPS:-150}" --batch 8 --seq 128 --hidden 64 --eval-windows 64 --seed 0 --out "$work/$name/$c"
  done
done

# 2. Assemble OUT/<sae>/runs/ and OUT/summary.json.
# change_summary.json is stored compact with floats rounded to 6 significant digits (~55% of the bytes;
# plain compaction with jq when python3 is missing); metadata.json and summary.json are copied exactly.
compact() {
  if command -v python3 >/dev/null; then
    python3 -c 'import json, sys
def r(o):
    if isinstance(o, float): return float(f"{o:.6g}")
    if isinstance(o, list): return [r(x) for x in o]
    if isinstance(o, dict): return {k: r(v) for k, v in o.items()}
    return o
sys.stdout.write(json.dumps(r(json.load(open(sys.argv[1]))), separators=(",", ":"), ensure_ascii=False))' "$1"
  else
    jq -c . "$1"
  fi
}
parts=()
for spec in "${saes[@]}"; do
  sae="${spec%%:*}"; comps="$components"; [ "$spec" = "$sae" ] || comps="${spec#*:}"
  name="$(basename "$sae")"
  rm -rf "${out:?}/$name"
  mkdir -p "$out/$name/runs"
  for c in ${comps//,/ }; do
    for run in "$work/$name/$c"/runs/*; do
      dest="$out/$name/runs/$(basename "$run")"
      cp -r "$run" "$dest"
      compact "$run/change_summary.json" > "$dest/change_summary.json"
      card="${dest##*/}"; card="${card%-*}"
      if [ "$c" = ffnn ] && [[ ",$keep_ffnn," != *",$card,"* ]]; then rm -f "$dest/adapter.safetensors"; fi
    done
    jq --arg p "$name/" '.entries | map(.run = $p + .run)' "$work/$name/$c/summary.json" > "$work/$name/$c/entries.json"
    parts+=("$work/$name/$c/entries.json")
  done
done
first="${parts[0]%/entries.json}/summary.json"
jq -s --slurpfile head "$first" --arg lrs "$(for c in scale bias ffnn; do printf '%s:%s,' "$c" "$(lr_of "$c")"; done)" '
  (add) as $all
  | def top: [.top_changed_latents[].latent];
    ($all | map(. as $e | .control_top_overlap =
        (($all | map(select(.task == "control" and .component == $e.component and .sae_spec == $e.sae_spec)) | first) as $ctl
         | if $ctl == null then null else ([$e | top[]] - ([$e | top[]] - [$ctl | top[]]) | length) end))) as $entries
  | { schema_version: 1, type: "isaerft.adapter_summary", rank_by: $head[0].rank_by,
      hyperparameters: ($head[0].hyperparameters
          | .lr = ($lrs | split(",") | map(select(. != "") | split(":") | {(.[0]): (.[1] | tonumber)}) | add)),
      saes: ($entries | map(.sae_spec) | unique),
      entries: $entries }' "${parts[@]}" > "$out/summary.json.tmp"
mv "$out/summary.json.tmp" "$out/summary.json"
[ -n "${WORK:-}" ] || rm -rf "$work"
echo "adapter-evidence: wrote $out/summary.json ($(jq '.entries | length' "$out/summary.json") entries)" >&2
