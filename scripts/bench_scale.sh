#!/usr/bin/env bash
# scripts/bench.sh scale: what a reconcile costs for very large worlds, against the fake
# Dashboard on 127.0.0.1 with the real `tagfailover reconcile` (the daemon, no listener).
#
#   scripts/bench_scale.sh [WORLD...]     default: 100k-2k 100k-all 500x20
#
# Worlds (generated here, into a temp dir; nothing is committed):
#   100k-2k   one organization of 100,000 networks: 2,000 managed branches (London primary,
#             Paris backup, an MX each) and 98,000 networks without a pair tag and without an
#             appliance (wireless or switch sites).
#   100k-mx   the same, but the 98,000 unmanaged networks have an MX too, monitoring 8.8.8.8
#             (Meraki's default connectivity destination), not the data centers.
#   100k-all  one organization of 100,000 managed branches, each with an MX monitoring both
#             data centers (the loss answer is ~96 MB: read per tracked IP).
#   500x20    500 organizations of 20 managed branches each.
#
# For each: the daemon runs with the defaults (uplinks = active, vpn_status_hint = true) and
# reconcile_interval_s = BENCH_SCALE_INTERVAL (default 20; at least 30 for 500x20); the first cycle of each
# organization (the whole listing, the peers, the organization list) is reported apart, then
# BENCH_SCALE_CYCLES (default 3) steady cycles are measured:
#   - CPU per cycle: the organization thread's CPU time for its reconcile (CLOCK_THREAD_CPUTIME_ID,
#     in the daemon's debug `reconcile` line), and the whole process's (utime + stime from
#     /proc/PID/stat) over the steady cycles divided by their number;
#   - wall time: of one organization's reconcile (the debug line), and for 500x20 the span from
#     the first organization's start to the last one's end in one cycle;
#   - API calls per cycle: fakedash's request log over the steady cycles / cycles, by path;
#   - peak RSS: VmHWM of the daemon at the end.
# A cycle of the 100k-all and 100k-mx worlds is hundreds of pages (uplink statuses 1,000 and
# VPN statuses 300 a page): it runs at the most the configuration allows (requests_per_second
# = 10, burst 100) and only 2 steady cycles; its wall time is then the pacing's, about calls /
# 10 s. 100k-2k and 500x20 run at the defaults (9/s per organization, 90/s in all).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
release="$root/build/release"
TF_BIN=${TF_BIN:-$release/src/tagfailover}
FAKEDASH_BIN=${FAKEDASH_BIN:-$release/tests/fakedash/fakedash}
interval=${BENCH_SCALE_INTERVAL:-20}
cycles=${BENCH_SCALE_CYCLES:-3}
worlds=("$@")
[ ${#worlds[@]} -gt 0 ] || worlds=(100k-2k 100k-all 500x20)

work=$(mktemp -d "${TMPDIR:-/tmp}/tf-bench-scale.XXXXXX")
pids=()
cleanup() {
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[$i]}" 2>/dev/null || true
    wait "${pids[$i]}" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

# gen WORLD: the scenario on stdout.
gen() {
  python3 - "$1" <<'PY'
import json, sys
world = sys.argv[1]
peers = [{"name": "London DC", "publicIp": "203.0.113.10", "privateSubnets": ["10.10.0.0/16"],
          "networkTags": ["london_primary_up"]},
         {"name": "Paris DC", "publicIp": "198.51.100.20", "privateSubnets": ["10.20.0.0/16"],
          "networkTags": ["paris_backup_up"]}]
managed = {"tags": ["retail", "london_primary_up", "paris_backup_down"]}
orgs = []
if world in ("100k-2k", "100k-mx"):
    other = {"count": 98000, "prefix": "U_", "tags": ["retail", "store"]}
    if world == "100k-2k":
        other["productTypes"] = ["wireless", "switch"]
    else:
        other["destinations"] = ["8.8.8.8"]
    orgs.append({"id": "5000", "name": "Big", "peers": peers,
                 "generate": [dict(managed, count=2000, prefix="M_"), other]})
elif world == "100k-all":
    orgs.append({"id": "5000", "name": "Big", "peers": peers,
                 "generate": [dict(managed, count=100000, prefix="M_")]})
elif world == "500x20":
    for k in range(500):
        orgs.append({"id": str(6000 + k), "name": "Org %d" % k, "peers": peers,
                     "generate": [dict(managed, count=20, prefix="N%d_" % k)]})
else:
    sys.exit("unknown world " + world)
print(json.dumps({"api_key": "test-api-key", "sample_spacing_s": 1, "data_lag_s": 0,
                  "organizations": orgs, "loss": []}))
PY
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
lines() { grep -c '"event":"reconcile"' "$1" || true; }

run_world() {
  local world=$1 dir="$work/$1" n_orgs pacing
  mkdir -p "$dir"
  gen "$world" >"$dir/scenario.json"
  n_orgs=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['organizations']))" "$dir/scenario.json")
  pacing=""
  local n_cycles=$cycles interval=$interval
  case $world in
  500x20)
    # 2,000 requests a cycle at the per-IP budget (90/s) take ~22 s: the default interval.
    [ "$interval" -ge 30 ] || interval=30
    ;;
  100k-all | 100k-mx)
    pacing=$'requests_per_second = 10\nrequests_burst = 100'
    [ "$n_cycles" -le 2 ] || n_cycles=2
    ;;
  esac

  "$FAKEDASH_BIN" --port 0 --quiet --scenario "$dir/scenario.json" >"$dir/fake.out" 2>"$dir/fake.err" &
  local fpid=$!
  pids+=("$fpid")
  local port=""
  for _ in $(seq 1 600); do
    port=$(sed -nE '1s/.*127\.0\.0\.1:([0-9]+).*/\1/p' "$dir/fake.out")
    [ -n "$port" ] && break
    kill -0 "$fpid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$port" ] || { echo "bench: fakedash did not start: $(cat "$dir/fake.err")" >&2; return 1; }
  local fake="http://127.0.0.1:$port"
  cat >"$dir/tf.conf" <<EOF
