#!/usr/bin/env bash
# Benchmarks against a PyTorch-eager reference on the same CPU, measured in ONE run, alternating
# the two implementations (isaerft, reference, isaerft, reference, ...) and taking the median
# of each. Absolute numbers depend on the machine's load; the ratio is what is compared.
#
#   scripts/bench.sh forward     -> results/bench/forward.json
#   scripts/bench.sh sae-train   -> results/bench/sae_train.json
#
# Environment: BENCH_ROUNDS (default 3), BENCH_THREADS (2), BENCH_WARMUP (2), BENCH_ITERS (5),
# STORIES_BATCH/STORIES_SEQ (8/256), GPT2_BATCH/GPT2_SEQ (4/128), BENCH_OUT (results/bench).
# BENCH_BASELINE_JAR=path/to/isaerft.jar (an older build with `bench forward`, its lib/ beside it)
# adds that build to the alternation; its median is recorded as baseline_tokens_per_s (before/after).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
what="${1:-}"
case "$what" in
  forward|sae-train) ;;
  *) echo "usage: scripts/bench.sh forward|sae-train" >&2; exit 2 ;;
esac

PY="$(scripts/bench-setup.sh)"
ROUNDS="${BENCH_ROUNDS:-3}"
THREADS="${BENCH_THREADS:-2}"
WARMUP="${BENCH_WARMUP:-2}"
ITERS="${BENCH_ITERS:-5}"
OUT_DIR="${BENCH_OUT:-results/bench}"
mkdir -p "$OUT_DIR"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
load_at_start="$(cut -d' ' -f1-3 /proc/loadavg)"

# SAE training steps: isaerft bench sae-train vs benchmarks/reference_sae_train.py. For every kind
# and shape: round 1 also dumps isaerft's first step from its initial SAE, which the reference
# redoes from the same start (cross-check); then the timed runs alternate.
# Environment: SAE_KINDS ("local e2e"), SAE_SHAPES ("512x8x64:200:50 4096x32x128:3:6" = d_sae x batch x seq
# [: warm-up steps : timed steps]; the small shape needs ~150 steps before the JVM's JIT has compiled the
# step's code), SAE_HOOK (blocks.2.hook_resid_pre), BENCH_ROUNDS, BENCH_THREADS, SAE_WARMUP (3) and
# SAE_ITERS (10) for shapes without their own.
if [ "$what" = sae-train ]; then
  KINDS="${SAE_KINDS:-local e2e}"
  SHAPES="${SAE_SHAPES:-512x8x64:200:50 4096x32x128:3:6}"
  HOOK="${SAE_HOOK:-blocks.2.hook_resid_pre}"
  SWARM="${SAE_WARMUP:-3}"
  SITERS="${SAE_ITERS:-10}"
  command="scripts/bench.sh sae-train (BENCH_ROUNDS=$ROUNDS BENCH_THREADS=$THREADS SAE_WARMUP=$SWARM SAE_ITERS=$SITERS"
  command+=" SAE_KINDS='$KINDS' SAE_SHAPES='$SHAPES' SAE_HOOK=$HOOK)"
  export ISAERFT_THREADS="$THREADS"
  : > "$tmp/checks.jsonl"
  for round in $(seq 1 "$ROUNDS"); do
    for kind in $KINDS; do
      for shape in $SHAPES; do
        IFS=: read -r dims w n <<< "$shape"
        IFS=x read -r dsae b t <<< "$dims"
        args=(--kind "$kind" --hook "$HOOK" --d-sae "$dsae" --batch "$b" --seq "$t" --warmup "${w:-$SWARM}" --iters "${n:-$SITERS}"
              --threads "$THREADS")
        dump=()
        if [ "$round" = 1 ]; then dump=(--dump "$tmp/dump-$kind-$dims.safetensors"); fi
        echo "bench: round $round/$ROUNDS sae-train $kind d_sae=$dsae [$b, $t] isaerft ..." >&2
        scripts/isaerft bench sae-train --quiet --model stories260K "${args[@]}" "${dump[@]}" 2>"$tmp/java.err" > "$tmp/java.json" \
          || { cat "$tmp/java.err" >&2; exit 1; }
        cat "$tmp/java.json" >> "$tmp/runs.jsonl"
        if [ "$round" = 1 ]; then
          ckpt="$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["model_dir"])' "$tmp/java.json")/stories260K.bin"
          echo "bench: cross-check $kind d_sae=$dsae [$b, $t] (reference redoes isaerft's first step) ..." >&2
          "$PY" benchmarks/reference_sae_train.py --checkpoint "$ckpt" --threads "$THREADS" \
            --check "$tmp/dump-$kind-$dims.safetensors" >> "$tmp/checks.jsonl"
          rm -f "$tmp/dump-$kind-$dims.safetensors"
        fi
        echo "bench: round $round/$ROUNDS sae-train $kind d_sae=$dsae [$b, $t] reference ..." >&2
        "$PY" benchmarks/reference_sae_train.py --checkpoint "$ckpt" "${args[@]}" >> "$tmp/runs.jsonl"
      done
    done
  done
  "$PY" benchmarks/summarize.py sae-train --runs "$tmp/runs.jsonl" --check "$tmp/checks.jsonl" \
    --load-average "$load_at_start" --command "$command" --out "$OUT_DIR/sae_train.json"
  cat "$OUT_DIR/sae_train.json"
  exit 0
