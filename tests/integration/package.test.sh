#!/usr/bin/env bash
# The Debian package (README "Installing the Debian package"), built by cpack from this Release
# tree into a temporary directory (registered in the Release tree only: a package is built from
# one, and the sanitizer trees' binaries are not what anyone installs):
# - the .deb builds; its control fields (name, the project's version, the architecture, the
#   dependencies) and maintainer scripts are there; the changelog's newest entry is the
#   project's version;
# - `dpkg-deb -c` lists exactly the files and directories the README says it installs;
# - unpacked with `dpkg -x` (never installed on this machine): the binary runs, the units name
#   /usr/bin/tagfailover, `systemd-analyze verify` is silent on both (the template as an
#   instance), and the template is the unit line for line but for the instance's lines; the
#   man page names every command of --help;
# - the maintainer scripts, run against recording stand-ins for adduser, dpkg-statoverride,
#   deb-systemd-helper, deb-systemd-invoke and systemctl, in a private mount namespace (unshare)
#   with and without systemd's /run/systemd/system, do what the README says on install,
#   upgrade, remove and purge;
# - lintian reports nothing at any level (--pedantic --display-info), the one override aside.
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
finish() {
  echo "$passes passed, $fails failed"
  [ "$fails" -eq 0 ]
  exit
}
for tool in cpack dpkg-deb dpkg-shlibdeps lintian systemd-analyze; do
  check "$tool is installed (scripts/install-deps.sh installs it)" command -v "$tool" >/dev/null
done
[ "$fails" -eq 0 ] || finish

version=$("$TF_BIN" --version | sed -n 's/^tagfailover //p')
arch=$(dpkg --print-architecture)
deb="$tmp/pkg/tagfailover_${version}_${arch}.deb"

# 1. Build it. cpack installs the tree into its own staging directory under -B.
set +e
cpack -G DEB --config "$TF_BINARY_DIR/CPackConfig.cmake" -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1
rc=$?
set -e
check "cpack -G DEB exits 0 (got $rc: $(tail -5 "$tmp/cpack.log"))" test "$rc" -eq 0
check "the package is $(basename "$deb") ($(ls "$tmp/pkg"))" test -f "$deb"
[ -f "$deb" ] || finish

field() { dpkg-deb -f "$deb" "$1"; }
check "Package: tagfailover" test "$(field Package)" = tagfailover
check "Version: the project's ($version, got $(field Version))" test "$(field Version)" = "$version"
check "Architecture: $arch" test "$(field Architecture)" = "$arch"
check "Section: net" test "$(field Section)" = net
check "a Maintainer with an address" bash -c "dpkg-deb -f '$deb' Maintainer | grep -Eq '<[^ >]+@[^ >]+>'"
depends=$(field Depends)
for dep in adduser libc6 libcurl4 libinih1 libjson-c5 libmicrohttpd12 libssl3; do
  check "Depends on $dep ($depends)" grep -Eq "(^|, )$dep( |,|$)" <<<"$depends"
done
check "Recommends openssl" test "$(field Recommends)" = openssl
check "an extended description" test "$(field Description | wc -l)" -gt 3

dpkg-deb -I "$deb" >"$tmp/info"
for f in postinst prerm postrm conffiles md5sums; do
  check "dpkg-deb -I shows $f" grep -Eq "^ +[0-9]+ bytes, +[0-9]+ lines +\*? +$f( |$)" "$tmp/info"
done
for f in postinst prerm postrm; do
  check "$f is executable" grep -Eq "^ +[0-9]+ bytes, +[0-9]+ lines +\* +$f +#!/bin/sh$" "$tmp/info"
done
mkdir "$tmp/control"
dpkg-deb -e "$deb" "$tmp/control"
check "the only conffile is the example ($(cat "$tmp/control/conffiles"))" \
  test "$(cat "$tmp/control/conffiles")" = /etc/tagfailover/tagfailover.conf.example

# 2. The contents against the README's list: the first block after "### What the package
# installs"; a path ending in / is a directory, every other one a file.
awk '/^### What the package installs/ { s = 1; next }
     s == 1 && /^```/ { s = 2; next }
     s == 2 && /^```/ { exit }
     s == 2 && /^\// { print $1 }' "$TF_SOURCE_DIR/README.md" >"$tmp/readme.list"
check "the README lists what the package installs" test -s "$tmp/readme.list"
dpkg-deb -c "$deb" >"$tmp/contents"
# Lines: mode owner/group size date time ./path [-> target]
awk '$1 !~ /^d/ { p = $6; sub(/^\./, "", p); print p }' "$tmp/contents" | sort >"$tmp/deb.files"
grep -v '/$' "$tmp/readme.list" | sort >"$tmp/readme.files"
check "dpkg-deb -c lists exactly the README's files ($(diff "$tmp/readme.files" "$tmp/deb.files" | grep '^[<>]' | tr '\n' ' '))" \
  cmp -s "$tmp/readme.files" "$tmp/deb.files"
