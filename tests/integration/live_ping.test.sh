#!/usr/bin/env bash
# Evidence in seconds: the appliance's live ping, against a fake Dashboard whose loss series
# lags 60 s behind (one sample a second), so the series alone cannot confirm for a minute.
#
# 1. evidence = series, live (polled): an outage starting with its alert fails over within a
#    few seconds, by the ping (the log line says evidence live), the ping's request is right
#    (the branch's serial, the tracked IP, count 5) and the backup's tracked IP is pinged too.
# 2. evidence = series: no ping is sent, and nothing fails over while the series lags.
# 3. A clean ping confirms nothing: no PUT, and no more than one ping per live_ping_interval_s.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json"
curl -s -o /dev/null -X POST "$H_FAKE/_control/config" -d '{"data_lag_s": 60, "ping_duration_s": 1}'

log_json() { curl -s "$H_FAKE/_control/log"; }
# count METHOD PATH_PREFIX: API requests seen by the fake.
count() {
  log_json | python3 -c "
import json, sys
n = sum(1 for e in json.load(sys.stdin)
        if not e.get('control') and e['method'] == sys.argv[1] and e['path'].startswith(sys.argv[2]))
print(n)" "$1" "$2"
}
ping_bodies() {
  log_json | python3 -c "
import json, sys
for e in json.load(sys.stdin):
    if e['method'] == 'POST' and '/liveTools/ping' in e['path']:
        print(e['path'], e['body'])"
}

# ---- 1. live, polled ---------------------------------------------------------------------
# The real cadence (a look every 5 s), so the API calls of one confirmation are what they
# would be in production.
H_FAILOVER_EXTRA=$'reconcile_interval_s = 300\nevidence = series, live\nlive_ping_interval_s = 30\nconfirm_interval_s = 5'
conf() { h_write_config "$H_TMP/live.conf" "data_lag_s = 60"; }
check "daemon ready (live)" h_serve conf "$H_TMP/live.conf"
curl -s -o /dev/null -X DELETE "$H_FAKE/_control/log"
h_loss L_100 203.0.113.10 60
t0=$(date +%s%N)
check "the alert is accepted" test "$(h_post "$(h_alert live-1 1001 L_100)")" = 202
check "failed over within 6 s, with the series 60 s behind" \
  h_wait_tags L_100 'london_primary_down.*paris_backup_up' 6
took=$((($(date +%s%N) - t0) / 1000000))
echo "live: failover ${took} ms after the alert" >&2
for _ in $(seq 1 20); do grep -q '"event":"failover"' "$H_TMP/tf.log" && break; sleep 0.1; done
line=$(grep '"event":"failover"' "$H_TMP/tf.log" | tail -1)
check "the retag line says evidence live ($line)" grep -q '"evidence":"live"' <<<"$line"
check "its loss is the ping's" grep -q '"loss_pct":60' <<<"$line"
check "its trigger is the alert" grep -q '"trigger":"webhook:live-1"' <<<"$line"
bodies=$(ping_bodies)
check "the ping came from the branch's appliance, to the tracked IP, 5 packets ($bodies)" \
  grep -q '^/api/v1/devices/Q2XX-AAAA-0001/liveTools/ping {"target":"203.0.113.10","count":5}$' <<<"$bodies"
check "the backup's tracked IP was pinged too" \
  grep -q '{"target":"198.51.100.20","count":5}' <<<"$bodies"
