#!/bin/sh
# SPDX-License-Identifier: ISC
# receipts.sh: quire-read receipt, check-receipt and cite --receipt (SPEC 10). A receipt made
# from the golden bundle checks offline with the test key, with and without the extracted
# document; a changed document, another key, garbage, a missing file and --any-signer are each
# refused with the right exit status and one line; -o writes atomically and replaces nothing
# without --force; the receipt for one document of a bundle of 3,000 is at most 1,024 bytes;
# tests/py/quire_receipt.py agrees with check-receipt; the receipt in cite --receipt's CSL-JSON
# checks; and every bit of one receipt flipped is rejected with exit 1.
#
# QUIRE_RECEIPT_STRIDE=N (default 1) flips only the bits whose number is QUIRE_RECEIPT_PHASE
# (default 0) modulo N: deterministic, so a failure reruns exactly. tests/cli/CMakeLists.txt
# registers cli_receipts with stride 7 (29 under the sanitizers; make test) and
# cli_receipts_full with stride 1 (label full; make test-full).
set -eu
. "$(dirname "$0")/lib.sh"

stride=${QUIRE_RECEIPT_STRIDE:-1}
phase=${QUIRE_RECEIPT_PHASE:-0}
case $stride in
'' | *[!0-9]* | 0) fail "QUIRE_RECEIPT_STRIDE must be a positive integer, not '$stride'" ;;
esac
case $phase in
'' | *[!0-9]*) fail "QUIRE_RECEIPT_PHASE must be an integer, not '$phase'" ;;
esac
[ "$phase" -lt "$stride" ] || fail "QUIRE_RECEIPT_PHASE must be less than the stride ($stride)"

PYCHECK=$SRC/tests/py/quire_receipt.py
B=$FIX/dossier.quire
D=docs/003_42fea03c7bbd7071.txt
cd "$T"

# b64 RECEIPT: the base64 line of an armoured receipt.
b64()
{
    sed -n 2p "$1"
}

# ---- receipt, then check-receipt without the bundle ----
expect_exit 0 "$READ" receipt -p "$PUB" "$B" "$D"
expect_stderr_empty
cp "$OUT" r.txt
expect_true "the armour is two lines, the comment naming the path" python3 -c '
import base64, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
assert len(lines) == 3 and lines[2] == b"", lines
assert lines[0] == b"untrusted comment: quire receipt for " + sys.argv[2].encode(), lines[0]
raw = base64.b64decode(lines[1], validate=True)
assert raw[:6] == b"QRC2ED" and base64.b64encode(raw) == lines[1]
' r.txt "$D"
# A receipt is a function of the bundle and the entry (SPEC 10.2): made again, the same bytes.
expect_exit 0 "$READ" receipt -p "$PUB" "$B" "./$D"
expect_stdout_file r.txt

sha=$(sha256sum "$FIX/$D" | cut -c1-64)
expect_exit 0 "$READ" info --json -p "$PUB" "$B"
fp=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["fingerprint"])' "$OUT")
kid=$(key_id "$PUB")
expect_exit 0 "$READ" check-receipt -p "$PUB" r.txt
expect_stderr_empty
expected="path:      $D
sha256:    $sha
size:      7.6 KiB (7,785 bytes)
source:    unknown
retrieved: unknown
title:     Turkish Cooperation with IS
bundle:    $fp
signer:    $kid (trusted: $PUB)
entry:     3 of 5"
expect_stdout_is "$expected"

# With the document: extracted from the bundle, and on standard input.
expect_exit 0 "$READ" extract -q -p "$PUB" -C x "$B" "$D"
expect_exit 0 "$READ" check-receipt -p "$PUB" r.txt "x/$D"
expect_stdout_is "$expected
x/$D: matches"
expect_exit 0 sh -c 'exec "$0" check-receipt -p "$1" r.txt - <"$2"' "$READ" "$PUB" "x/$D"
expect_stdout_contains "-: matches"
# The receipt on standard input, the document named.
expect_exit 0 sh -c 'exec "$0" check-receipt -p "$1" - "$2" <r.txt' "$READ" "$PUB" "x/$D"
expect_stdout_contains "x/$D: matches"
expect_exit 2 sh -c 'exec "$0" check-receipt -p "$1" - - <r.txt' "$READ" "$PUB"
expect_stderr_contains "RECEIPT and FILE cannot both be standard input"

