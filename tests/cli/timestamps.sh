#!/bin/sh
# SPDX-License-Identifier: ISC
# RFC 3161 time-stamps (SPEC 7.1, SPEC 9 step 13), air-gapped: quire-pack timestamp request and
# attach, quire-read verify and info with --tsa-ca and the trusted TSA directory. Two local
# time-stamping authorities, A and B, each with its own root CA, made here with openssl (TSA
# certificates with extendedKeyUsage critical,timeStamping) and replying with `openssl ts
# -reply`; a third, X, whose certificate has expired. Covered: both tokens attached and trusted;
# a token from an authority that is not trusted; a token over other data (attach refuses it, a
# hand-inserted one fails verify); a tampered token; an expired TSA certificate; a reply that
# does not answer the request; openssl ts -verify accepting the same token for the same data;
# the fingerprint, the signed bytes and the signature records unchanged by attach, minisign
# still verifying the statement; hostile attachment framing refused with the SPEC rule.
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || fail "openssl is not installed (scripts/install-deps.sh)"
cd "$T"

expect_stdout_not_contains()
{
    if grep -qF -- "$1" "$OUT"; then fail "stdout contains '$1'"; fi
    ok
}

# ---- two authorities and an expired one ----
# mk_tsa NAME [START END]: NAME/ca.pem (root), NAME/tsa.pem + NAME/tsa.key, NAME/tsa.cnf for
# openssl ts -reply; START and END (YYYYMMDDHHMMSSZ) the TSA certificate's validity.
mk_tsa()
{
    d=$T/$1
    mkdir -p "$d/new"
    : >"$d/index.txt"
    echo 01 >"$d/serial"
    cat >"$d/ca.cnf" <<CNF
[ ca ]
default_ca = ca_default
[ ca_default ]
dir = $d
database = $d/index.txt
new_certs_dir = $d/new
certificate = $d/ca.pem
private_key = $d/ca.key
serial = $d/serial
default_md = sha256
default_days = 365
policy = any
unique_subject = no
[ any ]
organizationName = optional
commonName = supplied
[ tsa_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ tsa ]
default_tsa = tsa_default
[ tsa_default ]
serial = $d/tsaserial
signer_cert = $d/tsa.pem
signer_key = $d/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_alg = sha256
CNF
    echo 01 >"$d/tsaserial"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
        -keyout "$d/ca.key" -out "$d/ca.pem" -subj "/CN=quire test root $1" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
        2>/dev/null || fail "openssl: cannot make the root of $1"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/tsa.key" \
        -out "$d/tsa.csr" -subj "/O=quire tests/CN=quire test TSA $1" 2>/dev/null ||
        fail "openssl: cannot make the TSA key of $1"
    openssl ca -batch -config "$d/ca.cnf" -extensions tsa_ext -notext -in "$d/tsa.csr" \
        -out "$d/tsa.pem" ${2:+-startdate "$2" -enddate "$3"} 2>/dev/null ||
        fail "openssl: cannot certify the TSA of $1"
}
mk_tsa A
mk_tsa B
mk_tsa X 20200101000000Z 20210101000000Z

# reply NAME REQ OUT: the authority NAME answers the request REQ.
reply()
{
    openssl ts -reply -config "$T/$1/ca.cnf" -section tsa_default -queryfile "$2" -out "$3" \
        2>/dev/null || fail "openssl ts -reply ($1) failed"
}

mkdir docs other
echo "the document to date" >docs/a.txt
echo "another bundle" >other/b.txt
"$PACK" create -q -k "$KEY" -o b.quire docs >/dev/null 2>&1 || fail "cannot pack b.quire"
"$PACK" create -q -k "$KEY" -o o.quire other >/dev/null 2>&1 || fail "cannot pack o.quire"
cp b.quire b.orig

# tail BUNDLE: index region end, and the signature block bytes (hex) of BUNDLE.
fingerprint()
{
    "$READ" info --json -p "$PUB" "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["fingerprint"])'
}
signed_part()
{
    python3 - "$1" <<'PY'
import hashlib, struct, sys
b = open(sys.argv[1], "rb").read()
io, isz, ssz, asz = struct.unpack("<QQQQ", b[-40:-8])
print(hashlib.sha256(b[:io + isz + ssz]).hexdigest(), asz)
PY
}
FP=$(fingerprint b.quire)
SIGNED=$(signed_part b.quire | cut -d' ' -f1)

