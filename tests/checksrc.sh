#!/usr/bin/env bash
# Style is enforced, not debated (convention 9): every C file matches
# .clang-format, no banned function is called, and no machine-specific
# path is written into the tree. Prints TAP; `make checksrc` runs it too.
set -u
top=${top_srcdir:-$(dirname "$0")/..}
cd "$top" || exit 1

# Hand-written C only: migrations_data.c is generated from db/*.sql.
mapfile -t sources < <(ls gateway/*.[ch] tests/unit/*.[ch] tests/fuzz/*.c 2>/dev/null |
	grep -v '/migrations_data\.c$')
echo "1..3"

if ! command -v clang-format >/dev/null; then
	echo "not ok 1 - clang-format is installed (contrib/deps-debian.sh installs it)"
elif out=$(clang-format --dry-run --Werror "${sources[@]}" 2>&1); then
	echo "ok 1 - ${#sources[@]} C files match .clang-format"
else
	echo "not ok 1 - C files match .clang-format (run: clang-format -i FILE)"
	printf '%s\n' "$out" | grep -E '^[^ ]+:[0-9]+:[0-9]+:' | head -20 | sed 's/^/#   /'
fi

banned='\<(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok|system|popen)[[:space:]]*\('
if hits=$(grep -nE "$banned" "${sources[@]}"); then
	echo "not ok 2 - no banned functions"
	printf '%s\n' "$hits" | sed 's/^/#   /'
else
	echo "ok 2 - no banned functions (strcpy strcat sprintf vsprintf gets atoi atol strtok system popen)"
fi

if hits=$(git grep -nE '/(work|farm)/' -- . ':!*.po' 2>/dev/null); then
	echo "not ok 3 - no machine-specific absolute paths"
	printf '%s\n' "$hits" | head -10 | sed 's/^/#   /'
else
	echo "ok 3 - no machine-specific absolute paths"
fi
