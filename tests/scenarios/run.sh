#!/bin/bash
#
# tests/scenarios/run.sh - conversations with a real chabard, written as
# scenario files (tests/scenarios/*.scn, format in tests/scenarios/README.md).
# Each file runs against a fresh database: chabard is stopped and started
# again with a new CHABAR_DB before every file, so files may reuse numbers
# and district codes.  Messages go over real HTTP to /kannel/mo, as smsbox's
# get-url sends them, and USSD steps to /ussd/at, as an aggregator (Africa's
# Talking convention) posts them; no Kannel is needed.  TAP output, plan at
# the end.
#
#   bash tests/scenarios/run.sh [FILE.scn ...]     (default: every *.scn)
# CHABAR_KEEP_TMP=1 keeps the temp dir (databases, chabard.out).
# CHABAR_STORE=postgresql: the same files against the PostgreSQL backend,
# a primary and two synchronous standbys (tests/lib/pg.sh), a new database
# for each file; the files' SQL is SQLite's, run there through
# tests/lib/pg-compat.sql.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"
: "${CHABARCTL:=$top_builddir/gateway/chabarctl}"
CHABARCTL=$(cd "$(dirname "$CHABARCTL")" && pwd)/$(basename "$CHABARCTL") # ctl runs beside a file

T=$(mktemp -d "${TMPDIR:-/tmp}/chabar-scenarios.XXXXXX") || { echo "Bail out! mktemp"; exit 1; }
cleanup() {
    stop_all
    [ "${CHABAR_STORE:-}" = postgresql ] && pg_stop_all
    if [ "${CHABAR_KEEP_TMP:-0}" = 1 ]; then stack_log "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
stack_init "$T"
for c in curl sqlite3 iconv od perl; do command -v "$c" >/dev/null || bail "$c is installed"; done
[ -x "$CHABARCTL" ] || bail "$CHABARCTL is built"
if [ "${CHABAR_STORE:-}" = postgresql ]; then
    stack_postgresql || bail "three PostgreSQL clusters start"
fi
# USSD through an aggregator: a step lasts 60 s and a session 600 s; files
# go past them by ageing the stored session (age-session), never by waiting.
USSD_KEY=$(_stack_secret)
export CHABAR_CONF_EXTRA # for write_chabar_conf
CHABAR_CONF_EXTRA=$(printf '[ussd]\nkey = %s\nstep_timeout = 60\ntotal_timeout = 600\n' "$USSD_KEY")

# --- state of the file being run --------------------------------------------
declare -A P_LANG P_ZONE D_ZONE # person -> language, person/district -> zone
SCN='' LINE=0 FROM='' LANG_='' TODO='' SKIP='' MSG=0 STATUS='' BODY='' # BODY: the last reply
KIND='' WANT_KIND='' # the last reply's CON/END (USSD); what expect-con/-end want
USSD_SID='' USSD_CODE='' USSD_TEXT='' # the USSD session: id, code dialled, inputs so far

# check STATUS DESCRIPTION EXPECTED GOT: one TAP line; diagnostics if it failed.
# With WANT_KIND set (expect-con…, expect-end…) the reply's KIND must be it too.
check() {
    local st=$1 desc="$SCN:$LINE $2" want=$3 got=$4
    if [ -n "$WANT_KIND" ]; then
        [ "$KIND" = "$WANT_KIND" ] || st=1
        desc=${desc/ expect/ expect-${WANT_KIND,,}} # as the file said it
        want="$WANT_KIND $want" got="${KIND:-(neither CON nor END)} $got" WANT_KIND=
    fi
    [ -n "$TODO" ] && desc="$desc # TODO $TODO"
    ok "$st" "$desc"
    if [ "$st" -ne 0 ]; then
        [ -n "$TODO" ] && TAP_FAILED=$((TAP_FAILED - 1)) # expected to fail
        printf '%s\n' "#   at:       $SCN:$LINE" "#   expected: ${want//$'\n'/$'\n'#             }" \
            "#   got:      ${got//$'\n'/$'\n'#             }"
    fi
    TODO=
}

# setup_failed WHAT [WHY]: a setup line failed (WHY, or what chabarctl or
# sqlite3 said); the rest of the file is skipped.
setup_failed() {
    WANT_KIND=
    check 1 "setup: $1" "it succeeds" "${2:-$(cat "$T/ctl.err" 2>/dev/null)}"
    SKIP=1
}

# words TEXT: split into WORDS like a shell would ("..." and '...' group,
# \ escapes inside "..."), without expanding anything.
words() {
    local s=$1 w='' q='' c i inword=''
    WORDS=()
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        if [ "$q" = "'" ]; then [ "$c" = "'" ] && q= || w+=$c
        elif [ "$q" = '"' ]; then
            if [ "$c" = "\\" ]; then ((i++)); w+=${s:i:1}
            elif [ "$c" = '"' ]; then q=; else w+=$c; fi
        elif [ "$c" = ' ' ] || [ "$c" = $'\t' ]; then
            [ -n "$inword" ] && WORDS+=("$w"); w='' inword=''
        elif [ "$c" = '"' ] || [ "$c" = "'" ]; then q=$c inword=1
        else w+=$c inword=1; fi
    done
    [ -n "$inword" ] && WORDS+=("$w")
    [ -z "$q" ]
}

norm() { local n=${1#+}; printf '%s' "${n// /}"; }

# zone_hours ZONE: chabard's fixed UTC offsets (gateway/actions.c).
zone_hours() {
    case $1 in
    UTC) echo 0 ;;
    Asia/Almaty | Asia/Qostanay | Asia/Aq* | Asia/Atyrau | Asia/Oral | Asia/Qyzylorda | \
        Asia/Tashkent | Asia/Samarkand | Asia/Dushanbe) echo 5 ;;
    *) echo 6 ;;
    esac
}