# ---- request ----
expect_exit 0 "$PACK" timestamp request b.quire -o req.tsq
expect_stdout_empty
expect_exit 0 openssl ts -query -in req.tsq -text
expect_stdout_contains "Hash Algorithm: sha256"
expect_stdout_contains "Certificate required: yes"
expect_stdout_contains "Nonce: 0x"
expect_true "the request's imprint is the fingerprint" sh -c \
    "openssl ts -query -in req.tsq -text 2>/dev/null | tr -d ' \n-' | tr 'A-F' 'a-f' | grep -q '$(echo "$FP" | cut -c1-32)'"
expect_exit 2 "$PACK" timestamp request b.quire -o req.tsq
expect_stderr_contains "use --force"
expect_exit 2 "$PACK" timestamp request b.quire
expect_stderr_contains "-o REQ.tsq is required"
expect_exit 2 "$PACK" timestamp request nope.quire -o x.tsq
expect_stderr_contains "nope.quire: cannot open"
expect_absent x.tsq
expect_exit 1 "$PACK" timestamp request "$FIX/bad/7.1-attachments-magic.quire" -o x.tsq
expect_stderr_contains "attachments: bad magic (SPEC 7.1)"
expect_exit 2 "$PACK" timestamp frob b.quire
expect_exit 0 "$PACK" timestamp --help
expect_stdout_contains "quire-pack timestamp attach"

# ---- a reply that does not answer the request: another request's nonce ----
"$PACK" timestamp request b.quire -o req2.tsq 2>/dev/null || fail "second request"
reply A req2.tsq a2.tsr
expect_exit 1 "$PACK" timestamp attach -q req.tsq b.quire a2.tsr
expect_stderr_contains "the reply does not answer the request"
expect_stderr_contains "nonce"
expect_same b.quire b.orig
# a reply made for another bundle's request: its imprint is not this fingerprint
"$PACK" timestamp request o.quire -o oreq.tsq 2>/dev/null || fail "request for o.quire"
reply A oreq.tsq other.tsr
expect_exit 1 "$PACK" timestamp attach b.quire other.tsr
expect_stderr_contains "the reply does not answer the request"
expect_stderr_contains "imprint"
expect_exit 1 "$PACK" timestamp attach -q oreq.tsq b.quire other.tsr
expect_stderr_contains "the request is not for this bundle"
expect_same b.quire b.orig
# not a reply at all
echo "not DER" >junk.tsr
expect_exit 1 "$PACK" timestamp attach b.quire junk.tsr
expect_stderr_contains "not one DER TimeStampResp"
# with --tsa-ca, a token of an authority not in it is refused
reply A req.tsq a.tsr
expect_exit 1 "$PACK" timestamp attach -q req.tsq --tsa-ca "$T/B/ca.pem" b.quire a.tsr
expect_stderr_contains "the token is not trusted"
expect_same b.quire b.orig

# ---- both authorities attached ----
expect_exit 0 "$PACK" timestamp attach -q req.tsq --tsa-ca "$T/A/ca.pem" b.quire a.tsr
expect_stderr_empty
expect_exit 2 "$PACK" timestamp attach -q req.tsq b.quire a.tsr
expect_stderr_contains "already has this token"
reply B req2.tsq b.tsr
expect_exit 0 "$PACK" timestamp attach -q req2.tsq b.quire b.tsr
expect_true "the fingerprint is unchanged" test "$(fingerprint b.quire)" = "$FP"
expect_true "the signed bytes and the signature block are unchanged" \
    test "$(signed_part b.quire | cut -d' ' -f1)" = "$SIGNED"
expect_true "the attachments hold the two tokens" test "$(signed_part b.quire | cut -d' ' -f2)" -gt 1000

