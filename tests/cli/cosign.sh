#!/bin/sh
# SPDX-License-Identifier: ISC
# cosign.sh: issue 16. quire-pack sign adds a co-signature without changing a signed byte or
# the fingerprint, refuses a key that already signed (the same public key under any key id)
# and a 17th record; quire-read lists every record (trusted by which file, untrusted,
# invalid), --need N counts distinct trusted keys, -P takes minisign's base64 key, keys lists
# the trusted keys; a co-signer whose key id collides with the publisher's is handled; minisign
# verifies the statement with each key.
set -eu
. "$(dirname "$0")/lib.sh"

cd "$T"
mkdir docs
printf 'a document\n' >docs/a.txt
printf 'another\n' >docs/b.txt
for k in alice bob carol; do
    expect_exit 0 "$PACK" keygen -W -q -o $k
done
akid=$(key_id alice.pub)
bkid=$(key_id bob.pub)
# mallory: a key of her own under alice's key id; bobtoo: bob's key under another key id.
python3 - <<'EOF' || fail "cannot make mallory and bobtoo"
import base64
def b64(path): return base64.b64decode(open(path).read().splitlines()[1])
def write(path, comment, raw): open(path, "w").write("untrusted comment: %s\n%s\n" % (comment, base64.b64encode(raw).decode()))
a, c = b64("alice.pub"), b64("carol.pub")
ck, bk, b = b64("carol.key"), b64("bob.key"), b64("bob.pub")
# secret key: Ed, kdf 0, B2, salt, ops, mem, key id at 54, sk at 62, checksum at 126 (zero: -W)
write("mallory.key", "minisign unencrypted secret key", ck[:54] + a[2:10] + ck[62:126] + bytes(32))
write("mallory.pub", "mallory", c[:2] + a[2:10] + c[10:])
write("bobtoo.key", "minisign unencrypted secret key", bk[:54] + b"\x01" * 8 + bk[62:126] + bytes(32))
EOF
ok

expect_exit 0 "$PACK" create -q -k alice.key -o b.quire docs
fp=$(cat "$OUT")
cp b.quire b.orig
keep=$(python3 -c 'import struct,sys; b=open(sys.argv[1],"rb").read(); io,isz=struct.unpack("<QQ",b[-40:-24]); print(io+isz)' b.orig)

# ---- co-signing: verified first, signed bytes and fingerprint unchanged ----
expect_exit 2 "$PACK" sign -k bob.key b.quire
expect_stderr_contains "sign: -p PUB or -P KEY is required"
expect_exit 1 "$PACK" sign -k bob.key -p carol.pub b.quire
expect_stderr_contains "which is not trusted"
expect_true "a refused sign leaves the bundle" cmp -s b.quire b.orig
expect_exit 0 "$PACK" sign -k bob.key -p alice.pub -t "reviewed by bob" b.quire
expect_stdout_is "$fp"
expect_stderr_contains "b.quire: signature 1 added by key $bkid"
expect_true "the signed bytes did not change" cmp -s -n "$keep" b.quire b.orig
expect_true "no temporary file is left" sh -c '[ "$(ls -A | grep -c "^\.")" -eq 0 ]'
expect_exit 0 "$READ" verify --json -p bob.pub b.quire
expect_true "fingerprint unchanged after co-signing" python3 -c '
import json, sys
assert json.load(open(sys.argv[1]))["fingerprint"] == sys.argv[2]' "$OUT" "$fp"

# ---- signing twice with one key is refused, also under another key id ----
cp b.quire b.two
expect_exit 1 "$PACK" sign -k bob.key -p alice.pub b.quire
expect_stderr_contains "already signed by key $bkid (signature 1): a key signs a bundle once"
expect_exit 1 "$PACK" sign -k bobtoo.key -p alice.pub b.quire
expect_stderr_contains "already signed by key 0101010101010101 (signature 1)"
expect_exit 1 "$PACK" sign -k alice.key -P "$(sed -n 2p alice.pub)" b.quire
expect_stderr_contains "already signed by key $akid (signature 0)"
expect_true "refused signatures leave the bundle" cmp -s b.quire b.two

