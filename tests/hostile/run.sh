#!/bin/sh
# SPDX-License-Identifier: ISC
# run.sh: quire-read against the hostile bundles of fixtures/bad/ (ctest hostile_bundles).
# For each line of expect.txt it runs `quire-read verify` and `quire-read extract -C DIR/out`
# with the fixture key, from inside a fresh DIR holding a sentinel file (and, for a rule only
# verification checks, EXIT written VERIFY/EXTRACT, `verify --quick` too), and checks:
#   - the exit code; for a rejected bundle, stderr is exactly one line holding the expected
#     message (" ... " in it stands for any text) and stdout is empty (nothing is shown before
#     it is verified);
#   - no sanitizer report and no crash;
#   - extract wrote nothing anywhere: DIR holds only the sentinel (unchanged) and out/, out/
#     holds no file for a rejected bundle (empty directories are only counted in a note), and
#     /abs did not appear.
# Every fixture in fixtures/bad/ must have a line. Prints each failure; exits 1 if any.
#
# usage: run.sh QUIRE_READ SOURCE_DIR
set -eu

reader=$1
top=$2
case $reader in /*) ;; *) reader=$(pwd)/$reader ;; esac
case $top in /*) ;; *) top=$(pwd)/$top ;; esac
bad=$top/fixtures/bad
pub=$top/fixtures/keys/test.pub
manifest=$top/tests/hostile/expect.txt
work=$(mktemp -d "${TMPDIR:-/tmp}/quire-hostile.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

failures=0
notes=0 # rejected extracts that left only empty directories behind (reported, not failed)
checks=0
fixtures=0
abs_existed=no
[ -e /abs ] && abs_existed=yes
run_limit=
command -v timeout >/dev/null 2>&1 && run_limit="timeout 60"

fail() {
    printf 'FAIL %s (%s): %s\n' "$1" "$2" "$3"
    failures=$((failures + 1))
}

show_file() {
    sed -e 's/^/    | /' "$1" | head -n 8
}

# contains FILE WANT: the parts of WANT between " ... " occur in FILE's text, in that order.
contains() {
    T=$(cat "$1") W=$2 awk 'BEGIN {
        t = ENVIRON["T"]; n = split(ENVIRON["W"], part, / \.\.\. /)
        for (i = 1; i <= n; i++) {
            k = index(t, part[i])
            if (k == 0) exit 1
            t = substr(t, k + length(part[i]))
        }
    }'
}

# check FILE CMD EXIT WANT
check() {
    f=$1 cmd=$2 want_rc=$3 want=$4
    dir=$work/case
    rm -rf "$dir"
    mkdir "$dir"
    printf 'sentinel\n' >"$dir/sentinel"
    checks=$((checks + 1))
    rc=0
    if [ "$cmd" = verify ]; then
        (cd "$dir" && $run_limit "$reader" verify -p "$pub" "$bad/$f") \
            >"$work/stdout" 2>"$work/stderr" || rc=$?
    elif [ "$cmd" = quick ]; then
        (cd "$dir" && $run_limit "$reader" verify --quick -p "$pub" "$bad/$f") \
            >"$work/stdout" 2>"$work/stderr" || rc=$?
    else
        (cd "$dir" && $run_limit "$reader" extract -p "$pub" -C "$dir/out" "$bad/$f") \
            >"$work/stdout" 2>"$work/stderr" || rc=$?
    fi
    if grep -q -e 'Sanitizer' -e 'runtime error' "$work/stderr"; then
        fail "$f" "$cmd" "sanitizer report:"
        show_file "$work/stderr"
    fi
    if [ "$rc" -ne "$want_rc" ]; then
        fail "$f" "$cmd" "exit $rc, expected $want_rc"
        show_file "$work/stderr"
    fi
    lines=$(awk 'END { print NR }' "$work/stderr")
    if [ "$want_rc" -ne 0 ]; then
        if [ "$lines" -ne 1 ] || [ "$(wc -l <"$work/stderr")" -ne 1 ]; then
            fail "$f" "$cmd" "stderr is $lines lines, expected exactly one"
            show_file "$work/stderr"
        elif ! contains "$work/stderr" "$want"; then
            fail "$f" "$cmd" "stderr does not name '$want': $(cat "$work/stderr")"
        fi
        if [ -s "$work/stdout" ]; then
            fail "$f" "$cmd" "output on stdout for a rejected bundle:"
            show_file "$work/stdout"
        fi
    elif [ "$cmd" != extract ] && [ -s "$work/stderr" ]; then
        fail "$f" "$cmd" "stderr for an accepted bundle: $(cat "$work/stderr")"
    fi
    check_dir "$f" "$cmd" "$want_rc"
}

# Nothing may appear next to out/, and out/ holds nothing for a rejected bundle.
check_dir() {
    f=$1 cmd=$2 want_rc=$3
    others=$(cd "$dir" && ls -A | grep -v -x -e sentinel -e out || true)
    [ -z "$others" ] || fail "$f" "$cmd" "wrote outside the extraction directory: $others"
    [ "$(cat "$dir/sentinel" 2>/dev/null || true)" = sentinel ] ||
        fail "$f" "$cmd" "the sentinel next to out/ was changed or removed"
    if [ "$abs_existed" = no ] && [ -e /abs ]; then
        fail "$f" "$cmd" "wrote /abs"
        abs_existed=yes
    fi
    if [ "$cmd" != extract ] && [ -e "$dir/out" ]; then
        fail "$f" "$cmd" "verify created out/"
    fi
    [ "$cmd" = extract ] || return 0
    if [ "$want_rc" -ne 0 ] && [ -d "$dir/out" ]; then
        n=$(find "$dir/out" ! -type d | wc -l)
        [ "$n" -eq 0 ] || fail "$f" "$cmd" "a rejected bundle left $n files in out/: $(
            cd "$dir/out" && find . ! -type d | sort | head -n 3 | tr '\n' ' ')..."
        n=$(find "$dir/out" -mindepth 1 -type d | wc -l)
        [ "$n" -eq 0 ] || notes=$((notes + 1))
    fi
    if [ "$want_rc" -eq 0 ] && [ -z "$(find "$dir/out" -type f 2>/dev/null)" ]; then
        fail "$f" "$cmd" "an accepted bundle extracted no file"
    fi
}

listed=$work/listed
: >"$listed"
while read -r f want_rc want; do
    case $f in '' | '#'*) continue ;; esac
    printf '%s\n' "$f" >>"$listed"
    fixtures=$((fixtures + 1))
    if [ ! -f "$bad/$f" ]; then
        fail "$f" manifest "no such fixture in fixtures/bad/"
        continue
    fi
    case $want_rc in
    */*) # a rule only verification checks: verify and verify --quick fail, extract does not
        verify_rc=${want_rc%/*} extract_rc=${want_rc#*/} # check sets want_rc
        check "$f" verify "$verify_rc" "$want"
        check "$f" quick "$verify_rc" "$want"
        check "$f" extract "$extract_rc" "$want"
        ;;
    *)
        check "$f" verify "$want_rc" "$want"
        check "$f" extract "$want_rc" "$want"
        ;;
    esac
done <"$manifest"

for p in "$bad"/*.quire; do
    grep -F -x -q -e "${p##*/}" "$listed" || fail "${p##*/}" manifest "not listed in expect.txt"
done

[ "$notes" -eq 0 ] ||
    echo "note: $notes rejected extracts left empty directories in out/ (no files)"
echo "hostile_bundles: $fixtures fixtures, $checks runs of quire-read, $failures failures"
[ "$failures" -eq 0 ]
