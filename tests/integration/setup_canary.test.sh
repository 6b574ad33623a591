#!/usr/bin/env bash
# setup --network wires one network only (a canary), and setup --remove unwires and deletes
# every HTTP server the daemon made, the one left behind by a URL change too, and nothing else.
#
# The daemon serves TLS on 127.0.0.1 and the fake delivers Meraki's test alerts to it. Then:
# `setup --network L_100` makes a server for L_100 alone and its test is delivered (printed and
# logged); a bad or unknown --network is refused; `setup` wires the rest; a second run of L_100
# with another URL leaves the old "tagfailover" server behind (Meraki cannot move a server);
# a person's own server on L_100 routes failoverEvent too. `setup --remove --dry-run` changes
# nothing; `setup --remove` takes the daemon's servers out of every alert (a PUT of the alert
# settings before any DELETE), deletes them all and leaves the person's server and its routing.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json"
conf() { h_write_config "$H_TMP/tf.conf" "organization_ids = 1001"; }
check "the daemon is ready" h_serve conf "$H_TMP/tf.conf"
curl -s -o /dev/null -X POST "$H_FAKE/_control/config" -d "{\"webhook_ca_file\": \"$H_TMP/certs/ca.crt\"}"
URL="https://127.0.0.1:$H_PORT/webhook"
KEY="Authorization: Bearer $H_API_KEY"
API="$H_FAKE/api/v1"

servers() { curl -s "$H_FAKE/_control/webhooks" | jq -c "[.httpServers[] | select(.networkId == \"$1\") | .name] | sort"; }
routed() { # the httpServerIds failoverEvent of network $1 posts to
  curl -s -H "$KEY" "$API/networks/$1/alerts/settings" |
    jq -c '[.alerts[] | select(.type == "failoverEvent") | .alertDestinations.httpServerIds[]] | sort'
}
writes() { curl -s "$H_FAKE/_control/log" | jq -c '[.[] | select(.method != "GET") | .method + " " + .path]'; }
tf() { "$TF_BIN" -c "$H_TMP/tf.conf" "$@"; }

set +e
tf setup --network L_100 --url "$URL" >"$H_TMP/canary.out" 2>"$H_TMP/canary.err"
rc=$?
set -e
check "setup --network L_100 exits 0 (got $rc: $(tail -2 "$H_TMP/canary.out"))" test "$rc" -eq 0
check "L_100 has the daemon's server" test "$(servers L_100)" = '["tagfailover"]'
check "L_200 has none" test "$(servers L_200)" = '[]'
check "L_300 has none" test "$(servers L_300)" = '[]'
check "the summary counts one network" grep -q '^summary: 1 of 1 managed network wired, 1 test delivery delivered' "$H_TMP/canary.out"
check "the test delivery's outcome is printed" grep -Eq '^  network L_100 .*: test [0-9]+ delivered$' "$H_TMP/canary.out"
check "and logged" grep -q '"event":"setup_test".*L_100.*delivered' "$H_TMP/canary.err"

set +e
tf setup --network L_999 --url "$URL" >/dev/null 2>"$H_TMP/unknown.err"
rc_unknown=$?
tf setup --network 'L/100' --url "$URL" >/dev/null 2>"$H_TMP/bad.err"
rc_bad=$?
set -e
check "an unknown --network exits 1 (got $rc_unknown)" test "$rc_unknown" -eq 1
check "and says so" grep -q 'L_999: no such managed network' "$H_TMP/unknown.err"
check "a --network that is no id exits 2 (got $rc_bad)" test "$rc_bad" -eq 2

check "setup wires every managed network" tf setup --url "$URL" >"$H_TMP/all.out" 2>&1
check "L_200 has the daemon's server now" test "$(servers L_200)" = '["tagfailover"]'
check "L_300 too" test "$(servers L_300)" = '["tagfailover"]'
check "L_100 still has one" test "$(servers L_100)" = '["tagfailover"]'

# A URL change: Meraki cannot move a server, so a second one is made; the old one stays.
tf setup --network L_100 --url "$URL-moved" >/dev/null 2>&1 || true
check "after a URL change L_100 has two of the daemon's servers" test "$(servers L_100)" = '["tagfailover","tagfailover"]'
# A person's own server, routed for failoverEvent beside the daemon's.
MINE=$(curl -s -H "$KEY" -H 'Content-Type: application/json' -X POST "$API/networks/L_100/webhooks/httpServers" \
  -d '{"name":"noc pager","url":"https://127.0.0.1:9/pager","sharedSecret":"x"}' | jq -r .id)
IDS=$(routed L_100 | jq -c --arg m "$MINE" '. + [$m]')
curl -s -o /dev/null -H "$KEY" -H 'Content-Type: application/json' -X PUT "$API/networks/L_100/alerts/settings" \
  -d "{\"alerts\":[{\"type\":\"failoverEvent\",\"enabled\":true,\"alertDestinations\":{\"httpServerIds\":$IDS}}]}"
check "failoverEvent of L_100 posts to three servers" test "$(routed L_100 | jq length)" -eq 3

curl -s -o /dev/null -X DELETE "$H_FAKE/_control/log"
check "setup --remove --dry-run runs" tf setup --remove --dry-run >"$H_TMP/dry.out" 2>&1
check "it writes nothing" test "$(writes)" = '[]'
check "it plans the deletions" grep -q 'would delete it' "$H_TMP/dry.out"
check "L_100 keeps its servers" test "$(servers L_100)" = '["noc pager","tagfailover","tagfailover"]'

curl -s -o /dev/null -X DELETE "$H_FAKE/_control/log"
check "setup --remove runs" tf setup --remove >"$H_TMP/remove.out" 2>&1
check "L_100 keeps only the person's server" test "$(servers L_100)" = '["noc pager"]'
check "L_200's server is gone" test "$(servers L_200)" = '[]'
check "L_300's server is gone" test "$(servers L_300)" = '[]'
check "failoverEvent of L_100 posts only to the person's server" test "$(routed L_100)" = "[\"$MINE\"]"
check "the alerts were unwired before the servers were deleted" \
  test "$(writes | jq -r '[.[] | select(startswith("PUT /api/v1/networks/L_100/") or startswith("DELETE /api/v1/networks/L_100/"))] | .[0]')" = "PUT /api/v1/networks/L_100/alerts/settings"
check "three servers of L_100 L_200 L_300 and L_100's old one: four DELETEs" \
  test "$(writes | jq '[.[] | select(startswith("DELETE"))] | length')" -eq 4
check "the summary says all three were unwired" grep -q '^summary: 3 of 3 managed networks unwired, 0 failed' "$H_TMP/remove.out"
check "a second --remove finds nothing to remove" tf setup --remove >"$H_TMP/again.out" 2>&1
check "and says so" grep -q 'none of the daemon' "$H_TMP/again.out"
h_summary
