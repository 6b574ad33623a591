#!/usr/bin/env bash
# IDs go into API paths, so every ID from outside is 1..64 characters of [A-Za-z0-9_-].
#
# A webhook whose networkId is ".." (it became `GET /api/v1/`) or whose organizationId or
# alertId holds a '/' is answered 400 malformed and makes no API call; a well-formed one is
# still accepted. `failover ..` is a usage error (exit 2) that calls nothing. An organization ID
# of 65 characters in the configuration is a configuration error. A listing that names the
# network ".." has that record left out (never put in a path); the rest is read as usual.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json"
conf() { h_write_config "$H_TMP/tf.conf" "organization_ids = 1001"; }
check "ready" h_serve conf "$H_TMP/tf.conf"

# Requests fakedash got outside the spec (GET /api/v1/ is one), and all of them.
unknown() { curl -s "$H_FAKE/_control/log" | jq '[.[] | select(.unknown)] | length'; }
api_calls() { curl -s "$H_FAKE/_control/log" | jq '[.[] | select(.control | not)] | length'; }
body() { # ORG NETWORK ALERT_ID
  printf '{"version":"0.1","sharedSecret":"%s","organizationId":"%s","networkId":"%s","alertId":"%s","alertTypeId":"failover_event","occurredAt":"2026-01-01T00:00:00.000000Z"}' \
    "$H_SECRET" "$1" "$2" "$3"
}

curl -s -o /dev/null -X DELETE "$H_FAKE/_control/log"
check "networkId .. is malformed (400)" test "$(h_post "$(body 1001 .. a-1)")" = 400
check "networkId with a slash is malformed" test "$(h_post "$(body 1001 L_100/../L_200 a-2)")" = 400
check "organizationId with a slash is malformed" test "$(h_post "$(body 1001/../2002 L_100 a-3)")" = 400
check "an alertId with a slash is malformed" test "$(h_post "$(body 1001 L_100 a/4)")" = 400
check "a networkId of 65 characters is malformed" \
  test "$(h_post "$(body 1001 "L_$(printf 'a%.0s' $(seq 1 63))" a-5)")" = 400
sleep 1.5
check "no request went outside the API" test "$(unknown)" -eq 0
check "a well-formed alert is still accepted" test "$(h_post "$(body 1001 L_100 a-6)")" = 202
check "the refusals are counted as malformed" \
  bash -c "curl -s 'http://127.0.0.1:$H_ADMIN/metrics' | grep -q 'tagfailover_webhooks_total{result=\"malformed\"} 5'"

# The daemon's own calls (the confirmation of a-6) would be counted with the command's.
kill "$H_TF_PID" && wait "$H_TF_PID" || true
H_TF_PID=""
curl -s -o /dev/null -X DELETE "$H_FAKE/_control/log"
set +e
"$TF_BIN" -c "$H_TMP/tf.conf" failover .. >/dev/null 2>"$H_TMP/err"
rc=$?
set -e
check "failover .. is a usage error (exit $rc)" test "$rc" -eq 2
check "the usage error names the rule" grep -q "NETWORK_ID must be 1 to 64 letters, digits, '_' or '-'" "$H_TMP/err"
check "failover .. calls nothing" test "$(api_calls)" -eq 0

sed "s/^organization_ids = 1001$/organization_ids = 1001, $(printf '9%.0s' $(seq 1 65))/" "$H_TMP/tf.conf" >"$H_TMP/long.conf"
set +e
"$TF_BIN" -c "$H_TMP/long.conf" check-config >/dev/null 2>"$H_TMP/err"
rc=$?
set -e
check "an organization ID of 65 characters is a configuration error (exit $rc)" test "$rc" -eq 2

# A listing that names the network ".." (and one whose ID holds a path) beside a real one: those
# two records are left out, never put in a path, and the organization goes on with the rest.
curl -s -o /dev/null -X DELETE "$H_FAKE/_control/log"
curl -s -o /dev/null -X POST "$H_FAKE/_control/fault" \
  -d '{"kind":"answer","path_prefix":"/api/v1/organizations/1001/networks","body":"[{\"id\":\"..\",\"tags\":[\"london_primary_up\",\"paris_backup_down\"]},{\"id\":\"L_1/../../organizations\",\"tags\":[\"london_primary_up\",\"paris_backup_down\"]},{\"id\":\"L_100\",\"name\":\"Branch\",\"tags\":[\"london_primary_up\",\"paris_backup_down\"]}]"}'
set +e
"$TF_BIN" -c "$H_TMP/tf.conf" status --json >"$H_TMP/status.json" 2>"$H_TMP/err"
rc=$?
set -e
check "a listing with the network ID .. is still read (exit $rc: $(head -c 300 "$H_TMP/err"))" test "$rc" -eq 0
check "the real network is there" bash -c "jq -e '[.organizations[].networks[].id] == [\"L_100\"]' '$H_TMP/status.json' >/dev/null"
check "the bad IDs went into no path" test "$(unknown)" -eq 0
check "nor into any request" bash -c "! curl -s '$H_FAKE/_control/log' | jq -r '.[].path' | grep -qE '\\.\\.|/organizations/[^/]*/networks/'"
curl -s -o /dev/null -X DELETE "$H_FAKE/_control/fault"

# An action batch's answer naming a batch ID that breaks the rule: the batch goes unnamed
# (batch_id null in each failover line), the ID is never logged or put in a path.
h_loss L_100 203.0.113.10 90 -30
h_loss L_200 203.0.113.10 90 -30
curl -s -o /dev/null -X POST "$H_FAKE/_control/fault" \
  -d '{"kind":"answer","status":201,"method":"POST","path_prefix":"/api/v1/organizations/1001/actionBatches","body":"{\"id\":\"../../organizations/1001\",\"confirmed\":true,\"synchronous\":true,\"status\":{\"completed\":true,\"failed\":false,\"errors\":[]},\"actions\":[]}"}'
"$TF_BIN" -c "$H_TMP/tf.conf" reconcile --once >/dev/null 2>"$H_TMP/batch.log" || true
check "the batch's two failovers were logged" test "$(grep -c '"event":"failover"' "$H_TMP/batch.log")" -eq 2
check "each with batch_id null" test "$(grep '"event":"failover"' "$H_TMP/batch.log" | grep -c '"batch_id":null')" -eq 2
check "the bad batch ID is in no log line" bash -c "! grep -q 'organizations/1001\"' '$H_TMP/batch.log' && ! grep -q '\.\./\.\.' '$H_TMP/batch.log'"
curl -s -o /dev/null -X DELETE "$H_FAKE/_control/fault"
h_summary
