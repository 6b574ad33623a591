#!/usr/bin/env bash
# crash.sh KILLS: crash consistency. The daemon is killed with SIGKILL KILLS times at random
# moments while it retags (action batches of 24 branches with bulk_retag = auto, and single
# PUTs), and started again after each kill. Only 127.0.0.1.
#
# The world: 24 branches B_ lose 60 % to London together for 10 s of every 24 (so each
# reconcile's decisions are one bulk retag: action batches of at most 20), four P_ branches
# each on their own rhythm (single GET + PUT), a held, an invalid and an unmanaged network.
# A reconcile every 2 s; 1-s samples, 6-s windows. Each round: start, wait for /readyz, then
# kill -9 either at a random moment 0..3 s later (odd rounds) or while a write is in flight
# (even rounds: fakedash answers the next PUT or action batch 0.2..1.5 s late, and the kill
# lands at a random point of that delay).
# After each restart (checked at once): every network in fakedash is valid (one primary and
# one backup, one up, one down) or untouched. At the end (scripts/soak_check.py over the
# whole run): fakedash never received an invalid tag list; every retag line matches a write;
# no failback without a clean window after the failover's write (the change log is all a
# restarted daemon knows of it); no secret in the log. Prints the kills, how many landed
# within a second after a write, and the retags.
#
# Uses the build in $TF_BINARY_DIR (default build/release) unless ctest sets TF_BIN,
# FAKEDASH_BIN and TF_SOURCE_DIR. H_KEEP=1 keeps the files. CRASH_SEED fixes the timing.
set -euo pipefail

kills=${1:?usage: crash.sh KILLS}
src=$(cd "$(dirname "$0")/.." && pwd)
export TF_SOURCE_DIR=${TF_SOURCE_DIR:-$src}
bin=${TF_BINARY_DIR:-$src/build/release}
export TF_BIN=${TF_BIN:-$bin/src/tagfailover}
export FAKEDASH_BIN=${FAKEDASH_BIN:-$bin/tests/fakedash/fakedash}
# shellcheck source=../tests/harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"
RANDOM=${CRASH_SEED:-$$}

cat >"$H_TMP/world.json" <<'EOF'
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
   "generate": [{"count": 24, "prefix": "B_", "tags": ["retail", "london_primary_up", "paris_backup_down", "east"]},
                {"count": 4, "prefix": "P_", "tags": ["london_primary_up", "paris_backup_down"]}]}],
 "loss": []}
EOF
h_start_fakedash "$H_TMP/world.json"
ctl() { curl -s --max-time 30 "$H_FAKE/_control/$1"; }
ctl networks >"$H_TMP/initial.json"
printf '%s\n%s\n' "$H_API_KEY" "$H_SECRET" >"$H_TMP/secrets"
echo '{"clean": 6, "detect": 6, "threshold": 30, "failback_max": 0}' >"$H_TMP/rules.json"
H_FAILOVER_EXTRA=$'reconcile_interval_s = 2\nbulk_retag = auto\nconfirm_window_s = 10'
conf() {
  h_write_config "$H_TMP/tf.conf" "organization_ids = 1001" "requests_per_second = 10" \
    "requests_burst = 40" "timeout_s = 3"
}

# The loss, driven by the clock for the whole run (not by the rounds).
(
  t0=$(date +%s)
  declare -A state
  while :; do
    t=$(($(date +%s) - t0))
    want=0
    [ $((t % 24)) -lt 10 ] && want=60
    if [ "${state[B]:-x}" != "$want" ]; then
      state[B]=$want
      curl -s -o /dev/null -X POST "$H_FAKE/_control/loss" \
        -d "{\"uplink\":\"wan1\",\"ip\":\"203.0.113.10\",\"lossPercent\":$want}"
    fi
    for i in 0 1 2 3; do
      w=0
      [ $(((t + 4 * i) % 17)) -lt 5 ] && w=70
      if [ "${state[P$i]:-x}" != "$w" ]; then
        state[P$i]=$w
        curl -s -o /dev/null -X POST "$H_FAKE/_control/loss" \
          -d "{\"networkId\":\"P_$i\",\"uplink\":\"wan1\",\"ip\":\"203.0.113.10\",\"lossPercent\":$w}"
      fi
    done
    sleep 0.2
  done
) &
H_PIDS+=("$!")

