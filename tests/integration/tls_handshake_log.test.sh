#!/usr/bin/env bash
# Failed TLS handshakes are logged at info with the client's address (issue 12 item 5), and a
# flood of them cannot fill the disk: at most 20 lines a minute per listener (the rest are
# counted and their number logged once the minute is over).
#   - logged: plain HTTP to the TLS port, a client offering only CBC ciphers, a client that
#     does not trust the certificate (it hangs up after the server's hello);
#   - not logged: a port probe that connects and closes without a byte, a client that completes
#     the handshake and then says nothing, a normal webhook.
# Only 127.0.0.1.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json"
conf() { h_write_config "$H_TMP/tf.conf"; }
check "daemon ready" h_serve conf "$H_TMP/tf.conf"
log=$H_TMP/tf.log
lines() { grep -c '"event":"tls_handshake_failed".*"client":"127.0.0.1"' "$log" || true; }
# wait_lines N: up to 5 s for N lines.
wait_lines() {
  for _ in $(seq 1 50); do [ "$(lines)" -ge "$1" ] && return 0; sleep 0.1; done
  return 1
}
plain_http() { curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$H_PORT/webhook" || true; }

plain_http
check "plain HTTP to the TLS port is logged with the client address" wait_lines 1
timeout 5 openssl s_client -connect "127.0.0.1:$H_PORT" -tls1_2 -cipher AES128-SHA </dev/null >/dev/null 2>&1 || true
check "a CBC-only client is logged" wait_lines 2
curl -s -o /dev/null --max-time 2 "https://localhost:$H_PORT/webhook" || true
check "a client that does not trust the certificate is logged" wait_lines 3
check "... as failing after its hello" \
  grep -q '"event":"tls_handshake_failed".*"stage":"after the client hello"' "$log"

python3 -c "
import socket, time
s = socket.create_connection(('127.0.0.1', $H_PORT)); time.sleep(0.2); s.close()"
(sleep 1.5) | timeout 5 openssl s_client -connect "127.0.0.1:$H_PORT" -CAfile "$H_TMP/certs/ca.crt" >/dev/null 2>&1 || true
check "a webhook is still accepted" test "$(h_post "$(h_alert hs-1 1001 L_999)")" = 202
sleep 1
check "a silent probe, an idle completed handshake and a webhook log nothing (lines: $(lines))" \
  test "$(lines)" -eq 3

# A flood: 40 more within the minute; the log keeps 20 lines in all.
for _ in $(seq 1 40); do plain_http; done
wait_lines 20 || true
sleep 1
check "a flood of failed handshakes is capped at 20 lines a minute (got $(lines))" test "$(lines)" -eq 20
check "the daemon is alive" h_alive
h_summary
