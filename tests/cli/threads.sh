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
# Metadata that is not JSON (a validly signed hostile fixture): the helper thread that checks
# the metadata reports it, and the unit workers stop.
expect_exit 1 "$READ" verify --quick -p "$PUB" "$FIX/bad/5.5-entry-meta-not-json.quire"
expect_stderr_lines 1
done_ok
