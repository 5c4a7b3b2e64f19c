#!/usr/bin/env python3
"""Per-source reading of a bench-recovery result: for tasks planted from each SAE, the answer's rank on every SAE
and the paired e2e - local difference of reciprocal rank (by activation change) with an exact two-sided sign-flip
p-value. Usage: scripts/recovery-by-source.py results/recovery/recovery.json [STRENGTH]"""
import itertools, json, sys

d = json.load(open(sys.argv[1]))
strength = float(sys.argv[2]) if len(sys.argv) > 2 else d['options']['strength']
tasks = {t['id']: t for t in d['tasks']}
rank = {}
for r in d['runs']:
    if not r['control'] and r['strength'] == strength and r['matched']:
        rank.setdefault((r['task'], r['component']), {}).setdefault(r['sae'], []).append(r['rankings'][1]['ranks'][0])

def exact_sign_flip(x):
    obs = abs(sum(x) / len(x))
    ge = sum(1 for s in itertools.product((1, -1), repeat=len(x)) if abs(sum(a * b for a, b in zip(s, x)) / len(x)) >= obs - 1e-12)
    return ge / 2 ** len(x)

for source in ['all'] + list(d['options']['saes']):
    for comp in sorted({k[1] for k in rank}):
        for b in [s for s in d['options']['saes'] if s != 'local']:
            diffs, ranks = [], []
            for (t, c), by in sorted(rank.items()):
                if c != comp or 'local' not in by or b not in by or (source != 'all' and tasks[t]['source'] != source):
                    continue
                rl = sum(by['local']) / len(by['local']); rb = sum(by[b]) / len(by[b])
                ranks.append((t, rl, rb))
                diffs.append(sum(1 / x for x in by[b]) / len(by[b]) - sum(1 / x for x in by['local']) / len(by['local']))
            if diffs:
                print(f"planted from {source:6s} {comp}: {b} - local reciprocal rank over {len(diffs)} tasks: mean {sum(diffs)/len(diffs):+.4f}, "
                      f"{b} better on {sum(1 for x in diffs if x > 0)}, exact sign-flip p = {exact_sign_flip(diffs):.4f}; "
                      f"median rank local {sorted(r[1] for r in ranks)[len(ranks)//2]:.0f}, {b} {sorted(r[2] for r in ranks)[len(ranks)//2]:.0f}")
