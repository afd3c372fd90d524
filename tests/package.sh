#!/bin/bash
#
# tests/package.sh - the Debian package: built from this tree with
# dpkg-buildpackage -us -uc -b, checked by lintian (no error), its files
# listed, its systemd unit rated by systemd-analyze security (2.0 or
# better; the test says what it got), unpacked into a scratch root, and
# the chabard in it started against a config made as the postinst makes
# one, answering /health. TAP output; every process stopped by PID.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/stack.sh
. "$here/lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source=lib/tap.sh
. "$here/lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_srcdir:=$here/..}"

stack_test_begin package build.log
tap_plan 6
for tool in dpkg-buildpackage dh lintian systemd-analyze; do
    command -v "$tool" >/dev/null || bail "$tool is installed (contrib/deps-debian.sh)"
done

# The tree to build: what git tracks (an in-tree build leaves objects
# about), or the whole of a release tarball's.
src=$T/chabar
mkdir -p "$src"
if [ "$(git -C "$top_srcdir" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$top_srcdir" && pwd -P)" ]; then
    (cd "$top_srcdir" && git ls-files -z | xargs -0 cp --parents -t "$src")
else
    cp -a "$top_srcdir/." "$src"
fi
(cd "$src" && DEB_BUILD_OPTIONS="parallel=2 nocheck" dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1
ok $? "dpkg-buildpackage -us -uc -b builds it"
deb=$(ls "$T"/chabar_*_*.deb 2>/dev/null | head -n1)
[ -n "$deb" ] || bail "a .deb was made"

lintian --fail-on error "$deb" >"$T/lintian.out" 2>&1
ok $? "lintian finds no error ($(grep -c '^W: ' "$T/lintian.out") warnings)"

files=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
missing=""
for f in ./usr/sbin/chabard ./usr/bin/chabarctl ./usr/bin/chabar-phone ./usr/share/chabar/stack.sh \
    ./lib/systemd/system/chabard.service ./usr/share/chabar/flows/checkin.flow \
    ./usr/share/chabar/locales/ky.po ./usr/share/chabar/chabar.conf.example \
    ./usr/share/man/man8/chabard.8.gz ./usr/share/man/man5/chabar.conf.5.gz; do
    printf '%s\n' "$files" | grep -qxF -- "$f" || missing+=" $f"
done
is "${missing:-none}" none "it installs the programs, flows, catalogs, man pages and the unit"

root=$T/root
dpkg -x "$deb" "$root" || bail "the package unpacks"
rating=$(systemd-analyze security --offline=true "$root/lib/systemd/system/chabard.service" 2>/dev/null |
    sed -n 's/.*Overall exposure level for chabard.service: \([0-9.]*\).*/\1/p')
ok "$(awk -v r="${rating:-99}" 'BEGIN { print (r <= 2.0) ? 0 : 1 }')" \
    "the unit's exposure (systemd-analyze security): ${rating:-none}, 2.0 or better"

# A config as the postinst makes one, pointed into the scratch root.
stack_defaults || bail "the stack's settings"
sed -e "s/^key = change-me-to-a-long-random-secret$/key = $CHABAR_KEY/" \
    -e "s/^pin_key = .*/pin_key = $CHABAR_PIN_KEY/" \
    -e "s|^listen = .*|listen = 127.0.0.1:$CHABAR_PORT|" \
    -e "s|^database = .*|database = $T/chabar.db|" \
    -e "s|/usr/share/chabar|$root/usr/share/chabar|" \
    "$root/usr/share/chabar/chabar.conf.example" >"$T/chabar.conf"
"$root/usr/sbin/chabard" -n -c "$T/chabar.conf" >"$T/check.out" 2>&1
ok $? "the installed chabard finds its config, flows and catalogs good (-n)"
CHABARD=$root/usr/sbin/chabard start_chabard "$T/chabar.conf"
ok $? "and starts, answering /health"
