#!/usr/bin/env bash
# scripts/bench.sh outage N...: a data center goes down. One organization of N branches (London
# primary, Paris backup) plus a held, an invalid and an unmanaged network; the loss to London
# is visible on every primary (it began 3 s ago), and N alerts (failover_event) arrive within
# about a second, from 4 keep-alive TLS connections. For bulk_retag = auto and then off, on the
# same world reloaded, with Meraki's pacing (requests_per_second 9, burst 5):
#   - the time from the first alert until every branch is retagged (the last write in the fake
#     Dashboard's request log, once every branch's tags are checked exactly swapped);
#   - the write requests (action batches, PUTs) and all API requests meanwhile;
#   - how long sending the alerts took.
# Targets with auto: 100 branches <= 3 s, 1,000 <= 10 s. BENCH_OUTAGE_AUTO_ONLY=1 skips the
# off runs (1,000 branches one by one take about 4 minutes).
#
#   scripts/bench_outage.sh 100 1000          (scripts/bench.sh outage runs these two)
#
# Needs the Release tree (scripts/bench.sh builds it). Uses the integration harness
# (tests/harness/harness.sh) for the daemon's configuration, certificates and processes.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
release="$root/build/release"
export TF_BIN=${TF_BIN:-$release/src/tagfailover}
export FAKEDASH_BIN=${FAKEDASH_BIN:-$release/tests/fakedash/fakedash}
export TF_SOURCE_DIR=$root
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100 1000)
# shellcheck source=../tests/harness/harness.sh
source "$root/tests/harness/harness.sh"

world() { # world N: the scenario
  cat <<EOF
{"api_key": "test-api-key", "sample_spacing_s": 1, "data_lag_s": 0,
 "organizations": [{"id": "1001", "name": "Acme",
   "peers": [{"name": "London DC", "publicIp": "203.0.113.10", "privateSubnets": ["10.10.0.0/16"],
              "networkTags": ["london_primary_up"]},
             {"name": "Paris DC", "publicIp": "198.51.100.20", "privateSubnets": ["10.20.0.0/16"],
              "networkTags": ["paris_backup_up"]}],
   "networks": [
     {"id": "H_1", "name": "Held", "tags": ["london_primary_up", "paris_backup_down", "tagfailover_hold"]},
     {"id": "I_1", "name": "Invalid", "tags": ["london_primary_up", "paris_backup_up"]},
     {"id": "U_1", "name": "Office", "tags": ["office"]}],
   "generate": [{"count": $1, "prefix": "B_", "tags": ["retail", "london_primary_up", "paris_backup_down", "north"]}]}],
 "loss": []}
EOF
}
MOVED='["retail","london_primary_down","paris_backup_up","north"]'

all_moved() { # all_moved N: every branch exactly swapped, every other network as it was
  curl -s "$H_FAKE/_control/networks" | python3 -c "
import json, sys
cur = json.load(sys.stdin)
nets = [n for n in cur if n['id'].startswith('B_')]
want = json.loads(sys.argv[2])
others = {n['id']: n['tags'] for n in cur if not n['id'].startswith('B_')}
saved = {n['id']: n['tags'] for n in json.load(open(sys.argv[3]))}
ok = len(nets) == int(sys.argv[1]) and all(n['tags'] == want for n in nets) and others == saved
sys.exit(0 if ok else 1)" "$1" "$MOVED" "$H_TMP/others.json"
}

