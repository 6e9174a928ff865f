#!/bin/sh
# SPDX-License-Identifier: ISC
# pack_audit.sh: the packer's findings of issue 11, each with the outcome that the code before
# the fix got wrong.
#   7  an input directory swapped for a symlink (or a file for another file) between the walk
#      and the open: refused as "changed while packing", exit 2, no bundle; with openat2 and
#      with the fallback that opens one component at a time (needs QUIRE_SWAP_SHIM, swapdir.c)
#   8  sparse tar members (GNU and pax formats): packed at their full size with holes as zeros;
#      members whose data overlaps, goes backwards or runs past the declared size are refused
#   2  hostile names (ESC, raw 0x9B, U+202E, invalid UTF-8) in archives and directories reach
#      stderr escaped, never raw
#   11 o.archives freed on every early return (a leak only the sanitizer build sees)
#   12 -o FILE that is not a quire bundle is refused before anything else, unless --force
#   10 SIGINT/SIGTERM/SIGHUP while unpacking -a archives or packing: no quire-pack.* directory
#      and no temporary bundle left, and the process ends with the signal
set -eu
. "$(dirname "$0")/lib.sh"
cd "$T"

# ---- 7: inputs change between the walk and the open ------------------------------------------
SHIM=${QUIRE_SWAP_SHIM:-}
if [ -n "$SHIM" ]; then
    # shimmed ENV...: quire-pack create with the swap shim preloaded and the given variables.
    shimmed()
    {
        expect_exit 2 env LD_PRELOAD="$SHIM" \
            ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" "$@" \
            "$PACK" create -q -k "$KEY" -o swap.quire tree
        expect_absent swap.quire
        expect_stderr_lines 1
    }
    setup()
    {
        rm -rf tree outside decoy moved
        mkdir -p tree/z outside decoy/z
        printf 'walked\n' >tree/a.txt
        printf 'walked secret\n' >tree/z/secret.txt
        printf 'OUTSIDE\n' >outside/secret.txt
        printf 'other file\n' >outside/new.txt
        printf 'decoy\n' >decoy/a.txt
        printf 'decoy secret\n' >decoy/z/secret.txt
    }
    for no2 in "" 1; do
        how="${no2:+ (fallback without openat2)}"
        # tree/z becomes a symlink to a directory outside the input.
        setup
        shimmed QUIRE_SWAP_NO_OPENAT2=$no2 QUIRE_SWAP_FROM=tree/z QUIRE_SWAP_TO=moved \
            QUIRE_SWAP_LINK=tree/z QUIRE_SWAP_TARGET="$T/outside"
        expect_stderr_first_line_starts "quire-pack: tree/z/secret.txt: changed while packing: "
        # The file itself becomes a symlink.
        setup
        shimmed QUIRE_SWAP_NO_OPENAT2=$no2 QUIRE_SWAP_FROM=tree/z/secret.txt QUIRE_SWAP_TO=moved \
            QUIRE_SWAP_LINK=tree/z/secret.txt QUIRE_SWAP_TARGET="$T/outside/secret.txt"
        expect_stderr_first_line_starts "quire-pack: tree/z/secret.txt: changed while packing: "
        # The file is replaced by another regular file (same name, new inode).
        setup
        shimmed QUIRE_SWAP_NO_OPENAT2=$no2 QUIRE_SWAP_FROM=outside/new.txt \
            QUIRE_SWAP_TO=tree/z/secret.txt
        expect_stdout_empty
        expect_stderr_contains "quire-pack: tree/z/secret.txt: changed while packing: it is no longer the file that was found"
        # The root itself is swapped for a symlink to a copy with the same names.
        setup
        shimmed QUIRE_SWAP_NO_OPENAT2=$no2 QUIRE_SWAP_FROM=tree QUIRE_SWAP_TO=moved \
            QUIRE_SWAP_LINK=tree QUIRE_SWAP_TARGET="$T/decoy"
        expect_stderr_contains "quire-pack: tree: changed while packing: it is no longer the directory that was read"
        rm -rf moved
        # Nothing swapped: the shim alone changes nothing.
        setup
        expect_exit 0 env LD_PRELOAD="$SHIM" QUIRE_SWAP_NO_OPENAT2=$no2 \
            ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
            "$PACK" create -q -k "$KEY" -o swap.quire tree
        expect_exit 0 "$READ" show -p "$PUB" swap.quire tree/z/secret.txt
        expect_stdout_is "walked secret"
        rm -f swap.quire
    done
