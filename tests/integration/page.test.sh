#!/usr/bin/env bash
# The operator's page (GET / on the admin listener) in a real browser: Debian's Chromium,
# headless, driven through chromedriver's WebDriver API (webdriver.py beside this file).
#
# 1. The served HTML names no external URL and carries its Content-Security-Policy.
# 2. It loads with no console error and shows every managed network with its name, state and
#    reason in words; a name made of markup shows as text.
# 3. An alert with no loss shows as a confirmation in progress.
# 4. A failover (loss, then a webhook) shows as failed_over within one refresh, with the last
#    action, the loss chart's threshold line and its over-threshold samples, and a failback
#    countdown; a screenshot goes into the build tree (page.png).
# 5. The daemon goes away: the page says it cannot reach it; it comes back: the page recovers.
# 6. 1,000 networks: every row renders; the render time is printed; the filter box narrows it
#    (a screenshot: page-1000.png).
#
# Without chromium or chromedriver, and only when CI is not set, it checks the served bytes
# (1) and skips the rest (exit 77); in CI it must run whole.
set -euo pipefail
# shellcheck source=../harness/harness.sh
source "$TF_SOURCE_DIR/tests/harness/harness.sh"

WD=(python3 "$TF_SOURCE_DIR/tests/integration/webdriver.py")
SID=""
# Whatever happens, the browser goes with the test: its session is closed before the harness
# stops chromedriver and removes the profile.
page_exit() {
  local rc=$?
  set +e # (exit "$rc") below must not end the trap before h_cleanup under errexit
  if [ -n "$SID" ]; then "${WD[@]}" close "$DRIVER" "$SID" >/dev/null 2>&1 || true; fi
  (exit "$rc")
  h_cleanup
}
trap page_exit EXIT
OUT_DIR=${TF_BINARY_DIR:-$H_TMP}
REFRESH_S=2 # the page's refresh interval (REFRESH_MS in src/io/page.html)

# ---- the browser ---------------------------------------------------------------------------
start_driver() {
  local try
  for try in 1 2 3; do
    DRIVER_PORT=$(h_free_port)
    chromedriver --port="$DRIVER_PORT" >"$H_TMP/chromedriver.log" 2>&1 &
    H_PIDS+=($!)
    DRIVER="http://127.0.0.1:$DRIVER_PORT"
    for _ in $(seq 1 100); do
      curl -s --max-time 2 "$DRIVER/status" | grep -q '"ready": *true' && return 0
      kill -0 "${H_PIDS[-1]}" 2>/dev/null || break
      sleep 0.1
    done
    echo "page: chromedriver did not start on $DRIVER_PORT (try $try)" >&2
  done
  return 1
}
js() { "${WD[@]}" eval "$DRIVER" "$SID" "$1"; }
# wait_js SECONDS JS: waits until JS is truthy (prints its last value on failure).
wait_js() {
  local v
  if v=$("${WD[@]}" wait "$DRIVER" "$SID" "$1" "$2"); then return 0; fi
  echo "page: still $v after $1 s: $2" >&2
  return 1
}
# The console's entries since the last call, one JSON a line.
console() { "${WD[@]}" logs "$DRIVER" "$SID"; }
# no_console_errors WHAT: nothing at SEVERE or WARNING since the last call.
no_console_errors() {
  local bad
  bad=$(console | grep -E '"level": *"(SEVERE|WARNING)"' || true)
  [ -z "$bad" ] && return 0
  echo "page: console during $1: $bad" >&2
  return 1
}
# Only failed reads of the daemon's own URLs (the browser logs each refused connection); no
# script error.
only_network_errors() {
  local bad
  bad=$(console | grep -E '"level": *"(SEVERE|WARNING)"' | grep -vE '"source": *"network"' || true)
  [ -z "$bad" ] && return 0
  echo "page: console while the daemon was away: $bad" >&2
  return 1
}
ms_now() { echo $(($(date +%s%N) / 1000000)); }

# ---- 1. the served bytes ---------------------------------------------------------------------
h_start_fakedash "$TF_SOURCE_DIR/tests/fakedash/scenarios/compressed.json"
H_FAILOVER_EXTRA=$'reconcile_interval_s = 3\nevidence = series'
conf() { h_write_config "$H_TMP/tf.conf" "organization_ids = 1001"; }
check "daemon ready" h_serve conf "$H_TMP/tf.conf"
PAGE="http://127.0.0.1:$H_ADMIN/"
curl -s -D "$H_TMP/page.head" -o "$H_TMP/page.html" "$PAGE"
check "GET / is HTML" grep -qi '^Content-Type: text/html' "$H_TMP/page.head"
check "GET / carries its Content-Security-Policy" grep -qi "^Content-Security-Policy: default-src 'none'" "$H_TMP/page.head"
check "the page is a whole document" grep -q '</html>' "$H_TMP/page.html"
check "the page names no external URL" bash -c "! grep -qiE 'https?://' '$H_TMP/page.html'"
check "the page loads no file from elsewhere" bash -c "! grep -qiE '<(script|link|img|iframe)[^>]* (src|href)=\"[^d#]' '$H_TMP/page.html'"
check "GET /status/series is JSON with the threshold" bash -c \
  "curl -s '${PAGE}status/series' | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"loss_threshold_pct\"] == 30 and d[\"detect_window_s\"] == 6'"