expect_exit 0 "$READ" verify -p "$PUB" --tsa-ca "$T/A/ca.pem" --tsa-ca "$T/B/ca.pem" b.quire
expect_stdout_contains "timestamp:       existed no later than 20"
expect_stdout_contains "(CN=quire test TSA A,O=quire tests)"
expect_stdout_contains "(CN=quire test TSA B,O=quire tests)"
expect_stdout_not_contains "UNTRUSTED"
# SPEC 14.4: a revoked key's bundle stays trusted when a trusted token proves it older than
# the revocation, and only then.
expect_exit 0 "$PACK" revoke -q -k "$KEY" --date 2099-01-01 -o late.revocation
expect_exit 0 "$PACK" revoke -q -k "$KEY" --date 2000-01-01 -o early.revocation
expect_exit 0 "$READ" verify -p "$PUB" --key-statement late.revocation --tsa-ca "$T/A/ca.pem" b.quire
expect_stdout_contains "existed no later than 20"
mkdir -p no-tsa
expect_exit 1 env QUIRE_TRUSTED_TSA="$T/no-tsa" "$READ" verify -p "$PUB" \
    --key-statement late.revocation b.quire
expect_stderr_contains "revoked from 2099-01-01T00:00:00Z by late.revocation, and no trusted time proves the bundle older (SPEC 14.4)"
expect_exit 1 "$READ" verify -p "$PUB" --key-statement early.revocation --tsa-ca "$T/A/ca.pem" b.quire
expect_stderr_contains "revoked from 2000-01-01T00:00:00Z by early.revocation"
mkdir -p tsa-a && cp "$T/A/ca.pem" tsa-a/
expect_exit 0 env QUIRE_TRUSTED_TSA="$T/tsa-a" "$READ" show -p "$PUB" \
    --key-statement late.revocation b.quire docs/a.txt
expect_exit 1 env QUIRE_TRUSTED_TSA="$T/no-tsa" "$READ" show -p "$PUB" \
    --key-statement late.revocation b.quire docs/a.txt
expect_stdout_empty
# The JSON: one object per token
expect_exit 0 "$READ" verify --json -p "$PUB" --tsa-ca "$T/A/ca.pem" --tsa-ca "$T/B/ca.pem" b.quire
expect_true "verify --json: two trusted tokens with time and TSA" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
ts = j["timestamps"]
assert [t["status"] for t in ts] == ["trusted", "trusted"], ts
assert ts[0]["tsa"] == "CN=quire test TSA A,O=quire tests", ts[0]
assert ts[0]["policy"] == "1.3.6.1.4.1.99999.1" and ts[0]["time"].endswith("Z"), ts[0]
assert ts[0]["type"] == "rfc3161" and isinstance(ts[0]["unix_time"], int), ts[0]
assert j["existed_no_later_than"] == min(t["time"] for t in ts), j["existed_no_later_than"]
' "$OUT"
# info shows them too
expect_exit 0 "$READ" info -p "$PUB" --tsa-ca "$T/A/ca.pem" b.quire
expect_stdout_contains "existed no later than"
expect_stdout_contains "UNTRUSTED, not counted"
expect_exit 0 "$READ" info --json -p "$PUB" --tsa-ca "$T/B/ca.pem" b.quire
expect_true "info --json: A untrusted, B trusted" python3 -c '
import json, sys
ts = json.load(open(sys.argv[1]))["timestamps"]
assert [t["status"] for t in ts] == ["untrusted", "trusted"], ts
assert "unable to get local issuer certificate" in ts[0]["why"], ts[0]
' "$OUT"

