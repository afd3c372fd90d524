# shellcheck shell=bash
#
# tests/lib/tap.sh - TAP results from bash test scripts, for automake's
# tap-driver. Source it, print the plan with tap_plan N, then call ok / is /
# like; end with tap_done, whose status is the script's.

TAP_COUNT=0
TAP_FAILED=0

# tap_plan N
tap_plan() {
    echo "1..$1"
}

# ok STATUS DESCRIPTION: one result from an exit status (0 passes).
ok() {
    TAP_COUNT=$((TAP_COUNT + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $TAP_COUNT - $2"
    else
        echo "not ok $TAP_COUNT - $2"
        TAP_FAILED=$((TAP_FAILED + 1))
    fi
}

# is GOT EXPECTED DESCRIPTION: equality; shows both on failure.
is() {
    if [ "$1" = "$2" ]; then
        ok 0 "$3"
    else
        ok 1 "$3"
        printf '#   got:      %s\n#   expected: %s\n' "$1" "$2"
    fi
}

# like GOT REGEX DESCRIPTION: GOT matches the extended regex.
like() {
    if printf '%s' "$1" | grep -Eq -- "$2"; then
        ok 0 "$3"
    else
        ok 1 "$3"
        printf '#   got:      %s\n#   expected: /%s/\n' "$1" "$2"
    fi
}

# bail DESCRIPTION: a setup step failed; nothing after it can run.
bail() {
    ok 1 "$1"
    echo "Bail out! $1"
    exit 1
}

# tap_done: the exit status for the script.
tap_done() {
    [ "$TAP_FAILED" -eq 0 ]
}
