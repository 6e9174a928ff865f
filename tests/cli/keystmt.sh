#!/bin/sh
# SPDX-License-Identifier: ISC
# keystmt.sh: issue 16, key rotation and revocation (SPEC 14). A reader that trusts A follows
# A -> B -> C; a rotation signed by one key, a fork (a thief's second rotation of A), a cycle
# back to a retired key and a revocation by another publisher are refused; a revoked key's
# bundles are untrusted (no trusted time proves them older) and its rotations are not followed;
# a chain counts once for --need; signatures do not pass between statements and bundles.
set -eu
. "$(dirname "$0")/lib.sh"

cd "$T"
mkdir docs
printf 'a document\n' >docs/a.txt
for k in a b c x d; do
    expect_exit 0 "$PACK" keygen -W -q -o $k
    expect_exit 0 "$PACK" create -q -k $k.key -o $k.quire docs
done
akid=$(key_id a.pub)
bkid=$(key_id b.pub)
ckid=$(key_id c.pub)

expect_exit 0 "$PACK" rotate -k a.key --new-key b.key --date 2026-01-01 -o ab.rotation
expect_stderr_contains "ab.rotation: rotation from key $akid to key $bkid"
expect_exit 0 "$PACK" rotate -q -k b.key --new-key c.key --date 2026-06-01 -o bc.rotation
expect_exit 2 "$PACK" rotate -q -k b.key --new-key c.key -o bc.rotation
expect_stderr_contains "bc.rotation: exists: use --force to replace it"
expect_exit 2 "$PACK" rotate -k a.key --new-key a.key -o aa.rotation
expect_stderr_contains "the old and the new key are the same key"
expect_exit 2 "$PACK" rotate -k a.key --new-key b.key --date 2026-13-01 -o z.rotation
expect_stderr_contains "--date 2026-13-01: expected YYYY-MM-DD"
expect_absent z.rotation

# ---- minisign verifies each record of a statement over its body (SPEC 14.1) ----
if command -v minisign >/dev/null 2>&1; then
    for n in 0 1; do
        python3 - ab.rotation "$n" <<'EOF' || fail "cannot cut record $n of ab.rotation"
import base64, struct, sys
f = open(sys.argv[1], "rb").read()
n = int(sys.argv[2])
open("body.bin", "wb").write(f[:104])
sb = f[104:]
r = 16
for _ in range(n):
    r += 140 + struct.unpack("<H", sb[r + 74:r + 76])[0]
cl = struct.unpack("<H", sb[r + 74:r + 76])[0]
with open("body.bin.minisig", "w") as o:
    o.write("untrusted comment: rotation record %d\n" % n)
    o.write(base64.b64encode(sb[r:r + 74]).decode() + "\n")
    o.write("trusted comment: " + sb[r + 76:r + 76 + cl].decode() + "\n")
    o.write(base64.b64encode(sb[r + 76 + cl:r + 140 + cl]).decode() + "\n")
EOF
        pub=a.pub
        [ "$n" = 1 ] && pub=b.pub
        expect_exit 0 minisign -Vm body.bin -x body.bin.minisig -p $pub
        expect_stdout_contains "quire key rotation"
    done
fi

# ---- a chain A -> B -> C, from --key-statement and from the trusted-keys directory ----
expect_exit 1 "$READ" verify -p a.pub c.quire
expect_exit 0 "$READ" verify -p a.pub --key-statement bc.rotation --key-statement ab.rotation c.quire
expect_stdout_contains "signer:          $ckid (trusted: a.pub via bc.rotation)"
expect_exit 1 "$READ" verify -p a.pub --key-statement bc.rotation c.quire
D=$T/trusted
mkdir "$D"
cp a.pub ab.rotation bc.rotation "$D/"
expect_exit 0 env QUIRE_TRUSTED_KEYS="$D" "$READ" list c.quire
expect_stdout_is "docs/a.txt"
expect_exit 0 env QUIRE_TRUSTED_KEYS="$D" "$READ" keys
expect_stdout_contains "$ckid  $D/a.pub via $D/bc.rotation"
# a reader that trusts C does not follow the chain backwards
expect_exit 1 "$READ" verify -p c.pub --key-statement ab.rotation --key-statement bc.rotation a.quire

# ---- a rotation signed by the old key only is refused ----
python3 - <<'EOF' || fail "cannot strip a signature"
import struct
b = bytearray(open("ab.rotation", "rb").read())
sb = b[104:]
first = 140 + struct.unpack("<H", sb[16 + 74:16 + 76])[0]
out = b[:104] + sb[:8] + struct.pack("<I", 1) + sb[12:16 + first]
open("ab-old-only.rotation", "wb").write(out)
EOF
expect_exit 1 "$READ" verify -p a.pub --key-statement ab-old-only.rotation b.quire
expect_stderr_contains "ab-old-only.rotation: warning: key statement not used: not signed by both the old and the new key (SPEC 14.2)"

