#!/bin/sh
# SPDX-License-Identifier: ISC
# threads.sh: the two threaded paths on a bundle of many units, for the ThreadSanitizer build
# (make test-tsan) as much as for the others: the packer's unit ring (lib/write/quire_units.c,
# -j 1, 2 and 4 workers, one bundle byte for byte whatever the count) and the reader's threaded
# quick check (quire_reader_check_units), intact and with one corrupted unit or metadata, where
# the workers must stop and report one error. Under TSan a data race makes the program exit 66,
# which no expect_exit below accepts.
set -eu
. "$(dirname "$0")/lib.sh"
cd "$T"

mkdir -p in/big
cp -R "$FIX/docs" in/docs
# About 12 units (SPEC: units of about 1 MiB): random bytes, which deflate stores, and text,
# which it compresses.
head -c 6291456 /dev/urandom >in/big/random.bin
python3 -c '
import sys
line = b"the quick brown fox jumps over the lazy dog %d\n"
sys.stdout.buffer.write(b"".join(line % i for i in range(120000)))' >in/big/text.txt
for j in 1 2 4; do
    expect_exit 0 sh -c 'cd in && exec "$@"' sh "$PACK" create -q -j "$j" -k "$KEY" \
        -o "../j$j.quire" docs big
done
expect_true "quire-pack -j 2 made a different bundle from -j 1" cmp -s j1.quire j2.quire
expect_true "quire-pack -j 4 made a different bundle from -j 1" cmp -s j1.quire j4.quire

expect_exit 0 "$READ" verify -p "$PUB" j4.quire
expect_stdout_contains " units"
for i in 1 2 3; do
    expect_exit 0 "$READ" verify --quick -q -p "$PUB" j4.quire
    expect_stdout_empty
done
expect_exit 0 "$READ" extract -q -p "$PUB" -C out j4.quire
expect_true "extracted files differ from the input" diff -r in out

# The full walk's unit pipeline (lib/read/quire_pipe.c): every output is the same on one CPU
# (no worker thread) as on all of them: verify, extract, export, show of a document that spans
# units, and the failures below.
if command -v taskset >/dev/null 2>&1; then
    ONE="taskset -c 0"
else
    ONE=""
fi
expect_exit 0 $ONE "$READ" extract -q -p "$PUB" -C out1 j4.quire
expect_true "extract on one CPU differs from the input" diff -r in out1
expect_exit 0 "$READ" export -q -p "$PUB" j4.quire all.tar
expect_exit 0 $ONE "$READ" export -q -p "$PUB" j4.quire one.tar
expect_true "export on one CPU differs from export on all" cmp -s one.tar all.tar
expect_exit 0 "$READ" export -q --no-sync -p "$PUB" j4.quire nosync.tar
expect_true "export --no-sync wrote other bytes" cmp -s nosync.tar all.tar
expect_exit 0 "$READ" show -p "$PUB" j4.quire big/text.txt
expect_true "show of a multi-unit document differs from its input" cmp -s "$OUT" in/big/text.txt
expect_exit 0 $ONE "$READ" show -p "$PUB" j4.quire big/text.txt
expect_true "show on one CPU differs from the input" cmp -s "$OUT" in/big/text.txt
expect_exit 0 "$READ" verify --json -p "$PUB" j4.quire
cp "$OUT" v-all.json
expect_exit 0 $ONE "$READ" verify --json -p "$PUB" j4.quire
expect_true "verify --json differs with the CPU count" cmp -s v-all.json "$OUT"

# One corrupted unit in the middle: the quick check fails naming it, whichever thread finds it.
PYTHONPATH="$SRC/tests/py" python3 - j4.quire bad-unit.quire <<'PY'
import sys
import quire_layout
b = bytearray(open(sys.argv[1], "rb").read())
units = quire_layout.units(b)
assert len(units) >= 8, len(units)
off = units[len(units) // 2][0]
b[off + 100] ^= 1
open(sys.argv[2], "wb").write(b)
PY
expect_exit 1 "$READ" verify --quick -p "$PUB" bad-unit.quire
expect_stderr_first_line_starts "quire-read: bad-unit.quire: "
expect_stderr_contains "unit "
expect_stderr_lines 1
expect_exit 1 "$READ" verify -p "$PUB" bad-unit.quire
expect_stderr_lines 1

# Two corrupted units, the second and the second to last: the full walk names the first in
# stream order on any number of CPUs, as do extract (which leaves nothing) and extract
# --keep-going (which salvages the same files).
PYTHONPATH="$SRC/tests/py" python3 - j4.quire bad2.quire <<'PY'
import sys
import quire_layout
b = bytearray(open(sys.argv[1], "rb").read())
units = quire_layout.units(b)
for k in (1, len(units) - 2):
    b[units[k][0] + 50] ^= 0x40
open(sys.argv[2], "wb").write(b)
PY
expect_exit 1 "$READ" verify -p "$PUB" bad2.quire
cp "$ERR" v-all.err
expect_exit 1 $ONE "$READ" verify -p "$PUB" bad2.quire
expect_true "verify names another failure on one CPU" cmp -s v-all.err "$ERR"
expect_stderr_contains "unit 1:"
expect_exit 1 "$READ" extract -p "$PUB" -C x bad2.quire
cp "$ERR" x-all.err
expect_exit 1 $ONE "$READ" extract -p "$PUB" -C x bad2.quire
expect_true "extract names another failure on one CPU" cmp -s x-all.err "$ERR"
expect_true "extract of a damaged bundle left files" sh -c '! ls -A x 2>/dev/null | grep -q .'
expect_exit 1 "$READ" extract --keep-going -q -p "$PUB" -C k bad2.quire
cp "$ERR" k-all.err
mv k k-all
expect_exit 1 $ONE "$READ" extract --keep-going -q -p "$PUB" -C k bad2.quire
mv k k-one
expect_true "extract --keep-going reports differently on one CPU" cmp -s k-all.err "$ERR"
expect_true "extract --keep-going salvages differently on one CPU" diff -r k-all k-one
expect_true "extract --keep-going salvaged other files than the intact ones" \
    sh -c 'cd k-all && find . -type f | sort' >salvaged.txt
expect_true "extract --keep-going salvaged no document" grep -q '^./docs/' salvaged.txt
expect_true "extract --keep-going salvaged a damaged document" sh -c '! grep -q big/ salvaged.txt'
# Skipping the rest of a damaged file moves the consumer past jobs still being decoded: a
# worker must not start the next job of a slot another worker is still filling (a data race
# that ThreadSanitizer saw in about one run of three; so six more runs).
for i in 1 2 3 4 5 6; do
    rm -rf k
    expect_exit 1 "$READ" extract --keep-going -q -p "$PUB" -C k bad2.quire
    expect_true "extract --keep-going salvages differently on run $i" diff -r k-all k
done
# Metadata that is not JSON (a validly signed hostile fixture): the helper thread that checks
# the metadata reports it, and the unit workers stop.
expect_exit 1 "$READ" verify --quick -p "$PUB" "$FIX/bad/5.5-entry-meta-not-json.quire"
expect_stderr_lines 1
done_ok