# ---- the trusted TSA directory (beside the trusted keys), and QUIRE_TRUSTED_TSA ----
mkdir -p keys/tsa
cp "$PUB" keys/
cp "$T/B/ca.pem" keys/tsa/b.pem
QUIRE_TRUSTED_KEYS=$T/keys expect_exit 0 "$READ" verify b.quire
expect_stdout_contains "(CN=quire test TSA B,O=quire tests)"
expect_stdout_contains "UNTRUSTED, not counted: "
mkdir tsadir
cp "$T/A/ca.pem" tsadir/a.pem
QUIRE_TRUSTED_TSA=$T/tsadir expect_exit 0 "$READ" verify -p "$PUB" b.quire
expect_stdout_contains "existed no later than"
expect_stdout_contains "(CN=quire test TSA A,O=quire tests)"
QUIRE_TRUSTED_TSA=$T/nodir expect_exit 2 "$READ" verify -p "$PUB" b.quire
expect_stderr_contains "cannot open the trusted TSA directory"
# no authority trusted at all: both reported, neither counted, the bundle still verifies
expect_exit 0 "$READ" verify -p "$PUB" b.quire
expect_stdout_contains "UNTRUSTED, not counted"
expect_stdout_contains "no time-stamping authority is trusted"
expect_exit 0 "$READ" verify --json -p "$PUB" b.quire
expect_true "no trusted token: existed_no_later_than is null" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["existed_no_later_than"] is None and len(j["timestamps"]) == 2, j
' "$OUT"
# Without the module (as in the static quire-read): reported as not checked, never as trusted;
# with --tsa-ca, where the check was asked for, exit 2.
mkdir alone
cp "$READ" alone/quire-read
QUIRE_TSA_MODULE=$T/none.so expect_exit 0 alone/quire-read verify -p "$PUB" b.quire
expect_stdout_contains "timestamp:       NOT checked: $T/none.so: no such file"
expect_stdout_not_contains "existed no later than"
QUIRE_TSA_MODULE=$T/none.so expect_exit 0 alone/quire-read verify --json -p "$PUB" b.quire
expect_true "unchecked tokens in --json" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert [t["status"] for t in j["timestamps"]] == ["unchecked"] * 2, j
assert j["existed_no_later_than"] is None, j
' "$OUT"
QUIRE_TSA_MODULE=$T/none.so expect_exit 2 alone/quire-read verify -p "$PUB" --tsa-ca "$T/A/ca.pem" b.quire
expect_stderr_contains "time-stamp tokens cannot be checked (SPEC 7.1): the time-stamp module cannot be loaded"
QUIRE_TSA_MODULE=$(dirname "$READ")/quire-tsa.so expect_exit 0 alone/quire-read verify -p "$PUB" \
    --tsa-ca "$T/A/ca.pem" b.quire
expect_stdout_contains "existed no later than"
expect_exit 2 "$READ" verify -p "$PUB" --tsa-ca "$T/none.pem" b.quire
expect_stderr_contains "--tsa-ca $T/none.pem: cannot open"
expect_exit 2 "$READ" list -p "$PUB" --tsa-ca "$T/A/ca.pem" b.quire
expect_stderr_contains "not supported by list"
# The other commands read the bundle without loading the module.
QUIRE_TSA_MODULE=$T/none.so expect_exit 0 "$READ" show -p "$PUB" b.quire docs/a.txt
expect_stdout_contains "the document to date"

# The committed fixture (fixtures/make-timestamped.sh, Appendix A's bundle with a token; the
# static build's test reads it too) verifies with its authority's certificate.
expect_exit 0 "$READ" verify -p "$PUB" --tsa-ca "$FIX/keys/tsa-ca.pem" "$FIX/timestamped.quire"
expect_stdout_contains "existed no later than 2026-"
expect_stdout_contains "(CN=quire fixture TSA,O=quire fixtures)"
expect_true "the fixture's fingerprint is Appendix A's" test \
    "$(fingerprint "$FIX/timestamped.quire")" = "$(fingerprint "$FIX/tiny.quire")"

# The module (and with it libcrypto) is loaded only for a bundle with a token, and only by the
# commands that report time-stamps (glibc's loader names each object it opens).
expect_exit 0 env LD_DEBUG=files "$READ" verify -q -p "$PUB" "$FIX/tiny.quire"
expect_true "no token: quire-tsa.so is not loaded" sh -c "! grep -q -e quire-tsa.so -e libcrypto '$ERR'"
expect_exit 0 env LD_DEBUG=files "$READ" list -p "$PUB" "$FIX/timestamped.quire"
expect_true "list: quire-tsa.so is not loaded" sh -c "! grep -q -e quire-tsa.so -e libcrypto '$ERR'"
expect_exit 0 env LD_DEBUG=files "$READ" verify -q -p "$PUB" "$FIX/timestamped.quire"
expect_true "a token: verify loads quire-tsa.so" grep -q quire-tsa.so "$ERR"
expect_true "quire-read itself does not link libcrypto" sh -c "! ldd '$READ' | grep -q libcrypto"

# ---- openssl ts -verify: the same token, the same data (the man page's command) ----
python3 - b.quire <<'PY' || fail "cannot cut the tokens"
import struct, sys
b = open(sys.argv[1], "rb").read()
io, isz, ssz, asz = struct.unpack("<QQQQ", b[-40:-8])
open("statement.bin", "wb").write(b[io + isz - 160:io + isz])
a = b[io + isz + ssz:io + isz + ssz + asz]
assert a[:8] == b"QUIREATT"
off = 16
for i in range(struct.unpack("<I", a[8:12])[0]):
    t, _, n = struct.unpack("<HHI", a[off:off + 8])
    open("token%d.der" % i, "wb").write(a[off + 8:off + 8 + n])
    off += 8 + n
