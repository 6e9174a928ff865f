#!/bin/sh
# SPDX-License-Identifier: ISC
# Packing as a new user meets it (issue 17): every input that cannot be read named once with
# the system's reason; a clash with an archive member named by archive and entry, never by the
# private unpacking directory; unknown metadata keys warned about, with a suggestion for a near
# miss; --supersedes; titles guessed without markup and cut at a word boundary; a typo'd
# command gets "did you mean", a usage error that command's usage only.
set -eu
. "$(dirname "$0")/lib.sh"
cd "$T"

# expect_stderr_is TEXT: stderr is exactly TEXT (one or more lines) plus a newline.
expect_stderr_is()
{
    printf '%s\n' "$1" >"$T/expected.err"
    if ! cmp -s "$T/expected.err" "$ERR"; then
        diff "$T/expected.err" "$ERR" >&2 || :
        fail "stderr is not exactly '$1'"
    fi
    ok
}

# Root reads a mode 000 file anyway: run the packer without the two capabilities that allow
# it, or skip those checks where that is not possible.
NOCAP=
if [ "$(id -u)" -ne 0 ]; then
    NOCAP=env
elif setpriv --bounding-set=-dac_override,-dac_read_search true 2>/dev/null; then
    NOCAP="setpriv --bounding-set=-dac_override,-dac_read_search"
fi

mkdir -p d/sub
printf 'one\n' >d/a.txt
printf 'two\n' >d/sub/b.txt

# ---- inputs that cannot be read: one line, the path and the system's reason ----
missing()
{
    expect_exit 2 "$PACK" create -q -k "$KEY" -o out.quire "$@"
    expect_absent out.quire
}
missing docs/
expect_stderr_is "quire-pack: docs/: cannot read: No such file or directory"
missing d nofile.txt
expect_stderr_is "quire-pack: nofile.txt: cannot read: No such file or directory"
missing -a x.tar.gz
expect_stderr_is "quire-pack: x.tar.gz: cannot read: No such file or directory"
missing -a d
expect_stderr_is "quire-pack: d: cannot read: Is a directory"
printf 'not an archive at all' >junk.tar
missing -a junk.tar
expect_stderr_is "quire-pack: junk.tar: not a readable archive: Unrecognized archive format"
missing -m nometa.json d
expect_stderr_is "quire-pack: nometa.json: cannot read: No such file or directory"
missing -m d d
expect_stderr_is "quire-pack: d: cannot read: Is a directory"
missing -s nosources.json d
expect_stderr_is "quire-pack: nosources.json: cannot read: No such file or directory"
expect_exit 2 "$PACK" create -q -k nokey.key -o out.quire d
expect_stderr_is "quire-pack: nokey.key: cannot read the secret key: No such file or directory"
expect_exit 2 "$PACK" create -q -k d -o out.quire d
expect_stderr_is "quire-pack: d: cannot read the secret key: Is a directory"

if [ -n "$NOCAP" ]; then
    locked()
    {
        expect_exit 2 $NOCAP "$PACK" create -q -k "$KEY" -o out.quire "$@"
        expect_absent out.quire
    }
    tar -cf locked.tar d
    printf '{}\n' >locked.json
    chmod 000 locked.tar locked.json
    locked -a locked.tar
    expect_stderr_is "quire-pack: locked.tar: cannot read: Permission denied"
    locked -m locked.json d
    expect_stderr_is "quire-pack: locked.json: cannot read: Permission denied"
    locked -s locked.json d
    expect_stderr_is "quire-pack: locked.json: cannot read: Permission denied"
    chmod 000 d
    locked d
    expect_stderr_is "quire-pack: d: cannot read: Permission denied"
    chmod 755 d
    # A directory inside the tree that cannot be listed, or listed but not searched.
    for mode in 000 644 311; do
        chmod $mode d/sub
        locked d
        expect_stderr_is "quire-pack: d/sub: cannot read: Permission denied"
    done
    chmod 755 d/sub
    chmod 000 d/a.txt
    locked d
    expect_stderr_is "quire-pack: d/a.txt: cannot read: Permission denied"
    chmod 644 d/a.txt
else
    echo "packing: skipped the unreadable-file checks (root without setpriv)"
fi

# ---- a clash with an archive member names the archive and the entry ----
mkdir -p t/sub
printf 'three\n' >t/sub/b.txt
(cd t && tar -cf ../one.tar sub && tar -cf ../two.tar sub)
expect_exit 2 env TMPDIR="$T" "$PACK" create -q -k "$KEY" -o out.quire -a one.tar t/sub
expect_stderr_is "quire-pack: one.tar: entry sub/b.txt and t/sub/b.txt: both would be stored as 'sub/b.txt'"
expect_absent out.quire
expect_exit 2 env TMPDIR="$T" "$PACK" create -q -k "$KEY" -o out.quire -a two.tar -a one.tar
expect_stderr_is "quire-pack: one.tar: entry sub/b.txt and two.tar: entry sub/b.txt: both would be stored as 'sub/b.txt'"
expect_true "no quire-pack.* directory is left in TMPDIR" sh -c '! ls -d "$0"/quire-pack.* 2>/dev/null' "$T"

