#!/bin/sh
# SPDX-License-Identifier: ISC
# salvage.sh: issue 17's reading items around extract, export and diff: extract --keep-going
# salvages the documents that verify from a damaged bundle (and only those), -C makes missing
# parents, several patterns, "1 file"; export picks its format from OUT's name and is
# byte-identical run to run; diff compares metadata and provenance, --text shows unified
# diffs, and diff - - is a usage error. Needs QUIRE_MUTATE (tests/hostile's quire-mutate).
set -eu
. "$(dirname "$0")/lib.sh"

M=${QUIRE_MUTATE:?QUIRE_MUTATE must name quire-mutate}
cd "$T"
mkdir -p in/d/sub
for i in 1 2 3 4; do
    head -c 300000 /dev/urandom | base64 >"in/d/f$i.txt"
done
echo hi >in/d/sub/s.txt
"$PACK" create -q -k "$KEY" -o good.quire in/d >/dev/null 2>"$ERR" || fail "cannot pack"
units=$("$READ" info --json -p "$PUB" good.quire |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["units"])')
[ "$units" -ge 2 ] || fail "the bundle has $units unit(s); the test needs two or more"

# flip OFFSET FILE: changes one byte of FILE (a negative OFFSET counts back from the index
# offset, the end of the data region).
flip()
{
    python3 -c '
import sys
p, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, "rb").read())
if off < 0:
    off += int.from_bytes(b[-40:-32], "little")  # from the index offset: the last unit
b[off] ^= 0x20
open(p, "wb").write(b)
' "$2" "$1"
}
cp good.quire last.quire
flip -1 last.quire   # the last byte of the data region: the last unit, holding d/sub/s.txt
cp good.quire first.quire
flip 40 first.quire  # unit 0, holding d/f1.txt

# ---- without --keep-going: nothing, and no directory made ----
expect_exit 1 "$READ" extract -p "$PUB" -C out/new/deep last.quire
expect_stderr_contains ": unit 1: stored bytes do not match their BLAKE2b-256 (SPEC 9 step 10)"
expect_absent out

# ---- --keep-going: every verified document, byte-exact; each failure named; exit 1 ----
for b in last first; do
    expect_exit 1 "$READ" extract --keep-going -p "$PUB" -C "kg-$b" "$b.quire"
    missing=0
    for p in d/f1.txt d/f2.txt d/f3.txt d/f4.txt d/sub/s.txt; do
        if [ -e "kg-$b/$p" ]; then
            expect_same "kg-$b/$p" "in/$p"
        else
            missing=$((missing + 1))
            grep -q -F "$b.quire: entry " "$ERR" || fail "no failure named for $p"
            grep -F "($p): unit " "$ERR" | grep -q -F "(SPEC 9 step 10)" ||
                fail "$p is missing but not named with its rule"
        fi
    done
    [ "$missing" -ge 1 ] && [ "$missing" -le 4 ] || fail "$b: $missing documents missing"
    expect_stderr_lines $((missing + 1))
    expect_stderr_contains "did not verify and w"
    if find "kg-$b" -name '.quire-*' | grep -q .; then fail "$b: a temporary file is left"; fi
done
expect_absent kg-last/d/sub/s.txt
expect_absent kg-last/d/sub   # made only for the failed document: removed
expect_file kg-last/d/f1.txt
expect_absent kg-first/d/f1.txt
expect_file kg-first/d/sub/s.txt
# A good bundle with --keep-going is an ordinary extraction.
expect_exit 0 "$READ" extract --keep-going -q -p "$PUB" -C kg-good good.quire
expect_stderr_empty
expect_true "kg-good differs from the inputs" diff -r in/d kg-good/d
# A failed signature is still fatal: nothing is salvaged without a verified index.
"$M" -k "$KEY" -x "$SRC/tests/hostile/keys/other.key" -i good.quire -o forged.quire sigs forged >/dev/null
expect_exit 1 "$READ" extract --keep-going -p "$PUB" -C kg-forged forged.quire
expect_absent kg-forged

# ---- -C makes missing parents; "1 file"; several patterns ----
expect_exit 0 "$READ" extract -p "$PUB" -C a/b/c good.quire d/sub/s.txt
expect_stderr_contains "extracted 1 file to a/b/c"
expect_stderr_not_contains "1 files"
expect_same a/b/c/d/sub/s.txt in/d/sub/s.txt
expect_exit 0 "$READ" extract -p "$PUB" -C pat good.quire 'd/f[12].txt' ./d/sub/
expect_stderr_contains "extracted 3 files to pat"
expect_only_files pat/d f1.txt f2.txt sub
expect_exit 0 "$READ" extract -p "$PUB" -C star good.quire 'd/*'
expect_stderr_contains "extracted 5 files to star"
expect_exit 2 "$READ" extract -p "$PUB" -C none good.quire 'x/*'
expect_absent none
mkdir ro && chmod 555 ro
if [ ! -w ro ]; then # not as root
    expect_exit 2 "$READ" extract -p "$PUB" -C ro/x/y good.quire
    expect_stderr_contains "cannot create directory"
fi

# ---- export: the format from the name, tar/unzip read it, the same bytes twice ----
for f in tar tar.gz tgz tar.zst tar.xz zip; do
    expect_exit 0 "$READ" export -p "$PUB" good.quire "one.$f"
    expect_stderr_contains "exported 5 documents (1.5 MiB) to one.$f"