# flood_prepare: the curl configurations of the alerts for B_*, split over 4 curl processes
# (one keep-alive connection each); flood_send sends them.
flood_prepare() {
  local ids part
  ids=$(curl -s "$H_FAKE/_control/networks" | python3 -c "
import json, sys
print('\n'.join(sorted(n['id'] for n in json.load(sys.stdin) if n['id'].startswith('B_'))))")
  for part in 0 1 2 3; do
    awk -v part="$part" 'NR % 4 == part' <<<"$ids" | while read -r id; do
      printf 'url = "https://localhost:%s/webhook"\ncacert = "%s"\ndata-binary = "%s"\n' "$H_PORT" \
        "$H_TMP/certs/ca.crt" "$(h_alert "$RUN-$id" 1001 "$id" | sed 's/"/\\"/g')"
      printf 'header = "Content-Type: application/json"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\nnext\n'
    done | sed '$d' >"$H_TMP/flood-$part.curl"
  done
}
flood_send() {
  local part p started=()
  for part in 0 1 2 3; do
    curl -s --max-time 60 -K "$H_TMP/flood-$part.curl" >"$H_TMP/flood-$part.codes" &
    started+=($!)
    H_PIDS+=($!)
  done
  for p in "${started[@]}"; do wait "$p" || true; done
  cat "$H_TMP"/flood-?.codes >"$H_TMP/flood.codes"
}

run() { # run N MODE
  local n=$1 mode=$2 deadline t0 t_sent accepted
  RUN="$mode$n"
  world "$n" >"$H_TMP/world.json"
  curl -s -o /dev/null -X POST "$H_FAKE/_control/scenario" --data-binary @"$H_TMP/world.json"
  curl -s "$H_FAKE/_control/networks" | python3 -c "
import json, sys
print(json.dumps([n for n in json.load(sys.stdin) if not n['id'].startswith('B_')]))" >"$H_TMP/others.json"
  H_FAILOVER_EXTRA=$'reconcile_interval_s = 3600\nconfirm_window_s = 600\nbulk_retag = '"$mode"
  conf() { h_write_config "$H_TMP/$mode.conf" "requests_per_second = 9" "requests_burst = 5"; }
  h_serve conf "$H_TMP/$mode.conf" || { echo "bench: the daemon did not start" >&2; tail -5 "$H_TMP/tf.log" >&2; exit 1; }
  sleep 1 # the start-up reconcile's requests are paid back into the bucket
  curl -s -o /dev/null -X DELETE "$H_FAKE/_control/log"
  curl -s -o /dev/null -X POST "$H_FAKE/_control/loss" -d '{"uplink":"wan1","ip":"203.0.113.10","lossPercent":60,"at":-3}'
  flood_prepare
  t0=$(date +%s.%N)
  flood_send
  t_sent=$(date +%s.%N)
  accepted=$(grep -c '^202$' "$H_TMP/flood.codes" || true)
  deadline=$(($(date +%s) + 60))
  [ "$mode" = off ] && deadline=$((deadline + n / 2))
  while ! all_moved "$n"; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "bench: outage $n $mode: not every branch retagged by the deadline" >&2
      break
    fi
    sleep 0.2
  done
  curl -s "$H_FAKE/_control/log" | python3 -c "
import json, sys
t0, t_sent, n, mode, accepted = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
log = [e for e in json.load(sys.stdin) if not e.get('control')]
writes = [e for e in log if e['method'] in ('PUT', 'POST') and e['status'] != 0 and '/liveTools/' not in e['path']]
batches = sum(1 for e in writes if e['path'].endswith('/actionBatches'))
last = max((e['t'] for e in writes), default=t0)
print('outage %5d  bulk_retag = %-4s  all retagged %6.2f s after the first alert;  %4d writes (%d action batches, %d PUTs), %5d API requests;  alerts sent in %.2f s (%s accepted)'
      % (n, mode, last - t0, len(writes), batches, len(writes) - batches, len(log), t_sent - t0, accepted))
" "$t0" "$t_sent" "$n" "$mode" "$accepted"
  all_moved "$n" || echo "  (NOT all retagged: the figure above is not a completion time)"
  kill "$H_TF_PID" && wait "$H_TF_PID" 2>/dev/null || true
  H_TF_PID=""
}

world 1 >"$H_TMP/world.json"
h_start_fakedash "$H_TMP/world.json"
for n in "${sizes[@]}"; do
  run "$n" auto
  [ -n "${BENCH_OUTAGE_AUTO_ONLY:-}" ] || run "$n" off
done
