#!/usr/bin/env bash
# The whole test suite: installs what is missing, then builds and runs ctest in each preset
# (release, then ASan+UBSan by default; WHISTLE_TEST_PRESETS="release asan tsan" to choose).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
for preset in ${WHISTLE_TEST_PRESETS:-release asan}; do
  echo "=== preset: $preset ==="
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  ctest --preset "$preset"
done