# ---- unknown keys: warned about, one line each, and packed ----
printf '{"title": "T", "licence": "MIT", "Title": "t", "discription": "d", "note": "n"}\n' >typo.json
printf '[{"id": "a", "title": "A", "quire-file": ["d/a.txt"], "quire-files": ["d/a.txt"], "quire-mediatype": "text/plain", "quire-color": "red"}]\n' >typo-sources.json
expect_exit 0 "$PACK" create -q -k "$KEY" -o typo.quire -m typo.json -s typo-sources.json d
expect_stderr_is 'quire-pack: typo.json: unknown key "licence": did you mean "license"?
quire-pack: typo.json: unknown key "Title": did you mean "title"?
quire-pack: typo.json: unknown key "discription": did you mean "description"?
quire-pack: typo.json: unknown key "note": packed, but no reference tool gives it a meaning
quire-pack: typo-sources.json: item 0: unknown key "quire-file": did you mean "quire-files"?
quire-pack: typo-sources.json: item 0: unknown key "quire-mediatype": did you mean "quire-media-type"?
quire-pack: typo-sources.json: item 0: unknown key "quire-color": packed, but no reference tool gives it a meaning'
expect_exit 0 "$READ" info --json -p "$PUB" typo.quire
expect_true "unknown keys are packed as they are" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))["metadata"]
assert m["licence"] == "MIT" and m["note"] == "n", m' "$OUT"
# Known keys only: nothing on stderr.
printf '{"title": "T", "license": "MIT", "creator": "c", "created": "2025-03-14"}\n' >good.json
expect_exit 0 "$PACK" create -q -k "$KEY" -o good.quire -m good.json d
expect_stderr_empty

# ---- --supersedes ----
expect_exit 0 "$PACK" create -q -k "$KEY" -o old.quire -m good.json d
old_fp=$(cat "$OUT")
printf 'four\n' >d/c.txt
expect_exit 0 "$PACK" create -q -k "$KEY" -o new.quire -m good.json --supersedes old.quire d
expect_stderr_empty
expect_exit 0 "$READ" info --json -p "$PUB" new.quire
expect_true "supersedes is OLD's fingerprint" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))["metadata"]
assert m["supersedes"] == sys.argv[2], m' "$OUT" "$old_fp"
rc=0
"$READ" diff -p "$PUB" old.quire new.quire >"$OUT" 2>"$ERR" || rc=$?
expect_true "diff exits 0 or 3 (they differ: c.txt was added)" sh -c '[ "$0" -eq 0 ] || [ "$0" -eq 3 ]' "$rc"
expect_stdout_contains "NEW supersedes OLD: yes"
# The same fingerprint in the metadata is fine; another is refused.
printf '{"supersedes": "%s"}\n' "$old_fp" >same.json
expect_exit 0 "$PACK" create -q -k "$KEY" -o same.quire -m same.json --supersedes old.quire d
other_fp=$(printf '%064d' 0)
printf '{"supersedes": "%s"}\n' "$other_fp" >other.json
expect_exit 2 "$PACK" create -q -k "$KEY" -o out.quire -m other.json --supersedes old.quire d
expect_stderr_is "quire-pack: other.json: field supersedes: $other_fp, but --supersedes names the bundle $old_fp; remove the field or the option"
expect_absent out.quire
# OLD missing, not a bundle, signed by another key, or with a broken signature.
expect_exit 2 "$PACK" create -q -k "$KEY" -o out.quire --supersedes gone.quire d
expect_stderr_is "quire-pack: gone.quire: cannot read: No such file or directory"
head -c 1000 /dev/zero | tr '\0' x >notabundle.quire
expect_exit 1 "$PACK" create -q -k "$KEY" -o out.quire --supersedes notabundle.quire d
expect_stderr_is "quire-pack: notabundle.quire: --supersedes: not a readable bundle: not a quire bundle: bad magic (SPEC 3)"
expect_absent out.quire
expect_exit 0 "$PACK" keygen -W -o other
other_id=$(key_id other.pub)
test_id=$(key_id "$PUB")
expect_exit 1 "$PACK" create -q -k other.key -o out.quire --supersedes old.quire d
expect_stderr_is "quire-pack: old.quire: --supersedes: signed by key $test_id, not by other.key (key $other_id): a bundle supersedes only one signed with its own key; for another, set \"supersedes\" in the metadata"
expect_absent out.quire
# A byte of the signed metadata changed (the title T to U): the index still parses, the
# signature no longer verifies.
python3 - old.quire forged.quire <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.index(b'"title":"T"') + len('"title":"')
b[i] = ord("U")
open(sys.argv[2], "wb").write(b)
EOF
expect_exit 1 "$PACK" create -q -k "$KEY" -o out.quire --supersedes forged.quire d
expect_stderr_first_line_starts "quire-pack: forged.quire: --supersedes: "
expect_stderr_lines 1
expect_absent out.quire
# OLD is checked before the passphrase is asked for (no terminal here: a prompt would fail).
printf 'secret words\n' >pw
expect_exit 0 "$PACK" keygen --passphrase-file pw -o locked
expect_exit_notty 2 "$PACK" create -q -k locked.key -o out.quire --supersedes gone.quire d
expect_stderr_is "quire-pack: gone.quire: cannot read: No such file or directory"
expect_exit 0 "$PACK" --help
expect_stdout_contains "--supersedes OLD.quire"

