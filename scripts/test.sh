#!/usr/bin/env bash
# The whole test suite: installs what is missing, then builds and runs ctest in each preset
# (release, then ASan+UBSan, then ThreadSanitizer; WHISTLE_TEST_PRESETS="release asan" to choose).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
for preset in ${WHISTLE_TEST_PRESETS:-release asan tsan}; do
  echo "=== preset: $preset ==="
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  ctest --preset "$preset"
done