else
    echo "pack_audit: QUIRE_SWAP_SHIM not set, the swap tests did not run (ctest sets it)" >&2
fi
# A symlink given as INPUT is followed (as the walk does), to a directory and to a file.
setup_links()
{
    mkdir -p real
    printf 'real\n' >real/r.txt
    ln -s real dirlink
    ln -s real/r.txt filelink.txt
}
setup_links
expect_exit 0 "$PACK" create -q -k "$KEY" -o links.quire dirlink filelink.txt
expect_exit 0 "$READ" list -p "$PUB" links.quire
expect_stdout_is "dirlink/r.txt
filelink.txt"

# ---- 8: sparse archive members ----------------------------------------------------------------
mkdir sp
truncate -s 8M sp/allhole.bin
printf 'head' >sp/endhole.bin
truncate -s 8M sp/endhole.bin
printf 'A' >sp/middle.bin
truncate -s 8M sp/middle.bin
printf 'Z' >>sp/middle.bin
head -c 5000 /dev/urandom >sp/dense.bin
for fmt in gnu posix; do
    tar --sparse --format=$fmt -cf sparse-$fmt.tar -C sp .
    expect_true "$fmt tar is not sparse (larger than 100 KiB)" \
        test "$(stat -c %s sparse-$fmt.tar)" -lt 102400
    expect_exit 0 "$PACK" create -q -k "$KEY" -o sparse-$fmt.quire -a sparse-$fmt.tar
    rm -rf x
    expect_exit 0 "$READ" extract -q -p "$PUB" -C x sparse-$fmt.quire
    for f in allhole.bin endhole.bin middle.bin dense.bin; do
        expect_true "$fmt: $f extracted with the original's size and sha256" \
            test "$(sha256sum <x/$f)" = "$(sha256sum <sp/$f)"
    done
done
python3 - <<'PY'
import io, tarfile
def pax(name, hdrs, data):
    with tarfile.open(name, "w", format=tarfile.PAX_FORMAT) as t:
        info = tarfile.TarInfo("f.bin"); info.size = len(data); info.pax_headers = hdrs
        t.addfile(info, io.BytesIO(data))
# pax sparse 0.1 maps whose data disagree with the declared (real) size
pax("longer.tar", {"GNU.sparse.map": "0,100", "GNU.sparse.realsize": "10"}, b"x" * 100)
pax("backwards.tar", {"GNU.sparse.map": "50,50,0,50", "GNU.sparse.realsize": "200"}, b"x" * 100)
pax("overlap.tar", {"GNU.sparse.map": "0,50,10,50", "GNU.sparse.realsize": "200"}, b"x" * 100)
pax("huge.tar", {"GNU.sparse.map": "0,1", "GNU.sparse.realsize": str(2**50 + 1)}, b"x")
PY
expect_exit 2 "$PACK" create -q -k "$KEY" -o bad.quire -a huge.tar
expect_stderr_contains "quire-pack: huge.tar: entry f.bin: refused: declared size 1125899906842625 is more than a bundle can hold"
expect_absent bad.quire
expect_exit 2 "$PACK" create -q -k "$KEY" -o bad.quire -a longer.tar
expect_stderr_contains "quire-pack: longer.tar: entry f.bin: refused: its data runs past its declared size of 10 bytes"
expect_absent bad.quire
for t in backwards overlap; do
    expect_exit 2 "$PACK" create -q -k "$KEY" -o bad.quire -a $t.tar
    expect_stderr_contains "quire-pack: $t.tar: entry f.bin: refused: its data blocks overlap or go backwards"
    expect_absent bad.quire
done

