#!/bin/sh
# Faults: a full disk while packing and extracting, the packer killed in the middle of a pack,
# an interrupted extraction. The promise under test: the output path holds the old bundle or
# the complete new one, and no file is ever left half-written under its final name.
# A full disk is simulated with a file size limit (ulimit -f), which makes write() fail with
# EFBIG as ENOSPC would (4096 blocks: 2 or 4 MiB, less than one 4 MiB part file); both programs ignore SIGXFSZ so that the error path runs.
# Usage: faults.sh QUIRE-PACK QUIRE-READ SOURCE-DIR
set -eu
PACK=$1 READ=$2 SRC=$3
K=$SRC/fixtures/keys
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() { echo "FAIL [faults]: $*" >&2; failed=$((failed + 1)); }
no_temps() { # DIR: no temporary file of either program is left in DIR
    left=$(find "$1" -name '.*.quire.*' -o -name '.quire-tmp-*' -o -name '.quire-export.*' | head -n 3)
    [ -z "$left" ] && ok || fail "$2: temporary files left: $left"
}

# A corpus big enough to take a while: 48 MiB of incompressible data in 12 files.
mkdir big
i=0
while [ $i -lt 12 ]; do
    head -c 4194304 /dev/urandom >big/part$i.bin
    i=$((i + 1))
done
"$PACK" create -q -k "$K/test.key" -o old.quire "$SRC/fixtures/docs" >/dev/null
cp old.quire old.copy

# 1. Disk full while packing: exit 2, the old bundle untouched, no temporary file.
rc=0
(ulimit -f 4096; exec "$PACK" create -q -k "$K/test.key" -o old.quire big) 2>err.txt >/dev/null || rc=$?
[ $rc -eq 2 ] && ok || fail "pack on a full disk: exit $rc, expected 2"
grep -q 'quire-pack: ' err.txt && ok || fail "pack on a full disk: no error message"
cmp -s old.quire old.copy && ok || fail "pack on a full disk: the old bundle changed"
no_temps . "pack on a full disk"

# 2. Disk full while extracting: exit 2, no file under a final name, no temporary file.
"$PACK" create -q -k "$K/test.key" -o big.quire big >/dev/null
rc=0
(ulimit -f 4096; exec "$READ" extract -q -p "$K/test.pub" -C out big.quire) 2>err.txt || rc=$?
[ $rc -eq 2 ] && ok || fail "extract on a full disk: exit $rc, expected 2"
[ -z "$(find out -type f 2>/dev/null)" ] && ok || fail "extract on a full disk left files: $(find out -type f | head -3)"
no_temps . "extract on a full disk"

# 3. The packer killed with SIGKILL in the middle of a pack: the output is the old bundle.
#    (A temporary file may remain: SIGKILL leaves no chance to remove it.)
for delay in 0.05 0.2 0.5; do
    "$PACK" create -q -j 1 -l 9 -k "$K/test.key" -o old.quire big >/dev/null 2>&1 &
    pid=$!
    sleep $delay
    kill -KILL $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
    if cmp -s old.quire old.copy; then
        ok
    elif "$READ" verify -q -p "$K/test.pub" old.quire; then
        cp old.quire old.copy # the pack finished before the kill: a complete new bundle
        ok
    else
        fail "SIGKILL after ${delay}s: old.quire is neither the old bundle nor a valid new one"
    fi
    find . -maxdepth 1 -name '.old.quire.*' -exec rm -f {} +
done

# 4. SIGINT and SIGTERM remove the temporary file; the output is untouched.
for sig in INT TERM; do
    cp old.copy old.quire
    "$PACK" create -q -j 1 -l 9 -k "$K/test.key" -o old.quire big >/dev/null 2>&1 &
    pid=$!
    sleep 0.2
    kill -$sig $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
    cmp -s old.quire old.copy || "$READ" verify -q -p "$K/test.pub" old.quire &&
        ok || fail "SIG$sig: old.quire damaged"
    no_temps . "SIG$sig during pack"
done

# 5. An extraction killed part-way: every file under its final name is complete.
rm -rf out
"$READ" extract -q -p "$K/test.pub" -C out big.quire &
pid=$!
sleep 0.3
kill -KILL $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
for f in $(find out -type f ! -name '.quire-tmp-*' 2>/dev/null); do
    cmp -s "$f" "big/$(basename "$f")" && ok || fail "killed extract left a partial $f"
done
ok

# 6. Extraction over an existing file refuses without --force and leaves it as it was.
mkdir -p ex/docs
printf 'mine\n' >ex/docs/000_7ca1ca3d8efec858.txt
rc=0
"$READ" extract -q -p "$K/test.pub" -C ex old.copy 2>err.txt || rc=$?
[ $rc -eq 2 ] && grep -q 'use --force' err.txt && ok || fail "extract over a file: exit $rc"
[ "$(cat ex/docs/000_7ca1ca3d8efec858.txt)" = mine ] && ok || fail "extract replaced a file without --force"
[ ! -e ex/docs/001_663e35e9f03aa9a9.txt ] && ok || fail "extract wrote other files before refusing"

echo "faults: $passed passed, $failed failed"
[ $failed -eq 0 ]
