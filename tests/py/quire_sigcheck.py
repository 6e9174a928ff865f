#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""quire_sigcheck.py PUBKEY BUNDLE: a second, independent check of a quire bundle's signature,
written from SPEC.md sections 6 and 7 alone, with Python's standard library and the Ed25519
verification of RFC 8032 (section 5.1.7), so that two implementations must agree on what a
valid signature is. Exit 0 if the records that name PUBKEY's key id all verify, and there is
one (SPEC 9 step 6: the signature over BLAKE2b-512 of the 160-byte statement and the global signature over
signature || comment), 1 if not, 2 on usage errors. It checks signatures only, not the pages, the directory or the data (the C
reader does that); format 2's receipt checker will grow from it."""
import base64, hashlib, struct, sys

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _add(a, b):  # extended coordinates (X, Y, Z, T), RFC 8032 5.1.4
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    A, B = (y1 - x1) * (y2 - x2) % P, (y1 + x1) * (y2 + x2) % P
    C, Dd = t1 * 2 * D * t2 % P, z1 * 2 * z2 % P
    E, F, G, H = B - A, Dd - C, Dd + C, B + A
    return (E * F % P, G * H % P, F * G % P, E * H % P)


def _mul(s, pt):
    q = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            q = _add(q, pt)
        pt = _add(pt, pt)
        s >>= 1
    return q


def _equal(a, b):
    return (a[0] * b[2] - b[0] * a[2]) % P == 0 and (a[1] * b[2] - b[1] * a[2]) % P == 0


def _decode(s):  # RFC 8032 5.1.3; None if not a valid point encoding
    if len(s) != 32:
        return None
    y = int.from_bytes(s, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if x == 0 and sign == 1:
        return None
    if x & 1 != sign:
        x = P - x
    return (x, y, 1, x * y % P)


GY = 4 * pow(5, P - 2, P) % P
BASE = _decode(GY.to_bytes(32, "little"))


def ed25519_verify(pk, msg, sig):
    """RFC 8032 5.1.7, with the cofactorless equation [S]B = R + [k]A that libsodium uses."""
    A, R = _decode(pk), _decode(sig[:32])
    S = int.from_bytes(sig[32:64], "little")
    if A is None or R is None or len(sig) != 64 or S >= L:
        return False
    k = int.from_bytes(hashlib.sha512(sig[:32] + pk + msg).digest(), "little") % L
    return _equal(_mul(S, BASE), _add(R, _mul(k, A)))


def pubkey(path):  # minisign public key file: comment line, then base64 of "Ed" || id || pk
    lines = [l for l in open(path, encoding="utf-8").read().splitlines() if l.strip()]
    raw = base64.b64decode(lines[-1])
    if len(raw) != 42 or raw[:2] != b"Ed":
        raise ValueError("not a minisign public key")
    return raw[2:10], raw[10:]


def comment_ok(c):  # SPEC 6.1: printable UTF-8, TAB the only control
    try:
        text = c.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch == "\t" or not (ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F) for ch in text)


def records(bundle):  # SPEC 7 trailer, SPEC 6 block; None if the framing is wrong
    if len(bundle) < 40 or bundle[-8:] != b"QUIREEND":
        return None, []
    io, isz, ssz, asz = struct.unpack("<QQQQ", bundle[-40:-8])
    if io < 32 or isz < 160 or asz != 0 or io + isz + ssz + asz + 40 != len(bundle):
        return None, []
    statement, block = bundle[io + isz - 160:io + isz], bundle[io + isz:io + isz + ssz]
    # SPEC 5.1 and 7: the signed statement repeats the index offset and size; the trailer must
    # agree.
    if struct.unpack("<QQ", statement[48:64]) != (io, isz):
        return None, []
    if block[:8] != b"QUIRESIG" or len(block) < 16:
        return None, []
    count, reserved = struct.unpack("<II", block[8:16])
    out, at = [], 16
    for _ in range(count):
        if at + 76 > len(block) or block[at:at + 2] != b"ED":
            return None, []
        clen = struct.unpack("<H", block[at + 74:at + 76])[0]
        end = at + 76 + clen + 64
        if end > len(block) or clen > 1024 or not comment_ok(block[at + 76:at + 76 + clen]):
            return None, []
        out.append((block[at + 2:at + 10], block[at + 10:at + 74], block[at + 76:at + 76 + clen],
                     block[at + 76 + clen:end]))
        at = end
    if reserved != 0 or not 1 <= count <= 16 or at != len(block):
        return None, []
    return statement, out


def main():
    if len(sys.argv) != 3:
        print(__doc__.split("\n")[0], file=sys.stderr)
        return 2
    key_id, pk = pubkey(sys.argv[1])
    statement, recs = records(open(sys.argv[2], "rb").read())
    if statement is None:
        print("quire_sigcheck: %s: malformed framing (SPEC 6, 7)" % sys.argv[2])
        return 1
    prehash = hashlib.blake2b(statement, digest_size=64).digest()
    # SPEC 9 step 6: every record that names the trusted key must verify, and one must.
    mine = [r for r in recs if r[0] == key_id]
    ok = mine and all(ed25519_verify(pk, prehash, sig) and ed25519_verify(pk, sig + comment, gsig)
                      for _, sig, comment, gsig in mine)
    name = key_id[::-1].hex().upper()
    if ok:
        print("quire_sigcheck: %s: signature verified (key %s)" % (sys.argv[2], name))
        return 0
    print("quire_sigcheck: %s: no valid signature by key %s" % (sys.argv[2], name))
    return 1


if __name__ == "__main__":
    sys.exit(main())
