#!/usr/bin/env bash
# HTTP parsing strictness on the webhook listener (issue 13, finding 9), with hand-made bytes
# over TLS and over plain HTTP (tests/integration/raw_http.py sends them):
#   - a bare LF line end, a space (or tab) before a header's colon, two Content-Length headers,
#     Content-Length with Transfer-Encoding, a Transfer-Encoding other than chunked, a length
#     that is not a number, a folded line, a line without a colon: each is answered exactly one
#     400 and the connection closed, and a request hidden in the body is never answered;
#   - valid requests (plain, chunked, empty and blank-padded values) still get their 200/202.
#   - a 400 of the daemon's carries one header block; of libmicrohttpd's own, the one for a
#     line without a colon does too, the one for a non-numeric Content-Length repeats it (a
#     known 0.9.75 bug, documented in the README).
# Only 127.0.0.1.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json"
conf=$H_TMP/tf.conf
tls_config() { h_write_config "$conf"; }
plain_config() { h_write_config "$conf" && sed -i 's/^mode = tls$/mode = plain/' "$conf"; }

# expect_cases OUTPUT: the checks on raw_http.py's lines.
expect_cases() {
  local out=$1 mode=$2 name n code closed
  while read -r name n code closed; do
    case $name in
    valid*)
      # 202 the first time, 200 (duplicate) after: the body is the same alert.
      check "$mode $name is served (got $n answer(s), first $code)" \
        bash -c "[ $n = 1 ] && { [ $code = 202 ] || [ $code = 200 ]; }"
      ;;
    length_not_a_number)
      # libmicrohttpd 0.9.75 refuses this one itself, before any handler sees the request, and
      # its own 400 repeats its header block (the README's security section says so): still a
      # 400, nothing served, the connection closed.
      check "$mode $name: refused by libmicrohttpd with 400, then closed (got $n, $code, closed=$closed)" \
        bash -c "[ $code = 400 ] && [ $closed = 1 ] && [ $n -le 2 ]"
      ;;
    *)
      check "$mode $name: exactly one answer, 400, then closed (got $n, $code, closed=$closed)" \
        test "$n/$code/$closed" = "1/400/1"
      ;;
    esac
  done <<<"$out"
  check "$mode: every case ran" test "$(wc -l <<<"$out")" -eq 15
}

body=$(h_alert strict-1 1001 L_999)
check "TLS daemon ready" h_serve tls_config "$conf"
out=$(python3 "$TF_SOURCE_DIR/tests/integration/raw_http.py" "$H_PORT" "$body" --ca "$H_TMP/certs/ca.crt")
expect_cases "$out" tls
check "malformed requests are counted" \
  bash -c "curl -s http://127.0.0.1:$H_ADMIN/metrics | grep -qE '^tagfailover_webhooks_total\{result=\"malformed\"\} ([1-9][0-9]*)'"
kill -TERM "$H_TF_PID"
wait "$H_TF_PID" || true
H_TF_PID=""

check "plain daemon ready" h_serve plain_config "$conf"
out=$(python3 "$TF_SOURCE_DIR/tests/integration/raw_http.py" "$H_PORT" "$body")
expect_cases "$out" plain
check "no sanitizer report in the daemon's log" \
  bash -c "! grep -qE 'AddressSanitizer|UndefinedBehaviorSanitizer|ThreadSanitizer|runtime error' '$H_TMP/tf.log'"
h_summary