# ---- guessed titles ----
mkdir -p g/_sources
printf '# Sphinx build info version 1\nconfig: 0123abcd\n' >g/.buildinfo
printf '.. _tut-intro:\n\n:orphan:\n\n*************************\nAn Informal Introduction\n*************************\n\nText.\n' >g/_sources/intro.rst.txt
printf ':mod:`!os` --- Miscellaneous operating system interfaces\n=========================================================\n\n.. module:: os\n' >g/_sources/os.rst.txt
printf '.. highlight:: python\n\n:orphan:\n\n   indented\n\nThe first line of text\n' >g/_sources/plain.rst.txt
printf '<!DOCTYPE html>\n<html><head></head><body><h1>Heading &amp; more</h1></body></html>\n' >g/notitle.html
printf '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body></body></html>\n' >g/empty.html
printf '<!DOCTYPE notes>\n<!-- a comment -->\nFirst real line\n' >g/doctype.txt
printf '# A *Markdown* heading\n\nbody\n' >g/readme.md
python3 - <<'EOF'
words = "word " * 60
open("g/long.txt", "w").write(words + "\n")
open("g/longword.txt", "w").write("x" * 196 + "\u00e9\u00e9\u00e9\n")
open("g/accents.txt", "w").write(("\u00e9" * 30 + " ") * 5 + "\n")
EOF
expect_exit 0 "$PACK" create -q -k "$KEY" -o g.quire g
title_is()
{
    expect_exit 0 "$READ" info --json -p "$PUB" g.quire "$1"
    what="title of $1"
    shift
    expect_true "$what" python3 -c '
import json, sys
m = json.load(open(sys.argv[1], encoding="utf-8"))["metadata"]
want = sys.argv[2] if len(sys.argv) > 2 else None
assert m.get("title") == want, (m.get("title"), want)
assert ("quire-title-guessed" in m) == (want is not None), m
assert want is None or len(want.encode()) <= 200
' "$OUT" "$@"
}
title_is g/.buildinfo
title_is g/_sources/intro.rst.txt "An Informal Introduction"
title_is g/_sources/os.rst.txt "os --- Miscellaneous operating system interfaces"
title_is g/_sources/plain.rst.txt "The first line of text"
title_is g/notitle.html "Heading & more"
title_is g/empty.html
title_is g/doctype.txt "First real line"
title_is g/readme.md "A *Markdown* heading"
title_is g/long.txt "$(python3 -c 'print(" ".join(["word"] * 39) + "\u2026")')"
title_is g/longword.txt "$(python3 -c 'print("x" * 196 + "\u2026")')"
title_is g/accents.txt "$(python3 -c 'print(" ".join(["\u00e9" * 30] * 3) + "\u2026")')"

# ---- a typo'd command: did you mean; a usage error: that command's usage only ----
expect_exit 2 "$PACK" crate -k "$KEY" -o out.quire d
expect_stderr_is "quire-pack: unknown command 'crate': did you mean 'create'?
usage: quire-pack create -k KEY -o OUT.quire [-m BUNDLE.json] [-s SOURCES.json]
                         [-t COMMENT] [-l LEVEL] [-j THREADS] [--passphrase-file FILE]
                         [--force] [--supersedes OLD.quire] [--keep-records]
                         [-L | --skip-links] [--exclude PATTERN]... [-a ARCHIVE]...
                         [INPUT...]"
expect_exit 2 "$PACK" kegen -o k
expect_stderr_is "quire-pack: unknown command 'kegen': did you mean 'keygen'?
usage: quire-pack keygen [-Wq] [--passphrase-file FILE] -o NAME"
expect_exit 2 "$PACK" key -o k
expect_stderr_is "quire-pack: unknown command 'key': did you mean 'keygen'?
usage: quire-pack keygen [-Wq] [--passphrase-file FILE] -o NAME"
expect_exit 2 "$PACK" keygen --frob -o k
expect_stderr_is "quire-pack: keygen: unknown option --frob
usage: quire-pack keygen [-Wq] [--passphrase-file FILE] -o NAME"
expect_exit 2 "$PACK" create -o out.quire d
expect_stderr_first_line_starts "quire-pack: create: -k KEY is required"
grep -q '^usage: quire-pack create ' "$ERR" && ! grep -q keygen "$ERR" && ok ||
    fail "create's usage error shows more than create's usage"
expect_exit 2 "$PACK" frobnicate
expect_stderr_lines 17 # the message, the six synopses (1 + 5 + 2 + 2 + 2 + 3 lines), --help
expect_absent out.quire
expect_absent k.key

done_ok
