#!/usr/bin/env bash
# Compares two isaerft run folders byte-for-byte, outside an explicit list of timing fields.
#
#   scripts/check-demo-identical.sh RUN_A RUN_B [--markers-loose]
#
# Exit 0 when identical (prints "identical: N files"), 1 with the differing files and the first difference otherwise.
#
# What is compared: every file under both folders (same set of relative paths required), except the
# files listed in SKIP_FILES below. Binary files (e.g. adapter.safetensors) byte-for-byte. JSON and JSONL
# files are parsed and the TIMING FIELDS below are removed at any depth before comparing; nothing else is
# normalised, except that a string "<absolute run folder>/rest" is read as "rest" (older run folders stored
# absolute paths inside the run folder; current ones store them relative, see issue 17). Other text files
# (report.md, report.html, dashboards) are compared byte-for-byte, except the numbers (wall s, cpu s) of the
# "Stage timing" table of report.md and of <table id="timing"> in report.html, which are timing fields too.
#
# TIMING FIELDS (key names, removed wherever they occur):
#   seconds, cpu_seconds                 wall and CPU time of a stage, an adapter, a scorer
#   started_at, finished_at, updated_at, created_at   timestamps
#   tokens_per_second                    mining throughput
#   git_commit                           the build's commit (differs for any two commits, same behaviour)
#   timing                               run_config.json's per-stage timing table
# In markers (_STARTED, _SUCCESS) also: nonce (random id of older markers).
# --markers-loose: markers must exist in both folders but their contents are not compared — for comparing a run
# made before the stage refactor (marker schema 1: random nonce, input hash over nonces) with one made after it
# (marker schema 2: chained input hashes, typed stage output); two runs of the same code need no such option.
#
# SKIP_FILES: llm_cache/ (request cache keyed by content; absent in offline runs), *.tmp (temporaries
# of an interrupted write), *.ckpt (SAE-training checkpoints deleted on success).
set -euo pipefail
if [ $# -lt 2 ]; then
  sed -n '2,4p' "$0" >&2
  exit 2
fi
a="$(cd "$1" && pwd)"
b="$(cd "$2" && pwd)"
loose="${3:-}"
exec python3 - "$a" "$b" "$loose" <<'PY'
import json, os, re, sys

a, b, loose = sys.argv[1], sys.argv[2], sys.argv[3] == "--markers-loose"
TIMING = {"seconds", "cpu_seconds", "started_at", "finished_at", "updated_at", "created_at",
          "tokens_per_second", "git_commit", "timing"}
MARKER_EXTRA = {"nonce"}


def skip(rel):
    return rel.startswith("llm_cache/") or rel.endswith(".tmp") or rel.endswith(".ckpt")


def files(root):
    out = set()
    for d, _, fs in os.walk(root):
        for f in fs:
            rel = os.path.relpath(os.path.join(d, f), root)
            if not skip(rel):
                out.add(rel)
    return out


def norm(x, root, drop):
    if isinstance(x, dict):
        return {k: norm(v, root, drop) for k, v in x.items() if k not in drop}
    if isinstance(x, list):
        return [norm(v, root, drop) for v in x]
    if isinstance(x, str) and x.startswith(root + "/"):
        return x[len(root) + 1:]
    if isinstance(x, str) and x == root:
        return "."
    return x


def load(path, root, rel):
    drop = TIMING | (MARKER_EXTRA if os.path.basename(rel) in ("_STARTED", "_SUCCESS") else set())
    with open(path, "rb") as f:
        raw = f.read()
    if rel.endswith(".jsonl"):
        return [norm(json.loads(l), root, drop) for l in raw.decode("utf-8").splitlines() if l.strip()]
    if rel.endswith(".json") or os.path.basename(rel) in ("_STARTED", "_SUCCESS", "_COMPLETE"):
        return norm(json.loads(raw.decode("utf-8")), root, drop)
    if rel == "report.md":
        return re.sub(rb"(?m)^\| (\w+) \| [0-9.]+ \| [0-9.NaN]+ \| (true|false) \|$", rb"| \1 | T | T | \2 |", raw)
    if rel == "report.html":
        return re.sub(rb'<table id="timing">.*?</table>',
                      lambda m: re.sub(rb'<td data-v="[^"]*" class="num">[^<]*</td>', b"<td class=num>T</td>", m.group(0)), raw, flags=re.S)
    return raw


def first_diff(x, y, where=""):
    if type(x) != type(y):
        return f"{where}: {type(x).__name__} vs {type(y).__name__}"
    if isinstance(x, dict):
        for k in list(x) + [k for k in y if k not in x]:
            if k not in x or k not in y:
                return f"{where}.{k}: only in {'A' if k in x else 'B'}"
            d = first_diff(x[k], y[k], f"{where}.{k}")
            if d:
                return d
        if list(x) != list(y):
            return f"{where}: key order {list(x)} vs {list(y)}"
        return None
    if isinstance(x, list):
        if len(x) != len(y):
            return f"{where}: {len(x)} vs {len(y)} items"
        for i, (p, q) in enumerate(zip(x, y)):
            d = first_diff(p, q, f"{where}[{i}]")
            if d:
                return d
        return None
    if x != y:
        if isinstance(x, bytes):
            n = next((i for i, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
            return f"bytes differ at offset {n} (sizes {len(x)}, {len(y)})"
        return f"{where}: {x!r} vs {y!r}"
    return None


fa, fb = files(a), files(b)
problems = []
for rel in sorted(fa - fb):
    problems.append(f"only in A: {rel}")
for rel in sorted(fb - fa):
    problems.append(f"only in B: {rel}")
for rel in sorted(fa & fb):
    if loose and os.path.basename(rel) in ("_STARTED", "_SUCCESS"):
        continue
    d = first_diff(load(os.path.join(a, rel), a, rel), load(os.path.join(b, rel), b, rel))
    if d:
        problems.append(f"differs: {rel}: {d}")
if problems:
    print("\n".join(problems))
    print(f"NOT identical: {len(problems)} problem(s) over {len(fa | fb)} files")
    sys.exit(1)
print(f"identical: {len(fa)} files (timing fields aside)")
PY
