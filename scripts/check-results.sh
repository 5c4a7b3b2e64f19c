#!/usr/bin/env bash
# Every figure quoted as a result must be present in a committed JSON file, within its printed rounding.
#
# Scope: the "## Results" section of README.md and every results/**/README.md (whole file). Checked figures: numbers
# with a decimal point (0.246, −0.19, 3.4), percentages, and integers ≥ 1000 (17,079; 100,352). Not checked: integers
# below 1000 without a decimal point (counts and settings: 5 cards, 200 steps, latent 351 — see below), numbers inside
# `code`, code fences, identifiers (stories260K, L0, cu128) and version numbers (2.7.1).
# A figure passes when some numeric leaf of a committed JSON file in its folder's tree (README.md: results/**;
# results/X/README.md: results/X/**) equals it within half a unit of its last printed digit (0.246 → ±0.0005;
# 17,079 → ±0.5; 19% → 0.19 ± 0.005 or 19 ± 0.5), sign ignored (ranges are printed as −0.19 … +0.08).
# Figures that are settings or thresholds, not data (1e-5 tolerances, λ values, learning rates), are listed with a
# reason in results/claims-exempt.tsv (file, figure, reason); an exemption that no longer matches is reported too.
# Integers below 1000 that ARE data (a latent id, a rank) are listed in results/claims-required.tsv (file, figure,
# JSON file, JSON path) and checked exactly at that path.
#
# There is no way to quote an unbacked figure: a passage wrapped in <!-- unbacked: REASON --> … <!-- /unbacked -->
# is a miss for every figure it holds (issue 16 removed the last ones; their text is in git history).
#
# Usage: scripts/check-results.sh [--verbose]   (exit 1 on any miss; --verbose prints where each figure was found)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v python3 >/dev/null 2>&1 || { echo "check-results: python3 is required (apt-get install python3)" >&2; exit 2; }
exec python3 - "$@" <<'EOF'
import json, math, re, subprocess, sys
from pathlib import Path

verbose = "--verbose" in sys.argv[1:]
tracked = subprocess.run(["git", "ls-files", "results", "README.md"], capture_output=True, text=True, check=True).stdout.split()
json_files = [Path(p) for p in tracked if p.endswith(".json") and not p.endswith("provenance.json")]  # provenance: hashes and sizes, not results
readmes = [Path("README.md")] + sorted(Path(p) for p in tracked if p.startswith("results/") and p.endswith("README.md"))