[dashboard]
base_url = $fake/api/v1
api_key = test-api-key
data_lag_s = 0
${pacing}

[listener]
mode = off

[admin]
port = 0

[failover]
detect_window_s = 6
clean_window_s = 6
reconcile_interval_s = $interval

[log]
level = debug
EOF
  curl -s -o /dev/null -X DELETE "$fake/_control/log"
  "$TF_BIN" -c "$dir/tf.conf" reconcile 2>"$dir/tf.log" &
  local tpid=$!
  pids+=("$tpid")
  # The first cycle of every organization.
  local deadline=$(($(date +%s) + 600))
  while [ "$(lines "$dir/tf.log")" -lt "$n_orgs" ]; do
    kill -0 "$tpid" 2>/dev/null || { tail -3 "$dir/tf.log" >&2; return 1; }
    [ "$(date +%s)" -lt "$deadline" ] || { echo "bench: $world: no first cycle in 600 s" >&2; tail -3 "$dir/tf.log" >&2; return 1; }
    sleep 0.1
  done
  local first_calls c0 l0 c1 l1 want
  first_calls=$(curl -s "$fake/_control/log" | jq '[.[] | select(.control != true)] | length')
  curl -s -o /dev/null -X DELETE "$fake/_control/log"
  c0=$(cpu_ticks "$tpid")
  l0=$(lines "$dir/tf.log")
  want=$((l0 + n_cycles * n_orgs))
  deadline=$(($(date +%s) + 120 + n_cycles * (interval + 120)))
  while [ "$(lines "$dir/tf.log")" -lt "$want" ]; do
    kill -0 "$tpid" 2>/dev/null || { tail -3 "$dir/tf.log" >&2; return 1; }
    [ "$(date +%s)" -lt "$deadline" ] || { echo "bench: $world: steady cycles too slow" >&2; tail -3 "$dir/tf.log" >&2; return 1; }
    sleep 0.1
  done
  c1=$(cpu_ticks "$tpid")
  l1=$(lines "$dir/tf.log")
  curl -s "$fake/_control/log" >"$dir/reqlog.json"
  local hwm
  hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$tpid/status")
  kill "$tpid"
  wait "$tpid" 2>/dev/null || true
  kill "$fpid"
  wait "$fpid" 2>/dev/null || true

  python3 - "$world" "$n_orgs" "$dir/tf.log" "$dir/reqlog.json" "$l0" "$l1" "$c0" "$c1" \
    "$(getconf CLK_TCK)" "$hwm" "$first_calls" "$interval" <<'PY'
