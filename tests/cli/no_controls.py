#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""no_controls.py FILE...: exits 1, naming the file and offset, if a file holds anything a
terminal could take for a command or that could disguise text: a C0 control other than newline,
tab and (from a pseudo-terminal's output processing) carriage return before a newline, DEL,
invalid UTF-8 (raw 8-bit C1 bytes among it), a C1 control, or a bidirectional or invisible
formatting control. The rule of cli/cli_escape.h."""
import sys

import unicodedata

BAD = set(range(0x00, 0x20)) - {0x09, 0x0A} | set(range(0x7F, 0xA0))
# Format characters and the rest of Default_Ignorable_Code_Point, as cli_escape.c lists them.
BAD |= {cp for cp in range(0x110000) if unicodedata.category(chr(cp)) == "Cf"}
for a, b in [(0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
             (0x2028, 0x2029), (0x2065, 0x2065), (0x3164, 0x3164), (0xFE00, 0xFE0F),
             (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0xE0000, 0xE0FFF)]:
    BAD |= set(range(a, b + 1))

def check(path):
    data = open(path, "rb").read().replace(b"\r\n", b"\n")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return "%s: invalid UTF-8 at byte %d: %r" % (path, e.start, data[e.start:e.start + 8])
    for i, ch in enumerate(text):
        if ord(ch) in BAD:
            return "%s: control U+%04X at character %d: %r" % (path, ord(ch), i, text[max(0, i - 20):i + 20])
    return None

problems = [p for p in map(check, sys.argv[1:]) if p]
for p in problems:
    print(p, file=sys.stderr)
sys.exit(1 if problems else 0)
