#!/usr/bin/env bash
# `status NETWORK_ID` against the fake: one network in detail.
#
# L_100 is normal with 45 % loss to London for the last 3 s: its detect window lists the
# samples, marks those over the 30 % threshold, and says it would fail over and why. L_200 is
# failed over by hand: it says when it moved (read back from the change log) and when its
# failback is due (the move plus clean_window_s and data_lag_s, no loss since). The JSON form
# carries the same. An unmanaged or unknown network is exit 1, an id of the wrong shape exit 2.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json"
jq '.organizations[0].networks += [{"id": "L_500", "name": "Office", "tags": ["office"],
      "uplinks": {"wan1": "active"}}]' \
  "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json" >"$H_TMP/scenario.json"
curl -s -o /dev/null -X POST "$H_FAKE/_control/scenario" --data-binary @"$H_TMP/scenario.json"
h_write_config "$H_TMP/tf.conf" "organization_ids = 1001"
tf() { "$TF_BIN" -c "$H_TMP/tf.conf" "$@"; }
# The fake's series starts when the scenario is loaded: wait (15 s at most) until the detect
# window is covered, so the samples below are the window's whole story.
covered() { [ "$(tf status --json L_100 2>/dev/null | jq -r .network.reason)" = ok ]; }
for _ in $(seq 1 60); do covered && break; sleep 0.25; done

h_loss L_100 203.0.113.10 45 -3
check "status L_100 runs" tf status L_100 >"$H_TMP/l100.txt" 2>"$H_TMP/l100.err"
check "it names the network" grep -q '^network L_100 (Branch 1 Leeds), organization 1001 (Acme)$' "$H_TMP/l100.txt"
check "it would fail over" grep -q '^  would: *failover$' "$H_TMP/l100.txt"
check "and says why, in words" grep -q '^  why: *loss_over_threshold: a sample in the detect window reaches the loss threshold' "$H_TMP/l100.txt"
check "it shows its tags" grep -q '^  tags: *retail london_primary_up paris_backup_down north$' "$H_TMP/l100.txt"
check "and both tracked IPs" grep -q '^  tracked IP: 203.0.113.10 (primary), 198.51.100.20 (backup)$' "$H_TMP/l100.txt"
check "and the considered uplink" grep -q '^  uplinks: *wan1$' "$H_TMP/l100.txt"
check "the lossy samples are marked" test "$(grep -c '45.0%   <-- over the line' "$H_TMP/l100.txt")" -ge 2
check "the clean samples are listed unmarked" grep -Eq '^    [0-9T:Z-]+ +0\.0%$' "$H_TMP/l100.txt"
check "a one-shot look says where confirmations live" grep -q 'see GET /status' "$H_TMP/l100.txt"

tf status --json L_100 >"$H_TMP/l100.json"
check "--json: would failover" test "$(jq -r .network.would "$H_TMP/l100.json")" = failover
check "--json: reason loss_over_threshold" test "$(jq -r .network.reason "$H_TMP/l100.json")" = loss_over_threshold
check "--json: the detect window holds samples over the threshold" \
  test "$(jq '[.windows.detect.primary[0].samples[] | select(.loss_pct >= 30)] | length' "$H_TMP/l100.json")" -ge 2
check "--json: the backup's samples too" test "$(jq -r '.windows.detect.backup[0].ip' "$H_TMP/l100.json")" = 198.51.100.20
check "--json: confirming is null" test "$(jq -r .network.confirming "$H_TMP/l100.json")" = null

check "failover L_200 by hand" tf failover L_200 --no-hold >/dev/null 2>&1
tf status L_200 >"$H_TMP/l200.txt" 2>"$H_TMP/l200.err"
tf status --json L_200 >"$H_TMP/l200.json"
check "L_200 is failed over" grep -q '^  state: *failed_over$' "$H_TMP/l200.txt"
check "it shows the clean window" grep -q '^clean window (decides a failback)' "$H_TMP/l200.txt"
check "it says when it moved" grep -q "^  moved: .*(from the Dashboard's change log)$" "$H_TMP/l200.txt"
check "it says when failback is due" grep -Eq '^  failback: *due at [0-9T:Z-]+ \(in [0-9]+s\) if no new loss arrives$' "$H_TMP/l200.txt"
moved=$(jq -r .network.failed_over_at "$H_TMP/l200.json")
due=$(jq -r .network.failback_due_at "$H_TMP/l200.json")
check "--json: failback_due_at is the move plus the 6-s clean window ($moved -> $due)" \
  test "$(($(date -d "$due" +%s) - $(date -d "$moved" +%s)))" -eq 6

set +e
tf status L_500 >/dev/null 2>"$H_TMP/unmanaged.err"
rc_unmanaged=$?
tf status L_999 >/dev/null 2>"$H_TMP/unknown.err"
rc_unknown=$?
tf status 'L/100' >/dev/null 2>"$H_TMP/shape.err"
rc_shape=$?
set -e
check "an unmanaged network is exit 1 (got $rc_unmanaged)" test "$rc_unmanaged" -eq 1
check "with a clear message" grep -q 'L_500 carries no pair tag' "$H_TMP/unmanaged.err"
check "an unknown network is exit 1 (got $rc_unknown)" test "$rc_unknown" -eq 1
check "with a clear message" grep -q 'L_999: no such network' "$H_TMP/unknown.err"
check "an id of the wrong shape is exit 2 (got $rc_shape)" test "$rc_shape" -eq 2
h_summary