import collections, datetime, json, re, statistics, sys
world, n_orgs, logf, reqf = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
l0, l1, c0, c1, hz, hwm, first_calls, interval = map(float, sys.argv[5:])
rec = []
for line in open(logf):
    if '"event":"reconcile"' not in line:
        continue
    e = json.loads(line)
    m = re.search(r"org (\S+): (\d+) managed, .* (\d+) API calls, (\d+) ms, ([0-9.]+) s CPU", e["msg"])
    ts = datetime.datetime.strptime(e["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
    rec.append({"org": m.group(1), "managed": int(m.group(2)), "calls": int(m.group(3)),
                "ms": int(m.group(4)), "cpu": float(m.group(5)), "end": ts})
first = rec[:int(l0)]
steady = rec[int(l0):int(l1)]
n_cycles = len(steady) / n_orgs
reqs = [r for r in json.load(open(reqf)) if not r.get("control")]
by = collections.Counter()
for r in reqs:
    p = re.sub(r"/organizations/\d+/", "/organizations/{org}/", r["path"])
    by[p.replace("/api/v1", "")] += 1
def fmt(v): return "%.3f" % v
print("scale %s: %d organization(s), %d managed network(s) each" % (world, n_orgs, steady[0]["managed"]))
fc = [r["cpu"] for r in first]
print("  first cycle: CPU %s s (thread; max of orgs %s), wall %d ms (max of orgs), API calls %d in all (organization list, peers, whole listings)"
      % (fmt(sum(fc)), fmt(max(fc)), max(r["ms"] for r in first), first_calls))
cpu = [r["cpu"] for r in steady]
print("  steady cycles measured: %.1f" % n_cycles)
if n_orgs == 1:
    print("  CPU per cycle: thread median %s s (max %s); process %s s"
          % (fmt(statistics.median(cpu)), fmt(max(cpu)), fmt((c1 - c0) / hz / n_cycles)))
    print("  wall time per cycle: median %d ms (max %d)"
          % (statistics.median(r["ms"] for r in steady), max(r["ms"] for r in steady)))
else:
    # One cycle of all organizations: group the steady lines into cycles by order.
    spans = []
    for k in range(int(n_cycles)):
        part = steady[k * n_orgs:(k + 1) * n_orgs]
        spans.append(max(r["end"] for r in part) - min(r["end"] - r["ms"] / 1000 for r in part))
    print("  CPU per cycle (all %d organizations): threads %s s; process %s s"
          % (n_orgs, fmt(sum(cpu) / n_cycles), fmt((c1 - c0) / hz / n_cycles)))
    print("  wall time: one organization median %d ms (max %d); a whole cycle spans %.1f s (of a %d-s interval)"
          % (statistics.median(r["ms"] for r in steady), max(r["ms"] for r in steady),
             statistics.median(spans) if spans else 0, interval))
per = len(reqs) / n_cycles / n_orgs
print("  API calls per cycle per organization: %.1f (fakedash's log; the daemon counted %.1f)"
      % (per, sum(r["calls"] for r in steady) / len(steady)))
for p, c in by.most_common():
    print("      %6.1f  %s" % (c / n_cycles / n_orgs, p))
if world in ("100k-all", "100k-mx"):
    print("  at Meraki's 9 requests/s one cycle would take >= %.0f s (calls / 9)" % (per / 9))
print("  peak RSS (VmHWM): %.1f MiB" % (hwm / 1024))
PY
}

for w in "${worlds[@]}"; do
  run_world "$w"
done