valid_now() { # every network valid or as it began, right now
  ctl networks >"$H_TMP/now.json"
  python3 - "$H_TMP/initial.json" "$H_TMP/now.json" <<'PY'
import json, sys
sys.path.insert(0, __import__("os").environ["TF_SOURCE_DIR"] + "/scripts")
from soak_check import pair_state
initial = {n["id"]: n["tags"] for n in json.load(open(sys.argv[1]))}
bad = [n["id"] + " " + str(n["tags"]) for n in json.load(open(sys.argv[2]))
       if n["tags"] != initial.get(n["id"]) and pair_state(n["tags"])[0] not in ("normal", "failed_over")]
print("; ".join(bad[:3]), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

: >"$H_TMP/kills"
not_ready=0
in_write=0
for round in $(seq 1 "$kills"); do
  if [ "$round" -eq 1 ]; then
    # The first start picks free ports (others again if a parallel test took one); the
    # restarts keep them.
    ok=0
    h_serve conf "$H_TMP/tf.conf" || ok=1
  else
    h_start_daemon "$H_TMP/tf.conf"
    ok=0
    h_wait_ready || ok=1
  fi
  if [ "$ok" -ne 0 ]; then
    not_ready=$((not_ready + 1))
    echo "crash: round $round: not ready in 15 s" >&2
  fi
  check "round $round: every network valid after the restart" valid_now
  if [ $((round % 2)) -eq 0 ]; then
    # In a write: the next PUT or action batch is answered late; kill while it is in flight.
    delay=$((200 + RANDOM % 1300))
    curl -s -o /dev/null -X POST "$H_FAKE/_control/fault" \
      -d "{\"kind\":\"delay\",\"delay_ms\":$delay,\"method\":\"PUT\",\"path_prefix\":\"/api/v1/networks/\"}"
    curl -s -o /dev/null -X POST "$H_FAKE/_control/fault" \
      -d "{\"kind\":\"delay\",\"delay_ms\":$delay,\"method\":\"POST\",\"path_prefix\":\"/api/v1/organizations/1001/actionBatches\"}"
    for _ in $(seq 1 300); do # up to 15 s for the next write
      [ "$(ctl fault | grep -o '"delay"' | wc -l)" -lt 2 ] && break
      sleep 0.05
    done
    sleep "0.$(printf '%03d' $((RANDOM % delay)))"
    in_write=$((in_write + 1))
  else
    sleep "$((RANDOM % 3)).$((RANDOM % 10))" # anywhere: a look, a GET, a write, a line
  fi
  date +%s.%N >>"$H_TMP/kills"
  kill -9 "$H_TF_PID" 2>/dev/null || true
  wait "$H_TF_PID" 2>/dev/null || true
  H_TF_PID=""
  curl -s -o /dev/null -X DELETE "$H_FAKE/_control/fault"
done
echo "crash: $in_write kills aimed at a write in flight" >&2
check "every restart became ready ($not_ready did not)" test "$not_ready" -eq 0
# One more start, left to settle, so the last round's decisions are made and checked too.
h_start_daemon "$H_TMP/tf.conf"
check "the last restart is ready" h_wait_ready
sleep 3
check "every network valid at the end" valid_now
ctl log >"$H_TMP/fake_log.json"
ctl loss >"$H_TMP/loss.json"
ctl networks >"$H_TMP/networks.json"
kill -TERM "$H_TF_PID" && wait "$H_TF_PID" 2>/dev/null || true
H_TF_PID=""
check "crash checks" python3 "$TF_SOURCE_DIR/scripts/soak_check.py" "$H_TMP" --allow-unlogged
crash_figures() {
  python3 - "$H_TMP" <<'PY'
import json, sys
sys.path.insert(0, __import__("os").environ["TF_SOURCE_DIR"] + "/scripts")
from soak_check import writes_of
d = sys.argv[1]
log = json.load(open(d + "/fake_log.json"))
kills = [float(x) for x in open(d + "/kills").read().split()]
w = sorted(x["t"] for x in writes_of(log))
batches = sum(1 for e in log if e["path"].endswith("/actionBatches") and e["status"] == 201)
puts = sum(1 for e in log if e["method"] == "PUT" and e["status"] == 200)
near = sum(1 for k in kills if any(k - 1.0 <= t <= k for t in w))
print("crash: %d kills, %d of them within 1 s after a tag write; %d tag writes "
      "(%d action batches, %d PUTs)" % (len(kills), near, len(w), batches, puts), file=sys.stderr)
sys.exit(0 if batches and puts else 1)  # both paths were exercised
PY
}
check "retags happened, in action batches and single PUTs" crash_figures
h_summary
