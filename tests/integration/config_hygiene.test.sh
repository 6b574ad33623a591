#!/usr/bin/env bash
# Configuration hygiene: what check-config warns about (exit 0), and files that are not
# regular files (a FIFO) refused without ever blocking: by check-config, at start-up and on a
# reload, where the running configuration and certificate are kept.
#
# - a config file others can read holding api_key and shared_secret inline, a world-readable
#   secret file, a plain listener and the admin listener off loopback: one warning each, exit 0;
#   serve logs the same warnings (event config_warning) at start-up;
# - a FIFO as shared_secret_file, cert_file, key_file or the configuration file itself:
#   check-config exits 2 at once with file:line;
# - SIGHUP while the certificate is a FIFO: the reload is rejected, the certificate reload
#   fails without blocking the signal thread (a later SIGHUP and SIGTERM are still obeyed),
#   and the listener keeps answering with the old pair;
# - SIGHUP while the new configuration names a FIFO as its secret file: rejected, the old
#   secret still accepted.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json"
conf() { h_write_config "$H_TMP/tf.conf" "organization_ids = 1001"; }
conf
chmod 0644 "$H_TMP/tf.conf"

# ---- check-config's warnings ------------------------------------------------------------------
rc=0
"$TF_BIN" -c "$H_TMP/tf.conf" check-config >"$H_TMP/ok.out" 2>"$H_TMP/ok.err" || rc=$?
check "warnings: check-config still exits 0 (got $rc)" test "$rc" -eq 0
check "warnings: configuration OK" grep -q 'configuration OK' "$H_TMP/ok.err"
check "warnings: the inline api_key in a 0644 file, on its line" \
  grep -qE "tf.conf:3: warning: api_key: a secret written in '.*tf.conf', which is readable by others \(mode 0644\)" "$H_TMP/ok.err"
check "warnings: the inline shared_secret too" \
  grep -qE "tf.conf:[0-9]+: warning: shared_secret: a secret written in" "$H_TMP/ok.err"
check "warnings: no secret in the output" bash -c "! grep -qE '$H_API_KEY|$H_SECRET' '$H_TMP/ok.err' '$H_TMP/ok.out'"
chmod 0600 "$H_TMP/tf.conf"
"$TF_BIN" -c "$H_TMP/tf.conf" check-config >/dev/null 2>"$H_TMP/quiet.err"
check "warnings: none for a 0600 file" bash -c "! grep -q 'warning' '$H_TMP/quiet.err'"

printf 's3cret-in-a-file\n' >"$H_TMP/secret"
chmod 0644 "$H_TMP/secret"
sed -e "s|^shared_secret = .*|shared_secret_file = $H_TMP/secret|" -e 's/^mode = tls/mode = plain/' \
  -e 's/^address = 127.0.0.1/address = 0.0.0.0/' "$H_TMP/tf.conf" >"$H_TMP/open.conf"
chmod 0600 "$H_TMP/open.conf"
rc=0
"$TF_BIN" -c "$H_TMP/open.conf" check-config >/dev/null 2>"$H_TMP/open.err" || rc=$?
check "open listeners: exit 0 (got $rc)" test "$rc" -eq 0
check "a world-readable secret file" \
  grep -qE "open.conf:[0-9]+: warning: shared_secret_file: '.*secret' holds a secret and is readable by others \(mode 0644\)" "$H_TMP/open.err"
check "a plain listener on 0.0.0.0" grep -qE 'open.conf:[0-9]+: warning: address: mode = plain on 0.0.0.0, not loopback' "$H_TMP/open.err"
check "the admin listener on 0.0.0.0" grep -qE 'open.conf:[0-9]+: warning: address: the admin listener .* is on 0.0.0.0, not loopback' "$H_TMP/open.err"
check "three warnings in all (got $(grep -c warning "$H_TMP/open.err"))" test "$(grep -c warning "$H_TMP/open.err")" -eq 3
chmod 0600 "$H_TMP/secret"

