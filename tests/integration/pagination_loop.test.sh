#!/usr/bin/env bash
# A pagination loop ends as an error at once, and a next-page link that cannot be followed is
# an error, never a silently partial list.
#
# The networks listing is answered with `Link: <the same URL>; rel=next` (each page its own
# next) for up to 10,000 pages: `status` must fail within seconds, not follow it for ~18
# minutes at 9 requests a second. A loop over two pages (1 -> 2 -> 1) ends the same way. A
# `rel=next` that does not resolve ends the listing as an error too. The change log's pages
# are held to the same rule.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json"
h_write_config "$H_TMP/tf.conf" "organization_ids = 1001"
LIST=/api/v1/organizations/1001/networks
FIRST="$H_FAKE$LIST?perPage=100000"

fault() { curl -s -o /dev/null -X POST "$H_FAKE/_control/fault" -d "$1"; }
gets() { curl -s "$H_FAKE/_control/log" | jq "[.[] | select(.method == \"GET\" and .path == \"$LIST\")] | length"; }
run_status() {
  set +e
  timeout 20 "$TF_BIN" -c "$H_TMP/tf.conf" status --json >"$H_TMP/out" 2>"$H_TMP/err"
  rc=$?
  set -e
}
reset() {
  curl -s -o /dev/null -X DELETE "$H_FAKE/_control/fault"
  curl -s -o /dev/null -X DELETE "$H_FAKE/_control/log"
}

reset
fault "{\"kind\":\"answer\",\"count\":10000,\"method\":\"GET\",\"path_prefix\":\"$LIST\",\"body\":\"[]\",\"headers\":{\"Link\":\"<{self}>; rel=next\"}}"
run_status
check "a page whose next is itself: status fails (exit $rc, 124 is the timeout)" test "$rc" -eq 1
check "it reads the page twice at most" test "$(gets)" -le 2
check "the loop is named" grep -q 'one already read' "$H_TMP/err"

reset
fault "{\"kind\":\"answer\",\"method\":\"GET\",\"path_prefix\":\"$LIST\",\"body\":\"[]\",\"headers\":{\"Link\":\"<{self}\\u0026startingAfter=L_100>; rel=next\"}}"
fault "{\"kind\":\"answer\",\"method\":\"GET\",\"path_prefix\":\"$LIST\",\"body\":\"[]\",\"headers\":{\"Link\":\"<$FIRST>; rel=next\"}}"
run_status
check "pages 1 -> 2 -> 1: status fails (exit $rc)" test "$rc" -eq 1
check "pages 1 -> 2 -> 1: two pages read" test "$(gets)" -eq 2
check "pages 1 -> 2 -> 1: the loop is named" grep -q 'the next page after page 2 is one already read' "$H_TMP/err"

reset
fault "{\"kind\":\"answer\",\"method\":\"GET\",\"path_prefix\":\"$LIST\",\"body\":\"[]\",\"headers\":{\"Link\":\"<http://[oops/x>; rel=next\"}}"
run_status
check "a next page that does not resolve: status fails (exit $rc)" test "$rc" -eq 1
check "that link is named" grep -q 'next-page link does not resolve' "$H_TMP/err"

# The change log (read for a failed-over network) pages through the same check: a loop over
# two pages (.../configurationChanges -> .../configurationChanges/ -> the first) ends after
# two reads. The change log is a hint, so `status` still succeeds without it.
reset
CHANGES=/api/v1/organizations/1001/configurationChanges
curl -s -o /dev/null -X POST "$H_FAKE/_control/tags" -d '{"networkId":"L_100","tags":["london_primary_down","paris_backup_up"]}'
fault "{\"kind\":\"answer\",\"count\":10000,\"method\":\"GET\",\"path_prefix\":\"$CHANGES/\",\"body\":\"[]\",\"headers\":{\"Link\":\"<$H_FAKE$CHANGES?timespan=604800\u0026perPage=5000>; rel=next\"}}"
fault "{\"kind\":\"answer\",\"count\":10000,\"method\":\"GET\",\"path_prefix\":\"$CHANGES\",\"body\":\"[]\",\"headers\":{\"Link\":\"<$H_FAKE$CHANGES/?timespan=604800\u0026perPage=5000>; rel=next\"}}"
run_status
changes_gets=$(curl -s "$H_FAKE/_control/log" | jq '[.[] | select(.path | startswith("/api/v1/organizations/1001/configurationChanges"))] | length')
check "a change-log loop over two pages: status still works (exit $rc)" test "$rc" -eq 0
check "a change-log loop over two pages: read twice ($changes_gets)" test "$changes_gets" -eq 2

reset
curl -s -o /dev/null -X POST "$H_FAKE/_control/tags" -d '{"networkId":"L_100","tags":["retail","london_primary_up","paris_backup_down","north"]}'
check "without faults the listing works" bash -c "\"$TF_BIN\" -c \"$H_TMP/tf.conf\" status --json >/dev/null"
h_summary
