#!/usr/bin/env bash
# Logs that explain: why an alert changed nothing is logged at info once per change of reason,
# not at every alert. Alerts for the held L_300 end `skipped` with reason hold_tag: the first at
# info, the second (same reason) only at debug; once L_300's tags turn invalid the next alert's
# line is at info again with the new reason; an alert for L_200, which loses nothing, ends
# `unconfirmed` (reason ok) at info once, and a second one does not repeat it.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json"
H_FAILOVER_EXTRA="confirm_window_s = 2"
conf() { h_write_config "$H_TMP/tf.conf" "organization_ids = 1001"; }
metric() { curl -s "http://127.0.0.1:$H_ADMIN/metrics" | awk -v s="$1" '$1 == s { print $2 }'; }
wait_metric() { # SERIES VALUE SECONDS
  local deadline=$(($(date +%s%N) + $3 * 1000000000))
  while [ "$(date +%s%N)" -lt "$deadline" ]; do
    [ "$(metric "$1")" = "$2" ] && return 0
    sleep 0.05
  done
  return 1
}
# The info lines that end a confirmation of NETWORK (with REASON when given).
lines() { grep '"event":"confirmation"' "$H_TMP/tf.log" | grep '"level":"info"' | grep "\"network_id\":\"$1\"" | grep -c "\"reason\":\"${2:-}" || true; }
SKIPPED='tagfailover_confirmations_total{result="skipped"}'
UNCONFIRMED='tagfailover_confirmations_total{result="unconfirmed"}'

check "ready" h_serve conf "$H_TMP/tf.conf"
check "alert 1 for the held L_300 is accepted" test "$(h_post "$(h_alert r-1 1001 L_300)")" = 202
check "its confirmation is skipped" wait_metric "$SKIPPED" 1 10
check "one info line: skipped, reason hold_tag" test "$(lines L_300 hold_tag)" = 1
check "the line says skipped" grep -q '"result":"skipped","reason":"hold_tag"' "$H_TMP/tf.log"
check "alert 2 for L_300 is accepted" test "$(h_post "$(h_alert r-2 1001 L_300)")" = 202
check "its confirmation is skipped too" wait_metric "$SKIPPED" 2 10
check "the same reason is not logged at info again" test "$(lines L_300)" = 1

curl -s -o /dev/null -X POST "$H_FAKE/_control/tags" \
  -d '{"networkId":"L_300","tags":["london_primary_up","paris_primary_up","paris_backup_down"]}'
check "alert 3, after L_300's tags turned invalid, is accepted" test "$(h_post "$(h_alert r-3 1001 L_300)")" = 202
check "its confirmation is skipped" wait_metric "$SKIPPED" 3 10
check "the new reason is at info: two_primaries" test "$(lines L_300 two_primaries)" = 1
check "two info lines for L_300 in all" test "$(lines L_300)" = 2

check "alert 4 for L_200 (no loss) is accepted" test "$(h_post "$(h_alert r-4 1001 L_200)")" = 202
check "its confirmation ends unconfirmed" wait_metric "$UNCONFIRMED" 1 15
check "one info line: unconfirmed, reason ok" test "$(grep '"network_id":"L_200"' "$H_TMP/tf.log" | grep -c '"level":"info","event":"confirmation".*"result":"unconfirmed","reason":"ok"')" = 1
check "alert 5 for L_200 is accepted" test "$(h_post "$(h_alert r-5 1001 L_200)")" = 202
check "it ends unconfirmed too" wait_metric "$UNCONFIRMED" 2 15
check "the same reason is not logged at info again" test "$(lines L_200)" = 1
check "no sanitizer report in the daemon's log" bash -c "! grep -q 'Sanitizer' '$H_TMP/tf.log'"
h_summary
