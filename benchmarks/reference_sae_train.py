#!/usr/bin/python3
"""PyTorch-eager reference SAE training step for `scripts/bench.sh sae-train`.

The same step as isaerft's SaeTrainer.step, written with plain torch ops on the stories260K model
of reference_forward.py (imported; its weights are plain tensors, requires_grad=False):

  ReLU SAE      c = relu(x W_enc + b_enc)                        [B, T, d_sae]
                x_hat = c · normalize(W_dec rows) + b_dec        [B, T, d_in]
  sparsity      S = mean over tokens of ||c||_1 / d_in
  local         loss = MSE(x_hat, x) + l1·S        (the model runs only up to the hook)
  e2e           loss = kl_coeff·KL(clean || spliced) + l1·S
                (clean forward under no_grad, spliced forward with x replaced by x_hat, with grad)
  e2e-downstream  + (downstream_coeff / n)·Σ MSE(spliced, clean) at every later hook_resid_pre
  then          backward, clip_grad_norm_, torch.optim.Adam step, decoder rows rescaled to unit norm,
                and the step's metrics as SaeTrainer records them (loss parts and L0 as Python
                floats, per-latent firing for dead-latent tracking).

Modes:
  --check FILE   FILE was written by `isaerft bench sae-train --dump FILE`: tokens, initial SAE
                 parameters (init.*), parameters after isaerft's first step (step1.*) and that step's
                 losses and configuration (metadata). Runs the same step from the same start and
                 prints the differences (max_abs_loss_diff, max_abs_param_diff, ...).
  (default)      times --iters steps on one fixed seeded [--batch, --seq] batch after --warmup steps,
                 from a fresh SAE initialised as isaerft does (random unit directions scaled to 0.1 as
                 decoder rows, W_enc = W_dec^T, zero biases, then decoder rows rescaled to unit norm);
                 prints one JSON object with step_ms (median) and mean_step_ms.

Run with Debian's interpreter (/usr/bin/python3, python3-torch) and OpenBLAS; see scripts/bench-setup.sh.
"""

import argparse
import json
import os
import re
import statistics
import struct
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_forward import Llama, blas_name, openblas_loaded  # noqa: E402

SCHEMA_VERSION = 1
PARAMS = ("W_enc", "b_enc", "W_dec", "b_dec")


def resid_pre_layer(hook):
    m = re.fullmatch(r"blocks\.(\d+)\.hook_resid_pre", hook)
    if not m:
        raise SystemExit(f"hook {hook!r}: the reference supports blocks.<L>.hook_resid_pre only")
    return int(m.group(1))


