#!/bin/sh
# SPDX-License-Identifier: ISC
# inputs.sh: real collections go in as they are (issue 14, "Inputs"):
#   - symbolic links: refused with all of an input's links counted and the options named;
#     -L stores what they point to, --skip-links leaves them out with one summary line; a link
#     that leads nowhere or loops is refused by name; in an archive, -L follows a link only to
#     another member of it
#   - hard links, in a directory and in archives (GNU tar, cpio with the data on the last
#     link): the content under each name, the same SHA-256 for each; the bundle is the same as
#     the one packed from `tar --hard-dereference` (and -L from `tar -h`)
#   - --exclude PATTERN: components, paths, directories only, archives, nothing read beneath
#   - -L keeps the identity check between the walk and the open (needs QUIRE_SWAP_SHIM)
# Material nobody here wrote: Debian's python3.11-doc HTML, whose _static/jquery.js and
# _static/underscore.js link into /usr/share/javascript.
set -eu
. "$(dirname "$0")/lib.sh"
cd "$T"

# pack OUT ARGS...: quire-pack create -q with the test key.
pack()
{
    out=$1
    shift
    "$PACK" create -q -k "$KEY" -o "$out" "$@"
}

# expect_stderr_is TEXT: stderr is exactly TEXT plus a newline.
expect_stderr_is()
{
    printf '%s\n' "$1" >"$T/expected-err"
    cmp -s "$T/expected-err" "$ERR" || fail "stderr is '$(head -c 400 "$ERR")', expected '$1'"
    ok
}

# sums BUNDLE: "SHA256 PATH" for each document, from the verified index (list --json).
sums()
{
    "$READ" list --json -p "$PUB" "$1" |
        python3 -c 'import json, sys; [print(e["sha256"], e["path"]) for e in json.load(sys.stdin)]'
}

# ---- Debian's Python documentation ------------------------------------------------------------
DOC=/usr/share/doc/python3.11/html
if [ -L "$DOC/_static/jquery.js" ]; then
    ln -s "$DOC" html
    jq_target=$(readlink "$DOC/_static/jquery.js")
    expect_exit 2 pack py.quire html
    expect_stderr_is "quire-pack: html: 2 symbolic links (first: html/_static/jquery.js -> $jq_target); use -L to store what they point to or --skip-links to leave them out"
    expect_absent py.quire
    # -L: every file, the links' targets stored under the links' names.
    expect_exit 0 pack py.quire -L html
    expect_stderr_empty
    expect_exit 0 "$READ" list -p "$PUB" py.quire
    (cd "$DOC/.." && find html -follow -type f | LC_ALL=C sort) >all-files
    expect_stdout_file all-files
    expect_exit 0 "$READ" show -p "$PUB" py.quire html/_static/underscore.js
    expect_stdout_file "$DOC/_static/underscore.js"
    # --skip-links on a subdirectory: the links are left out, and counted.
    expect_exit 0 pack static.quire --skip-links html/_static
    expect_stderr_is "quire-pack: skipped 2 symbolic links"
    expect_exit 0 "$READ" list -p "$PUB" static.quire
    (cd "$DOC" && find _static -type f | LC_ALL=C sort) >static-files
    expect_stdout_file static-files
    # --exclude on the real tree: every .html page and the _sources directory.
    expect_exit 0 pack ex.quire -L --exclude '*.html' --exclude _sources html
    expect_exit 0 "$READ" list -p "$PUB" ex.quire
    grep -v -e '\.html$' -e '^html/_sources/' all-files >ex-files
    expect_stdout_file ex-files
else
    echo "inputs: $DOC/_static/jquery.js is not a link: python3.11-doc is missing (scripts/install-deps.sh)" >&2
fi