# ---- two keys, one of them not trusted: every record listed ----
expect_exit 0 "$READ" verify -p alice.pub b.quire
expect_stdout_contains "  0 $akid trusted: alice.pub"
expect_stdout_contains "  1 $bkid untrusted"
expect_exit 0 "$READ" info --json -p bob.pub b.quire
expect_true "info --json lists both records" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["signatures"]
assert [r["status"] for r in s] == ["untrusted", "trusted"], s
assert s[1]["key_file"] == "bob.pub" and s[1]["comment"] == "reviewed by bob", s
assert s[0]["key_id"] == sys.argv[2] and "key_file" not in s[0], s' "$OUT" "$akid"
expect_exit 0 "$READ" info -p alice.pub -p bob.pub b.quire docs/a.txt
expect_stdout_contains "  1 $bkid trusted: bob.pub"

# ---- --need N: distinct trusted keys ----
expect_exit 1 "$READ" verify --need 2 -p alice.pub b.quire
expect_stderr_contains "quire-read: b.quire: signed by 1 distinct trusted key: alice.pub ($akid), 2 required (--need 2); 2 signature records in all"
expect_stdout_empty
expect_exit 1 "$READ" show --need 2 -p alice.pub b.quire docs/a.txt
expect_stdout_empty
cp alice.pub alice-copy.pub
expect_exit 1 "$READ" list --need 2 -p alice.pub -p alice-copy.pub b.quire
expect_stderr_contains "signed by 1 distinct trusted key"
expect_exit 0 "$READ" verify -q --need 2 -p alice.pub -P "$(sed -n 2p bob.pub)" b.quire
expect_exit 0 "$READ" show --need 2 -p alice.pub -p bob.pub b.quire docs/a.txt
expect_stdout_is "a document"
expect_exit 1 "$READ" verify --need 3 -p alice.pub -p bob.pub -p carol.pub b.quire
expect_stderr_contains "signed by 2 distinct trusted keys: alice.pub ($akid), bob.pub ($bkid), 3 required"
expect_exit 2 "$READ" verify --need 0 -p alice.pub b.quire
expect_stderr_contains "--need takes a number from 1 to 16"
expect_exit 2 "$READ" verify --need 2 --any-signer b.quire
expect_exit 2 "$READ" check-receipt --need 2 -p alice.pub b.quire
expect_stderr_contains "option --need is not supported by check-receipt"

# ---- a co-signer whose key id is the publisher's ----
cp b.orig m.quire
expect_exit 0 "$PACK" sign -k mallory.key -p alice.pub m.quire
expect_stderr_contains "warning: key id $akid is also that of signature 0, by another key"
expect_exit 0 "$READ" verify --need 2 -p alice.pub -p mallory.pub m.quire
expect_stderr_contains "mallory.pub: warning: key id $akid is also that of the different key alice.pub"
expect_stdout_contains "  0 $akid trusted: alice.pub"
expect_stdout_contains "  1 $akid trusted: mallory.pub"
# in the other order the same: every key with the id is tried
expect_exit 0 "$READ" verify --json --need 2 -p mallory.pub -p alice.pub m.quire
expect_true "each record names its own key file" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["signatures"]
assert [r["key_file"] for r in s] == ["alice.pub", "mallory.pub"], s' "$OUT"
# a reader that trusts one of the two rejects the bundle (SPEC 9 step 6: a record naming a
# trusted key id that no trusted key verifies)
expect_exit 1 "$READ" verify -p alice.pub m.quire
expect_stderr_contains "signature 1 by trusted key $akid does not verify"

# ---- minisign verifies the statement with each key ----
if command -v minisign >/dev/null 2>&1; then
    for n in 0 1; do
        python3 - b.quire "$n" <<'EOF' || fail "cannot cut record $n"
