#!/usr/bin/env bash
# Installs the Debian 12 packages tagfailover needs to build, test, benchmark, package and run
# (dpkg-dev for cpack's dpkg-shlibdeps, lintian for the package test).
# Idempotent: does nothing when every package is already present; runs `apt-get update`
# first only when something must be installed.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libmicrohttpd-dev libcurl4-openssl-dev libjson-c-dev libssl-dev libinih-dev libcmocka-dev
  nginx-light wrk curl openssl ca-certificates webhook systemd python3
  chromium chromium-driver
  dpkg-dev lintian
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
