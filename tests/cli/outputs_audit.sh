#!/bin/sh
# SPDX-License-Identifier: ISC
# outputs_audit.sh: issue 11 findings 10, 12 and 5 for extract and export.
# - SIGINT, SIGTERM and SIGHUP in the middle of extract or export: the process dies of the
#   signal, and no temporary file, no directory the run made and nothing under a final name is
#   left; a file someone else put in one of the run's directories meanwhile stays. A failure
#   part-way (a file size limit) removes the same things.
# - export refuses to replace an existing OUT without --force, before verifying anything, and
#   syncs OUT's directory after the rename.
# - extract of deeply nested unique directory chains uses memory that does not grow with the
#   depth (it kept every made directory's full path: quadratic).
set -eu
. "$(dirname "$0")/lib.sh"

cd "$T"
# 240 files of 160 KiB of random data in 24 nested directories, then a 3 MiB file last: enough
# for a window in the middle of every run, and a file that a 1-2 MiB size limit refuses.
for d in 0 1 2 3; do
    for s in 0 1 2 3 4 5; do
        mkdir -p "big/d$d/s$s/t"
        for f in 0 1 2 3 4 5 6 7 8 9; do
            head -c 163840 /dev/urandom >"big/d$d/s$s/t/f$f.bin"
        done
    done
done
mkdir big/z
head -c 3145728 /dev/urandom >big/z/last.bin
expect_exit 0 "$PACK" create -q -l 1 -k "$KEY" -o big.quire big

# signo NAME: the number of a signal.
signo()
{
    case $1 in
    HUP) echo 1 ;;
    INT) echo 2 ;;
    TERM) echo 15 ;;
    esac
}

# catch PID DIR PATTERN DEPTH: waits until DIR holds a file named PATTERN at least DEPTH levels
# down, then stops PID (SIGSTOP) and succeeds; fails if PID ended first.
catch()
{
    i=0
    while [ $i -lt 3000 ]; do
        if [ -n "$(find "$2" -mindepth "$4" -name "$3" 2>/dev/null | head -n 1)" ]; then
            kill -STOP "$1" 2>/dev/null && return 0
            return 1
        fi
        kill -0 "$1" 2>/dev/null || return 1
        sleep 0.005
        i=$((i + 1))
    done
    return 1
}

# interrupt SIG PATTERN DEPTH DIR CMD...: runs CMD in the background (the signals at their
# default, which a shell's background job would not have for SIGINT), stops it once DIR holds
# a PATTERN file DEPTH levels down, runs the hook `during` (if set), sends SIG, lets it go on,
# and checks that it died of SIG. Tries again when the run ended before it was caught.
interrupt()
{
    sig=$1 pat=$2 depth=$3 dir=$4
    shift 4
    for try in 1 2 3; do
        [ -n "${setup:-}" ] && $setup
        env --default-signal=INT,TERM,HUP "$@" >"$OUT" 2>"$ERR" &
        pid=$!
        if catch $pid "$dir" "$pat" "$depth"; then
            [ -n "${during:-}" ] && $during
            kill -"$sig" $pid
            kill -CONT $pid
            rc=0
            wait $pid || rc=$?
            [ $rc -eq $((128 + $(signo "$sig"))) ] ||
                fail "$*: SIG$sig: exit $rc, expected $((128 + $(signo "$sig")))"
            ok
            return 0
        fi
        wait $pid || :
    done
    fail "$*: never caught it running (3 tries)"
}

no_temps()
{
    left=$(find "$1" -name '.quire-tmp-*' -o -name '.quire-export.*' 2>/dev/null | head -n 3)
    [ -z "$left" ] || fail "$2: temporary files left: $left"
    ok
}

# ---- extract: DIR made by the run -----------------------------------------------------------
for sig in TERM INT HUP; do
    rm -rf out
    setup= during=
    interrupt $sig '.quire-tmp-*' 4 out "$READ" extract -q -p "$PUB" -C out big.quire
    expect_absent out
done

# ---- extract: DIR existed, with a file and a directory of the user's --------------------
# While the run is stopped, someone writes a file into one of the run's new directories: the
# cleanup must leave it, and the directories that hold it, and remove everything else.
fresh_mine()
{
    rm -rf mine
    mkdir -p mine/keep
    printf 'mine\n' >mine/note.txt
    printf 'kept\n' >mine/keep/k.txt
}
plant()
{
    [ -d mine/big/d0/s0/t ] || fail "the run made no directory before it was stopped"
    printf 'theirs\n' >mine/big/d0/s0/theirs.txt
}
for sig in TERM INT HUP; do
    setup=fresh_mine during=plant
    interrupt $sig '.quire-tmp-*' 5 mine "$READ" extract -q -p "$PUB" -C mine big.quire
    no_temps mine "extract into an existing DIR, SIG$sig"
    expect_only_files mine big keep note.txt
    expect_only_files mine/big d0
    expect_only_files mine/big/d0 s0
    expect_only_files mine/big/d0/s0 theirs.txt
    expect_only_files mine/keep k.txt
