#!/usr/bin/python3
"""PyTorch-eager reference forward passes for `scripts/bench.sh forward`.

Two models, written directly with torch ops (no model libraries):
  * stories260K: the llama2.c architecture (RMSNorm, interleaved RoPE, grouped-query attention,
    SwiGLU MLP, tied classifier), weights read from llama2.c's version-0 `.bin` export;
  * gpt2-small-random: GPT-2 small shapes (12 layers, d 768, 12 heads, vocab 50257, n_ctx 1024)
    with random weights initialised like GPT-2 (N(0, 0.02), residual projections
    N(0, 0.02/sqrt(2*n_layer)), zero biases, unit LayerNorm gains).

Modes:
  --check FILE   FILE is a safetensors file written by `isaerft bench forward --dump-logits`
                 (tensors `tokens` [B, T] int32 and `logits` [B, T, V] float32); runs the same
                 tokens and prints {"max_abs_logit_diff": ...}.
  (default)      times `--iters` forwards of a [--batch, --seq] batch after `--warmup` forwards
                 under torch.no_grad() and prints one JSON object with tokens_per_s.

Run with Debian's interpreter (/usr/bin/python3, package python3-torch) and OpenBLAS installed
(libopenblas0-pthread); see scripts/bench-setup.sh.
"""

import argparse
import json
import math
import os
import struct
import sys
import time

import torch
import torch.nn.functional as F

SCHEMA_VERSION = 1


# --------------------------------------------------------------------------------------------
# llama2.c architecture


