#!/usr/bin/env bash
# Notifications ([notify]): the command runs once per retag with the event in its environment,
# the URL (a tiny HTTP server on 127.0.0.1) receives {"text", "event"}, the one-shot commands
# notify too (a dry run says so), the URL's token never reaches a log or check-config, and a
# command that hangs is killed after timeout_s without delaying any retag: a second retag right
# after the first still goes out at once, and a reload does not wait for it either. A redirect
# is not followed and an answer over the cap is cut off. The new metrics are on /metrics.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json"
# Two more branches for the hanging command's part, lossless until then.
jq '.organizations[0].networks += [
      {"id": "L_500", "name": "Branch 5", "tags": ["london_primary_up", "paris_backup_down"], "uplinks": {"wan1": "active"}},
      {"id": "L_600", "name": "Branch 6", "tags": ["london_primary_up", "paris_backup_down"], "uplinks": {"wan1": "active"}}]' \
  "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json" >"$H_TMP/scenario.json"
curl -s -o /dev/null -X POST "$H_FAKE/_control/scenario" --data-binary @"$H_TMP/scenario.json"
LONDON=203.0.113.10
mkdir -p "$H_TMP/runs"

# The command: writes its environment and its stdin to files of its own, one pair per run.
cat >"$H_TMP/hook.sh" <<'EOF'
#!/bin/sh
env >"$1/env.$$"
cat >"$1/stdin.$$"
EOF
chmod +x "$H_TMP/hook.sh"
# The command that hangs: records its pid, then sleeps.
cat >"$H_TMP/hang.sh" <<'EOF'
#!/bin/sh
echo $$ >>"$1/hang.pids"
exec sleep 1000
EOF
chmod +x "$H_TMP/hang.sh"

# The chat service: one line per POST body, answered 200 "ok".
cat >"$H_TMP/hook.py" <<'EOF'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "/services/T0/B0/SECRETTOKEN42")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/big"):
            self.send_response(200)
            self.send_header("Content-Length", str(1 << 20))
            self.end_headers()
            self.wfile.write(b"x" * (1 << 20))
            return
        with open(sys.argv[1], "ab") as f:
            f.write(self.path.encode() + b" " + self.headers.get("Content-Type", "").encode() + b"\n")
            f.write(body + b"\n")
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_port, flush=True)
s.serve_forever()
EOF
python3 "$H_TMP/hook.py" "$H_TMP/posts" >"$H_TMP/hook.port" 2>"$H_TMP/hook.err" &
H_PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$H_TMP/hook.port" ] && break; sleep 0.05; done
HOOK_URL="http://127.0.0.1:$(head -1 "$H_TMP/hook.port")/services/T0/B0/SECRETTOKEN42"

NOTIFY=""
conf() {
  h_write_config "$H_TMP/tf.conf" "organization_ids = 1001"
  printf '\n[notify]\n%s\n' "$NOTIFY" >>"$H_TMP/tf.conf"
}
runs() { find "$H_TMP/runs" -name 'env.*' | wc -l; }
wait_for() { # SECONDS 'SHELL TEXT': evaluates the text every 50 ms until it succeeds
  local deadline=$(($(date +%s%N) + $1 * 1000000000))
  while [ "$(date +%s%N)" -lt "$deadline" ]; do
    eval "$2" && return 0
    sleep 0.05
  done
  return 1
}
metric() { curl -s "http://127.0.0.1:$H_ADMIN/metrics" | awk -v s="$1" '$1 == s { print $2 }'; }
env_of() { # FILE NAME: the value of NAME in an env dump
  sed -n "s/^$2=//p" "$1"
}