# A changed document: exit 1, one line naming the file, both hashes and the rule.
cp "x/$D" mod.txt
printf 'x' >>mod.txt
expect_exit 1 "$READ" check-receipt -p "$PUB" r.txt mod.txt
expect_stdout_empty
expect_stderr_lines 1
expect_stderr_first_line_starts "quire-read: mod.txt: does not match the receipt: its SHA-256 is $(sha256sum mod.txt | cut -c1-64), the receipt certifies $sha for $D (SPEC 10)"
expect_exit 1 "$READ" check-receipt --json -p "$PUB" r.txt mod.txt
expect_true "--json: a mismatch is an error object naming the file and the rule" python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["error"]
assert e["file"] == "mod.txt" and e["rule"] == "SPEC 10", e
assert "does not match the receipt" in e["message"], e
' "$OUT"

# --json on success: the same facts.
expect_exit 0 "$READ" check-receipt --json -p "$PUB" r.txt "x/$D"
expect_true "--json: the receipt's facts" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
want = {"valid": True, "path": sys.argv[2], "sha256": sys.argv[3], "size": 7785,
        "role": "document", "executable": False, "url": None, "retrieved": None,
        "title": "Turkish Cooperation with IS", "fingerprint": sys.argv[4],
        "signer": {"key_id": sys.argv[5], "key_file": sys.argv[6]}, "entry": 3, "entries": 5,
        "file": {"name": "x/" + sys.argv[2], "matches": True}}
for k, v in want.items():
    assert j[k] == v, (k, j[k], v)
assert j["metadata"]["id"] == "turkish-cooperation-with-is-2014", j["metadata"]
' "$OUT" "$D" "$sha" "$fp" "$kid" "$PUB"

# The binary receipt and the base64 line alone are receipts too.
python3 -c 'import base64, sys; sys.stdout.buffer.write(base64.b64decode(open(sys.argv[1]).read().split("\n")[1]))' r.txt >r.bin
b64 r.txt >r.b64
for f in r.bin r.b64; do
    expect_exit 0 "$READ" check-receipt -p "$PUB" "$f" "x/$D"
    expect_stdout_contains "x/$D: matches"
done

# The trusted-keys directory, when there is no -p.
mkdir -p "$HOME/.config/quire/trusted"
cp "$PUB" "$HOME/.config/quire/trusted/publisher.pub"
expect_exit 0 "$READ" check-receipt r.txt
expect_stdout_contains "signer:    $kid (trusted: $HOME/.config/quire/trusted/publisher.pub)"
rm -r "$HOME/.config/quire"

# ---- provenance shown, escaped ----
mkdir -p prov/docs
printf 'alpha text\n' >prov/docs/a.txt
printf 'beta text\n' >prov/docs/b.txt
cat >prov/sources.json <<'EOF'
[
 {"id": "a", "type": "webpage", "title": "Alpha \u001b[31mred\u202e page",
  "URL": "https://example.org/a?x=1", "accessed": {"date-parts": [[2024, 3, 5]]},
  "quire-files": ["docs/a.txt"]},
 {"id": "b", "type": "webpage", "URL": "https://example.org/b",
  "quire-capture": {"date": "2023-11-02T10:20:30Z", "record": "urn:uuid:1"},
  "quire-files": ["docs/b.txt"]}
]
EOF
(cd prov && "$PACK" create -q -k "$KEY" -o ../prov.quire -s sources.json docs) >/dev/null ||
    fail "cannot pack prov.quire"
expect_exit 0 "$READ" receipt -p "$PUB" -o a.r prov.quire docs/a.txt
expect_exit 0 "$READ" check-receipt -p "$PUB" a.r prov/docs/a.txt
expect_stdout_contains "source:    https://example.org/a?x=1"
expect_stdout_contains "retrieved: 2024-03-05"
expect_stdout_contains 'title:     Alpha \x1b[31mred\u202e page'
expect_stdout_contains "entry:     0 of 2"
expect_true "no raw control or bidi character on stdout" python3 -c '
import sys
out = open(sys.argv[1], "rb").read()
assert b"\x1b" not in out and "\u202e".encode() not in out, out
' "$OUT"
expect_exit 0 "$READ" receipt -p "$PUB" -o b.r prov.quire docs/b.txt
expect_exit 0 "$READ" check-receipt -p "$PUB" b.r
expect_stdout_contains "source:    https://example.org/b"
expect_stdout_contains "retrieved: 2023-11-02T10:20:30Z"
expect_true "no title line when there is no title" sh -c '! grep -q "^title:" "$0"' "$OUT"

