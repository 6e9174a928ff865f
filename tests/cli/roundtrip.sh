#!/bin/sh
# SPDX-License-Identifier: ISC
# roundtrip.sh: a fresh key, a bundle of the fixture documents plus a tree with subdirectories,
# an empty file, a 3 MiB random file, an executable script and a UTF-8 name; every reading
# command (verify, list, info, show, extract) gives back exactly what was packed.
set -eu
. "$(dirname "$0")/lib.sh"

cd "$T"
expect_exit 0 "$PACK" keygen -W -o k
expect_file k.key
expect_file k.pub

# The inputs.
cp -R "$FIX/docs" docs
mkdir -p tree/sub/deeper tree/ṣūra
: >tree/sub/empty.txt
# (a fixed first byte, so that no magic number makes it look like a known media type)
{ printf 'R'; head -c 3145727 /dev/urandom; } >tree/sub/deeper/random.bin
printf '#!/bin/sh\necho "hello from the bundle"\n' >tree/run.sh
chmod 755 tree/run.sh
printf 'ṣūra: a chapter\n' >tree/ṣūra.txt
printf 'nested under a UTF-8 directory\n' >tree/ṣūra/āyah.txt
printf 'line one\nline two\n' >tree/sub/deeper/notes.txt
find docs tree -type f | sort >paths.expected
[ "$(wc -l <paths.expected)" -eq 11 ] || fail "test setup: expected 11 input files"

expect_exit 0 "$PACK" create -k k.key -o rt.quire -t "roundtrip test" docs tree
expect_file rt.quire
fpr=$(cat "$OUT")

# The same bundle whatever the number of deflate threads (5 units here).
expect_exit 0 "$PACK" create -j 1 -k k.key -o rt-j1.quire -t "roundtrip test" docs tree
expect_same rt-j1.quire rt.quire
expect_exit 0 "$PACK" create -j 3 -k k.key -o rt-j3.quire -t "roundtrip test" docs tree
expect_same rt-j3.quire rt.quire
rm rt-j1.quire rt-j3.quire

# verify
expect_exit 0 "$READ" verify -p k.pub rt.quire
expect_stdout_contains "rt.quire: OK, signature verified"
expect_stdout_contains "contents:        11 entries, "
expect_stdout_contains "fingerprint:     $fpr"
expect_stdout_contains "trusted comment: roundtrip test"
expect_stderr_empty

# list: the bundle paths, sorted by bytes.
expect_exit 0 "$READ" list -p k.pub rt.quire
expect_stdout_file paths.expected
expect_stderr_empty

# list -l: role, media type, size, provenance, path (and title), as stat sees the file; then
# the total.
while read -r p; do
    printf '%s %s - %s\n' document "$(stat -c %s "$p")" "$p"
done <paths.expected >long.expected
echo total: >>long.expected
expect_exit 0 "$READ" list -l -p k.pub rt.quire
awk '$1 == "total:" { print $1; next } { print $1, $3, $4, $5 }' "$OUT" >long.got
expect_true "list -l does not describe the inputs" cmp -s long.expected long.got

# list --json: an array of objects with the right fields.
expect_exit 0 "$READ" list --json -p k.pub rt.quire
cp "$OUT" list.json
python3 - list.json paths.expected <<'EOF' || fail "list --json does not describe the inputs"
import hashlib, json, os, re, sys
entries = json.load(open(sys.argv[1]))
paths = open(sys.argv[2], encoding="utf-8").read().split("\n")[:-1]
assert isinstance(entries, list), "not an array"
assert [e["path"] for e in entries] == paths, "paths differ"
for e in entries:
    data = open(e["path"], "rb").read()
    assert set(e) >= {"path", "role", "size", "sha256", "executable", "metadata"}, e.keys()
    assert e["role"] == "document", e
    assert e["size"] == len(data), e
    assert e["sha256"] == hashlib.sha256(data).hexdigest(), e
    assert e["executable"] == (e["path"] == "tree/run.sh"), e
    # No -s: the packer records a guessed media type, and for text a title from the first
    # non-empty line.
    m = e["metadata"]
    if e["path"].endswith(".bin"):
        assert m == {"quire-media-type": "application/octet-stream"}, e
    elif len(data) == 0:
        assert m == {"quire-media-type": "text/plain"}, e
    else:
        # white space and controls (bytes, not Unicode spaces) collapse to one space
        lines = [l for l in data.decode().split("\n") if re.sub(r"[\x00-\x20]", "", l)]
        title = " ".join(w for w in re.split(r"[\x00-\x20]+", lines[0]) if w)
        assert m == {"quire-media-type": "text/plain", "quire-title-guessed": True,
                     "title": title}, e