while read -r d; do
  check "the package has the directory $d" grep -Eq "^d.* \.${d}\$" "$tmp/contents"
done < <(grep '/$' "$tmp/readme.list")
check "everything belongs to root" bash -c "! awk '\$2 != \"root/root\"' '$tmp/contents' | grep -q ."
check "the deploy hook is executable" grep -Eq '^-rwxr-xr-x .* \./usr/share/tagfailover/letsencrypt-deploy-hook$' "$tmp/contents"
check "the binary is executable" grep -Eq '^-rwxr-xr-x .* \./usr/bin/tagfailover$' "$tmp/contents"

# 3. Unpacked into a directory (not installed).
root="$tmp/root"
dpkg -x "$deb" "$root"
check "the packaged binary runs (--version: $("$root/usr/bin/tagfailover" --version 2>&1))" \
  test "$("$root/usr/bin/tagfailover" --version 2>&1)" = "tagfailover $version"
check "the packaged binary is stripped (no .symtab, no .comment)" bash -c "! readelf -S '$root/usr/bin/tagfailover' | grep -Eq '\\.(symtab|comment) '"
unit="$root/lib/systemd/system/tagfailover.service"
template="$root/lib/systemd/system/tagfailover@.service"
check "the unit runs /usr/bin/tagfailover" grep -qx 'ExecStart=/usr/bin/tagfailover -c /etc/tagfailover/tagfailover.conf serve' "$unit"
check "the unit waits for its configuration" grep -qx 'ConditionPathExists=/etc/tagfailover/tagfailover.conf' "$unit"
check "the template runs the instance's configuration" grep -qx 'ExecStart=/usr/bin/tagfailover -c /etc/tagfailover/%i.conf serve' "$template"
check "the template waits for the instance's configuration" grep -qx 'ConditionPathExists=/etc/tagfailover/%i.conf' "$template"
# The template is the unit, comments aside, with the instance in these lines only.
strip_unit() { grep -v '^#' "$1" | grep -v -e '^Description=' -e '^ConditionPathExists=' -e '^ExecStart'; }
check "the template's other lines are the unit's ($(diff <(strip_unit "$unit") <(strip_unit "$template") | tr '\n' ' '))" \
  cmp -s <(strip_unit "$unit") <(strip_unit "$template")
check "the template's lines name the instance where the unit names tagfailover.conf" \
  cmp -s <(grep -e '^Description=' -e '^ConditionPathExists=' -e '^ExecStart' "$unit" |
    sed -e 's#/etc/tagfailover/tagfailover.conf#/etc/tagfailover/%i.conf#' -e 's#^Description=tagfailover:#Description=tagfailover %i:#') \
  <(grep -e '^Description=' -e '^ConditionPathExists=' -e '^ExecStart' "$template")
mkdir "$tmp/verify"
sed "s#^\(ExecStart[A-Za-z]*=\)/usr/bin/tagfailover#\1$root/usr/bin/tagfailover#" "$unit" >"$tmp/verify/tagfailover.service"
sed "s#^\(ExecStart[A-Za-z]*=\)/usr/bin/tagfailover#\1$root/usr/bin/tagfailover#" "$template" >"$tmp/verify/tagfailover@check.service"
for u in tagfailover.service tagfailover@check.service; do
  out=$(systemd-analyze verify "$tmp/verify/$u" 2>&1) || true
  check "systemd-analyze verify $u is silent (said: $out)" test -z "$out"