# day ZONE N FORMAT: today + N days in ZONE, e.g. day Asia/Bishkek 2 %d.%m.%Y
day() {
    date -u -d "@$(($(date +%s) + $(zone_hours "$1") * 3600 + $2 * 86400))" "+$3"
}

# days ZONE VALUE: a leading "+Nd" or "-Nd" in VALUE becomes DD.MM.YYYY.
days() {
    if [[ $2 =~ ^([+-][0-9]+)d(.*)$ ]]; then
        printf '%s%s' "$(day "$1" "${BASH_REMATCH[1]}" %d.%m.%Y)" "${BASH_REMATCH[2]}"
    else printf '%s' "$2"; fi
}

ctl() { "$CHABARCTL" -c "$T/chabar.conf" "$@" </dev/null >/dev/null 2>"$T/ctl.err"; }

# --- sending ------------------------------------------------------------------
# post DESCRIPTION CURL-ARGS...: one MO from FROM; the send's TAP line passes
# on any HTTP answer below 500.
post() {
    local desc=$1
    shift
    MSG=$((MSG + 1))
    STATUS=$(stack_curl -D "$T/headers" -o "$T/body" -w '%{http_code}' -G \
        "http://127.0.0.1:$CHABAR_PORT/kannel/mo" --data-urlencode "key=$CHABAR_KEY" \
        --data-urlencode "from=$FROM" -d to=384 -d smsc=fake -d "id=scn-$MSG-$$" "$@")
    answered "send $desc"
}

# answered DESCRIPTION [ussd]: read the reply; a USSD one is split into KIND
# (CON or END) and BODY.
answered() {
    BODY=$(cat "$T/body" && echo .) BODY=${BODY%.} KIND= # exactly, trailing newlines too
    if [[ ${2:-} == ussd && ($BODY == "CON "* || $BODY == "END "*) ]]; then
        KIND=${BODY:0:3} BODY=${BODY:4}
    fi
    ((STATUS >= 200 && STATUS < 500))
    check $? "$1" "an HTTP answer below 500" "HTTP $STATUS${KIND:+ $KIND} $BODY"
}