EOF
ok

# info: the bundle, and one entry.
expect_exit 0 "$READ" info -p k.pub rt.quire
expect_stdout_contains "format:          quire 2"
expect_stdout_contains "fingerprint:     $fpr"
kid=$(key_id k.pub)
expect_stdout_contains "signer:          $kid (trusted: k.pub)"
expect_stdout_contains "trusted comment: roundtrip test"
total=$(cat $(cat paths.expected) | wc -c | tr -d ' ')
expect_stdout_contains "($(python3 -c 'import sys; print(f"{int(sys.argv[1]):,}")' "$total") bytes) in"
expect_stdout_contains "  generator: quire-pack "
expect_exit 0 "$READ" info -p k.pub rt.quire tree/ṣūra.txt
{
    echo "path:            tree/ṣūra.txt"
    echo "role:            document"
    echo "size:            $(stat -c %s tree/ṣūra.txt) bytes"
    echo "sha256:          $(sha256sum tree/ṣūra.txt | cut -d' ' -f1)"
    echo "signer:          $kid (trusted: k.pub)"
    echo "trusted comment: roundtrip test"
    echo "bundle:          $fpr"
    echo "provenance:"
    echo "  title: ṣūra: a chapter"
    echo "  quire-media-type: text/plain"
    echo "  quire-title-guessed: true"
} >info.expected
expect_stdout_file info.expected
expect_exit 0 "$READ" info --json -p k.pub rt.quire tree/run.sh
python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))
assert e["path"] == "tree/run.sh" and e["executable"] is True and e["size"] == 39, e
' "$OUT" || fail "info --json PATH is wrong"
ok
expect_exit 2 "$READ" info -p k.pub rt.quire tree/nothere.txt
expect_stderr_contains "quire-read: rt.quire: no entry 'tree/nothere.txt'"
expect_stdout_empty

# show: byte for byte, text and binary.
for p in tree/sub/deeper/random.bin tree/ṣūra.txt tree/sub/empty.txt docs/001_663e35e9f03aa9a9.txt
do
    expect_exit 0 "$READ" show -p k.pub rt.quire "$p"
    expect_stdout_file "$p"
    expect_stderr_empty
done
# show to a terminal escapes control characters (C0, DEL, C1) and keeps UTF-8 text.
mkdir esc
printf 'red \033[31mRED\033[0m bell\007 del\177 c1:\302\233 ok \303\274\n' >esc/e.txt
expect_exit 0 "$PACK" create -k k.key -o esc.quire esc
python3 - "$READ" k.pub esc.quire esc/e.txt <<'EOF' || fail "show to a terminal did not escape control characters"
import os, subprocess, sys
master, slave = os.openpty()
p = subprocess.run([sys.argv[1], "show", "--no-pager", "-p"] + sys.argv[2:],
                   stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE)
