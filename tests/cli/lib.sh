# SPDX-License-Identifier: ISC
# lib.sh: helpers shared by the CLI tests, sourced as `. "$(dirname "$0")/lib.sh"` by a
# script run as `sh SCRIPT.sh QUIRE-PACK QUIRE-READ SOURCE-DIR` (see CMakeLists.txt).
#
# It sets PACK, READ, SRC, FIX (the fixtures), PUB/KEY (the committed test key pair) and T, a
# scratch directory removed on exit. Every expect_* helper is one assertion: it counts itself
# and, when it does not hold, prints what failed (with the command's stderr) and exits 1.

if [ $# -ne 3 ]; then
    echo "usage: sh $0 QUIRE-PACK QUIRE-READ SOURCE-DIR" >&2
    exit 2
fi
PACK=$1
READ=$2
SRC=$3
FIX=$SRC/fixtures
KEY=$FIX/keys/test.key
PUB=$FIX/keys/test.pub
NAME=$(basename "$0" .sh)

T=$(mktemp -d "${TMPDIR:-/tmp}/quire-cli-$NAME.XXXXXX")
ASSERTS=0
FAILURES=0
CHECKED=0
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT HUP TERM

# Sanitizers report with exit status 1 by default, which is also quire's "bad bundle" status: make
# a sanitizer report impossible to mistake for a correct rejection. Ignored by normal builds.
ASAN_OPTIONS="exitcode=86${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
UBSAN_OPTIONS="exitcode=87:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export ASAN_OPTIONS UBSAN_OPTIONS

# Nothing from the environment of the person running the tests may change the results.
unset QUIRE_TRUSTED_KEYS XDG_CONFIG_HOME SOURCE_DATE_EPOCH
HOME=$T/home
LC_ALL=C
export HOME LC_ALL
mkdir "$HOME"
umask 022

OUT=$T/stdout
ERR=$T/stderr
CMD=

fail()
{
    echo "FAIL [$NAME]: $*" >&2
    if [ -n "$CMD" ]; then
        echo "  last command: $CMD" >&2
        if [ -s "$ERR" ]; then
            echo "  its stderr:" >&2
            sed -n '1,8s/^/    /p' "$ERR" >&2
        fi
    fi
    exit 1
}

ok()
{
    ASSERTS=$((ASSERTS + 1))
}

# check EXPECT_HELPER ARGS...: one assertion that does not stop the script when it fails (the
# script still fails at the end). For assertions a known bug breaks (marked "# BUG:"), so that
# the others after it still run.
# `checked` then tells whether it held, to skip the assertions that depend on it.
check()
{
    if ("$@"); then
        ok
        CHECKED=0
    else
        FAILURES=$((FAILURES + 1))
        CHECKED=1
    fi
    if [ "$1" = expect_exit ] || [ "$1" = expect_exit_notty ]; then
        shift 2
        CMD=$*
    fi
}

checked()
{
    return "$CHECKED"
}

# Prints the summary line and sets the exit status; call last.
done_ok()
{
    if [ "$FAILURES" -gt 0 ]; then
        echo "FAIL [$NAME]: $FAILURES assertions failed, $ASSERTS passed${1:+, $1}" >&2
        exit 1
    fi
    echo "PASS [$NAME]: $ASSERTS assertions${1:+, $1}"
}

# expect_exit CODE CMD...: runs CMD with stdout in $OUT and stderr in $ERR and checks its exit
# status. A status >= 128 is reported as a crash.
expect_exit()
{
    want=$1
    shift
    CMD=$*
    rc=0
    "$@" >"$OUT" 2>"$ERR" || rc=$?
    if [ "$rc" -ne "$want" ]; then
        if [ "$rc" -ge 128 ]; then
            fail "expected exit $want, got $rc (killed by signal $((rc - 128)))"
        fi
        fail "expected exit $want, got $rc"
    fi
    if grep -q -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' -e 'runtime error:' "$ERR"
    then
        fail "sanitizer report on stderr"
    fi
    ok
}

# expect_exit_in CODE CMD...: as expect_exit, with stdin from /dev/null and no controlling
# terminal (setsid), so that nothing can prompt.
expect_exit_notty()
{
    want=$1
    shift
    expect_exit "$want" setsid -w "$@" </dev/null
}

expect_stderr_contains()
{
    grep -q -F -e "$1" "$ERR" || fail "stderr does not contain '$1'"
    ok
}

expect_stderr_not_contains()
{
    if grep -q -F -e "$1" "$ERR"; then
        fail "stderr contains '$1'"
    fi
    ok
}

expect_stdout_contains()
{
    grep -q -F -e "$1" "$OUT" || fail "stdout does not contain '$1'"
    ok
}

# expect_stdout_is TEXT: stdout is exactly TEXT plus a newline.
expect_stdout_is()
{
    printf '%s\n' "$1" >"$T/expected"
    cmp -s "$T/expected" "$OUT" || fail "stdout is '$(head -c 300 "$OUT")', expected '$1'"
    ok
}

# expect_stdout_file FILE: stdout equals FILE byte for byte.
expect_stdout_file()
{
    if ! cmp -s "$1" "$OUT"; then
        diff "$1" "$OUT" | head -20 >&2 || :
        fail "stdout differs from $1"
    fi
    ok
}

expect_stdout_empty()
{
    [ ! -s "$OUT" ] || fail "stdout is not empty: '$(head -c 300 "$OUT")'"
    ok
}

expect_stderr_empty()
{
    [ ! -s "$ERR" ] || fail "stderr is not empty"
    ok
}

# expect_stderr_lines N: stderr has exactly N lines.
expect_stderr_lines()
{
    n=$(wc -l <"$ERR")
    [ "$n" -eq "$1" ] || fail "stderr has $n lines, expected $1"
    ok
}

# expect_stderr_first_line_starts PREFIX
expect_stderr_first_line_starts()
{
    first=$(head -n 1 "$ERR")
    case $first in
    "$1"*) ;;
    *) fail "stderr's first line '$first' does not start with '$1'" ;;
    esac
    ok
}

