#!/usr/bin/env bash
# What /status says while things happen, checked against what then happens:
#
# 1. During a confirmation (an alert with no loss) /status shows `confirming` with the alert's
#    id, its start, its looks and the evidence pending; when the window ends unconfirmed it
#    goes back to null.
# 2. After a failover whose loss then clears, `failback_due_at` is the moment the failback then
#    happens, within the reconcile interval (the last value /status showed before it happened).
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

RECONCILE_S=2
h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json"
H_FAILOVER_EXTRA=$"reconcile_interval_s = $RECONCILE_S"$'\nevidence = series\nconfirm_window_s = 6'
conf() { h_write_config "$H_TMP/tf.conf" "organization_ids = 1001"; }
check "daemon ready" h_serve conf "$H_TMP/tf.conf"
STATUS="http://127.0.0.1:$H_ADMIN/status"

# ---- 1. confirming -------------------------------------------------------------------------
sent=$(date +%s)
check "an alert for L_200 (no loss) is accepted" test "$(h_post "$(h_alert due-c1 1001 L_200)")" = 202
check "/status shows the confirmation, then its end" python3 - "$STATUS" "$sent" <<'EOF'
import datetime, json, sys, time, urllib.request
url, sent = sys.argv[1], int(sys.argv[2])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
def net(nid):
    doc = json.load(opener.open(url, timeout=5))
    return next(n for o in doc["organizations"] for n in o["networks"] if n["id"] == nid)
seen, deadline = None, time.monotonic() + 15
while time.monotonic() < deadline:
    c = net("L_200")["confirming"]
    if c is not None:
        seen = seen or c
        if c["looks"] >= 2:
            seen = c
            break
    time.sleep(0.1)
if seen is None:
    sys.exit("no confirming seen")
since = datetime.datetime.strptime(seen["since"], "%Y-%m-%dT%H:%M:%SZ").replace(
    tzinfo=datetime.timezone.utc).timestamp()
print("confirming:", json.dumps(seen), file=sys.stderr)
assert seen["alert_id"] == "due-c1", seen
assert seen["evidence"] == "series", seen
assert seen["looks"] >= 2, seen
assert sent - 1 <= since <= sent + 2, (since, sent)
# The window (6 s) ends unconfirmed: back to null.
deadline = time.monotonic() + 15
while time.monotonic() < deadline:
    if net("L_200")["confirming"] is None:
        sys.exit(0)
    time.sleep(0.1)
sys.exit("confirming never went back to null")
EOF
check "the confirmation ended unconfirmed" grep -q '"event":"confirmation".*"alert_id":"due-c1".*"result":"unconfirmed"' "$H_TMP/tf.log"

# ---- 2. failback_due_at -----------------------------------------------------------------------
h_loss L_100 203.0.113.10 100
check "an alert for L_100 is accepted" test "$(h_post "$(h_alert due-f1 1001 L_100)")" = 202
check "L_100 failed over" h_wait_tags L_100 'london_primary_down' 15
sleep 1 # the loss goes on a moment after the failover, so the last lossy sample decides
h_loss L_100 203.0.113.10 0
check "failback_due_at is when the failback happens (within the reconcile interval)" \
  python3 - "$STATUS" "$H_FAKE" "$RECONCILE_S" <<'EOF'
import datetime, json, sys, time, urllib.request
url, fake, interval = sys.argv[1], sys.argv[2], int(sys.argv[3])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
def get(u):
    return json.load(opener.open(u, timeout=5))
last, last_seen_at, moved_back = None, None, None
deadline = time.monotonic() + 40
while time.monotonic() < deadline:
    tags = next(n["tags"] for n in get(fake + "/_control/networks") if n["id"] == "L_100")
    if "london_primary_up" in tags:
        moved_back = time.time()
        break
    n = next(n for o in get(url)["organizations"] for n in o["networks"] if n["id"] == "L_100")
    if n["failback_due_at"] is not None:
        due = datetime.datetime.strptime(n["failback_due_at"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
        if due != last:
            last, last_seen_at = due, time.time()
    time.sleep(0.05)
if moved_back is None or last is None:
    sys.exit("no failback (%s) or no failback_due_at (%s)" % (moved_back, last))
print("failback_due_at %d, failback at %.2f (%+.2f s), last due shown %.2f s before"
      % (last, moved_back, moved_back - last, moved_back - last_seen_at), file=sys.stderr)
# RFC 3339 seconds: the due moment may read up to 1 s early; the failback waits for the next
# reconcile, plus one sample spacing (the window's first sample must be clean too).
assert last - 1 <= moved_back <= last + interval + 2, (last, moved_back)
assert moved_back - last_seen_at >= 1, "the due time was shown only as the failback happened"
EOF
check "the failback was the reconcile's" grep -q '"event":"failback".*"network_id":"L_100".*"trigger":"reconcile"' "$H_TMP/tf.log"
h_summary
