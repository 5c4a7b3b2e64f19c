#!/usr/bin/python3
"""Summarises alternating benchmark runs (JSON lines from `isaerft bench ...` and the reference
scripts) into one result file: per model (forward) or per training kind and shape (sae-train) the median
of each implementation and their ratio."""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import tempfile

SCHEMA_VERSION = 1


def git_commit():
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_atomic(path, obj):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-", suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def forward(args):
    runs = [json.loads(line) for line in open(args.runs) if line.strip()]
    check = json.load(open(args.check))
    models = {}
    for r in runs:
        models.setdefault(r["model"], []).append(r)
    out_models = {}
    for name, rs in models.items():
        ours = [r for r in rs if r["implementation"] == "isaerft"]
        ref = [r for r in rs if r["implementation"] == "reference"]
        if not ours or not ref:
            raise SystemExit(f"{args.runs}: model {name} lacks isaerft or reference runs")
        shapes = {(r["batch"], r["seq"]) for r in rs}
        if len(shapes) != 1:
            raise SystemExit(f"{args.runs}: model {name} was run with different shapes {sorted(shapes)}")
        threads = {r["threads"] for r in rs}
        if len(threads) != 1:
            raise SystemExit(f"{args.runs}: model {name} was run with different thread counts {sorted(threads)}")
        ours_tps = statistics.median(r["tokens_per_s"] for r in ours)
        ref_tps = statistics.median(r["tokens_per_s"] for r in ref)
        b, t = shapes.pop()
        entry = {
            "isaerft_tokens_per_s": ours_tps,
            "reference_tokens_per_s": ref_tps,
            "ratio": ours_tps / ref_tps,
            "reference": ref[0]["reference"],
            "isaerft_engine": ours[0]["engine"],
            "batch_shape": [b, t],
            "threads": threads.pop(),
            "rounds": len(ours),
            "warmup": ours[0]["warmup"],
            "iters": ours[0]["iters"],
            "isaerft_runs_tokens_per_s": [r["tokens_per_s"] for r in ours],
            "reference_runs_tokens_per_s": [r["tokens_per_s"] for r in ref],
            "isaerft_command": ours[0]["command"],
        }
        base = [r for r in rs if r["implementation"] == "isaerft_baseline"]
        if base:
            base_tps = statistics.median(r["tokens_per_s"] for r in base)
            entry["baseline_tokens_per_s"] = base_tps
            entry["baseline_runs_tokens_per_s"] = [r["tokens_per_s"] for r in base]
            entry["speedup_over_baseline"] = ours_tps / base_tps
            entry["baseline"] = "an older isaerft build (BENCH_BASELINE_JAR in the command), run alternately with the others"
        if name == check["model"]:
            entry["max_abs_logit_diff"] = check["max_abs_logit_diff"]
            entry["logit_check_shape"] = check["tokens_shape"]
        out_models[name] = entry
    result = {
        "schema_version": SCHEMA_VERSION,
        "benchmark": "forward",
        "metric": "tokens/s (batch*seq*iters / wall seconds of the timed forwards, after warm-up; median over rounds)",
        "models": out_models,
        "load_average_at_start": [float(x) for x in args.load_average.split()],
        "load_average_at_end": [float(x) for x in open("/proc/loadavg").read().split()[:3]],
        "cpu_count": os.cpu_count(),
        "machine": platform.processor() or platform.machine(),
        "git_commit": git_commit(),
        "command": args.command,
        "notes": "isaerft runs on DJL's libtorch, whose GEMMs are the MKL linked into it; the reference uses Debian's "
                 "torch with OpenBLAS. Both use the same thread count and run alternately in this one run.",
    }
    write_atomic(args.out, result)


