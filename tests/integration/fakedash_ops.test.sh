#!/usr/bin/env bash
# The fake Dashboard's newer operations and controls, exercised with curl as a client would:
# the change log (entries for PUT, action batch and a person; filters, windows, pagination),
# action batches (all or nothing, the 20/100 caps, five unfinished, asynchronous progress,
# forced failures), live-tools pings (status progression, loss now without the data lag,
# forced outcomes, faults, callbacks to a receiver on 127.0.0.1 and their statuses), the VPN
# reachability override, HA pairs, and the webhook log. The fake's contract is
# tests/fakedash/README.md; this test holds it to it.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"
command -v python3 >/dev/null || {
  echo "FAIL: this test reads JSON with python3, which is not installed" >&2
  exit 1
}
# From here on a failed step is a failed check, counted, not the end of the test.
set +e

KEY="Authorization: Bearer $H_API_KEY"
LONDON=203.0.113.10
PARIS=198.51.100.20

# ---- helpers ------------------------------------------------------------------------------

# req METHOD URL [BODY]: one request; sets ST (status) and RB (body); the headers go to
# $H_TMP/hdr.
req() {
  local args=(-s -o "$H_TMP/rb" -D "$H_TMP/hdr" -w '%{http_code}' -X "$1" -H "$KEY")
  [ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
  ST=$(curl "${args[@]}" "$2" || echo 000)
  RB=$(cat "$H_TMP/rb")
}
api() { req "$1" "$H_FAKE/api/v1$2" "${@:3}"; }
ctl() { req "$1" "$H_FAKE/_control/$2" "${@:3}"; }

# jt EXPR [JSON]: true when the Python expression EXPR holds for d, the JSON (default: RB).
jt() {
  python3 -c 'import json, sys; d = json.loads(sys.stdin.read()); sys.exit(0 if eval(sys.argv[1]) else 1)' \
    "$1" <<<"${2-$RB}"
}
# jv EXPR [JSON]: prints EXPR's value (strings bare, the rest as JSON).
jv() {
  python3 -c 'import json, sys; d = json.loads(sys.stdin.read()); v = eval(sys.argv[1]); print(v if isinstance(v, str) else json.dumps(v))' \
    "$1" <<<"${2-$RB}"
}
# link REL: the URL of the Link header's rel=REL from the last request, or "".
link() { sed -nE "s/^Link: .*<([^>]*)>; rel=$1.*/\1/p" "$H_TMP/hdr" | sed -E 's/>.*//' | head -1; }
# until_true SECONDS COMMAND...: retries COMMAND every 50 ms until it succeeds.
until_true() {
  local deadline=$(($(date +%s%N) + $1 * 1000000000))
  shift
  while [ "$(date +%s%N)" -lt "$deadline" ]; do
    "$@" && return 0
    sleep 0.05
  done
  return 1
}
# tags NETWORK: its tags as the control API shows them (JSON).
tags() {
  ctl GET networks
  jv "[n['tags'] for n in d if n['id'] == '$1'][0]"
}
# changes QUERY: the change log of organization 1001 (sets RB).
changes() { api GET "/organizations/1001/configurationChanges${1:+?$1}"; }

# ---- the world ----------------------------------------------------------------------------

cat >"$H_TMP/ops.json" <<EOF
{"description": "fakedash_ops: two organizations, an HA pair, the default 120-s data lag",
 "ping_duration_s": 12, "batch_duration_s": 10,
 "organizations": [
  {"id": "1001", "name": "Acme",
   "peers": [{"name": "London DC", "publicIp": "$LONDON", "networkTags": ["london_primary_up"]},
             {"name": "Paris DC", "publicIp": "$PARIS", "networkTags": ["paris_backup_up"]}],
   "networks": [
    {"id": "L_100", "name": "Branch 1", "tags": ["london_primary_up", "paris_backup_down"],
     "serial": "Q2XX-AAAA-0001", "uplinks": {"wan1": "active", "wan2": "ready"},
     "spare": {"serial": "Q2XX-BBBB-0001", "uplinks": {"wan1": "active"}}},
    {"id": "L_200", "name": "Branch 2", "tags": ["london_primary_up", "paris_backup_down"],
     "serial": "Q2XX-AAAA-0002"},
    {"id": "L_300", "name": "Branch 3", "tags": ["london_primary_up", "paris_backup_down"],
     "serial": "Q2XX-AAAA-0003"}]},
  {"id": "1002", "name": "Other",
   "networks": [{"id": "N_900", "tags": ["x"], "serial": "Q2XX-CCCC-0001"}]}]}
EOF
h_start_fakedash "$H_TMP/ops.json"
# reload: checks that no request so far fell outside the spec subset, then starts afresh.
reload() {
  ctl GET log
  check "no request fell outside the spec subset" jt 'not any(e["unknown"] for e in d)'
  ctl POST scenario "$(cat "$H_TMP/ops.json")"
}

# The receiver of callbacks and webhook tests: every POST is a line {path, body} in
# recv.log; paths under /fail are answered 500.
cat >"$H_TMP/recv.py" <<'EOF'
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        with open(sys.argv[1], 'a') as f:
            f.write(json.dumps({'path': self.path, 'body': json.loads(body)}) + '\n')
        self.send_response(500 if self.path.startswith('/fail') else 200)
        self.send_header('Content-Length', '0')
        self.end_headers()
    def log_message(self, *args):
        pass
s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
EOF
: >"$H_TMP/recv.log"
python3 "$H_TMP/recv.py" "$H_TMP/recv.log" >"$H_TMP/recv.port" &
H_PIDS+=($!)
until_true 5 test -s "$H_TMP/recv.port" || {
  echo "FAIL: the receiver did not start" >&2
  exit 1
}
RECV="http://127.0.0.1:$(cat "$H_TMP/recv.port")"
# received PATH: the bodies the receiver got on PATH (a JSON array).
# received PATH: the bodies the receiver logged for PATH, as a JSON list. A line the receiver
# is still writing does not parse yet and is not counted.
received() {
  python3 -c '
import json, sys
out = []
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e["path"] == sys.argv[2]:
        out.append(e["body"])
print(json.dumps(out))' "$H_TMP/recv.log" "$1"
}

# ---- the change log -----------------------------------------------------------------------

api PUT /networks/L_100 '{"tags": ["london_primary_down", "paris_backup_up"]}'
check "PUT of new tags answers 200" test "$ST" = 200
api PUT /networks/L_100 '{"tags": ["london_primary_down", "paris_backup_up"]}'
changes
check "a PUT that changes tags leaves one entry, an unchanging one none" jt 'len(d) == 1'
E=$(jv 'd[0]')
check "the entry names the API's admin, the page and the PUT" \
  jt 'd["adminName"] == "API Admin" and d["adminId"] == "212406" and d["adminEmail"] == "api-admin@example.com" and d["page"] == "via API" and d["label"] == "PUT /api/v1/networks/L_100"' "$E"
check "the entry names the network and has no SSID" \
  jt 'd["networkId"] == "L_100" and d["networkName"] == "Branch 1" and d["networkUrl"].startswith("https://") and d["ssidName"] is None and d["ssidNumber"] is None' "$E"
check "oldValue and newValue are the network before and after, as JSON text" \
  jt 'json.loads(d["oldValue"])["tags"] == ["london_primary_up", "paris_backup_down"] and json.loads(d["newValue"])["tags"] == ["london_primary_down", "paris_backup_up"] and json.loads(d["newValue"])["id"] == "L_100"' "$E"
check "the entry has exactly the spec's keys, ts in ISO 8601 with microseconds" \
  jt 'sorted(d) == sorted(["ts", "adminName", "adminEmail", "adminId", "networkName", "networkId", "networkUrl", "ssidName", "ssidNumber", "page", "label", "oldValue", "newValue"]) and len(d["ts"]) == 27 and d["ts"].endswith("Z")' "$E"

ctl POST tags '{"networkId": "L_200", "tags": ["edited"]}'
check "a person's edit through the control API answers 200" test "$ST" = 200
ctl POST tags '{"networkId": "L_300", "tags": ["edited"], "adminName": "Bob Builder"}'
ctl POST change '{"networkId": "L_200", "adminName": "Old Timer", "ts": -7200, "oldTags": ["a"], "newTags": ["b"]}'
check "POST /_control/change answers 200" test "$ST" = 200
check "POST /_control/change leaves the network as it is" test "$(tags L_200)" = '["edited"]'
ctl POST change '{"networkId": "L_404", "newTags": ["b"]}'
check "POST /_control/change of an unknown network is a 404" test "$ST" = 404
ctl POST change '{"networkId": "L_200", "newTags": ["b"], "colour": "red"}'
check "POST /_control/change with an unknown key is a 400" test "$ST" = 400
ctl POST change "{\"networkId\": \"L_200\", \"newValue\": \"$(head -c 65537 /dev/zero | tr '\0' x)\"}"
check "a value over 64 KiB is a 400" test "$ST" = 400
changes
check "four entries, newest first (the two-hour-old one last)" \
  jt 'len(d) == 4 and [e["ts"] for e in d] == sorted([e["ts"] for e in d], reverse=True) and d[-1]["adminName"] == "Old Timer"'
check "a person's edit is Jane Operator's by default, on the Dashboard's page" \
  jt '[(e["adminName"], e["adminEmail"], e["page"], e["label"]) for e in d if e["networkId"] == "L_200"][0] == ("Jane Operator", "jane.operator@example.com", "Network-wide > General", "Network tags")'
check "a named person keeps their name" jt 'any(e["adminName"] == "Bob Builder" and e["networkId"] == "L_300" for e in d)'
check "a control change shows the tags it was given" \
  jt 'json.loads(d[-1]["oldValue"])["tags"] == ["a"] and json.loads(d[-1]["newValue"])["tags"] == ["b"]'
changes "networkId=L_200"
check "networkId filters" jt 'len(d) == 2 and all(e["networkId"] == "L_200" for e in d)'
changes "adminId=212406"
check "adminId filters" jt 'len(d) == 1 and d[0]["label"] == "PUT /api/v1/networks/L_100"'
changes "timespan=3600"
check "timespan=3600 leaves out the two-hour-old entry" jt 'len(d) == 3'
T0=$(date -u -d '-3 hours' +%Y-%m-%dT%H:%M:%SZ)
T1=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
changes "t0=$T0&t1=$T1"
check "t0/t1 select the window" jt 'len(d) == 1 and d[0]["adminName"] == "Old Timer"'
changes "t0=$(date -u -d '-366 days' +%Y-%m-%dT%H:%M:%SZ)"
check "t0 over 365 days ago is a 400" test "$ST" = 400
changes "timespan=31536001"
check "timespan over 365 days is a 400" test "$ST" = 400
changes "timespan=60&t0=$T0"
check "timespan with t0 is a 400" test "$ST" = 400
changes "perPage=2"
check "perPage=2 is a 400 with a Meraki error body" jt 'isinstance(d["errors"][0], str)'
changes "perPage=5001"
check "perPage=5001 is a 400" test "$ST" = 400
changes "perPage=5000"
check "perPage=5000 is fine" test "$ST" = 200
api GET /organizations/9999/configurationChanges
check "an unknown organization is a 404" test "$ST" = 404

# Pagination: seven entries in all, walked three at a time along rel=next.
for t in a b c; do api PUT /networks/L_300 "{\"tags\": [\"$t\"]}"; done
changes
ALL=$(jv '[e["ts"] + e["networkId"] + e["newValue"] for e in d]')
check "seven entries" jt 'len(d) == 7'
changes "perPage=3"
check "the first page has three" jt 'len(d) == 3'
check "its Link has first, next and last, no prev" \
  test -n "$(link next)" -a -n "$(link first)" -a -n "$(link last)" -a -z "$(link prev)"
FIRST=$(jv '[e["ts"] for e in d]')
PAGES=1
WALK=$(jv '[e["ts"] + e["networkId"] + e["newValue"] for e in d]')
NEXT=$(link next)
while [ -n "$NEXT" ] && [ "$PAGES" -lt 10 ]; do
  check "rel=next is an absolute URL on this fake" test "${NEXT#"$H_FAKE"/api/v1/}" != "$NEXT"
  req GET "$NEXT"
  PAGES=$((PAGES + 1))
  [ "$PAGES" = 2 ] && PREV=$(link prev)
  WALK=$(python3 -c 'import json, sys; print(json.dumps(json.loads(sys.argv[1]) + [e["ts"] + e["networkId"] + e["newValue"] for e in json.loads(sys.argv[2])]))' "$WALK" "$RB")
  NEXT=$(link next)
done
check "three pages (3 + 3 + 1)" test "$PAGES" = 3
check "the pages hold every entry once, in order" test "$WALK" = "$ALL"
req GET "$PREV"
check "rel=prev of the second page is the first page" test "$(jv '[e["ts"] for e in d]')" = "$FIRST"
api GET "/organizations/1001/configurationChanges?perPage=3&startingAfter=nonsense"
check "a token that names nothing is a 400" test "$ST" = 400
ctl POST config '{"page_size": 4}'
changes
check "the scenario's page_size caps this listing too" jt 'len(d) == 4'
ctl POST config '{"page_size": null}'

# ---- action batches -----------------------------------------------------------------------

reload
B=/organizations/1001/actionBatches
upd() { printf '{"resource": "/networks/%s", "operation": "update", "body": {"tags": ["%s"]}}' "$1" "$2"; }
# actions N: N updates of L_300, as a JSON array's items.
actions() {
  local i out=""
  for i in $(seq 1 "$1"); do out+="${out:+,}$(upd L_300 "t$i")"; done
  echo "$out"
}

api POST $B "{\"confirmed\": true, \"synchronous\": true, \"actions\": [$(upd L_100 batch_a), $(upd L_200 batch_b)]}"
check "a synchronous batch answers 201" test "$ST" = 201
check "it answers completed, not failed, no errors, no created resources" \
  jt 'd["status"] == {"completed": True, "failed": False, "errors": [], "createdResources": []}'
check "it answers with the spec's keys" \
  jt 'sorted(d) == ["actions", "confirmed", "id", "organizationId", "status", "synchronous"] and d["organizationId"] == "1001" and d["confirmed"] is True and d["synchronous"] is True'
check "it answers its actions" jt 'd["actions"][1] == {"resource": "/networks/L_200", "operation": "update", "body": {"tags": ["batch_b"]}}'
BID=$(jv 'd["id"]')
check "both updates applied" test "$(tags L_100)$(tags L_200)" = '["batch_a"]["batch_b"]'
changes
check "each update left a change-log entry labelled with the batch" \
  jt 'sorted(e["label"] for e in d) == ["Action batch '"$BID"': update /networks/L_100", "Action batch '"$BID"': update /networks/L_200"] and all(e["page"] == "via API" and e["adminName"] == "API Admin" for e in d)'
api GET "$B/$BID"
check "GET of the batch shows it completed" jt 'd["id"] == "'"$BID"'" and d["status"]["completed"] is True'
api GET "/organizations/1002/actionBatches/$BID"
check "GET of the batch through another organization is a 404" test "$ST" = 404
api GET "$B/123"
check "GET of an unknown batch is a 404" test "$ST" = 404
ctl GET log
check "the batch is in the request log as one POST" \
  jt 'sum(1 for e in d if e["method"] == "POST" and e["path"] == "/api/v1/organizations/1001/actionBatches") == 1'

api POST $B "{\"confirmed\": true, \"synchronous\": true, \"actions\": [$(upd L_100 good), $(upd L_404 bad)]}"
check "a batch with an unknown network answers 201 but failed" \
  jt 'd["status"]["failed"] is True and d["status"]["completed"] is False and len(d["status"]["errors"]) == 1 and "L_404" in d["status"]["errors"][0]'
check "all or nothing: its good action was not applied" test "$(tags L_100)" = '["batch_a"]'
api POST $B "{\"confirmed\": true, \"synchronous\": true, \"actions\": [$(upd L_100 good), $(upd N_900 theirs)]}"
check "another organization's network fails the batch" jt 'd["status"]["failed"] is True'
api POST $B '{"confirmed": true, "synchronous": true, "actions": [{"resource": "/networks/L_100", "operation": "destroy"}, {"resource": "/devices/Q2XX-AAAA-0001", "operation": "update", "body": {"name": "x"}}]}'
check "unsupported operations and resources fail it, one error each" \
  jt 'd["status"]["failed"] is True and len(d["status"]["errors"]) == 2'
api POST $B '{"confirmed": true, "synchronous": true, "actions": [{"resource": "/networks/L_100", "operation": "update", "body": {"tags": "a b"}}]}'
check "a body PUT /networks/{id} would refuse fails it" jt 'd["status"]["failed"] is True'
changes
check "no failed batch left a change-log entry" jt 'len(d) == 2'
for bad in '{"confirmed": true}' '{"actions": []}' '{"actions": [{"operation": "update"}]}' \
  '{"actions": [{"resource": "/networks/L_100", "operation": "update", "body": []}]}' \
  '{"confirmed": "yes", "actions": [{"resource": "/networks/L_100", "operation": "update"}]}' '[]'; do
  api POST $B "$bad"
  check "a malformed batch is a 400: $bad" test "$ST" = 400
done
api POST $B "{\"confirmed\": true, \"synchronous\": true, \"actions\": [$(actions 21)]}"
check "21 actions in a synchronous batch are a 400" test "$ST" = 400
api POST $B "{\"confirmed\": true, \"synchronous\": true, \"actions\": [$(actions 20)]}"
check "20 actions in a synchronous batch run" jt 'd["status"]["completed"] is True and len(d["actions"]) == 20'
check "the last of the 20 updates won" test "$(tags L_300)" = '["t20"]'
api POST $B "{\"confirmed\": true, \"actions\": [$(actions 101)]}"
check "101 actions are a 400" test "$ST" = 400

api POST $B "{\"confirmed\": true, \"actions\": [$(actions 100)]}"
check "100 actions in an asynchronous batch are taken, not completed yet" \
  jt 'd["synchronous"] is False and d["status"]["completed"] is False and d["status"]["failed"] is False'
ABID=$(jv 'd["id"]')
api GET "$B/$ABID"
check "at once it is still in progress" jt 'd["status"]["completed"] is False'
check "and nothing is applied yet" test "$(tags L_300)" = '["t20"]'
batch_done() { api GET "$B/$1" && jt 'd["status"]["completed"] is True'; }
check "after batch_duration_s it has completed" until_true 25 batch_done "$ABID"
check "and its updates are applied" test "$(tags L_300)" = '["t100"]'

ctl POST batch_fault '{"count": 1}'
check "POST /_control/batch_fault answers 200" test "$ST" = 200
api POST $B "{\"confirmed\": true, \"synchronous\": true, \"actions\": [$(upd L_100 faulted)]}"
check "the next batch fails with the injected error" \
  jt 'd["status"]["failed"] is True and d["status"]["errors"] == ["Action batch failed (fakedash fault)"]'
check "and applies nothing" test "$(tags L_100)" = '["batch_a"]'
api POST $B "{\"confirmed\": true, \"synchronous\": true, \"actions\": [$(upd L_100 after)]}"
check "the one after runs" test "$(tags L_100)" = '["after"]'

# Five unfinished batches of an organization at most: confirmed asynchronous ones that wait.
ctl POST config '{"batch_duration_s": 60}'
for i in 1 2 3 4 5; do
  api POST $B "{\"confirmed\": true, \"actions\": [$(upd L_200 "w$i")]}"
  check "unfinished batch $i is taken" test "$ST" = 201
done
api POST $B "{\"confirmed\": true, \"synchronous\": true, \"actions\": [$(upd L_200 six)]}"
check "a sixth is a 400" test "$ST" = 400
api POST $B "{\"confirmed\": false, \"actions\": [$(upd L_200 draft)]}"
check "an unconfirmed batch does not count, and does not run" \
  jt 'd["confirmed"] is False and d["status"]["completed"] is False'
check "the draft changed nothing" test "$(tags L_200)" = '["batch_b"]'
api POST "/organizations/1002/actionBatches" "{\"confirmed\": true, \"synchronous\": true, \"actions\": [$(upd N_900 mine)]}"
check "another organization has its own five" jt 'd["status"]["completed"] is True'

# ---- live-tools pings ---------------------------------------------------------------------

reload
P=/devices/Q2XX-AAAA-0001/liveTools/ping
# London is lost from now on; the series, two minutes behind, does not show it yet.
ctl POST loss "{\"networkId\": \"L_100\", \"ip\": \"$LONDON\", \"lossPercent\": 100}"
api POST $P "{\"target\": \"$LONDON\", \"count\": 4}"
ASKED=$(date +%s%N)
check "a ping answers 201, status new" jt 'd["status"] == "new" and d["request"] == {"serial": "Q2XX-AAAA-0001", "target": "'"$LONDON"'", "count": 4}'
PING=$(jv 'd["pingId"]')
api GET "$P/$PING"
check "at once it is not finished and has no results" jt 'd["status"] in ("new", "running") and "results" not in d'
# Past half of ping_duration_s (12 s) and well before its end (durations leave room for a
# loaded machine).
sleep "$(python3 -c "print(max(0, 6.5 - ($(date +%s%N) - $ASKED) / 1e9))")"
api GET "$P/$PING"
check "past half way it is running" jt 'd["status"] == "running"'
ping_done() { api GET "$P/$1" && jt 'd["status"] != "new" and d["status"] != "running"'; }
check "after ping_duration_s it completes" until_true 20 ping_done "$PING"
check "it completes with the loss the device sees now (100 %)" \
  jt 'd["status"] == "complete" and d["results"]["sent"] == 4 and d["results"]["received"] == 0 and d["results"]["loss"]["percentage"] == 100 and d["results"]["replies"] == []'
api GET "/organizations/1001/devices/uplinksLossAndLatency?ip=$LONDON"
check "while the lagging series still shows no loss" \
  jt 'any(i["networkId"] == "L_100" for i in d) and all(s["lossPercent"] == 0 for i in d if i["networkId"] == "L_100" for s in i["timeSeries"])'
api POST $P "{\"target\": \"$PARIS\"}"
PING=$(jv 'd["pingId"]')
until_true 20 ping_done "$PING"
check "a target without loss: 5 of 5 received" \
  jt 'd["results"]["sent"] == 5 and d["results"]["received"] == 5 and d["results"]["loss"]["percentage"] == 0 and len(d["results"]["replies"]) == 5'

ctl POST config '{"ping_duration_s": 0}'
ctl POST ping "{\"target\": \"$PARIS\", \"lossPercent\": 40, \"uses\": 1}"
check "POST /_control/ping answers 200" test "$ST" = 200
api POST $P "{\"target\": \"$PARIS\"}"
check "the forced outcome applies to the next ping" \
  jt 'd["status"] == "complete" and d["results"]["sent"] == 5 and d["results"]["received"] == 3 and d["results"]["loss"]["percentage"] == 40'
api POST $P "{\"target\": \"$PARIS\"}"
check "and, used once, not to the one after" jt 'd["results"]["loss"]["percentage"] == 0'
ctl POST ping "{\"target\": \"$PARIS\", \"status\": \"failed\"}"
api POST $P "{\"target\": \"$PARIS\"}"
check "a forced failure: status failed, nothing sent" jt 'd["status"] == "failed" and d["results"]["sent"] == 0'
api POST $P "{\"target\": \"$PARIS\"}"
check "until cleared" jt 'd["status"] == "failed"'
ctl POST ping "{\"target\": \"$PARIS\", \"sent\": 2, \"lossPercent\": 50, \"serial\": \"Q2XX-BBBB-0001\"}"
api POST /devices/Q2XX-BBBB-0001/liveTools/ping "{\"target\": \"$PARIS\"}"
check "an outcome forced for one serial applies from it" jt 'd["results"]["sent"] == 2 and d["results"]["received"] == 1'
ctl POST ping "{\"target\": \"$PARIS\", \"clear\": true}"
api POST $P "{\"target\": \"$PARIS\"}"
check "cleared, the schedule decides again" jt 'd["status"] == "complete" and d["results"]["loss"]["percentage"] == 0'
ctl POST ping "{\"target\": \"$PARIS\", \"lossPercent\": 101}"
check "a forced loss over 100 is a 400" test "$ST" = 400
ctl POST ping "{\"target\": \"$PARIS\", \"status\": \"failed\"}"
ctl DELETE ping
api POST $P "{\"target\": \"$PARIS\"}"
check "DELETE /_control/ping drops every forced outcome" jt 'd["status"] == "complete"'
ctl POST fault '{"kind": "429", "count": 1, "method": "POST", "path_prefix": "/api/v1/devices/", "retry_after": 2}'
api POST $P "{\"target\": \"$PARIS\"}"
check "the generic faults apply to the ping path" test "$ST" = 429 -a "$(sed -nE 's/^Retry-After: ([0-9]+).*/\1/p' "$H_TMP/hdr")" = 2
api POST $P "{\"target\": \"$PARIS\"}"
check "once" test "$ST" = 201

# Callbacks: the finished result is POSTed to the receiver.
ctl POST config '{"ping_duration_s": 10}'
api POST $P "{\"target\": \"$LONDON\", \"callback\": {\"url\": \"$RECV/cb\", \"sharedSecret\": \"cb-secret\"}}"
check "a ping with a callback answers its callback, status new" \
  jt 'd["callback"]["url"] == "'"$RECV/cb"'" and d["callback"]["status"] == "new" and d["callback"]["id"]'
PING=$(jv 'd["pingId"]')
CB=$(jv 'd["callback"]["id"]')
api GET "/organizations/1001/webhooks/callbacks/statuses/$CB"
check "its status is running until it is delivered" jt 'd["status"] == "running" and d["webhook"]["sentAt"] is None'
check "nothing is sent before the ping finishes" test "$(received /cb)" = "[]"
got_cb() {
  local r
  r=$(received "$1") && [ "$r" != "[]" ]
}
check "the receiver gets the callback" until_true 25 got_cb /cb
CBODY=$(jv 'd[0]' "$(received /cb)")
check "the callback's body has callbackId, the secret, organization, network, sentAt, message" \
  jt 'list(d) == ["callbackId", "sharedSecret", "organization", "network", "sentAt", "message"] and d["callbackId"] == "'"$CB"'" and d["sharedSecret"] == "cb-secret" and d["organization"] == {"id": "1001", "name": "Acme"} and d["network"] == {"id": "L_100", "name": "Branch 1"}' "$CBODY"
check "its message is the finished ping" \
  jt 'd["message"]["pingId"] == "'"$PING"'" and d["message"]["status"] == "complete" and d["message"]["results"]["loss"]["percentage"] == 100 and sorted(d["message"]) == ["pingId", "request", "results", "status", "url"]' "$CBODY"
cb_status() { api GET "/organizations/1001/webhooks/callbacks/statuses/$1" && jt "d['status'] == '$2'"; }
check "its status becomes completed" until_true 3 cb_status "$CB" completed
check "the status has the spec's shape" \
  jt 'sorted(d) == ["callbackId", "createdBy", "errors", "status", "webhook"] and d["errors"] == [] and d["createdBy"] == {"adminId": "212406"} and d["webhook"]["url"] == "'"$RECV/cb"'" and d["webhook"]["payloadTemplate"] == {"id": "wpt_00005"} and d["webhook"]["sentAt"]'
api GET "/organizations/1002/webhooks/callbacks/statuses/$CB"
check "another organization does not see it" test "$ST" = 404
api GET "/organizations/1001/webhooks/callbacks/statuses/42"
check "an unknown callback is a 404" test "$ST" = 404

# The rest needs no long ping: back to 2 s, as the checks below were made for.
ctl POST config '{"ping_duration_s": 2}'
api POST /networks/L_100/webhooks/httpServers "{\"name\": \"receiver\", \"url\": \"$RECV/srv\", \"sharedSecret\": \"srv-secret\"}"
SRV=$(jv 'd["id"]')
api POST $P "{\"target\": \"$PARIS\", \"callback\": {\"httpServer\": {\"id\": \"$SRV\"}}}"
check "a callback to a configured HTTP server is taken" jt 'd["callback"]["url"] == "'"$RECV/srv"'"'
api POST $P "{\"target\": \"$PARIS\", \"callback\": {\"url\": \"$RECV/fail\", \"sharedSecret\": \"s\"}}"
FAILCB=$(jv 'd["callback"]["id"]')
api POST $P "{\"target\": \"$PARIS\", \"callback\": {\"url\": \"https://example.com/hook\", \"sharedSecret\": \"s\"}}"
FARCB=$(jv 'd["callback"]["id"]')
check "the server's receiver gets its secret" until_true 5 got_cb /srv
check "as sharedSecret" jt 'd[0]["sharedSecret"] == "srv-secret"' "$(received /srv)"
check "a receiver that answers 500 fails the callback after its attempts" until_true 8 cb_status "$FAILCB" failed
check "with the reason" jt 'd["errors"] == ["Callback failed: HTTP 500"]'
check "a receiver other than 127.0.0.1 is never contacted: failed" until_true 3 cb_status "$FARCB" failed
for bad in "{\"url\": \"$RECV/x\"}" "{\"url\": \"$RECV/x\", \"sharedSecret\": \"s\", \"httpServer\": {\"id\": \"$SRV\"}}" \
  '{"httpServer": {"id": "nope"}}' '{"url": "ftp://127.0.0.1/x", "sharedSecret": "s"}' '"x"'; do
  api POST $P "{\"target\": \"$PARIS\", \"callback\": $bad}"
  check "a bad callback is a 400: $bad" test "$ST" = 400
done
api POST /devices/Q2XX-CCCC-0001/liveTools/ping "{\"target\": \"$PARIS\", \"callback\": {\"httpServer\": {\"id\": \"$SRV\"}}}"
check "another organization's network cannot use L_100's HTTP server" test "$ST" = 400

# ---- the webhook log ----------------------------------------------------------------------

api POST /networks/L_200/webhooks/webhookTests "{\"url\": \"$RECV/test\"}"
TEST=$(jv 'd["id"]')
test_done() { api GET "/networks/L_200/webhooks/webhookTests/$TEST" && jt 'd["status"] == "delivered"'; }
check "a webhook test is delivered" until_true 5 test_done
W=/organizations/1001/webhooks/logs
api GET $W
check "the log lists every attempt: 1 + 1 + 3 (the failing receiver) + 1 (the test)" jt 'len(d) == 6'
check "newest first" jt '[e["sentAt"] for e in d] == sorted([e["sentAt"] for e in d], reverse=True)'
check "entries have the spec's keys" \
  jt 'all(sorted(e) == ["alertType", "loggedAt", "networkId", "organizationId", "responseCode", "responseDuration", "sentAt", "url"] for e in d)'
check "the test's entry: its alert type, network, code" \
  jt 'd[0]["url"] == "'"$RECV/test"'" and d[0]["alertType"] == "Power supply went down" and d[0]["networkId"] == "L_200" and d[0]["organizationId"] == "1001" and d[0]["responseCode"] == 200 and d[0]["loggedAt"] >= d[0]["sentAt"] and isinstance(d[0]["responseDuration"], int)'
check "callbacks are logged as API callbacks; the unsent one is not logged" \
  jt 'sum(1 for e in d if e["alertType"] == "API callback") == 5 and not any("example.com" in e["url"] for e in d)'
api GET "$W?url=$RECV/fail"
check "the url filter" jt 'len(d) == 3 and all(e["responseCode"] == 500 for e in d)'
api GET "$W?perPage=3"
check "paginated: 3 and a rel=next" jt 'len(d) == 3' && check "its next page" test -n "$(link next)"
req GET "$(link next)"
check "the next page holds the other 3" jt 'len(d) == 3' && check "and no rel=next" test -z "$(link next)"
api GET "$W?timespan=2678401"
check "timespan over 31 days is a 400" test "$ST" = 400
api GET "$W?perPage=1001"
check "perPage=1001 is a 400" test "$ST" = 400
api GET "$W?t0=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)&t1=$(date -u -d '-30 minutes' +%Y-%m-%dT%H:%M:%SZ)"
check "a window before the deliveries is empty" jt 'd == []'
api GET /organizations/1002/webhooks/logs
check "another organization's log is its own" jt 'd == []'

# ---- VPN reachability override ------------------------------------------------------------

reload
reach() {
  api GET "/organizations/1001/appliance/vpn/statuses?networkIds[]=$1"
  jv "[p['reachability'] for p in d[0]['thirdPartyVpnPeers'] if p['publicIp'] == '$2'][0]"
}
check "London is reachable from L_200" test "$(reach L_200 $LONDON)" = reachable
ctl POST vpn "{\"networkId\": \"L_200\", \"publicIp\": \"$LONDON\", \"reachability\": \"unreachable\"}"
check "POST /_control/vpn answers 200" test "$ST" = 200
check "overridden, unreachable" test "$(reach L_200 $LONDON)" = unreachable
check "only for that network" test "$(reach L_300 $LONDON)" = reachable
ctl POST loss "{\"networkId\": \"L_300\", \"ip\": \"$LONDON\", \"lossPercent\": 100}"
ctl POST vpn "{\"networkId\": \"L_300\", \"publicIp\": \"$LONDON\", \"reachability\": \"reachable\"}"
check "an override beats the loss-derived value" test "$(reach L_300 $LONDON)" = reachable
ctl POST vpn "{\"networkId\": \"L_300\", \"publicIp\": \"$LONDON\", \"reachability\": null}"
check "null drops it: the loss decides again" test "$(reach L_300 $LONDON)" = unreachable
ctl POST vpn "{\"networkId\": \"L_404\", \"publicIp\": \"$LONDON\", \"reachability\": null}"
check "an unknown network is a 404" test "$ST" = 404
ctl POST vpn "{\"networkId\": \"L_200\", \"publicIp\": \"$LONDON\", \"reachability\": \"up\"}"
check "an unknown reachability is a 400" test "$ST" = 400

# ---- HA pairs -----------------------------------------------------------------------------

U=/organizations/1001/appliance/uplink/statuses
api GET $U
check "an HA network lists both appliances, primary first" \
  jt '[(i["serial"], i["highAvailability"]) for i in d if i["networkId"] == "L_100"] == [("Q2XX-AAAA-0001", {"enabled": True, "role": "primary"}), ("Q2XX-BBBB-0001", {"enabled": True, "role": "spare"})]'
check "a network without a spare is not HA" \
  jt '[i["highAvailability"] for i in d if i["networkId"] == "L_200"] == [{"enabled": False, "role": "primary"}]'
check "each appliance has its own uplinks" \
  jt '[[u["interface"] for u in i["uplinks"]] for i in d if i["networkId"] == "L_100"] == [["wan1", "wan2"], ["wan1"]]'
api GET "$U?serials[]=Q2XX-BBBB-0001"
check "serials[] finds the spare" jt '[i["serial"] for i in d] == ["Q2XX-BBBB-0001"]'
api GET "$U?perPage=3"
S1=$(jv '[i["serial"] for i in d]')
req GET "$(link next)"
check "pagination does not lose or repeat a pair's spare" \
  test "$(python3 -c 'import json, sys; print(json.loads(sys.argv[1]) + [i["serial"] for i in json.loads(sys.argv[2])])' "$S1" "$RB")" = \
  "['Q2XX-AAAA-0001', 'Q2XX-BBBB-0001', 'Q2XX-AAAA-0002', 'Q2XX-AAAA-0003']"
ctl POST loss "{\"networkId\": \"L_100\", \"serial\": \"Q2XX-BBBB-0001\", \"ip\": \"$PARIS\", \"lossPercent\": 70, \"at\": -600}"
api GET "/organizations/1001/devices/uplinksLossAndLatency?ip=$PARIS"
check "the loss data reports both serials of the pair" \
  jt 'sorted(set(i["serial"] for i in d if i["networkId"] == "L_100")) == ["Q2XX-AAAA-0001", "Q2XX-BBBB-0001"]'
check "a loss entry naming a serial applies to that appliance only" \
  jt 'any(s["lossPercent"] == 70 for i in d for s in i["timeSeries"]) and all(s["lossPercent"] == (70 if i["serial"] == "Q2XX-BBBB-0001" else 0) for i in d if i["networkId"] == "L_100" for s in i["timeSeries"])'
ctl POST ha '{"networkId": "L_100"}'
check "POST /_control/ha swaps the roles" jt 'd == {"primary": "Q2XX-BBBB-0001", "spare": "Q2XX-AAAA-0001"}'
api GET "$U?networkIds[]=L_100"
check "the statuses show the swap" \
  jt '[(i["serial"], i["highAvailability"]["role"]) for i in d] == [("Q2XX-BBBB-0001", "primary"), ("Q2XX-AAAA-0001", "spare")]'
api GET "/organizations/1001/appliance/vpn/statuses?networkIds[]=L_100"
check "the VPN status is the new primary's" jt 'd[0]["deviceSerial"] == "Q2XX-BBBB-0001"'
ctl POST ha '{"networkId": "L_200"}'
check "a network without a spare cannot swap: 404" test "$ST" = 404
ctl POST uplink '{"networkId": "L_100", "serial": "Q2XX-AAAA-0001", "uplink": "wan2", "status": "failed"}'
api GET "$U?serials[]=Q2XX-AAAA-0001"
check "/_control/uplink with a serial changes that appliance" jt 'd[0]["uplinks"][1]["status"] == "failed"'

ctl GET log
check "no request fell outside the spec subset" jt 'not any(e["unknown"] for e in d)'
h_summary