import base64, struct, sys
b = open(sys.argv[1], "rb").read()
n = int(sys.argv[2])
io, isz, ssz, asz = struct.unpack("<QQQQ", b[-40:-8])
open("statement.bin", "wb").write(b[io + isz - 160:io + isz])
sb = b[io + isz:io + isz + ssz]
assert struct.unpack("<I", sb[8:12])[0] == 2
r = 16
for _ in range(n):
    r += 140 + struct.unpack("<H", sb[r + 74:r + 76])[0]
cl = struct.unpack("<H", sb[r + 74:r + 76])[0]
with open("statement.bin.minisig", "w") as f:
    f.write("untrusted comment: record %d\n" % n)
    f.write(base64.b64encode(sb[r:r + 74]).decode() + "\n")
    f.write("trusted comment: " + sb[r + 76:r + 76 + cl].decode() + "\n")
    f.write(base64.b64encode(sb[r + 76 + cl:r + 140 + cl]).decode() + "\n")
EOF
        pub=alice.pub
        [ "$n" = 1 ] && pub=bob.pub
        expect_exit 0 minisign -Vm statement.bin -x statement.bin.minisig -p $pub
        expect_exit 1 minisign -Vm statement.bin -x statement.bin.minisig -p carol.pub
    done
    expect_exit 0 minisign -Vm statement.bin -x statement.bin.minisig -p bob.pub
    expect_stdout_contains "reviewed by bob"
    expect_true "the statement's SHA-256 is the fingerprint" sh -c \
        '[ "$(sha256sum statement.bin | cut -c1-64)" = "$1" ]' sh "$fp"
fi

# ---- at most 16 records (SPEC 8) ----
cp b.orig full.quire
i=1
while [ $i -lt 16 ]; do
    "$PACK" keygen -W -q -o k$i >/dev/null 2>&1 || fail "keygen k$i"
    "$PACK" sign -q -k k$i.key -p alice.pub full.quire >/dev/null 2>&1 || fail "sign $i"
    i=$((i + 1))
done
expect_exit 0 "$READ" verify -q --need 16 $(for j in $(seq 1 15); do echo -p k$j.pub; done) -p alice.pub full.quire
cp full.quire full.copy
expect_exit 1 "$PACK" sign -k bob.key -p alice.pub full.quire
expect_stderr_contains "already holds 16 signatures, the most a bundle may (SPEC 8)"
expect_true "the full bundle is unchanged" cmp -s full.quire full.copy

# ---- -o: the co-signed bundle elsewhere, the original untouched ----
cp b.orig b.keep
expect_exit 0 "$PACK" sign -q -k carol.key -p alice.pub -o out.quire b.orig
expect_stdout_is "$fp"
expect_same b.orig b.keep
expect_exit 0 "$READ" verify -q --need 2 -p alice.pub -p carol.pub out.quire

# ---- quire-read keys: file, key id, comment; bad keys warned about ----
D=$T/trusted
mkdir "$D"
cp alice.pub bob.pub "$D/"
printf 'not a key\n' >"$D/junk.pub"
expect_exit 0 env QUIRE_TRUSTED_KEYS="$D" "$READ" keys
expect_stdout_contains "$akid  $D/alice.pub  minisign public key $akid"
expect_stdout_contains "$bkid  $D/bob.pub  minisign public key $bkid"
expect_stderr_contains "$D/junk.pub: warning: not used as a trusted key: public key: not a base64 minisign key"
expect_exit 0 "$READ" keys --json -p alice.pub -P "$(sed -n 2p carol.pub)"
expect_true "keys --json" python3 -c '
import json, sys
k = json.load(open(sys.argv[1]))
assert [x["file"] for x in k][0] == "alice.pub" and k[1]["file"].startswith("-P RW"), k
assert k[0]["comment"].startswith("minisign public key"), k' "$OUT"
expect_exit 0 "$READ" keys -p alice.pub -p mallory.pub
expect_stderr_contains "warning: key id $akid is also that of the different key alice.pub"
expect_exit 2 "$READ" verify -P "not base64" b.quire
expect_stderr_contains "quire-read: -P: public key: not a base64 minisign key"
done_ok