# ---- symbolic links in a directory ----------------------------------------------------------
mkdir -p outside tree/docs tree/sub
printf 'outside\n' >outside/o.txt
printf 'readme\n' >tree/README
printf 'a\n' >tree/docs/a.txt
printf 'b\n' >tree/sub/b.txt
ln -s ../README tree/docs/readme-link
ln -s ../sub tree/docs/sublink
ln -s "$T/outside/o.txt" tree/abs-link
expect_exit 2 pack t.quire tree/
expect_stderr_is "quire-pack: tree/: 3 symbolic links (first: tree/abs-link -> $T/outside/o.txt); use -L to store what they point to or --skip-links to leave them out"
expect_exit 2 pack t.quire tree/docs
expect_stderr_is "quire-pack: tree/docs: 2 symbolic links (first: tree/docs/readme-link -> ../README); use -L to store what they point to or --skip-links to leave them out"
rm tree/docs/sublink
expect_exit 2 pack t.quire tree/docs
expect_stderr_is "quire-pack: tree/docs: 1 symbolic link (tree/docs/readme-link -> ../README); use -L to store what it points to or --skip-links to leave it out"
ln -s ../sub tree/docs/sublink
expect_absent t.quire
# -L: a link to a file, to a directory (walked) and to a file outside the input (followed, as
# tar -h does).
expect_exit 0 pack t.quire -L tree
expect_stderr_empty
expect_exit 0 "$READ" list -p "$PUB" t.quire
expect_stdout_is "tree/README
tree/abs-link
tree/docs/a.txt
tree/docs/readme-link
tree/docs/sublink/b.txt
tree/sub/b.txt"
expect_exit 0 "$READ" show -p "$PUB" t.quire tree/abs-link
expect_stdout_is "outside"
expect_exit 0 "$READ" show -p "$PUB" t.quire tree/docs/readme-link
expect_stdout_is "readme"
# A link to a directory on another file system (tmpfs /dev/shm, where it is one) is followed.
if [ -d /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d "$T")" ]; then
    shm=$(mktemp -d /dev/shm/quire-inputs.XXXXXX)
    printf 'elsewhere\n' >"$shm/e.txt"
    ln -s "$shm" tree/shm
    expect_exit 0 pack shm.quire -L tree/
    rm -rf "$shm" tree/shm
    expect_exit 0 "$READ" show -p "$PUB" shm.quire tree/shm/e.txt
    expect_stdout_is "elsewhere"
fi
expect_exit 0 pack t.quire --skip-links tree
expect_stderr_is "quire-pack: skipped 3 symbolic links"
expect_exit 0 "$READ" list -p "$PUB" t.quire
expect_stdout_is "tree/README
tree/docs/a.txt
tree/sub/b.txt"
expect_exit 0 pack one.quire --skip-links tree/docs
expect_stderr_is "quire-pack: skipped 2 symbolic links"
rm tree/docs/sublink
expect_exit 0 pack one.quire --skip-links tree/docs
expect_stderr_is "quire-pack: skipped 1 symbolic link"
# With -L, a link that leads nowhere, a link back to a directory it is in and two links that
# lead to each other are refused by name, and no bundle is written.
rm -f t.quire
ln -s nowhere tree/dangling
expect_exit 2 pack t.quire -L tree
expect_stderr_is "quire-pack: tree/dangling -> nowhere: refused: it leads nowhere: No such file or directory"
rm tree/dangling
ln -s .. tree/sub/up
expect_exit 2 pack t.quire -L tree
expect_stderr_is "quire-pack: tree/sub/up -> ..: refused: a loop: it leads back to a directory it is in"
rm tree/sub/up
ln -s ping tree/pong
ln -s pong tree/ping
expect_exit 2 pack t.quire -L tree
expect_stderr_contains "quire-pack: tree/p"
expect_stderr_contains "refused: a loop of symbolic links"
expect_stderr_lines 1
expect_absent t.quire
rm tree/ping tree/pong
# -L and --skip-links together are a usage error.
expect_exit 2 pack t.quire -L --skip-links tree
expect_stderr_first_line_starts "quire-pack: create: -L and --skip-links cannot be used together"
expect_usage_on_stderr quire-pack