fi
command="scripts/bench.sh forward (BENCH_ROUNDS=$ROUNDS BENCH_THREADS=$THREADS BENCH_WARMUP=$WARMUP BENCH_ITERS=$ITERS"
command+="${BENCH_BASELINE_JAR:+ BENCH_BASELINE_JAR=$BENCH_BASELINE_JAR}"
command+=" STORIES_BATCH=${STORIES_BATCH:-8} STORIES_SEQ=${STORIES_SEQ:-256} GPT2_BATCH=${GPT2_BATCH:-4} GPT2_SEQ=${GPT2_SEQ:-128})"
export ISAERFT_THREADS="$THREADS"
baseline_bench() {
  java -Xmx8g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$THREADS" -Dai.djl.pytorch.num_interop_threads=1 \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Disaerft.home="$here" -jar "$BENCH_BASELINE_JAR" bench forward --quiet "$@" \
    2>"$tmp/base.err" | sed 's/"implementation":"isaerft"/"implementation":"isaerft_baseline"/' || { cat "$tmp/base.err" >&2; exit 1; }
}
java_bench() { scripts/isaerft bench forward --quiet "$@" 2>"$tmp/java.err" || { cat "$tmp/java.err" >&2; exit 1; }; }

# 1. Cross-check: the same tokens through both implementations of stories260K.
java_bench --model stories260K --batch 4 --seq 128 --warmup 0 --iters 1 --threads "$THREADS" \
  --dump-logits "$tmp/stories260K.safetensors" > "$tmp/check-java.json"
ckpt="$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["model_dir"])' "$tmp/check-java.json")/stories260K.bin"
"$PY" benchmarks/reference_forward.py --model stories260K --checkpoint "$ckpt" --threads "$THREADS" \
  --check "$tmp/stories260K.safetensors" > "$tmp/check.json"

# 2. Alternating timed runs.
declare -A shape=([stories260K]="${STORIES_BATCH:-8} ${STORIES_SEQ:-256}" [gpt2-small-random]="${GPT2_BATCH:-4} ${GPT2_SEQ:-128}")
for round in $(seq 1 "$ROUNDS"); do
  for model in stories260K gpt2-small-random; do
    read -r b t <<< "${shape[$model]}"
    echo "bench: round $round/$ROUNDS $model [$b, $t] isaerft ..." >&2
    java_bench --model "$model" --batch "$b" --seq "$t" --warmup "$WARMUP" --iters "$ITERS" --threads "$THREADS" >> "$tmp/runs.jsonl"
    if [ -n "${BENCH_BASELINE_JAR:-}" ]; then
      echo "bench: round $round/$ROUNDS $model [$b, $t] isaerft baseline ($BENCH_BASELINE_JAR) ..." >&2
      baseline_bench --model "$model" --batch "$b" --seq "$t" --warmup "$WARMUP" --iters "$ITERS" --threads "$THREADS" >> "$tmp/runs.jsonl"
    fi
    echo "bench: round $round/$ROUNDS $model [$b, $t] reference ..." >&2
    "$PY" benchmarks/reference_forward.py --model "$model" --checkpoint "$ckpt" --batch "$b" --seq "$t" \
      --warmup "$WARMUP" --iters "$ITERS" --threads "$THREADS" >> "$tmp/runs.jsonl"
  done
done

"$PY" benchmarks/summarize.py forward --runs "$tmp/runs.jsonl" --check "$tmp/check.json" \
  --load-average "$load_at_start" --command "$command" --out "$OUT_DIR/forward.json"
cat "$OUT_DIR/forward.json"