check "no callback asked for without public_url" bash -c "! grep -q callback <<<'$bodies'"
check "the result was polled" test "$(count GET /api/v1/devices/Q2XX-AAAA-0001/liveTools/ping/)" -ge 1
calls=$(log_json | python3 -c "
import json, sys
print(sum(1 for e in json.load(sys.stdin) if not e.get('control')))")
check "API calls for the whole confirmation: $calls <= 12" test "$calls" -le 12
metrics=$(curl -s "http://127.0.0.1:$H_ADMIN/metrics")
check "the ping is counted as loss" grep -q '^tagfailover_live_pings_total{result="loss"} 1$' <<<"$metrics"
kill "$H_TF_PID" && wait "$H_TF_PID" 2>/dev/null || true
H_TF_PID=""

# ---- 2. series only ----------------------------------------------------------------------
curl -s -o /dev/null -X POST "$H_FAKE/_control/tags" \
  -d '{"networkId":"L_200","tags":["paris_backup_down","warehouse","london_primary_up"]}'
H_FAILOVER_EXTRA=$'reconcile_interval_s = 300\nevidence = series'
conf() { h_write_config "$H_TMP/series.conf" "data_lag_s = 60"; }
check "daemon ready (series)" h_serve conf "$H_TMP/series.conf"
curl -s -o /dev/null -X DELETE "$H_FAKE/_control/log"
h_loss L_200 203.0.113.10 60
check "the alert is accepted" test "$(h_post "$(h_alert series-1 1001 L_200)")" = 202
sleep 5
check "evidence = series sends no ping" test "$(count POST /api/v1/devices/)" -eq 0
check "and cannot fail over while the series lags" \
  test "$(h_tags L_200)" = '["paris_backup_down","warehouse","london_primary_up"]'
kill "$H_TF_PID" && wait "$H_TF_PID" 2>/dev/null || true
H_TF_PID=""

# ---- 3. a clean ping ----------------------------------------------------------------------
H_FAILOVER_EXTRA=$'reconcile_interval_s = 300\nevidence = series, live\nlive_ping_interval_s = 4\nconfirm_window_s = 9'
conf() { h_write_config "$H_TMP/clean.conf" "data_lag_s = 60"; }
check "daemon ready (clean)" h_serve conf "$H_TMP/clean.conf"
curl -s -o /dev/null -X DELETE "$H_FAKE/_control/log"
check "the alert is accepted" test "$(h_post "$(h_alert clean-1 1001 L_300)")" = 202
# L_300 is held: skipped at once, no ping. A normal network with no loss: L_200 (restored).
curl -s -o /dev/null -X POST "$H_FAKE/_control/loss" \
  -d '{"networkId":"L_200","uplink":"wan1","ip":"203.0.113.10","lossPercent":0}'
check "an alert for a clean branch is accepted" test "$(h_post "$(h_alert clean-2 1001 L_200)")" = 202
for _ in $(seq 1 150); do grep -q '"result":"unconfirmed"' "$H_TMP/tf.log" && break; sleep 0.1; done
check "the clean branch's confirmation ends unconfirmed" grep -q '"network_id":"L_200".*"result":"unconfirmed"' "$H_TMP/tf.log"
check "the held branch's is skipped, without a ping" grep -q '"network_id":"L_300".*"result":"skipped"' "$H_TMP/tf.log"
pings=$(count POST /api/v1/devices/Q2XX-AAAA-0002/liveTools/ping)
check "no more than one ping (and its backup's) per 4 s over 9 s: $pings <= 6" test "$pings" -le 6 -a "$pings" -ge 2
check "nothing written" test "$(count PUT /api/v1/networks/)" -eq 0
check "no ping for the held branch" test "$(count POST /api/v1/devices/Q2XX-AAAA-0003/)" -eq 0
metrics=$(curl -s "http://127.0.0.1:$H_ADMIN/metrics")
check "clean pings counted" grep -qE '^tagfailover_live_pings_total\{result="clean"\} [1-9]' <<<"$metrics"
kill "$H_TF_PID" && wait "$H_TF_PID" 2>/dev/null || true
H_TF_PID=""

# ---- 4. reconciliation-only mode with the VPN status hint -----------------------------------
# No listener, no alert: the reconcile reads the VPN statuses, finds L_200's tunnel to its
# primary unreachable (the fake derives it from 100 % loss now), confirms, and the ping proves
# it while the series still lags a minute.
cat >"$H_TMP/hint.conf" <<EOF
[dashboard]
base_url = $H_FAKE/api/v1
api_key = $H_API_KEY
data_lag_s = 60

[listener]
mode = off

[admin]
address = 127.0.0.1
port = $H_ADMIN

[failover]
reconcile_interval_s = 3
confirm_interval_s = 5
detect_window_s = 6
clean_window_s = 6
EOF
curl -s -o /dev/null -X POST "$H_FAKE/_control/tags" \
  -d '{"networkId":"L_200","tags":["paris_backup_down","warehouse","london_primary_up"]}'
"$TF_BIN" -c "$H_TMP/hint.conf" reconcile 2>>"$H_TMP/tf.log" &
H_TF_PID=$!
check "reconcile-only daemon ready" h_wait_ready
h_loss L_200 203.0.113.10 100
t0=$(date +%s%N)
check "failed over within one interval plus a ping (8 s)" \
  h_wait_tags L_200 'paris_backup_up","warehouse","london_primary_down' 8
echo "hint: failover $((($(date +%s%N) - t0) / 1000000)) ms after the loss began" >&2
for _ in $(seq 1 20); do grep -q '"event":"failover".*"network_id":"L_200"' "$H_TMP/tf.log" && break; sleep 0.1; done
line=$(grep '"event":"failover".*"network_id":"L_200"' "$H_TMP/tf.log" | tail -1)
check "the trigger is the VPN status ($line)" grep -q '"trigger":"vpn_status:203.0.113.10"' <<<"$line"
check "the evidence is the live ping" grep -q '"evidence":"live"' <<<"$line"
# The lagging series still shows the clean minutes before the outage: they must not fail the
# branch back (the clean window starts no earlier than the failover).
sleep 7
check "no failback on data from before the failover" \
  test "$(h_tags L_200)" = '["paris_backup_up","warehouse","london_primary_down"]'
check "no failback line at all" bash -c "! grep -q '\"event\":\"failback\".*L_200' '$H_TMP/tf.log'"
# /status says when the failback will be due: the clean window starts at the failover, so the
# earliest is the failover + clean_window_s (6) + data_lag_s (60).
due=$(curl -s "http://127.0.0.1:$H_ADMIN/status" | python3 -c "
import json, sys, datetime
for o in json.load(sys.stdin)['organizations']:
    for n in o['networks']:
        if n['id'] == 'L_200' and n['failback_due_at']:
            print(int(datetime.datetime.strptime(n['failback_due_at'], '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=datetime.timezone.utc).timestamp()))")
moved=$(date -d "$(sed -nE 's/^\{"ts":"([^"]+)".*"event":"failover".*"network_id":"L_200".*/\1/p' "$H_TMP/tf.log" | tail -1)" +%s)
check "failback_due_at = the failover + 66 s (due $due, moved $moved)" \
  test -n "$due" -a "$((due - moved))" -ge 65 -a "$((due - moved))" -le 67

# ---- 5. a restart does not forget when the branch moved -------------------------------------
# kill -9, start again: the new process reads the move from the Dashboard's change log and
# still waits for a clean window after it.
kill -9 "$H_TF_PID" 2>/dev/null || true
wait "$H_TF_PID" 2>/dev/null || true
curl -s -o /dev/null -X DELETE "$H_FAKE/_control/log"
"$TF_BIN" -c "$H_TMP/hint.conf" reconcile 2>>"$H_TMP/tf.log" &
H_TF_PID=$!
check "restarted" h_wait_ready
sleep 4
check "no failback after the restart either" \
  test "$(h_tags L_200)" = '["paris_backup_up","warehouse","london_primary_down"]'
check "the restarted process read the change log" test "$(count GET /api/v1/organizations/1001/configurationChanges)" -ge 1
h_summary