# ---- hard links in a directory -----------------------------------------------------------------
mkdir hl
printf 'shared content\n' >hl/one.txt
ln hl/one.txt hl/two.txt
mkdir hl/sub
ln hl/one.txt hl/sub/three.txt
expect_exit 0 pack hl.quire hl
expect_stderr_empty
expect_exit 0 sums hl.quire
sum=$(sha256sum <hl/one.txt | cut -d' ' -f1)
expect_stdout_is "$sum hl/one.txt
$sum hl/sub/three.txt
$sum hl/two.txt"

# ---- hard links and symbolic links in archives --------------------------------------------------
mkdir -p zi/zone/Europe zi/zone/US
printf 'TZif berlin\n' >zi/zone/Europe/Berlin
printf 'TZif paris\n' >zi/zone/Europe/Paris
ln zi/zone/Europe/Berlin zi/zone/Europe/Busingen
ln zi/zone/Europe/Berlin zi/zone/US/Other
chmod 755 zi/zone/Europe/Paris
tar -cf hard.tar -C zi zone
tar --hard-dereference -cf deref.tar -C zi zone
expect_true "GNU tar wrote 2 hard links" test "$(tar -tvf hard.tar | grep -c '^h')" -eq 2
expect_exit 0 pack hard.quire -a hard.tar
expect_stderr_empty
expect_exit 0 sums hard.quire
berlin=$(sha256sum <zi/zone/Europe/Berlin | cut -d' ' -f1)
paris=$(sha256sum <zi/zone/Europe/Paris | cut -d' ' -f1)
expect_stdout_is "$berlin zone/Europe/Berlin
$berlin zone/Europe/Busingen
$paris zone/Europe/Paris
$berlin zone/US/Other"
expect_exit 0 pack deref.quire -a deref.tar
expect_same hard.quire deref.quire
# gzip, and the hard link taken from the same archive only.
tar -czf hard.tgz -C zi zone
expect_exit 0 pack hardgz.quire -a hard.tgz
expect_same hard.quire hardgz.quire
# As many hard links as dateutil's zoneinfo tarball has (245, on 8 files), gzip-compressed.
mkdir -p many/zone
for f in 1 2 3 4 5 6 7 8; do
    printf 'TZif zone %s\n' "$f" >"many/zone/Z$f"
    for k in $(seq 1 31); do
        [ $((f * 31 + k - 31)) -le 245 ] && ln "many/zone/Z$f" "many/zone/Z$f-L$k"
    done
