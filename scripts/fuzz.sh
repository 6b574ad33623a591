#!/usr/bin/env bash
# fuzz.sh TARGET SECONDS [RUNS]: one libFuzzer session on one target of tests/fuzz.
#
# Builds the libFuzzer binaries with clang when they are missing (in $FUZZ_BUILD, default
# build/fuzz), then runs TARGET_fuzzer under `nice -n 19` with its dictionary and options
# (max_len, timeout from tests/fuzz/fuzz_TARGET.options) for SECONDS seconds, or until RUNS
# executions when RUNS is given (whichever comes first). The committed seeds
# (tests/fuzz/corpus/TARGET) are read, never written: new inputs go to a scratch corpus in
# $FUZZ_WORK/TARGET (default /tmp/tf-fuzz), crashes to $FUZZ_WORK/TARGET-artifacts/.
#
# Prints `fuzz TARGET: N execs in S s (E exec/s), 0 crashes` and exits 0, or names the crash
# file and exits 1. Targets: ls tests/fuzz/fuzz_*.c (alert, tags, config, dashboard_json,
# api_rules, ping, ...).
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 TARGET SECONDS [RUNS]" >&2
  exit 2
fi
target=$1
seconds=$2
runs=${3:--1}
src=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD:-$src/build/fuzz}
work=${FUZZ_WORK:-/tmp/tf-fuzz}
bin=$build/tests/fuzz/${target}_fuzzer
opts=$src/tests/fuzz/fuzz_${target}.options

if [ ! -f "$src/tests/fuzz/fuzz_${target}.c" ]; then
  echo "fuzz: no target '$target' (have: $(cd "$src/tests/fuzz" && ls fuzz_*.c | sed 's/fuzz_//; s/\.c$//' | tr '\n' ' '))" >&2
  exit 2
fi

# Build (or bring up to date) with clang: the libFuzzer binaries only exist in a clang tree.
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=${FUZZ_CC:-clang} nice -n 19 cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Debug >/dev/null
fi
nice -n 19 cmake --build "$build" -j2 --target "${target}_fuzzer" >/dev/null
if [ ! -x "$bin" ]; then
  echo "fuzz: $bin was not built (is $build configured with clang?)" >&2
  exit 2
fi

# The options file's keys, as libFuzzer flags.
opt() { sed -nE "s/^$1 *= *(.*)$/\1/p" "$opts" | tail -1; }
max_len=$(opt max_len)
timeout=$(opt timeout)

mkdir -p "$work/$target" "$work/$target-artifacts"
log=$work/$target.log
set +e
nice -n 19 "$bin" -dict="$build/tests/fuzz/${target}_fuzzer.dict" -max_len="${max_len:-65536}" \
  -timeout="${timeout:-10}" -max_total_time="$seconds" -runs="$runs" -print_final_stats=1 \
  -artifact_prefix="$work/$target-artifacts/" "$work/$target" "$src/tests/fuzz/corpus/$target" \
  >"$log" 2>&1
rc=$?
set -e

execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -1)
took=$(sed -nE 's/.*Done ([0-9]+) runs in ([0-9]+) second.*/\2/p' "$log" | tail -1)
if [ "$rc" -ne 0 ] || grep -qE '^==[0-9]+==ERROR|^SUMMARY: |deadly signal' "$log"; then
  echo "fuzz $target: FAILED (exit $rc) after ${execs:-?} execs; log $log" >&2
  grep -E 'ERROR|SUMMARY|Test unit written|deadly signal' "$log" | head -5 >&2
  exit 1
fi
echo "fuzz $target: ${execs:-?} execs in ${took:-$seconds} s (${rate:-?} exec/s), 0 crashes" \
  "(scratch corpus $work/$target: $(find "$work/$target" -type f | wc -l) inputs)"
