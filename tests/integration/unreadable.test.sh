#!/usr/bin/env bash
# One network over a cap does not break its organization.
#
# The networks listing holds, besides the three branches, L_BIG with 1,025 tags (one over the
# cap). The listing still succeeds: `status` shows L_BIG as invalid with reason unreadable,
# `reconcile --once` fails L_100 over at 90 % loss, and a daemon serving the same listing is
# ready (/readyz 200) and fails L_100 over as its safety net. A manual failover of L_BIG is
# refused and writes nothing.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json"
h_write_config "$H_TMP/tf.conf" "organization_ids = 1001"
LIST=/api/v1/organizations/1001/networks
L100='["retail","london_primary_up","paris_backup_down","north"]'

curl -s -H "Authorization: Bearer $H_API_KEY" "$H_FAKE$LIST" |
  jq -c '. + [{"id": "L_BIG", "organizationId": "1001", "name": "Branch 9 Big",
               "tags": (["london_primary_up", "paris_backup_down"] + [range(1023) | "t\(.)"])}]' \
    >"$H_TMP/listing.json"
check "the listing holds a network with 1,025 tags" \
  test "$(jq '.[] | select(.id == "L_BIG") | .tags | length' "$H_TMP/listing.json")" -eq 1025
big=$(jq -c '.[] | select(.id == "L_BIG")' "$H_TMP/listing.json")

fault() { curl -s -o /dev/null -X POST "$H_FAKE/_control/fault" -d "$1"; }
listing_fault() { # COUNT
  fault "$(jq -cn --rawfile b "$H_TMP/listing.json" --argjson n "$1" --arg p "$LIST" \
    '{kind: "answer", count: $n, method: "GET", path_prefix: $p, body: $b}')"
}
puts_to() { curl -s "$H_FAKE/_control/log" | jq "[.[] | select(.method == \"PUT\" and .path == \"/api/v1/networks/$1\")] | length"; }
reset() {
  curl -s -o /dev/null -X DELETE "$H_FAKE/_control/fault"
  curl -s -o /dev/null -X DELETE "$H_FAKE/_control/log"
  curl -s -o /dev/null -X POST "$H_FAKE/_control/tags" -d "{\"networkId\":\"L_100\",\"tags\":$L100}"
}

reset
listing_fault 1
set +e
"$TF_BIN" -c "$H_TMP/tf.conf" status --json >"$H_TMP/status.json" 2>"$H_TMP/err"
rc=$?
set -e
check "status reads the organization (exit $rc)" test "$rc" -eq 0
check "L_BIG is invalid" test "$(jq -r '.organizations[0].networks[] | select(.id == "L_BIG") | .state' "$H_TMP/status.json")" = invalid
check "L_BIG's reason is unreadable" test "$(jq -r '.organizations[0].networks[] | select(.id == "L_BIG") | .reason' "$H_TMP/status.json")" = unreadable
check "the other branches are shown" test "$(jq '.organizations[0].networks | length' "$H_TMP/status.json")" -eq 4

reset
h_loss L_100 203.0.113.10 90 -30
listing_fault 1
check "reconcile --once succeeds" "$TF_BIN" -c "$H_TMP/tf.conf" reconcile --once 2>"$H_TMP/err"
check "L_100 failed over" h_wait_tags L_100 'paris_backup_up' 2
check "nothing was written to L_BIG" test "$(puts_to L_BIG)" -eq 0

# The manual command reads L_BIG itself (GET /networks/L_BIG, also over the cap).
fault "$(jq -cn --arg b "$big" '{kind: "answer", method: "GET", path_prefix: "/api/v1/networks/L_BIG", body: $b}')"
set +e
"$TF_BIN" -c "$H_TMP/tf.conf" failover L_BIG >/dev/null 2>"$H_TMP/err"
rc=$?
set -e
check "a manual failover of L_BIG is refused (exit $rc)" test "$rc" -eq 1
check "the refusal says why" grep -q 'unreadable' "$H_TMP/err"
check "still nothing written to L_BIG" test "$(puts_to L_BIG)" -eq 0

# A running daemon that always sees L_BIG is ready, and its reconcile is L_100's safety net.
reset
h_loss L_100 203.0.113.10 90 -30
listing_fault 100000
conf() { h_write_config "$H_TMP/tf.conf" "organization_ids = 1001"; }
check "the daemon is ready (/readyz 200) with L_BIG in every listing" h_serve conf "$H_TMP/tf.conf"
check "its reconcile fails L_100 over" h_wait_tags L_100 'paris_backup_up' 15
h_summary
