#!/bin/sh
# SPDX-License-Identifier: ISC
# minisign.sh: a bundle's signature record is a minisign signature of its statement, the
# 160-byte signed message (SPEC 5.1, 6.2). The statement and the record are cut out of the
# bundle by the layout of SPEC.md (trailer: the last 40 bytes, index_offset u64le, index_size
# u64le, sigblock_size u64le, attachments_size u64le, "QUIREEND"; the statement: the last 160
# bytes of the index region; the signature block: "QUIRESIG", u32 count, u32 0, then records
# "ED" key_id[8] sig[64] u16le comment_len comment global_sig[64]), rebuilt as a .minisig file,
# and the real minisign must accept it with the public key, and reject it once the statement or
# the comment changes.
set -eu
. "$(dirname "$0")/lib.sh"

command -v minisign >/dev/null 2>&1 || fail "minisign is not installed"
cd "$T"

# cut BUNDLE DIR: writes DIR/statement.bin and DIR/statement.bin.minisig; prints the key id (hex, as
# minisign and quire print it) and the trusted comment.
cut_signature()
{
    mkdir -p "$2"
    python3 - "$1" "$2" <<'EOF'
import base64, struct, sys
b = open(sys.argv[1], "rb").read()
out = sys.argv[2]
assert b[-8:] == b"QUIREEND", "no trailer magic"
io, isz, ssz, asz = struct.unpack("<QQQQ", b[-40:-8])
assert asz == 0 and io + isz + ssz + 40 == len(b), "the regions do not tile the file"
index = b[io + isz - 160:io + isz]
assert index[:16] == b"quire statement\0", "statement domain string missing"
sb = b[io + isz:io + isz + ssz]
assert sb[:8] == b"QUIRESIG", "no signature block magic"
count, reserved = struct.unpack("<II", sb[8:16])
assert count == 1 and reserved == 0, (count, reserved)
r = sb[16:]
assert r[:2] == b"ED", "not a prehashed Ed25519 record"
key_id, sig = r[2:10], r[10:74]
clen = struct.unpack("<H", r[74:76])[0]
comment = r[76:76 + clen]
global_sig = r[76 + clen:140 + clen]
assert len(r) == 140 + clen, "trailing bytes in the signature block"
open(out + "/statement.bin", "wb").write(index)
with open(out + "/statement.bin.minisig", "w") as f:
    f.write("untrusted comment: quire\n")
    f.write(base64.b64encode(b"ED" + key_id + sig).decode() + "\n")
    f.write("trusted comment: " + comment.decode("utf-8") + "\n")
    f.write(base64.b64encode(global_sig).decode() + "\n")
print(key_id[::-1].hex().upper(), comment.decode("utf-8"))
EOF
}

# The golden bundle, signed with the committed test key.
cut_signature "$FIX/dossier.quire" golden >cut.out
expect_true "the golden's key id is not C90BF7336C41C400" grep -q '^C90BF7336C41C400 quire bundle$' cut.out
expect_exit 0 minisign -Vm golden/statement.bin -x golden/statement.bin.minisig -p "$PUB"
expect_stdout_contains "quire bundle"
expect_exit 0 minisign -Vm golden/statement.bin -x golden/statement.bin.minisig \
    -P "$(sed -n 2p "$PUB")"
# The statement's SHA-256 is the fingerprint quire-read prints.
expect_exit 0 "$READ" verify --json -p "$PUB" "$FIX/dossier.quire"
python3 - "$OUT" golden/statement.bin <<'EOF' || fail "the fingerprint is not SHA-256 of the statement"
import hashlib, json, sys
fpr = json.load(open(sys.argv[1]))["fingerprint"]
assert fpr == hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
EOF
ok

# A flipped statement byte, anywhere, makes minisign fail.
size=$(wc -c <golden/statement.bin)
for off in 0 15 16 48 64 79 96 128 $((size - 1)); do
    python3 -c '
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[int(sys.argv[2])] ^= 1
open(sys.argv[3], "wb").write(b)
' golden/statement.bin "$off" golden/bad.bin
    expect_differ golden/statement.bin golden/bad.bin
    expect_exit 1 minisign -Vm golden/bad.bin -x golden/statement.bin.minisig -p "$PUB"
done
# So does a changed trusted comment (minisign's global signature covers it).
sed 's/^trusted comment: quire bundle$/trusted comment: quire bundlf/' \
    golden/statement.bin.minisig >golden/comment.minisig
expect_differ golden/statement.bin.minisig golden/comment.minisig
expect_exit 1 minisign -Vm golden/statement.bin -x golden/comment.minisig -p "$PUB"
# And another key.
expect_exit 0 "$PACK" keygen -W -o other
expect_exit 1 minisign -Vm golden/statement.bin -x golden/statement.bin.minisig -p other.pub

# A bundle signed by a fresh quire key with a custom comment, and by a key made by minisign.
mkdir docs
printf 'minisign interoperability\n' >docs/a.txt
expect_exit 0 "$PACK" create -k other.key -t "signed by other: ṣūra" -o other.quire docs
cut_signature other.quire o >cut.out
okid=$(key_id other.pub)
expect_true "other.quire names key id '$(cut -d' ' -f1 cut.out)', not $okid" \
    grep -q "^$okid signed by other: ṣūra\$" cut.out
expect_exit 0 minisign -Vm o/statement.bin -x o/statement.bin.minisig -p other.pub
expect_stdout_contains "signed by other: ṣūra"
expect_exit 1 minisign -Vm o/statement.bin -x o/statement.bin.minisig -p "$PUB"

expect_exit 0 minisign -G -W -p mk.pub -s mk.key
expect_exit 0 "$PACK" create -k mk.key -t "minisign key" -o mk.quire docs
cut_signature mk.quire m >/dev/null
expect_exit 0 minisign -Vm m/statement.bin -x m/statement.bin.minisig -p mk.pub
expect_stdout_contains "minisign key"
# The same statement signed by minisign itself, prehashed, with the same trusted comment, verifies
# with quire's record swapped in: both sign exactly the statement bytes.
expect_exit 0 minisign -S -s mk.key -m m/statement.bin -x m/own.minisig -t "minisign key"
expect_exit 0 minisign -Vm m/statement.bin -x m/own.minisig -p mk.pub
# Ed25519 signatures are deterministic: minisign's own signature line equals quire's.
expect_true "minisign's signature of the statement differs from the one in the bundle" \
    test "$(sed -n 2p m/own.minisig)" = "$(sed -n 2p m/statement.bin.minisig)"
expect_true "minisign's global signature differs from the one in the bundle" \
    test "$(sed -n 4p m/own.minisig)" = "$(sed -n 4p m/statement.bin.minisig)"

done_ok