PY
expect_exit 0 openssl ts -verify -data statement.bin -in token0.der -token_in -CAfile "$T/A/ca.pem"
expect_stdout_contains "Verification: OK"
expect_exit 0 openssl ts -verify -data statement.bin -in token1.der -token_in -CAfile "$T/B/ca.pem"
expect_stdout_contains "Verification: OK"
expect_exit 0 openssl ts -verify -digest "$FP" -in token0.der -token_in -CAfile "$T/A/ca.pem"
expect_exit 1 openssl ts -verify -data statement.bin -in token0.der -token_in -CAfile "$T/B/ca.pem"

# ---- minisign still verifies the statement (the SPEC 6.2 recipe, attachments present) ----
if command -v minisign >/dev/null; then
    sed -n '/^# usage: sh quire-minisig.sh/,/^```$/p' "$SRC/SPEC.md" | sed '$d' >recipe.sh
    mkdir ms
    (cd ms && sh ../recipe.sh ../b.quire 0) || fail "the SPEC 6.2 recipe failed"
    expect_exit 0 minisign -Vm ms/statement.bin -x ms/statement.bin.minisig -p "$PUB"
    expect_same ms/statement.bin statement.bin
fi

# ---- hand-made bundles: surgery on the attachments area ----
# put BUNDLE OUT PYEXPR: OUT is BUNDLE with its attachments area replaced by PYEXPR (bytes; `a`
# is the current area, `tok(i)` token i's body, `rec(type, body)` a record, `hdr(n)` a header),
# the trailer rewritten so that the regions still tile the file.
put()
{
    python3 - "$1" "$2" "$3" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
io, isz, ssz, asz = struct.unpack("<QQQQ", b[-40:-8])
head, a = b[:io + isz + ssz], b[io + isz + ssz:len(b) - 40]
def tok(i):
    off = 16
    for k in range(i + 1):
        t, _, n = struct.unpack("<HHI", a[off:off + 8])
        body = a[off + 8:off + 8 + n]
        off += 8 + n
    return body
def rec(t, body, reserved=0, n=None):
    return struct.pack("<HHI", t, reserved, len(body) if n is None else n) + body
def hdr(n, reserved=0, magic=b"QUIREATT"):
    return magic + struct.pack("<II", n, reserved)
new = eval(sys.argv[3])
open(sys.argv[2], "wb").write(head + new + struct.pack("<QQQQ", io, isz, ssz, len(new)) + b"QUIREEND")
PY
}
V="-p $PUB --tsa-ca $T/A/ca.pem --tsa-ca $T/B/ca.pem"
# A token over other data, put in by hand: verify fails (an invalid token fails the bundle).
openssl ts -reply -config "$T/A/ca.cnf" -section tsa_default -queryfile oreq.tsq \
    -token_out -out other.der 2>/dev/null || fail "token for o.quire"
put b.quire other.quire "hdr(3) + a[16:] + rec(1, open('other.der','rb').read())"
expect_exit 1 "$READ" verify $V other.quire
expect_stderr_contains "attachment 2: time-stamp token is invalid: it is over other data"
expect_stderr_contains "(SPEC 9 step 13)"
expect_exit 1 "$READ" info $V other.quire
expect_exit 1 "$READ" verify -p "$PUB" other.quire
expect_stderr_contains "over other data"
# A tampered token: one byte of its signature, then one of its TSTInfo.
put b.quire sig.quire "hdr(1) + rec(1, tok(0)[:-3] + bytes([tok(0)[-3] ^ 1]) + tok(0)[-2:])"
expect_exit 1 "$READ" verify $V sig.quire
expect_stderr_contains "time-stamp token is invalid"
python3 - <<'PY' || fail "cannot find the genTime"
import sys
t = open("token0.der", "rb").read()
i = t.find(b"\x18\x0f20")  # GeneralizedTime "20..."
assert i > 0
open("gen.off", "w").write(str(i + 5))
PY
GEN=$(cat gen.off)
put b.quire time.quire "hdr(1) + rec(1, tok(0)[:$GEN] + bytes([tok(0)[$GEN] ^ 1]) + tok(0)[$GEN + 1:])"
expect_exit 1 "$READ" verify $V time.quire
expect_stderr_contains "time-stamp token is invalid: its signature does not verify"
put b.quire trail.quire "hdr(1) + rec(1, tok(0) + b'\\0')"
expect_exit 1 "$READ" verify $V trail.quire
expect_stderr_contains "1 bytes after the token"
# An expired TSA certificate: the token is valid but not trusted (SPEC 7.1), the bundle verifies.
openssl ts -reply -config "$T/X/ca.cnf" -section tsa_default -queryfile req.tsq \
    -token_out -out x.der 2>/dev/null || fail "token from X"
