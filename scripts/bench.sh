#!/usr/bin/env bash
# The bench suite (docs/performance.md says what each number means): installs what is missing
# (with the optional peers: GEOS), builds the release preset and runs every bench three times, each against its peer in the same
# run. Results: build/bench/<name>.txt (console, with the ratios) and <name>.json.
#   scripts/bench.sh                 all four: geo, timer, calendar, engine
#   scripts/bench.sh geo timer       a selection
#   BENCH_ARGS=--benchmark_filter=county scripts/bench.sh geo
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --bench
cmake --preset release >/dev/null
cmake --build --preset release --target whistle_bench_geo whistle_bench_timer whistle_bench_calendar whistle_bench_engine
mkdir -p build/bench
for name in "${@:-geo timer calendar engine}"; do
  for one in $name; do
    echo "=== bench: $one ==="
    # Repetitions randomly interleaved: a peer's (or the 1-thread run's) repetitions alternate
    # with whistle's, so a slow phase of this VM falls on both sides of a ratio.
    # shellcheck disable=SC2086
    build/release/bench/whistle_bench_"$one" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
      --benchmark_enable_random_interleaving=true \
      --benchmark_out=build/bench/"$one".json --benchmark_out_format=json ${BENCH_ARGS:-} | tee build/bench/"$one".txt
  done
done
