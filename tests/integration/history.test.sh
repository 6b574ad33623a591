#!/usr/bin/env bash
# `history` reads the tag changes of managed networks from the Dashboard's change log: ours
# (the API key's admin, "via API") and a person's, newest first, cut off by --since, filtered
# by NETWORK_ID; other networks' and non-tag changes are left out.
#
# The log holds: Jane Operator put the hold tag on L_100 2 h ago and failed it over by hand
# 3 days ago; someone tagged the unmanaged L_500 1 h ago; a rename of L_100 (no tags) 30 min
# ago; and now this daemon's manual failover and failback of L_200.
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
change() { curl -s -o /dev/null -w '%{http_code}' -X POST "$H_FAKE/_control/change" -d "$1"; }

N='"retail","london_primary_up","paris_backup_down","north"'
check "a person's hold tag, 2 h ago" test "$(change "{\"networkId\":\"L_100\",\"adminName\":\"Jane Operator\",\"ts\":-7200,\"oldTags\":[$N],\"newTags\":[$N,\"tagfailover_hold\"]}")" = 200
check "a person's failover, 3 days ago" test "$(change '{"networkId":"L_100","adminName":"Jane Operator","ts":-259200,"newTags":["retail","london_primary_down","paris_backup_up","north"]}')" = 200
check "an unmanaged network's tags, 1 h ago" test "$(change '{"networkId":"L_500","ts":-3600,"newTags":["office","vip"]}')" = 200
check "a rename of L_100, 30 min ago" test "$(change '{"networkId":"L_100","ts":-1800,"oldValue":"{\"name\":\"Leeds\"}","newValue":"{\"name\":\"Branch 1 Leeds\"}"}')" = 200
check "our failover of L_200" tf failover L_200 --no-hold >/dev/null 2>&1
check "our failback of L_200" tf failback L_200 >/dev/null 2>&1

tf history >"$H_TMP/all.txt" 2>"$H_TMP/all.err"
tf history --json >"$H_TMP/all.json"
check "history shows three changes, newest first" \
  test "$(jq -c '[.changes[] | .kind + " " + .network_id]' "$H_TMP/all.json")" = '["failback L_200","failover L_200","tags L_100"]'
check "the person is named with the address the log gives" \
  test "$(jq -r '.changes[2].by' "$H_TMP/all.json")" = 'Jane Operator <jane.operator@example.com>'
check "our changes are the API key's" test "$(jq -r '.changes[0].via_api' "$H_TMP/all.json")" = true
check "the text says who" grep -q '^    by Jane Operator <jane.operator@example.com>' "$H_TMP/all.txt"
check "the text says it was via the API" grep -q '^    by API Admin <api-admin@example.com> via API$' "$H_TMP/all.txt"
check "the text says what a tag change changed" grep -q '^    change: +tagfailover_hold$' "$H_TMP/all.txt"
check "the text shows the tags before and after" grep -q '^    after:  paris_backup_up warehouse london_primary_down$' "$H_TMP/all.txt"
check "the first block is the newest (the failback)" grep -Eq '^[0-9T:Z-]+  failback  L_200 \(Branch 2 York\), organization 1001$' <(grep -m1 '^[0-9]' "$H_TMP/all.txt")
check "the unmanaged network is left out" bash -c "! grep -q L_500 '$H_TMP/all.txt'"
check "the default span is 24h" grep -q '^tag changes of managed networks in the last 24h' "$H_TMP/all.txt"

tf history --since 1h --json >"$H_TMP/1h.json"
check "--since 1h cuts off the hold tag" \
  test "$(jq -c '[.changes[] | .kind + " " + .network_id]' "$H_TMP/1h.json")" = '["failback L_200","failover L_200"]'
tf history --since 4d --json >"$H_TMP/4d.json"
check "--since 4d reaches the person's failover" \
  test "$(jq -c '[.changes[] | select(.network_id == "L_100") | .kind]' "$H_TMP/4d.json")" = '["tags","failover"]'
tf history --since 345600 L_100 --json >"$H_TMP/l100.json"
check "NETWORK_ID keeps only that network's (seconds work too)" \
  test "$(jq -c '[.changes[] | .network_id] | unique' "$H_TMP/l100.json")" = '["L_100"]'
check "and says the filter" test "$(jq -r .network_id "$H_TMP/l100.json")" = L_100

set +e
tf history --since 5x >/dev/null 2>"$H_TMP/bad.err"
rc_bad=$?
tf history --since 0 >/dev/null 2>/dev/null
rc_zero=$?
tf history 'L/1' >/dev/null 2>/dev/null
rc_id=$?
set -e
check "a bad duration is exit 2 (got $rc_bad)" test "$rc_bad" -eq 2
check "with a clear message" grep -q "^tagfailover: --since '5x': a DURATION is" "$H_TMP/bad.err"
check "a zero duration is exit 2 (got $rc_zero)" test "$rc_zero" -eq 2
check "a NETWORK_ID of the wrong shape is exit 2 (got $rc_id)" test "$rc_id" -eq 2
h_summary
