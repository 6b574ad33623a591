#!/usr/bin/env bash
# The manual commands act only on the organizations the configuration manages.
#
# The API key sees two organizations (Busy 2001 with B_1, Calm 2002 with C_1). With
# organization_ids = 2002, `failover B_1` and `failback B_1` are refused with exit 2 and write
# nothing, even though the key could; `failover C_1` works. With organization_ids empty every
# organization the key sees is managed, so `failover B_1` works too.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/two_orgs.json"
h_write_config "$H_TMP/only-calm.conf" "organization_ids = 2002"
h_write_config "$H_TMP/all.conf"

puts() { curl -s "$H_FAKE/_control/log" | grep -o '"method":"PUT"' | wc -l; }

set +e
"$TF_BIN" -c "$H_TMP/only-calm.conf" failover B_1 >"$H_TMP/out" 2>"$H_TMP/err"
rc_failover=$?
"$TF_BIN" -c "$H_TMP/only-calm.conf" failback B_1 --dry-run >/dev/null 2>>"$H_TMP/err"
rc_failback=$?
set -e
check "failover of another organization's network exits 2 (got $rc_failover)" test "$rc_failover" -eq 2
check "failback of it exits 2 too (got $rc_failback)" test "$rc_failback" -eq 2
check "the refusal names the organization" grep -q 'organization 2001, which this configuration does not manage' "$H_TMP/err"
check "nothing was written" test "$(puts)" -eq 0
check "B_1 keeps its tags" test "$(h_tags B_1)" = '["london_primary_up","paris_backup_down"]'

check "failover of a managed organization's network works" \
  "$TF_BIN" -c "$H_TMP/only-calm.conf" failover C_1 --no-hold
check "C_1 failed over" test "$(h_tags C_1)" = '["retail","london_primary_down","paris_backup_up"]'

check "with organization_ids empty, every organization the key sees is managed" \
  "$TF_BIN" -c "$H_TMP/all.conf" failover B_1 --no-hold
check "B_1 failed over" test "$(h_tags B_1)" = '["london_primary_down","paris_backup_up"]'
h_summary
