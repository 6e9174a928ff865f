#!/bin/sh
# SPDX-License-Identifier: ISC
# sigcheck.sh: two implementations of SPEC 6 and 7 agree on which signatures are valid: the C
# reader (quire-read verify --quick) and tests/py/quire_sigcheck.py, written from SPEC.md with
# Python's standard library and RFC 8032's Ed25519. On every fixture signed by the test key or
# breaking a signature rule, and on the golden bundle with bytes flipped in its index,
# statement, signature block and trailer (not its data, pages or directory, which are reached
# through hashes that only the C reader checks), both must say
# the same: accepted (exit 0) or refused (exit 1).
set -eu
. "$(dirname "$0")/lib.sh"

python3 - "$READ" "$PUB" "$FIX" "$SRC/tests/py/quire_sigcheck.py" "$T" <<'PYEOF' ||
import os, struct, subprocess, sys

reader, pub, fix, checker, tmp = sys.argv[1:6]

def verdicts(path):
    c = subprocess.run([reader, "verify", "--quick", "-q", "-p", pub, path],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    py = subprocess.run([sys.executable, checker, pub, path],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    return c, py

cases = [os.path.join(fix, f) for f in ("dossier.quire", "good-cosigned.quire", "tiny.quire")]
cases += [os.path.join(fix, "bad", f) for f in sorted(os.listdir(os.path.join(fix, "bad")))
          if f.startswith(("6-", "6.1-", "7-", "9.6-"))]
golden = open(os.path.join(fix, "dossier.quire"), "rb").read()
io, isz, ssz, asz = struct.unpack("<QQQQ", golden[-40:-8])
# QUIRE_SIGCHECK_STRIDE=N (make test: 4, at a random phase) keeps every Nth of these; the
# whole sweep is cli_sigcheck_full (label full).
stride = int(os.environ.get("QUIRE_SIGCHECK_STRIDE", "1"))
offsets = list(range(io + isz - 160, io + isz)) + list(range(io + isz, len(golden), 3))
if stride > 1:
    phase = int.from_bytes(os.urandom(2), "little") % stride
    offsets = offsets[phase::stride]
    print("sigcheck: every %dth offset from phase %d" % (stride, phase))
bad = []
for path in cases:
    c, py = verdicts(path)
    if c != py:
        bad.append((os.path.basename(path), c, py))
flip = os.path.join(tmp, "flip.quire")
for off in offsets:
    data = bytearray(golden)
    data[off] ^= 0x01
    open(flip, "wb").write(data)
    c, py = verdicts(flip)
    if c != py or c != 1:
        bad.append(("byte %d flipped" % off, c, py))
for what, c, py in bad:
    print("sigcheck: %s: quire-read exit %d, quire_sigcheck.py exit %d" % (what, c, py))
print("sigcheck: %d fixtures and %d flipped bundles, %d disagreements" % (len(cases), len(offsets), len(bad)))
sys.exit(1 if bad else 0)
PYEOF
    fail "the two signature checks disagree"
ok
done_ok
