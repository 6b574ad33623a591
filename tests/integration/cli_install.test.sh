#!/usr/bin/env bash
# The command line's contract (the README's "Command line") and the install layout:
# - check-config exits 0 on the example config (key and secret from the environment, listener
#   plain) and prints the effective config without either secret;
# - a broken config exits 2 and names file:line; so does (with `file: message`) a TLS
#   certificate that does not parse or a key that does not match it, as serve would refuse;
# - a usage error exits 2; --version and --help;
# - `cmake --install` puts the binary, the example config and the systemd unit in place, and
#   `systemd-analyze verify` accepts the installed unit without a single complaint.
set -euo pipefail

: "${TF_BIN:?}" "${TF_SOURCE_DIR:?}" "${TF_BINARY_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
passes=0
check() { # check NAME CONDITION...
  local name=$1
  shift
  if "$@"; then
    passes=$((passes + 1))
  else
    echo "FAIL: $name" >&2
    fails=$((fails + 1))
  fi
}

key="k3y-$RANDOM-$RANDOM-never-printed"
secret="s3cret-$RANDOM-$RANDOM-never-printed"

# 1. The example config, listener plain, secrets from the environment.
sed 's/^mode = tls$/mode = plain/' "$TF_SOURCE_DIR/scripts/tagfailover.conf.example" >"$tmp/ok.conf"
check "example sets mode = tls" grep -q '^mode = tls$' "$TF_SOURCE_DIR/scripts/tagfailover.conf.example"
set +e
MERAKI_DASHBOARD_API_KEY=$key TAGFAILOVER_SHARED_SECRET=$secret \
  "$TF_BIN" -c "$tmp/ok.conf" check-config >"$tmp/ok.out" 2>"$tmp/ok.err"
rc=$?
set -e
check "check-config on the example exits 0 (got $rc: $(cat "$tmp/ok.err"))" test "$rc" -eq 0
check "effective config printed" grep -q '^\[failover\]' "$tmp/ok.out"
check "effective config shows the plain listener" grep -q '^mode = plain' "$tmp/ok.out"
check "API key not printed" bash -c "! grep -qF -- '$key' '$tmp/ok.out' '$tmp/ok.err'"
check "shared secret not printed" bash -c "! grep -qF -- '$secret' '$tmp/ok.out' '$tmp/ok.err'"
check "configuration OK said" grep -q 'configuration OK' "$tmp/ok.err"

# The path from $TAGFAILOVER_CONFIG when -c is absent.
set +e
TAGFAILOVER_CONFIG="$tmp/ok.conf" MERAKI_DASHBOARD_API_KEY=$key TAGFAILOVER_SHARED_SECRET=$secret \
  "$TF_BIN" check-config >/dev/null 2>&1
rc=$?
set -e
check "TAGFAILOVER_CONFIG is read (got $rc)" test "$rc" -eq 0

# 2. A broken config: exit 2, file:line.
printf '[dashboard]\napi_key = k\n[failover]\nloss_threshold_pct = 130\nbogus = 1\n' >"$tmp/bad.conf"
set +e
"$TF_BIN" -c "$tmp/bad.conf" check-config >"$tmp/bad.out" 2>"$tmp/bad.err"
rc=$?
set -e
check "broken config exits 2 (got $rc)" test "$rc" -eq 2
check "bad value names its line" grep -q "bad.conf:4:" "$tmp/bad.err"
check "unknown key names its line" grep -q "bad.conf:5:" "$tmp/bad.err"
check "nothing on stdout for a broken config" test ! -s "$tmp/bad.out"

# A missing file: exit 2 too.
set +e
"$TF_BIN" -c "$tmp/missing.conf" check-config >/dev/null 2>&1
rc=$?
set -e
check "missing config exits 2 (got $rc)" test "$rc" -eq 2

