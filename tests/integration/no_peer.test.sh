#!/usr/bin/env bash
# A typo in a tag never sends a branch nowhere.
#
# L_400 carries london_primary_up + tokyo_backup_down, and no third-party peer has
# tokyo_backup_up in its networkTags. At 90 % loss to London the reconcile fails L_100 over (its
# backup, Paris, has a peer) but leaves L_400 alone with reason no_peer, whether or not a
# [site tokyo] tracked_ip is configured; /status says why.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json"
jq '.organizations[0].networks += [{"id": "L_400", "name": "Branch 4 Typo",
      "tags": ["london_primary_up", "tokyo_backup_down"], "uplinks": {"wan1": "active"}}]' \
  "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json" >"$H_TMP/scenario.json"
curl -s -o /dev/null -X POST "$H_FAKE/_control/scenario" --data-binary @"$H_TMP/scenario.json"
h_write_config "$H_TMP/tf.conf" "organization_ids = 1001"
{ cat "$H_TMP/tf.conf"; printf '\n[site tokyo]\ntracked_ip = 192.0.2.7\n'; } >"$H_TMP/site.conf"
TYPO='["london_primary_up","tokyo_backup_down"]'
puts_to() { curl -s "$H_FAKE/_control/log" | jq "[.[] | select(.method == \"PUT\" and .path == \"/api/v1/networks/$1\")] | length"; }

for conf in tf.conf site.conf; do
  curl -s -o /dev/null -X POST "$H_FAKE/_control/tags" -d '{"networkId":"L_100","tags":["london_primary_up","paris_backup_down"]}'
  curl -s -o /dev/null -X POST "$H_FAKE/_control/tags" -d "{\"networkId\":\"L_400\",\"tags\":$TYPO}"
  curl -s -o /dev/null -X DELETE "$H_FAKE/_control/log"
  h_loss L_100 203.0.113.10 90 -30
  h_loss L_400 203.0.113.10 90 -30
  "$TF_BIN" -c "$H_TMP/$conf" status --json >"$H_TMP/status.json" 2>"$H_TMP/status.err"
  check "$conf: status names L_400's reason no_peer" \
    test "$(jq -r '.organizations[0].networks[] | select(.id == "L_400") | .reason' "$H_TMP/status.json")" = no_peer
  check "$conf: status says L_400 would do nothing" \
    test "$(jq -r '.organizations[0].networks[] | select(.id == "L_400") | .would' "$H_TMP/status.json")" = none
  check "$conf: L_400 stays in state normal" \
    test "$(jq -r '.organizations[0].networks[] | select(.id == "L_400") | .state' "$H_TMP/status.json")" = normal
  check "$conf: reconcile --once runs" "$TF_BIN" -c "$H_TMP/$conf" reconcile --once 2>"$H_TMP/err"
  check "$conf: L_100 failed over (its backup has a peer)" h_wait_tags L_100 'paris_backup_up' 2
  check "$conf: nothing was written to L_400" test "$(puts_to L_400)" -eq 0
  check "$conf: L_400 keeps its tags" test "$(h_tags L_400)" = "$TYPO"
done
h_summary
