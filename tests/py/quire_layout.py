# SPDX-License-Identifier: ISC
"""quire_layout.py: where things lie in a format-2 bundle (SPEC 2.3, 5, 7), for tests and
benchmarks that cut or damage chosen bytes. It reads the layout only; it checks nothing that
the reader checks, beyond what it needs to find its way."""
import struct

TRAILER = 40
STATEMENT = 160
UNIT_RECORD = 44


def trailer(b):
    """(index_offset, index_size, sigblock_size, attachments_size) from the last 40 bytes."""
    assert b[-8:] == b"QUIREEND", "no trailer magic"
    return struct.unpack("<QQQQ", b[-TRAILER:-8])


def statement(b):
    """The 160 signed bytes: the end of the index region."""
    io, isz, _, _ = trailer(b)
    return b[io + isz - STATEMENT:io + isz]


def counts(b):
    """(entry_count, unit_count, entry_page_count, bundle_meta_len, directory_size)."""
    st = statement(b)
    e, u, p, m = struct.unpack("<IIII", st[64:80])
    return e, u, p, m, struct.unpack("<Q", st[80:88])[0]


def units(b):
    """Each unit's (file_offset, stored_size, raw_size), in stream order."""
    io, isz, _, _ = trailer(b)
    _, n, _, meta, dsize = counts(b)
    table = io + isz - STATEMENT - meta - dsize - n * UNIT_RECORD
    out, off = [], 32
    for i in range(n):
        stored, raw = struct.unpack("<II", b[table + UNIT_RECORD * i + 4:table + UNIT_RECORD * i + 12])
        out.append((off, stored, raw))
        off += stored
    return out


def regions(b):
    """Named byte ranges [start, end) of the file, in order."""
    io, isz, ssz, asz = trailer(b)
    _, n, _, meta, dsize = counts(b)
    end = io + isz
    st = end - STATEMENT
    md = st - meta
    d = md - dsize
    ut = d - n * UNIT_RECORD
    return [("header", 0, 32), ("data", 32, io), ("entry pages", io, ut), ("unit table", ut, d),
            ("directory", d, md), ("bundle metadata", md, st), ("statement", st, end),
            ("signature block", end, end + ssz), ("attachments", end + ssz, end + ssz + asz),
            ("trailer", len(b) - TRAILER, len(b))]
