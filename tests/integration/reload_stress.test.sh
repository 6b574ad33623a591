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

: "${TF_BIN:?}" "${FAKEDASH_BIN:?}" "${TF_SOURCE_DIR:?}"
tmp=$(mktemp -d)
fake_pid=""
tf_pid=""
client_pid=""
cleanup() {
  [ -n "$client_pid" ] && kill "$client_pid" 2>/dev/null
  [ -n "$tf_pid" ] && kill "$tf_pid" 2>/dev/null && wait "$tf_pid" 2>/dev/null
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
  [ "$fails" -gt 0 ] && [ -f "$tmp/tf.log" ] && tail -20 "$tmp/tf.log" >&2
  rm -rf "$tmp"
  return 0
}
trap cleanup EXIT
fails=0
passes=0
check() { # check NAME CONDITION...
  local name=$1
  shift
  if "$@"; then
    passes=$((passes + 1))
  else
    echo "FAIL: $name" >&2
    fails=$((fails + 1))
  fi
}

secret="reload-stress-secret"
bash "$TF_SOURCE_DIR/scripts/gen-certs.sh" "$tmp/certs" >/dev/null
cp "$tmp/certs/server.crt" "$tmp/good.crt"

"$FAKEDASH_BIN" --port 0 --quiet --scenario "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json" \
  >"$tmp/fake.out" 2>"$tmp/fake.err" &
fake_pid=$!
for _ in $(seq 1 100); do
  [ -s "$tmp/fake.out" ] && break
  sleep 0.05
done
fake_port=$(sed -nE '1s/.*127\.0\.0\.1:([0-9]+).*/\1/p' "$tmp/fake.out")
[ -n "$fake_port" ] || { echo "FAIL: fakedash did not start: $(cat "$tmp/fake.err")" >&2; exit 1; }
fake="http://127.0.0.1:$fake_port"

free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}
port=$(free_port)
admin=$(free_port)
while [ "$admin" = "$port" ]; do admin=$(free_port); done

# write_config INTERVAL: the daemon's configuration, with one key that the stress changes.
write_config() {
  cat >"$tmp/tf.conf.new" <<EOF
[dashboard]
base_url = $fake/api/v1
api_key = test-api-key
data_lag_s = 0
requests_per_second = 10
requests_burst = 30

[listener]
mode = tls
address = 127.0.0.1
port = $port
cert_file = $tmp/certs/server.crt
key_file = $tmp/certs/server.key
shared_secret = $secret

[admin]
address = 127.0.0.1
port = $admin

[failover]
detect_window_s = 6
clean_window_s = 6
reconcile_interval_s = $1
confirm_interval_s = 1
confirm_window_s = 20
EOF
  mv "$tmp/tf.conf.new" "$tmp/tf.conf"
}

alert() { # alert ALERT_ID [NETWORK]
  printf '{"version":"0.1","sharedSecret":"%s","organizationId":"1001","networkId":"%s","alertId":"%s","alertTypeId":"failover_event","occurredAt":"2026-01-01T00:00:00.000000Z","alertData":{"uplink":"0"}}' \
    "$secret" "${2:-L_200}" "$1"
}

post() { # post BODY -> prints the HTTP status (000 when the connection failed)
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$tmp/certs/ca.crt" \
    -H 'Content-Type: application/json' --data-binary "$1" "https://localhost:$port/webhook" || true
}

wait_ready() {
  for _ in $(seq 1 150); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$admin/readyz" || true)" = 200 ] && return 0
    sleep 0.1
  done
  return 1
}

alive() { kill -0 "$tf_pid" 2>/dev/null; }

write_config 30
"$TF_BIN" -c "$tmp/tf.conf" serve 2>"$tmp/tf.log" &
tf_pid=$!
check "daemon ready" wait_ready

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
check "nothing but 200/202/503 or a refused connection during restarts" \
  bash -c "! grep -qvE '^(200|202|503|000)\$' '$tmp/codes'"

# A real failover still works after all that.
check "ready again" wait_ready
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
tf_pid=""
check "SIGTERM exits 0 (got $rc)" test "$rc" -eq 0
check "no sanitizer report in the daemon's log" \
  bash -c "! grep -qE 'AddressSanitizer|UndefinedBehaviorSanitizer|ThreadSanitizer|runtime error' '$tmp/tf.log'"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
