#!/usr/bin/env bash
# A whole data center at once: 100 managed branches of one organization (among held, invalid
# and unmanaged networks) lose their primary, and 100 alerts arrive within a second.
#
# 1. bulk_retag = auto: every branch fails over, written with at most 10 requests, all of them
#    action batches; each branch's tags exactly swapped with its other tags in order; held and
#    invalid networks untouched; each network logs its own line with the batch's id.
# 2. A failed batch: its networks still end right, through GET + PUT each.
# 3. The loss clears: the reconcile's failback of the 40 networks it finds proven goes in
#    batches too.
# 4. bulk_retag = off: per-network PUTs.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

cat >"$H_TMP/dc.json" <<'EOF'
{"api_key": "test-api-key", "sample_spacing_s": 1, "data_lag_s": 0,
 "organizations": [{"id": "1001", "name": "Acme",
   "peers": [{"name": "London DC", "publicIp": "203.0.113.10", "privateSubnets": ["10.10.0.0/16"],
              "networkTags": ["london_primary_up"]},
             {"name": "Paris DC", "publicIp": "198.51.100.20", "privateSubnets": ["10.20.0.0/16"],
              "networkTags": ["paris_backup_up"]}],
   "networks": [
     {"id": "H_1", "name": "Held", "tags": ["london_primary_up", "paris_backup_down", "tagfailover_hold"]},
     {"id": "I_1", "name": "Invalid", "tags": ["london_primary_up", "paris_backup_up"]},
     {"id": "U_1", "name": "Office", "tags": ["office"]}],
   "generate": [{"count": 100, "prefix": "B_", "tags": ["retail", "london_primary_up", "paris_backup_down", "north"]},
                {"count": 40, "prefix": "F_", "tags": ["london_primary_down", "paris_backup_up", "east"]}]}],
 "loss": []}
EOF
h_start_fakedash "$H_TMP/dc.json"

log_json() { curl -s "$H_FAKE/_control/log"; }
writes() { # the fake's tag writes (PUTs and action batches; pings are not writes): "METHOD PATH"
  log_json | python3 -c "
import json, sys
for e in json.load(sys.stdin):
    if (not e.get('control') and e['method'] in ('PUT', 'POST') and e['status'] != 0
            and '/liveTools/' not in e['path']):
        print(e['method'], e['path'])"
}
tags_all() { curl -s "$H_FAKE/_control/networks"; }
# check_tags PREFIX EXPECTED_JSON_ARRAY: every generated network PREFIX* has exactly these tags.
all_tags_are() {
  tags_all | python3 -c "
import json, sys
nets = [n for n in json.load(sys.stdin) if n['id'].startswith(sys.argv[1])]
want = json.loads(sys.argv[2])
bad = [n['id'] for n in nets if n['tags'] != want]
print(len(nets), 'networks,', len(bad), 'not as expected', bad[:5], file=sys.stderr)
sys.exit(1 if bad or not nets else 0)" "$1" "$2"
}
wait_all_tags() { # wait_all_tags PREFIX JSON SECONDS
  local deadline=$(($(date +%s) + $3))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    all_tags_are "$1" "$2" 2>/dev/null && return 0
    sleep 0.2
  done
  all_tags_are "$1" "$2"
}
NORMAL='["retail","london_primary_up","paris_backup_down","north"]'
MOVED='["retail","london_primary_down","paris_backup_up","north"]'

