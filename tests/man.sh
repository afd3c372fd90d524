#!/bin/bash
#
# tests/man.sh - the man pages: each renders without a warning (groff -ww),
# and chabarctl(8) names every command `chabarctl -h` lists, so that the
# page cannot fall behind the program. TAP output.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/tap.sh
. "$here/lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_srcdir:=$here/..}"
: "${CHABARCTL:=${top_builddir:-$here/..}/gateway/chabarctl}"

pages=(chabard.8 chabarctl.8 chabar.conf.5 chabar-flow.5 chabar-phone.1)
tap_plan $((${#pages[@]} + 1))
command -v groff >/dev/null || bail "groff (groff-base) is installed"
for p in "${pages[@]}"; do
    is "$(groff -man -ww -z "$top_srcdir/man/$p" 2>&1)" "" "$p renders without a warning"
done
missing=""
while read -r name verb; do
    [ "$name" = version ] && continue
    grep -q -- "$name" "$top_srcdir/man/chabarctl.8" || missing+=" $name"
    [ -z "$verb" ] || grep -q -- "$verb" "$top_srcdir/man/chabarctl.8" || missing+=" $name/$verb"
done < <("$CHABARCTL" -h | sed -n 's/^  chabarctl \([a-z]*\) *\([a-z-]*\).*/\1 \2/p')
is "${missing:-none}" none "chabarctl(8) names every command chabarctl -h lists"