# expect_usage_on_stderr PROG: a synopsis line "usage: PROG ..." on stderr.
expect_usage_on_stderr()
{
    grep -q "^usage: $1 " "$ERR" || fail "no 'usage: $1' synopsis on stderr"
    ok
}

expect_file()
{
    [ -f "$1" ] || fail "file $1 is missing"
    ok
}

expect_absent()
{
    if [ -e "$1" ] || [ -L "$1" ]; then
        fail "$1 exists and should not"
    fi
    ok
}

expect_same()
{
    cmp -s "$1" "$2" || fail "$1 and $2 differ"
    ok
}

expect_differ()
{
    if cmp -s "$1" "$2"; then
        fail "$1 and $2 are identical"
    fi
    ok
}

# expect_mode FILE MODE: permission bits in octal, e.g. 600.
expect_mode()
{
    m=$(stat -c %a "$1")
    [ "$m" = "$2" ] || fail "$1 has mode $m, expected $2"
    ok
}

# expect_only_files DIR NAME...: DIR holds exactly these entries (names, sorted, hidden ones
# included); with no NAME, DIR is empty.
expect_only_files()
{
    dir=$1
    shift
    got=$(ls -A "$dir" | tr '\n' ' ')
    want=
    for n in "$@"; do want="$want$n "; done
    [ "$got" = "$want" ] || fail "$dir holds '$got', expected '$want'"
    ok
}

# key_id PUBFILE: prints the key id of a minisign public key file as quire prints it (16
# upper-case hex digits of the little-endian id), from the key itself: minisign's own comment
# line drops leading zeros.
key_id()
{
    python3 -c '
import base64, sys
raw = base64.b64decode(open(sys.argv[1]).read().splitlines()[1])
assert raw[:2] == b"Ed" and len(raw) == 42, "not a minisign public key"
print(raw[2:10][::-1].hex().upper())
' "$1" || fail "cannot read the key id of $1"
}

# expect_true DESCRIPTION CMD...: CMD succeeds.
expect_true()
{
    what=$1
    shift
    "$@" || fail "$what"
    ok
}
