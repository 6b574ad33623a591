#!/usr/bin/env bash
# A configuration reload while an API call hangs keeps both listeners up (issue 13, finding
# 11). The old engine may take up to timeout_s to stop (a request already on the wire is let
# finish), and the reload once stopped the webhook and admin listeners first and waited for it
# with them closed: 3.2 s of refused webhooks with timeout_s = 5. Now the new engine is swapped
# in first (alerts queue in it), the old one stops behind the running listeners, and the
# listeners are restarted only when their own settings change.
#
# Here fakedash answers every API call 4 s late, a reconcile is made to be in flight, the
# configuration changes and SIGHUP arrives; a client posts a webhook every ~50 ms and reads
# /healthz all along. Every webhook gets 200/202, every /healthz 200, the reload does take
# the seconds of the hanging call (so the test exercised it), and the alerts sent during it
# are not lost: a real failover sent mid-reload lands afterwards.
# Only 127.0.0.1.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json"
fake=$H_FAKE
conf=$H_TMP/tf.conf
write_config() {
  h_write_config "$conf" "timeout_s = 5" "requests_per_second = 10" "requests_burst = 30"
  printf 'reconcile_interval_s = %s\n' "$1" >>"$conf"
}
first() { write_config 1; }
check "daemon ready" h_serve first "$conf"

: >"$H_TMP/codes"
: >"$H_TMP/health"
(
  i=0
  while :; do
    i=$((i + 1))
    code=$(h_post "$(h_alert "hang-$i" 1001 L_999)")
    echo "$(date +%s%N) $code" >>"$H_TMP/codes"
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$H_ADMIN/healthz" || true)
    echo "$(date +%s%N) $code" >>"$H_TMP/health"
    sleep 0.05
  done
) &
client=$!
H_PIDS+=("$client")
sleep 0.5

# Every API call from now on is answered 4 s late; a reconcile (every second) is soon in flight.
curl -s -o /dev/null -X POST "$fake/_control/fault" \
  -d '{"kind":"delay","delay_ms":4000,"count":1000,"path_prefix":"/api/v1/"}'
sleep 1.5
write_config 2
t0=$(date +%s%N)
kill -HUP "$H_TF_PID"
sleep 0.3
now=$(date +%s)
curl -s -o /dev/null -X POST "$fake/_control/loss" \
  -d "{\"networkId\":\"L_100\",\"uplink\":\"wan1\",\"ip\":\"203.0.113.10\",\"lossPercent\":60,\"at\":$((now - 2))}"
mid=$(h_post "$(h_alert mid-1 1001 L_100)")
for _ in $(seq 1 200); do grep -q '"config_reloaded"' "$H_TMP/tf.log" && break; sleep 0.05; done
t1=$(date +%s%N)
check "the configuration reloaded" grep -q '"config_reloaded"' "$H_TMP/tf.log"
took_ms=$(((t1 - t0) / 1000000))
check "the reload waited for the hanging call (took $took_ms ms, want >= 1500)" test "$took_ms" -ge 1500
curl -s -o /dev/null -X DELETE "$fake/_control/fault"
check "an alert sent during the reload was accepted (got $mid)" test "$mid" = 202
ok=false
for _ in $(seq 1 150); do
  if curl -s "$fake/_control/networks" | grep -q '"L_100"[^}]*london_primary_down'; then
    ok=true
    break
  fi
  sleep 0.1
done
check "the failover sent during the reload landed after it" $ok
kill "$client" 2>/dev/null
wait "$client" 2>/dev/null || true

# Each file: "ns code" lines. Every answer must be good, and some must have been asked while
# the reload was in hand (between the SIGHUP and config_reloaded): how many depends on how
# loaded the machine is, so the count asked is at least one, not a rate.
during() { awk -v a="$t0" -v b="$t1" '$1 >= a && $1 <= b' "$1" | grep -c . || true; }
sent=$(grep -c . "$H_TMP/codes" || true)
bad=$(awk '$2 != 200 && $2 != 202' "$H_TMP/codes" | grep -c . || true)
check "every webhook around the reload was answered 200/202: $bad of $sent not ($(during "$H_TMP/codes") during it)" \
  test "$(during "$H_TMP/codes")" -ge 1 -a "$bad" -eq 0
hsent=$(grep -c . "$H_TMP/health" || true)
hbad=$(awk '$2 != 200' "$H_TMP/health" | grep -c . || true)
check "every /healthz around the reload was answered 200: $hbad of $hsent not ($(during "$H_TMP/health") during it)" \
  test "$(during "$H_TMP/health")" -ge 1 -a "$hbad" -eq 0
check "the daemon is alive" h_alive
check "no sanitizer report in the daemon's log" \
  bash -c "! grep -qE 'AddressSanitizer|UndefinedBehaviorSanitizer|ThreadSanitizer|runtime error' '$H_TMP/tf.log'"
h_summary
