#!/bin/sh
# SPDX-License-Identifier: ISC
# Archives as packer input (-a): tar in several compressions, zip and 7z-less formats that
# libarchive reads; every hostile entry refused with the archive and entry named and nothing
# written: traversal names, absolute names, duplicates (also "./a" against "a"), symlinks
# (unless -L or --skip-links: tests/cli/inputs.sh), devices, names that are not UTF-8. A hard
# link is packed as its content (inputs.sh).
set -eu
. "$(dirname "$0")/lib.sh"
cd "$T"

mkdir -p tree/sub
printf 'one\n' >tree/a.txt
printf 'two\n' >tree/sub/b.txt
tar -cf plain.tar -C tree .
tar -czf gz.tgz -C tree .
tar -cJf xz.txz -C tree .
(cd tree && zip -qr ../z.zip .)
for a in plain.tar gz.tgz xz.txz z.zip; do
    expect_exit 0 "$PACK" create -q -k "$KEY" -o "$a.quire" -a "$a"
    expect_exit 0 "$READ" list -p "$PUB" "$a.quire"
    expect_stdout_is "a.txt
sub/b.txt"
done
# An archive and a directory together; a name in both is refused; the temporary unpacking
# directory is gone afterwards either way.
mkdir other
printf 'three\n' >other/c.txt
expect_exit 0 env TMPDIR="$T" "$PACK" create -q -k "$KEY" -o mixed.quire -a z.zip other
expect_exit 0 "$READ" list -p "$PUB" mixed.quire
expect_stdout_is "a.txt
other/c.txt
sub/b.txt"
expect_exit 2 env TMPDIR="$T" "$PACK" create -q -k "$KEY" -o clash.quire -a z.zip tree/sub
expect_stderr_contains "both would be stored as 'sub/b.txt'"
expect_absent clash.quire
expect_true "no quire-pack.* directory is left in TMPDIR" sh -c '! ls -d "$0"/quire-pack.* 2>/dev/null' "$T"

python3 - <<'PY'
import io, tarfile
def tar(name, members):
    with tarfile.open(name, "w") as t:
        for m in members:
            info = tarfile.TarInfo(m["name"])
            info.type = m.get("type", tarfile.REGTYPE)
            info.linkname = m.get("link", "")
            data = m.get("data", b"x")
            info.size = len(data) if info.type == tarfile.REGTYPE else 0
            t.addfile(info, io.BytesIO(data) if info.type == tarfile.REGTYPE else None)
tar("traversal.tar", [{"name": "ok.txt"}, {"name": "../evil.txt"}])
tar("deep.tar", [{"name": "a/../../evil.txt"}])
tar("absolute.tar", [{"name": "/tmp/evil.txt"}])
tar("dup.tar", [{"name": "a.txt"}, {"name": "./a.txt"}])
tar("filedir.tar", [{"name": "a"}, {"name": "a/b"}])
tar("symlink.tar", [{"name": "l", "type": tarfile.SYMTYPE, "link": "/etc/passwd"}])
tar("hardlink.tar", [{"name": "f"}, {"name": "h", "type": tarfile.LNKTYPE, "link": "f"}])
tar("device.tar", [{"name": "dev", "type": tarfile.CHRTYPE}])
tar("backslash.tar", [{"name": "a\\b.txt"}])
with tarfile.open("latin1.tar", "w", format=tarfile.GNU_FORMAT, encoding="latin-1") as t:
    info = tarfile.TarInfo("caf\xe9.txt"); info.size = 1
    t.addfile(info, io.BytesIO(b"x"))
PY
refuse()
{
    archive=$1
    shift
    expect_exit 2 "$PACK" create -q -k "$KEY" -o out.quire -a "$archive"
    for text in "$@"; do
        expect_stderr_contains "$text"
    done
    expect_absent out.quire
    expect_true "$archive: no evil.txt written" sh -c '! find "$0/.." /tmp -maxdepth 4 -name evil.txt 2>/dev/null | grep -q .' "$T"
}
refuse traversal.tar "traversal.tar: entry ../evil.txt: refused" "(SPEC 4.2)"
refuse deep.tar "entry a/../../evil.txt: refused"
refuse absolute.tar "absolute.tar: entry /tmp/evil.txt: refused" "absolute path"
refuse dup.tar "dup.tar: entry a.txt: refused: duplicate entry"
refuse filedir.tar "filedir.tar: entry a/b"
refuse symlink.tar "symlink.tar: 1 symbolic link (entry l -> /etc/passwd); use -L"
refuse device.tar "device.tar: entry dev: refused: a device"
refuse backslash.tar "backslash.tar: entry a\\b.txt: refused: backslash in path"
expect_exit 2 "$PACK" create -q -k "$KEY" -o out.quire -a latin1.tar
expect_stderr_contains "latin1.tar: entry"
expect_absent out.quire
printf 'not an archive at all' >junk.tar
refuse junk.tar "junk.tar: not a readable archive"
expect_exit 2 "$PACK" create -q -k "$KEY" -o out.quire -a missing.tar
expect_absent out.quire

# A zip whose local header and central directory disagree on a name (same length, so both
# stay well-formed). libarchive reads each entry's local header, so quire checks and stores
# the local name; a traversal name there is refused. A traversal name only in the central
# directory (what unzip -l shows) cannot reach the bundle: the entry is stored under its
# local name with its data, as a streaming reader sees it (SECURITY.md).
python3 - <<'PY'
import zipfile
for name, where in (("local-evil.zip", b"PK\x03\x04"), ("central-evil.zip", b"PK\x01\x02")):
    with zipfile.ZipFile(name, "w") as z:
        z.writestr("good.txt", b"safe content\n")
    d = bytearray(open(name, "rb").read())
    n = d.index(b"good.txt", d.index(where))
    d[n:n + 8] = b"../e.txt"
    open(name, "wb").write(bytes(d))
PY
refuse local-evil.zip "local-evil.zip: entry ../e.txt: refused" "(SPEC 4.2)"
expect_exit 0 "$PACK" create -q -k "$KEY" -o central.quire -a central-evil.zip
expect_exit 0 "$READ" list -p "$PUB" central.quire
expect_stdout_is "good.txt"
expect_exit 0 "$READ" show -p "$PUB" central.quire good.txt
expect_stdout_is "safe content"
expect_true "central-evil.zip: an e.txt was written" sh -c '[ ! -e "$0/../e.txt" ] && ! find "$0" -name e.txt | grep -q .' "$T"

# ---- every long option of --help is in the manual page and both shell completions ----
for prog in pack read; do
    bin=$PACK; [ $prog = read ] && bin=$READ
    expect_exit 0 "$bin" --help
    expect_true "quire-$prog: every --help option is documented and completed" python3 -c '
import re, sys
help_text, man, bash, zsh = (open(f).read() for f in sys.argv[1:5])
help_text = help_text.split("\nexample")[0]  # the examples name other programs options (curl)
opts = sorted(set(re.findall(r"--[a-z][a-z-]*[a-z]", help_text)) - {"--help", "--version"})
assert opts, "no options found in --help"
man = man.replace("\\-", "-")
missing = [(o, w) for o in opts for w, text in (("man page", man), ("bash", bash), ("zsh", zsh))
           if not re.search(re.escape(o) + r"(?![a-z-])", text)]
assert not missing, missing
' "$OUT" "$SRC/man/quire-$prog.1" "$SRC/completions/quire.bash" "$SRC/completions/_quire"
done

done_ok
