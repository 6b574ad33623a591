#!/usr/bin/env bash
# scripts/letsencrypt-deploy-hook, certbot's deploy hook, against temporary directories (its
# environment moves the certificate directory, the owner and group, and the reload command):
# - a renewed pair is copied to server.crt/server.key, 0640 owner:group, in a 0750 directory it
#   creates, with no temporary file left, and the reload runs once;
# - the default reload is `systemctl try-reload-or-restart tagfailover.service
#   tagfailover@*.service`, the pattern reaching systemctl unexpanded;
# - a key of another certificate, a certificate that does not parse, an oversized file, a
#   missing lineage or openssl missing: refused, the installed pair untouched, no reload;
# - a reload that fails: exit 1, the new pair in place.
set -euo pipefail

: "${TF_SOURCE_DIR:?}"
hook="$TF_SOURCE_DIR/scripts/letsencrypt-deploy-hook"
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

user=$(id -un)
group=$(id -gn)
certs="$tmp/etc/certs"
calls="$tmp/reload.calls"
# The reload command: records its arguments, one call a line.
cat >"$tmp/reload" <<EOF
#!/bin/sh
echo "\$*" >>"$calls"
EOF
chmod +x "$tmp/reload"

lineage() { # lineage DIR: a certbot lineage (fullchain.pem, privkey.pem) with a fresh EC pair
  mkdir -p "$1"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=127.0.0.1 -keyout "$1/privkey.pem" -out "$1/fullchain.pem" >/dev/null 2>&1
}
run_hook() { # run_hook NAME [ARG...]: the hook with the test's paths; sets rc, NAME.out, NAME.err
  local name=$1
  shift
  set +e
  TAGFAILOVER_CERT_DIR="$certs" TAGFAILOVER_CERT_OWNER="$user" TAGFAILOVER_CERT_GROUP="$group" \
    TAGFAILOVER_RELOAD_COMMAND="${reload_command-$tmp/reload --from-hook}" \
    "$hook" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
  set -e
}
ncalls() { if [ -f "$calls" ]; then wc -l <"$calls"; else echo 0; fi; }
mode() { stat -c %a "$1"; }
owner() { stat -c %U:%G "$1"; }
leftovers() { find "$certs" -name '.server.*' | wc -l; }

lineage "$tmp/live/a"
lineage "$tmp/live/b"
check "openssl made two lineages" test -s "$tmp/live/a/fullchain.pem" -a -s "$tmp/live/b/privkey.pem"

# 1. A first issuance (certbot's RENEWED_LINEAGE): the directory is created, the pair copied.
RENEWED_LINEAGE="$tmp/live/a" run_hook first
check "first pair: exit 0 (got $rc: $(cat "$tmp/first.err"))" test "$rc" -eq 0
check "first pair: certificate copied" cmp -s "$tmp/live/a/fullchain.pem" "$certs/server.crt"
check "first pair: key copied" cmp -s "$tmp/live/a/privkey.pem" "$certs/server.key"
check "first pair: key 0640 (got $(mode "$certs/server.key"))" test "$(mode "$certs/server.key")" = 640
check "first pair: certificate 0640 (got $(mode "$certs/server.crt"))" test "$(mode "$certs/server.crt")" = 640
check "first pair: key owner:group" test "$(owner "$certs/server.key")" = "$user:$group"
check "first pair: certificate owner:group" test "$(owner "$certs/server.crt")" = "$user:$group"
check "first pair: directory 0750 (got $(mode "$certs"))" test "$(mode "$certs")" = 750
check "first pair: directory owner:group" test "$(owner "$certs")" = "$user:$group"
check "first pair: no temporary file left" test "$(leftovers)" -eq 0
check "first pair: reloaded once (got $(ncalls))" test "$(ncalls)" -eq 1
check "first pair: the reload command's own arguments" grep -qx -- '--from-hook' "$calls"
check "first pair: says what it installed" grep -q "installed $certs/server.crt and $certs/server.key" "$tmp/first.out"

# 2. A renewal given as the argument, over a pair a careless hand left world-readable.
chmod 0644 "$certs/server.key"
run_hook renew "$tmp/live/b"
check "renewal: exit 0 (got $rc: $(cat "$tmp/renew.err"))" test "$rc" -eq 0
check "renewal: new certificate" cmp -s "$tmp/live/b/fullchain.pem" "$certs/server.crt"
check "renewal: new key" cmp -s "$tmp/live/b/privkey.pem" "$certs/server.key"
check "renewal: key 0640 again (got $(mode "$certs/server.key"))" test "$(mode "$certs/server.key")" = 640
check "renewal: reloaded (got $(ncalls) calls)" test "$(ncalls)" -eq 2

