#!/usr/bin/env bash
# Live pings with callbacks, and live pings that fail.
#
# 1. With [listener] public_url, a ping asks Meraki to post its result back: the fake delivers
#    the finished ping over TLS to the daemon's webhook path with the shared secret; the
#    daemon answers 202 and fails over on it, without a single polling GET.
# 2. A forged callback is 401; an authenticated one for a ping nobody waits for is 200
#    ignored: neither can cause a retag.
# 3. The backup's tracked IP losing too: no failover (backup_unhealthy).
# 4. Ping endpoint refusing (429), failing (500) or never finishing: no crash, and the failover
#    still comes from the series once the lagged loss shows.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json"
h_certs
curl -s -o /dev/null -X POST "$H_FAKE/_control/config" \
  -d "{\"data_lag_s\": 30, \"ping_duration_s\": 1, \"webhook_ca_file\": \"$H_TMP/certs/ca.crt\"}"

log_json() { curl -s "$H_FAKE/_control/log"; }
count() { # count METHOD PATH_PREFIX: API requests seen by the fake
  log_json | python3 -c "
import json, sys
print(sum(1 for e in json.load(sys.stdin)
          if not e.get('control') and e['method'] == sys.argv[1] and e['path'].startswith(sys.argv[2])))" "$1" "$2"
}
metric() { curl -s "http://127.0.0.1:$H_ADMIN/metrics" | awk -v k="$1" '$1 == k { print $2 + 0 }'; }

