#!/usr/bin/env bash
# The Let's Encrypt deploy hook end to end with the real daemon: the hook installs a lineage's
# pair where the daemon's cert_file and key_file point, its reload command sends the daemon
# SIGHUP (what `systemctl reload` does), and the listener then serves the renewed certificate
# on the same port, still ready; a renewed pair whose key does not match is refused by the
# hook, and the daemon is neither signalled nor changed.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"
hook="$TF_SOURCE_DIR/scripts/letsencrypt-deploy-hook"

h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json"
certs="$H_TMP/etc/certs"

lineage() { # lineage DIR: a certbot lineage with a fresh self-signed pair for 127.0.0.1
  mkdir -p "$1"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$1/privkey.pem" -out "$1/fullchain.pem" >/dev/null 2>&1
}
fingerprint() { openssl x509 -in "$1" -noout -fingerprint -sha256; }
served() { # the fingerprint of the certificate the listener serves now
  openssl s_client -connect "127.0.0.1:$H_PORT" </dev/null 2>/dev/null |
    openssl x509 -noout -fingerprint -sha256 2>/dev/null || true
}
wait_served() { # wait_served FINGERPRINT SECONDS
  local deadline=$(($(date +%s) + $2))
  while [ "$(date +%s)" -le "$deadline" ]; do
    [ "$(served)" = "$1" ] && return 0
    sleep 0.2
  done
  return 1
}
run_hook() { # run_hook LINEAGE RELOAD_COMMAND: the hook with the test's paths; sets rc
  set +e
  TAGFAILOVER_CERT_DIR="$certs" TAGFAILOVER_CERT_OWNER="$(id -un)" \
    TAGFAILOVER_CERT_GROUP="$(id -gn)" TAGFAILOVER_RELOAD_COMMAND="$2" \
    "$hook" "$1" >>"$H_TMP/hook.log" 2>&1
  rc=$?
  set -e
}
hups() { grep -c '"event":"[a-z_]*reload' "$H_TMP/tf.log" || true; }

# The first issuance, before the daemon runs (its reload has nothing to do).
lineage "$H_TMP/live/a"
lineage "$H_TMP/live/b"
run_hook "$H_TMP/live/a" true
check "first issuance installed (exit $rc: $(cat "$H_TMP/hook.log"))" test "$rc" -eq 0

conf() {
  h_write_config "$H_TMP/tf.conf.harness" "organization_ids = 1001"
  sed -e "s#^cert_file = .*#cert_file = $certs/server.crt#" \
    -e "s#^key_file = .*#key_file = $certs/server.key#" "$H_TMP/tf.conf.harness" >"$H_TMP/tf.conf"
}
check "ready on the hook's pair" h_serve conf "$H_TMP/tf.conf"
check "the listener serves the first pair" wait_served "$(fingerprint "$H_TMP/live/a/fullchain.pem")" 10

# A renewal: the hook's reload is the daemon's SIGHUP.
run_hook "$H_TMP/live/b" "kill -HUP $H_TF_PID"
check "renewal installed and reloaded (exit $rc: $(tail -2 "$H_TMP/hook.log"))" test "$rc" -eq 0
check "the listener serves the renewed certificate" \
  wait_served "$(fingerprint "$H_TMP/live/b/fullchain.pem")" 15
check "the daemon still runs" h_alive
check "it logged tls_reloaded" grep -q '"event":"tls_reloaded"' "$H_TMP/tf.log"
check "and is ready" h_wait_ready

# A renewal whose key is another certificate's: refused, no SIGHUP, the same certificate.
mkdir -p "$H_TMP/live/bad"
lineage "$H_TMP/live/c"
cp "$H_TMP/live/c/fullchain.pem" "$H_TMP/live/bad/fullchain.pem"
cp "$H_TMP/live/a/privkey.pem" "$H_TMP/live/bad/privkey.pem"
before=$(hups)
run_hook "$H_TMP/live/bad" "kill -HUP $H_TF_PID"
check "a mismatched pair is refused (exit $rc)" test "$rc" -eq 1
check "the installed pair is still the renewed one" cmp -s "$H_TMP/live/b/fullchain.pem" "$certs/server.crt"
sleep 1 # nothing to wait for: this shows that no reload happens
check "no reload logged ($(hups) after $before)" test "$(hups)" = "$before"
check "the listener still serves the renewed certificate" \
  test "$(served)" = "$(fingerprint "$H_TMP/live/b/fullchain.pem")"
check "the daemon still runs after the refusal" h_alive

h_summary
