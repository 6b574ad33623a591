#!/usr/bin/env bash
# Generates development TLS certificates: a private CA and a server certificate for
# localhost and 127.0.0.1 (subjectAltName), signed by it. For labs, tests and the benchmark;
# a production listener Meraki can reach needs a certificate from a public CA.
#
#   scripts/gen-certs.sh [DIR]        (default: certs/ beside scripts/)
#
# Writes DIR/ca.crt, DIR/ca.key, DIR/server.crt, DIR/server.key (keys mode 0600; ECDSA P-256).
# Idempotent: when DIR already holds a server certificate that verifies against DIR/ca.crt,
# matches DIR/server.key and is valid for at least another day, it does nothing. Otherwise it
# writes a fresh set (never a half-written one: files are made in a temp dir and moved).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${1:-"$root/certs"}
days_ca=3650
days_server=825

command -v openssl >/dev/null || { echo "gen-certs: openssl not found (apt-get install openssl)" >&2; exit 1; }

# True when the existing set is complete and usable.
certs_valid() {
  local f
  for f in ca.crt ca.key server.crt server.key; do
    [ -s "$dir/$f" ] || return 1
  done
  openssl verify -CAfile "$dir/ca.crt" "$dir/server.crt" >/dev/null 2>&1 || return 1
  openssl x509 -in "$dir/server.crt" -noout -checkend 86400 >/dev/null 2>&1 || return 1
  # The key matches the certificate when their public keys are the same.
  [ "$(openssl x509 -in "$dir/server.crt" -noout -pubkey 2>/dev/null)" = \
    "$(openssl pkey -in "$dir/server.key" -pubout 2>/dev/null)" ] || return 1
}

mkdir -p "$dir"
if certs_valid; then
  echo "gen-certs: $dir already holds valid certificates; nothing to do"
  exit 0
fi

umask 077
tmp=$(mktemp -d "$dir/.gen-certs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/ca.key" 2>/dev/null
openssl req -x509 -new -key "$tmp/ca.key" -sha256 -days "$days_ca" \
  -subj "/O=tagfailover development/CN=tagfailover development CA" \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -addext "subjectKeyIdentifier=hash" \
  -out "$tmp/ca.crt"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/server.key" 2>/dev/null
openssl req -new -key "$tmp/server.key" -subj "/O=tagfailover development/CN=localhost" \
  -out "$tmp/server.csr"
cat >"$tmp/server.ext" <<'EXT'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EXT
openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" \
  -set_serial "0x$(openssl rand -hex 16)" -days "$days_server" -sha256 \
  -extfile "$tmp/server.ext" -out "$tmp/server.crt" 2>/dev/null

chmod 0644 "$tmp/ca.crt" "$tmp/server.crt"
chmod 0600 "$tmp/ca.key" "$tmp/server.key"
# Keys first, so a reader never sees a new certificate with an old key for long.
for f in ca.key ca.crt server.key server.crt; do
  mv -f "$tmp/$f" "$dir/$f"
done
echo "gen-certs: wrote $dir/{ca.crt,ca.key,server.crt,server.key}"
