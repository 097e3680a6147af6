#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test whistle; with --bench, also
# the bench suite's optional peers (GEOS).
# Idempotent: packages already present are skipped, apt runs only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libboost-dev libtbb-dev libflatbuffers-dev flatbuffers-compiler
  libsimdjson-dev libcli11-dev libfmt-dev
)
for arg in "$@"; do
  case "$arg" in
    --bench) packages+=(libgeos-dev) ;;
    *) echo "install-deps: unknown argument '$arg' (expected --bench)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
