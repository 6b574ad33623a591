#!/usr/bin/env bash
# A reconcile reads only the networks that carry a pair tag of a known site.
#
# The organization holds, besides L_100, L_200 (normal) and L_300 (held): T_1 with a typo
# (lndon_primary_up + paris_backup_down: no peer names lndon), X_1 whose pair tags both name
# sites no peer names (berlin_primary_up + madrid_backup_down), and U_1 with no pair tag.
#
# - The first reconcile reads the listing whole (no tags[]); every later listing carries the
#   filter: tagsFilterType=withAnyTags and tags[] = the four state tags of exactly the sites
#   the peers name (london, paris) and those the whole listing's pair tags named (lndon,
#   berlin, madrid).
# - T_1 and X_1 are still reported in /status, after several filtered reconciles, with their
#   reasons; U_1 (unmanaged) is not.
# - Loss to London: the reconcile fails L_100 and L_200 over in one action batch whose fresh
#   read is the filtered listing too; T_1, X_1 and the held L_300 are untouched.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json"
jq '.organizations[0].networks += [
      {"id": "T_1", "name": "Typo", "tags": ["lndon_primary_up", "paris_backup_down"]},
      {"id": "X_1", "name": "Elsewhere", "tags": ["shop", "berlin_primary_up", "madrid_backup_down"]},
      {"id": "U_1", "name": "Office", "tags": ["office", "berlin"]}]' \
  "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json" >"$H_TMP/scenario.json"
curl -s -o /dev/null -X POST "$H_FAKE/_control/scenario" --data-binary @"$H_TMP/scenario.json"
curl -s -o /dev/null -X DELETE "$H_FAKE/_control/log"

# listings: one line per networks listing the daemon read: "FILTER_TYPE TAG,TAG,..." ("- -"
# for a whole one), in order.
listings() {
  curl -s "$H_FAKE/_control/log" | python3 -c "
import json, sys, urllib.parse
for e in json.load(sys.stdin):
    if e.get('control') or e['method'] != 'GET' or e['path'] != '/api/v1/organizations/1001/networks':
        continue
    q = urllib.parse.parse_qs(e.get('query') or '')
    tags = q.get('tags[]', [])
    print(q.get('tagsFilterType', ['-'])[0], ','.join(sorted(tags)) if tags else '-')"
}
wait_listings() { # wait_listings N SECONDS
  local deadline=$(($(date +%s) + $2))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    [ "$(listings | wc -l)" -ge "$1" ] && return 0
    sleep 0.2
  done
  return 1
}
status_of() { # status_of NETWORK FIELD
  curl -s "http://127.0.0.1:$H_ADMIN/status" |
    jq -r --arg id "$1" --arg f "$2" '[.organizations[0].networks[] | select(.id == $id)][0][$f] // "absent"'
}

H_FAILOVER_EXTRA=$'reconcile_interval_s = 1\nbulk_retag = auto'
conf() { h_write_config "$H_TMP/tf.conf" "organization_ids = 1001" "requests_burst = 20"; }
check "daemon ready" h_serve conf "$H_TMP/tf.conf"
check "four reconciles" wait_listings 4 20

want=$(for s in berlin lndon london madrid paris; do
  printf '%s\n' "${s}_backup_down" "${s}_backup_up" "${s}_primary_down" "${s}_primary_up"
done | sort | paste -sd, -)
listings >"$H_TMP/listings"
check "the first listing is whole ($(head -1 "$H_TMP/listings"))" test "$(head -1 "$H_TMP/listings")" = "- -"
check "every later listing is filtered withAnyTags by the 20 tags of the 5 sites" \
  bash -c "tail -n +2 '$H_TMP/listings' | grep -vxF 'withAnyTags $want' | { ! grep -q .; }"
check "T_1 (a typo) is still reported: $(status_of T_1 reason)" test "$(status_of T_1 state)" != absent
check "X_1 (sites no peer names) is still reported: $(status_of X_1 reason)" \
  test "$(status_of X_1 state)" != absent
check "U_1 (no pair tag) is not managed" test "$(status_of U_1 state)" = absent
check "the held L_300 is reported held" test "$(status_of L_300 state)" = held

# Loss to London: one reconcile fails both normal branches over in one batch.
curl -s -o /dev/null -X DELETE "$H_FAKE/_control/log"
h_loss L_100 203.0.113.10 90 -3
h_loss L_200 203.0.113.10 90 -3
check "L_100 failed over" h_wait_tags L_100 'paris_backup_up' 15
check "L_200 failed over" h_wait_tags L_200 'paris_backup_up' 15
curl -s "$H_FAKE/_control/log" | python3 -c "
import json, sys
for e in json.load(sys.stdin):
    if not e.get('control') and e['method'] in ('GET', 'PUT', 'POST'):
        print(e['method'], e['path'], e.get('query') or '')" >"$H_TMP/calls"
check "written with an action batch" grep -q '^POST /api/v1/organizations/1001/actionBatches' "$H_TMP/calls"
check "no per-network write" bash -c "! grep -q '^PUT ' '$H_TMP/calls'"
before=$(sed -n '/^POST \/api\/v1\/organizations\/1001\/actionBatches/q;p' "$H_TMP/calls" |
  grep '^GET /api/v1/organizations/1001/networks ' | tail -1)
check "the batch's fresh read was the filtered listing" grep -q 'tagsFilterType=withAnyTags' <<<"$before"
no_whole() { [ "$(listings | grep -cx -- '- -' || true)" -eq 0 ]; }
check "no whole listing since the first" no_whole
check "T_1 untouched" test "$(h_tags T_1)" = '["lndon_primary_up","paris_backup_down"]'
check "X_1 untouched" test "$(h_tags X_1)" = '["shop","berlin_primary_up","madrid_backup_down"]'
check "L_300 (held) untouched" test "$(h_tags L_300)" = '["london_primary_up","paris_backup_down","tagfailover_hold"]'
h_summary