done
sleep 1 # a gzip header with a time would now differ
for f in tar tar.gz tgz tar.zst tar.xz zip; do
    expect_exit 0 "$READ" export -q -p "$PUB" good.quire "two.$f"
    expect_stderr_empty
    expect_same "one.$f" "two.$f"
done
for f in one.tar one.tar.gz one.tgz one.tar.xz; do
    [ "$(tar -tf "$f" | sort | tr '\n' ' ')" = "d/f1.txt d/f2.txt d/f3.txt d/f4.txt d/sub/s.txt " ] ||
        fail "tar -tf $f lists $(tar -tf "$f" | tr '\n' ' ')"
done
expect_true "one.tar.gz is not gzip" gzip -t one.tar.gz
expect_true "one.tar.xz is not xz" xz -t one.tar.xz
expect_true "one.tar.zst is not zstd" zstd -q -t one.tar.zst
[ "$(zstd -dc one.tar.zst | tar -tf - | wc -l)" -eq 5 ] || fail "one.tar.zst does not list 5"
unzip -l one.zip >unzip.out || fail "unzip -l cannot read one.zip"
grep -q "5 files" unzip.out || fail "unzip -l one.zip: $(cat unzip.out)"
expect_exit 0 "$READ" export -p "$PUB" --format zip good.quire named.tar
unzip -l named.tar >/dev/null || fail "--format zip did not win over the name"
expect_exit 2 "$READ" export -p "$PUB" good.quire out.bin
expect_stderr_contains "cannot tell the format from the name"
expect_absent out.bin
expect_exit 2 "$READ" export -p "$PUB" --format rar good.quire out.rar
expect_stderr_contains "unknown format 'rar'"
# The members' time is the bundle's "created" time.
echo '{"created":"2024-05-06"}' >created.json
"$PACK" create -q -k "$KEY" -o dated.quire -m created.json in/d/sub >/dev/null
expect_exit 0 "$READ" export -p "$PUB" dated.quire dated.tar
tar -tvf dated.tar | grep -q "2024-05-06" || fail "dated.tar: $(tar -tvf dated.tar)"

# ---- diff: metadata, provenance, --text, exit codes, diff - - ----
"$M" -k "$KEY" -o base.quire base >/dev/null
"$M" -k "$KEY" -i base.quire -o meta.quire bundle-meta '{"title":"Other"}' >/dev/null
expect_exit 3 "$READ" diff -p "$PUB" base.quire meta.quire
expect_stdout_contains "metadata changed: title"
expect_stdout_contains "0 added, 0 removed, 0 changed, "
expect_exit 0 "$READ" diff -p "$PUB" base.quire base.quire
if grep -q -e "^changed" -e "^metadata changed" -e "^provenance changed" "$OUT"; then fail "diff of a bundle with itself reports a change"; fi
"$M" -k "$KEY" -i base.quire -o prov.quire entry-meta 0 '{"title":"Renamed"}' >/dev/null
expect_exit 3 "$READ" diff -p "$PUB" base.quire prov.quire
expect_stdout_contains "provenance changed  docs/a.txt"
expect_exit 3 "$READ" diff --json -p "$PUB" base.quire prov.quire
python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["counts"]["provenance_changed"] == 1 and j["counts"]["changed"] == 0, j["counts"]
assert j["provenance_changes"][0]["path"] == "docs/a.txt"
assert j["provenance_changes"][0]["new"] == {"title": "Renamed"}
assert j["metadata_changes"] == []
' "$OUT" || fail "diff --json provenance fields"

mkdir -p v1/t v2/t
printf 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n' >v1/t/x.txt
printf 'a\nb\nC\nd\ne\nf\ng\nh\ni\nj\nk\nl' >v2/t/x.txt
printf '\0\1' >v1/t/bin
printf '\0\2' >v2/t/bin
"$PACK" create -q -k "$KEY" -o v1.quire v1/t >/dev/null
"$PACK" create -q -k "$KEY" -o v2.quire v2/t >/dev/null
expect_exit 3 "$READ" diff --text -p "$PUB" v1.quire v2.quire
cat >want.diff <<'EOF'
binary documents differ: t/bin
--- v1.quire:t/x.txt
+++ v2.quire:t/x.txt
@@ -1,6 +1,6 @@
 a
 b
-c
+C
 d
 e
 f
@@ -9,3 +9,4 @@
 i
 j
 k
+l
\ No newline at end of file
EOF
sed -n '/^binary/,$p' "$OUT" >got.diff
expect_same want.diff got.diff
expect_exit 3 "$READ" diff --text --json -p "$PUB" v1.quire v2.quire
python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
d = {t["path"]: t["diff"] for t in j["text_diffs"]}
assert d["t/x.txt"] == open(sys.argv[2]).read().split("\n", 1)[1], d
' "$OUT" want.diff || fail "diff --text --json"

expect_exit 2 "$READ" diff -p "$PUB" - - <good.quire
expect_stderr_contains "standard input can be OLD or NEW, not both"
expect_usage_on_stderr quire-read
expect_exit 0 "$READ" diff -p "$PUB" - good.quire <good.quire

done_ok
