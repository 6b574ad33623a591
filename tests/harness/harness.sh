# harness.sh - the integration harness for the shell tests (tests/integration/*.test.sh):
# checks and their summary, free ports on 127.0.0.1, fakedash and the daemon as processes,
# webhook bodies and their delivery over TLS. The C tests' harness is its sibling; both speak
# only to 127.0.0.1.
#
#   source "$TF_SOURCE_DIR/tests/harness/harness.sh"
#   h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json"
#   conf() { h_write_config "$H_TMP/tf.conf" "organization_ids = 1001"; }  # extra: [dashboard]
#   check "ready" h_serve conf "$H_TMP/tf.conf"
#   check "an alert is accepted" test "$(h_post "$(h_alert a-1 1001 L_100)")" = 202
#   h_summary                                                     # last line of the test
#
# Needs TF_BIN, FAKEDASH_BIN and TF_SOURCE_DIR (ctest sets them). Everything lives in $H_TMP,
# removed on exit with every process the harness started.

: "${TF_BIN:?}" "${FAKEDASH_BIN:?}" "${TF_SOURCE_DIR:?}"
H_TMP=$(mktemp -d)
H_SECRET="harness-shared-secret"
H_API_KEY="test-api-key"
H_FAKE_PID=""
H_TF_PID=""
H_FAILS=0
H_PASSES=0
H_PIDS=()

h_cleanup() {
  local p rc=$?
  set +e
  for p in "${H_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "$H_TF_PID" ] && kill "$H_TF_PID" 2>/dev/null && wait "$H_TF_PID" 2>/dev/null
  [ -n "$H_FAKE_PID" ] && kill "$H_FAKE_PID" 2>/dev/null && wait "$H_FAKE_PID" 2>/dev/null
  if [ "$H_FAILS" -gt 0 ] && [ -f "$H_TMP/tf.log" ]; then
    echo "--- the daemon's last log lines:" >&2
    tail -20 "$H_TMP/tf.log" >&2
  fi
  # H_KEEP=1 keeps the test's files (logs, configs) for a post-mortem.
  if [ -n "${H_KEEP:-}" ]; then echo "harness: kept $H_TMP" >&2; else rm -rf "$H_TMP"; fi
  return "$rc"
}
trap h_cleanup EXIT

# check NAME COMMAND...: counts COMMAND's success; says FAIL: NAME otherwise.
check() {
  local name=$1
  shift
  if "$@"; then
    H_PASSES=$((H_PASSES + 1))
  else
    echo "FAIL: $name" >&2
    H_FAILS=$((H_FAILS + 1))
  fi
}

# The closing line ctest's log reader knows, and the exit status.
h_summary() {
  echo "$H_PASSES passed, $H_FAILS failed"
  [ "$H_FAILS" -eq 0 ]
}

# A TCP port on 127.0.0.1 that nothing answers on.
h_free_port() {
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

# h_start_fakedash SCENARIO: starts the fake Dashboard; sets H_FAKE (its base URL).
h_start_fakedash() {
  "$FAKEDASH_BIN" --port 0 --quiet --scenario "$1" >"$H_TMP/fake.out" 2>"$H_TMP/fake.err" &
  H_FAKE_PID=$!
  for _ in $(seq 1 100); do
    [ -s "$H_TMP/fake.out" ] && break
    sleep 0.05
  done
  local port
  port=$(sed -nE '1s/.*127\.0\.0\.1:([0-9]+).*/\1/p' "$H_TMP/fake.out")
  if [ -z "$port" ]; then
    echo "FAIL: fakedash did not start: $(cat "$H_TMP/fake.err")" >&2
    exit 1
  fi
  H_FAKE="http://127.0.0.1:$port"
}

# The development certificates, made once per test in $H_TMP/certs.
h_certs() {
  [ -s "$H_TMP/certs/server.crt" ] || bash "$TF_SOURCE_DIR/scripts/gen-certs.sh" "$H_TMP/certs" >/dev/null
}

# h_write_config FILE [DASHBOARD_LINE...]: the daemon's configuration: fakedash, a TLS
# listener on H_PORT, the admin listener on H_ADMIN, compressed windows. H_PORT and H_ADMIN
# are chosen on the first call (data_lag_s is 0 unless a DASHBOARD_LINE sets it). Set
# H_FAILOVER_EXTRA to add lines to [failover].
h_write_config() {
  local file=$1
  shift
  h_certs
  [ -n "${H_PORT:-}" ] || H_PORT=$(h_free_port)
  if [ -z "${H_ADMIN:-}" ]; then
    H_ADMIN=$(h_free_port)
    while [ "$H_ADMIN" = "$H_PORT" ]; do H_ADMIN=$(h_free_port); done
  fi
  {
    echo "[dashboard]"
    echo "base_url = $H_FAKE/api/v1"
    echo "api_key = $H_API_KEY"
    local line lag=0
    for line in "$@"; do
      case $line in data_lag_s*) lag="" ;; esac
    done
    [ -n "$lag" ] && echo "data_lag_s = 0"
    for line in "$@"; do echo "$line"; done
    echo
    echo "[listener]"
    echo "mode = tls"
    echo "address = 127.0.0.1"
    echo "port = $H_PORT"
    echo "cert_file = $H_TMP/certs/server.crt"
    echo "key_file = $H_TMP/certs/server.key"
    echo "shared_secret = $H_SECRET"
    echo
    echo "[admin]"
    echo "address = 127.0.0.1"
    echo "port = $H_ADMIN"
    echo
    echo "[failover]"
    local kv
    for kv in "detect_window_s = 6" "clean_window_s = 6" "confirm_interval_s = 1" \
      "confirm_window_s = 20"; do
      # A key H_FAILOVER_EXTRA sets replaces the harness's default.
      grep -q "^${kv%% =*} *=" <<<"${H_FAILOVER_EXTRA:-}" || echo "$kv"
    done
    if [ -n "${H_FAILOVER_EXTRA:-}" ]; then printf '%s\n' "$H_FAILOVER_EXTRA"; fi
  } >"$file.new"
  mv "$file.new" "$file"
}

