#!/usr/bin/env bash
# The evidence benchmark (scripts/bench.sh evidence): how soon a branch fails over after the
# alert, with Meraki's real timing, for each kind of evidence.
#
# Three fake Dashboards with Meraki's timing (a sample a minute, served 120 s late; a live
# ping takes BENCH_PING_S, default 5 s, which Meraki does not document), each with its own
# daemon at the defaults (data_lag_s 120, a look every 5 s for 180 s):
#   series         evidence = series
#   live (poll)    evidence = series, live; no public_url: the ping's result is polled
#   live (callback) the same with public_url: Meraki posts the result to the listener
# Each round starts one outage per mode at the same moment (loss 60 % from now, the alert at
# once), on a network never used before, so no earlier outage shows in the lagging data. It
# reports alert -> retag (median and max over the rounds) and the API calls of one
# confirmation (everything the fake served between the alert and the retag: the daemons
# reconcile only at start-up here). Only 127.0.0.1 is used.
#
#   BENCH_EVIDENCE_ROUNDS (default 3)  BENCH_PING_S (default 5)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
release="$root/build/release"
rounds=${BENCH_EVIDENCE_ROUNDS:-3}
ping_s=${BENCH_PING_S:-5}

echo "==> evidence: alert -> retag with Meraki's timing (60-s samples, 120-s lag, ${ping_s}-s pings)"
cmake -S "$root" -B "$release" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$release" -j "$(nproc 2>/dev/null || echo 2)" --target tagfailover fakedash >/dev/null
export TF_BIN="$release/src/tagfailover" FAKEDASH_BIN="$release/tests/fakedash/fakedash"
export TF_SOURCE_DIR="$root"
# shellcheck source=../tests/harness/harness.sh
source "$root/tests/harness/harness.sh"
h_certs

# A world of fresh branches, one per outage.
n_nets=$((rounds + 1))
cat >"$H_TMP/world.json" <<EOF
{"api_key": "$H_API_KEY", "sample_spacing_s": 60, "data_lag_s": 120, "ping_duration_s": $ping_s,
 "webhook_ca_file": "$H_TMP/certs/ca.crt",
 "organizations": [{"id": "1001", "name": "Acme",
   "peers": [{"name": "London DC", "publicIp": "203.0.113.10", "privateSubnets": ["10.10.0.0/16"],
              "networkTags": ["london_primary_up"]},
             {"name": "Paris DC", "publicIp": "198.51.100.20", "privateSubnets": ["10.20.0.0/16"],
              "networkTags": ["paris_backup_up"]}],
   "networks": [],
   "generate": {"count": $n_nets, "prefix": "L_9", "tags": ["london_primary_up", "paris_backup_down"]}}],
 "loss": []}
EOF

modes=(series poll callback)
declare -A fake port admin pid
for m in "${modes[@]}"; do
  "$FAKEDASH_BIN" --port 0 --quiet --scenario "$H_TMP/world.json" >"$H_TMP/fake-$m.out" 2>&1 &
  H_PIDS+=("$!")
  for _ in $(seq 1 100); do [ -s "$H_TMP/fake-$m.out" ] && break; sleep 0.05; done
  fake[$m]="http://127.0.0.1:$(sed -nE '1s/.*127\.0\.0\.1:([0-9]+).*/\1/p' "$H_TMP/fake-$m.out")"
  port[$m]=$(h_free_port)
  admin[$m]=$(h_free_port)
  evidence="series, live"
  public=""
  [ "$m" = series ] && evidence="series"
  [ "$m" = callback ] && public="public_url = https://localhost:${port[$m]}/webhook"
  cat >"$H_TMP/tf-$m.conf" <<EOF
[dashboard]
base_url = ${fake[$m]}/api/v1
api_key = $H_API_KEY

[listener]
mode = tls
address = 127.0.0.1
port = ${port[$m]}
cert_file = $H_TMP/certs/server.crt
key_file = $H_TMP/certs/server.key
shared_secret = $H_SECRET
$public

[admin]
address = 127.0.0.1
port = ${admin[$m]}

[failover]
reconcile_interval_s = 86400
evidence = $evidence
EOF
  "$TF_BIN" -c "$H_TMP/tf-$m.conf" serve 2>"$H_TMP/tf-$m.log" &
  pid[$m]=$!
  H_PIDS+=("${pid[$m]}")
done
for m in "${modes[@]}"; do
  for _ in $(seq 1 150); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${admin[$m]}/readyz" || true)" = 200 ] && break
    sleep 0.1
  done
done

# The fake's requests (not its control calls) with t in [from, to] (Unix seconds).
calls_between() {
  curl -s "$1/_control/log" | python3 -c "
import json, sys
lo, hi = float(sys.argv[1]), float(sys.argv[2])
print(sum(1 for e in json.load(sys.stdin) if not e.get('control') and lo <= e['t'] <= hi))" "$2" "$3"
}

declare -A took calls
for r in $(seq 1 "$rounds"); do
  net=$(printf 'L_9%0*d' "${#n_nets}" "$r")
  start=$(date +%s.%N)
  for m in "${modes[@]}"; do
    curl -s -o /dev/null -X POST "${fake[$m]}/_control/loss" \
      -d "{\"networkId\":\"$net\",\"uplink\":\"wan1\",\"ip\":\"203.0.113.10\",\"lossPercent\":60}"
    H_PORT=${port[$m]} h_post "$(h_alert "bench-$r" 1001 "$net")" >/dev/null
  done
  declare -A done_at=()
  deadline=$(($(date +%s) + 300))
  while [ "$(date +%s)" -lt "$deadline" ] && [ "${#done_at[@]}" -lt "${#modes[@]}" ]; do
    for m in "${modes[@]}"; do
      [ -n "${done_at[$m]:-}" ] && continue
      if curl -s "${fake[$m]}/_control/networks" | tr '{' '\n' | grep "\"$net\"" | grep -q london_primary_down; then
        done_at[$m]=$(date +%s.%N)
      fi
    done
    sleep 0.2
  done
  for m in "${modes[@]}"; do
    if [ -z "${done_at[$m]:-}" ]; then
      took[$m]="${took[$m]:-} 999"
      calls[$m]="${calls[$m]:-} 0"
      continue
    fi
    t=$(awk -v a="$start" -v b="${done_at[$m]}" 'BEGIN { printf "%.1f", b - a }')
    took[$m]="${took[$m]:-} $t"
    calls[$m]="${calls[$m]:-} $(calls_between "${fake[$m]}" "$start" "${done_at[$m]}")"
  done
  echo "   round $r ($net): series ${took[series]##* } s, live poll ${took[poll]##* } s, live callback ${took[callback]##* } s"
  unset done_at
done

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
maxof() { printf '%s\n' "$@" | sort -g | tail -1; }
printf '%-22s %12s %9s %26s\n' "evidence" "median (s)" "max (s)" "API calls / confirmation"
for m in "${modes[@]}"; do
  # shellcheck disable=SC2086
  printf '%-22s %12s %9s %26s\n' "$(case $m in series) echo series ;; poll) echo "series, live (poll)" ;; callback) echo "series, live (callback)" ;; esac)" \
    "$(median ${took[$m]})" "$(maxof ${took[$m]})" "$(median ${calls[$m]})"
done
echo "targets: live <= 10 s (series ~120 s: the data's own lag); <= 12 API calls per confirmation when polling"
echo "(999 s: no retag within 300 s)"