# ---- without a browser ------------------------------------------------------------------
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  if [ "${CI:-}" = true ]; then
    echo "FAIL: chromium and chromium-driver are needed in CI (scripts/install-deps.sh installs them)" >&2
    exit 1
  fi
  h_summary || exit 1
  echo "SKIP: the browser part: chromium or chromedriver is not installed (scripts/install-deps.sh installs them)"
  exit 77
fi

# ---- 2. it loads, with every network and its state -------------------------------------------
check "chromedriver started" start_driver
SID=$("${WD[@]}" open "$DRIVER" "$H_TMP/profile" "$PAGE")
check "the page rendered" wait_js 15 'return window.tfPage && window.tfPage.renders > 0;'
expected=$(curl -s "${PAGE}status" | python3 -c "
import json, sys
print(json.dumps({n['id']: [n['state'], n['name']] for o in json.load(sys.stdin)['organizations'] for n in o['networks']}))")
check "three managed networks in /status" test "$(python3 -c "import json,sys; print(len(json.loads(sys.argv[1])))" "$expected")" = 3
check "the page shows each network, its name and its state" wait_js 5 "var e = $expected;
  return Object.keys(e).every(function (id) {
    var r = document.querySelector('.row[data-id=\"' + id + '\"]');
    return r && r.dataset.state === e[id][0] && r.querySelector('.st').textContent.length > 0 &&
      r.textContent.indexOf(e[id][1]) >= 0;
  });"
check "the held network's reason is in words" wait_js 5 \
  "return document.querySelector('.row[data-id=\"L_300\"] .reason').textContent === 'held by the hold tag';"
check "every row has its chart with the threshold line" wait_js 5 \
  "return document.querySelectorAll('.row[data-id] svg.chart line.thr').length === 3;"
# Names come from the Dashboard: hostile text is shown as text, never run.
EVIL='<img src=x onerror="document.title=1">Hull & <b>co</b>'
check "a network renamed to markup" test "$(curl -s -o /dev/null -w '%{http_code}' -X PUT \
  -H "Authorization: Bearer $H_API_KEY" -H 'Content-Type: application/json' \
  --data-binary "$(python3 -c 'import json,sys; print(json.dumps({"name": sys.argv[1]}))' "$EVIL")" \
  "$H_FAKE/api/v1/networks/L_300")" = 200
check "the page shows the markup as text" wait_js 15 "var r = document.querySelector('.row[data-id=\"L_300\"]');
  return r && r.querySelector('.name').textContent.indexOf($(python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$EVIL")) === 0 &&
    r.querySelector('img, b') === null && document.title === 'tagfailover';"
check "no console error on load" no_console_errors "the load"

# ---- 3. a confirmation in progress -----------------------------------------------------------
check "an alert for L_200 (no loss) is accepted" test "$(h_post "$(h_alert page-c1 1001 L_200)")" = 202
check "the page shows L_200's confirmation" wait_js $((REFRESH_S * 2 + 3)) \
  "var c = document.querySelector('.row[data-id=\"L_200\"] .conf');
   return c && /confirming: \\d+ look/.test(c.textContent) && /series pending/.test(c.textContent);"

# ---- 4. a failover -------------------------------------------------------------------------
h_loss L_100 203.0.113.10 100
check "an alert for L_100 is accepted" test "$(h_post "$(h_alert page-f1 1001 L_100)")" = 202
check "L_100 failed over" h_wait_tags L_100 'london_primary_down' 15
t_moved=$(ms_now)
check "the page shows failed_over within one refresh" wait_js $((REFRESH_S + 2)) \
  "var r = document.querySelector('.row[data-id=\"L_100\"]'); return r && r.dataset.state === 'failed_over';"
echo "page: failed_over shown $(($(ms_now) - t_moved)) ms after the tags changed (refresh every ${REFRESH_S} s)"
check "the last action says failed over" wait_js 3 \
  "return /failed over \\d\\d:\\d\\d:\\d\\d/.test(document.querySelector('.row[data-id=\"L_100\"]').textContent);"
check "the chart draws the loss over the threshold" wait_js $((REFRESH_S * 2 + 3)) \
  "return document.querySelectorAll('.row[data-id=\"L_100\"] svg.chart circle.bad').length > 0 &&
     document.querySelector('.row[data-id=\"L_100\"] svg.chart path.loss') !== null;"
check "a failback countdown (the next reconcile's due time)" wait_js $((REFRESH_S * 2 + 8)) \
  "var d = document.querySelector('.row[data-id=\"L_100\"] [data-due]');
   return d && /^(\\d+ s|\\d+ min \\d+ s|due now.*)$/.test(d.textContent);"
"${WD[@]}" shot "$DRIVER" "$SID" "$OUT_DIR/page.png"
check "a screenshot in the build tree ($OUT_DIR/page.png)" test -s "$OUT_DIR/page.png"
check "no console error through the failover" no_console_errors "the failover"

# ---- 5. the daemon goes away and comes back --------------------------------------------------
kill "$H_TF_PID"
wait "$H_TF_PID" 2>/dev/null || true
t_gone=$(ms_now)
check "the page says it cannot reach the daemon" wait_js $((REFRESH_S * 2 + 6)) \
  "var b = document.getElementById('banner');
   return !b.hidden && /cannot reach the daemon/i.test(b.textContent) && window.tfPage.reachable === false;"
echo "page: 'cannot reach' shown $(($(ms_now) - t_gone)) ms after the daemon stopped"
check "the last data stays on the page meanwhile" js "return document.querySelectorAll('.row[data-id]').length === 3;" >/dev/null
h_start_daemon "$H_TMP/tf.conf"
check "the daemon is back" h_wait_ready
check "the page recovers" wait_js $((REFRESH_S * 2 + 6)) \
  "return document.getElementById('banner').hidden && window.tfPage.reachable === true &&
     document.querySelectorAll('.row[data-id]').length === 3;"
check "only failed reads in the console while it was away" only_network_errors

# ---- 6. 1,000 networks ---------------------------------------------------------------------
cat >"$H_TMP/big.json" <<'EOF'
{"api_key": "test-api-key", "sample_spacing_s": 1, "data_lag_s": 0,
 "organizations": [{"id": "1001", "name": "Acme",
   "peers": [{"name": "London DC", "publicIp": "203.0.113.10", "networkTags": ["london_primary_up"]},
             {"name": "Paris DC", "publicIp": "198.51.100.20", "networkTags": ["paris_backup_up"]}],
   "networks": [],
   "generate": [{"count": 960, "prefix": "B_", "tags": ["retail", "london_primary_up", "paris_backup_down"]},
                {"count": 30, "prefix": "H_", "tags": ["london_primary_up", "paris_backup_down", "tagfailover_hold"]},
                {"count": 10, "prefix": "I_", "tags": ["london_primary_up", "paris_backup_up"]}]}],
 "loss": [{"ip": "203.0.113.10", "lossPercent": 5, "from": -3600}]}
EOF
check "the 1,000-network world is loaded" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST \
  --data-binary @"$H_TMP/big.json" "$H_FAKE/_control/scenario")" = 200
check "the page shows 1,000 rows" wait_js 30 "return window.tfPage.rows === 1000;"
# One render pass, and one render pass with the layout it causes, measured five times each in
# the browser (the medians).
render_ms=$(js "var t = [], l = [];
  for (var i = 0; i < 5; i++) {
    var a = performance.now(); window.tfPage.render(); var b = performance.now();
    void document.body.offsetHeight; t.push(b - a); l.push(performance.now() - a);
  }
  var med = function (v) { v.sort(function (x, y) { return x - y; }); return Math.round(v[2]); };
  return med(t) + ' ms render, ' + med(l) + ' ms with layout';")
echo "page: 1,000 networks: $render_ms (medians of 5)"
status_bytes=$(curl -s "${PAGE}status" | wc -c)
series_bytes=$(curl -s "${PAGE}status/series" | wc -c)
echo "page: 1,000 networks: /status is $status_bytes bytes, /status/series $series_bytes bytes"
check "render time measured" test -n "$render_ms" -a "$render_ms" != null
check "every row has its chart" js "return document.querySelectorAll('.row[data-id] svg.chart').length === 1000;" >/dev/null
js "var f = document.getElementById('filter'); f.value = 'I_'; f.dispatchEvent(new Event('input')); return true;" >/dev/null
check "the filter box narrows to the invalid ones" wait_js 5 \
  "return window.tfPage.rows === 10 && document.querySelectorAll('.row[data-state=\"invalid\"]').length === 10;"
js "var f = document.getElementById('filter'); f.value = ''; f.dispatchEvent(new Event('input'));
    document.getElementById('attention').click(); return true;" >/dev/null
check "'only networks not normal' keeps the held and invalid ones" wait_js 5 "return window.tfPage.rows === 40;"
"${WD[@]}" shot "$DRIVER" "$SID" "$OUT_DIR/page-1000.png"
check "no console error with 1,000 networks" no_console_errors "1,000 networks"
"${WD[@]}" close "$DRIVER" "$SID" || true
SID=""
h_summary