# h_start_daemon CONFIG: `tagfailover serve`, its log in $H_TMP/tf.log; sets H_TF_PID.
h_start_daemon() {
  "$TF_BIN" -c "$1" serve 2>>"$H_TMP/tf.log" &
  H_TF_PID=$!
}

# h_serve WRITE_CONFIG CONFIG: writes the configuration with the function WRITE_CONFIG, starts
# the daemon on it and waits until it is ready. The ports are picked at random among free ones,
# so a parallel test may take one between the pick and the bind: then new ports are picked
# and the daemon started again (three tries).
h_serve() {
  local try
  for try in 1 2 3; do
    "$1"
    h_start_daemon "$2"
    h_wait_ready && return 0
    if h_alive || ! grep -q 'Address already in use' "$H_TMP/tf.log"; then
      return 1
    fi
    echo "harness: port taken (try $try), picking others" >&2
    unset H_PORT H_ADMIN
  done
  return 1
}

# True when the daemon process still runs.
h_alive() { kill -0 "$H_TF_PID" 2>/dev/null; }

# Waits up to 15 s for /readyz to answer 200.
h_wait_ready() {
  for _ in $(seq 1 150); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$H_ADMIN/readyz" || true)" = 200 ] && return 0
    h_alive || return 1
    sleep 0.1
  done
  return 1
}

# h_alert ALERT_ID ORG NETWORK [TYPE]: a webhook body with the harness's secret.
h_alert() {
  printf '{"version":"0.1","sharedSecret":"%s","organizationId":"%s","networkId":"%s","alertId":"%s","alertTypeId":"%s","occurredAt":"2026-01-01T00:00:00.000000Z","alertData":{"uplink":"0"}}' \
    "$H_SECRET" "$2" "$3" "$1" "${4:-failover_event}"
}

# h_post BODY [CURL_ARG...]: POSTs it to the webhook listener over TLS; prints the HTTP
# status (000 when the connection failed).
h_post() {
  local body=$1
  shift
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$H_TMP/certs/ca.crt" \
    -H 'Content-Type: application/json' --data-binary "$body" "$@" \
    "https://localhost:$H_PORT/webhook" || true
}

# h_tags NETWORK: the network's tags as fakedash holds them (a JSON array).
h_tags() {
  curl -s "$H_FAKE/_control/networks" | tr '{' '\n' | grep "\"$1\"" |
    sed -E 's/.*"tags":(\[[^]]*\]).*/\1/'
}

# h_wait_tags NETWORK PATTERN SECONDS: waits until the network's tags match PATTERN (grep -E).
h_wait_tags() {
  local deadline=$(($(date +%s%N) + $3 * 1000000000))
  while [ "$(date +%s%N)" -lt "$deadline" ]; do
    h_tags "$1" | grep -qE "$2" && return 0
    sleep 0.05
  done
  return 1
}

# h_loss NETWORK IP PCT [AT]: the fake's loss to IP from NETWORK's wan1 (from AT, default now).
h_loss() {
  curl -s -o /dev/null -X POST "$H_FAKE/_control/loss" \
    -d "{\"networkId\":\"$1\",\"uplink\":\"wan1\",\"ip\":\"$2\",\"lossPercent\":$3,\"at\":${4:-0}}"
}
