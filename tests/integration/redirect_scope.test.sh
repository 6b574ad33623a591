#!/usr/bin/env bash
# A redirect moves a request to another shard host, never to another resource, and a write's
# answer must name the network written.
#
# fakedash answers the PUT of L_100 with 301, 302, 303 or 307 to /api/v1/networks/L_200 on the
# same host: the daemon must not re-send L_100's tags to L_200 (nor log a failover of L_100
# that never happened). A PUT answered 301 to its own path on the second port is not re-sent
# either (a write after 301/302/303 never is), while 308 to that same path is followed and the
# failover goes through. A PUT answered 200 with L_200's record holding exactly the tags sent
# is an error, not a failover.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json"
h_write_config "$H_TMP/tf.conf" "organization_ids = 1001"
PORT2=$(sed -nE '1s/.* port2 ([0-9]+).*/\1/p' "$H_TMP/fake.out")
L100='["retail","london_primary_up","paris_backup_down","north"]'
L200='["paris_backup_down","warehouse","london_primary_up"]'
L100_OVER='["retail","london_primary_down","paris_backup_up","north"]'

fault() { curl -s -o /dev/null -X POST "$H_FAKE/_control/fault" -d "$1"; }
reset() {
  curl -s -o /dev/null -X POST "$H_FAKE/_control/tags" -d "{\"networkId\":\"L_100\",\"tags\":$L100}"
  curl -s -o /dev/null -X POST "$H_FAKE/_control/tags" -d "{\"networkId\":\"L_200\",\"tags\":$L200}"
  curl -s -o /dev/null -X DELETE "$H_FAKE/_control/fault"
  curl -s -o /dev/null -X DELETE "$H_FAKE/_control/log"
}
# PUTs fakedash received for NETWORK.
puts_to() { curl -s "$H_FAKE/_control/log" | jq "[.[] | select(.method == \"PUT\" and .path == \"/api/v1/networks/$1\")] | length"; }
manual() { "$TF_BIN" -c "$H_TMP/tf.conf" failover L_100 --no-hold >"$H_TMP/out" 2>"$H_TMP/err"; }

for status in 301 302 303 307 308; do
  reset
  fault "{\"kind\":\"answer\",\"status\":$status,\"method\":\"PUT\",\"path_prefix\":\"/api/v1/networks/L_100\",\"headers\":{\"Location\":\"/api/v1/networks/L_200\"}}"
  set +e
  manual
  rc=$?
  set -e
  check "$status to another network: the failover fails (exit $rc)" test "$rc" -eq 1
  check "$status to another network: nothing is sent to L_200" test "$(puts_to L_200)" -eq 0
  check "$status to another network: L_200 keeps its tags" test "$(h_tags L_200)" = "$L200"
  check "$status to another network: L_100 keeps its tags" test "$(h_tags L_100)" = "$L100"
  check "$status to another network: no failover is logged" bash -c "! grep -q '\"event\":\"failover\"' '$H_TMP/err'"
  if [ "$status" -lt 307 ]; then
    why='a write answered 301, 302 or 303 is not re-sent'
  else
    why='redirect to another path or query refused: /api/v1/networks/L_200'
  fi
  check "$status to another network: the refusal is logged" grep -q "$why" "$H_TMP/err"
done

reset
fault "{\"kind\":\"answer\",\"status\":301,\"method\":\"PUT\",\"path_prefix\":\"/api/v1/networks/L_100\",\"headers\":{\"Location\":\"http://127.0.0.1:$PORT2/api/v1/networks/L_100\"}}"
set +e
manual
rc=$?
set -e
check "301 of the PUT to its own path on a shard: not re-sent (exit $rc)" test "$rc" -eq 1
check "301 of the PUT: sent once" test "$(puts_to L_100)" -eq 1
check "301 of the PUT: the refusal is logged" grep -q 'a write answered 301, 302 or 303 is not re-sent' "$H_TMP/err"

reset
fault '{"kind":"redirect308","method":"PUT","path_prefix":"/api/v1/networks/L_100"}'
check "308 of the PUT to its own path on a shard is followed" manual
check "308 of the PUT: L_100 failed over" test "$(h_tags L_100)" = "$L100_OVER"

# The finding as the reconciler meets it: loss on L_100, and the PUT moved to L_200.
reset
h_loss L_100 203.0.113.10 90 -30
fault '{"kind":"answer","status":307,"method":"PUT","path_prefix":"/api/v1/networks/L_100","headers":{"Location":"/api/v1/networks/L_200"}}'
set +e
"$TF_BIN" -c "$H_TMP/tf.conf" reconcile --once >"$H_TMP/out" 2>"$H_TMP/err"
rc=$?
set -e
check "reconcile: the refused retag fails the run (exit $rc)" test "$rc" -eq 1
check "reconcile: L_200 keeps its tags" test "$(h_tags L_200)" = "$L200"
check "reconcile: no failover of L_100 is logged" bash -c "! grep -q '\"event\":\"failover\"' '$H_TMP/err'"
check "reconcile: the failed retag is logged" grep -q '"event":"retag_failed"' "$H_TMP/err"

# The write's answer must name the network written.
reset
answer=$(jq -cn --argjson t "$L100_OVER" '{id: "L_200", tags: $t}')
fault "$(jq -cn --arg b "$answer" '{kind: "answer", method: "PUT", path_prefix: "/api/v1/networks/L_100", body: $b}')"
set +e
manual
rc=$?
set -e
check "a PUT answered with L_200's record is an error (exit $rc)" test "$rc" -eq 1
check "that answer is named in the error" grep -q 'answered the PUT of L_100 with L_200' "$H_TMP/err"
check "no failover is logged for it" bash -c "! grep -q '\"event\":\"failover\"' '$H_TMP/err'"
h_summary