# ---- 2: hostile names are escaped in every message ---------------------------------------------
python3 - <<'PY'
import io, tarfile
names = {"esc": "a\x1b[31mred.txt", "csi": "b\udc9bc.txt", "rlo": "invoice\u202efdp.exe",
         "bad": "d\udcff\udcfe.txt"}
for tag, name in names.items():
    for kind in ("link", "file"):
        with tarfile.open(f"{tag}-{kind}.tar", "w", format=tarfile.GNU_FORMAT,
                          encoding="utf-8", errors="surrogateescape") as t:
            info = tarfile.TarInfo(name)
            if kind == "link":
                info.type = tarfile.SYMTYPE
                info.linkname = "x"
                t.addfile(info)
            else:
                info.size = 1
                t.addfile(info, io.BytesIO(b"x"))
PY
# no_raw_controls: stderr is valid UTF-8 with no C0 (but newline), DEL, C1 or bidi control.
no_raw_controls()
{
    python3 -c '
import sys
text = open(sys.argv[1], "rb").read().decode("utf-8")
bad = [c for c in text if (ord(c) < 32 and c != "\n") or 0x7f <= ord(c) <= 0x9f
       or c in "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"]
assert not bad, bad
' "$ERR"
}
for tag in esc csi rlo bad; do
    for kind in link file; do
        case $tag in
        esc) shown='a\x1b[31mred.txt' ;;
        csi) shown='b\x9bc.txt' ;;
        rlo) shown='invoice\u202efdp.exe' ;;
        bad) shown='d\xff\xfe.txt' ;;
        esac
        expect_exit $([ $tag$kind = rlofile ] && echo 0 || echo 2) \
            "$PACK" create -q -k "$KEY" -o names.quire -a $tag-$kind.tar
        rm -f names.quire
        [ $tag$kind = rlofile ] && continue # a valid name: packed (quire-read escapes it)
        if [ $tag$kind = rlolink ]; then # a valid name: the link is counted, named escaped
            expect_stderr_contains "quire-pack: rlo-link.tar: 1 symbolic link (entry $shown -> x)"
        else
            expect_stderr_contains "quire-pack: $tag-$kind.tar: entry $shown: refused"
        fi
        expect_true "$tag-$kind.tar: stderr holds a raw control or invalid UTF-8" no_raw_controls
    done
done
# Names found in a directory: a fifo with ESC and U+202E in its name, and a file name that is
# not UTF-8.
mkdir hostile
mkfifo "$(printf 'hostile/p\033]0;x\a\342\200\256q')"
expect_exit 2 "$PACK" create -q -k "$KEY" -o names.quire hostile
expect_stderr_contains 'quire-pack: hostile/p\x1b]0;x\x07\u202eq: refused: a fifo'
expect_true "directory fifo: stderr holds a raw control" no_raw_controls
rm -rf hostile
mkdir hostile
printf 'x' >"$(printf 'hostile/\233\377.txt')"
expect_exit 2 "$PACK" create -q -k "$KEY" -o names.quire hostile
expect_stderr_contains 'quire-pack: hostile/\x9b\xff.txt: refused: bundle path'
expect_true "directory name not UTF-8: stderr holds a raw byte" no_raw_controls

# ---- 11: o.archives freed on early returns (seen by LeakSanitizer in the sanitizer build) -------
printf '{"title": ' >bad.json
expect_exit 2 "$PACK" create -a sparse-gnu.tar -l 99
expect_exit 2 "$PACK" create -a sparse-gnu.tar -j x
expect_exit 2 "$PACK" create -a sparse-gnu.tar -k "$KEY"
expect_exit 2 "$PACK" create -a sparse-gnu.tar -k "$KEY" -o -
expect_exit 2 "$PACK" create -a sparse-gnu.tar -a longer.tar --bogus
expect_exit 2 "$PACK" create -q -a sparse-gnu.tar -k "$KEY" -o m.quire -m bad.json
expect_absent m.quire

