#!/usr/bin/env bash
# Installs what tfbind needs on a fresh Debian 12 machine, idempotently: a second run does no work.
#
#   scripts/setup.sh          libtorch for building and running the pipeline (.libtorch/)
#   scripts/setup.sh --test   also the Python oracles used by the tests (.venv/) and test-only apt packages
#
# libtorch comes from the PyTorch wheel on PyPI, installed without its dependency set: tch 0.26.0 needs
# exactly torch 2.13.0, and even libtorch_cpu.so links libcudart/libcupti, which two small NVIDIA wheels
# supply (torch's own RPATH finds them). The full dependency set (2.75 GB) is only needed to `import torch`,
# which only the oracle tests do.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

TORCH_VERSION=2.13.0
want_test=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done

log() { printf '[setup] %s\n' "$*" >&2; }

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt: installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- libtorch -----------------------------------------------------------------------------------
if [ "$(cat .libtorch/torch/build-version 2>/dev/null)" != "$TORCH_VERSION" ]; then
  log "libtorch: installing torch==$TORCH_VERSION (lean, no dependencies) into .libtorch/"
  rm -rf .libtorch.partial
  python3 -m pip install --quiet --disable-pip-version-check --no-deps --target .libtorch.partial \
    "torch==$TORCH_VERSION" nvidia-cuda-runtime==13.0.96 nvidia-cuda-cupti==13.0.85
  # torch-sys checks this file to confirm the libtorch version it links against.
  echo "$TORCH_VERSION" > .libtorch.partial/torch/build-version
  rm -rf .libtorch
  mv .libtorch.partial .libtorch
fi

# --- test oracles -------------------------------------------------------------------------------
if [ "$want_test" -eq 1 ]; then
  apt_install chromium slurmctld slurmd slurm-client munge bcftools tabix
  stamp=.venv/.tfbind-oracles-$TORCH_VERSION-v3
  if [ ! -f "$stamp" ]; then
    log "python: creating .venv with the oracle packages (torch, scikit-learn, safetensors, memelite, pysam, pyBigWig, tangermeme) and matplotlib (scripts/plot-tracks.py)"
    [ -x .venv/bin/python ] || python3 -m venv .venv
    .venv/bin/python -m pip install --quiet --disable-pip-version-check \
      "torch==$TORCH_VERSION" numpy scikit-learn safetensors memelite==0.5.0 pysam pyBigWig tangermeme==1.6.0 modisco-lite \
      matplotlib
    touch "$stamp"
  fi
fi
log "ready"