done
zcat "$root/usr/share/man/man1/tagfailover.1.gz" >"$tmp/tagfailover.1"
check "the man page has the version" grep -q "\"tagfailover $version\"" "$tmp/tagfailover.1"
commands=$("$TF_BIN" --help | awk '/^commands:/ { s = 1; next } /^$/ { s = 0 } s && /^  [a-z]/ { print $1 }')
check "--help lists commands" test -n "$commands"
for c in $commands; do
  cm=${c//-/\\\\-}
  check "the man page describes $c" grep -Eq "^\.B[IR]? ${cm}( |$)" "$tmp/tagfailover.1"
done
zcat "$root/usr/share/doc/tagfailover/changelog.gz" >"$tmp/changelog"
cl_version=$(dpkg-parsechangelog -l "$tmp/changelog" -S Version 2>/dev/null || true)
check "the changelog's newest entry is $version (got '$cl_version': add an entry to scripts/debian/changelog)" \
  test "$cl_version" = "$version"
check "the README in the package is the source's" cmp -s "$TF_SOURCE_DIR/README.md" "$root/usr/share/doc/tagfailover/README.md"
check "the example in the package is the source's" \
  cmp -s "$TF_SOURCE_DIR/scripts/tagfailover.conf.example" "$root/etc/tagfailover/tagfailover.conf.example"
check "the deploy hook in the package is the source's" \
  cmp -s "$TF_SOURCE_DIR/scripts/letsencrypt-deploy-hook" "$root/usr/share/tagfailover/letsencrypt-deploy-hook"

# 4. The maintainer scripts, shipped ones, with recording stand-ins for the commands that
# would change this machine. Each case runs twice, in a private mount namespace whose /run is
# an empty tmpfs: once as on a host without systemd, once with /run/systemd/system (systemd
# running), where systemctl and deb-systemd-invoke are called too ("+ " lines below).
mkdir "$tmp/shims"
cat >"$tmp/shims/shim" <<'SHIM'
#!/bin/sh
n=$(basename "$0")
echo "$n $*" >>"$SHIM_LOG"
case "$n $*" in
"dpkg-statoverride --list /etc/tagfailover")
  [ -n "${SHIM_OVERRIDE:-}" ] || exit 1
  echo "$SHIM_OVERRIDE"
  ;;
"deb-systemd-helper --quiet was-enabled tagfailover.service") exit "${SHIM_WAS_ENABLED:-0}" ;;
esac
exit 0
SHIM
chmod +x "$tmp/shims/shim"
for c in adduser dpkg-statoverride deb-systemd-helper deb-systemd-invoke systemctl; do
  ln -s shim "$tmp/shims/$c"
done
# sh -c "$in_run" sh DOWN|UP COMMAND...: COMMAND with a /run of its own (UP: with systemd's
# directory in it), inside unshare.
# shellcheck disable=SC2016
in_run='mount -t tmpfs tmpfs /run || exit 99; [ "$1" = down ] || mkdir -p /run/systemd/system; shift; exec "$@"'
unshare_cmd=()
for u in "unshare -r -m" "unshare -m"; do
  if $u sh -c "$in_run" sh up test -d /run/systemd/system 2>/dev/null &&
    $u sh -c "$in_run" sh down test ! -e /run/systemd 2>/dev/null; then
    read -ra unshare_cmd <<<"$u"
    break
  fi
done
# Where a namespace is not allowed (an unprivileged container), the scripts run as copies whose
# /run/systemd/system is a directory of this test's: the same code, the path moved.
if [ "${#unshare_cmd[@]}" -eq 0 ]; then
  echo "note: no mount namespace here (unshare): the maintainer scripts run with /run/systemd moved"