def leaves(node, path=""):
    if isinstance(node, bool):
        return
    if isinstance(node, (int, float)):
        if not (isinstance(node, float) and (math.isnan(node) or math.isinf(node))):
            yield path, float(node)
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from leaves(v, f"{path}.{k}" if path else k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from leaves(v, f"{path}[{i}]")

values = {}  # file -> sorted list of (|value|, path)
docs = {}
for f in json_files:
    try:
        doc = json.loads(f.read_text())
    except ValueError as e:
        print(f"check-results: {f}: not JSON ({e})", file=sys.stderr)
        sys.exit(2)
    docs[str(f)] = doc
    values[str(f)] = sorted((abs(v), p) for p, v in leaves(doc))

def scope(readme):
    return "results/" if str(readme) == "README.md" else str(readme.parent) + "/"

def text_of(readme):
    t = readme.read_text()
    if str(readme) == "README.md":
        m = re.search(r"^## Results.*?(?=^## )", t, re.S | re.M)
        if not m:
            print("check-results: README.md has no '## Results' section", file=sys.stderr)
            sys.exit(2)
        start = t[:m.start()].count("\n")
        return start, m.group(0)
    return 0, t

def load_tsv(path, cols):
    rows = []
    p = Path(path)
    if p.exists():
        for n, line in enumerate(p.read_text().splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) < cols:
                print(f"check-results: {path}:{n}: expected {cols} tab-separated columns", file=sys.stderr)
                sys.exit(2)
            rows.append(parts)
    return rows

exempt = {(r[0], r[1]): r[2] for r in load_tsv("results/claims-exempt.tsv", 3)}
required = load_tsv("results/claims-required.tsv", 4)
used_exempt = set()

NUM = re.compile(r"(?<![\w.\-/^])([−\-+]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:e([−\-+]?\d+))?(%|×)?(?![\w]|\.\d)")

def strip_code(line):
    line = re.sub(r"`[^`]*`", lambda m: " " * len(m.group(0)), line)
    return re.sub(r"\[\d+(?:,\s*\d+)+\]", lambda m: " " * len(m.group(0)), line)  # tensor shapes [8,256]

def find_ratio(value, decimals, files):
    """a × figure: the ratio of two numbers of one committed JSON file, within the printed rounding."""
    tol = 0.5 * 10 ** (-decimals) + 1e-12
    for f in files:
        arr = [v for v, _ in values[f] if v > 0]
        paths = {v: p for v, p in values[f]}
        for b in arr:
            lo, hi = (value - tol) * b, (value + tol) * b
            a, z = 0, len(arr)
            while a < z:
                mid = (a + z) // 2
                if arr[mid] < lo:
                    a = mid + 1
                else:
                    z = mid
            if a < len(arr) and arr[a] <= hi:
                return f, paths[arr[a]] + " / " + paths[b], arr[a] / b
    return None

def find(value, decimals, pct, files):
    cands = [value] + ([value / 100] if pct else [])
    for c in cands:
        d = decimals + (2 if (pct and c is not value) else 0)
        tol = 0.5 * 10 ** (-d) + 1e-12 * max(1.0, abs(c))
        for f in files:
            arr = values[f]
            lo, hi = abs(c) - tol, abs(c) + tol
            # binary search
            a, b = 0, len(arr)
            while a < b:
                mid = (a + b) // 2
                if arr[mid][0] < lo:
                    a = mid + 1
                else:
                    b = mid
            if a < len(arr) and arr[a][0] <= hi:
                return f, arr[a][1], arr[a][0]
    return None

misses, checked, unbacked = [], 0, []
for readme in readmes:
    offset, text = text_of(readme)
    files = [f for f in values if f.startswith(scope(readme))]
    fence = False
    hold = None
    for i, raw in enumerate(text.splitlines(), 1 + offset):
        mo = re.search(r"<!-- unbacked: (.+?) -->", raw)
        if mo:
            hold = mo.group(1)
        if hold is not None:
            for m in NUM.finditer(strip_code(raw)):
                unbacked.append(f"{readme}:{i}: {m.group(0)} (unbacked: {hold})")
            if "<!-- /unbacked -->" in raw:
                hold = None
            continue
        if raw.strip().startswith("```"):
            fence = not fence
            continue
        if fence:
            continue
        line = strip_code(raw)
        line_hits, line_misses = [], []
        for m in NUM.finditer(line):
            sign, intpart, frac, exp, pct = m.groups()
            lit = m.group(0).lstrip("+")
            if re.match(r"\d+\.\d+\.\d", line[m.start(2):]):   # version number
                continue
            # a figure glued to a letter on the left (L0, d_model 64 is fine) was excluded by the look-behind
            integer = frac is None and exp is None
            ival = float(intpart.replace(",", ""))
            if integer and not pct and ival < 1000:
                continue
            if (str(readme), lit) in exempt or (str(readme), lit.lstrip("−-")) in exempt:
                used_exempt.add((str(readme), lit) if (str(readme), lit) in exempt else (str(readme), lit.lstrip("−-")))
                continue
            value = float(intpart.replace(",", "") + (frac or "")) * (10 ** int(exp.replace("−", "-")) if exp else 1)
            decimals = len(frac) - 1 if frac else 0
            if exp:
                decimals = max(0, decimals - int(exp.replace("−", "-")))
            checked += 1
            if pct == "×":
                hit = find(value, decimals, False, files) or find_ratio(value, decimals, files)
            else:
                hit = find(value, decimals, pct == "%", files)
            if hit is None:
                ctx = raw.strip()
                k = ctx.find(m.group(0).strip())
                ctx = ctx[max(0, k - 50):k + 50]
                line_misses.append((lit, value, decimals, pct,
                                    f"{readme}:{i}: {lit} not in any committed JSON under {scope(readme)} — …{ctx}…"))
            else:
                # every JSON value within the figure's rounding (a derived figure may use any of them)
                tol = 0.5 * 10 ** (-decimals) + 1e-12
                for f in files:
                    line_hits.extend(v for v, _ in values[f] if abs(v - abs(value)) <= tol)
                if verbose:
                    print(f"ok   {readme}:{i}: {lit} = {hit[0]} {hit[1]} ({hit[2]:.6g})")
        # a figure derived from figures quoted on the same line (a difference Δ = b − a, or a ratio b / a), each of
        # which is backed by committed JSON, passes: it is computed from the backed values at full precision
        for lit, value, decimals, pct, msg in line_misses:
            tol = 0.5 * 10 ** (-decimals) + 1e-12
            derived = any(abs(abs(a - b) - value) <= tol or (b > 0 and pct == "×" and abs(a / b - value) <= tol)
                          for a in line_hits for b in line_hits if a is not b)
            if derived:
                if verbose:
                    print(f"ok   {msg.split(' not in')[0]} = derived from figures on the same line")
            else:
                misses.append(msg)

req_misses = 0
for f, fig, jf, jp in required:
    doc = docs.get(jf)
    node = doc
    try:
        for part in re.findall(r"[^.\[\]]+|\[\d+\]", jp):
            node = node[int(part[1:-1])] if part.startswith("[") else node[part]
    except (KeyError, IndexError, TypeError):
        node = None
    text = Path(f).read_text() if Path(f).exists() else ""
    if doc is None or node is None or str(node) != fig or not re.search(r"(?<![\w.])" + re.escape(fig) + r"(?![\w])", text):
        misses.append(f"{f}: required figure {fig} not found at {jf} {jp} (found {node!r}) or not in the text")
        req_misses += 1
    elif verbose:
        print(f"ok   {f}: {fig} = {jf} {jp}")

stale = [k for k in exempt if k not in used_exempt]
for f, fig in stale:
    misses.append(f"{f}: exemption of {fig} in results/claims-exempt.tsv matches no figure any more (remove it)")

for u in unbacked:
    misses.append("figure in a passage marked unbacked (back it with committed JSON or remove it): " + u)
print(f"check-results: {checked} figures checked in {len(readmes)} READMEs against {len(json_files)} committed JSON files; "
      f"{len(required)} required integer figures; {len(used_exempt)} exempt settings; {len(misses)} misses")
for m in misses:
    print("MISS " + m)
sys.exit(1 if misses else 0)
EOF
