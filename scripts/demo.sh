#!/usr/bin/env bash
# The main job: installs what is missing, builds the release preset, runs `whistle demo`
# (reports in build/demo/report.html and report.json).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target whistle_cli
exec build/release/src/whistle demo --out build/demo "$@"
