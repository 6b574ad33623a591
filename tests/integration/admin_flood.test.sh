#!/usr/bin/env bash
# The admin listener under an idle-connection flood (issue 13, finding 10): 600 connections
# that never send a byte, reopened as soon as one is cut, once made /healthz time out (the
# listener held 32 connections and cut a few per tick, so a probe waited behind hundreds in the
# kernel's queue). Now it holds up to 256 and, near that, cuts the longest-idle ones down to
# 75 % in one go, so the queue ahead of a probe drains in a second or two: each /healthz below
# is answered within 5 s while the flood goes on, and the webhook listener still works.
# Only 127.0.0.1.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json"
conf() { h_write_config "$H_TMP/tf.conf"; }
check "daemon ready" h_serve conf "$H_TMP/tf.conf"

# The flood: N idle connections, each reopened when the server cuts it, until killed.
python3 - "$H_ADMIN" 600 "$H_TMP/flood.ready" <<'PY' &
import select, socket, sys, time
port, n, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def conn():
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    return s
socks = [conn() for _ in range(n)]
open(ready, "w").close()
while True:
    time.sleep(0.1)
    for i, s in enumerate(socks):
        # Readable or in error: the server cut it (it is sent nothing to answer).
        r, _, x = select.select([s], [], [s], 0)
        if r or x:
            s.close()
            socks[i] = conn()
PY
flood=$!
H_PIDS+=("$flood")
for _ in $(seq 1 100); do [ -e "$H_TMP/flood.ready" ] && break; sleep 0.05; done
check "the flood is connected" test -e "$H_TMP/flood.ready"
# Past the eviction's minimum idle time, as an attacker's would be.
sleep 1.5

for i in 1 2 3; do
  t0=$(date +%s%N)
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$H_ADMIN/healthz" || true)
  ms=$((($(date +%s%N) - t0) / 1000000))
  echo "/healthz #$i during the flood: $code in $ms ms"
  check "/healthz #$i answered during the flood (got $code in $ms ms)" test "$code" = 200
  sleep 0.5
done
check "the webhook listener still answers" test "$(h_post "$(h_alert flood-1 1001 L_999)")" = 202
check "the admin listener logged its evictions" grep -q '"connections_evicted".*admin' "$H_TMP/tf.log"
kill "$flood" 2>/dev/null || true
wait "$flood" 2>/dev/null || true
check "the daemon is alive" h_alive
h_summary