fi
maint() { # maint NAME DOWN|UP SCRIPT ARGS...: runs a maintainer script; sets rc and NAME.calls
  local name=$1 run=$2 script=$3
  shift 3
  : >"$tmp/$name.calls"
  set +e
  if [ "${#unshare_cmd[@]}" -gt 0 ]; then
    SHIM_LOG="$tmp/$name.calls" PATH="$tmp/shims:$PATH" \
      "${unshare_cmd[@]}" sh -c "$in_run" sh "$run" sh "$tmp/control/$script" "$@" \
      >"$tmp/$name.out" 2>&1
  else
    rm -rf "$tmp/run-$name" && mkdir -p "$tmp/run-$name"
    [ "$run" = down ] || mkdir -p "$tmp/run-$name/systemd/system"
    sed "s#/run/systemd#$tmp/run-$name/systemd#g" "$tmp/control/$script" >"$tmp/$name.script"
    SHIM_LOG="$tmp/$name.calls" PATH="$tmp/shims:$PATH" sh "$tmp/$name.script" "$@" \
      >"$tmp/$name.out" 2>&1
  fi
  rc=$?
  set -e
}
expect_calls() { # expect_calls NAME DOWN|UP: NAME.calls against stdin ("+ " lines: UP only)
  local line
  : >"$tmp/$1.expected"
  while IFS= read -r line; do
    case "$line" in
    "") ;;
    "+ "*) [ "$2" = down ] || echo "${line#+ }" >>"$tmp/$1.expected" ;;
    *) echo "$line" >>"$tmp/$1.expected" ;;
    esac
  done
  check "$1: exit 0 (got $rc: $(cat "$tmp/$1.out"))" test "$rc" -eq 0
  check "$1: the calls ($(diff "$tmp/$1.expected" "$tmp/$1.calls" | grep '^[<>]' | tr '\n' ' '))" \
    cmp -s "$tmp/$1.expected" "$tmp/$1.calls"
}
maint_case() { # maint_case NAME SCRIPT ARGS... <<EXPECTED: the DOWN and the UP run
  local name=$1 expected run
  shift
  expected=$(cat)
  for run in down up; do
    maint "$name-$run" "$run" "$@"
    expect_calls "$name-$run" "$run" <<<"$expected"
  done
}
maint_case install postinst configure <<'CALLS'
adduser --system --group --home /nonexistent --no-create-home --quiet tagfailover
dpkg-statoverride --list /etc/tagfailover
dpkg-statoverride --update --add root tagfailover 0750 /etc/tagfailover
deb-systemd-helper unmask tagfailover.service
deb-systemd-helper --quiet was-enabled tagfailover.service
deb-systemd-helper enable tagfailover.service
+ systemctl --system daemon-reload
+ deb-systemd-invoke start tagfailover.service
CALLS
# An upgrade from 0.0.1, the override there, the unit disabled by the administrator.
export SHIM_OVERRIDE='root tagfailover 750 /etc/tagfailover' SHIM_WAS_ENABLED=1
maint_case upgrade postinst configure 0.0.1 <<'CALLS'
adduser --system --group --home /nonexistent --no-create-home --quiet tagfailover
dpkg-statoverride --list /etc/tagfailover
deb-systemd-helper unmask tagfailover.service
deb-systemd-helper --quiet was-enabled tagfailover.service
deb-systemd-helper update-state tagfailover.service
+ systemctl --system daemon-reload
+ deb-systemd-invoke restart tagfailover.service
+ deb-systemd-invoke try-restart tagfailover@*.service
CALLS
unset SHIM_OVERRIDE SHIM_WAS_ENABLED
maint bad up postinst frobnicate
check "postinst with an unknown argument exits 1 (got $rc)" test "$rc" -eq 1
maint_case prerm-remove prerm remove <<'CALLS'
+ deb-systemd-invoke stop tagfailover.service tagfailover@*.service
CALLS
maint_case prerm-upgrade prerm upgrade 0.0.2 </dev/null
maint_case postrm-remove postrm remove <<'CALLS'
+ systemctl --system daemon-reload
CALLS
export SHIM_OVERRIDE='root tagfailover 750 /etc/tagfailover'
maint_case purge postrm purge <<'CALLS'
deb-systemd-helper purge tagfailover.service
deb-systemd-helper unmask tagfailover.service
dpkg-statoverride --list /etc/tagfailover
dpkg-statoverride --remove /etc/tagfailover
+ systemctl --system daemon-reload
CALLS
# The administrator's own override is theirs: purge leaves it.
export SHIM_OVERRIDE='root adm 750 /etc/tagfailover'
maint_case purge-own postrm purge <<'CALLS'
deb-systemd-helper purge tagfailover.service
deb-systemd-helper unmask tagfailover.service
dpkg-statoverride --list /etc/tagfailover
+ systemctl --system daemon-reload
CALLS
unset SHIM_OVERRIDE
# dpkg --root (DPKG_ROOT set): never the running system's systemd, even where it runs.
export DPKG_ROOT="$tmp/elsewhere"
maint dpkg-root up postinst configure
expect_calls dpkg-root down <<'CALLS'
adduser --system --group --home /nonexistent --no-create-home --quiet tagfailover
dpkg-statoverride --list /etc/tagfailover
dpkg-statoverride --update --add root tagfailover 0750 /etc/tagfailover
deb-systemd-helper unmask tagfailover.service
deb-systemd-helper --quiet was-enabled tagfailover.service
deb-systemd-helper enable tagfailover.service
CALLS
unset DPKG_ROOT

# 5. lintian: nothing at any level but the one override (shown as O:). One run: with
# --show-overrides, --fail-on would count the overridden tag, so the tags are read instead.
set +e
lintian --pedantic --display-info --display-experimental --show-overrides "$deb" \
  >"$tmp/lintian.out" 2>&1
rc=$?
set -e
tags=$(grep -E '^[EWIPX]: ' "$tmp/lintian.out" || true)
check "lintian exits 0 (got $rc: $(cat "$tmp/lintian.out"))" test "$rc" -eq 0
check "lintian reports nothing (said: $tags)" test -z "$tags"
check "the override is the one the README explains" \
  grep -q '^O: tagfailover: package-supports-alternative-init-but-no-init.d-script' "$tmp/lintian.out"
check "no other override ($(grep '^O: ' "$tmp/lintian.out" | tr '\n' ' '))" test "$(grep -c '^O: ' "$tmp/lintian.out")" -eq 1

finish
