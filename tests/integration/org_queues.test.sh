#!/usr/bin/env bash
# Per-organization queues: a flooded organization cannot delay another's failover.
#
# Organization 2001 ("Busy") is made slow for real: every Dashboard read of it takes 4 s (a
# fakedash delay fault), so its thread sits in an API call while 1,300 distinct alerts for it
# arrive. Its queue fills and its alerts are answered 503 with Retry-After, at once. Meanwhile
# organization 2002 ("Calm") loses packets and sends one alert: it is accepted and failed over
# within seconds, and /status shows the failover as soon as it is written. When the delays
# end, Busy's queue drains and a refused alert, retried as Meraki would, is accepted.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/two_orgs.json"
H_FAILOVER_EXTRA="reconcile_interval_s = 60"
conf() {
  h_write_config "$H_TMP/tf.conf" "organization_ids = 2001, 2002" "requests_per_second = 10" \
    "requests_burst = 30"
}
check "daemon ready" h_serve conf "$H_TMP/tf.conf"

# Busy's reads (organization-wide data and its network) now take 4 s each, for a while.
for prefix in /api/v1/organizations/2001/ /api/v1/networks/B_; do
  curl -s -o /dev/null -X POST "$H_FAKE/_control/fault" \
    -d "{\"kind\":\"delay\",\"delay_ms\":4000,\"count\":100,\"path_prefix\":\"$prefix\"}"
done

# One alert first, so Busy's thread goes into its slow read; then the flood, on one
# keep-alive connection (a curl config of 1,300 requests).
check "the first Busy alert is accepted" test "$(h_post "$(h_alert busy-0 2001 B_1)")" = 202
sleep 0.5
# (`next` resets curl's options, so each request names the CA itself.)
template=$(h_alert BUSY_ID 2001 B_1 | sed 's/"/\\"/g')
for i in $(seq 1 1300); do
  printf 'url = "https://localhost:%s/webhook"\ncacert = "%s"\ndata-binary = "%s"\n' \
    "$H_PORT" "$H_TMP/certs/ca.crt" "${template/BUSY_ID/busy-$i}"
  printf 'header = "Content-Type: application/json"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n'
  if [ "$i" -lt 1300 ]; then echo "next"; fi
done >"$H_TMP/flood.curl"
curl -s --max-time 60 -K "$H_TMP/flood.curl" >"$H_TMP/flood.codes" || true
accepted=$(grep -c '^202$' "$H_TMP/flood.codes" || true)
refused=$(grep -c '^503$' "$H_TMP/flood.codes" || true)
check "Busy's queue filled: some alerts accepted ($accepted), the rest refused with 503 ($refused)" \
  test "$accepted" -ge 900 -a "$refused" -ge 100 -a $((accepted + refused)) -eq 1300

# A refused answer is immediate and says when to come back.
curl -s -D "$H_TMP/busy.headers" -o "$H_TMP/busy.body" -w '%{http_code} %{time_total}' \
  --cacert "$H_TMP/certs/ca.crt" -H 'Content-Type: application/json' \
  --data-binary "$(h_alert busy-late 2001 B_1)" "https://localhost:$H_PORT/webhook" >"$H_TMP/busy.out"
read -r busy_code busy_time <"$H_TMP/busy.out" || true
check "Busy is still refused (got $busy_code)" test "$busy_code" = 503
check "with Retry-After" grep -qi '^Retry-After: 5' "$H_TMP/busy.headers"
check "as overloaded" grep -q '"overloaded"' "$H_TMP/busy.body"
check "at once (${busy_time}s)" awk -v t="$busy_time" 'BEGIN { exit !(t < 1.0) }'

# Calm loses packets now; its one alert goes straight through Busy's flood.
h_loss C_1 203.0.113.10 60 -2
t0=$(date +%s%N)
check "Calm's alert is accepted while Busy is flooded" test "$(h_post "$(h_alert calm-1 2002 C_1)")" = 202
check "Calm failed over within 3 s" h_wait_tags C_1 'london_primary_down.*paris_backup_up' 3
took_ms=$((($(date +%s%N) - t0) / 1000000))
echo "Calm failed over ${took_ms} ms after its alert, with Busy's queue full" >&2
check "Calm's other tags kept in order" test "$(h_tags C_1)" = '["retail","london_primary_down","paris_backup_up"]'

# /status shows the failover as soon as it is written, long before the next reconcile (60 s).
status=$(curl -s "http://127.0.0.1:$H_ADMIN/status" | tr '{' '\n' | grep '"id":"C_1"' || true)
check "/status shows C_1 failed over at once ($status)" grep -q '"state":"failed_over"' <<<"$status"
check "/status shows the last action" grep -q '"last_action":"failover"' <<<"$status"
check "Busy's branch is untouched" test "$(h_tags B_1)" = '["london_primary_up","paris_backup_down"]'

# The delays end: Busy's queue drains, and the refused alert is accepted when retried.
curl -s -o /dev/null -X DELETE "$H_FAKE/_control/fault"
code=503
retried=0
for _ in $(seq 1 120); do
  code=$(h_post "$(h_alert busy-late 2001 B_1)")
  [ "$code" != 503 ] && break
  retried=$((retried + 1))
  sleep 0.5
done
check "a refused Busy alert is accepted once there is room, not taken for a duplicate (got $code)" \
  test "$code" = 202

# Every answer was counted: the 503s of the flood, the late one and its retries; the 202s.
metric() {
  curl -s "http://127.0.0.1:$H_ADMIN/metrics" | awk -v k="$1" '$1 == k { print $2 + 0 }'
}
overloaded=$(metric 'tagfailover_webhooks_total{result="overloaded"}')
accepted_total=$(metric 'tagfailover_webhooks_total{result="accepted"}')
duplicates=$(metric 'tagfailover_webhooks_total{result="duplicate"}')
check "overloaded counted ($overloaded = $refused + 1 + $retried)" \
  test "$overloaded" -eq $((refused + 1 + retried))
check "accepted counted ($accepted_total = 1 + $accepted + 1 + 1)" \
  test "$accepted_total" -eq $((accepted + 3))
check "no duplicate ($duplicates)" test "$duplicates" -eq 0
check "the daemon is alive" h_alive
h_summary