# ---- 1. a webhook failover: one run of the command, one POST ---------------------------------
NOTIFY="command = $H_TMP/hook.sh $H_TMP/runs
url = $HOOK_URL
timeout_s = 5"
check "ready with [notify]" h_serve conf "$H_TMP/tf.conf"
check "check-config shows the command" bash -c "'$TF_BIN' -c '$H_TMP/tf.conf' check-config 2>/dev/null | grep -qxF 'command = $H_TMP/hook.sh $H_TMP/runs'"
check "check-config shows the URL's scheme and host only" bash -c "'$TF_BIN' -c '$H_TMP/tf.conf' check-config 2>/dev/null | grep -qxF 'url = ${HOOK_URL%%/services*}/<redacted>'"
check "check-config never shows the URL's token" bash -c "! '$TF_BIN' -c '$H_TMP/tf.conf' check-config 2>&1 | grep -q SECRETTOKEN42"
h_loss L_100 "$LONDON" 90 -30
check "the alert is accepted" test "$(h_post "$(h_alert a-1 1001 L_100)")" = 202
check "L_100 failed over" h_wait_tags L_100 'paris_backup_up' 10
check "the command ran" wait_for 10 'test "$(runs)" -ge 1'
check "the URL got a POST" wait_for 10 'test -s "$H_TMP/posts"'
check "the notification counted ok" wait_for 10 'test "$(metric '\''tagfailover_notifications_total{result="ok"}'\'')" = 1'
sleep 1 # nothing more may come for this one retag
check "the command ran once" test "$(runs)" -eq 1
ENV=$(find "$H_TMP/runs" -name 'env.*' | head -1)
check "TAGFAILOVER_EVENT=failover" test "$(env_of "$ENV" TAGFAILOVER_EVENT)" = failover
check "TAGFAILOVER_NETWORK_ID=L_100" test "$(env_of "$ENV" TAGFAILOVER_NETWORK_ID)" = L_100
check "TAGFAILOVER_NETWORK_NAME" test -n "$(env_of "$ENV" TAGFAILOVER_NETWORK_NAME)"
check "TAGFAILOVER_ORG_ID=1001" test "$(env_of "$ENV" TAGFAILOVER_ORG_ID)" = 1001
check "TAGFAILOVER_TRIGGER=webhook:a-1" test "$(env_of "$ENV" TAGFAILOVER_TRIGGER)" = webhook:a-1
check "TAGFAILOVER_EVIDENCE=series" test "$(env_of "$ENV" TAGFAILOVER_EVIDENCE)" = series
check "TAGFAILOVER_LOSS_PCT=90.0" test "$(env_of "$ENV" TAGFAILOVER_LOSS_PCT)" = 90.0
check "TAGFAILOVER_TAGS_BEFORE" test "$(env_of "$ENV" TAGFAILOVER_TAGS_BEFORE)" = retail,london_primary_up,paris_backup_down,north
check "TAGFAILOVER_TAGS_AFTER" test "$(env_of "$ENV" TAGFAILOVER_TAGS_AFTER)" = retail,london_primary_down,paris_backup_up,north
check "TAGFAILOVER_DRY_RUN=false" test "$(env_of "$ENV" TAGFAILOVER_DRY_RUN)" = false
check "the API key is not in the command's environment" bash -c "! grep -q '$H_API_KEY' '$ENV'"
check "stdin was empty" test ! -s "$(find "$H_TMP/runs" -name 'stdin.*' | head -1)"
check "one POST, to the configured path, as JSON" test "$(head -1 "$H_TMP/posts")" = "/services/T0/B0/SECRETTOKEN42 application/json"
BODY=$(sed -n 2p "$H_TMP/posts")
check "the body's text is the sentence" test "$(jq -r .text <<<"$BODY")" = "Branch 1 Leeds (L_100, organization 1001) failed over from london to paris: 90.0% loss, trigger webhook:a-1, evidence series."
check "the body's event holds the retag line's fields" test "$(jq -c '.event | [.event, .network_id, .org_id, .trigger, .evidence, .loss_pct, .dry_run, .batch_id, (.tags_after | length)]' <<<"$BODY")" = '["failover","L_100","1001","webhook:a-1","series",90,false,null,4]'
check "build_info" test "$(curl -s "http://127.0.0.1:$H_ADMIN/metrics" | grep -c '^tagfailover_build_info{version="[0-9][^"]*"} 1$')" = 1
check "last_reconcile_success_timestamp_seconds of org 1001 is recent" test "$(metric 'tagfailover_last_reconcile_success_timestamp_seconds{org="1001"}' | cut -d. -f1)" -ge $(($(date +%s) - 120))
check "confirmations_pending is there" test "$(metric tagfailover_confirmations_pending)" = 0
kill "$H_TF_PID"
wait "$H_TF_PID" || true
H_TF_PID=""

