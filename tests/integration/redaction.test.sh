#!/usr/bin/env bash
# The API key and the shared secret never reach a log or the terminal, even when the API
# echoes them back.
#
# fakedash answers with error bodies (JSON and HTML), a request ID and a Location that quote
# the Authorization header, the key or the shared secret. Whatever the daemon prints (the
# one-shot commands' stderr, the daemon's JSON log, the text log) shows "[REDACTED]" instead.
# Last, a tag that happens to equal the key is redacted from the failover line by the log
# itself (its last line of defence).
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json"
h_write_config "$H_TMP/tf.conf" "organization_ids = 1001"
sed 's/^\[failover\]$/[log]\nformat = text\n\n[failover]/' "$H_TMP/tf.conf" >"$H_TMP/text.conf"
LIST=/api/v1/organizations/1001/networks

fault() { curl -s -o /dev/null -X POST "$H_FAKE/_control/fault" -d "$1"; }
reset() { curl -s -o /dev/null -X DELETE "$H_FAKE/_control/fault"; }
clean() { ! grep -qE "test-api-key|$H_SECRET" "$1"; }
shown() { grep -q '\[REDACTED\]' "$1"; }
status_err() {
  "$TF_BIN" -c "$H_TMP/${2:-tf.conf}" status --json >/dev/null 2>"$H_TMP/$1" || true
}

reset
fault "{\"kind\":\"answer\",\"status\":400,\"path_prefix\":\"$LIST\",\"body\":\"{\\\"errors\\\":[\\\"Bad request: Authorization: {auth}\\\"]}\"}"
status_err json_body
check "a JSON error body echoing the key: no key on stderr" clean "$H_TMP/json_body"
check "a JSON error body echoing the key: [REDACTED] instead" shown "$H_TMP/json_body"

fault "{\"kind\":\"answer\",\"status\":502,\"count\":10,\"path_prefix\":\"$LIST\",\"body\":\"<html>upstream said Bearer {auth} and $H_SECRET</html>\"}"
status_err html_body
check "an HTML error body echoing the key and the secret: neither on stderr" clean "$H_TMP/html_body"
check "an HTML error body: [REDACTED] instead" shown "$H_TMP/html_body"
reset

fault "{\"kind\":\"answer\",\"status\":400,\"path_prefix\":\"$LIST\",\"body\":\"{\\\"errors\\\":[\\\"sharedSecret $H_SECRET is not allowed\\\"]}\"}"
status_err secret_body
check "an error body quoting the shared secret: not on stderr" clean "$H_TMP/secret_body"
check "the shared secret: [REDACTED] instead" shown "$H_TMP/secret_body"

fault "{\"kind\":\"answer\",\"status\":307,\"method\":\"GET\",\"path_prefix\":\"/api/v1/networks/L_100\",\"headers\":{\"Location\":\"/api/v1/networks/test-api-key\"}}"
"$TF_BIN" -c "$H_TMP/tf.conf" failover L_100 --dry-run >/dev/null 2>"$H_TMP/location" || true
check "a Location quoting the key: not on stderr" clean "$H_TMP/location"
check "a Location quoting the key: [REDACTED] instead" grep -q 'refused: /api/v1/networks/\[REDACTED\]' "$H_TMP/location"
reset

# The daemon's own log, JSON then text: a 503 whose X-Request-Id echoes the key is retried
# (logged at warn with its request ID), then a 400 echoing it fails the reconcile.
for conf in tf.conf text.conf; do
  : >"$H_TMP/tf.log"
  fault "{\"kind\":\"answer\",\"status\":503,\"path_prefix\":\"$LIST\",\"body\":\"{\\\"errors\\\":[\\\"{auth}\\\"]}\",\"headers\":{\"X-Request-Id\":\"req-{auth}\"}}"
  fault "{\"kind\":\"answer\",\"status\":400,\"path_prefix\":\"$LIST\",\"body\":\"{\\\"errors\\\":[\\\"{auth}\\\"]}\"}"
  "$TF_BIN" -c "$H_TMP/$conf" reconcile --once >/dev/null 2>"$H_TMP/tf.log" || true
  check "$conf: the retry was logged" grep -q 'api_retry' "$H_TMP/tf.log"
  check "$conf: no key in the daemon's log" clean "$H_TMP/tf.log"
  check "$conf: [REDACTED] in the daemon's log" shown "$H_TMP/tf.log"
  reset
done

# The log's own defence: a tag equal to the key is not printed in the failover line.
curl -s -o /dev/null -X POST "$H_FAKE/_control/tags" \
  -d '{"networkId":"L_100","tags":["test-api-key","london_primary_up","paris_backup_down"]}'
h_loss L_100 203.0.113.10 90 -30
"$TF_BIN" -c "$H_TMP/tf.conf" reconcile --once --dry-run >/dev/null 2>"$H_TMP/tag.log" || true
check "a failover line was written" grep -q '"event":"failover"' "$H_TMP/tag.log"
check "a tag equal to the key is not printed" clean "$H_TMP/tag.log"
check "it is printed [REDACTED]" grep -q '"tags_before":\["\[REDACTED\]"' "$H_TMP/tag.log"
h_summary
