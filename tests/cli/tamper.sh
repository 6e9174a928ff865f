#!/bin/sh
# SPDX-License-Identifier: ISC
# tamper.sh: no change to a signed bundle gets past `quire-read verify`. For every byte offset of
# fixtures/dossier.quire the byte is flipped (xor 0x01), and for every length 0..size-1 the file
# is truncated; one byte is also prepended, appended and inserted in the middle; every 8th
# byte of the data region is flipped for `verify --any-signer` without a key (no signature is
# checked then, but every stored byte still is), and every 8th byte of the file for
# `verify --quick`. Each case must exit 1: never 0 (accepted), never 2 (an operational error),
# never a signal or a sanitizer report. About 75,000 runs, spread over the CPUs from one
# python3 process.
#
# QUIRE_TAMPER_STRIDE=N (default 1) tries only every Nth offset and length, plus every one in
# the header, the signature block and the trailer. The offsets tried are those equal to
# QUIRE_TAMPER_PHASE modulo N; the phase is drawn at random when not set and printed, so that
# successive sampled runs cover different bytes and a failure can be rerun exactly.
# tests/cli/CMakeLists.txt registers cli_tamper sampled (stride 16, 64 under the sanitizers;
# make test) and cli_tamper_full with stride 1 (label full; make test-full, run by CI).
#
# Then extraction: a bundle whose data region is corrupted leaves no file under its final name
# for the entries of the corrupted unit, and no temporary file, in the extraction directory.
set -eu
. "$(dirname "$0")/lib.sh"

stride=${QUIRE_TAMPER_STRIDE:-1}
case $stride in
'' | *[!0-9]* | 0) fail "QUIRE_TAMPER_STRIDE must be a positive integer, not '$stride'" ;;
esac
phase=${QUIRE_TAMPER_PHASE:-$(python3 -c 'import random, sys; print(random.randrange(int(sys.argv[1])))' "$stride")}
case $phase in
'' | *[!0-9]*) fail "QUIRE_TAMPER_PHASE must be an integer from 0 to stride - 1, not '$phase'" ;;
esac
[ "$phase" -lt "$stride" ] || fail "QUIRE_TAMPER_PHASE must be less than the stride ($stride), not $phase"

python3 - "$READ" "$PUB" "$FIX/dossier.quire" "$T" "$stride" "$phase" <<'EOF' || fail "tampered bundles were not all rejected with exit 1 (rerun: QUIRE_TAMPER_STRIDE=$stride QUIRE_TAMPER_PHASE=$phase)"
import os, struct, sys, threading, time

reader, pub, golden_path, tmp, stride, phase = sys.argv[1:7]
stride, phase = int(stride), int(phase)
golden = open(golden_path, "rb").read()
size = len(golden)
index_offset, index_size, sig_size, att_size = struct.unpack("<QQQQ", golden[-40:-8])
assert golden[-8:] == b"QUIREEND" and index_offset + index_size + sig_size + 40 == size
# With a stride, every byte of the header, the signature block and the trailer is still tried.
always = set(range(32)) | set(range(index_offset + index_size, size))

devnull = os.open(os.devnull, os.O_RDWR)
local = threading.local()

def run(path, trust=("-p", pub)):
    # posix_spawn with stdout and stderr in one scratch file per thread: cheaper than pipes.
    if not hasattr(local, "fd"):
        local.fd = os.open(os.path.join(tmp, "out-%d" % threading.get_ident()),
                           os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    fd = local.fd
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)  # the child writes at this shared offset
    args = [reader, "verify", "-q"] + list(trust) + [path]
    pid = os.posix_spawn(reader, args, os.environ,
                         file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 0),
                                       (os.POSIX_SPAWN_DUP2, fd, 1),
                                       (os.POSIX_SPAWN_DUP2, fd, 2)])
    _, status = os.waitpid(pid, 0)
    out = os.pread(fd, 65536, 0)
    return os.waitstatus_to_exitcode(status), out

def acceptable(rc, out, path, lines=1):
    # exit 1; with -q nothing on stdout, and one line on stderr naming the file (after the
    # --any-signer warning, if any); no sanitizer report (its exit status is not 1)
    prefix = b"quire-read: " + path.encode() + b": "
    return (rc == 1 and out.count(b"\n") == lines
            and all(l.startswith(prefix) for l in out.split(b"\n")[:-1]))

failures = []
lock = threading.Lock()
counts = {"flip": 0, "truncate": 0, "insert": 0, "any-signer flip": 0, "quick flip": 0}

def record(kind, where, rc, out):
    with lock:
        failures.append((kind, where, rc, out[:300]))

