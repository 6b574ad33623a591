#!/usr/bin/env bash
# Installs what is missing, builds a Release tree, an ASan+UBSan tree and a TSan tree, and runs
# every test (ctest) in each. Exits non-zero on any failure. This is the README's test command
# and what CI runs (.ci/run).
#
#   scripts/test.sh                              all three trees
#   TF_BUILD_TYPES="Release Asan" scripts/test.sh    only the listed trees (Release, Asan, Tsan)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

bash scripts/install-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
types=${TF_BUILD_TYPES:-"Release Asan Tsan"}
status=0

for type in $types; do
  dir="build/$(echo "$type" | tr '[:upper:]' '[:lower:]')"
  echo "==> $type: configure and build in $dir"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$type" >/dev/null
  cmake --build "$dir" -j "$jobs"
  echo "==> $type: ctest"
  # In the ASan tree a read of a returned function's stack frame is an error too (a part
  # that kept a pointer to a caller's local once crashed the daemon after a reload).
  asan_options=""
  [ "$type" = Asan ] && asan_options="detect_stack_use_after_return=1:${ASAN_OPTIONS:-}"
  # Most integration tests spend their time waiting (clean windows, reconcile intervals,
  # timeouts), so twice as many run at once as there are cores; TSan's tests use their CPU.
  parallel=$((jobs * 2))
  [ "$type" = Tsan ] && parallel=$((jobs + 1))
  if ! (cd "$dir" && ASAN_OPTIONS="$asan_options" ctest --output-on-failure -j "$parallel" --timeout 300); then
    echo "==> $type: FAILED" >&2
    status=1
  fi
done

if [ "$status" -eq 0 ]; then
  echo "==> all tests passed in: $types"
fi
exit "$status"
