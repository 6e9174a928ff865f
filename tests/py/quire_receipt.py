#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""quire_receipt.py PUBKEY RECEIPT [FILE]: a second, independent check of a quire citation
receipt, written from SPEC.md (10 Receipts, 5.1 statement, 5.3 entry record, 6 Merkle tree) with
Python's standard library and quire_sigcheck.py's RFC 8032 Ed25519. Prints "ok PATH SHA256HEX"
and exits 0 if the receipt is well formed, signed by PUBKEY over BLAKE2b-512(statement), its
inclusion proof leads to the statement's root and FILE (if given) has the leaf's SHA-256; else
prints the reason and exits 1; 2 on usage errors."""
import base64, binascii, hashlib, json, os, struct, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quire_sigcheck import ed25519_verify, pubkey  # noqa: E402


class Bad(Exception):
    pass


def need(ok, why):
    if not ok:
        raise Bad(why)


def dearmour(data):  # binary, or [comment line] base64 line [white space]
    need(len(data) <= 2 << 20, "receipt file larger than 2 MiB")
    if data[:4] == b"QRC2":
        return data
    if data.startswith(b"untrusted comment: "):
        need(b"\n" in data, "armour without a base64 line")
        data = data.split(b"\n", 1)[1]
    line, _, rest = data.partition(b"\n")
    need(rest.strip(b" \t\r\n") == b"", "armour has more than one line")
    line = line[:-1] if line.endswith(b"\r") else line
    try:
        raw = base64.b64decode(line, validate=True)
    except binascii.Error:
        raise Bad("armour is not base64")
    need(line and base64.b64encode(raw) == line, "armour is not canonical base64")
    return raw


def path_ok(p):  # SPEC 4: printable UTF-8, relative, no '.', '..' or empty parts, no '\'
    try:
        s = p.decode("utf-8")
    except UnicodeDecodeError:
        return False
    parts = p.split(b"/")
    return (1 <= len(p) <= 4096 and "\\" not in s and not p.startswith(b"/")
            and not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in s)
            and not (len(parts[0]) >= 2 and parts[0][1:2] == b":" and parts[0][:1].isalpha())
            and all(x not in (b"", b".", b"..") and len(x) <= 255 for x in parts))


def canonical_object(meta):  # RFC 8785 for integers only; the top level an object
    def pairs(kv):
        need(len({k for k, _ in kv}) == len(kv), "metadata: duplicate name")
        return dict(sorted(kv, key=lambda p: p[0].encode("utf-16-be")))

    def no_float(x):
        raise Bad("metadata: number with a fraction or exponent")

    def walk(v, depth):
        need(depth <= 64, "metadata nested too deep")
        if isinstance(v, dict):
            need(all("\0" not in k for k in v), "metadata: U+0000")
            for x in v.values():
                walk(x, depth + 1)
        elif isinstance(v, list):
            for x in v:
                walk(x, depth + 1)
        elif isinstance(v, str):
            need("\0" not in v, "metadata: U+0000")
        elif isinstance(v, int) and not isinstance(v, bool):
            need(abs(v) <= 2**53 - 1, "metadata: integer out of range")
    try:
        v = json.loads(meta.decode("utf-8"), object_pairs_hook=pairs, parse_float=no_float,
                       parse_constant=no_float)
        walk(v, 1)
        again = json.dumps(v, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except (ValueError, UnicodeError, RecursionError):
        raise Bad("metadata is not JSON")
    need(isinstance(v, dict) and again == meta, "metadata is not a canonical JSON object")


def statement_ok(st):  # SPEC 3 header copy, 5.1 fields, 8 limits
    need(st[:16] == b"quire statement\0", "statement domain")
    need(st[16:24] == b"\x89QUIRE\r\n" and st[24:31] == b"\2\0\0\0\1\1\1" and st[31:48] == bytes(17),
         "statement header copy is not format 2's")
    io, isz, n, units, pages, mlen, dsz, total = struct.unpack("<QQIIIIQQ", st[48:96])
    udir = (units + 1023) // 1024 * 48
    need(n <= 1 << 24 and units <= 1 << 26 and mlen <= 1 << 20 and dsz <= 64 << 20
         and isz <= 1 << 30, "statement exceeds a limit")
    need(io >= 32 and (pages == 0) == (n == 0) and pages <= n
         and pages * 55 + udir <= dsz <= pages * 4150 + udir
         and isz >= pages + 44 * units + dsz + mlen + 160
         and units <= total <= units << 24 and units <= io - 32 <= units << 24,
         "statement fields do not fit together")
    return n, total, st[96:128]


def root_from(i, n, h, proof):  # RFC 9162 PATH, folded back up; None if the length is wrong
    if n == 1:
        return None if proof else h
    if not proof:
        return None
    k = 1 << ((n - 1).bit_length() - 1)  # largest power of two below n
    if i < k:
        sub = root_from(i, k, h, proof[:-1])
        return sub and hashlib.sha256(b"\1" + sub + proof[-1]).digest()
    sub = root_from(i - k, n - k, h, proof[:-1])
    return sub and hashlib.sha256(b"\1" + proof[-1] + sub).digest()


def check(key_id, pk, r, doc):
    need(r[:6] == b"QRC2ED" and len(r) >= 246, "not a receipt")
    st, sig = r[78:238], r[14:78]
    n, total, root = statement_ok(st)
    index, llen = struct.unpack("<II", r[238:246])
    need(index < n and llen <= 2 + 4096 + 50 + (1 << 20) and len(r) >= 247 + llen, "leaf framing")
    L = r[246:246 + llen]
    plen = struct.unpack("<H", L[:2])[0] if llen >= 2 else 1 << 20
    need(llen >= 2 + plen + 50, "leaf truncated")
    path = L[2:2 + plen]
    size, sha, role, flags, link, mlen = struct.unpack("<Q32sBBII", L[2 + plen:52 + plen])
    need(path_ok(path), "leaf path breaks SPEC 4")
    need(mlen <= 1 << 20 and llen == 52 + plen + mlen, "leaf length")
    need(role in (1, 2) and flags & ~1 == 0 and size <= total, "leaf role, flags or size")
    need(link == 0xFFFFFFFF or (role == 1 and link < n and link != index), "leaf link")
    if mlen:
        canonical_object(L[52 + plen:])
    k = r[246 + llen]
    proof = [r[247 + llen + 32 * j:279 + llen + 32 * j] for j in range(k)]
    need(len(r) == 247 + llen + 32 * k, "receipt length")
    need(r[6:14] == key_id, "signed by another key")
    need(ed25519_verify(pk, hashlib.blake2b(st, digest_size=64).digest(), sig), "bad signature")
    leaf = hashlib.sha256(b"\0Q" + L).digest()
    need(root_from(index, n, leaf, proof) == root, "proof does not lead to the signed root")
    need(doc is None or hashlib.sha256(doc).digest() == sha, "FILE's SHA-256 differs")
    return path, sha


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__.split("\n")[0], file=sys.stderr)
        return 2
    try:
        key_id, pk = pubkey(sys.argv[1])
        data = open(sys.argv[2], "rb").read()
        doc = open(sys.argv[3], "rb").read() if len(sys.argv) == 4 else None
    except (OSError, ValueError) as e:
        print("quire_receipt: %s" % e, file=sys.stderr)
        return 2
    try:
        path, sha = check(key_id, pk, dearmour(data), doc)
    except Bad as e:
        print("quire_receipt: %s: %s" % (sys.argv[2], e))
        return 1
    sys.stdout.buffer.write(b"ok " + path + b" " + sha.hex().encode() + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