# ---- 1. callback --------------------------------------------------------------------------
H_PORT=$(h_free_port)
H_FAILOVER_EXTRA=$'reconcile_interval_s = 300\nconfirm_interval_s = 5\nconfirm_window_s = 60'
conf() {
  h_write_config "$H_TMP/cb.conf" "data_lag_s = 30"
  sed -i "s#^shared_secret = .*#&\npublic_url = https://localhost:$H_PORT/webhook#" "$H_TMP/cb.conf"
}
check "daemon ready (callbacks)" h_serve conf "$H_TMP/cb.conf"
curl -s -o /dev/null -X DELETE "$H_FAKE/_control/log"
h_loss L_100 203.0.113.10 60
check "the alert is accepted" test "$(h_post "$(h_alert cb-1 1001 L_100)")" = 202
check "failed over on the callback within 6 s" h_wait_tags L_100 'london_primary_down.*paris_backup_up' 6
body=$(log_json | python3 -c "
import json, sys
for e in json.load(sys.stdin):
    if e['method'] == 'POST' and e['path'].endswith('/liveTools/ping') and '203.0.113.10' in (e['body'] or ''):
        print(e['body'])" | head -1)
check "the ping asked for a callback to public_url" \
  grep -q "\"callback\":{\"url\":\"https://localhost:$H_PORT/webhook\",\"sharedSecret\":\"$H_SECRET\"}" <<<"$body"
check "no polling GET" test "$(count GET /api/v1/devices/)" -eq 0
check "the callback was answered 202" \
  grep -q '"alert_type_id":"ping_callback".*"status":202\|"status":202.*"alert_type_id":"ping_callback"' "$H_TMP/tf.log"
line=$(grep '"event":"failover".*"network_id":"L_100"' "$H_TMP/tf.log" | tail -1)
check "the retag line says evidence live" grep -q '"evidence":"live"' <<<"$line"

# ---- 2. forged and unmatched callbacks ----------------------------------------------------
cb_body() { # cb_body SECRET PING_ID
  printf '{"callbackId":"cb-x","sharedSecret":"%s","organization":{"id":"1001"},"network":{"id":"L_200"},"message":{"pingId":"%s","status":"complete","results":{"sent":5,"received":0,"loss":{"percentage":100}}}}' "$1" "$2"
}
check "a forged callback is 401" test "$(h_post "$(cb_body wrong 1284392014819)")" = 401
check "an unmatched callback is 200 ignored" test "$(h_post "$(cb_body "$H_SECRET" 999999)")" = 200
sleep 1
check "neither retagged anything" test "$(h_tags L_200)" = '["paris_backup_down","warehouse","london_primary_up"]'
kill "$H_TF_PID" && wait "$H_TF_PID" 2>/dev/null || true
H_TF_PID=""

# ---- 3. the backup loses too ----------------------------------------------------------------
H_FAILOVER_EXTRA=$'reconcile_interval_s = 300\nconfirm_interval_s = 5\nconfirm_window_s = 6'
conf() { h_write_config "$H_TMP/backup.conf" "data_lag_s = 30"; }
check "daemon ready (backup)" h_serve conf "$H_TMP/backup.conf"
curl -s -o /dev/null -X DELETE "$H_FAKE/_control/log"
h_loss L_200 203.0.113.10 60
h_loss L_200 198.51.100.20 50
check "the alert is accepted" test "$(h_post "$(h_alert backup-1 1001 L_200)")" = 202
for _ in $(seq 1 100); do grep -q '"network_id":"L_200".*"result":"unconfirmed"' "$H_TMP/tf.log" && break; sleep 0.1; done
check "no failover on the ping, because of the backup" \
  grep -q 'network L_200: no failover on the live ping: backup_unhealthy' "$H_TMP/tf.log"
check "nothing written" test "$(count PUT /api/v1/networks/)" -eq 0
check "both pings counted as loss" test "$(metric 'tagfailover_live_pings_total{result="loss"}')" -ge 2
kill "$H_TF_PID" && wait "$H_TF_PID" 2>/dev/null || true
H_TF_PID=""
h_loss L_200 203.0.113.10 0
h_loss L_200 198.51.100.20 0

# ---- 4. the ping endpoint fails: the series still decides ---------------------------------
# The series lags 4 s here, so a failover must come from it within a few seconds whatever the
# pings do. Each round has a network of its own whose series has been clean for a while (the
# held L_300 is released for it), so the first look proves nothing and a ping is asked for.
curl -s -o /dev/null -X POST "$H_FAKE/_control/config" -d '{"data_lag_s": 4}'
curl -s -o /dev/null -X POST "$H_FAKE/_control/tags" \
  -d '{"networkId":"L_300","tags":["london_primary_up","paris_backup_down"]}'
curl -s -o /dev/null -X POST "$H_FAKE/_control/tags" \
  -d '{"networkId":"L_100","tags":["retail","london_primary_up","paris_backup_down","north"]}'
h_loss L_100 203.0.113.10 0
sleep 11
H_FAILOVER_EXTRA=$'reconcile_interval_s = 300\nconfirm_interval_s = 1\nconfirm_window_s = 30\nlive_ping_interval_s = 2\nlive_ping_timeout_s = 3'
conf() { h_write_config "$H_TMP/faults.conf" "data_lag_s = 4"; }
check "daemon ready (faults)" h_serve conf "$H_TMP/faults.conf"
for case in 429:L_300 500:L_100 never:L_200; do
  round=${case%%:*}
  net=${case#*:}
  curl -s -o /dev/null -X DELETE "$H_FAKE/_control/fault"
  curl -s -o /dev/null -X DELETE "$H_FAKE/_control/ping"
  case $round in
  429 | 500)
    curl -s -o /dev/null -X POST "$H_FAKE/_control/fault" \
      -d "{\"kind\":\"$round\",\"count\":100,\"method\":\"POST\",\"path_prefix\":\"/api/v1/devices/\"}" ;;
  never)
    curl -s -o /dev/null -X POST "$H_FAKE/_control/ping" -d '{"target":"203.0.113.10","status":"running"}' ;;
  esac
  h_loss "$net" 203.0.113.10 60
  check "ping $round: the alert is accepted" test "$(h_post "$(h_alert "fault-$round" 1001 "$net")")" = 202
  check "ping $round: the failover comes from the series" \
    h_wait_tags "$net" 'london_primary_down|paris_backup_up' 10
  for _ in $(seq 1 20); do grep -q '"event":"failover".*"trigger":"webhook:fault-'"$round"'"' "$H_TMP/tf.log" && break; sleep 0.1; done
  line=$(grep '"event":"failover".*"trigger":"webhook:fault-'"$round"'"' "$H_TMP/tf.log" | tail -1)
  check "ping $round: evidence series ($line)" grep -q '"evidence":"series"' <<<"$line"
  check "ping $round: the daemon is alive" h_alive
done
check "the refusals were counted" test "$(metric 'tagfailover_live_pings_total{result="refused"}')" -ge 1
check "the failures were counted" test "$(metric 'tagfailover_live_pings_total{result="failed"}')" -ge 1
check "the ping that never finished timed out" \
  test "$(metric 'tagfailover_live_pings_total{result="timeout"}')" -ge 1
h_summary