# 2b. mode = tls: check-config loads the certificate and key exactly as serve does, so the
# unit's ExecStartPre fails (exit 2, no "configuration OK") where serve would exit 1.
gen_pair() { # gen_pair PREFIX: PREFIX.crt and PREFIX.key, a self-signed EC pair
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=127.0.0.1 -keyout "$1.key" -out "$1.crt" >/dev/null 2>&1
}
tls_check() { # tls_check NAME CERT KEY: runs check-config; sets rc, NAME.out, NAME.err
  printf '[dashboard]\napi_key = k\n[listener]\nmode = tls\naddress = 127.0.0.1\nshared_secret = s\ncert_file = %s\nkey_file = %s\n' \
    "$2" "$3" >"$tmp/$1.conf"
  set +e
  "$TF_BIN" -c "$tmp/$1.conf" check-config >"$tmp/$1.out" 2>"$tmp/$1.err"
  rc=$?
  set -e
}
gen_pair "$tmp/a"
gen_pair "$tmp/b"
check "openssl made two pairs" test -s "$tmp/a.crt" -a -s "$tmp/a.key" -a -s "$tmp/b.crt" -a -s "$tmp/b.key"
printf 'not a certificate\n' >"$tmp/garbage.crt"

tls_check garbage "$tmp/garbage.crt" "$tmp/a.key"
check "garbage certificate exits 2 (got $rc: $(cat "$tmp/garbage.err"))" test "$rc" -eq 2
check "garbage certificate: no configuration OK" bash -c "! grep -q 'configuration OK' '$tmp/garbage.err'"
check "garbage certificate: the files are named" grep -qF "$tmp/garbage.conf: $tmp/garbage.crt / $tmp/a.key: " "$tmp/garbage.err"
check "garbage certificate: says it does not parse" grep -q 'certificate does not parse' "$tmp/garbage.err"
check "garbage certificate: nothing on stdout" test ! -s "$tmp/garbage.out"

tls_check mismatch "$tmp/a.crt" "$tmp/b.key"
check "key of another certificate exits 2 (got $rc: $(cat "$tmp/mismatch.err"))" test "$rc" -eq 2
check "key of another certificate: no configuration OK" bash -c "! grep -q 'configuration OK' '$tmp/mismatch.err'"
check "key of another certificate: says it does not match" grep -q 'does not match the certificate' "$tmp/mismatch.err"

tls_check good "$tmp/a.crt" "$tmp/a.key"
check "good pair exits 0 (got $rc: $(cat "$tmp/good.err"))" test "$rc" -eq 0
check "good pair: configuration OK" grep -q 'configuration OK' "$tmp/good.err"
check "good pair: effective config shows tls" grep -q '^mode = tls' "$tmp/good.out"

# 3. Usage.
set +e
"$TF_BIN" frobnicate >/dev/null 2>&1
rc_cmd=$?
"$TF_BIN" status --once >/dev/null 2>&1
rc_opt=$?
"$TF_BIN" failover >/dev/null 2>&1
rc_arg=$?
set -e
check "unknown command exits 2" test "$rc_cmd" -eq 2
check "option of another command exits 2" test "$rc_opt" -eq 2
check "failover without NETWORK_ID exits 2" test "$rc_arg" -eq 2
# Options may stand after the command too, the config path included.
set +e
MERAKI_DASHBOARD_API_KEY=$key TAGFAILOVER_SHARED_SECRET=$secret \
  "$TF_BIN" check-config -c "$tmp/ok.conf" >/dev/null 2>"$tmp/after.err"
rc_after=$?
MERAKI_DASHBOARD_API_KEY=$key TAGFAILOVER_SHARED_SECRET=$secret \
  "$TF_BIN" check-config --config="$tmp/ok.conf" >/dev/null 2>&1
