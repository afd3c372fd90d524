#!/bin/bash
#
# tests/catalogs.sh - the translators' workflow (locales/update.sh, `make
# catalogs`) on a copy of the catalogs: run on them as shipped, it changes
# nothing; a key added to en.po arrives in every catalog untranslated, with
# its English text beside it, and the report counts it; a key taken out
# of en.po leaves the catalogs' live entries. TAP output.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/tap.sh
. "$here/lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_srcdir:=$here/..}"

T=$(mktemp -d "${TMPDIR:-/tmp}/chabar-catalogs.XXXXXX") || { echo "Bail out! mktemp"; exit 1; }
trap 'rm -rf "$T"' EXIT
tap_plan 7
command -v msgmerge >/dev/null || bail "gettext's msgmerge is installed"
cp "$top_srcdir"/locales/*.po "$top_srcdir/locales/update.sh" "$T/" || bail "the catalogs copied"
cp -r "$T" "$T.before" && trap 'rm -rf "$T" "$T.before"' EXIT

sh "$T/update.sh" "$T" >"$T/report" 2>&1
is "$?:$(diff -r -x chabar.pot -x report "$T.before" "$T" | head -3)" "0:" \
    "the shipped catalogs are in step: the workflow changes nothing"
is "$(grep -c 'fuzzy translations' "$T/report")" 6 "and reports six catalogs, their drafts fuzzy"

printf '\nmsgid "test.new"\nmsgstr "A new text {name}."\n' >>"$T/en.po"
sh "$T/update.sh" "$T" >"$T/report" 2>&1
is "$(grep -c '1 untranslated message' "$T/report")" 6 "a key new in en.po: each catalog has one untranslated"
is "$(grep -B1 -A2 '^#\. en: A new text {name}\.$' "$T/ky.po" | tr '\n' '|')" \
    '|#. en: A new text {name}.|msgid "test.new"|msgstr ""|' \
    "it arrives with its English text for the translator, to fill in"
# a translation reviewed (no longer fuzzy), then its English changed
sed -i '/^#, fuzzy$/{N;s/^#, fuzzy\nmsgid "global.stopped"$/msgid "global.stopped"/}' "$T/ky.po"
sed -i 's/^msgstr "Messages stopped\. Send START to turn them on\."$/msgstr "Messages stopped. Send START to have them again."/' "$T/en.po"
sh "$T/update.sh" "$T" >/dev/null 2>&1
is "$(grep -B1 '^msgid "global.stopped"' "$T/ky.po" | head -n1)" "#, fuzzy" \
    "a reviewed translation whose English changed is marked fuzzy again"
sed -i '/^msgid "test.new"/,+1d' "$T/en.po"
sh "$T/update.sh" "$T" >/dev/null 2>&1
is "$(grep -c '^msgid "test.new"' "$T/ru.po")" 0 "a key gone from en.po leaves the catalogs"
is "$(grep -c '^msgid "' "$T/ru.po")" "$(grep -c '^msgid "' "$T/en.po")" "and each has en.po's keys, no more"