done
tar -czf many.tar.gz -C many zone
expect_true "GNU tar wrote 245 hard links" test "$(tar -tvzf many.tar.gz | grep -c '^h')" -eq 245
expect_exit 0 pack many.quire -a many.tar.gz
expect_stderr_empty
expect_exit 0 sums many.quire
(cd many && for f in zone/*; do printf '%s %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" "$f"; done |
    LC_ALL=C sort -k2) >many-sums
expect_stdout_file many-sums
expect_true "253 documents" test "$(wc -l <many-sums)" -eq 253
# A hard link to a member that --exclude leaves out, or that is not in the archive.
expect_exit 2 pack x.quire --exclude Berlin -a hard.tar
expect_stderr_is "quire-pack: hard.tar: entry zone/Europe/Busingen: refused: a hard link to zone/Europe/Berlin, which --exclude leaves out"
expect_exit 0 pack x.quire --exclude Berlin --exclude Busingen --exclude US -a hard.tar
expect_exit 0 "$READ" list -p "$PUB" x.quire
expect_stdout_is "zone/Europe/Paris"
python3 - <<'PY'
import io, tarfile
def tar(name, members):
    with tarfile.open(name, "w") as t:
        for m in members:
            info = tarfile.TarInfo(m["name"])
            info.type = m.get("type", tarfile.REGTYPE)
            info.linkname = m.get("link", "")
            data = m.get("data", b"x\n")
            info.size = len(data) if info.type == tarfile.REGTYPE else 0
            t.addfile(info, io.BytesIO(data) if info.type == tarfile.REGTYPE else None)
L, H = tarfile.SYMTYPE, tarfile.LNKTYPE
tar("hard-missing.tar", [{"name": "h", "type": H, "link": "f"}, {"name": "f"}])
tar("hard-evil.tar", [{"name": "h", "type": H, "link": "../../etc/passwd"}])
# A link before its target, a link to another link, one up and down again.
tar("links.tar", [{"name": "early", "type": L, "link": "d/file.txt"},
                  {"name": "d/file.txt", "data": b"file\n"},
                  {"name": "via", "type": L, "link": "early"},
                  {"name": "e/up", "type": L, "link": "../d/./file.txt"}])
tar("l-dir.tar", [{"name": "d/file.txt"}, {"name": "dirlink", "type": L, "link": "d"},
                  {"name": "via", "type": L, "link": "dirlink/file.txt"}])
tar("l-abs.tar", [{"name": "a"}, {"name": "l", "type": L, "link": "/etc/passwd"}])
tar("l-up.tar", [{"name": "a"}, {"name": "d/l", "type": L, "link": "../../a"}])
tar("l-dangling.tar", [{"name": "a"}, {"name": "l", "type": L, "link": "b"}])
tar("l-loop.tar", [{"name": "a"}, {"name": "l", "type": L, "link": "m"}, {"name": "m", "type": L, "link": "l"}])
tar("l-dup.tar", [{"name": "a"}, {"name": "l", "type": L, "link": "a"}, {"name": "l"}])
# cpio newc as GNU cpio writes it: a file's data with its last link, none with the others.
def ent(name, ino, mode, nlink, data):
    n = name.encode() + b"\0"
    h = b"070701" + b"".join(b"%08X" % v for v in
                             (ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(n), 0))
    out = h + n
    out += b"\0" * (-len(out) % 4)
    return out + data + b"\0" * (-len(data) % 4)
body = (ent("a", 1, 0o100644, 3, b"") + ent("b", 1, 0o100644, 3, b"") +
        ent("c", 1, 0o100644, 3, b"shared data\n") + ent("d", 2, 0o100644, 1, b"alone\n") +
        ent("TRAILER!!!", 0, 0, 1, b""))
open("links.cpio", "wb").write(body + b"\0" * (-len(body) % 512))
PY
expect_exit 2 pack x.quire -a hard-missing.tar
expect_stderr_is "quire-pack: hard-missing.tar: entry h: refused: a hard link to f, which is not an earlier file in the archive"
expect_exit 2 pack x.quire -a hard-evil.tar
expect_stderr_first_line_starts "quire-pack: hard-evil.tar: entry h: refused: a hard link to '../../etc/passwd': "
expect_exit 0 pack cpio.quire -a links.cpio
expect_exit 0 sums cpio.quire
shared=$(printf 'shared data\n' | sha256sum | cut -d' ' -f1)
alone=$(printf 'alone\n' | sha256sum | cut -d' ' -f1)
expect_stdout_is "$shared a
$shared b
$shared c
$alone d"
# Symbolic links in an archive: counted, skipped, or followed to another member.
expect_exit 2 pack x.quire -a links.tar
expect_stderr_is "quire-pack: links.tar: 3 symbolic links (first: entry e/up -> ../d/./file.txt); use -L to store what they point to or --skip-links to leave them out"
expect_exit 0 pack x.quire --skip-links -a links.tar
expect_stderr_is "quire-pack: skipped 3 symbolic links"
expect_exit 0 "$READ" list -p "$PUB" x.quire
expect_stdout_is "d/file.txt"
expect_exit 0 pack x.quire -L -a links.tar
expect_stderr_empty
expect_exit 0 sums x.quire
file=$(printf 'file\n' | sha256sum | cut -d' ' -f1)
expect_stdout_is "$file d/file.txt
$file e/up
$file early
$file via"
# A link to a directory in an archive is refused (the directory would have to be copied under
# the link's name); left out, a link through it leads nowhere.
rm x.quire
expect_exit 2 pack x.quire -L -a l-dir.tar
expect_stderr_is "quire-pack: l-dir.tar: entry dirlink -> d: refused: it leads to a directory (d/); -L follows links to files in an archive"
expect_exit 2 pack x.quire -L --exclude dirlink -a l-dir.tar
expect_stderr_is "quire-pack: l-dir.tar: entry via -> dirlink/file.txt: refused: it leads to dirlink/file.txt, which --exclude leaves out"
expect_absent x.quire
# -L on an archive of links gives the bundle of the archive made with tar -h.
mkdir -p sl/d
printf 'target\n' >sl/d/t.txt
ln -s d/t.txt sl/l.txt
ln -s ../l.txt sl/d/l2.txt
tar -cf sym.tar -C sl .
tar -h -cf deref-sym.tar -C sl .
expect_exit 0 pack sym.quire -L -a sym.tar
expect_exit 0 pack deref-sym.quire -a deref-sym.tar
expect_same sym.quire deref-sym.quire
expect_exit 2 pack x.quire -L -a l-abs.tar
expect_stderr_is "quire-pack: l-abs.tar: entry l -> /etc/passwd: refused: it points outside the archive"
expect_exit 2 pack x.quire -L -a l-up.tar
expect_stderr_is "quire-pack: l-up.tar: entry d/l -> ../../a: refused: it points outside the archive"
expect_exit 2 pack x.quire -L -a l-dangling.tar
expect_stderr_is "quire-pack: l-dangling.tar: entry l -> b: refused: it leads to b, which is not in the archive"
expect_exit 2 pack x.quire -L -a l-loop.tar
expect_stderr_is "quire-pack: l-loop.tar: entry l -> m: refused: a loop of symbolic links"
expect_exit 2 pack x.quire -L -a l-dup.tar
expect_stderr_is "quire-pack: l-dup.tar: entry l -> a: refused: duplicate entry, or a file and a directory of the same name"
expect_exit 0 pack x.quire -L --exclude l -a l-dangling.tar
expect_stderr_empty
expect_exit 0 "$READ" list -p "$PUB" x.quire
expect_stdout_is "a"
rm x.quire
expect_exit 2 pack x.quire -L --exclude a -a l-up.tar
expect_stderr_is "quire-pack: l-up.tar: entry d/l -> ../../a: refused: it points outside the archive"
expect_exit 2 pack x.quire -L --exclude /a -a l-abs.tar
expect_stderr_is "quire-pack: l-abs.tar: entry l -> /etc/passwd: refused: it points outside the archive"
printf 'a\n' >a
tar -cf l-to-excluded.tar a
python3 -c '
import tarfile
with tarfile.open("l-to-excluded.tar", "a") as t:
    i = tarfile.TarInfo("l"); i.type = tarfile.SYMTYPE; i.linkname = "a"; t.addfile(i)'
expect_exit 2 pack x.quire -L --exclude a -a l-to-excluded.tar
expect_stderr_is "quire-pack: l-to-excluded.tar: entry l -> a: refused: it leads to a, which --exclude leaves out"

# ---- --exclude ----------------------------------------------------------------------------------
mkdir -p ex/src/build ex/build ex/doc ex/keep.o.d
printf 'x\n' >ex/src/main.c
printf 'x\n' >ex/src/main.o
printf 'x\n' >ex/src/build/gen.c
printf 'x\n' >ex/build/out.bin
printf 'x\n' >ex/doc/index.html
printf 'x\n' >ex/doc/build
printf 'x\n' >ex/keep.o.d/f
mkfifo ex/build/fifo
ln -s /nowhere ex/build/dangling
# A component pattern: every "build" (file or directory) and every "*.o"; nothing beneath an
# excluded directory is read, so its fifo and link are neither refused nor counted.
expect_exit 0 pack ex.quire --exclude build --exclude '*.o' ex
expect_stderr_empty
expect_exit 0 "$READ" list -p "$PUB" ex.quire
expect_stdout_is "ex/doc/index.html
ex/keep.o.d/f
ex/src/main.c"
# A pattern ending in '/' matches directories only; one with '/' matches the path (a leading
# '/' ignored, '*' not crossing '/').
expect_exit 0 pack ex.quire --exclude 'build/' --exclude '/ex/src/*.o' --exclude 'ex/*.d' ex
expect_exit 0 "$READ" list -p "$PUB" ex.quire
expect_stdout_is "ex/doc/build
ex/doc/index.html
ex/src/main.c"
expect_exit 0 pack ex.quire --exclude 'ex/*' ex/src/main.c ex
expect_stderr_empty
expect_exit 0 "$READ" list -p "$PUB" ex.quire
expect_stdout_is "main.c"
expect_exit 2 pack ex2.quire --exclude 'ex' ex
expect_stderr_is "quire-pack: no files found in the inputs"
expect_exit 2 pack ex2.quire --exclude / ex
expect_stderr_first_line_starts "quire-pack: create: --exclude: the pattern '/' names no file"
expect_exit 2 pack ex2.quire --exclude
expect_stderr_first_line_starts "quire-pack: create: option --exclude needs an argument"
expect_absent ex2.quire
# In archives, on member names (a match on a leading directory leaves out all beneath it).
tar -cf ex.tar -C ex src doc
expect_exit 0 pack ex.quire --exclude src/build --exclude '*.html' -a ex.tar
expect_exit 0 "$READ" list -p "$PUB" ex.quire
expect_stdout_is "doc/build
src/main.c
src/main.o"

# ---- -L keeps the identity check between the walk and the open ---------------------------------
SHIM=${QUIRE_SWAP_SHIM:-}
if [ -n "$SHIM" ]; then
    setup()
    {
        rm -rf swap moved other swap.quire
        mkdir -p swap/z other
        printf 'walked\n' >swap/z/secret.txt
        printf 'other\n' >other/secret.txt
        printf 'other file\n' >other/new.txt
        ln -s z/secret.txt swap/link.txt
    }
    for no2 in "" 1; do
        # The file the link points to is replaced by another file.
        setup
        expect_exit 2 env LD_PRELOAD="$SHIM" QUIRE_SWAP_NO_OPENAT2=$no2 \
            ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
            QUIRE_SWAP_FROM=other/new.txt QUIRE_SWAP_TO=swap/z/secret.txt \
            "$PACK" create -q -k "$KEY" -o swap.quire -L swap
        expect_stderr_is "quire-pack: swap/link.txt: changed while packing: it is no longer the file that was found"
        expect_absent swap.quire
        # The directory is swapped for a link to another with the same names.
        setup
        expect_exit 2 env LD_PRELOAD="$SHIM" QUIRE_SWAP_NO_OPENAT2=$no2 \
            ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
            QUIRE_SWAP_FROM=swap/z QUIRE_SWAP_TO=moved QUIRE_SWAP_LINK=swap/z \
            QUIRE_SWAP_TARGET="$T/other" "$PACK" create -q -k "$KEY" -o swap.quire -L swap
        expect_stderr_is "quire-pack: swap/link.txt: changed while packing: it is no longer the file that was found"
        expect_absent swap.quire
    done
else
    echo "inputs: QUIRE_SWAP_SHIM not set, the swap tests did not run (ctest sets it)" >&2
fi

done_ok
