#!/usr/bin/env bash
# valgrind.sh [unit|e2e|all]: valgrind memcheck over the unit suite and one end-to-end run.
#
# unit: every ctest case labelled unit or fuzz (the seed replays) of $TF_BINARY_DIR (default
#       build/release: no sanitizer, which valgrind cannot run beside) under memcheck.
# e2e:  fakedash and `tagfailover serve` under memcheck (only the daemon is checked): one
#       webhook-triggered failover, then a failback once the loss clears, then SIGTERM.
# Either fails on any memcheck error or any definitely or indirectly lost byte ("possibly
# lost" and "still reachable" are reported, not failed: libcurl's and OpenSSL's global
# caches). Prints one line per program and the totals. Only 127.0.0.1. Slow: run it by hand
# (under `nice -n 19`), not in ctest.
set -euo pipefail

mode=${1:-all}
src=$(cd "$(dirname "$0")/.." && pwd)
bin=${TF_BINARY_DIR:-$src/build/release}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
VG=(valgrind --tool=memcheck --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
  --errors-for-leak-kinds=definite,indirect --track-origins=yes --num-callers=30)
fails=0

# verdict NAME LOG: reads one memcheck log; counts a failure when it has errors or leaks.
verdict() {
  local errs def ind
  errs=$(sed -nE 's/.*ERROR SUMMARY: ([0-9,]+) errors.*/\1/p' "$2" | tr -d , | awk '{s += $1} END {print s + 0}')
  def=$(sed -nE 's/.*definitely lost: ([0-9,]+) bytes.*/\1/p' "$2" | tr -d , | awk '{s += $1} END {print s + 0}')
  ind=$(sed -nE 's/.*indirectly lost: ([0-9,]+) bytes.*/\1/p' "$2" | tr -d , | awk '{s += $1} END {print s + 0}')
  if ! grep -q 'ERROR SUMMARY' "$2"; then
    echo "FAIL $1: no memcheck summary (did it run?)"
    fails=$((fails + 1))
  elif [ "$errs" -ne 0 ] || [ "$def" -ne 0 ] || [ "$ind" -ne 0 ]; then
    echo "FAIL $1: $errs errors, $def bytes definitely and $ind indirectly lost (log below)"
    grep -E '^==[0-9]+== ' "$2" | head -60
    fails=$((fails + 1))
  else
    echo "ok   $1: 0 errors, 0 bytes definitely or indirectly lost ($(sed -nE \
      's/.*(possibly lost: [0-9,]+ bytes|still reachable: [0-9,]+ bytes).*/\1/p' "$2" |
      sort | uniq -c | awk '{$1 = ""; print}' | paste -sd, -))"
  fi
}

if [ "$mode" = unit ] || [ "$mode" = all ]; then
  (cd "$bin" && ctest -L '^(unit|fuzz)$' -N --show-only=json-v1) >"$out/tests.json"
  python3 - "$out/tests.json" >"$out/list" <<'PY'
import json, sys
for t in json.load(open(sys.argv[1]))["tests"]:
    wd = next((p["value"] for p in t.get("properties", []) if p["name"] == "WORKING_DIRECTORY"), ".")
    print(t["name"] + "\t" + wd + "\t" + "\t".join(t["command"]))
PY
  n=0
  while IFS=$'\t' read -r name wd cmd; do
    read -r -a argv <<<"${cmd//$'\t'/ }"
    n=$((n + 1))
    # A child a test forks (death tests) is traced too: one log per process.
    if (cd "$wd" && "${VG[@]}" --trace-children=yes --log-file="$out/$name.%p.vg" "${argv[@]}" \
      >"$out/$name.out" 2>&1); then :; else
      echo "FAIL $name: exit status $? (output: $out/$name.out)"
      tail -20 "$out/$name.out"
      fails=$((fails + 1))
    fi
    cat "$out/$name".*.vg >"$out/$name.vg"
    verdict "$name" "$out/$name.vg"
  done <"$out/list"
  echo "valgrind: $n unit and seed-replay programs"
fi

if [ "$mode" = e2e ] || [ "$mode" = all ]; then
  export TF_SOURCE_DIR=$src FAKEDASH_BIN=${FAKEDASH_BIN:-$bin/tests/fakedash/fakedash}
  real_bin=${TF_BIN:-$bin/src/tagfailover}
  # The harness starts "$TF_BIN": a wrapper that runs the daemon under memcheck.
  cat >"$out/tf-vg" <<EOF
#!/usr/bin/env bash
exec ${VG[*]} --log-file=$out/daemon.vg $real_bin "\$@"
EOF
  chmod +x "$out/tf-vg"
  export TF_BIN=$out/tf-vg
  (
    set -euo pipefail
    # shellcheck source=../tests/harness/harness.sh
    source "$src/tests/harness/harness.sh"
    h_start_fakedash "$src/tests/fakedash/scenarios/compressed.json"
    H_FAILOVER_EXTRA=$'reconcile_interval_s = 5\nconfirm_window_s = 60'
    h_write_config "$H_TMP/tf.conf" "organization_ids = 1001" "timeout_s = 20"
    h_start_daemon "$H_TMP/tf.conf"
    ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$H_ADMIN/readyz")" = 200 ]; }
    for _ in $(seq 1 600); do ready && break; sleep 0.2; done
    check "the daemon under valgrind is ready" ready
    h_loss L_100 203.0.113.10 80 -3
    check "the alert is accepted" test "$(h_post "$(h_alert vg-1 1001 L_100)" --max-time 60)" = 202
    check "L_100 failed over" h_wait_tags L_100 '"london_primary_down".*"paris_backup_up"|"paris_backup_up".*"london_primary_down"' 90
    h_loss L_100 203.0.113.10 0
    check "L_100 failed back once the window was clean" h_wait_tags L_100 '"london_primary_up".*"paris_backup_down"|"paris_backup_down".*"london_primary_up"' 120
    kill -TERM "$H_TF_PID"
    rc=0
    wait "$H_TF_PID" || rc=$?
    H_TF_PID=""
    check "the daemon stopped on SIGTERM with status 0 (got $rc)" test "$rc" -eq 0
    check "the log shows the failover and the failback" \
      bash -c "grep -q '\"event\":\"failover\"' '$H_TMP/tf.log' && grep -q '\"event\":\"failback\"' '$H_TMP/tf.log'"
    h_summary
  ) || fails=$((fails + 1))
  verdict "tagfailover serve (failover + failback)" "$out/daemon.vg"
fi

[ "$fails" -eq 0 ] && echo "valgrind: all clean" || echo "valgrind: $fails failed"
[ "$fails" -eq 0 ]
