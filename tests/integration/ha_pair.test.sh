#!/usr/bin/env bash
# An active-active pair: two daemons with one configuration (their own ports) against one
# Dashboard, both alerted. They need no coordination: every write follows a fresh read and
# swaps from what it shows, so both decide the same thing and neither can undo the other.
#
# 1. 10 lossy branches alerted to both: each fails over, with at most 2 writes naming it
#    (one per daemon at worst), and never flaps back while the loss lasts.
# 2. One daemon dies (kill -9): the other handles the next outage alone.
# 3. The loss clears: each branch fails back exactly once.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

cat >"$H_TMP/pair.json" <<'EOF'
{"api_key": "test-api-key", "sample_spacing_s": 1, "data_lag_s": 0,
 "organizations": [{"id": "1001", "name": "Acme",
   "peers": [{"name": "London DC", "publicIp": "203.0.113.10", "privateSubnets": ["10.10.0.0/16"],
              "networkTags": ["london_primary_up"]},
             {"name": "Paris DC", "publicIp": "198.51.100.20", "privateSubnets": ["10.20.0.0/16"],
              "networkTags": ["paris_backup_up"]}],
   "networks": [],
   "generate": [{"count": 10, "prefix": "A_", "tags": ["retail", "london_primary_up", "paris_backup_down"]},
                {"count": 5, "prefix": "B_", "tags": ["retail", "london_primary_up", "paris_backup_down"]}]}],
 "loss": []}
EOF
h_start_fakedash "$H_TMP/pair.json"

ids() { curl -s "$H_FAKE/_control/networks" | python3 -c "
import json, sys
print(' '.join(sorted(n['id'] for n in json.load(sys.stdin) if n['id'].startswith(sys.argv[1]))))" "$1"; }
# writes_per NETWORK: PUTs of it plus action-batch updates naming it, from the fake's log.
writes_per() {
  curl -s "$H_FAKE/_control/log" | python3 -c "
import json, sys
net = sys.argv[1]
n = 0
for e in json.load(sys.stdin):
    if e.get('control') or e['status'] == 0:
        continue
    if e['method'] == 'PUT' and e['path'] == '/api/v1/networks/' + net:
        n += 1
    elif e['method'] == 'POST' and e['path'].endswith('/actionBatches') and e['body']:
        n += sum(1 for a in json.loads(e['body']).get('actions', []) if a.get('resource') == '/networks/' + net)
print(n)" "$1"
}
moved() { h_tags "$1" | grep -q 'london_primary_down'; }
all_moved() { local n; for n in $1; do moved "$n" || return 1; done; }
none_moved() { local n; for n in $1; do moved "$n" && return 1; done; return 0; }
wait_for() { # wait_for SECONDS COMMAND...
  local deadline=$(($(date +%s) + $1))
  shift
  while [ "$(date +%s)" -lt "$deadline" ]; do "$@" && return 0; sleep 0.2; done
  "$@"
}

# Both daemons: the same configuration but for their ports (each takes half the rate budget).
H_FAILOVER_EXTRA=$'reconcile_interval_s = 2\nconfirm_interval_s = 1'
conf_a() { h_write_config "$H_TMP/a.conf" "requests_per_second = 4"; }
check "daemon A ready" h_serve conf_a "$H_TMP/a.conf"
pid_a=$H_TF_PID
port_a=$H_PORT
admin_a=$H_ADMIN
unset H_PORT H_ADMIN
H_TF_PID=""
conf_b() { h_write_config "$H_TMP/b.conf" "requests_per_second = 4"; }
check "daemon B ready" h_serve conf_b "$H_TMP/b.conf"
pid_b=$H_TF_PID
port_b=$H_PORT
H_PIDS+=("$pid_a" "$pid_b")

A=$(ids A_)
B=$(ids B_)
curl -s -o /dev/null -X DELETE "$H_FAKE/_control/log"
# ---- 1. the outage, alerted to both -----------------------------------------------------------
for n in $A; do
  curl -s -o /dev/null -X POST "$H_FAKE/_control/loss" \
    -d "{\"networkId\":\"$n\",\"uplink\":\"wan1\",\"ip\":\"203.0.113.10\",\"lossPercent\":60,\"at\":-2}"
done
for n in $A; do
  H_PORT=$port_a h_post "$(h_alert "ha-$n" 1001 "$n")" >/dev/null
  H_PORT=$port_b h_post "$(h_alert "ha-$n" 1001 "$n")" >/dev/null
done
check "all 10 failed over" wait_for 20 all_moved "$A"
sleep 5 # several reconciles of both daemons with the loss still there
check "none flapped back while the loss lasts" all_moved "$A"
worst=0
for n in $A; do w=$(writes_per "$n"); [ "$w" -gt "$worst" ] && worst=$w; done
check "at most 2 writes per network (worst: $worst)" test "$worst" -le 2 -a "$worst" -ge 1

# ---- 2. one daemon dies; the other handles the next outage ------------------------------------
kill -9 "$pid_a" 2>/dev/null || true
wait "$pid_a" 2>/dev/null || true
for n in $B; do
  curl -s -o /dev/null -X POST "$H_FAKE/_control/loss" \
    -d "{\"networkId\":\"$n\",\"uplink\":\"wan1\",\"ip\":\"203.0.113.10\",\"lossPercent\":60,\"at\":-2}"
  H_PORT=$port_b h_post "$(h_alert "hb-$n" 1001 "$n")" >/dev/null
done
check "B alone failed the next 5 over" wait_for 20 all_moved "$B"

# ---- 3. the loss clears: each fails back once ---------------------------------------------------
# A comes back too (a restart after the kill), so both daemons reconcile again.
"$TF_BIN" -c "$H_TMP/a.conf" serve 2>>"$H_TMP/tf.log" &
pid_a=$!
H_PIDS+=("$pid_a")
curl -s -o /dev/null -X DELETE "$H_FAKE/_control/log"
curl -s -o /dev/null -X POST "$H_FAKE/_control/loss" -d '{"uplink":"wan1","ip":"203.0.113.10","lossPercent":0}'
check "all 15 failed back" wait_for 30 none_moved "$A $B"
sleep 4
check "and stayed back" none_moved "$A $B"
worst=0
for n in $A $B; do w=$(writes_per "$n"); [ "$w" -gt "$worst" ] && worst=$w; done
check "each failed back with at most 2 writes, never re-failed over (worst: $worst)" \
  test "$worst" -le 2 -a "$worst" -ge 1
# A flap is a move back and forth: per network, the retags both daemons logged (in time order)
# must be failovers, then failbacks, never a failover after a failback. (A reconcile may well be
# the one that fails a branch over, when it reads the loss before that branch's alert arrives:
# that is the safety net, not a flap.)
flaps=$(python3 - "$H_TMP/tf.log" <<'PY'
import json, sys
seq = {}
for line in open(sys.argv[1], errors="replace"):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("event") in ("failover", "failback") and not e.get("dry_run"):
        seq.setdefault(e["network_id"], []).append((e["ts"], e["event"]))
bad = []
for net, ev in seq.items():
    kinds = [k for _, k in sorted(ev)]
    if "failover" in kinds[kinds.index("failback"):] if "failback" in kinds else False:
        bad.append(net + ":" + ",".join(kinds))
print(" ".join(bad) if bad else "none")
PY
)
check "no network failed over again after its failback (flaps: $flaps)" test "$flaps" = none
h_summary
