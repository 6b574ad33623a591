#!/usr/bin/env bash
# A loss answer over the size cap (an organization of tens of thousands of appliances: 100,000
# networks with two monitored peers is ~96 MB) does not stop the reconcile: the chunk is read
# again one call per tracked IP (`ip=`), which is all a look uses, and so from then on.
#
# The loss read is answered once with 65 MiB (fakedash's oversize fault, over the 64-MiB cap);
# L_100 is at 90 % loss to London. `reconcile --once` still succeeds and fails L_100 over; its
# loss calls after the oversize one name ip=203.0.113.10 and ip=198.51.100.20 (the peers'
# publicIps), one each; the log says why (loss_by_ip).
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json"
h_write_config "$H_TMP/tf.conf" "organization_ids = 1001"
LOSS=/api/v1/organizations/1001/devices/uplinksLossAndLatency

curl -s -o /dev/null -X DELETE "$H_FAKE/_control/log"
h_loss L_100 203.0.113.10 90 -3
curl -s -o /dev/null -X POST "$H_FAKE/_control/fault" \
  -d "{\"kind\":\"oversize\",\"size_mib\":65,\"count\":1,\"path_prefix\":\"$LOSS\"}"
rc=0
"$TF_BIN" -c "$H_TMP/tf.conf" reconcile --once 2>"$H_TMP/tf.log" || rc=$?
check "reconcile --once succeeds despite the oversize loss answer (exit $rc)" test "$rc" -eq 0
check "L_100 failed over" h_wait_tags L_100 'paris_backup_up' 5
check "the log says the loss is read per tracked IP" grep -q '"event":"loss_by_ip"' "$H_TMP/tf.log"
curl -s "$H_FAKE/_control/log" |
  jq -r --arg p "$LOSS" '.[] | select(.control != true and .path == $p) | (.query // "")' >"$H_TMP/loss"
check "three loss calls: the oversize one and one per IP ($(wc -l <"$H_TMP/loss"))" \
  test "$(wc -l <"$H_TMP/loss")" -eq 3
check "the first without ip=" bash -c "head -1 '$H_TMP/loss' | grep -vq 'ip='"
check "one with ip=203.0.113.10" test "$(grep -c '&ip=203\.0\.113\.10\($\|&\)' "$H_TMP/loss" || true)" -eq 1
check "one with ip=198.51.100.20" test "$(grep -c '&ip=198\.51\.100\.20\($\|&\)' "$H_TMP/loss" || true)" -eq 1
h_summary
