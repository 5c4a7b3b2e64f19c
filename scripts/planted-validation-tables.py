#!/usr/bin/env python3
"""Markdown tables of a planted_validation.json (`isaerft bench planted-validation`): the validation chain with the
planted latent's own description as the expectation (beside the unsteered twin and a shuffled expectation), and the
data audit of the poison card beside its clean twin.

    scripts/planted-validation-tables.py results/recovery/validation/planted_validation.json
"""
import json
import sys


def f(x, nd=4):
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:.{nd}g}" if abs(x) < 1e-3 and x != 0 else f"{round(x, nd)}"
    return str(x)


def main(path):
    d = json.load(open(path))
    a = d["analysis"]
    cells = {(c["sae"], c["component"], c["measure"], c["method"], c["card"], c["expectation"]): c for c in a["cells"]}
    paired = {(p["sae"], p["component"], p["measure"], p["method"], p["comparison"]): p for p in a["paired"]}
    audit = {(c["sae"], c["component"], c["measure"], c["method"], c["card"]): c for c in a["audit"]}
    saes = list(d["d_alive"].keys())
    comps = [c.lower() for c in d["options"]["recovery"]["components"]]
    measures = d["options"]["measures"]
    methods = d["options"]["methods"]
    print(f"judge {d['judge']['name']} (on-task >= {d['judge']['on_task']}, off-task < {d['judge']['off_task']}); "
          f"{len(d['tasks'])} tasks, k = {d['options']['k']}, audit k = {d['options']['auditK'] if 'auditK' in d['options'] else d['options'].get('audit_k')}")
    for measure in measures:
        print(f"\n### Own description as expectation, ranked by {measure}\n")
        print("| SAE | component | method | validated (steered) | answer in top k | answer on-task | validated (twin) "
              "| validated (shuffled) | AUROC steered / twin / shuffled | steered − twin: p, q |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for s in saes:
            for c in comps:
                for m in methods:
                    st = cells[(s, c, measure, m, "steered", "own")]
                    tw = cells[(s, c, measure, m, "twin", "own")]
                    sh = cells[(s, c, measure, m, "steered", "shuffled")]
                    p = paired[(s, c, measure, m, "auroc: steered/own - twin/own")]
                    print(f"| {s} | {c} | {m} | {f(st['validated'])} | {f(st['answer_in_top_k'])} | {f(st['answer_on_task'])} | "
                          f"{f(tw['validated'])} | {f(sh['validated'])} | {f(st['auroc']['mean'], 3)} / {f(tw['auroc']['mean'], 3)} / "
                          f"{f(sh['auroc']['mean'], 3)} | {f(p['p'])}, {f(p['q_bh'])} |")
        print(f"\n### Poison card vs clean twin, ranked by {measure}\n")
        print("| SAE | component | method | answer flagged (poison / clean) | median audit rank | answer in audit (poison / clean) "
              "| mean flagged (poison / clean) | poison − clean: p, q |")
        print("|---|---|---|---|---|---|---|---|")
        for s in saes:
            for c in comps:
                for m in methods:
                    po = audit[(s, c, measure, m, "poison")]
                    cl = audit[(s, c, measure, m, "clean")]
                    p = paired[(s, c, measure, m, "answer flagged: poison - clean")]
                    print(f"| {s} | {c} | {m} | {f(po['answer_flagged'])} / {f(cl['answer_flagged'])} | {f(po['median_answer_audit_rank'])} | "
                          f"{f(po['answer_in_audit'])} / {f(cl['answer_in_audit'])} | {f(po['mean_flagged'], 3)} / {f(cl['mean_flagged'], 3)} | "
                          f"{f(p['p'])}, {f(p['q_bh'])} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "results/recovery/validation/planted_validation.json")