# The generated names: B_0..B_99 (prefix + index, zero-padded to the count's width).
first=$(tags_all | python3 -c "import json,sys; print(sorted(n['id'] for n in json.load(sys.stdin) if n['id'].startswith('B_'))[0])")
pad=$(( ${#first} - 2 ))
bname() { printf 'B_%0*d' "$pad" "$1"; }
flood() { # flood TAG: 100 alerts for B_* within a second, on one keep-alive connection
  local i
  for i in $(seq 0 99); do
    printf 'url = "https://localhost:%s/webhook"\ncacert = "%s"\ndata-binary = "%s"\n' "$H_PORT" \
      "$H_TMP/certs/ca.crt" "$(h_alert "$1-$i" 1001 "$(bname "$i")" | sed 's/"/\\"/g')"
    printf 'header = "Content-Type: application/json"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n'
    if [ "$i" != 99 ]; then echo next; fi
  done >"$H_TMP/flood.curl"
  curl -s --max-time 30 -K "$H_TMP/flood.curl" >"$H_TMP/flood.codes" || true
}

# ---- 1. bulk_retag = auto ----------------------------------------------------------------
H_FAILOVER_EXTRA=$'reconcile_interval_s = 3600\nconfirm_interval_s = 1\nbulk_retag = auto'
conf() { h_write_config "$H_TMP/auto.conf" "requests_per_second = 9"; }
check "daemon ready" h_serve conf "$H_TMP/auto.conf"
curl -s -o /dev/null -X DELETE "$H_FAKE/_control/log"
# The loss is visible on every primary (it began 3 s ago) when the alerts come.
curl -s -o /dev/null -X POST "$H_FAKE/_control/loss" -d '{"uplink":"wan1","ip":"203.0.113.10","lossPercent":60,"at":-3}'
t0=$(date +%s%N)
flood auto
check "100 alerts accepted ($(sort "$H_TMP/flood.codes" | uniq -c | tr '\n' ' '))" \
  test "$(grep -c '^202$' "$H_TMP/flood.codes")" -eq 100
check "every branch failed over" wait_all_tags B_ "$MOVED" 20
took=$((($(date +%s%N) - t0) / 1000000))
echo "auto: 100 branches failed over ${took} ms after the first alert" >&2
w=$(writes)
nw=$(grep -c . <<<"$w" || true)
check "at most 10 write requests ($nw)" test "$nw" -le 10
check "all of them action batches" bash -c "! grep -qv '^POST /api/v1/organizations/1001/actionBatches$' <<<'$w'"
check "held untouched" test "$(h_tags H_1)" = '["london_primary_up","paris_backup_down","tagfailover_hold"]'
check "invalid untouched" test "$(h_tags I_1)" = '["london_primary_up","paris_backup_up"]'
check "unmanaged untouched" test "$(h_tags U_1)" = '["office"]'
lines=$(grep -c '"event":"failover".*"batch_id":"[^"]' "$H_TMP/tf.log" || true)
check "each network logged its own line with the batch id ($lines)" test "$lines" -eq 100
check "100 batched failovers counted" test "$(curl -s "http://127.0.0.1:$H_ADMIN/metrics" | awk '$1 == "tagfailover_failovers_total{trigger=\"webhook\"}" { print $2 + 0 }')" -eq 100
kill "$H_TF_PID" && wait "$H_TF_PID" 2>/dev/null || true
H_TF_PID=""

# ---- 3. the loss clears: the reconcile fails back the 40 F_ networks in batches ------------
# (F_ were failed over "by someone" long before: the change log has no move, so the data
# alone decides, and their window is clean.) The B_ networks moved a moment ago and wait.
curl -s -o /dev/null -X POST "$H_FAKE/_control/loss" -d '{"uplink":"wan1","ip":"203.0.113.10","lossPercent":0}'
sleep 7
curl -s -o /dev/null -X DELETE "$H_FAKE/_control/log"
H_FAILOVER_EXTRA=$'reconcile_interval_s = 3600\nbulk_retag = auto'
conf() { h_write_config "$H_TMP/back.conf" "requests_per_second = 9"; }
check "daemon ready (failback)" h_serve conf "$H_TMP/back.conf"
check "the 40 failed back" wait_all_tags F_ '["london_primary_up","paris_backup_down","east"]' 15
w=$(writes)
check "the failbacks were batches ($(grep -c . <<<"$w" || true) writes)" \
  bash -c "! grep -qv '^POST /api/v1/organizations/1001/actionBatches$' <<<'$w'"
kill "$H_TF_PID" && wait "$H_TF_PID" 2>/dev/null || true
H_TF_PID=""

# ---- 2. a failed batch falls back to GET + PUT ----------------------------------------------
for i in $(seq 0 99); do
  curl -s -o /dev/null -X POST "$H_FAKE/_control/tags" -d "{\"networkId\":\"$(bname "$i")\",\"tags\":$NORMAL}"
done
H_FAILOVER_EXTRA=$'reconcile_interval_s = 3600\nconfirm_interval_s = 1\nbulk_retag = auto'
conf() { h_write_config "$H_TMP/fault.conf" "requests_per_second = 10" "requests_burst = 100"; }
check "daemon ready (batch fault)" h_serve conf "$H_TMP/fault.conf"
curl -s -o /dev/null -X DELETE "$H_FAKE/_control/log"
curl -s -o /dev/null -X POST "$H_FAKE/_control/batch_fault" -d '{"count": 1}'
curl -s -o /dev/null -X POST "$H_FAKE/_control/loss" -d '{"uplink":"wan1","ip":"203.0.113.10","lossPercent":60,"at":-3}'
flood fault
check "every branch failed over despite the failed batch" wait_all_tags B_ "$MOVED" 40
w=$(writes)
puts=$(grep -c '^PUT /api/v1/networks/' <<<"$w" || true)
failed_n=$(sed -nE 's/.*"event":"action_batch_failed".* of ([0-9]+) networks not written.*/\1/p' "$H_TMP/tf.log" | tail -1)
check "a batch failed (of ${failed_n:-no} networks)" test -n "$failed_n"
# (A network whose confirmation happened to be proven alone in its round is a PUT of its own,
# too: at least the failed batch's networks.)
check "its networks were written one by one ($puts PUTs for $failed_n)" test "$puts" -ge "${failed_n:-1}"
check "the failed batch is counted" test "$(curl -s "http://127.0.0.1:$H_ADMIN/metrics" | awk '$1 == "tagfailover_action_batches_total{result=\"failed\"}" { print $2 + 0 }')" -ge 1
kill "$H_TF_PID" && wait "$H_TF_PID" 2>/dev/null || true
H_TF_PID=""

# ---- 4. bulk_retag = off --------------------------------------------------------------------
for i in $(seq 0 9); do
  curl -s -o /dev/null -X POST "$H_FAKE/_control/tags" -d "{\"networkId\":\"$(bname "$i")\",\"tags\":$NORMAL}"
done
H_FAILOVER_EXTRA=$'reconcile_interval_s = 3600\nbulk_retag = off'
conf() { h_write_config "$H_TMP/off.conf" "requests_per_second = 10" "requests_burst = 100"; }
curl -s -o /dev/null -X DELETE "$H_FAKE/_control/log"
check "daemon ready (off)" h_serve conf "$H_TMP/off.conf"
ten_moved() {
  local i
  for i in $(seq 0 9); do [ "$(h_tags "$(bname "$i")")" = "$MOVED" ] || return 1; done
}
deadline=$(($(date +%s) + 15))
while [ "$(date +%s)" -lt "$deadline" ] && ! ten_moved; do sleep 0.2; done
check "the reconcile failed the 10 over" ten_moved
w=$(writes)
# (The F_ networks, back on their primary and still seeing the loss, fail over too.)
check "bulk_retag = off: one PUT per network ($(grep -c '^PUT /api/v1/networks/B_' <<<"$w" || true))" \
  test "$(grep -c '^PUT /api/v1/networks/B_' <<<"$w" || true)" -eq 10
check "and no batch" bash -c "! grep -q actionBatches <<<'$w'"
h_summary