class Llama:
    """A llama2.c checkpoint (version-0 export) evaluated with eager torch ops."""

    def __init__(self, path):
        with open(path, "rb") as f:
            raw = f.read()
        dim, hidden, n_layers, n_heads, n_kv_heads, vocab, seq_len = struct.unpack("<7i", raw[:28])
        self.shared = vocab > 0
        vocab = abs(vocab)
        self.dim, self.hidden, self.n_layers = dim, hidden, n_layers
        self.n_heads, self.n_kv_heads, self.vocab, self.seq_len = n_heads, n_kv_heads, vocab, seq_len
        self.head = dim // n_heads
        floats = torch.frombuffer(bytearray(raw[28:]), dtype=torch.float32)
        pos = 0

        def take(*shape):
            nonlocal pos
            n = math.prod(shape)
            t = floats[pos:pos + n].view(*shape).clone()
            pos += n
            return t

        kv = n_kv_heads * self.head
        self.embed = take(vocab, dim)                       # [V, D]
        self.rms_att = take(n_layers, dim)                  # [L, D]
        self.wq = take(n_layers, dim, dim)                  # [L, D_out, D_in]
        self.wk = take(n_layers, kv, dim)
        self.wv = take(n_layers, kv, dim)
        self.wo = take(n_layers, dim, dim)
        self.rms_ffn = take(n_layers, dim)
        self.w1 = take(n_layers, hidden, dim)
        self.w2 = take(n_layers, dim, hidden)
        self.w3 = take(n_layers, hidden, dim)
        self.rms_final = take(dim)
        pos += seq_len * self.head                          # legacy freq_cis_real/imag tables (unused)
        self.wcls = self.embed if self.shared else take(vocab, dim)
        if pos != floats.numel():
            raise ValueError(f"{path}: {floats.numel() - pos} unexpected trailing floats")
        self.eps = 1e-5
        # RoPE tables as run.c: freq = 1/10000^(2i/E), angle = pos*freq, in float32
        i = torch.arange(0, self.head, 2, dtype=torch.float32)
        freq = 1.0 / torch.pow(torch.tensor(10000.0), i / self.head)
        angle = torch.arange(seq_len, dtype=torch.float32)[:, None] * freq[None, :]  # [ctx, E/2]
        self.cos, self.sin = torch.cos(angle), torch.sin(angle)
        self.mask = torch.full((seq_len, seq_len), float("-inf")).triu(1)          # [ctx, ctx]

    def rmsnorm(self, x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * w

    def rope(self, x, cos, sin):
        # x [B, T, N, E] with interleaved (even, odd) pairs
        b, t, n, e = x.shape
        p = x.view(b, t, n, e // 2, 2)
        x0, x1 = p[..., 0], p[..., 1]
        c, s = cos[None, :, None, :], sin[None, :, None, :]
        return torch.stack((x0 * c - x1 * s, x0 * s + x1 * c), dim=-1).view(b, t, n, e)

    @property
    def vocab_size(self):
        return self.vocab

    def forward(self, tokens, resid_pre_hooks=None, stop_at=None):
        """Logits [B, T, V]. resid_pre_hooks: {layer: fn(x [B, T, D]) -> [B, T, D]} applied to
        blocks.<layer>.hook_resid_pre (TransformerLens' hook points); stop_at: a layer whose
        hook_resid_pre ends the pass (returns None after its hook ran), as isaerft's stopAt."""
        hooks = resid_pre_hooks or {}
        b, t = tokens.shape
        h, k, e = self.n_heads, self.n_kv_heads, self.head
        cos, sin = self.cos[:t], self.sin[:t]
        mask = self.mask[:t, :t]
        x = F.embedding(tokens, self.embed)                                       # [B, T, D]
        for l in range(self.n_layers):
            if l in hooks:
                x = hooks[l](x)                                                   # [B, T, D]
            if l == stop_at:
                return None
            n1 = self.rmsnorm(x, self.rms_att[l])                                 # [B, T, D]
            q = self.rope(F.linear(n1, self.wq[l]).view(b, t, h, e), cos, sin)    # [B, T, H, E]
            kk = self.rope(F.linear(n1, self.wk[l]).view(b, t, k, e), cos, sin)   # [B, T, K, E]
            v = F.linear(n1, self.wv[l]).view(b, t, k, e)                         # [B, T, K, E]
            kk = kk.repeat_interleave(h // k, dim=2)                              # [B, T, H, E]
            v = v.repeat_interleave(h // k, dim=2)                                # [B, T, H, E]
            q, kk, v = q.transpose(1, 2), kk.transpose(1, 2), v.transpose(1, 2)  # [B, H, T, E]
            att = (q @ kk.transpose(-2, -1)) / math.sqrt(e) + mask                # [B, H, T, T]
            att = torch.softmax(att, dim=-1)
            z = (att @ v).transpose(1, 2).reshape(b, t, h * e)                    # [B, T, D]
            x = x + F.linear(z, self.wo[l])
            n2 = self.rmsnorm(x, self.rms_ffn[l])
            x = x + F.linear(F.silu(F.linear(n2, self.w1[l])) * F.linear(n2, self.w3[l]), self.w2[l])
        return F.linear(self.rmsnorm(x, self.rms_final), self.wcls)              # [B, T, V]


# --------------------------------------------------------------------------------------------
# GPT-2


class Gpt2:
    """GPT-2 with random weights of the given shape (nn.Linear [out, in] layout)."""

    def __init__(self, n_layer=12, d=768, n_head=12, vocab=50257, n_ctx=1024, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.n_layer, self.d, self.n_head, self.vocab_size, self.n_ctx = n_layer, d, n_head, vocab, n_ctx
        proj_std = 0.02 / math.sqrt(2 * n_layer)

        def normal(*shape, std=0.02):
            return torch.randn(*shape, generator=g) * std

        self.wte = normal(vocab, d)                                              # [V, C]
        self.wpe = normal(n_ctx, d)                                              # [P, C]
        self.blocks = []
        for _ in range(n_layer):
            self.blocks.append(dict(
                ln1_w=torch.ones(d), ln1_b=torch.zeros(d),
                qkv_w=normal(3 * d, d), qkv_b=torch.zeros(3 * d),
                proj_w=normal(d, d, std=proj_std), proj_b=torch.zeros(d),
                ln2_w=torch.ones(d), ln2_b=torch.zeros(d),
                fc_w=normal(4 * d, d), fc_b=torch.zeros(4 * d),
                out_w=normal(d, 4 * d, std=proj_std), out_b=torch.zeros(d)))
        self.lnf_w, self.lnf_b = torch.ones(d), torch.zeros(d)
        self.mask = torch.full((n_ctx, n_ctx), float("-inf")).triu(1)            # [P, P]

    def forward(self, tokens, resid_pre_hooks=None, stop_at=None):
        """Logits [B, T, V]. resid_pre_hooks: {layer: fn(x [B, T, D]) -> [B, T, D]} applied to
        blocks.<layer>.hook_resid_pre (TransformerLens' hook points); stop_at: a layer whose
        hook_resid_pre ends the pass (returns None after its hook ran), as isaerft's stopAt."""
        hooks = resid_pre_hooks or {}
        b, t = tokens.shape
        c, h = self.d, self.n_head
        dh = c // h
        x = F.embedding(tokens, self.wte) + self.wpe[:t]                         # [B, T, C]
        mask = self.mask[:t, :t]
        for w in self.blocks:
            a = F.layer_norm(x, (c,), w["ln1_w"], w["ln1_b"], 1e-5)
            q, k, v = F.linear(a, w["qkv_w"], w["qkv_b"]).split(c, dim=2)        # 3 × [B, T, C]
            q = q.view(b, t, h, dh).transpose(1, 2)                              # [B, H, T, Dh]
            k = k.view(b, t, h, dh).transpose(1, 2)
            v = v.view(b, t, h, dh).transpose(1, 2)
            att = torch.softmax((q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(dh)) + mask, dim=-1)  # [B, H, T, T]
            z = (att @ v).transpose(1, 2).reshape(b, t, c)                       # [B, T, C]
            x = x + F.linear(z, w["proj_w"], w["proj_b"])
            m = F.layer_norm(x, (c,), w["ln2_w"], w["ln2_b"], 1e-5)
            m = F.gelu(F.linear(m, w["fc_w"], w["fc_b"]), approximate="tanh")    # [B, T, 4C]
            x = x + F.linear(m, w["out_w"], w["out_b"])
        x = F.layer_norm(x, (c,), self.lnf_w, self.lnf_b, 1e-5)
        return F.linear(x, self.wte)                                             # [B, T, V]


# --------------------------------------------------------------------------------------------


def read_safetensors(path):
    """name -> tensor for F32/I32/I64 tensors of a safetensors file."""
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
        start, end = info["data_offsets"]
        buf = bytearray(raw[base + start:base + end])
        out[name] = torch.frombuffer(buf, dtype=dtypes[info["dtype"]]).view(*info["shape"])
    return out


def blas_name():
    cfg = torch.__config__.show()
    for line in cfg.splitlines():
        if "BLAS_INFO" in line:
            return line.split("=", 1)[1].strip()
    return "unknown"


def openblas_loaded():
    try:
        with open(f"/proc/{os.getpid()}/maps") as f:
            return any("openblas" in line for line in f)
    except OSError:
        return False


def build(args):
    if args.model == "stories260K":
        return Llama(args.checkpoint)
    if args.model == "gpt2-small-random":
        return Gpt2(seed=args.seed)
    raise SystemExit(f"unknown --model {args.model!r}: expected stories260K or gpt2-small-random")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="stories260K or gpt2-small-random")
    p.add_argument("--checkpoint", default="../shared/models/stories260K/stories260K.bin")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--seq", type=int, default=256)
    p.add_argument("--iters", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--check", metavar="FILE", help="compare logits with an `isaerft bench forward --dump-logits` file")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)
    model = build(args)

    if args.check:
        data = read_safetensors(args.check)
        tokens, expected = data["tokens"].long(), data["logits"]
        logits = model.forward(tokens)
        if logits.shape != expected.shape:
            raise SystemExit(f"{args.check}: logits shape {tuple(expected.shape)} but the reference gives {tuple(logits.shape)}")
        diff = (logits - expected).abs().max().item()
        print(json.dumps({"schema_version": SCHEMA_VERSION, "model": args.model, "tokens_shape": list(tokens.shape),
                          "max_abs_logit_diff": diff, "max_abs_logit": expected.abs().max().item()}))
        return

    g = torch.Generator().manual_seed(args.seed)
    tokens = torch.randint(0, model.vocab_size, (args.batch, args.seq), generator=g)
    for _ in range(args.warmup):
        model.forward(tokens)
    times = []
    for _ in range(args.iters):
        t0 = time.perf_counter()
        model.forward(tokens)
        times.append(time.perf_counter() - t0)
    total = sum(times)
    print(json.dumps({
        "schema_version": SCHEMA_VERSION,
        "implementation": "reference",
        "model": args.model,
        "batch": args.batch,
        "seq": args.seq,
        "warmup": args.warmup,
        "iters": args.iters,
        "threads": torch.get_num_threads(),
        "seconds": total,
        "iter_seconds": times,
        "tokens_per_s": args.batch * args.seq * args.iters / total,
        "reference": f"PyTorch {torch.__version__.split('+')[0]} eager, "
                     f"{'OpenBLAS' if openblas_loaded() else blas_name()}, {torch.get_num_threads()} threads",
        "python": sys.version.split()[0],
    }))


if __name__ == "__main__":
    main()
