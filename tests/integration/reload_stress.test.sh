#!/usr/bin/env bash
# SIGHUP reloads while webhooks arrive: the daemon never dies and the configuration a running
# part reads is never freed under it.
#
# 1. The crash that was found: serve, change a key and SIGHUP (the reload succeeds and every
#    part restarts), overwrite the certificate with garbage and SIGHUP again (the old pair is
#    kept), then send TLS requests. The parts once kept a pointer to the reload's stack frame;
#    under ASan with detect_stack_use_after_return=1 (scripts/test.sh sets it) any such read
#    aborts the daemon.
# 2. Stress: 40 SIGHUPs, each changing the configuration (or not, or breaking it), while a
#    client posts alerts without pause. Afterwards the daemon is alive, answers, and a real
#    failover still happens; its log holds no sanitizer report.
#
# Only 127.0.0.1: fakedash and the daemon listen there, and every request goes there.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

client_pid=""
h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json"
fake=$H_FAKE
tmp=$H_TMP
conf=$tmp/tf.conf

# write_config INTERVAL: the configuration, with one key that the stress changes.
write_config() {
  h_write_config "$conf" "requests_per_second = 10" "requests_burst = 30"
  printf 'reconcile_interval_s = %s\n' "$1" >>"$conf"
}

h_certs
cp "$tmp/certs/server.crt" "$tmp/good.crt"
first_config() { write_config 30; }
check "daemon ready" h_serve first_config "$conf"
tf_pid=$H_TF_PID
alive() { h_alive; }
alert() { h_alert "$1" 1001 "${2:-L_200}"; }
post() { h_post "$1"; }

# ---- 1. The sequence that crashed -------------------------------------------------------
write_config 31
kill -HUP "$tf_pid" 2>/dev/null || true
for _ in $(seq 1 100); do grep -q '"config_reloaded"' "$tmp/tf.log" && break; sleep 0.05; done
check "a changed config reloads" grep -q '"config_reloaded"' "$tmp/tf.log"
printf 'not a certificate\n' >"$tmp/certs/server.crt"
kill -HUP "$tf_pid" 2>/dev/null || true
for _ in $(seq 1 100); do grep -q '"tls_reload_failed"' "$tmp/tf.log" && break; sleep 0.05; done
check "a garbage certificate is refused and the old pair kept" grep -q '"tls_reload_failed"' "$tmp/tf.log"
codes=""
for i in $(seq 1 20); do codes="$codes $(post "$(alert "crash-$i" L_999)")"; done
check "TLS requests after the two reloads are answered (got:$codes)" \
  bash -c "! grep -qvE '^( (200|202))+\$' <<<'$codes'"
check "the daemon survived the reload sequence" alive
cp "$tmp/good.crt" "$tmp/certs/server.crt"

# ---- 2. Many reloads under traffic --------------------------------------------------------
(
  i=0
  while :; do
    i=$((i + 1))
    echo "$(post "$(alert "stress-$i" L_999)")" >>"$tmp/codes"
  done
) &
client_pid=$!
H_PIDS+=("$client_pid")
for round in $(seq 1 40); do
  case $((round % 4)) in
  0) write_config $((30 + round)) ;;                       # a changed config: every part restarts
  1) : ;;                                                  # unchanged: the certificate is swapped
  2) printf '[failover]\nbogus = 1\n' >"$tmp/tf.conf" ;;   # broken: rejected, the old one kept
  3) write_config $((30 + round)) ;;
  esac
  kill -HUP "$tf_pid" 2>/dev/null || true
  sleep 0.15
  alive || break
done
write_config 30
kill -HUP "$tf_pid" 2>/dev/null || true
sleep 0.5
kill "$client_pid" 2>/dev/null
wait "$client_pid" 2>/dev/null || true
client_pid=""
check "the daemon survived 40 reloads under traffic" alive
sent=$(wc -l <"$tmp/codes")
answered=$(grep -cE '^(200|202|503)$' "$tmp/codes" || true)
check "alerts kept flowing during the reloads (sent $sent, answered $answered)" test "$answered" -ge 20
# The reloads keep the listener (its settings do not change), so no connection is refused.
check "nothing but 200/202/503 during the reloads, no refused connection" \
  bash -c "! grep -qvE '^(200|202|503)\$' '$tmp/codes'"