# ---- FIFOs: refused at once, never opened blocking ----------------------------------------------
mkfifo "$H_TMP/fifo"
fifo_check() { # fifo_check NAME SED_EXPR PATTERN
  sed -e "$2" "$H_TMP/tf.conf" >"$H_TMP/$1.conf"
  local rc=0
  timeout 10 "$TF_BIN" -c "$H_TMP/$1.conf" check-config >/dev/null 2>"$H_TMP/$1.err" || rc=$?
  check "$1: check-config exits 2 at once (got $rc; 124 = it blocked)" test "$rc" -eq 2
  check "$1: file:line says why ($(head -c 300 "$H_TMP/$1.err"))" grep -qE "$3" "$H_TMP/$1.err"
}
fifo_check secret_fifo "s|^shared_secret = .*|shared_secret_file = $H_TMP/fifo|" \
  "secret_fifo.conf:[0-9]+: shared_secret_file: cannot read '.*fifo': not a regular file"
fifo_check cert_fifo "s|^cert_file = .*|cert_file = $H_TMP/fifo|" \
  "cert_fifo.conf:[0-9]+: cert_file: cannot read '.*fifo': not a regular file"
fifo_check key_fifo "s|^key_file = .*|key_file = $H_TMP/fifo|" \
  "key_fifo.conf:[0-9]+: key_file: cannot read '.*fifo': not a regular file"
rc=0
timeout 10 "$TF_BIN" -c "$H_TMP/fifo" check-config >/dev/null 2>"$H_TMP/conf_fifo.err" || rc=$?
check "the configuration itself a FIFO: exit 2 at once (got $rc)" test "$rc" -eq 2
check "the configuration itself a FIFO: says so" grep -q 'fifo: cannot read: not a regular file' "$H_TMP/conf_fifo.err"

# ---- serve: the warnings at start-up, FIFOs on reload ---------------------------------------------
chmod 0644 "$H_TMP/tf.conf"
check "serve starts" h_serve conf "$H_TMP/tf.conf"
check "the start-up log has the warnings" grep -qE '"event":"config_warning".*warning: api_key: a secret written in' "$H_TMP/tf.log"

# wait_log PATTERN COUNT SECONDS: until PATTERN is in the log COUNT times.
wait_log() {
  local deadline=$(($(date +%s) + $3))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    [ "$(grep -c "$1" "$H_TMP/tf.log" || true)" -ge "$2" ] && return 0
    sleep 0.1
  done
  return 1
}

cert=$H_TMP/certs/server.crt
mv "$cert" "$cert.real"
mkfifo "$cert"
kill -HUP "$H_TF_PID"
check "cert a FIFO: the reload is rejected" wait_log '"event":"config_reload_rejected"' 1 15
check "cert a FIFO: the certificate reload fails instead of blocking" wait_log '"event":"tls_reload_failed"' 1 15
check "cert a FIFO: the listener still answers with the old pair" test "$(h_post "$(h_alert a-1 1001 L_100 settings_changed)")" = 200
rm "$cert"
mv "$cert.real" "$cert"
kill -HUP "$H_TF_PID"
check "the signal thread is free: the next SIGHUP reloads the pair" wait_log '"event":"tls_reloaded"' 1 15

# A new configuration naming a FIFO as its secret file: rejected, the old secret kept.
cp "$H_TMP/tf.conf" "$H_TMP/tf.conf.good"
sed -i "s|^shared_secret = .*|shared_secret_file = $H_TMP/fifo|" "$H_TMP/tf.conf"
kill -HUP "$H_TF_PID"
check "secret a FIFO: the reload is rejected" wait_log '"event":"config_reload_rejected"' 2 15
check "secret a FIFO: the rejection names the file and line" \
  grep -qE '"event":"config_reload_rejected".*tf.conf:[0-9]+: shared_secret_file: cannot read .*not a regular file' "$H_TMP/tf.log"
check "secret a FIFO: the old secret is still accepted" test "$(h_post "$(h_alert a-2 1001 L_100 settings_changed)")" = 200
mv "$H_TMP/tf.conf.good" "$H_TMP/tf.conf"

kill -TERM "$H_TF_PID"
stopped=1
for _ in $(seq 1 100); do
  h_alive || { stopped=0; break; }
  sleep 0.1
done
check "SIGTERM is obeyed" test "$stopped" -eq 0
wait "$H_TF_PID" 2>/dev/null || true
H_TF_PID=""
h_summary