# ussd DESCRIPTION: one aggregator request in the USSD session, from FROM,
# its text USSD_TEXT (every input so far, joined by '*').
ussd() {
    STATUS=$(stack_curl -D "$T/headers" -o "$T/body" -w '%{http_code}' \
        "http://127.0.0.1:$CHABAR_PORT/ussd/at?key=$USSD_KEY" \
        --data-urlencode "sessionId=$USSD_SID" --data-urlencode "serviceCode=$USSD_CODE" \
        --data-urlencode "phoneNumber=$FROM" -d networkCode=43709 \
        --data-urlencode "text=$USSD_TEXT")
    answered "$1 (text=$USSD_TEXT)" ussd
}

urlbytes() { od -An -tx1 -v | tr -d ' \n' | sed 's/../%&/g'; }

# --- expectations -------------------------------------------------------------
# matches TEMPLATE GOT [NAME=VALUE...]: GOT is TEMPLATE with every {name}
# either VALUE or, when not given, any non-empty text.
matches() {
    perl -e 'my ($t, $g, @p) = @ARGV; my %v = map { /^(\w+)=(.*)$/s } @p;
        my $re = join "", map { /^\{(\w+)\}$/ ? (exists $v{$1} ? quotemeta $v{$1} : ".+?")
            : quotemeta } split /(\{\w+\})/, $t;
        exit($g =~ /\A$re\z/s ? 0 : 1)' -- "$@"
}

# page TEMPLATE GOT [NAME=VALUE...]: GOT is one page of the pinned TEMPLATE
# as chabard cuts a long USSD reply: the first page (then "\n0 More"), one
# in the middle ("\n0 More\n00 Back") or the last (no footer, or "\n00 Back").
page() {
    perl -e 'my ($more, $back, $t, $g, @p) = @ARGV; my %v = map { /^(\w+)=(.*)$/s } @p;
        $t =~ s/\{(\w+)\}/exists $v{$1} ? $v{$1} : "{$1}"/ge;
        my $at = $g =~ s/\n0 \Q$more\E\n00 \Q$back\E\z// ? "middle"
            : $g =~ s/\n0 \Q$more\E\z// ? "first" : ($g =~ s/\n00 \Q$back\E\z//, "last")[1];
        my $i = index $t, $g;
        exit(length $g && length $g < length $t && ($at eq "first" ? $i == 0
            : $at eq "last" ? $i == length($t) - length($g) : $i > 0) ? 0 : 1)' -- \
        "$(catalog "$LANG_" ussd.more)" "$(catalog "$LANG_" ussd.back)" "$@"
}