def read_safetensors(path):
    """(name -> tensor for F32/I32/I64 tensors, metadata dict) of a safetensors file."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    dtypes = {"F32": torch.float32, "I32": torch.int32, "I64": torch.int64}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] not in dtypes:
            raise SystemExit(f"{path}: tensor {name!r} has dtype {info['dtype']}, expected one of {sorted(dtypes)}")
        start, end = info["data_offsets"]
        buf = bytearray(raw[base + start:base + end])
        out[name] = torch.frombuffer(buf, dtype=dtypes[info["dtype"]]).view(*info["shape"]).clone()
    return out, header.get("__metadata__", {})


class Trainer:
    """One SAE at blocks.<layer>.hook_resid_pre of a frozen Llama, trained as SaeTrainer does."""

    def __init__(self, model, kind, layer, params, l1, lr, max_grad_norm, kl_coeff, downstream_coeff, downstream_layers):
        if kind not in ("local", "e2e", "e2e-downstream"):
            raise SystemExit(f"unknown --kind {kind!r}: expected local, e2e or e2e-downstream")
        self.model, self.kind, self.layer = model, kind, layer
        self.p = {k: params[k].clone().requires_grad_(True) for k in PARAMS}
        self.d_in = self.p["W_enc"].shape[0]
        self.l1, self.max_grad_norm = l1, max_grad_norm
        self.kl_coeff, self.downstream_layers = kl_coeff, list(downstream_layers)
        self.ds_coeff = downstream_coeff / len(self.downstream_layers) if self.downstream_layers else 0.0
        self.opt = torch.optim.Adam([self.p[k] for k in PARAMS], lr=lr, betas=(0.9, 0.999), eps=1e-8)
        self.last_fired = torch.full((self.p["W_enc"].shape[1],), -1, dtype=torch.int64)
        self.tokens_seen = 0

    def sae(self, x):
        """x [B, T, d_in] -> (latents [B, T, d_sae], reconstruction [B, T, d_in])."""
        p = self.p
        c = F.relu(x @ p["W_enc"] + p["b_enc"])                                   # [B, T, d_sae]
        x_hat = c @ F.normalize(p["W_dec"], dim=1, eps=1e-12) + p["b_dec"]        # [B, T, d_in]
        return c, x_hat

    def losses(self, tokens):
        seen = {}
        if self.kind == "local":
            def capture(x):
                seen["x"] = x
                return x
            self.model.forward(tokens, {self.layer: capture}, stop_at=self.layer)
            c, x_hat = self.sae(seen["x"])
            mse = F.mse_loss(x_hat, seen["x"])
            kl = ds = None
        else:
            clean_acts, spliced_acts = {}, {}

            def capturer(store, l):
                def f(x):
                    store[l] = x
                    return x
                return f

            with torch.no_grad():
                clean = self.model.forward(tokens, {l: capturer(clean_acts, l) for l in self.downstream_layers})  # [B, T, V]

            def splice(x):
                c, x_hat = self.sae(x)
                seen.update(x=x, c=c, x_hat=x_hat)
                return x_hat
            hooks = {l: capturer(spliced_acts, l) for l in self.downstream_layers}
            hooks[self.layer] = splice
            spliced = self.model.forward(tokens, hooks)                                # [B, T, V]
            c = seen["c"]
            mse = F.mse_loss(seen["x_hat"], seen["x"])                                 # reported, not optimised
            v = clean.shape[-1]
            kl = F.kl_div(spliced.log_softmax(-1).reshape(-1, v), clean.log_softmax(-1).reshape(-1, v),
                          reduction="batchmean", log_target=True)
            ds = None
            if self.downstream_layers:
                ds = sum(F.mse_loss(spliced_acts[l], clean_acts[l]) for l in self.downstream_layers)
        sparsity = c.abs().sum(-1).mean() / self.d_in
        if self.kind == "local":
            total = mse + self.l1 * sparsity
        elif self.kind == "e2e":
            total = self.kl_coeff * kl + self.l1 * sparsity
        else:
            total = self.kl_coeff * kl + self.ds_coeff * ds + self.l1 * sparsity
        return total, kl, mse, ds, sparsity, c

    def step(self, tokens):
        total, kl, mse, ds, sparsity, c = self.losses(tokens)
        self.opt.zero_grad(set_to_none=False)
        total.backward()
        stats = {"loss": total.item(), "kl": None if kl is None else kl.item(), "mse": mse.item(),
                 "downstream": None if ds is None else ds.item(), "sparsity": sparsity.item()}
        active = (c.detach() > 0).float()                                              # [B, T, d_sae]
        stats["l0"] = active.sum(-1).mean().item()
        fired = active.sum((0, 1)) > 0                                                 # [d_sae]
        params = [self.p[k] for k in PARAMS]
        norm = torch.nn.utils.clip_grad_norm_(params, self.max_grad_norm) if self.max_grad_norm > 0 \
            else torch.norm(torch.stack([q.grad.norm() for q in params]))
        stats["grad_norm"] = float(norm)
        if not torch.isfinite(torch.tensor(stats["loss"])):
            raise SystemExit(f"training loss is {stats['loss']}")
        self.opt.step()
        with torch.no_grad():
            w = self.p["W_dec"]
            w.div_(w.norm(dim=1, keepdim=True).clamp_min(1e-12))                     # unit-norm decoder rows
        self.tokens_seen += tokens.numel()
        self.last_fired[fired] = self.tokens_seen
        return stats


def initial_params(d_in, d_sae, seed, decoder_norm=0.1):
    """isaerft's initialisation scheme (its own seeded RNG differs; --check loads isaerft's values)."""
    g = torch.Generator().manual_seed(seed)
    rows = torch.randn(d_sae, d_in, generator=g, dtype=torch.float64)
    dec = (rows * (decoder_norm / rows.norm(dim=1, keepdim=True))).float()           # [d_sae, d_in]
    return {"W_enc": dec.t().contiguous(), "b_enc": torch.zeros(d_sae),
            "W_dec": dec / dec.norm(dim=1, keepdim=True), "b_dec": torch.zeros(d_in)}


def check(args, model):
    data, meta = read_safetensors(args.check)
    if meta.get("type") != "sae_train_bench_dump":
        raise SystemExit(f"{args.check}: metadata type {meta.get('type')!r}, expected 'sae_train_bench_dump'")
    cfg = json.loads(meta["config"])
    expected = json.loads(meta["step"])
    layer = resid_pre_layer(cfg["hook"])
    ds_layers = [resid_pre_layer(h) for h in cfg["downstream_hooks"]]
    init = {k: data["init." + k] for k in PARAMS}
    t = Trainer(model, cfg["kind"], layer, init, cfg["l1"], expected["lr"], cfg["max_grad_norm"], cfg["kl_coeff"],
                cfg["downstream_coeff"], ds_layers)
    tokens = data["tokens"].long()
    got = t.step(tokens)
    loss_diffs = {k: abs(got[k] - expected[k]) for k in ("loss", "kl", "mse", "downstream", "sparsity")
                  if expected.get(k) is not None}
    param_diffs = {k: (t.p[k].detach() - data["step1." + k]).abs().max().item() for k in PARAMS}
    param_change = {k: (data["step1." + k] - data["init." + k]).abs().max().item() for k in PARAMS}
    print(json.dumps({
        "schema_version": SCHEMA_VERSION,
        "kind": cfg["kind"],
        "hook": cfg["hook"],
        "d_sae": cfg["d_sae"],
        "tokens_shape": list(tokens.shape),
        "max_abs_loss_diff": max(loss_diffs.values()),
        "loss_diffs": loss_diffs,
        "max_abs_param_diff": max(param_diffs.values()),
        "param_diffs": param_diffs,
        "max_abs_param_change": max(param_change.values()),
        # Adam's first step moves each element by about lr·g/(|g| + eps): where |g| is near eps (1e-8) the float
        # rounding of g (different BLAS on each side) shows up at the scale of lr; count how many elements that is
        "param_elements_over_1e-5": sum(int(((t.p[k].detach() - data["step1." + k]).abs() > 1e-5).sum()) for k in PARAMS),
        "param_elements": sum(t.p[k].numel() for k in PARAMS),
        "l0_diff": abs(got["l0"] - expected["l0"]),
        "grad_norm_diff": abs(got["grad_norm"] - expected["grad_norm"]),
        "isaerft_step": expected,
        "reference_step": got,
    }))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", default="../shared/models/stories260K/stories260K.bin", help="stories260K.bin (llama2.c)")
    p.add_argument("--kind", default="local", help="local, e2e or e2e-downstream")
    p.add_argument("--hook", default="blocks.2.hook_resid_pre")
    p.add_argument("--d-sae", type=int, default=512)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--seq", type=int, default=64)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--iters", type=int, default=20)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--l1", type=float, default=1.0)
    p.add_argument("--lr", type=float, default=0.002)
    p.add_argument("--max-grad-norm", type=float, default=10.0)
    p.add_argument("--check", metavar="FILE", help="redo the first step of an `isaerft bench sae-train --dump FILE`")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    model = Llama(args.checkpoint)
    if args.check:
        check(args, model)
        return

    layer = resid_pre_layer(args.hook)
    ds_layers = list(range(layer + 1, model.n_layers)) if args.kind == "e2e-downstream" else []
    kl_coeff = 0.5 if args.kind == "e2e-downstream" else 1.0
    t = Trainer(model, args.kind, layer, initial_params(model.dim, args.d_sae, args.seed), args.l1, args.lr,
                args.max_grad_norm, kl_coeff, 2.5, ds_layers)
    g = torch.Generator().manual_seed(args.seed)
    tokens = torch.randint(0, model.vocab_size, (args.batch, args.seq), generator=g)
    times = []
    last = None
    cpu0 = 0.0
    for i in range(args.warmup + args.iters):
        if i == args.warmup:
            cpu0 = time.process_time()
        t0 = time.perf_counter()
        last = t.step(tokens)
        t1 = time.perf_counter()
        if i >= args.warmup:
            times.append(t1 - t0)
    cpu = time.process_time() - cpu0
    print(json.dumps({
        "schema_version": SCHEMA_VERSION,
        "implementation": "reference",
        "benchmark": "sae_train",
        "model": "stories260K",
        "kind": args.kind,
        "hook": args.hook,
        "d_in": model.dim,
        "d_sae": args.d_sae,
        "batch": args.batch,
        "seq": args.seq,
        "l1": args.l1,
        "lr": args.lr,
        "warmup": args.warmup,
        "iters": args.iters,
        "threads": torch.get_num_threads(),
        "step_ms": 1e3 * statistics.median(times),
        "mean_step_ms": 1e3 * sum(times) / len(times),
        "cpu_ms_per_step": 1e3 * cpu / len(times),
        "iter_seconds": times,
        "seconds": sum(times),
        "last_loss": last["loss"],
        "reference": f"PyTorch {torch.__version__.split('+')[0]} eager, "
                     f"{'OpenBLAS' if openblas_loaded() else blas_name()}, {torch.get_num_threads()} threads",
        "python": sys.version.split()[0],
    }))


if __name__ == "__main__":
    main()
