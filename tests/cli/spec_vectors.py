#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""spec_vectors.py: SPEC.md Appendix A against the real bundles. Everything here is computed
from the bundle bytes with Python's standard library and the layout of SPEC.md alone (no quire
code): the regions and fields (SPEC 3 to 7), the entry pages inflated with zlib, the Merkle tree
and inclusion proofs (SPEC 5.6), the receipts (SPEC 10.2, 10.3) and xxd's hex dump.

usage: spec_vectors.py check SPEC.md TINY BASE COSIGNED
           compares every value of Appendix A with the bundles: A.2-A.5 with TINY
           (fixtures/tiny.quire), A.6-A.7 with BASE (quire-mutate base), A.8 with COSIGNED
           (fixtures/good-cosigned.quire); prints each failure, then "N passed, M failed"
       spec_vectors.py receipt BUNDLE ENTRY [RECORD]
           the armoured receipt of entry number ENTRY, with signature record RECORD (default 0)
       spec_vectors.py values BUNDLE
           the derived values of a bundle, one "name value" a line (to fill Appendix A)
       spec_vectors.py xxd FILE [START LENGTH]
           the hex dump `xxd [-s START -l LENGTH] FILE` prints
"""
import base64
import hashlib
import re
import struct
import sys
import zlib


class Bad(Exception):
    pass


def need(ok, why):
    if not ok:
        raise Bad(why)


def u16(b, o):
    return struct.unpack_from("<H", b, o)[0]


def u32(b, o):
    return struct.unpack_from("<I", b, o)[0]


def u64(b, o):
    return struct.unpack_from("<Q", b, o)[0]


def sha256(b):
    return hashlib.sha256(b).digest()


# ---- the bundle, from the trailer inwards (SPEC 7, 6, 5.1, 5.4, 5.2, 5.3) ----


def inflate(stored, raw_size):
    d = zlib.decompressobj(-15)
    raw = d.decompress(stored)
    need(d.eof and not d.unused_data and len(raw) == raw_size, "a DEFLATE stream is not exact")
    return raw


def parse_sigblock(sb):
    need(sb[:8] == b"QUIRESIG" and u32(sb, 12) == 0, "signature block header")
    recs, at = [], 16
    for _ in range(u32(sb, 8)):
        clen = u16(sb, at + 74)
        end = at + 140 + clen
        need(sb[at:at + 2] == b"ED" and end <= len(sb), "signature record")
        recs.append({"bytes": sb[at:end], "key_id": sb[at + 2:at + 10],
                     "sig": sb[at + 10:at + 74], "comment": sb[at + 76:at + 76 + clen],
                     "global": sb[at + 76 + clen:end], "offset": at})
        at = end
    need(at == len(sb), "bytes after the last signature record")
    return recs


def parse_entries(raw, count):
    recs, at = [], 0
    for _ in range(count):
        plen = u16(raw, at)
        mlen = u32(raw, at + 2 + plen + 46)
        n = 52 + plen + mlen
        recs.append(raw[at:at + n])
        at += n
    need(at == len(raw), "an entry page's records do not fill it")
    return recs


def parse(b):
    """The bundle's parts, with their file offsets, as SPEC 2.3 and 5 lay them out."""
    S = len(b)
    need(b[:8] == b"\x89QUIRE\r\n" and b[S - 8:] == b"QUIREEND", "magic")
    io, isz, ssz, asz = struct.unpack_from("<QQQQ", b, S - 40)
    need(asz == 0 and io + isz + ssz + 40 == S, "the regions do not tile the file")
    st_off = io + isz - 160
    st = b[st_off:io + isz]
    need(st[:16] == b"quire statement\0" and st[16:48] == b[:32], "statement")
    f = dict(zip(("index_offset", "index_size", "entry_count", "unit_count", "entry_page_count",
                  "bundle_meta_len", "directory_size", "stream_size"),
                 struct.unpack_from("<QQIIIIQQ", st, 48)))
    need(f["index_offset"] == io and f["index_size"] == isz, "statement and trailer differ")
    meta_off = st_off - f["bundle_meta_len"]
    dir_off = meta_off - f["directory_size"]
    units_off = dir_off - 44 * f["unit_count"]
    d = b[dir_off:meta_off]
    pages, at, page_at = [], 0, io
    for _ in range(f["entry_page_count"]):
        ss, rs, cnt, stream = struct.unpack_from("<IIIQ", d, at)
        flen = u16(d, at + 52)
        stored = b[page_at:page_at + ss]
        need(sha256(stored) == d[at + 20:at + 52], "entry page hash")
        raw = inflate(stored, rs)
        pages.append({"offset": page_at, "stored": stored, "raw": raw, "count": cnt,
                      "stream": stream, "dir_offset": dir_off + at,
                      "first": d[at + 54:at + 54 + flen],
                      "records": parse_entries(raw, cnt)})
        page_at += ss
        at += 54 + flen
    need(page_at == units_off, "the entry pages do not end where the unit table begins")
    units, data_at = [], 32
    for u in range(f["unit_count"]):
        rec = b[units_off + 44 * u:units_off + 44 * u + 44]
        comp, ss, rs = rec[0], u32(rec, 4), u32(rec, 8)
        stored = b[data_at:data_at + ss]
        need(hashlib.blake2b(stored, digest_size=32).digest() == rec[12:], "unit hash")
        raw = stored if comp == 0 else inflate(stored, rs)
        units.append({"record": rec, "offset": data_at, "stored": stored, "raw": raw})
        data_at += ss
    need(data_at == io, "the units do not fill the data region")
    upages = []
    for p in range((f["unit_count"] + 1023) // 1024):
        rec = d[at:at + 48]
        n = min(1024, f["unit_count"] - 1024 * p)
        table = b[units_off + 45056 * p:units_off + 45056 * p + 44 * n]
        need(sha256(table) == rec[:32], "unit page hash")
        upages.append({"record": rec, "table": table})
        at += 48
    need(at == len(d), "the directory's records do not fill it")
    need(sha256(d + b[meta_off:st_off]) == st[128:], "directory hash")
    entries = [r for pg in pages for r in pg["records"]]
    need(merkle_root(entries) == st[96:128], "Merkle root")
    stream = b"".join(u["raw"] for u in units)
    contents, at = [], 0
    for L in entries:
        plen = u16(L, 0)
        size = u64(L, 2 + plen)
        contents.append(stream[at:at + size])
        need(sha256(stream[at:at + size]) == L[10 + plen:42 + plen], "entry hash")
        at += size
    sigs = parse_sigblock(b[io + isz:io + isz + ssz])
    return {"file": b, "fields": f, "statement": st, "statement_offset": st_off,
            "meta_offset": meta_off, "meta": b[meta_off:st_off], "dir_offset": dir_off,
            "directory": d, "units_offset": units_off, "pages": pages, "units": units,
            "upages": upages, "entries": entries, "contents": contents,
            "sig_offset": io + isz, "sigblock": b[io + isz:io + isz + ssz], "sigs": sigs,
            "trailer_offset": S - 40}


# ---- the Merkle tree (SPEC 5.6) and receipts (SPEC 10) ----


def leaf_hash(L):
    return sha256(b"\x00Q" + L)


def node(a, b):
    return sha256(b"\x01" + a + b)


def split(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(hashes):
    if not hashes:
        return sha256(b"")
    if len(hashes) == 1:
        return hashes[0]
    k = split(len(hashes))
    return node(mth(hashes[:k]), mth(hashes[k:]))


def merkle_root(entries):
    return mth([leaf_hash(L) for L in entries])


def inclusion(m, hashes):
    if len(hashes) == 1:
        return []
    k = split(len(hashes))
    if m < k:
        return inclusion(m, hashes[:k]) + [mth(hashes[k:])]
    return inclusion(m - k, hashes[k:]) + [mth(hashes[:k])]


def receipt(bundle, m, record=0):
    """SPEC 10.1-10.2: magic, the record's first 74 bytes, statement, leaf, proof."""
    L = bundle["entries"][m]
    proof = inclusion(m, [leaf_hash(x) for x in bundle["entries"]])
    return (b"QRC2" + bundle["sigs"][record]["bytes"][:74] + bundle["statement"] +
            struct.pack("<II", m, len(L)) + L + bytes([len(proof)]) + b"".join(proof))


def armour(r):
    """SPEC 10.3: the comment names the leaf's path, each byte outside 0x20-0x7E as '?'."""
    L = r[246:]
    path = bytes(c if 0x20 <= c < 0x7F else 0x3F for c in L[2:2 + u16(L, 0)])
    return (b"untrusted comment: quire receipt for " + path + b"\n" +
            base64.b64encode(r) + b"\n")


def xxd(b, start=0):
    lines = []
    for o in range(0, len(b), 16):
        row = b[o:o + 16]
        hx = " ".join(row[i:i + 2].hex() for i in range(0, len(row), 2))
        text = "".join(chr(c) if 0x20 <= c < 0x7F else "." for c in row)
        lines.append("%08x: %-39s  %s" % (start + o, hx, text))
    return "\n".join(lines) + "\n"


def minisig(bundle, n):
    """SPEC 6.2's .minisig lines of record n (the recipe's output)."""
    s = bundle["sigs"][n]
    return ("untrusted comment: quire signature record %d\n" % n +
            base64.b64encode(s["bytes"][:74]).decode() + "\n" +
            "trusted comment: " + s["comment"].decode() + "\n" +
            base64.b64encode(s["global"]).decode() + "\n")


# ---- Appendix A, as written in SPEC.md ----


def appendix(spec):
    a = spec[spec.index("## Appendix A."):spec.index("## Appendix B.")]
    parts = re.split(r"^### (A\.\d) .*$", a, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def fences(text):
    return re.findall(r"^```[a-z]*\n(.*?)^```$", text, flags=re.M | re.S)


def tables(text):
    """Each markdown table: (header cells, rows of cells)."""
    out, cur = [], None
    for line in text.splitlines():
        if re.fullmatch(r"\|[-| ]+\|", line.strip()):
            continue
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip()[1:-1].split(" | ")]
            if cur is None:
                cur = (cells, [])
                out.append(cur)
            else:
                cur[1].append(cells)
        else:
            cur = None
    return out


def hex_cell(cell):
    """`hex` groups, or N × `hex`, as bytes; None for a cell that is not bytes."""
    m = re.fullmatch(r"(\d+) × `([0-9a-f]+)`", cell)
    if m:
        return bytes.fromhex(m[2]) * int(m[1])
    if re.fullmatch(r"`[0-9a-f]+`( `[0-9a-f]+`)*", cell):
        return bytes.fromhex("".join(re.findall(r"`([0-9a-f]+)`", cell)))
    return None


class Checker:
    def __init__(self):
        self.passed = self.failed = 0

    def eq(self, got, want, what):
        if got == want:
            self.passed += 1
        else:
            self.failed += 1
            g, w = (x.hex() if isinstance(x, bytes) else x for x in (got, want))
            print("FAIL %s:\n  SPEC.md: %s\n  bundle:  %s" % (what, g, w), file=sys.stderr)

    def true(self, cond, what):
        self.eq(bool(cond), True, what)


def flat(text):
    return re.sub(r"\s+", " ", text)


def place(s, E):
    s = s.strip()
    if s.startswith("0x"):
        return int(s, 16)
    m = re.fullmatch(r"E(?: \+ (\d+))?", s)
    return E + int(m[1] or 0)


RANGE = r"`\[(0x[0-9a-f]+|E(?: \+ \d+)?), (0x[0-9a-f]+|E(?: \+ \d+)?)\)`"


def check_size_line(c, text, b, what):
    m = re.search(r"([\d,]+) bytes; SHA-256 of the file `([0-9a-f]{64})`", flat(text))
    c.true(m, what + ": size and SHA-256 line")
    if m:
        c.eq(int(m[1].replace(",", "")), len(b), what + ": file size")
        c.eq(m[2], hashlib.sha256(b).hexdigest(), what + ": SHA-256 of the file")


def check_value(c, cells, data, what):
    """The Value column says what the bytes are: an integer (little-endian), a text in
    backticks (C escapes), or a key id as minisign shows it."""
    field, value = cells[2], cells[3] if len(cells) > 3 else ""
    m = re.match(r"(\d[\d,]*)(?:$|[ ,:])", value)
    if m and len(data) in (1, 2, 4, 8):
        c.eq(int(m[1].replace(",", "")), int.from_bytes(data, "little"),
             "%s: value of %s" % (what, field))
    elif re.fullmatch(r"`[^`]+`", value):
        text = value[1:-1].encode().decode("unicode_escape").encode("latin-1")
        c.eq(text, data, "%s: text of %s" % (what, field))
    elif field == "key_id":
        c.eq(value, key_id_text(data), "%s: key id" % what)


def check_field_tables(c, text, b, E, raw, what):
    """Every row of an Offset | Bytes table is the file's bytes at that offset (a Raw offset
    table: the entry page's raw bytes); a row whose bytes are not given as hex is named."""
    rows = 0
    for head, body in tables(text):
        if head[0] not in ("Offset", "Raw offset"):
            continue
        for cells in body:
            data = hex_cell(cells[1])
            if data is None:
                c.true(re.search(r"entry record|bytes of", cells[1]), "%s: row %s" % (what, cells))
                continue
            base, at = (raw, int(cells[0])) if head[0] == "Raw offset" else (b, place(cells[0], E))
            c.eq(data, base[at:at + len(data)], "%s: %s at %s" % (what, cells[2], cells[0]))
            check_value(c, cells, data, what)
            rows += 1
    return rows


def check_tiny(c, A, T):
    b, E, page = T["file"], T["units_offset"], T["pages"][0]
    a2 = A["A.2"]
    check_size_line(c, a2, b, "A.2")
    c.eq(fences(a2)[0], xxd(b), "A.2: the xxd dump")
    regions = flat(a2[a2.index("Regions:"):])
    io = T["fields"]["index_offset"]
    want = [(0, 32), (32, io), (io, T["sig_offset"]),
            (T["sig_offset"], T["trailer_offset"]), (T["trailer_offset"], len(b))]
    c.eq([(int(x, 16), int(y, 16)) for x, y in re.findall(RANGE, regions)], want, "A.2: regions")
    sums = re.sub(r" \([^)]*\)", "", regions)
    m = re.search(r"index region is ([\d + ]+)= (\d+) bytes", sums)
    c.eq([int(x) for x in m[1].split(" + ")] + [int(m[2])],
         [len(page["stored"]), 44 * len(T["units"]), len(T["directory"]), len(T["meta"]), 160,
          T["fields"]["index_size"]], "A.2: the index region's parts")
    m = re.search(r"the file is ([\d + ]+)= (\d+) bytes", sums)
    c.eq([int(x) for x in m[1].split(" + ")] + [int(m[2])],
         [32, T["fields"]["index_offset"] - 32, T["fields"]["index_size"], len(T["sigblock"]), 0,
          40, len(b)], "A.2: the file's parts")
    a3 = A["A.3"]
    m = re.search(r"0x026 \+ (\d+) = 0x([0-9a-f]+) \((\d+)\)", flat(a3))
    c.eq((int(m[1]), int(m[2], 16), int(m[3])), (len(page["stored"]), E, E), "A.3: E")
    c.true(check_field_tables(c, a3, b, E, page["raw"], "A.3") >= 50, "A.3: the tables are there")
    heads = {"Data region": (32, T["fields"]["index_offset"]),
             "Entry page 0": (page["offset"], E), "Unit table": (E, E + 44),
             "Directory": (T["dir_offset"], T["meta_offset"]),
             "Bundle metadata": (T["meta_offset"], T["statement_offset"]),
             "Statement": (T["statement_offset"], T["sig_offset"]),
             "Signature block": (T["sig_offset"], T["trailer_offset"]),
             "Trailer": (T["trailer_offset"], len(b))}
    seen = set()
    for m in re.finditer(r"\*\*([A-Z][a-z0-9 ]+)\*\* \(SPEC [^)]*\)[,:][^`]*?" + RANGE, flat(a3)):
        seen.add(m[1])
        c.eq((place(m[2], E), place(m[3], E)), heads.get(m[1]), "A.3: range of " + m[1])
    c.eq(seen, set(heads), "A.3: the parts given with their ranges")
    inline = 0
    for m in re.finditer(RANGE + r":? `([0-9a-f]+)`", flat(a3)):
        x, y = place(m[1], E), place(m[2], E)
        c.eq(bytes.fromhex(m[3]), b[x:y], "A.3: bytes [%s, %s)" % (m[1], m[2]))
        inline += 1
    for m in re.finditer(r"`([0-9a-f]+)` at " + RANGE, flat(a3)):
        c.eq(bytes.fromhex(m[1]), b[place(m[2], E):place(m[3], E)], "A.3: bytes at " + m[2])
        inline += 1
    m = re.search(r"LEN `([0-9a-f]{4})` = (\d+); NLEN `([0-9a-f]{4})` = (\d+) XOR 0xFFFF", flat(a3))
    c.eq((u16(bytes.fromhex(m[1]), 0), int(m[2]), u16(bytes.fromhex(m[3]), 0), int(m[4])),
         (len(page["raw"]), len(page["raw"]), len(page["raw"]) ^ 0xFFFF, len(page["raw"])),
         "A.3: the stored block's LEN and NLEN")
    m = re.search(r"\*\*Bundle metadata\*\*[^`]*`[^`]*`: `[0-9a-f]+` = `([^`]*)`\.", flat(a3))
    c.eq(m[1].encode(), T["meta"], "A.3: the bundle metadata's text")
    m = re.search(r"followed by the (\d+) raw bytes at " + RANGE, flat(a3))
    c.eq((int(m[1]), b[place(m[2], E):place(m[3], E)]), (len(page["raw"]), page["raw"]),
         "A.3: the stored block holds the raw bytes")
    c.eq(inline, 3, "A.3: bytes given inline (data region, block header, bundle metadata)")
    st = T["statement"]
    derived = {"SHA-256 of the content": sha256(T["contents"][0]),
               "BLAKE2b-256 of unit 0":
                   hashlib.blake2b(T["units"][0]["stored"], digest_size=32).digest(),
               "SHA-256 of unit page 0": sha256(T["upages"][0]["table"]),
               "leaf hash of entry 0": leaf_hash(T["entries"][0]),
               "SHA-256 of entry page 0": sha256(page["stored"]),
               "directory hash": sha256(T["directory"] + T["meta"]),
               "the 160 statement bytes": st,
               "prehash P": hashlib.blake2b(st, digest_size=64).digest(),
               "fingerprint": sha256(st),
               "SHA-256 of empty content": sha256(b"")}
    c.eq(derived["leaf hash of entry 0"], st[96:128], "A.4: the leaf hash is the root")
    rows = [r for head, body in tables(A["A.4"]) for r in body]
    c.eq(sorted(k for k in derived for r in rows if r[0].startswith(k)), sorted(derived),
         "A.4: one row for each derived value")
    for r in rows:
        key = [k for k in derived if r[0].startswith(k)]
        c.true(key, "A.4: a row of no known value: " + r[0])
        if key:
            c.eq(hex_cell(r[1]), derived[key[0]], "A.4: " + r[0])
    c.eq(fences(A["A.5"])[0], minisig(T, 0), "A.5: statement.bin.minisig")
    return rows


def check_receipts(c, A, T, B):
    a6 = A["A.6"]
    want = [armour(receipt(T, 0)).decode(), armour(receipt(B, 0)).decode()]
    c.eq(fences(a6)[:2], want, "A.6: the armoured receipts")
    parts = a6.split("**Receipt of ")
    for text, bundle in ((parts[1], T), (parts[2], B)):
        r = receipt(bundle, 0)
        m = re.search(r"\. ([\d,]+) bytes = ", flat(text))
        c.eq(int(m[1].replace(",", "")), len(r), "A.6: receipt size")
        body = [t for t in tables(text) if t[0][0] == "Offset"][0][1]
        for cells in body:
            data = hex_cell(cells[1])
            if data is None:
                c.eq(cells[1].endswith("entry record 0 (A.3)")
                     or cells[1] == "entry record 0 above",
                     True, "A.6: row " + str(cells))
                data = bundle["entries"][0]
            at = int(cells[0])
            c.eq(data, r[at:at + len(data)], "A.6: receipt %s at %s" % (cells[2], at))
            check_value(c, cells, data, "A.6")
        c.eq(int(body[-1][0]) + len(hex_cell(body[-1][1]) or b""), len(r),
             "A.6: table ends the receipt")
    hashes = [leaf_hash(L) for L in B["entries"]]
    entries = [t for t in tables(parts[2]) if t[0][0] == "Entry"][0][1]
    c.eq(len(entries), len(B["entries"]), "A.6: entry records listed")
    for cells in entries:
        i = int(cells[0])
        c.eq(hex_cell(re.sub(r" \(\d+ bytes\)$", "", cells[1])), B["entries"][i],
             "A.6: entry record %d" % i)
        c.eq(int(re.search(r"\((\d+) bytes\)$", cells[1])[1]), len(B["entries"][i]),
             "A.6: length of record %d" % i)
        c.eq(hex_cell(cells[2]), hashes[i], "A.6: leaf hash %d" % i)
    known = [leaf_hash(T["entries"][0]).hex(), node(hashes[0], hashes[1]).hex(),
             B["statement"][96:128].hex()]
    for abbrev in re.findall(r"`([0-9a-f]{8})\.\.\.`", a6):
        c.true(any(k.startswith(abbrev) for k in known), "A.6: %s... abbreviates no hash" % abbrev)
    m = re.search(r"`node\(leaf 0, leaf 1\) = ([0-9a-f]{64})`.*?is `([0-9a-f]{64})`",
                  flat(parts[2]))
    c.eq(bytes.fromhex(m[1]), node(hashes[0], hashes[1]), "A.6: node(leaf 0, leaf 1)")
    c.eq(bytes.fromhex(m[2]), B["statement"][96:128], "A.6: the root")
    c.eq(bytes.fromhex(m[2]), merkle_root(B["entries"]), "A.6: the root, recomputed")


def check_base(c, A, B):
    a7 = A["A.7"]
    b = B["file"]
    check_size_line(c, a7, b, "A.7")
    c.eq(fences(a7)[0], xxd(b), "A.7: the xxd dump")
    text = flat(a7[a7.index("Regions and fields"):a7.index("`quire-read verify")])
    u, p, f = B["units"], B["pages"], B["fields"]
    want = [(0, 32), (32, f["index_offset"])]
    want += [(x["offset"], x["offset"] + len(x["stored"])) for x in u]
    want += [(x["offset"], x["offset"] + len(x["stored"])) for x in p]
    want += [(B["units_offset"], B["dir_offset"]), (B["dir_offset"], B["meta_offset"]),
             (B["meta_offset"], B["statement_offset"]), (B["statement_offset"], B["sig_offset"]),
             (B["sig_offset"], B["trailer_offset"]), (B["trailer_offset"], len(b))]
    c.eq([(int(x, 16), int(y, 16)) for x, y in re.findall(RANGE, text)], want, "A.7: regions")
    c.eq([int(x) for x in re.findall(r"stored_size (\d+)", text)],
         [len(p[0]["stored"]), len(p[1]["stored"]), len(u[0]["stored"])], "A.7: stored sizes")
    m = re.search(r"unit 0 at `[^`]*`, (\d+) bytes of DEFLATE", text)
    c.eq(int(m[1]), len(u[0]["stored"]), "A.7: unit 0's stored size")
    m = re.search(r"`index_offset` = 32 \+ (\d+) \+ (\d+) = (\d+);", text)
    c.eq((int(m[1]), int(m[2]), int(m[3])),
         (len(u[0]["stored"]), len(u[1]["stored"]), f["index_offset"]),
         "A.7: index_offset")
    st = B["statement"]
    c.eq(re.findall(r"`([0-9a-f]{64})`", text),
         [sha256(p[0]["stored"]).hex(), sha256(p[1]["stored"]).hex(), u[0]["record"][12:].hex(),
          u[1]["record"][12:].hex(), B["upages"][0]["record"][:32].hex(), st[96:128].hex(),
          st[128:].hex(), sha256(st).hex()],
         "A.7: hashes (pages, units, unit page, root, directory hash, fingerprint)")
    m = re.search(r"index_size (\d+) \(= ([\d + ]+)\)", text)
    c.eq([int(m[1])] + [int(x) for x in m[2].split(" + ")],
         [f["index_size"], len(p[0]["stored"]), len(p[1]["stored"]), 44 * len(u),
          len(B["directory"]),
          len(B["meta"]), 160], "A.7: index_size")
    m = re.search(r"entry_count (\d+), unit_count (\d+), entry_page_count (\d+), bundle_meta_len "
                  r"(\d+), directory_size (\d+), stream_size (\d+)", text)
    c.eq([int(x) for x in m.groups()],
         [f[k] for k in ("entry_count", "unit_count", "entry_page_count", "bundle_meta_len",
                         "directory_size", "stream_size")], "A.7: statement fields")
    m = re.search(r"16 \+ 140 \+ 21 = (\d+) bytes", text)
    c.eq(int(m[1]), len(B["sigblock"]), "A.7: signature block size")
    c.eq(re.search(r"bundle metadata at `[^`]*`, \d+ bytes: `([^`]*)`", text)[1].encode(),
         B["meta"],
         "A.7: bundle metadata")


def check_entry_table(c, A, B):
    a1 = A["A.1"]
    rows = [t for t in tables(a1) if t[0][0] == "#"][0][1]
    c.eq(len(rows), len(B["entries"]), "A.1: entries listed")
    for cells in rows:
        i = int(cells[0])
        L = B["entries"][i]
        plen = u16(L, 0)
        size, _, role, flags, link, mlen = struct.unpack_from("<Q32sBBII", L, 2 + plen)
        content = re.fullmatch(r'`"(.*)"` \((\d+) bytes\)', cells[2])
        text = content[1].encode().decode("unicode_escape").encode()
        c.eq((cells[1], text, int(content[2])),
             ("`%s`" % L[2:2 + plen].decode(), B["contents"][i], size),
             "A.1: path and content of entry %d" % i)
        c.eq((int(cells[3]), int(cells[4].split()[0]), cells[5]),
             (role, flags, "none" if link == 0xFFFFFFFF else str(link)),
             "A.1: role, flags, link of %d" % i)
        c.eq(cells[6], "`%s`" % L[52 + plen:].decode() if mlen else "empty",
             "A.1: metadata of %d" % i)


def key_id_text(key_id):  # SPEC 6.1: as minisign shows it
    return "%016X" % struct.unpack("<Q", key_id)[0]


def check_inputs_tiny(c, A, T):
    a1 = flat(A["A.1"])
    L = T["entries"][0]
    m = re.search(r"the (\d+) bytes of metadata that .*? in canonical form: `([^`]*)`;", a1)
    c.eq((int(m[1]), m[2].encode()), (u32(L, 2 + u16(L, 0) + 46), L[52 + u16(L, 0):]),
         "A.1: the stored bundle's entry metadata")
    m = re.search(r"the bundle metadata, (\d+) bytes: `([^`]*)`;", a1)
    c.eq((int(m[1]), m[2].encode()), (len(T["meta"]), T["meta"]),
         "A.1: the stored bundle's metadata")
    m = re.search(r"trusted comment `([^`]*)` \((\d+) bytes\)\.", a1)
    c.eq((m[1].encode(), int(m[2])), (T["sigs"][0]["comment"], len(T["sigs"][0]["comment"])),
         "A.1: the stored bundle's trusted comment")
    m = re.search(r"public key ([0-9A-F]{16})", a1)
    c.eq(m[1], key_id_text(T["sigs"][0]["key_id"]), "A.1: the test key's id")


def check_inputs_base(c, A, B, C):
    a1 = A["A.1"]
    m = re.search(r"bundle metadata `([^`]*)` \((\d+) bytes\)", flat(a1))
    c.eq((m[1].encode(), int(m[2])), (B["meta"], len(B["meta"])), "A.1: bundle metadata")
    m = re.search(r"key id `([0-9A-F]{16})`", flat(a1))
    c.eq(m[1], key_id_text(C["sigs"][0]["key_id"]), "A.1: the other key's id")


def check_inputs(c, A, B, C, T, pub):
    check_entry_table(c, A, B)
    check_inputs_base(c, A, B, C)
    check_inputs_tiny(c, A, T)
    a1 = A["A.1"]
    lines = open(pub, "rb").read().decode().splitlines()
    c.eq(fences(a1) or None, None, "A.1: no fenced block")
    key = base64.b64decode(lines[1])
    m = re.search(r"decodes to `([0-9a-f ]+)` \(`\"Ed\"`\), key id `([0-9a-f ]+)`, and the Ed25519 "
                  r"public key `([0-9a-f]{64})`", flat(a1))
    c.eq(bytes.fromhex(m[1] + m[2] + m[3]), key, "A.1: the public key")
    c.true(("    " + lines[0] + "\n    " + lines[1] + "\n") in a1, "A.1: the public key file")


def check_cosigned(c, A, B, C):
    a8 = A["A.8"]
    b = C["file"]
    check_size_line(c, a8, b, "A.8")
    c.eq(C["statement"], B["statement"], "A.8: the statement is A.7's")
    c.eq(b[:B["sig_offset"]], B["file"][:B["sig_offset"]],
         "A.8: everything before the signatures is A.7's")
    m = re.search(RANGE + r" \(`xxd -s (0x[0-9a-f]+) -l (\d+) fixtures/good-cosigned.quire`\)",
                  flat(a8))
    x, y = int(m[1], 16), int(m[2], 16)
    c.eq((x, y, int(m[3], 16), int(m[4])), (C["sig_offset"], C["trailer_offset"], x, y - x),
         "A.8: the signature block's place")
    m = re.search(r"16 \+ 2 × \(140 \+ 21\) = (\d+) bytes", flat(a8))
    c.eq(int(m[1]), len(C["sigblock"]), "A.8: signature block size")
    m = re.search(r"key id bytes `([0-9a-f ]+)`, displayed `([0-9A-F]{16})`", flat(a8))
    c.eq((bytes.fromhex(m[1]), m[2]), (C["sigs"][0]["key_id"], key_id_text(C["sigs"][0]["key_id"])),
         "A.8: record 0's key id")
    fs = fences(a8)
    c.eq(fs[0], xxd(C["sigblock"], C["sig_offset"]), "A.8: the signature block's dump")
    c.eq(fs[1:], [minisig(C, 0), minisig(C, 1)], "A.8: the two .minisig files")


def check(spec_path, tiny, base, cosigned, pub):
    A = appendix(open(spec_path, encoding="utf-8").read())
    c = Checker()
    T, B, C = (parse(open(p, "rb").read()) for p in (tiny, base, cosigned))
    for part, f, args in (("A.1", check_inputs, (B, C, T, pub)), ("A.2-A.5", check_tiny, (T,)),
                          ("A.6", check_receipts, (T, B)), ("A.7", check_base, (B,)),
                          ("A.8", check_cosigned, (B, C))):
        try:
            f(c, A, *args)
        except (AttributeError, KeyError, IndexError, TypeError, ValueError) as e:
            # a value SPEC.md does not give in the form read here
            c.true(False, "%s: the text is not in the form this check reads (%r)" % (part, e))
    print("%d passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed else 0


def main(argv):
    if len(argv) == 7 and argv[1] == "check":
        return check(*argv[2:])
    if len(argv) in (4, 5) and argv[1] == "receipt":
        bundle = parse(open(argv[2], "rb").read())
        record = int(argv[4]) if len(argv) == 5 else 0
        sys.stdout.buffer.write(armour(receipt(bundle, int(argv[3]), record)))
        return 0
    if len(argv) == 5 and argv[1] == "fence":  # fence SPEC.md A.N K: the K-th fenced block of A.N
        section = appendix(open(argv[2], encoding="utf-8").read())[argv[3]]
        sys.stdout.write(fences(section)[int(argv[4])])
        return 0
    if len(argv) == 4 and argv[1] == "content":
        sys.stdout.buffer.write(parse(open(argv[2], "rb").read())["contents"][int(argv[3])])
        return 0
    if len(argv) == 3 and argv[1] == "values":
        return values(parse(open(argv[2], "rb").read()))
    if len(argv) in (3, 5) and argv[1] == "xxd":
        b = open(argv[2], "rb").read()
        start = int(argv[3], 0) if len(argv) == 5 else 0
        sys.stdout.write(xxd(b[start:start + int(argv[4], 0)] if len(argv) == 5 else b, start))
        return 0
    sys.stderr.write(__doc__)
    return 2


def values(B):
    st, b = B["statement"], B["file"]
    out = [("size", len(b)), ("sha256", hashlib.sha256(b).hexdigest()),
           ("index_offset", B["fields"]["index_offset"]), ("index_size", B["fields"]["index_size"]),
           ("unit_table_offset(E)", "0x%03x" % B["units_offset"])]
    for i, pg in enumerate(B["pages"]):
        out += [("entry_page.%d.range" % i,
                 "[0x%03x, 0x%03x)" % (pg["offset"], pg["offset"] + len(pg["stored"]))),
                ("entry_page.%d.stored_size" % i, len(pg["stored"])),
                ("entry_page.%d.sha256" % i, sha256(pg["stored"]).hex())]
    for i, u in enumerate(B["units"]):
        out += [("unit.%d.record" % i, u["record"].hex())]
    for i, p in enumerate(B["upages"]):
        out += [("unit_page.%d.record" % i, p["record"].hex())]
    for i, L in enumerate(B["entries"]):
        out += [("entry.%d.record" % i, L.hex()), ("entry.%d.leaf_hash" % i, leaf_hash(L).hex())]
    out += [("directory_hash", st[128:].hex()), ("statement", st.hex()),
            ("prehash", hashlib.blake2b(st, digest_size=64).hexdigest()),
            ("fingerprint", sha256(st).hex())]
    for i, s in enumerate(B["sigs"]):
        out += [("sig.%d.signature" % i, s["sig"].hex()),
                ("sig.%d.global_signature" % i, s["global"].hex())]
    for k, v in out:
        print(k, v)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Bad as e:
        print("spec_vectors.py: the bundle breaks SPEC.md: %s" % e, file=sys.stderr)
        sys.exit(1)