os.close(slave)
out = b""
while True:
    try:
        chunk = os.read(master, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
want = b"red \\x1b[31mRED\\x1b[0m bell\\x07 del\\x7f c1:\\u009b ok \xc3\xbc\r\n"
if p.returncode != 0 or out != want or p.stderr != b"":
    sys.exit("exit %d, terminal got %r, expected %r; stderr %r"
             % (p.returncode, out, want, p.stderr))
EOF
ok
expect_exit 2 "$READ" show -p k.pub rt.quire tree/sub
expect_stderr_contains "quire-read: rt.quire: no entry 'tree/sub'"
expect_stdout_empty

# extract everything: the same tree, the executable bit kept, modes from the umask.
expect_exit 0 sh -c 'umask 027 && exec "$@"' sh "$READ" extract -p k.pub -C out rt.quire
expect_stderr_contains "extracted 11 files to out"
expect_stdout_empty
expect_true "extracted docs differ from the inputs" diff -r docs out/docs
expect_true "extracted tree differs from the inputs" diff -r tree out/tree
expect_only_files out docs tree
expect_mode out/tree/run.sh 750
expect_mode out/tree/ṣūra.txt 640
expect_mode out/tree/sub/empty.txt 640
expect_mode out/tree/sub/deeper/random.bin 640
expect_mode out/tree/sub 750
[ -z "$(find out -name '.quire-tmp-*')" ] || fail "temporary files left in out"
ok
expect_exit 0 sh -c 'umask 002 && exec "$@"' sh "$READ" extract -p k.pub -C out002 rt.quire \
    tree/run.sh tree/sub/empty.txt
expect_mode out002/tree/run.sh 775
expect_mode out002/tree/sub/empty.txt 664
expect_exit 0 out/tree/run.sh
expect_stdout_is "hello from the bundle"

# extract selected paths and a directory prefix: only those.
expect_exit 0 "$READ" extract -p k.pub -C sel rt.quire tree/sub docs/002_b5499be249b582cd.txt
expect_stderr_contains "extracted 4 files to sel"
(cd sel && find . -type f | sort) >sel.got
printf '%s\n' ./docs/002_b5499be249b582cd.txt ./tree/sub/deeper/notes.txt \
    ./tree/sub/deeper/random.bin ./tree/sub/empty.txt >sel.expected
expect_true "extract of selected paths wrote $(tr '\n' ' ' <sel.got)" cmp -s sel.expected sel.got
expect_same sel/tree/sub/deeper/random.bin tree/sub/deeper/random.bin
expect_same sel/docs/002_b5499be249b582cd.txt docs/002_b5499be249b582cd.txt
expect_exit 0 "$READ" extract -p k.pub -C sel2 rt.quire tree/ṣūra/
(cd sel2 && find . -type f) >sel2.got
printf '%s\n' ./tree/ṣūra/āyah.txt >sel2.expected
expect_true "extract of tree/ṣūra/ wrote $(tr '\n' ' ' <sel2.got)" cmp -s sel2.expected sel2.got
# A prefix that is not a whole component selects nothing.
expect_exit 2 "$READ" extract -p k.pub -C sel3 rt.quire tree/su
expect_stderr_contains "quire-read: rt.quire: no entry 'tree/su' in the bundle"
[ -z "$(find sel3 -type f 2>/dev/null)" ] || fail "extract of an unknown path wrote files"
ok

# An existing target: refused before anything is written, the file untouched.
printf 'local edit\n' >out/docs/000_7ca1ca3d8efec858.txt
cp out/docs/000_7ca1ca3d8efec858.txt edited.copy
rm out/tree/run.sh
expect_exit 2 "$READ" extract -p k.pub -C out rt.quire
expect_stderr_contains "quire-read: rt.quire: docs/000_7ca1ca3d8efec858.txt exists: use --force"
expect_same out/docs/000_7ca1ca3d8efec858.txt edited.copy
expect_absent out/tree/run.sh
[ -z "$(find out -name '.quire-tmp-*')" ] || fail "temporary files left in out"
ok
# The same with the one existing file selected by name.
expect_exit 2 "$READ" extract -p k.pub -C out rt.quire docs/000_7ca1ca3d8efec858.txt
expect_stderr_contains "use --force"
expect_same out/docs/000_7ca1ca3d8efec858.txt edited.copy
# --force replaces it.
expect_exit 0 "$READ" extract --force -p k.pub -C out rt.quire
expect_same out/docs/000_7ca1ca3d8efec858.txt docs/000_7ca1ca3d8efec858.txt
expect_true "extract --force did not restore the tree" diff -r tree out/tree
expect_exit 0 "$READ" extract -f -p k.pub -C out rt.quire docs/000_7ca1ca3d8efec858.txt
expect_same out/docs/000_7ca1ca3d8efec858.txt docs/000_7ca1ca3d8efec858.txt

# Unknown paths: exit 2, nothing written.
expect_exit 2 "$READ" extract -p k.pub -C none rt.quire docs/nothere.txt
expect_stderr_contains "quire-read: rt.quire: no entry 'docs/nothere.txt' in the bundle"
expect_exit 2 "$READ" extract -p k.pub -C none rt.quire tree/run.s
expect_stderr_contains "no entry 'tree/run.s' in the bundle; did you mean 'tree/run.sh'?"
expect_exit 2 "$READ" extract -p k.pub -C none rt.quire 'zz*'
expect_stderr_contains "no path in the bundle matches 'zz*'"
[ -z "$(find none -type f 2>/dev/null)" ] || fail "extract of an unknown path wrote files"
ok
expect_exit 2 "$READ" extract -p k.pub -C none rt.quire tree/run.sh docs/nothere.txt
[ -z "$(find none -type f 2>/dev/null)" ] || fail "extract with one unknown path wrote files"
ok

# Files around the 1 MiB unit size, and more units than entries.
mkdir bnd
printf 'small\n' >bnd/a.txt
head -c 1048575 /dev/urandom >bnd/b.bin
head -c 1048576 /dev/urandom >bnd/c.bin
head -c 1048577 /dev/urandom >bnd/d.bin
printf 'tail\n' >bnd/e.txt
head -c 2097152 /dev/zero >bnd/f.zero
expect_exit 0 "$PACK" create -k k.key -o bnd.quire bnd
expect_exit 0 "$READ" verify -p k.pub bnd.quire
expect_stdout_contains "6 entries, 5.0 MiB (5,242,891 bytes) in "
expect_exit 0 "$READ" extract -p k.pub -C bndout bnd.quire
expect_true "files around the unit size do not come back intact" diff -r bnd bndout/bnd
# One file given by name is packed under its base name, alone, over several units.
expect_exit 0 "$PACK" create -k k.key -o one.quire bnd/d.bin
expect_exit 0 "$READ" list -p k.pub one.quire
expect_stdout_is "d.bin"
expect_exit 0 "$READ" extract -p k.pub -C oneout one.quire
expect_same oneout/d.bin bnd/d.bin
# "./docs/" is packed as docs/, and "." contributes no prefix.
expect_exit 0 "$PACK" create -k k.key -o dot.quire ./docs/
expect_exit 0 "$READ" list -p k.pub dot.quire
grep '^docs/' paths.expected >paths.docs
expect_stdout_file paths.docs
expect_exit 0 sh -c 'cd docs && exec "$@"' sh "$PACK" create -k ../k.key -o ../dot2.quire .
expect_exit 0 "$READ" list -p k.pub dot2.quire
sed 's|^docs/||' paths.docs >paths.bare
expect_stdout_file paths.bare
# Only empty files: no units at all.
mkdir empties
: >empties/a
: >empties/b
expect_exit 0 "$PACK" create -k k.key -o empties.quire empties
expect_exit 0 "$READ" verify -p k.pub empties.quire
expect_stdout_contains "2 entries, 0 bytes in 0 units"
expect_exit 0 "$READ" extract -p k.pub -C emptiesout empties.quire
expect_true "empty files do not come back" diff -r empties emptiesout/empties
# A trusted comment of exactly 1024 bytes, the limit, is signed and read back.
long=$(head -c 1024 /dev/zero | tr '\0' c)
expect_exit 0 "$PACK" create -k k.key -t "$long" -o long.quire empties
expect_exit 0 "$READ" verify -p k.pub long.quire
expect_stdout_contains "trusted comment: $long"

# Signed metadata may hold control characters; info, list and cite print them escaped, never
# raw (no C0 but newline, no DEL, no C1), and --json escapes them as JSON does.
printf '{"title": "\\u001b[2Jwiped\\u0007", "note": "a\\nb", "c1": "x\\u009by\\u007fz"}\n' >evil.json
printf '[{"id": "e", "title": "\\u001b]0;pwned\\u0007", "quire-files": ["docs/000_7ca1ca3d8efec858.txt"]}]\n' \
    >evil-sources.json
expect_exit 0 "$PACK" create -k k.key -o evil.quire -m evil.json -s evil-sources.json docs
no_controls()
{
    python3 -c '
import re, sys
b = open(sys.argv[1], "rb").read()
bad = re.search(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", b)
sys.exit("raw control byte %r at %d" % (bad.group(), bad.start()) if bad else 0)
' "$OUT" || fail "control characters from the bundle reached stdout"
    ok
}
expect_exit 0 "$READ" info -p k.pub evil.quire
no_controls
expect_stdout_contains '  title: \x1b[2Jwiped\x07'
expect_stdout_contains '  note: a\nb'
expect_exit 0 "$READ" info -p k.pub evil.quire docs/000_7ca1ca3d8efec858.txt
no_controls
expect_stdout_contains '  title: \x1b]0;pwned\x07'
expect_exit 0 "$READ" verify -p k.pub evil.quire
no_controls
expect_exit 0 "$READ" cite -p k.pub evil.quire docs/000_7ca1ca3d8efec858.txt
no_controls
expect_exit 0 "$READ" info --json -p k.pub evil.quire
no_controls
python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))["metadata"]
assert m["title"] == "\x1b[2Jwiped\x07" and m["note"] == "a\nb" and m["c1"] == "x\x9by\x7fz", m
' "$OUT" || fail "info --json does not give back the metadata exactly"
ok

# Packing a directory that holds the output bundle: the bundle never packs itself (or its
# previous version), as tar refuses "file is the archive; not dumped".
mkdir selfdir
printf 'a\n' >selfdir/a.txt
expect_exit 0 sh -c 'cd selfdir && exec "$@"' sh "$PACK" create -k ../k.key -o out.quire .
expect_exit 0 sh -c 'cd selfdir && exec "$@"' sh "$PACK" create -k ../k.key -o out.quire .
expect_exit 0 "$READ" list -p k.pub selfdir/out.quire
expect_stdout_is "a.txt"

# The default directory is the current one.
mkdir here
expect_exit 0 sh -c 'cd here && exec "$@"' sh "$READ" extract -p "$T/k.pub" "$T/rt.quire" tree/run.sh
expect_same here/tree/run.sh tree/run.sh

done_ok