rc_after_long=$?
"$TF_BIN" status L_1 x >/dev/null 2>"$tmp/extra.err"
rc_extra=$?
"$TF_BIN" failover L_1 L_2 >/dev/null 2>&1
rc_two=$?
"$TF_BIN" status --help >"$tmp/help.out" 2>&1
rc_help=$?
set -e
check "check-config -c FILE after the command exits 0 (got $rc_after: $(cat "$tmp/after.err"))" test "$rc_after" -eq 0
check "--config=FILE after the command exits 0 (got $rc_after_long)" test "$rc_after_long" -eq 0
check "an extra argument exits 2 (got $rc_extra)" test "$rc_extra" -eq 2
check "an extra argument is named" grep -q "unexpected argument 'x'" "$tmp/extra.err"
check "two network ids exit 2 (got $rc_two)" test "$rc_two" -eq 2
check "--help after the command prints the usage (got $rc_help)" grep -q '^usage: tagfailover' "$tmp/help.out"
check "--version" bash -c "'$TF_BIN' --version | grep -Eq '^tagfailover [0-9]+\.[0-9]+\.[0-9]+$'"
check "--help lists every command" bash -c "h=\$('$TF_BIN' --help); for c in serve reconcile check-config status failover failback setup; do grep -q \"\$c\" <<<\"\$h\" || exit 1; done"

# 4. Install layout and the systemd unit.
# Installed as a package would be (prefix /usr, staged under DESTDIR): the example config
# lands in /etc/tagfailover/, as the README says, never in /usr/etc/.
DESTDIR="$tmp/root" cmake --install "$TF_BINARY_DIR" --prefix /usr >"$tmp/install.log" 2>&1
check "binary installed" test -x "$tmp/root/usr/bin/tagfailover"
check "example config installed in /etc/tagfailover" \
  test -f "$tmp/root/etc/tagfailover/tagfailover.conf.example"
check "nothing installed in /usr/etc" test ! -e "$tmp/root/usr/etc"
# Any other prefix keeps everything under it.
cmake --install "$TF_BINARY_DIR" --prefix "$tmp/opt" >"$tmp/install2.log" 2>&1
check "another prefix: example config under <prefix>/etc" \
  test -f "$tmp/opt/etc/tagfailover/tagfailover.conf.example"
unit="$tmp/root/usr/lib/systemd/system/tagfailover.service"
check "unit installed" test -f "$unit"
if [ -f "$unit" ]; then
  # The installed unit names the prefix it was configured with; point it at the binary just
  # installed, which is what the unit would run.
  sed "s#^\(ExecStart[A-Za-z]*=\)[^ ]*tagfailover#\1$tmp/root/usr/bin/tagfailover#" "$unit" \
    >"$tmp/tagfailover.service"
  check "unit runs check-config before start" grep -q '^ExecStartPre=.* check-config$' "$tmp/tagfailover.service"
  check "unit hardening: NoNewPrivileges" grep -q '^NoNewPrivileges=yes$' "$tmp/tagfailover.service"
  check "unit hardening: ProtectSystem=strict" grep -q '^ProtectSystem=strict$' "$tmp/tagfailover.service"
  check "unit hardening: no capabilities" grep -q '^CapabilityBoundingSet=$' "$tmp/tagfailover.service"
  check "unit has its own user" grep -q '^User=tagfailover$' "$tmp/tagfailover.service"
  if command -v systemd-analyze >/dev/null; then
    out=$(systemd-analyze verify "$tmp/tagfailover.service" 2>&1) || true
    # `verify` exits 0 even for unknown keys; any message at all is a defect.
    check "systemd-analyze verify is silent (said: $out)" test -z "$out"
  else
    echo "FAIL: systemd-analyze not installed (scripts/install-deps.sh installs systemd)" >&2
    fails=$((fails + 1))
  fi
fi

# 5. The project stands on its own: no file cites a design document it does not ship.
if command -v git >/dev/null && git -C "$TF_SOURCE_DIR" rev-parse --git-dir >/dev/null 2>&1; then
  cited=$(git -C "$TF_SOURCE_DIR" grep -l -e 'DESIG[N] section' -e '\.\./share[d]/' -- . || true)
  check "no project file cites a design document the project does not ship (${cited:-none})" test -z "$cited"
fi

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
