#!/usr/bin/env bash
# Makes sure the PyTorch-eager reference of the benchmarks can run: Debian's python3-torch and
# OpenBLAS (without libopenblas0-pthread torch falls back to the reference BLAS, ~50x slower).
# Installs them with apt-get when missing (needs root or sudo). Prints the interpreter to use.
set -euo pipefail
PY=/usr/bin/python3
ok() {
  [ -x "$PY" ] && "$PY" -c 'import torch' >/dev/null 2>&1 && ls /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 >/dev/null 2>&1
}
if ! ok; then
  echo "bench-setup: installing python3-torch and libopenblas0-pthread (apt-get) ..." >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-torch libopenblas0-pthread >&2
fi
if ! ok; then
  echo "bench-setup: $PY cannot import torch or OpenBLAS is missing after installation" >&2
  exit 1
fi
# the BLAS alternative must point at OpenBLAS, not the reference BLAS
blas="$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 || true)"
case "$blas" in
  *openblas*) ;;
  *) echo "bench-setup: libblas.so.3 resolves to '$blas', not OpenBLAS; run: update-alternatives --config libblas.so.3-x86_64-linux-gnu" >&2
     exit 1 ;;
esac
echo "$PY"