# ---- 12: an existing OUT that is not a bundle is not replaced without --force -----------------
printf 'my thesis\n' >thesis.txt
cp thesis.txt thesis.orig
# A missing key and a missing input: the refusal comes before either is looked at.
expect_exit 2 "$PACK" create -q -k missing.key -o thesis.txt missing-input
expect_stderr_is_refusal()
{
    expect_stderr_lines 1
    expect_stderr_first_line_starts "quire-pack: $1: refused to replace it: $2"
    expect_stderr_contains "use --force to replace it anyway"
}
expect_stderr_is_refusal thesis.txt "it is not a quire bundle"
expect_same thesis.txt thesis.orig
expect_exit 2 "$PACK" create -q -k "$KEY" -o thesis.txt sp/dense.bin
expect_stderr_is_refusal thesis.txt "it is not a quire bundle"
expect_same thesis.txt thesis.orig
: >empty.quire
expect_exit 2 "$PACK" create -q -k "$KEY" -o empty.quire sp/dense.bin
expect_stderr_is_refusal empty.quire "it is not a quire bundle"
ln -s thesis.txt link.quire
expect_exit 2 "$PACK" create -q -k "$KEY" -o link.quire sp/dense.bin
expect_stderr_is_refusal link.quire "it is a symbolic link, not a quire bundle"
expect_same thesis.txt thesis.orig
mkdir dir.quire
expect_exit 2 "$PACK" create -q -k "$KEY" -o dir.quire sp/dense.bin
expect_stderr_is_refusal dir.quire "it is a directory, not a quire bundle"
# A bundle is replaced; --force replaces anything.
expect_exit 0 "$PACK" create -q -k "$KEY" -o b.quire sp/dense.bin
expect_exit 0 "$PACK" create -q -k "$KEY" -o b.quire sp/middle.bin
expect_exit 0 "$READ" list -p "$PUB" b.quire
expect_stdout_is "middle.bin"
expect_exit 0 "$PACK" create -q --force -k "$KEY" -o thesis.txt sp/dense.bin
expect_exit 0 "$READ" list -p "$PUB" thesis.txt
expect_stdout_is "dense.bin"
expect_exit 0 "$PACK" --help
expect_stdout_contains "--force"

# ---- 10: signals while unpacking and while packing ---------------------------------------------
mkdir big tmp
for i in 0 1 2 3 4; do head -c 8388608 /dev/urandom >big/part$i.bin; done
tar -cf big.tar -C big .
rm -rf big
# interrupt SIG WHAT: starts a pack of big.tar with TMPDIR=tmp, waits until WHAT exists
# (the unpacking directory, or the temporary bundle), sends SIG and checks the outcome. A
# background job of a script starts with SIGINT ignored, which quire-pack keeps (as nohup
# needs), so the job is started through python3 with SIGINT restored to its default.
interrupt()
{
    sig=$1 what=$2
    env TMPDIR="$T/tmp" python3 -c '
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])
' "$PACK" create -q -j 1 -l 9 -k "$KEY" -o sig.quire -a big.tar >/dev/null 2>"$ERR" &
    pid=$!
    i=0
    while [ $i -lt 6000 ]; do # up to 30 s on a loaded machine
        case $what in
        unpack) set -- tmp/quire-pack.*/*/part* ;; # one directory per archive
        bundle) set -- .sig.quire.* ;;
        esac
        [ -e "$1" ] && break
        i=$((i + 1))
        sleep 0.005
    done
    kill -$sig $pid
    rc=0
    wait $pid || rc=$?
    expect_true "SIG$sig during $what: $1 never appeared" test $i -lt 6000
    case $sig in HUP) want=129 ;; INT) want=130 ;; TERM) want=143 ;; esac
    expect_true "SIG$sig during $what: exit $rc, expected $want" [ $rc -eq $want ]
    expect_only_files tmp
    expect_true "SIG$sig during $what: a temporary bundle is left" \
        sh -c '! ls -d .sig.quire.* 2>/dev/null'
    expect_absent sig.quire
}
interrupt INT unpack
interrupt TERM unpack
interrupt HUP unpack
interrupt INT bundle
interrupt TERM bundle

done_ok
