#!/bin/sh
# SPDX-License-Identifier: ISC
# spec_vectors.sh: SPEC.md Appendix A is what the programs of this tree make, byte for byte
# (ctest cli_spec_vectors). Rebuilds the stored bundle with fixtures/make-tiny.sh and the
# deflated and co-signed bundles with quire-mutate ($QUIRE_MUTATE), compares them with the
# committed fixtures, then checks every value of the appendix against them with
# spec_vectors.py (hex dumps, field tables, derived hashes, statement, signatures, receipts),
# which parses the bundles with Python's standard library alone. The recipe of SPEC 6.2 is
# run as printed there and minisign must verify what it writes; the receipts of A.6 must pass
# tests/py/quire_receipt.py. A change of one byte in the writer or in the appendix fails it.
set -eu
. "$(dirname "$0")/lib.sh"

MUTATE=${QUIRE_MUTATE:?set QUIRE_MUTATE to the quire-mutate program (tests/hostile)}
command -v minisign >/dev/null 2>&1 || fail "minisign is not installed"
SPEC=$SRC/SPEC.md
VEC=$SRC/tests/cli/spec_vectors.py
OTHER=$SRC/tests/hostile/keys/other
cd "$T"

# fence SECTION K: the K-th fenced block of Appendix A's section SECTION (A.5, ...).
fence()
{
    python3 "$VEC" fence "$SPEC" "$1" "$2"
}

# same FILE EXPECTED WHAT: one assertion that two files are equal.
same()
{
    if ! cmp -s "$1" "$2"; then
        diff "$2" "$1" | head -20 >&2 || :
        fail "$3"
    fi
    ok
}

# ---- A.1: the bundles, made as the appendix says
expect_exit 0 sh "$SRC/fixtures/make-tiny.sh" "$PACK" "$T/tiny.quire"
same tiny.quire "$FIX/tiny.quire" \
    "fixtures/make-tiny.sh no longer makes fixtures/tiny.quire: update it and SPEC.md Appendix A"
expect_exit 0 "$MUTATE" -k "$KEY" -o base.quire base
expect_exit 0 "$MUTATE" -k "$KEY" -i base.quire -o repaged.quire repage 3
expect_exit 0 "$MUTATE" -k "$KEY" -i repaged.quire -o again.quire repage 2,1
same again.quire base.quire "quire-mutate repage 2,1 does not cut the pages as quire-mutate base"
expect_exit 0 "$MUTATE" -k "$KEY" -x "$OTHER.key" -i base.quire -o good-cosigned.quire \
    sigs other,test
same good-cosigned.quire "$FIX/good-cosigned.quire" \
    "the recipe of SPEC.md A.1 no longer makes fixtures/good-cosigned.quire"

# ---- A.1 to A.8: every value, from the bytes of the three bundles
expect_exit 0 python3 "$VEC" check "$SPEC" tiny.quire base.quire good-cosigned.quire "$PUB"
expect_stdout_contains " passed, 0 failed"