def sae_train(args):
    runs = [json.loads(line) for line in open(args.runs) if line.strip()]
    checks = [json.loads(line) for line in open(args.check) if line.strip()]
    groups = {}
    for r in runs:
        groups.setdefault((r["kind"], r["hook"], r["d_sae"], r["batch"], r["seq"]), []).append(r)
    configs = []
    for (kind, hook, d_sae, b, t), rs in groups.items():
        ours = [r for r in rs if r["implementation"] == "isaerft"]
        ref = [r for r in rs if r["implementation"] == "reference"]
        if not ours or not ref:
            raise SystemExit(f"{args.runs}: {kind} d_sae={d_sae} [{b}, {t}] lacks isaerft or reference runs")
        threads = {r["threads"] for r in rs}
        if len(threads) != 1:
            raise SystemExit(f"{args.runs}: {kind} d_sae={d_sae} [{b}, {t}] was run with different thread counts {sorted(threads)}")
        ours_ms = statistics.median(r["step_ms"] for r in ours)
        ref_ms = statistics.median(r["step_ms"] for r in ref)
        ours_cpu = statistics.median(r["cpu_ms_per_step"] for r in ours)
        ref_cpu = statistics.median(r["cpu_ms_per_step"] for r in ref)
        entry = {
            "kind": kind,
            "model": "stories260K",
            "hook": hook,
            "d_in": ours[0]["d_in"],
            "d_sae": d_sae,
            "batch": b,
            "seq": t,
            "isaerft_step_ms": ours_ms,
            "reference_step_ms": ref_ms,
            "ratio": ours_ms / ref_ms,
            "isaerft_cpu_ms_per_step": ours_cpu,
            "reference_cpu_ms_per_step": ref_cpu,
            "cpu_ratio": ours_cpu / ref_cpu,
            "reference": ref[0]["reference"],
            "isaerft_engine": ours[0]["engine"],
            "threads": threads.pop(),
            "rounds": len(ours),
            "warmup": ours[0]["warmup"],
            "iters": ours[0]["iters"],
            "isaerft_runs_step_ms": [r["step_ms"] for r in ours],
            "reference_runs_step_ms": [r["step_ms"] for r in ref],
            "isaerft_runs_cpu_ms_per_step": [r["cpu_ms_per_step"] for r in ours],
            "reference_runs_cpu_ms_per_step": [r["cpu_ms_per_step"] for r in ref],
            "isaerft_command": re.sub(r" --dump \S+", "", ours[0]["command"]),
        }
        match = [c for c in checks if (c["kind"], c["hook"], c["d_sae"], c["tokens_shape"]) == (kind, hook, d_sae, [b, t])]
        if not match:
            raise SystemExit(f"{args.check}: no cross-check for {kind} d_sae={d_sae} [{b}, {t}]")
        c = match[0]
        entry["max_abs_loss_diff"] = c["max_abs_loss_diff"]
        entry["max_abs_param_diff"] = c["max_abs_param_diff"]
        entry["max_abs_param_change"] = c["max_abs_param_change"]
        entry["param_elements_over_1e-5"] = c["param_elements_over_1e-5"]
        entry["param_elements"] = c["param_elements"]
        entry["cross_check"] = {k: c[k] for k in ("loss_diffs", "param_diffs", "l0_diff", "grad_norm_diff", "isaerft_step", "reference_step")}
        configs.append(entry)
    result = {
        "schema_version": SCHEMA_VERSION,
        "benchmark": "sae_train",
        "metric": "milliseconds per SAE training step (forward, backward, Adam with clipping, decoder renorm, step metrics), "
                  "median of the timed steps after warm-up within a run, then median over the alternating rounds; "
                  "ratio = isaerft_step_ms / reference_step_ms (target <= 1.2); "
                  "cpu_ratio: the same for process CPU milliseconds per timed step (all threads), less sensitive to other load",
        "configs": configs,
        "max_ratio": max(e["ratio"] for e in configs),
        "max_cpu_ratio": max(e["cpu_ratio"] for e in configs),
        "load_average_at_start": [float(x) for x in args.load_average.split()],
        "load_average_at_end": [float(x) for x in open("/proc/loadavg").read().split()[:3]],
        "cpu_count": os.cpu_count(),
        "machine": platform.processor() or platform.machine(),
        "git_commit": git_commit(),
        "command": args.command,
        "notes": "Both sides train the same ReLU SAE with the same objective on the same frozen stories260K; the cross-check "
                 "(max_abs_loss_diff, max_abs_param_diff) has the reference redo isaerft's first step from isaerft's initial "
                 "parameters and tokens (max_abs_param_change: the largest parameter change of that step, for scale; Adam's first step moves an element "
                 "by about lr*g/(|g|+1e-8), so the few elements with |g| near 1e-8 carry each side's float rounding of g at the "
                 "scale of lr: param_elements_over_1e-5 counts them). isaerft "
                 "runs on DJL's libtorch (its MKL GEMMs); the reference on Debian's torch with OpenBLAS; same thread count, "
                 "alternating in this one run.",
    }
    write_atomic(args.out, result)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("benchmark", choices=["forward", "sae-train"])
    p.add_argument("--runs", required=True)
    p.add_argument("--check", required=True)
    p.add_argument("--load-average", required=True)
    p.add_argument("--command", required=True)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    {"forward": forward, "sae-train": sae_train}[args.benchmark](args)


if __name__ == "__main__":
    main()
