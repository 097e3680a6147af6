#!/usr/bin/env bash
# Runs every fuzz target (the decoders and the timer wheel, or the targets named) for
# FUZZ_SECONDS each (default 60): installs what is missing, builds the fuzz preset (clang,
# libFuzzer, ASan+UBSan, the library instrumented for coverage too) and runs each target on a
# copy of its corpus in build/fuzz-work/<target>, so the inputs it adds stay out of the tree.
# A crash leaves its input in build/fuzz-work/<target>.crashes/ and makes the script exit
# non-zero once all have run.
#   scripts/fuzz.sh                         all ten targets, 60 s each
#   FUZZ_SECONDS=600 scripts/fuzz.sh replay_ops timer_wheel
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz: FUZZ_SECONDS='$seconds' is not a whole number of seconds" >&2
  exit 2
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for dir in fuzz/corpus/*/; do targets+=("$(basename "$dir")"); done
fi
for target in "${targets[@]}"; do
  if [ ! -d "fuzz/corpus/$target" ]; then
    echo "fuzz: no target '$target' (the targets: $(ls fuzz/corpus | tr '\n' ' '))" >&2
    exit 2
  fi
done
scripts/install-deps.sh
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
failed=()
for target in "${targets[@]}"; do
  binary=build/fuzz/fuzz/fuzz_$target
  work=build/fuzz-work/$target
  mkdir -p "$work" "$work.crashes"
  cp -r "fuzz/corpus/$target/." "$work/"
  echo "=== fuzz: $target, ${seconds} s ==="
  if ! "$binary" -max_total_time="$seconds" -rss_limit_mb=4096 -print_final_stats=1 \
      -artifact_prefix="$work.crashes/" "$work" > "$work.log" 2>&1; then
    failed+=("$target")
    tail -n 40 "$work.log"
  fi
  grep -E '^#[0-9]+[[:space:]]+DONE' "$work.log" || true
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: failed: ${failed[*]} (inputs in build/fuzz-work/<target>.crashes/)" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, no failure"
