#!/usr/bin/env python3
"""Same-index decoder cosine between SAEs (stdlib only): are two SAEs' dictionaries the same latents?

Usage: scripts/sae-decoder-similarity.py OUT.json NAME=SAE_DIR [NAME=SAE_DIR ...]
Reads W_dec [d_sae, d_in] (F32) from each SAELens folder's sae_weights.safetensors and writes, for every
pair, the median / min / quantiles over latents i of cos(W_dec[i], W_dec'[i]), plus the best-match median
(max over j of cos(W_dec[i], W_dec'[j])) so a permuted dictionary is not mistaken for a different one.
"""
import array, json, math, struct, sys


def w_dec(folder):
    with open(f"{folder}/sae_weights.safetensors", "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header, data = json.loads(f.read(n)), f.read()
    t = header["W_dec"]
    if t["dtype"] != "F32":
        raise SystemExit(f"{folder}: W_dec is {t['dtype']}, expected F32")
    a = array.array("f")
    a.frombytes(data[t["data_offsets"][0]:t["data_offsets"][1]])
    rows, d = t["shape"]
    out = []
    for i in range(rows):
        r = a[i * d:(i + 1) * d]
        norm = math.sqrt(sum(x * x for x in r)) or 1.0
        out.append([x / norm for x in r])
    return out


def q(sorted_v, p):
    pos = p * (len(sorted_v) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(sorted_v) - 1)
    return sorted_v[lo] + (pos - lo) * (sorted_v[hi] - sorted_v[lo])


def main():
    out, specs = sys.argv[1], dict(s.split("=", 1) for s in sys.argv[2:])
    dec = {name: w_dec(path) for name, path in specs.items()}
    names = list(dec)
    pairs = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            same = sorted(sum(x * y for x, y in zip(u, v)) for u, v in zip(dec[a], dec[b]))
            best = sorted(max(sum(x * y for x, y in zip(u, v)) for v in dec[b]) for u in dec[a])
            pairs.append({"a": a, "b": b, "latents": len(same),
                          "same_index_cosine": {"median": round(q(same, 0.5), 4), "min": round(same[0], 4),
                                                "q10": round(q(same, 0.1), 4), "q90": round(q(same, 0.9), 4)},
                          "best_match_cosine_median": round(q(best, 0.5), 4)})
    doc = {"schema_version": 1, "type": "sae_decoder_similarity", "saes": specs, "pairs": pairs,
           "command": "scripts/sae-decoder-similarity.py " + " ".join(sys.argv[1:])}
    with open(out + ".tmp", "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    import os
    os.replace(out + ".tmp", out)
    for p in pairs:
        print(p["a"], p["b"], p["same_index_cosine"], "best-match median", p["best_match_cosine_median"])


if __name__ == "__main__":
    main()