# ---- -o: atomic, nothing replaced without --force ----
mkdir o
expect_exit 0 "$READ" receipt -p "$PUB" -o o/r.txt "$B" "$D"
expect_stdout_empty
expect_stderr_empty
expect_same o/r.txt r.txt
expect_mode o/r.txt 644
expect_only_files o r.txt
printf 'keep\n' >o/r.txt
expect_exit 2 "$READ" receipt -p "$PUB" -o o/r.txt "$B" "$D"
expect_stderr_contains "quire-read: o/r.txt: exists: use --force to replace it"
expect_true "an existing file is kept" grep -qx keep o/r.txt
expect_only_files o r.txt
expect_exit 0 "$READ" receipt -p "$PUB" --force -o o/r.txt "$B" "$D"
expect_same o/r.txt r.txt
expect_only_files o r.txt
expect_exit 0 "$READ" receipt -p "$PUB" -o - "$B" "$D"
expect_stdout_file r.txt
expect_exit 2 "$READ" receipt -p "$PUB" -o nodir/r.txt "$B" "$D"
expect_stderr_contains "nodir/r.txt: cannot create a temporary file beside it"
# The content is verified before a receipt is made: with a stored byte of the unit that holds
# the document changed, nothing is written, no temporary file is left.
python3 -c '
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[40] ^= 1
open(sys.argv[2], "wb").write(b)
' "$B" bad.quire
expect_exit 1 "$READ" receipt -p "$PUB" -o o/bad.txt bad.quire "$D"
expect_stderr_lines 1
expect_stderr_contains "quire-read: bad.quire: entry 3 ($D): unit 0: stored bytes do not match their BLAKE2b-256 (SPEC 9 step 10)"
expect_only_files o r.txt
expect_exit 1 "$READ" receipt -p "$PUB" bad.quire "$D"
expect_stdout_empty
expect_exit 1 "$READ" cite --receipt -p "$PUB" bad.quire "$D"
expect_stdout_empty

# ---- refusals and usage ----
expect_exit 2 "$READ" receipt --any-signer "$B" "$D"
expect_stderr_contains "receipt: --any-signer cannot be used: a receipt needs a signer verified by a trusted key (SPEC 10)"
expect_usage_on_stderr "quire-read receipt"
expect_stdout_empty
expect_exit 2 "$READ" check-receipt --any-signer -p "$PUB" r.txt
expect_stderr_contains "check-receipt: --any-signer cannot be used"
expect_exit 2 "$READ" cite --receipt --any-signer "$B" "$D"
expect_stderr_contains "cite: --receipt cannot be used with --any-signer"
expect_exit 2 "$READ" receipt -p "$PUB" "$B"
expect_stderr_contains "receipt: expected BUNDLE PATH"
expect_exit 2 "$READ" receipt --json -p "$PUB" "$B" "$D"
expect_stderr_contains "option --json is not supported by receipt"
expect_exit 2 "$READ" check-receipt -p "$PUB"
expect_stderr_contains "check-receipt: expected RECEIPT [FILE]"
expect_exit 2 "$READ" check-receipt -o x.r -p "$PUB" r.txt
expect_exit 2 "$READ" receipt -p "$PUB" "$B" docs/none.txt
expect_stderr_contains "no entry 'docs/none.txt' in the bundle"

# Another key: the bundle and the receipt are untrusted (exit 1), with no --any-signer advice.
expect_exit_notty 0 "$PACK" keygen -W -o "$T/other"
expect_exit 1 "$READ" receipt -p other.pub "$B" "$D"
expect_stderr_lines 1
expect_stderr_contains "which is not trusted (SPEC 9 step 6)"
expect_stderr_not_contains "any-signer"
expect_exit 1 "$READ" check-receipt -p other.pub r.txt
expect_stdout_empty
expect_stderr_lines 1
expect_stderr_first_line_starts "quire-read: r.txt: receipt: signed by key $kid, which is not trusted (SPEC 10); tried key $(key_id other.pub) (other.pub)"

