#!/usr/bin/env bash
# Writes DIR/provenance.json: the exact command(s) that made a results folder, the commit(s) of the code that ran them,
# and the sha256 of every input (and whether it is committed in this repository, so a reader knows what to fetch).
#
#   scripts/provenance.sh DIR --command "CMD" [--command "CMD2" ...] [--commit SHA|auto|HEAD] \
#       [--input PATH ...] [--note "TEXT"]
#
# --commit may be repeated (one per stage's code). --commit auto: the git_commit values recorded by the code in DIR's own JSON files (versions.git_commit), i.e. the
# commit that produced them; HEAD (default) for a folder made from the current checkout. --input takes files or
# folders (every file inside is hashed). Paths are recorded relative to the repository (../shared paths as
# ${shared}/...). Re-running it overwrites provenance.json.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec python3 - "$@" <<'EOF'
import hashlib, json, os, re, subprocess, sys, datetime
from pathlib import Path

args = sys.argv[1:]
if not args or args[0].startswith("-"):
    sys.exit("usage: scripts/provenance.sh DIR --command CMD [--commit SHA|auto|HEAD] [--input PATH ...] [--note TEXT]")
out = Path(args[0]); commands, inputs, notes, commit_args = [], [], [], []
i = 1
while i < len(args):
    k = args[i]; v = args[i + 1] if i + 1 < len(args) else sys.exit(f"{k} needs a value")
    if k == "--command": commands.append(v)
    elif k == "--input": inputs.append(v)
    elif k == "--note": notes.append(v)
    elif k == "--commit": commit_args.append(v)
    else: sys.exit(f"unknown option {k}")
    i += 2
if not commands:
    sys.exit("provenance: at least one --command is required")
if not out.is_dir():
    sys.exit(f"provenance: {out} is not a folder")
repo = Path.cwd().resolve()
shared = (repo / ".." / "shared").resolve()
tracked = set(subprocess.run(["git", "ls-files"], capture_output=True, text=True, check=True).stdout.split())

def rel(p):
    p = p.resolve()
    if p.is_relative_to(repo): return str(p.relative_to(repo))
    if p.is_relative_to(shared): return "${shared}/" + str(p.relative_to(shared))
    return str(p)

def sha(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""): h.update(b)
    return h.hexdigest()

files = []
for s in inputs:
    p = Path(s.replace("${shared}", str(shared)))
    if not p.exists():
        sys.exit(f"provenance: input {s} not found")
    for f in (sorted(x for x in p.rglob("*") if x.is_file()) if p.is_dir() else [p]):
        r = rel(f)
        files.append({"path": r, "sha256": sha(f), "bytes": f.stat().st_size, "committed": r in tracked})

commit_args = commit_args or ["HEAD"]
if commit_args == ["auto"]:
    found = set()
    for f in sorted(out.rglob("*.json")):
        if f.name == "provenance.json": continue
        try: found.update(re.findall(r'"git_commit"\s*:\s*"([0-9a-f]{7,40})"', f.read_text()))
        except (OSError, UnicodeDecodeError): pass
    commits = sorted(found)
    if not commits: notes.append("no git_commit recorded in this folder's JSON files")
else:
    commits = [subprocess.run(["git", "rev-parse", c], capture_output=True, text=True, check=True).stdout.strip() for c in commit_args]
doc = {"schema_version": 1, "type": "provenance", "folder": rel(out), "commands": commands, "commits": commits,
       "inputs": files, "notes": notes,
       "written_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
(out / "provenance.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
print(f"provenance: {out}/provenance.json: {len(commands)} command(s), {len(commits)} commit(s), {len(files)} input file(s), "
      f"{sum(not f['committed'] for f in files)} not committed")
EOF
