#!/usr/bin/env bash
# Benchmarks against a PyTorch-eager reference on the same CPU, measured in ONE run, alternating
# the two implementations (isaerft, reference, isaerft, reference, ...) and taking the median
# of each. Absolute numbers depend on the machine's load; the ratio is what is compared.
#
#   scripts/bench.sh forward     -> results/bench/forward.json
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
  forward) ;;
  *) echo "usage: scripts/bench.sh forward" >&2; exit 2 ;;
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