# Not receipts: one line each, exit 1, never a crash.
python3 -c '
import random
rnd = random.Random(7)
open("garbage", "wb").write(bytes(rnd.randrange(256) for _ in range(3000)))
open("garbage-qrc2", "wb").write(b"QRC2ED" + bytes(rnd.randrange(256) for _ in range(600)))
open("huge", "wb").write(b"A" * ((2 << 20) + 1))
' || fail "cannot write the garbage files"
printf 'hello\n' >text
: >empty
head -c 200 r.bin >short.bin
{ cat r.txt; echo more; } >trailing.txt
for f in garbage garbage-qrc2 huge text empty short.bin trailing.txt; do
    expect_exit 1 "$READ" check-receipt -p "$PUB" "$f"
    expect_stdout_empty
    expect_stderr_lines 1
    expect_stderr_first_line_starts "quire-read: $f: receipt: "
done
expect_exit 1 "$READ" check-receipt --json -p "$PUB" garbage
expect_true "--json: garbage is an error object" python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["error"]
assert e["file"] == "garbage" and e["message"].startswith("receipt: "), e
' "$OUT"

# Missing and unreadable files: exit 2.
expect_exit 2 "$READ" check-receipt -p "$PUB" missing.r
expect_stderr_contains "quire-read: missing.r: cannot open: No such file or directory"
expect_exit 2 "$READ" check-receipt -p "$PUB" r.txt missing.txt
expect_stderr_contains "quire-read: missing.txt: cannot open: No such file or directory"
expect_exit 2 "$READ" check-receipt -p "$PUB" o
expect_stderr_contains "quire-read: o: cannot read"

# ---- thousands of entries: a receipt stays small ----
python3 -c '
import os
os.makedirs("bigin/d")
for i in range(3000):
    open("bigin/d/f%04d.txt" % i, "w").write("document %d\n" % i)
'
(cd bigin && "$PACK" create -q -k "$KEY" -o ../big.quire d) >/dev/null || fail "cannot pack big.quire"
expect_exit 0 "$READ" receipt -p "$PUB" -o big.r big.quire d/f1234.txt
expect_true "a receipt from a bundle of 3,000 entries is at most 1,024 bytes, with 12 proof hashes" \
    python3 -c '
import base64, struct, sys
raw = base64.b64decode(open(sys.argv[1]).read().split("\n")[1])
leaf_len = struct.unpack("<I", raw[242:246])[0]
assert raw[246 + leaf_len] == 12, raw[246 + leaf_len]
assert len(raw) <= 1024, len(raw)
print("big receipt: %d bytes" % len(raw))
' big.r
expect_exit 0 "$READ" check-receipt -p "$PUB" big.r bigin/d/f1234.txt
expect_stdout_contains "entry:     1234 of 3000"
expect_stdout_contains "bigin/d/f1234.txt: matches"
expect_exit 1 "$READ" check-receipt -p "$PUB" big.r bigin/d/f1235.txt

# ---- the Python checker agrees ----
expect_exit 0 python3 "$PYCHECK" "$PUB" r.txt
expect_stdout_is "ok $D $sha"
expect_exit 0 python3 "$PYCHECK" "$PUB" r.txt "x/$D"
expect_exit 1 python3 "$PYCHECK" "$PUB" r.txt mod.txt
expect_exit 1 python3 "$PYCHECK" other.pub r.txt
expect_exit 0 python3 "$PYCHECK" "$PUB" big.r bigin/d/f1234.txt
expect_stdout_is "ok d/f1234.txt $(sha256sum bigin/d/f1234.txt | cut -c1-64)"
expect_exit 0 python3 "$PYCHECK" "$PUB" a.r prov/docs/a.txt

# ---- cite --receipt ----
expect_exit 0 "$READ" cite --receipt --format csl-json -p "$PUB" "$B" "$D"
python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[0]["quire-receipt"])' "$OUT" >cited.r ||
    fail "no quire-receipt in the CSL-JSON"