# 3. Refusals: nothing changes, nothing is reloaded.
refused() { # refused NAME REASON-PATTERN: after run_hook NAME
  check "$1: exit 1 (got $rc)" test "$rc" -eq 1
  check "$1: says why ($(cat "$tmp/$1.err"))" grep -q -- "$2" "$tmp/$1.err"
  check "$1: says nothing changed" grep -q 'nothing changed' "$tmp/$1.err"
  check "$1: certificate untouched" cmp -s "$tmp/live/b/fullchain.pem" "$certs/server.crt"
  check "$1: key untouched" cmp -s "$tmp/live/b/privkey.pem" "$certs/server.key"
  check "$1: no reload (got $(ncalls) calls)" test "$(ncalls)" -eq 2
  check "$1: no temporary file left" test "$(leftovers)" -eq 0
}
mkdir -p "$tmp/live/mismatch"
cp "$tmp/live/a/fullchain.pem" "$tmp/live/mismatch/fullchain.pem"
cp "$tmp/live/b/privkey.pem" "$tmp/live/mismatch/privkey.pem"
run_hook mismatch "$tmp/live/mismatch"
refused mismatch "is not the key of"

mkdir -p "$tmp/live/garbage"
printf 'not a certificate\n' >"$tmp/live/garbage/fullchain.pem"
cp "$tmp/live/a/privkey.pem" "$tmp/live/garbage/privkey.pem"
run_hook garbage "$tmp/live/garbage"
refused garbage "not a PEM certificate"

mkdir -p "$tmp/live/huge"
head -c 1048577 /dev/zero >"$tmp/live/huge/fullchain.pem"
cp "$tmp/live/a/privkey.pem" "$tmp/live/huge/privkey.pem"
run_hook huge "$tmp/live/huge"
refused huge "1048577 bytes, not a PEM file"

mkdir -p "$tmp/live/empty"
cp "$tmp/live/a/fullchain.pem" "$tmp/live/empty/fullchain.pem"
: >"$tmp/live/empty/privkey.pem"
run_hook empty "$tmp/live/empty"
refused empty "0 bytes, not a PEM file"

run_hook nokey "$tmp/live/none"
refused nokey "not a readable file"

# openssl missing: the pair cannot be checked, so it is not installed. The PATH holds
# everything else the hook runs.
mkdir -p "$tmp/bin"
for t in cat wc mktemp chown chmod mv rm install; do ln -s "$(command -v "$t")" "$tmp/bin/$t"; done
PATH="$tmp/bin" run_hook noopenssl "$tmp/live/a"
refused noopenssl "openssl is not installed"

# 4. Usage: no lineage at all, or two arguments.
(unset RENEWED_LINEAGE; run_hook nolineage; exit "$rc") && rc=0 || rc=$?
check "no lineage: exit 2 (got $rc)" test "$rc" -eq 2
check "no lineage: names RENEWED_LINEAGE" grep -q RENEWED_LINEAGE "$tmp/nolineage.err"
run_hook twoargs "$tmp/live/a" "$tmp/live/b"
check "two arguments: exit 2 (got $rc)" test "$rc" -eq 2
check "usage errors: no reload (got $(ncalls) calls)" test "$(ncalls)" -eq 2

# 5. A reload that fails: exit 1, and the new pair is in place (it is valid).
reload_command=false run_hook reloadfails "$tmp/live/a"
check "failing reload: exit 1 (got $rc)" test "$rc" -eq 1
check "failing reload: says so" grep -q 'the reload (false) failed: the new pair is in place' "$tmp/reloadfails.err"
check "failing reload: new certificate in place" cmp -s "$tmp/live/a/fullchain.pem" "$certs/server.crt"
check "failing reload: new key in place" cmp -s "$tmp/live/a/privkey.pem" "$certs/server.key"

# 6. The default reload, with a systemctl that records its arguments. A file in the working
# directory that the pattern would match shows that the hook does not expand it.
mkdir -p "$tmp/sysbin" "$tmp/cwd"
cat >"$tmp/sysbin/systemctl" <<EOF
#!/bin/sh
printf '%s|' "\$@" >"$tmp/systemctl.args"
EOF
chmod +x "$tmp/sysbin/systemctl"
: >"$tmp/cwd/tagfailover@glob.service"
(cd "$tmp/cwd" && unset TAGFAILOVER_RELOAD_COMMAND && PATH="$tmp/sysbin:$PATH" \
  TAGFAILOVER_CERT_DIR="$certs" TAGFAILOVER_CERT_OWNER="$user" TAGFAILOVER_CERT_GROUP="$group" \
  "$hook" "$tmp/live/b" >"$tmp/default.out" 2>"$tmp/default.err") && rc=0 || rc=$?
check "default reload: exit 0 (got $rc: $(cat "$tmp/default.err"))" test "$rc" -eq 0
check "default reload: systemctl try-reload-or-restart of the unit and every instance ($(cat "$tmp/systemctl.args" 2>/dev/null))" \
  test "$(cat "$tmp/systemctl.args" 2>/dev/null)" = 'try-reload-or-restart|tagfailover.service|tagfailover@*.service|'

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