# ---- 3. Renewed certificates, the most ordinary SIGHUP there is -----------------------------
# 1,000 certificate-only reloads (the configuration unchanged) under traffic must not cost one
# webhook (issue 13, finding 14). Each swaps the pair the running listener hands to new
# handshakes; nothing is restarted, so nothing is refused or cut. (It once started a second
# daemon on the socket and drained the old one for 2 s, which cut a handshake now and then, and
# closing the old daemon's descriptor under its epoll thread once aborted the process.)
# SIGHUPs sent faster than they are handled merge into one, so the loop counts the reloads the
# daemon logged and goes on until there are 1,000, or 30 s have passed (a sanitizer build
# reloads ~5 times slower; at least 200 are asked for there, and the count is printed).
write_config 30
kill -HUP "$tf_pid" 2>/dev/null || true
sleep 0.5
: >"$tmp/codes"
reloads_before=$(grep -c '"tls_reloaded"' "$tmp/tf.log" || true)
(
  i=0
  while :; do
    i=$((i + 1))
    echo "$(post "$(alert "cert-$i" L_999)")" >>"$tmp/codes"
  done
) &
client_pid=$!
H_PIDS+=("$client_pid")
reloads=0
until_s=$(($(date +%s) + 30))
for _ in $(seq 1 100); do
  for _ in $(seq 1 50); do
    kill -HUP "$tf_pid" 2>/dev/null || true
    sleep 0.004
  done
  alive || break
  reloads=$(($(grep -c '"tls_reloaded"' "$tmp/tf.log" || true) - reloads_before))
  [ "$reloads" -ge 1000 ] && break
  [ "$(date +%s)" -ge "$until_s" ] && break
done
echo "certificate reloads under traffic: $reloads"
sleep 0.5
kill "$client_pid" 2>/dev/null
wait "$client_pid" 2>/dev/null || true
client_pid=""
check "the daemon survived the certificate reloads under traffic" alive
check "1,000 certificate reloads happened, or 200 in 30 s (got $reloads)" \
  bash -c "[ $reloads -ge 1000 ] || [ $reloads -ge 200 -a \$(date +%s) -ge $until_s ]"
sent_c=$(grep -c . "$tmp/codes" || true)
bad_c=$(grep -cvE '^(200|202)$' "$tmp/codes" || true)
check "every webhook during them was answered: $bad_c of $sent_c not" \
  test "$sent_c" -gt 50 -a "$bad_c" -eq 0

# A real failover still works after all that.
check "ready again" h_wait_ready
now=$(date +%s)
curl -s -o /dev/null -X POST "$fake/_control/loss" \
  -d "{\"networkId\":\"L_100\",\"uplink\":\"wan1\",\"ip\":\"203.0.113.10\",\"lossPercent\":60,\"at\":$((now - 2))}"
check "an alert after the reloads is accepted" test "$(post "$(alert after-1 L_100)")" = 202
ok=false
for _ in $(seq 1 100); do
  if curl -s "$fake/_control/networks" | grep -q '"L_100"[^}]*london_primary_down'; then
    ok=true
    break
  fi
  sleep 0.1
done
check "the failover after the reloads landed" $ok
check "the daemon is still alive" alive
kill -TERM "$tf_pid"
set +e
wait "$tf_pid"
rc=$?
set -e
H_TF_PID=""
check "SIGTERM exits 0 (got $rc)" test "$rc" -eq 0
check "no sanitizer report in the daemon's log" \
  bash -c "! grep -qE 'AddressSanitizer|UndefinedBehaviorSanitizer|ThreadSanitizer|runtime error' '$tmp/tf.log'"

h_summary