# ---- A.4, A.7: the reader accepts the bundles and shows the fingerprints given there
fpr=$(sed -n 's/^| fingerprint = SHA-256 of the statement | `\([0-9a-f]\{64\}\)` |$/\1/p' "$SPEC")
[ ${#fpr} -eq 64 ] || fail "no fingerprint in SPEC.md A.4"
expect_exit 0 "$READ" verify -p "$PUB" tiny.quire
expect_stdout_contains "fingerprint:     $fpr"
fpr7=$(sed -n '/^### A.7/,/^### A.8/{/; fingerprint$/{n;s/^ *`\([0-9a-f]\{64\}\)`;$/\1/p;};}' "$SPEC")
[ ${#fpr7} -eq 64 ] || fail "no fingerprint in SPEC.md A.7"
expect_exit 0 "$READ" verify -p "$PUB" base.quire
expect_stdout_contains "fingerprint:     $fpr7"
expect_exit 0 "$READ" verify -p "$OTHER.pub" good-cosigned.quire
expect_stdout_contains "fingerprint:     $fpr7"

# ---- A.5: the recipe of SPEC 6.2 as printed there, and minisign on what it writes
awk '/^```sh$/ { f = 1; next } /^```$/ { if (f) exit } f' "$SPEC" >quire-minisig.sh
grep -q 'statement.bin.minisig' quire-minisig.sh || fail "no recipe in SPEC.md 6.2"
ok
mkdir a5
(cd a5 && sh ../quire-minisig.sh ../tiny.quire)
fence A.5 0 >a5.minisig
same a5/statement.bin.minisig a5.minisig "the recipe's .minisig differs from SPEC.md A.5"
[ "$(sha256sum a5/statement.bin | cut -c1-64)" = "$fpr" ] ||
    fail "the recipe's statement.bin does not hash to the fingerprint of A.4"
ok
expect_exit 0 minisign -Vm a5/statement.bin -x a5/statement.bin.minisig -p "$PUB"
fence A.5 1 >a5.out
expect_stdout_file a5.out
# minisign signing the statement itself makes the same record (Ed25519 is deterministic)
cp a5/statement.bin own.bin
expect_exit_notty 0 minisign -S -s "$KEY" -m own.bin -t 'quire bundle'
tail -n 3 own.bin.minisig >own.tail
tail -n 3 a5.minisig >a5.tail
same own.tail a5.tail "minisign -S does not make the signature of A.5"

# ---- A.6: the receipts, checked by the Python receipt checker
fence A.6 0 >hello.receipt
fence A.6 1 >a.receipt
printf 'hello\n' >hello.txt
expect_exit 0 "$READ" show -p "$PUB" base.quire docs/a.txt
cp "$OUT" a.txt
expect_exit 0 python3 "$VEC" receipt tiny.quire 0
expect_stdout_file hello.receipt
expect_exit 0 python3 "$VEC" receipt base.quire 0
expect_stdout_file a.receipt
expect_exit 0 python3 "$SRC/tests/py/quire_receipt.py" "$PUB" hello.receipt hello.txt
expect_stdout_is "ok t/hello.txt 5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
expect_exit 0 python3 "$SRC/tests/py/quire_receipt.py" "$PUB" a.receipt a.txt
expect_stdout_is "ok docs/a.txt 98ce8a6f0c702f01e4ecbe800eca4687f932653db5793e29692d40c3051c7200"
expect_exit 1 python3 "$SRC/tests/py/quire_receipt.py" "$PUB" a.receipt hello.txt
expect_stdout_contains "differs"
expect_exit 1 python3 "$SRC/tests/py/quire_receipt.py" "$OTHER.pub" a.receipt a.txt
# The C commands of SPEC 11.2, where this quire-read has them.
if "$READ" --help 2>&1 | grep -Eq '^ +receipt '; then
    expect_exit 0 "$READ" receipt -p "$PUB" tiny.quire t/hello.txt
    expect_stdout_file hello.receipt
    expect_exit 0 "$READ" receipt -p "$PUB" base.quire docs/a.txt
    expect_stdout_file a.receipt
else
    echo "note: quire-read has no receipt command: A.6 not compared with it"
fi
if "$READ" --help 2>&1 | grep -Eq '^ +check-receipt '; then
    expect_exit 0 "$READ" check-receipt -p "$PUB" hello.receipt hello.txt
    expect_exit 0 "$READ" check-receipt -p "$PUB" a.receipt a.txt
    expect_exit 3 "$READ" check-receipt -p "$PUB" a.receipt hello.txt
else
    echo "note: quire-read has no check-receipt command: A.6 not checked with it"
fi

# ---- A.8: the recipe for each record; minisign verifies each with its own key
for n in 0 1; do
    mkdir "a8-$n"
    (cd "a8-$n" && sh ../quire-minisig.sh ../good-cosigned.quire "$n")
    fence A.8 $((n + 1)) >"a8-$n.minisig"
    same "a8-$n/statement.bin.minisig" "a8-$n.minisig" "record $n's .minisig differs from A.8"
done
same a8-0/statement.bin a8-1/statement.bin "records 0 and 1: not the same statement.bin"
[ "$(sha256sum a8-0/statement.bin | cut -c1-64)" = "$fpr7" ] ||
    fail "the co-signed bundle's statement.bin does not hash to the fingerprint of A.7"
ok
expect_exit 0 minisign -Vm a8-0/statement.bin -x a8-0/statement.bin.minisig -p "$OTHER.pub"
expect_exit 0 minisign -Vm a8-1/statement.bin -x a8-1/statement.bin.minisig -p "$PUB"
expect_exit 1 minisign -Vm a8-0/statement.bin -x a8-0/statement.bin.minisig -p "$PUB"

done_ok