def flips(worker, offsets):
    path = os.path.join(tmp, "flip%d.quire" % worker)
    with open(path, "wb") as f:
        f.write(golden)
    fd = os.open(path, os.O_WRONLY)
    for off in offsets:
        os.pwrite(fd, bytes([golden[off] ^ 0x01]), off)
        rc, out = run(path)
        if not acceptable(rc, out, path):
            record("flip", off, rc, out)
        os.pwrite(fd, golden[off:off + 1], off)
    os.close(fd)
    with lock:
        counts["flip"] += len(offsets)

def variant_flips(kind, worker, offsets, options, lines):
    path = os.path.join(tmp, "%s%d.quire" % (kind.split()[0], worker))
    with open(path, "wb") as f:
        f.write(golden)
    fd = os.open(path, os.O_WRONLY)
    for off in offsets:
        os.pwrite(fd, bytes([golden[off] ^ 0x01]), off)
        rc, out = run(path, options)
        if not acceptable(rc, out, path, lines=lines):
            record(kind, off, rc, out)
        os.pwrite(fd, golden[off:off + 1], off)
    os.close(fd)
    with lock:
        counts[kind] += len(offsets)

def anysigner_flips(worker, offsets):
    # No trusted key, --any-signer: the signature is not checked, but every stored byte still
    # is, so a flip in the data region must still fail.
    variant_flips("any-signer flip", worker, offsets, ("--any-signer",), 2)

def quick_flips(worker, offsets):
    # verify --quick checks the signature and the stored units' hashes without inflating: any
    # flip anywhere must still fail.
    variant_flips("quick flip", worker, offsets, ("--quick", "-p", pub), 1)

def truncations(worker, lengths):
    path = os.path.join(tmp, "trunc%d.quire" % worker)
    with open(path, "wb") as f:
        f.write(golden)
    for length in sorted(lengths, reverse=True):
        os.truncate(path, length)
        rc, out = run(path)
        if not acceptable(rc, out, path):
            record("truncate", length, rc, out)
    with lock:
        counts["truncate"] += len(lengths)

def insertions(worker, _):
    path = os.path.join(tmp, "insert.quire")
    mid = size // 2
    for name, data in (("prepend", b"\0" + golden), ("append", golden + b"\n"),
                       ("insert@%d" % mid, golden[:mid] + b"\0" + golden[mid:])):
        with open(path, "wb") as f:
            f.write(data)
        rc, out = run(path)
        if not acceptable(rc, out, path):
            record("insert", name, rc, out)
    with lock:
        counts["insert"] += 3

start = time.time()
# The harness must see an intact bundle accepted, or it could pass on a reader that rejects all.
rc, out = run(golden_path)
if rc != 0 or out != b"":
    sys.exit("the untouched golden bundle does not verify: exit %d: %r" % (rc, out))

offsets = [i for i in range(size) if i % stride == phase or i in always]
lengths = [n for n in range(size) if n % stride == phase or n in always]
data_offsets = list(range(32 + phase, index_offset, 8 * stride))
quick_offsets = sorted(set(range(phase, size, 8 * stride)) | always)
try:
    nworkers = max(2, len(os.sched_getaffinity(0)))
except AttributeError:
    nworkers = max(2, os.cpu_count() or 2)
threads = []
for w in range(nworkers):
    threads.append(threading.Thread(target=flips, args=(w, offsets[w::nworkers])))
    threads.append(threading.Thread(target=truncations, args=(w, lengths[w::nworkers])))
    threads.append(threading.Thread(target=anysigner_flips, args=(w, data_offsets[w::nworkers])))
    threads.append(threading.Thread(target=quick_flips, args=(w, quick_offsets[w::nworkers])))
threads.append(threading.Thread(target=insertions, args=(0, None)))
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.time() - start

total = sum(counts.values())
print("tamper: %d cases on a %d-byte bundle (stride %d, phase %d, %d workers): %d byte flips, "
      "%d truncations, %d insertions, %d data-region flips with --any-signer, %d flips "
      "with --quick; %d not rejected with exit 1; %.0f s"
      % (total, size, stride, phase, nworkers, counts["flip"], counts["truncate"], counts["insert"],
         counts["any-signer flip"], counts["quick flip"], len(failures), elapsed))
expected = len(offsets) + len(lengths) + 3 + len(data_offsets) + len(quick_offsets)
if total != expected:
    sys.exit("only %d of %d cases ran" % (total, expected))
if failures:
    failures.sort(key=lambda f: (f[0], str(f[1])))
    by_rc = {}
    for f in failures:
        by_rc[f[2]] = by_rc.get(f[2], 0) + 1
    print("exit statuses of the failures:", by_rc, file=sys.stderr)
    for kind, where, rc, out in failures[:25]:
        print("  %s %s: exit %d, output %r" % (kind, where, rc, out), file=sys.stderr)
    sys.exit(1)
EOF
ok

# ---- extraction of a corrupted bundle -------------------------------------------------------

