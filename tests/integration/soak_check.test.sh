#!/usr/bin/env bash
# The soak's and the crash test's checker (scripts/soak_check.py) catches what it is there to
# catch: a made-up run that keeps every rule passes, and each of its variants that breaks one
# rule fails, naming that rule. No daemon, no fakedash: the run is written by hand.
#
# The good run: F_0 loses 60 % to London from t0 to t0 + 10; the daemon fails it over by a PUT
# at t0 + 5 and back by a PUT at t0 + 20 (the 6-s clean window was proven at t0 + 16).
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"
CHECK="$TF_SOURCE_DIR/scripts/soak_check.py"

# make DIR VARIANT: the run, with one rule broken by VARIANT (good: none).
make() {
  mkdir -p "$1"
  python3 - "$1" "$2" <<'PY'
import datetime, json, sys
d, variant = sys.argv[1], sys.argv[2]
t0 = 1796500000.0
NORMAL = ["retail", "london_primary_up", "paris_backup_down"]
MOVED = ["retail", "london_primary_down", "paris_backup_up"]
nets = [{"id": "F_0", "tags": NORMAL}, {"id": "I_1", "tags": ["london_primary_up", "paris_backup_up"]}]
json.dump(nets, open(d + "/initial.json", "w"))
json.dump([{"id": "F_0", "tags": NORMAL}, nets[1]], open(d + "/networks.json", "w"))
json.dump([{"networkId": "F_0", "ip": "203.0.113.10", "lossPercent": 60, "from": t0},
           {"networkId": "F_0", "ip": "203.0.113.10", "lossPercent": 0, "from": t0 + 10}],
          open(d + "/loss.json", "w"))
json.dump({"clean": 6, "detect": 6, "threshold": 30, "failback_max": 0}, open(d + "/rules.json", "w"))
open(d + "/secrets", "w").write("test-api-key\nthe-shared-secret\n")
back_at = t0 + 12 if variant == "early_failback" else t0 + 20
fo_at = t0 + 50 if variant == "failover_without_loss" else t0 + 5
if variant == "failover_without_loss":
    back_at = t0 + 60
def put(seq, t, net, tags, status=200):
    return {"seq": seq, "t": t, "port": 1, "method": "PUT", "path": "/api/v1/networks/" + net,
            "query": "", "auth": True, "body": json.dumps({"tags": tags}), "status": status,
            "unknown": False, "control": False, "fault": None}
log = [put(1, fo_at, "F_0", MOVED), put(2, back_at, "F_0", NORMAL)]
if variant == "invalid_list":
    log.append(put(3, t0 + 8, "F_0", ["london_primary_up", "paris_backup_up"], status=200))
if variant == "unlogged_write":
    log.append(put(3, t0 + 30, "F_0", MOVED))
    log.append(put(4, t0 + 31, "F_0", NORMAL))
if variant == "held_written":
    log.append(put(3, t0 + 30, "I_1", ["london_primary_down", "paris_backup_up"]))
json.dump(log, open(d + "/fake_log.json", "w"))
def ts(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
def line(t, ev, before, after):
    return json.dumps({"ts": ts(t), "level": "info", "event": ev, "network_id": "F_0",
                       "tags_before": before, "tags_after": after, "batch_id": None, "dry_run": False})
lines = [line(fo_at + 0.01, "failover", NORMAL, MOVED), line(back_at + 0.01, "failback", MOVED, NORMAL)]
if variant == "line_without_write":
    lines.append(line(t0 + 50, "failover", NORMAL, MOVED))
if variant == "not_a_swap":
    lines[0] = line(fo_at + 0.01, "failover", NORMAL, ["retail", "london_primary_down", "paris_backup_down"])
if variant == "secret_logged":
    lines.append(json.dumps({"ts": ts(t0 + 1), "event": "api_error", "msg": "Bearer test-api-key"}))
if variant == "sanitizer":
    lines.append("==123==ERROR: AddressSanitizer: heap-use-after-free on address 0x1")
open(d + "/tf.log", "w").write("\n".join(lines) + "\n")
PY
}

make "$H_TMP/good" good
check "a run that keeps every rule passes" python3 "$CHECK" "$H_TMP/good"

# fails VARIANT TEXT: the variant's check fails, and the failing line names TEXT.
fails() {
  make "$H_TMP/$1" "$1"
  local rc=0
  python3 "$CHECK" "$H_TMP/$1" >"$H_TMP/$1.out" || rc=$?
  [ "$rc" -eq 1 ] && grep -q "^FAIL .*$2" "$H_TMP/$1.out"
}
check "a failback 2 s after the loss ended fails the decision rules" fails early_failback "decision rules"
check "a failover without loss fails the decision rules" fails failover_without_loss "decision rules"
check "an invalid tag list received fails" fails invalid_list "no invalid tag list"
check "a write to an invalid network fails" fails held_written "no invalid tag list"
check "a retag line without its write fails" fails line_without_write "matches a successful write"
check "a successful write without its line fails" fails unlogged_write "has its retag line"
check "a line that is not a swap fails" fails not_a_swap "exact swap"
check "the API key in a log line fails" fails secret_logged "API key"
check "a sanitizer report fails" fails sanitizer "sanitizer"
h_summary