# ---- a fork: a thief of A rotates it to X; both rotations of A are refused ----
expect_exit 0 "$PACK" rotate -q -k a.key --new-key x.key -o ax.rotation
expect_exit 1 "$READ" verify -p a.pub --key-statement ab.rotation --key-statement ax.rotation x.quire
expect_stderr_contains "ax.rotation: warning: key statement not used: the old key also rotates to another key"
expect_exit 1 "$READ" verify -p a.pub --key-statement ab.rotation --key-statement ax.rotation b.quire
expect_exit 0 "$READ" verify -q -p a.pub b.quire --key-statement ab.rotation

# ---- rollback: a rotation back to a key the chain left is refused ----
expect_exit 0 "$PACK" rotate -q -k b.key --new-key a.key -o ba.rotation
expect_exit 1 "$READ" verify -p b.pub --key-statement ab.rotation --key-statement ba.rotation a.quire
expect_stderr_contains "ba.rotation: warning: key statement not used: leads back to a key its chain left"

# ---- revocation ----
expect_exit 0 "$PACK" revoke -k b.key --date 2026-03-01 -o b.revocation
expect_stderr_contains "b.revocation: revocation of key $bkid"
S="--key-statement ab.rotation --key-statement bc.rotation --key-statement b.revocation"
expect_exit 1 "$READ" verify -p a.pub $S b.quire
expect_stderr_contains "quire-read: b.quire: signed by key $bkid (a.pub via ab.rotation), revoked from 2026-03-01T00:00:00Z by b.revocation, and no trusted time proves the bundle older (SPEC 14.4); not trusted"
expect_exit 1 "$READ" verify -p a.pub $S c.quire # C was reached out of the revoked B
expect_exit 0 "$READ" verify -q -p a.pub $S a.quire
# a directly trusted key is revoked too, whatever other way it is trusted
expect_exit 1 "$READ" show -p b.pub --key-statement b.revocation b.quire docs/a.txt
expect_stdout_empty
expect_exit 0 "$READ" keys -p b.pub --key-statement b.revocation
expect_stdout_contains "REVOKED from 2026-03-01T00:00:00Z"
# nor is a receipt of a revoked key
expect_exit 0 "$READ" receipt -p b.pub -o b.receipt b.quire docs/a.txt
expect_exit 0 "$READ" check-receipt -p b.pub b.receipt
expect_exit 1 "$READ" check-receipt -p b.pub --key-statement b.revocation b.receipt
expect_stderr_contains "signed by b.pub, a revoked key, and no trusted time proves the receipt older than its revocation (SPEC 14.4)"
# a revocation cannot be taken back: the earliest date of all counts
expect_exit 0 "$PACK" revoke -q -k b.key --date 2027-01-01 -o b-late.revocation
expect_exit 0 "$READ" keys --json -p b.pub --key-statement b-late.revocation --key-statement b.revocation
expect_true "the earliest revocation counts" python3 -c '
import json, sys
k = json.load(open(sys.argv[1]))
assert k[0]["revoked_from"] == "2026-03-01T00:00:00Z" and k[0]["revoked_by"] == "b.revocation", k' "$OUT"
# mix-and-match: D, another publisher the reader trusts, cannot revoke A; B, of A's chain, can
expect_exit 0 "$PACK" revoke -q -k d.key --revoked a.pub -o a-by-d.revocation
expect_exit 0 "$READ" verify -q -p a.pub -p d.pub --key-statement a-by-d.revocation a.quire
expect_stderr_contains "a-by-d.revocation: warning: key statement not used: not signed by the revoked key or a key of its chain (SPEC 14.2)"
expect_exit 0 "$PACK" revoke -q -k b.key --revoked a.pub -o a-by-b.revocation
expect_exit 1 "$READ" verify -p a.pub --key-statement ab.rotation --key-statement a-by-b.revocation a.quire
expect_stderr_contains "revoked from"

# ---- --need counts a chain once ----
cp a.quire ab.quire
expect_exit 0 "$PACK" sign -q -k b.key -p a.pub ab.quire
expect_exit 1 "$READ" verify --need 2 -p a.pub --key-statement ab.rotation ab.quire
expect_stderr_contains "signed by 1 distinct trusted key: a.pub ($akid), 2 required (--need 2)"
expect_exit 0 "$READ" verify -q --need 2 -p a.pub -p b.pub ab.quire

# ---- mix-and-match: signatures do not pass between statements and bundles ----
# A's record from the rotation statement put in place of A's record in a.quire
python3 - <<'EOF' || fail "cannot transplant a record"
import struct
rot = open("ab.rotation", "rb").read()[104:]
b = bytearray(open("a.quire", "rb").read())
io, isz, ssz = struct.unpack("<QQQ", b[-40:-16])
s = io + isz + 16
b[s + 10:s + 74] = rot[16 + 10:16 + 74]   # the signature over the rotation body
open("mixed.quire", "wb").write(b)
EOF
expect_exit 1 "$READ" verify -p a.pub mixed.quire
expect_stderr_contains "does not verify"
expect_exit 2 "$READ" verify -p a.pub --key-statement a.quire a.quire
expect_stderr_contains "a.quire: not a key rotation or revocation statement (SPEC 14.1)"
expect_exit 2 "$READ" verify -p a.pub --key-statement missing.rotation a.quire
done_ok
