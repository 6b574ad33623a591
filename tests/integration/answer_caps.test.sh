#!/usr/bin/env bash
# One huge answer costs a small multiple of the cap, and the memory comes back.
#
# The networks listing is answered once with 50 MiB of JSON that is not a listing (fakedash's
# oversize fault), then once with a gzip bomb (~0.4 MB on the wire, 100 MiB decoded, over the
# 64-MiB decoded cap); then the change log, once a network is seen failed over, with 50 MiB. The daemon's reconcile fails both (and says why), its peak resident
# memory stays under 160 MiB (it was ~450 MiB and ~900 MiB: the whole text became one json-c
# tree), its resident memory afterwards under 64 MiB, and the next reconcile works. Under a
# sanitizer the memory figures mean nothing and only the errors are checked.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json"
LIST=/api/v1/organizations/1001/networks
sanitized=false
# (grep without -q: with pipefail, -q's early exit would fail ldd with SIGPIPE and the pipe.)
ldd "$TF_BIN" 2>/dev/null | grep -E 'libasan|libtsan' >/dev/null && sanitized=true

# The bomb: 100 MiB of one repeated listing item, gzip'd.
{
  printf '['
  (yes '{"id":"L_1","name":"x","tags":["retail"]},' || true) | head -c $((100 * 1024 * 1024))
  printf '{"id":"L_2"}]'
} | gzip -9 >"$H_TMP/bomb.gz"

fault() { curl -s -o /dev/null -X POST "$H_FAKE/_control/fault" -d "$1"; }
kb() { sed -nE "s/^$1:[[:space:]]+([0-9]+) kB/\\1/p" "/proc/$H_TF_PID/status"; }
wait_log() { # PATTERN COUNT SECONDS
  local deadline=$(($(date +%s) + $3))
  while [ "$(date +%s)" -le "$deadline" ]; do
    [ "$(grep -c "$1" "$H_TMP/tf.log" || true)" -ge "$2" ] && return 0
    sleep 0.1
  done
  return 1
}

H_FAILOVER_EXTRA="reconcile_interval_s = 1"
conf() { h_write_config "$H_TMP/tf.conf" "organization_ids = 1001"; }
check "ready" h_serve conf "$H_TMP/tf.conf"
# The next two reconciles (one a second) meet the two answers.
fault "{\"kind\":\"oversize\",\"size_mib\":50,\"path_prefix\":\"$LIST\"}"
fault "{\"kind\":\"answer\",\"body_file\":\"$H_TMP/bomb.gz\",\"headers\":{\"Content-Encoding\":\"gzip\"},\"path_prefix\":\"$LIST\"}"

check "the 50-MiB answer fails a reconcile" wait_log '"event":"reconcile_failed".*response is not the documented shape' 1 30
check "the gzip bomb fails the next, over the decoded cap" wait_log '"event":"reconcile_failed".*over 67108864 bytes' 1 30
check "the daemon is ready once the listing is sane again" h_wait_ready
# The change log, read when a network is first seen failed over, is a listing too.
fault "{\"kind\":\"oversize\",\"size_mib\":50,\"path_prefix\":\"/api/v1/organizations/1001/configurationChanges\"}"
curl -s -o /dev/null -X POST "$H_FAKE/_control/tags" -d '{"networkId":"L_200","tags":["london_primary_down","paris_backup_up"]}'
check "a 50-MiB change log fails its read" wait_log '"event":"changes_failed"' 1 30
if ! $sanitized; then
  sleep 1
  hwm=$(kb VmHWM)
  rss=$(kb VmRSS)
  check "peak resident memory ${hwm} kB < 160 MiB" test "$hwm" -lt $((160 * 1024))
  check "resident memory afterwards ${rss} kB < 64 MiB" test "$rss" -lt $((64 * 1024))
fi
h_summary