# ---- 2. the one-shot commands notify too; a dry run says so ----------------------------------
rm -f "$H_TMP/runs"/* "$H_TMP/posts"
check "failback L_100 (manual)" "$TF_BIN" -c "$H_TMP/tf.conf" failback L_100 2>>"$H_TMP/tf.log"
check "L_100 is back" h_wait_tags L_100 'london_primary_up' 5
check "the manual failback ran the command before the command exited" test "$(runs)" -eq 1
ENV=$(find "$H_TMP/runs" -name 'env.*' | head -1)
check "TAGFAILOVER_EVENT=failback" test "$(env_of "$ENV" TAGFAILOVER_EVENT)" = failback
check "TAGFAILOVER_TRIGGER=manual" test "$(env_of "$ENV" TAGFAILOVER_TRIGGER)" = manual
check "TAGFAILOVER_LOSS_PCT is empty for a manual retag" test -z "$(env_of "$ENV" TAGFAILOVER_LOSS_PCT)"
check "the manual failback was POSTed" test "$(sed -n 2p "$H_TMP/posts" | jq -r '.event.event')" = failback
rm -f "$H_TMP/runs"/* "$H_TMP/posts"
BEFORE=$(h_tags L_200)
check "failover L_200 --dry-run" "$TF_BIN" -c "$H_TMP/tf.conf" failover L_200 --dry-run 2>>"$H_TMP/tf.log"
check "the dry run wrote nothing" test "$(h_tags L_200)" = "$BEFORE"
ENV=$(find "$H_TMP/runs" -name 'env.*' | head -1)
check "TAGFAILOVER_DRY_RUN=true" test "$(env_of "$ENV" TAGFAILOVER_DRY_RUN)" = true
check "the dry run's text says it" bash -c "sed -n 2p '$H_TMP/posts' | jq -r .text | grep -q '^\[dry run\] .* would fail over '"
check "no log line holds the URL's token" bash -c "! grep -q SECRETTOKEN42 '$H_TMP/tf.log'"

# ---- 3. a command that hangs never delays a retag --------------------------------------------
NOTIFY="command = $H_TMP/hang.sh $H_TMP
timeout_s = 2"
# L_100 still loses (its reconcile fails it over at start, with a notification that hangs
# too); L_500 and L_600 lose only from now on, so their failovers are the alerts'.
check "ready with the hanging command" h_serve conf "$H_TMP/tf.conf"
h_loss L_500 "$LONDON" 90 -30
h_loss L_600 "$LONDON" 90 -30
check "the first alert is accepted" test "$(h_post "$(h_alert h-1 1001 L_500)")" = 202
check "L_500 failed over" h_wait_tags L_500 'paris_backup_up' 10
check "a hanging command started" wait_for 5 'test -s "$H_TMP/hang.pids"'
check "the second alert, while it hangs, is accepted" test "$(h_post "$(h_alert h-2 1001 L_600)")" = 202
check "L_600 failed over while the commands still hang" h_wait_tags L_600 'paris_backup_up' 2
check "both retags were quick (alert_to_retag <= 1 s)" test "$(metric 'tagfailover_alert_to_retag_seconds_bucket{le="1"}')" = 2
check "the three hanging commands were killed and counted failed" wait_for 20 'test "$(metric '\''tagfailover_notifications_total{result="failed"}'\'')" = 3'
check "each hanging command is gone" bash -c "for p in \$(cat '$H_TMP/hang.pids'); do ! kill -0 \$p 2>/dev/null || grep -q '^State:.Z' /proc/\$p/status || exit 1; done"
check "the kill was logged" grep -q '"event":"notify_failed".*"retag":"failover".*killed after 2 s' "$H_TMP/tf.log"

# ---- 4. a reload does not wait for a hanging command ---------------------------------------
NOTIFY="command = $H_TMP/hang.sh $H_TMP
timeout_s = 6"
conf
kill -HUP "$H_TF_PID"
check "reloaded with timeout_s = 6" wait_for 10 'grep -q "\"event\":\"config_reloaded\"" "$H_TMP/tf.log"'
h_loss L_200 "$LONDON" 90 -30
check "an alert for L_200 is accepted" test "$(h_post "$(h_alert h-3 1001 L_200)")" = 202
check "L_200 failed over" h_wait_tags L_200 'paris_backup_up' 10
check "its hanging command started" wait_for 5 'test "$(wc -l <"$H_TMP/hang.pids")" -eq 4'
NOTIFY="command = $H_TMP/hang.sh $H_TMP
timeout_s = 5"
conf
T0=$(date +%s%N)
kill -HUP "$H_TF_PID"
check "the new configuration runs within 2 s, while the old command (6 s) still hangs" \
  wait_for 2 'test "$(grep -c "\"event\":\"config_reloaded\"" "$H_TMP/tf.log")" -eq 2'
echo "reload took $((($(date +%s%N) - T0) / 1000000)) ms"
check "the old notifier's command was killed and counted" wait_for 10 'test "$(metric '\''tagfailover_notifications_total{result="failed"}'\'')" = 4'
# ---- 5. the URL's answer: a redirect is not followed, a huge answer is cut off -------------
kill "$H_TF_PID"
wait "$H_TF_PID" || true
H_TF_PID=""
rm -f "$H_TMP/posts"
HOOK_BASE=${HOOK_URL%%/services*}
NOTIFY="url = $HOOK_BASE/redirect/TOKEN
timeout_s = 5"
conf
check "a dry run with a redirecting URL exits 0" "$TF_BIN" -c "$H_TMP/tf.conf" failover L_300 --dry-run 2>>"$H_TMP/tf.log"
check "the redirect was not followed" test ! -e "$H_TMP/posts"
check "the redirect is a logged failure" grep -q '"event":"notify_failed","channel":"url","url":"'"$HOOK_BASE"'/<redacted>".*"error":"answered HTTP 302"' "$H_TMP/tf.log"
NOTIFY="url = $HOOK_BASE/big/TOKEN
timeout_s = 5"
conf
check "a dry run with a URL that answers 1 MiB exits 0" "$TF_BIN" -c "$H_TMP/tf.conf" failover L_300 --dry-run 2>>"$H_TMP/tf.log"
check "the huge answer is cut off and logged" grep -q '"channel":"url".*"error":"the answer is over the size cap"' "$H_TMP/tf.log"
check "no sanitizer report in the daemon's log" bash -c "! grep -q 'Sanitizer' '$H_TMP/tf.log'"
h_summary