# expect_text HOW DESC LANG TEMPLATE GOT PINS...: compare (HOW: matches or
# page), pins' dates expanded.
expect_text() {
    local how=$1 desc=$2 lang=$3 tpl=$4 got=$5 p shown pins=()
    shift 5
    shown=$tpl
    for p in "$@"; do
        pins+=("${p%%=*}=$(days "${P_ZONE[$(norm "$FROM")]:-}" "${p#*=}")")
        shown=${shown//"{${p%%=*}}"/"${pins[-1]#*=}"}
    done
    "$how" "$tpl" "$got" "${pins[@]}"
    check $? "$desc ($lang)" "$([ "$how" = page ] && echo 'a page of: ')$shown" "$got"
}

catalog() {
    local text
    text=$(catalog_text "$1" "$2")
    [ -n "$text" ] || text="<no $2 in locales/$1.po>"
    printf '%s' "$text"
}

# --- one scenario file --------------------------------------------------------
restart_chabard() {
    local pid
    pid=$(stack_pid chabard 2>/dev/null)
    if [ -n "$pid" ] && _stack_alive "$pid"; then
        kill -TERM "$pid"
        _stack_wait 10 "" "chabard stop" eval "! _stack_alive $pid" || kill -KILL "$pid"
        wait "$pid" 2>/dev/null
    fi
    export CHABAR_DB="$T/${SCN%.scn}.db" # for write_chabar_conf and stack_sql
    if [ "${CHABAR_STORE:-}" = postgresql ]; then
        pg_database "scn_${SCN%.scn}" || return 1
    fi
    write_chabar_conf "$T/chabar.conf" && start_chabard "$T/chabar.conf"
}

run_file() {
    local file=$1 line cmd rest n i long tpl re got kind
    SCN=$(basename "$file") LINE=0 FROM='' TODO='' SKIP='' STATUS='' BODY='' KIND=''
    USSD_SID='' USSD_CODE='' USSD_TEXT=''
    P_LANG=() P_ZONE=() D_ZONE=()
    CHABAR_LANGUAGE=$(sed -n 's/^default-language[[:space:]]\{1,\}\([a-z]*\).*/\1/p' "$file")
    CHABAR_LANGUAGE=${CHABAR_LANGUAGE:-en} LANG_=${CHABAR_LANGUAGE:-en}
    restart_chabard || { check 1 "chabard starts" "/health answers" "see chabard.out"; return; }
    while IFS= read -r line || [ -n "$line" ]; do
        LINE=$((LINE + 1))
        [ -n "$SKIP" ] && continue
        line=${line%%[[:space:]]#[[:space:]]*} # a comment after the line
        [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
        cmd=${line%%[[:space:]]*}
        rest=${line#"$cmd"}
        rest=${rest#"${rest%%[![:space:]]*}"}
        rest=${rest%"${rest##*[![:space:]]}"}
        WANT_KIND=
        if [[ $cmd =~ ^expect-(con|end)(|-menu|-text|-match|-page)$ ]]; then
            WANT_KIND=${BASH_REMATCH[1]^^} cmd=expect${BASH_REMATCH[2]} # then as without
        fi
        [[ $cmd =~ ^(answer|ussd-text|resend)$ && -z $USSD_SID ]] &&
            { setup_failed "$line" "no dial before it (or a from since)"; continue; }
        WORDS=() # lines whose rest is one text verbatim are not split into words
        [[ $cmd =~ ^(send|send-ucs2|send-raw|answer|ussd-text|expect-text|expect-match|todo)$ ]] ||
            words "$rest" || { setup_failed "$line" "unbalanced quotes"; continue; }
        set -- "${WORDS[@]}"
        case $cmd in
        default-language) ;; # read before chabard started
        district) if ctl district add "$@"; then D_ZONE[$1]=${4:-}; else setup_failed "$line"; fi ;;
        officer) ctl officer add "$@" || setup_failed "$line" ;;
        enrol)
            n=$(norm "$1")
            ctl person add "$@" || { setup_failed "$line"; continue; }
            P_LANG[$n]=$3 P_ZONE[$n]=${D_ZONE[${5:-}]:-Asia/Bishkek}
            # chabarctl links an unknown district or officer as NULL: say so
            [ "$(stack_sql "select cast(district_id is not null as integer)
                + cast(officer_id is not null as integer) from persons where msisdn = '$n'")" = $(($# > 5 ? 2 : $# > 4 ? 1 : 0)) ] ||
                setup_failed "$line" "its district or officer is not in the database" ;;
        appointment)
            n=$(norm "$1")
            [[ $2 =~ ^[+-][0-9]+d$ ]] && set -- "$1" "$(day "${P_ZONE[$n]:-}" "${2%d}" %F)" "${@:3}"
            ctl appointment add "$1" "$2 $3" "$4" || setup_failed "$line" ;;
        # a file named in it is beside the scenario (import services FILE)
        ctl) (cd "$(dirname "$file")" && ctl "$@") || setup_failed "$line" ;;
        sql) stack_sql "$1" >/dev/null 2>"$T/ctl.err" || setup_failed "$line" ;;
        from) FROM=$1 LANG_=${P_LANG[$(norm "$1")]:-$CHABAR_LANGUAGE} USSD_SID= ;;
        lang) LANG_=$1 ;;
        todo) TODO=$rest ;;
        send) post "$rest" --data-urlencode "text=$rest" ;;
        send-ucs2)
            post "$rest (UCS-2)" -d coding=2 -d charset=UTF-16BE \
                -d "text=$(printf '%s' "$rest" | iconv -f UTF-8 -t UTF-16BE | urlbytes)" ;;
        send-raw) post "raw $rest" -d "$rest" ;;
        send-repeat)
            long=
            for ((i = 0; i < $1; i++)); do long+=$2; done
            post "$2 x $1" --data-urlencode "text=$long" ;;
        dial) USSD_SID=$1 USSD_CODE=$2 USSD_TEXT= && ussd "dial $1 $2" ;;
        answer) USSD_TEXT+=${USSD_TEXT:+*}$rest && ussd "answer $rest" ;;
        ussd-text) USSD_TEXT=$rest && ussd "ussd-text $rest" ;;
        resend) ussd "resend" ;;
        age-session)
            re="expires_at = 0" # past the step's timeout; "total": the session's
            [ "${1:-}" = total ] && re="started_at = 0"
            got=$(stack_sql "update sessions set $re where msisdn = '$(norm "$FROM")'
                and channel = 'ussd-at' returning 1" 2>"$T/ctl.err")
            [ "$got" = 1 ] || setup_failed "$line" "no USSD session from $FROM to age" ;;
        expect) expect_text matches "expect $1" "$LANG_" "$(catalog "$LANG_" "$1")" "$BODY" "${@:2}" ;;
        expect-page) expect_text page "expect-page $1" "$LANG_" "$(catalog "$LANG_" "$1")" "$BODY" "${@:2}" ;;
        expect-menu)
            tpl=$(catalog "$LANG_" "$1")
            for ((i = 2; i <= $#; i++)); do tpl+=$'\n'"$((i - 1)) $(catalog "$LANG_" "${!i}")"; done
            expect_text matches "expect-menu $1" "$LANG_" "$tpl" "$BODY" ;;
        expect-text) [ "$BODY" = "$rest" ]; check $? "expect-text" "$rest" "$BODY" ;;
        expect-match)
            re=${rest#/}
            re=${re%/}
            RE=$re perl -e 'exit(($ARGV[0] =~ /$ENV{RE}/) ? 0 : 1)' -- "$BODY"
            check $? "expect-match $rest" "/$re/" "$BODY" ;;
        expect-status) [ "$STATUS" = "$1" ]; check $? "expect-status $1" "$1" "$STATUS" ;;
        expect-coding)
            got=gsm
            grep -qi '^X-Kannel-Coding: *2' "$T/headers" && got=ucs2
            [ "$got" = "$1" ]
            check $? "expect-coding $1" "$1" "$got" ;;
        expect-row)
            got=$(stack_sql "$1" 2>&1 | paste -sd ';' -)
            [ "$got" = "$2" ]
            check $? "expect-row $1" "$2" "$got" ;;
        expect-outbox | expect-fallback) # the newest row (of kind 'fallback')
            kind=; [ "$cmd" = expect-fallback ] && kind="and kind = 'fallback'"
            expect_text matches "$cmd $1 $3" "$2" "$(catalog "$2" "$3")" \
                "$(stack_sql "select text from outbox where msisdn = '$(norm "$1")' $kind
                    order by id desc limit 1")" "${@:4}" ;;
        *) setup_failed "$line" "unknown directive $cmd" ;;
        esac
    done <"$file"
}

files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$here"/*.scn)
for f in "${files[@]}"; do run_file "$f"; done
tap_plan "$TAP_COUNT"
stack_log "${#files[@]} scenario files, $TAP_COUNT tests, $TAP_FAILED failed"
tap_done
