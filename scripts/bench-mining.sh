#!/usr/bin/env bash
# Mining benchmark (issue 5): mining throughput vs the bare forward pass on the same batches, and peak
# RSS at 100k vs 1M tokens. Model: stories260K (../shared/models); SAE: a random SAELens-format ReLU SAE
# (d_in 64, d_sae ${D_SAE:-2048}) on blocks.2.hook_resid_pre, written by this script (throughput does not
# depend on what the SAE learned); corpus: TinyStories (lower-cased copy, ~1.2M tokens).
# Writes results/bench/mining.json (keys *_100k and *_1m, plus the last run's throughputs).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${ISAERFT_SHARED:-$here/../shared}"
out="$here/results/bench"
mkdir -p "$out"
sae="$(mktemp -d)"
trap 'rm -rf "$sae" "$out/mine-100k" "$out/mine-1m"' EXIT
D_SAE="${D_SAE:-2048}" python3 - "$sae" <<'PY'
import json, os, random, struct, sys
d, n = 64, int(os.environ["D_SAE"])
rng = random.Random(5)
def t(shape, std, mean=0.0):
    k = 1
    for s in shape: k *= s
    return shape, struct.pack("<%df" % k, *[rng.gauss(mean, std) for _ in range(k)])
tensors = {"W_enc": t([d, n], 0.3), "b_enc": t([n], 0.05, -0.4), "W_dec": t([n, d], 0.1), "b_dec": t([d], 0.02)}
header, off = {"__metadata__": {"producer": "scripts/bench-mining.sh (random weights)"}}, 0
for k, (shape, data) in tensors.items():
    header[k] = {"dtype": "F32", "shape": shape, "data_offsets": [off, off + len(data)]}
    off += len(data)
h = json.dumps(header).encode()
h += b" " * ((8 - len(h) % 8) % 8)
with open(os.path.join(sys.argv[1], "sae_weights.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(h))); f.write(h)
    for _, (_, data) in tensors.items(): f.write(data)
cfg = {"architecture": "standard", "d_in": d, "d_sae": n, "dtype": "float32", "device": "cpu", "model_name": "stories260K",
       "hook_name": "blocks.2.hook_resid_pre", "hook_layer": 2, "hook_head_index": None, "activation_fn_str": "relu",
       "activation_fn_kwargs": {}, "apply_b_dec_to_input": True, "finetuning_scaling_factor": False,
       "normalize_activations": "none", "context_size": 128, "prepend_bos": True, "dataset_path": "",
       "model_from_pretrained_kwargs": {}, "neuronpedia_id": None}
json.dump(cfg, open(os.path.join(sys.argv[1], "cfg.json"), "w"), indent=2)
PY
export ISAERFT_JAVA_OPTS="${ISAERFT_JAVA_OPTS:--Xmx2g}"
for run in "100k 100000" "1m 1000000"; do
  set -- $run
  "$here/scripts/isaerft" mine --model "$shared/models/stories260K" --sae "$sae" \
    --corpus "$shared/corpora/tinystories/tinystories-lowercased.txt" --tokens "$2" --batch 16 --seq 128 \
    --bench "$out/mining.json" --bench-label "$1" --quiet --out "$out/mine-$1"
done
python3 - "$out/mining.json" <<'PY'
import json, os, sys
p = sys.argv[1]; b = json.load(open(p))
b["peak_rss_mb_100k"], b["peak_rss_mb_1m"] = b.get("peak_rss_mb_100k"), b.get("peak_rss_mb_1m")
b["rss_ratio_1m_over_100k"] = b["peak_rss_mb_1m"] / b["peak_rss_mb_100k"]
b["live_heap_ratio_1m_over_100k"] = b["live_heap_mb_1m"] / b["live_heap_mb_100k"]
b.pop("note", None)
b["java_opts"] = os.environ.get("ISAERFT_JAVA_OPTS", "")
b["load_average_end"] = open("/proc/loadavg").read().split()[:3]
b["command"] = "scripts/bench-mining.sh (" + b.get("command_1m", "") + ")"
json.dump(b, open(p, "w"), indent=2, sort_keys=True); print(json.dumps(b, indent=2, sort_keys=True))
PY