done
setup= during=

# The same run failing part-way (the last file exceeds a file size limit) removes the same.
fresh_mine
mkdir -p mine/big/d0/s0
printf 'theirs\n' >mine/big/d0/s0/theirs.txt
rc=0
(ulimit -f 2048 && exec "$READ" extract -q -p "$PUB" -C mine big.quire) >"$OUT" 2>"$ERR" || rc=$?
[ $rc -eq 2 ] || fail "extract past a file size limit: exit $rc, expected 2"
ok
expect_stderr_contains "quire-read: big.quire: cannot write big/z/last.bin"
no_temps mine "extract past a file size limit"
expect_only_files mine big keep note.txt
expect_only_files mine/big d0
expect_only_files mine/big/d0 s0
expect_only_files mine/big/d0/s0 theirs.txt

# ---- export: interrupted ------------------------------------------------------------------
mkdir exp
for sig in TERM INT HUP; do
    interrupt $sig '.quire-export.*' 1 exp "$READ" export -p "$PUB" --format tar big.quire exp/all.tar
    expect_only_files exp
done

# ---- export: an existing OUT is replaced only with --force --------------------------------
printf 'my thesis\n' >thesis.txt
cp thesis.txt thesis.orig
expect_exit 2 "$READ" export -p "$PUB" --format tar big.quire thesis.txt
expect_stderr_contains "quire-read: thesis.txt: exists: use --force to replace it"
expect_stderr_lines 1
expect_same thesis.txt thesis.orig
# Refused before anything is verified or loaded: also for a bundle that would fail.
head -c 4096 /dev/urandom >random.bin
expect_exit 2 "$READ" export -p "$PUB" --format zip random.bin thesis.txt
expect_stderr_contains "quire-read: thesis.txt: exists: use --force to replace it"
expect_same thesis.txt thesis.orig
# A symlink is an existing name too (it is not followed, and not replaced).
ln -s thesis.txt link.tar
expect_exit 2 "$READ" export -p "$PUB" --format tar big.quire link.tar
expect_true "the symlink stays" test -L link.tar
expect_same thesis.txt thesis.orig
expect_exit 0 "$READ" export -f -p "$PUB" --format tar big.quire thesis.txt
expect_true "--force replaced the file with the archive" \
    sh -c 'tar tf thesis.txt big/z/last.bin >/dev/null'
no_temps . "export"

# The directory is synced after the rename, so the new name survives a crash.
if command -v strace >/dev/null 2>&1 && strace -o /dev/null true 2>/dev/null; then
    mkdir -p exp
    # (LeakSanitizer cannot run under ptrace.)
    expect_exit 0 env ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" strace -f -o trace.txt -e trace=rename,renameat,renameat2,openat,fsync \
        "$READ" export -p "$PUB" --format tar big.quire "$T/exp/synced.tar"
    # After the rename: an openat of OUT's directory and an fsync of that descriptor.
    dfd=$(sed -n '/rename.*synced\.tar/,$p' trace.txt |
        sed -n "s|.*openat(AT_FDCWD, \"$T/exp\", O_RDONLY[^)]*O_DIRECTORY[^)]*) = \([0-9]*\)$|\1|p" | head -n 1)
    [ -n "$dfd" ] || fail "export did not open OUT's directory after the rename"
    sed -n '/rename.*synced\.tar/,$p' trace.txt | grep -q "fsync($dfd) *= 0" ||
        fail "export did not sync OUT's directory after the rename"
    ok
else
    echo "outputs_audit: strace unusable here, the directory sync was not checked" >&2
fi

# ---- extract: memory does not grow with the depth of unique directory chains --------------
# 8 entries, each at the end of its own chain of 1,900 directories (paths of 3,806 bytes, within
# SPEC 4's 4,096): extract kept each made directory's path, 3.6 MB per chain.
if [ -x /usr/bin/time ]; then
    chain=$(i=1; while [ $i -lt 1900 ]; do printf 'x/'; i=$((i + 1)); done)
    for c in 0 1 2 3 4 5 6 7; do
        mkdir -p "deep/c$c/$chain"
        printf '%s\n' $c >"deep/c$c/${chain}f"
    done
    expect_exit 0 "$PACK" create -q -k "$KEY" -o deep.quire deep
    rm -rf deep
    expect_exit 0 /usr/bin/time -f '%M' -o verify.rss "$READ" verify -q -p "$PUB" deep.quire
    expect_exit 0 /usr/bin/time -f '%M' -o extract.rss "$READ" extract -q --no-sync -p "$PUB" -C dx deep.quire
    v=$(tail -n 1 verify.rss) x=$(tail -n 1 extract.rss)
    [ $((x - v)) -lt 8192 ] || fail "extract of 8 deep chains used $x KiB, verify $v KiB"
    ok
    expect_file "dx/deep/c7/${chain}f"
    rm -rf dx
fi

done_ok