cd "$T"
# flip FILE OFFSET OUT: OUT is FILE with the byte at OFFSET xor 0x01.
flip()
{
    python3 -c '
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[int(sys.argv[2])] ^= 1
open(sys.argv[3], "wb").write(b)
' "$1" "$2" "$3"
}
# unit_offset FILE UNIT: the file offset of a unit's stored bytes (SPEC 5.2: units follow the
# 32-byte header in stream order), and its stored size, as "OFFSET SIZE".
unit_offset()
{
    PYTHONPATH="$SRC/tests/py" python3 -c '
import sys
import quire_layout
units = quire_layout.units(open(sys.argv[1], "rb").read())
u = int(sys.argv[2])
assert u < len(units), "no unit %d" % u
print(units[u][0], units[u][1])
' "$1" "$2"
}
no_temp_files()
{
    [ -z "$(find "$1" -name '.quire-tmp-*')" ] || fail "temporary files left in $1: $(find "$1" -name '.quire-tmp-*')"
    ok
}

# The golden has one unit holding all five documents: corrupt it, and nothing is extracted.
set -- $(unit_offset "$FIX/dossier.quire" 0)
[ "$1" -eq 32 ] || fail "unit 0 of the golden starts at $1, expected 32"
ok
flip "$FIX/dossier.quire" $(($1 + $2 / 2)) bad-golden.quire
expect_exit 1 "$READ" extract -p "$PUB" -C x1 bad-golden.quire
expect_stderr_first_line_starts "quire-read: bad-golden.quire: "
expect_stderr_contains "unit 0"
expect_stderr_lines 1
# Nothing is left, not even DIR, which this run created.
expect_absent x1
expect_exit 1 "$READ" extract -p "$PUB" -C x1b bad-golden.quire docs/002_b5499be249b582cd.txt
expect_absent x1b
# An existing DIR stays, empty.
mkdir x1c
expect_exit 1 "$READ" extract -p "$PUB" -C x1c bad-golden.quire
expect_only_files x1c
expect_exit 1 "$READ" show -p "$PUB" bad-golden.quire docs/000_7ca1ca3d8efec858.txt
expect_stdout_empty

# A bundle of several units: the documents in unit 0, a 3 MiB file in units 1-3. Corrupting
# unit 2 fails the big file after a whole unit of it went to its temporary file: nothing is
# extracted, no temporary file is left.
mkdir in
cp -R "$FIX/docs" in/docs
mkdir in/zz
head -c 3145728 /dev/urandom >in/zz/big.bin
expect_exit 0 sh -c 'cd in && exec "$@"' sh "$PACK" create -k "$KEY" -o ../multi.quire docs zz
expect_exit 0 "$READ" verify -p "$PUB" multi.quire
expect_stdout_contains "6 entries, "
expect_stdout_contains " in 4 units"
set -- $(unit_offset multi.quire 2)
flip multi.quire $(($1 + $2 / 2)) bad-multi.quire
expect_exit 1 "$READ" verify -p "$PUB" bad-multi.quire
expect_stderr_contains "unit 2"
expect_exit 1 "$READ" extract -p "$PUB" -C x2 bad-multi.quire
expect_stderr_first_line_starts "quire-read: bad-multi.quire: "
expect_stderr_contains "zz/big.bin"
# All or nothing: the documents before it verified, but are not left behind either.
expect_absent x2
mkdir x2b
expect_exit 1 "$READ" extract -p "$PUB" -C x2b bad-multi.quire
expect_only_files x2b
# The same bundle, extracting only the documents (unit 0, intact), succeeds.
expect_exit 0 "$READ" extract -p "$PUB" -C x2c bad-multi.quire docs
expect_true "the intact documents of a bundle with a corrupted unit differ" diff -r in/docs x2c/docs
expect_only_files x2c docs
[ -z "$(find x2/zz ! -type d 2>/dev/null)" ] || fail "files left in x2/zz: $(find x2/zz ! -type d)"
ok
# show writes only checked units: what it printed before failing is a prefix of the file.
expect_exit 1 "$READ" show -p "$PUB" bad-multi.quire zz/big.bin
n=$(wc -c <"$OUT")
[ "$n" -eq 1048576 ] || fail "show printed $n bytes before the corrupted unit, expected 1048576"
ok
expect_true "show printed bytes that are not the file's" cmp -s -n "$n" "$OUT" in/zz/big.bin
# Extracting over an existing file with --force: the corrupted entry leaves the old file.
mkdir -p x3/zz
printf 'old\n' >x3/zz/big.bin
expect_exit 1 "$READ" extract --force -p "$PUB" -C x3 bad-multi.quire zz/big.bin
expect_stdout_empty
[ "$(cat x3/zz/big.bin)" = old ] || fail "a failed extract --force replaced x3/zz/big.bin"
ok
no_temp_files x3

done_ok