expect_true "the CSL-JSON receipt is the base64 line of the receipt" test "$(cat cited.r)" = "$(b64 r.txt)"
expect_exit 0 "$READ" check-receipt -p "$PUB" cited.r "x/$D"
expect_stdout_contains "x/$D: matches"
expect_exit 0 python3 "$PYCHECK" "$PUB" cited.r "x/$D"
expect_exit 0 "$READ" cite --receipt --format bibtex -p "$PUB" "$B" "$D"
expect_stdout_contains "signed by key $kid; quire receipt: $(b64 r.txt)},"
expect_exit 0 "$READ" cite --receipt -p "$PUB" "$B" "$D"
expect_true "text: the last line is the receipt" test "$(tail -n 1 "$OUT")" = "receipt: $(b64 r.txt)"
expect_exit 0 "$READ" cite --format csl-json -p "$PUB" "$B" "$D"
expect_true "no receipt without --receipt" sh -c '! grep -q receipt "$0"' "$OUT"

# ---- every bit flipped: rejected with exit 1 and one line ----
python3 - "$READ" "$PUB" r.bin "$T" "$stride" "$phase" "$PYCHECK" <<'EOF' || fail "flipped receipts were not all rejected with exit 1 (rerun: QUIRE_RECEIPT_STRIDE=$stride QUIRE_RECEIPT_PHASE=$phase)"
import base64, os, subprocess, sys, threading

reader, pub, path, tmp, stride, phase, pycheck = sys.argv[1:8]
stride, phase = int(stride), int(phase)
good = open(path, "rb").read()
bits = [b for b in range(len(good) * 8) if b % stride == phase]
devnull = os.open(os.devnull, os.O_RDONLY)
local = threading.local()
failures, lock = [], threading.Lock()


def armour(raw, where):
    f = os.path.join(tmp, "flip-%d" % threading.get_ident())
    with open(f, "wb") as out:
        out.write(b"untrusted comment: quire receipt for flipped bit %d\n" % where)
        out.write(base64.b64encode(raw) + b"\n")
    return f


def run(args):
    # posix_spawn with stdout and stderr in one scratch file per thread: cheaper than pipes.
    if not hasattr(local, "fd"):
        local.fd = os.open(os.path.join(tmp, "out-%d" % threading.get_ident()),
                           os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    os.ftruncate(local.fd, 0)
    os.lseek(local.fd, 0, os.SEEK_SET)
    pid = os.posix_spawn(args[0], args, os.environ,
                         file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 0),
                                       (os.POSIX_SPAWN_DUP2, local.fd, 1),
                                       (os.POSIX_SPAWN_DUP2, local.fd, 2)])
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), os.pread(local.fd, 65536, 0)


def worker(share):
    for bit in share:
        raw = bytearray(good)
        raw[bit // 8] ^= 1 << (bit % 8)
        f = armour(bytes(raw), bit)
        rc, out = run([reader, "check-receipt", "-p", pub, f])
        prefix = b"quire-read: " + f.encode() + b": receipt: "
        if rc != 1 or out.count(b"\n") != 1 or not out.startswith(prefix):
            with lock:
                failures.append((bit, rc, out[:300]))


threads = [threading.Thread(target=worker, args=(bits[k::2],)) for k in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for bit, rc, out in failures[:10]:
    print("bit %d (byte %d): exit %d, %r" % (bit, bit // 8, rc, out))
print("%d of %d bits flipped (stride %d, phase %d), %d not rejected"
      % (len(bits), len(good) * 8, stride, phase, len(failures)))

# A few flipped receipts through the Python checker too: refused as by check-receipt.
disagree = 0
for bit in bits[::max(1, len(bits) // 8)]:
    raw = bytearray(good)
    raw[bit // 8] ^= 1 << (bit % 8)
    f = armour(bytes(raw), bit)
    got = subprocess.run([sys.executable, pycheck, pub, f], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    if got.returncode != 1:
        disagree += 1
        print("quire_receipt.py accepted or failed on bit %d: exit %d %r"
              % (bit, got.returncode, got.stdout + got.stderr))
sys.exit(1 if failures or disagree or not bits else 0)
EOF
ok

done_ok "stride $stride"