put b.quire x.quire "hdr(1) + rec(1, open('x.der','rb').read())"
expect_exit 0 "$READ" verify -p "$PUB" --tsa-ca "$T/X/ca.pem" x.quire
expect_stdout_contains "UNTRUSTED, not counted"
expect_stdout_contains "certificate has expired"
expect_exit 1 openssl ts -verify -data statement.bin -in x.der -token_in -CAfile "$T/X/ca.pem"
# An ignorable type is reported and skipped; a reserved one fails.
put b.quire ign.quire "a[:8] + struct.pack('<I', 3) + a[12:] + rec(40000, b'later')"
expect_exit 0 "$READ" verify $V ign.quire
expect_stdout_contains "attachment 2 of unknown type 40000, NOT checked"
expect_exit 0 "$READ" list -p "$PUB" ign.quire

# ---- hostile framing: each refused with its rule (SPEC 9 step 4), before any body is read ----
# hostile NAME EXPR MESSAGE
hostile()
{
    put b.quire "h-$1.quire" "$2"
    expect_exit 1 "$READ" list -p "$PUB" "h-$1.quire"
    expect_stderr_contains "$3"
}
hostile magic "hdr(1, magic=b'QUIREATX') + rec(1, tok(0))" "attachments: bad magic (SPEC 7.1)"
hostile count0 "hdr(0) + rec(1, tok(0))" "attachments: 0 records, not 1 to 16 (SPEC 8)"
hostile count17 "hdr(17) + b''.join(rec(40000, b'x') for _ in range(17))" \
    "attachments: 17 records, not 1 to 16 (SPEC 8)"
hostile countmore "hdr(2) + rec(1, tok(0))" "attachment 1 runs past the attachments area (SPEC 7.1)"
hostile countless "hdr(1) + rec(1, tok(0)) + rec(1, tok(1))" "bytes after the last record (SPEC 7.1)"
hostile trailing "a + b'\\0'" "bytes after the last record (SPEC 7.1)"
hostile reserved "hdr(1, reserved=1) + rec(1, tok(0))" "attachments: reserved field is not zero (SPEC 7.1)"
hostile recreserved "hdr(1) + rec(1, tok(0), reserved=1)" "attachment 0: reserved field is not zero (SPEC 7.1)"
hostile type0 "hdr(1) + rec(0, tok(0))" "attachment 0 has the reserved type 0 (SPEC 7.1)"
hostile type2 "hdr(1) + rec(2, tok(0))" "attachment 0 has the reserved type 2 (SPEC 7.1)"
hostile empty "hdr(1) + rec(40000, b'') + b'\\0'" "attachment 0: body of 0 bytes, not 1 to 65536 (SPEC 8)"
hostile long "hdr(1) + rec(40000, b'x' * 65537)" "attachment 0: body of 65537 bytes, not 1 to 65536 (SPEC 8)"
hostile past "hdr(1) + rec(1, tok(0), n=len(tok(0)) + 1)" "attachment 0 runs past the attachments area (SPEC 7.1)"
hostile huge "hdr(1) + rec(1, tok(0), n=0xffffffff)" "not 1 to 65536 (SPEC 8)"
hostile small "hdr(1) + rec(40000, b'')" "attachments size out of range: not 0 or 25 to 262144 (SPEC 8)"
hostile area "hdr(5) + b''.join(rec(40000, b'x' * 60000) for _ in range(5))" "attachments size out of range: not 0 or 25 to 262144 (SPEC 8)"
done_ok
