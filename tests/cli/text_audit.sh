#!/bin/sh
# SPDX-License-Identifier: ISC
# quote and search after the issue 11 audit: exit 3 for a verified negative answer, linear work
# on adversarial text (a 128 KiB line of 'a': each match used to rescan the document), at most
# 1000 matches shown per document with the exact count, every match in --json even when its
# context is not UTF-8, nothing printed before the document is verified, HTML matched on its
# text, case folded without any locale.
. "$(dirname "$0")/lib.sh"
cd "$T"

mkdir docs
python3 -c '
import sys
open("docs/a.txt", "w").write("a" * 131072)
open("docs/bad.txt", "wb").write(b"\xff\xfe before the needle \xc3 after\n")
open("docs/lines.txt", "w").write("x the y the\n" * 1500)
open("docs/page.html", "w").write("<p>Caf&eacute; <b>au</b> lait &amp; more</p>\n")
'
expect_exit 0 "$PACK" create -q -k "$KEY" -o t.quire docs
AB=$(python3 -c 'print("a" * 1000 + "b")')

# Verified negative answers: exit 3 (1 stays for bundles that fail verification).
expect_exit 3 "$READ" search -p "$PUB" t.quire "$AB"
expect_stdout_empty
expect_exit 3 "$READ" quote -p "$PUB" t.quire docs/a.txt "$AB"
expect_stderr_contains "docs/a.txt: passage not found"
expect_exit 3 "$READ" search -p "$PUB" t.quire "zzqx"
expect_exit 3 "$READ" quote --json -p "$PUB" t.quire docs/page.html "zzqx"
expect_true "quote --json says not found" python3 -c '
import json, sys
q = json.load(open(sys.argv[1]))
assert q["found"] is False and q["match_count"] == 0 and q["matches"] == []
' "$OUT"

# A match at every byte of a 128 KiB line: the exact count, the first 1000 shown.
expect_exit 0 "$READ" quote --json -p "$PUB" t.quire docs/a.txt "a"
expect_true "quote --json counts every match and shows the first 1000" python3 -c '
import json, sys
q = json.load(open(sys.argv[1]))
assert q["found"] is True and q["match_count"] == 131072 and q["truncated"] is True, q["match_count"]
m = q["matches"]
assert len(m) == 1000 and m[0]["column"] == 1 and m[999]["column"] == 1000
assert all(x["line"] == 1 for x in m) and m[999]["context"] == "a" * 141
' "$OUT"
expect_exit 0 "$READ" quote -p "$PUB" t.quire docs/a.txt "aaaa"
expect_stderr_contains "docs/a.txt: 131069 matches, the first 1000 shown"
expect_true "quote prints 1000 match lines" sh -c "test \$(wc -l <'$OUT') -eq 1000"

# search: one result per line, at most 1000 lines per document, the cut said.
expect_exit 0 "$READ" search --json -p "$PUB" t.quire "THE"
expect_true "search --json reports the cut with the exact count" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
lines = [m for m in s["matches"] if m["path"] == "docs/lines.txt"]
assert len(lines) == 1000 and lines[-1]["line"] == 1000 and lines[0]["column"] == 3
assert s["truncated"] == [{"path": "docs/lines.txt", "matching_lines": 1500}], s["truncated"]
assert any(m["path"] == "docs/bad.txt" for m in s["matches"])
' "$OUT"
expect_exit 0 "$READ" search -p "$PUB" t.quire "the"
expect_stderr_contains "docs/lines.txt: 1500 matching lines, the first 1000 shown"

# A context that is not UTF-8 is still reported, bad bytes as U+FFFD (they were dropped).
expect_exit 0 "$READ" search --json -p "$PUB" t.quire "needle"
expect_true "search --json keeps a match whose context is not UTF-8" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert [m["snippet"] for m in s["matches"]] == ["\ufffd\ufffd before the needle \ufffd after"], s
' "$OUT"
expect_exit 0 "$READ" quote --json -p "$PUB" t.quire docs/bad.txt "the needle"
expect_true "quote --json keeps a match whose context is not UTF-8" python3 -c '
import json, sys
q = json.load(open(sys.argv[1]))
assert q["found"] is True and len(q["matches"]) == 1 and q["matches"][0]["column"] == 11, q
assert q["matches"][0]["context"] == "\ufffd\ufffd before the needle \ufffd after"
' "$OUT"
expect_exit 0 "$READ" search -p "$PUB" t.quire "needle"
expect_stdout_contains 'docs/bad.txt:1: \xff\xfe before the needle \xc3 after'

# HTML is matched on its text; case folding needs no locale (LC_ALL=C here).
expect_exit 0 "$READ" quote -p "$PUB" t.quire docs/page.html "Café au lait & more"
expect_stdout_contains "line 1, column 4: Café au lait & more"
expect_exit 0 "$READ" search -p "$PUB" t.quire "CAFÉ AU"
expect_stdout_contains "docs/page.html:1: Café au lait & more"

# Nothing is printed from a document before all of it is verified: the passage is in unit 0,
# a later unit is altered.
mkdir big
head -c 3000000 /dev/urandom | base64 -w 76 >big/t.txt
printf 'needle here\n' >>big/t.txt
python3 -c '
import sys
b = open("big/t.txt").read()
open("big/t.txt", "w").write("needle first\n" + b)
'
expect_exit 0 "$PACK" create -q -k "$KEY" -o big.quire big
expect_exit 0 "$READ" quote -p "$PUB" big.quire big/t.txt "needle first"
size=$(wc -c <big.quire)
printf 'X' | dd of=big.quire bs=1 seek=$((size * 3 / 4)) conv=notrunc 2>/dev/null
expect_exit 1 "$READ" quote -p "$PUB" big.quire big/t.txt "needle first"
expect_stdout_empty
expect_stderr_contains "do not match their BLAKE2b-256"
expect_exit 1 "$READ" quote --json -p "$PUB" big.quire big/t.txt "needle first"
expect_true "quote --json on a damaged unit prints only the error object" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert list(d) == ["error"] and d["error"]["rule"] == "SPEC 9 step 10", d' "$OUT"
expect_exit 1 "$READ" search -p "$PUB" big.quire "needle"
expect_stdout_empty

done_ok
