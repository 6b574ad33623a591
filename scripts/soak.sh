#!/usr/bin/env bash
# soak.sh MINUTES: the daemon under mixed hostile load for MINUTES (fractions allowed), then
# the checks; exits non-zero when any fails. Only 127.0.0.1.
#
# The world: fakedash with organization 1001 (London and Paris peers), ten flapping branches
# F_0..F_9, five stable ones S_0..S_4, 40 more G_ (pagination: 25 a page), a held, an invalid
# and an unmanaged network. The daemon: TLS webhooks, admin listener, compressed time (1-s
# samples, 6-s windows), a reconcile every 3 s, bulk_retag = auto, timeout_s = 2.
# The load (scripts/soak_traffic.py): valid, ignored, forged, malformed, bad-id, oversized and
# unknown-network webhooks; slow senders, idle connections, TLS garbage; fakedash faults (429
# storms with and without Retry-After, 5xx, timeouts, drops, 10-s outages, redirects, huge and
# gzip answers, a pagination loop, an error body echoing the key); flapping loss.
# The checks (scripts/soak_check.py): alive and answering; every flapping branch back on its
# primary at the end; RSS flat after warm-up and the quiet fd count flat; every retag line
# matched by a write fakedash answered and by the decision rules; fakedash never received an
# invalid tag list; neither the API key nor the shared secret in any log line.
#
# Uses the build in $TF_BINARY_DIR (default build/release); ctest sets TF_BIN, FAKEDASH_BIN
# and TF_SOURCE_DIR. SOAK_SANITIZER=1 (set by ctest in Asan/Tsan trees) widens the RSS
# tolerance (the sanitizers' quarantine and shadow memory grow for minutes). H_KEEP=1 keeps
# the files.
set -euo pipefail

minutes=${1:?usage: soak.sh MINUTES}
src=$(cd "$(dirname "$0")/.." && pwd)
export TF_SOURCE_DIR=${TF_SOURCE_DIR:-$src}
bin=${TF_BINARY_DIR:-$src/build/release}
export TF_BIN=${TF_BIN:-$bin/src/tagfailover}
export FAKEDASH_BIN=${FAKEDASH_BIN:-$bin/tests/fakedash/fakedash}
# shellcheck source=../tests/harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

seconds=$(python3 -c "print(max(20, int(float('$minutes') * 60)))")
warmup=$(python3 -c "print(max(30, $seconds // 4))")
[ "$warmup" -lt "$seconds" ] || warmup=$((seconds / 2))

cat >"$H_TMP/world.json" <<'EOF'
{"api_key": "test-api-key", "sample_spacing_s": 1, "data_lag_s": 0, "page_size": 25,
 "organizations": [{"id": "1001", "name": "Acme",
   "peers": [{"name": "London DC", "publicIp": "203.0.113.10", "privateSubnets": ["10.10.0.0/16"],
              "networkTags": ["london_primary_up"]},
             {"name": "Paris DC", "publicIp": "198.51.100.20", "privateSubnets": ["10.20.0.0/16"],
              "networkTags": ["paris_backup_up"]}],
   "networks": [
     {"id": "H_1", "name": "Held", "tags": ["london_primary_up", "paris_backup_down", "tagfailover_hold"]},
     {"id": "I_1", "name": "Invalid", "tags": ["london_primary_up", "paris_backup_up"]},
     {"id": "U_1", "name": "Office", "tags": ["office"]}],
   "generate": [{"count": 10, "prefix": "F_", "tags": ["retail", "london_primary_up", "paris_backup_down"]},
                {"count": 5, "prefix": "S_", "tags": ["london_primary_up", "paris_backup_down", "north"]},
                {"count": 40, "prefix": "G_", "tags": ["paris_backup_down", "london_primary_up"]}]}],
 "loss": []}
EOF
h_start_fakedash "$H_TMP/world.json"
H_FAILOVER_EXTRA=$'reconcile_interval_s = 3\nconfirm_window_s = 20\nbulk_retag = auto'
conf() {
  h_write_config "$H_TMP/tf.conf" "organization_ids = 1001" "requests_per_second = 10" \
    "requests_burst = 20" "timeout_s = 2" "max_retries = 3"
}
check "daemon ready" h_serve conf "$H_TMP/tf.conf"
pid=$H_TF_PID
ctl() { curl -s --max-time 30 "$H_FAKE/_control/$1"; }

ctl networks >"$H_TMP/initial.json"
printf '%s\n%s\n' "$H_API_KEY" "$H_SECRET" >"$H_TMP/secrets"
echo '{"clean": 6, "detect": 6, "threshold": 30, "failback_max": 0}' >"$H_TMP/rules.json"

fds() { find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0; }
sleep 2
fd_start=$(fds)
(
  while kill -0 "$pid" 2>/dev/null; do
    echo "$(date +%s.%N) $(rss) $(fds)" >>"$H_TMP/samples"
    sleep 2
  done
) &
sampler=$!
H_PIDS+=("$sampler")

echo "soak: $seconds s of load (warm-up $warmup s), daemon pid $pid, fds at start $fd_start" >&2
python3 "$TF_SOURCE_DIR/scripts/soak_traffic.py" "$seconds" "$H_PORT" "$H_ADMIN" "$H_FAKE" \
  "$H_TMP/certs/ca.crt" "$H_SECRET" "$H_TMP/traffic.json" "$H_TMP"

# The flapping ended clean 25 s before the load: every branch is back on its primary soon.
all_normal() {
  ctl networks | python3 -c "
import json, sys
bad = [n['id'] for n in json.load(sys.stdin)
       if n['id'].startswith('F_') and 'london_primary_up' not in n['tags']]
sys.exit(1 if bad else 0)"
}
deadline=$(($(date +%s) + 40))
while [ "$(date +%s)" -lt "$deadline" ] && ! all_normal; do sleep 0.5; done
check "every flapping branch failed back at the end" all_normal
# Quiet: the idle and slow connections are gone; the fd count returns to the start's.
deadline=$(($(date +%s) + 30))
while [ "$(date +%s)" -lt "$deadline" ] && [ "$(fds)" -gt $((fd_start + 2)) ]; do sleep 0.5; done
fd_end=$(fds)
check "the daemon is alive" kill -0 "$pid"
check "/healthz answers 200" test "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
  "http://127.0.0.1:$H_ADMIN/healthz")" = 200
check "/readyz answers 200" h_wait_ready
ctl log >"$H_TMP/fake_log.json"
ctl loss >"$H_TMP/loss.json"
ctl networks >"$H_TMP/networks.json"
kill "$sampler" 2>/dev/null || true
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
H_TF_PID=""
check "the daemon stops cleanly on SIGTERM (exit $rc)" test "$rc" -eq 0
cp "$H_TMP/tf.log" "$H_TMP/tf.log.all"
check "soak checks" python3 "$TF_SOURCE_DIR/scripts/soak_check.py" "$H_TMP" \
  --traffic "$H_TMP/traffic.json" --samples "$H_TMP/samples" --warmup "$warmup" \
  --fds "$fd_start" "$fd_end"
echo "soak: $minutes min, $(grep -c . "$H_TMP/tf.log") log lines," \
  "$(python3 -c "import json; print(len(json.load(open('$H_TMP/fake_log.json'))))") requests in fakedash's log" >&2
h_summary
