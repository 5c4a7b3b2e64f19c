#!/usr/bin/env python3
"""Plant sizes of two bench-recovery results over the same tasks: a max-act run (plant = S x max_act x r_i) and a
residual-unit run (plant = S x rho / |r_i| x r_i, |plant| = S x rho). |r_i| is read from the residual run's tasks
(rho / coefficient_per_s). Writes per-task and per-source plant norms, the strength that equalises the medians, and per
source what the plants did (base model's held-out loss on the steered text, recall@20 by activation change).
Usage: scripts/recovery-plant-norms.py MAX_ACT_RECOVERY_JSON RESIDUAL_RECOVERY_JSON OUT_JSON"""
import json, statistics, sys

full = json.load(open(sys.argv[1]))
res = json.load(open(sys.argv[2]))
s_max, s_res = full['options']['strength'], res['options']['strength']
assert res['options'].get('strength_unit') == 'residual', 'second file must be a residual-unit run'
assert full['options'].get('strength_unit', 'max-act') == 'max-act', 'first file must be a max-act run'
rows = []
for a, b in zip(full['tasks'], res['tasks']):
    assert (a['source'], a['latent']) == (b['source'], b['latent']), 'the two runs must plant the same latents'
    dir_norm = b['residual_norm'] / b['coefficient_per_s']
    rows.append({'task': a['id'], 'source': a['source'], 'latent': a['latent'], 'max_act': a['max_act'], 'residual_direction_norm': dir_norm,
                 'max_act_plant_norm': s_max * a['max_act'] * dir_norm, 'residual_plant_norm': s_res * b['coefficient_per_s'] * dir_norm})
def effects(doc):
    """Per source SAE, at the run's main strength: the base model's median held-out loss on the steered text (how far the
    plant moved the text) and, per component and reading SAE, recall@20 by activation change (share of task-seeds with the
    answer at rank <= 20) and how many ffnn runs raised held-out loss."""
    s = doc['options']['strength']
    src = {t['id']: t['source'] for t in doc['tasks']}
    runs = [r for r in doc['runs'] if not r['control'] and r['strength'] == s and r['matched']]
    out = {}
    for source in dict.fromkeys(src.values()):
        rr = [r for r in runs if src[r['task']] == source]
        e = {'tasks': len({r['task'] for r in rr}), 'median_base_loss': statistics.median(r['base_loss'] for r in rr),
             'ffnn_runs': sum(r['component'] == 'ffnn' for r in rr),
             'ffnn_runs_raising_loss': sum(r['component'] == 'ffnn' and r['adapted_loss'] > r['base_loss'] for r in rr),
             'recall_at_20_by_activation': {}}
        for comp in dict.fromkeys(r['component'] for r in rr):
            for sae in doc['options']['saes']:
                x = [r['rankings'][1]['ranks'][0] <= 20 for r in rr if r['component'] == comp and r['sae'] == sae]
                if x:
                    e['recall_at_20_by_activation'][sae + ' ' + comp] = sum(x) / len(x)
        out[source] = e
    return out


rho = sorted({t['residual_norm'] for t in res['tasks']})
med = lambda k, src=None: statistics.median(r[k] for r in rows if src is None or r['source'] == src)
out = {
    'schema_version': 1,
    'type': 'isaerft.recovery_plant_norms',
    'how': 'scripts/recovery-plant-norms.py ' + ' '.join(sys.argv[1:]),
    'max_act_strength': s_max,
    'residual_strength': s_res,
    'residual_norm_rho': rho,
    'residual_direction_norm_min': min(r['residual_direction_norm'] for r in rows),
    'residual_direction_norm_max': max(r['residual_direction_norm'] for r in rows),
    'median_max_act': med('max_act'),
    'median_max_act_plant_norm': med('max_act_plant_norm'),
    'median_residual_plant_norm': med('residual_plant_norm'),
    'strength_equalising_medians': med('max_act_plant_norm') / rho[0],
    'by_source': {src: {'median_max_act_plant_norm': med('max_act_plant_norm', src), 'min_max_act_plant_norm':
                        min(r['max_act_plant_norm'] for r in rows if r['source'] == src), 'max_max_act_plant_norm':
                        max(r['max_act_plant_norm'] for r in rows if r['source'] == src),
                        'residual_plant_norm': med('residual_plant_norm', src),
                        'median_ratio_residual_to_max_act': statistics.median(r['residual_plant_norm'] / r['max_act_plant_norm']
                                                                              for r in rows if r['source'] == src)}
                  for src in dict.fromkeys(r['source'] for r in rows)},
    'effects_by_source': {name: effects(doc) for name, doc in (('max_act_run', full), ('residual_run', res))},
    'tasks': rows,
}
json.dump(out, open(sys.argv[3], 'w'), indent=2)
print(json.dumps({k: v for k, v in out.items() if k != 'tasks'}, indent=2))
