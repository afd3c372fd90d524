#!/bin/sh
# locales/update.sh [DIR] - brings every catalog in DIR (default: this
# script's directory) in step with en.po, the reference, through the
# template chabar.pot, and says what each has left to translate or review.
# `make catalogs` runs it. Needs gettext's msgmerge and msgfmt.
#
#   1. chabar.pot is written from en.po: every key, with its comments and
#      the English text as a "#. en:" comment, and an empty translation.
#   2. msgmerge brings each other catalog in step with it: a new key is
#      added untranslated, a key gone from en.po is dropped (kept as an
#      obsolete #~ entry). Where the English text changed, the "#. en:"
#      comment shows the new one and the translation is marked fuzzy, to
#      be reviewed. Translations are never guessed (--no-fuzzy-matching).
#   3. Each catalog's figures: translated, fuzzy (a draft to review),
#      untranslated (new: chabar will not start until it is filled in).
set -eu
dir=${1:-$(cd "$(dirname "$0")" && pwd)}
command -v msgmerge >/dev/null || { echo "update.sh: msgmerge not found (apt-get install gettext)" >&2; exit 1; }

# en.po -> chabar.pot. The catalogs keep one entry a line per field
# (msgid "key", msgstr "text" on one line each), which this relies on.
awk '
    function flush() {
        if (id == "") return
        printf "%s", comments
        if (id != "\"\"") printf "#. en: %s\n", substr(text, 2, length(text) - 2)
        printf "msgid %s\nmsgstr %s\n\n", id, (id == "\"\"" ? header : "\"\"")
        comments = ""; id = ""; text = ""
    }
    /^#\./ { comments = comments $0 "\n"; next }
    /^msgid / { id = substr($0, 7); next }
    /^msgstr / { text = substr($0, 8); flush(); next }
    END { flush() }
    BEGIN {
        header = "\"\"\n\"Project-Id-Version: chabar\\n\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n\"Content-Transfer-Encoding: 8bit\\n\""
    }
' "$dir/en.po" >"$dir/chabar.pot.new"
mv "$dir/chabar.pot.new" "$dir/chabar.pot"

# english FILE: "key<TAB>English" for each entry with a "#. en:" comment.
english() {
    awk '/^#\. en: / { en = substr($0, 8) } /^msgid "/ { if (en != "") print substr($0, 8, length($0) - 8) "\t" en; en = "" }' "$1"
}

status=0
english "$dir/chabar.pot" | sort >"$dir/.en.new"
for po in "$dir"/*.po; do
    lang=$(basename "$po" .po)
    [ "$lang" = en ] && continue
    # the keys whose English changed since this catalog was translated
    english "$po" | sort | join -t "$(printf '\t')" - "$dir/.en.new" |
        awk -F '\t' '$2 != $3 { print "msgid \"" $1 "\"\nmsgstr \"\"\n" }' >"$dir/.changed.po"
    if ! msgmerge --quiet --update --backup=none --no-fuzzy-matching --no-wrap "$po" "$dir/chabar.pot"; then
        status=1
        continue
    fi
    if [ -s "$dir/.changed.po" ]; then
        msgattrib --set-fuzzy --only-file="$dir/.changed.po" --no-wrap -o "$po" "$po" || status=1
    fi
    figures=$(msgfmt --statistics -o /dev/null "$po" 2>&1) || status=1
    printf '%-8s %s\n' "$lang" "$figures"
done
rm -f "$dir/.en.new" "$dir/.changed.po"
exit $status
