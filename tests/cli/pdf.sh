#!/bin/sh
# SPDX-License-Identifier: ISC
# pdf.sh: show of binary documents and show --text of PDFs (issue 14), with a PDF from a Debian
# package's documentation (shared-mime-info's specification). A binary document (by its signed
# media type, else by a sniff of its first verified bytes) is refused on a terminal with its
# media type and size, exit 2, and written byte for byte to a pipe; show --text prints a PDF's
# text only after the whole document verified, and says why when it cannot (no text layer,
# encrypted, damaged), exit 2, with none of poppler's own messages on stderr.
set -eu
. "$(dirname "$0")/lib.sh"
PTY="python3 $SRC/tests/cli/pty_run.py"
DEBIAN_PDF=/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf
[ -r "$DEBIAN_PDF" ] || fail "$DEBIAN_PDF is missing (scripts/install-deps.sh installs shared-mime-info)"
command -v qpdf >/dev/null || fail "qpdf is missing (scripts/install-deps.sh installs it)"
cd "$T"

# expect_tty_contains FILE TEXT: what the terminal received contains TEXT.
expect_tty_contains()
{
    grep -q -F -e "$2" "$1" || fail "the terminal did not show '$2': $(head -c 600 "$1")"
    ok
}

mkdir docs
cp "$DEBIAN_PDF" docs/spec.pdf
qpdf --encrypt user-secret owner-secret 256 -- "$DEBIAN_PDF" docs/locked.pdf
printf '%%PDF-1.7\nnot a PDF body at all\n%%%%EOF\n' >docs/broken.pdf
printf 'plain notes\nsecond line\n' >docs/notes.txt
python3 - <<'PY'
import random, struct, zlib
# an image-only PDF (one 2x2 grey image on the page, no text), offsets computed
objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject "
        b"<< /Im1 5 0 R >> >> /Contents 4 0 R >>"]
content = b"q 100 0 0 100 72 600 cm /Im1 Do Q"
objs.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
objs.append(b"<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray "
            b"/BitsPerComponent 8 /Length 4 >>\nstream\n\x00\xff\xff\x00\nendstream")
out, offs = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"), []
for i, o in enumerate(objs):
    offs.append(len(out))
    out += b"%d 0 obj\n%s\nendobj\n" % (i + 1, o)
xref = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
out += b"".join(b"%010d 00000 n \n" % o for o in offs)
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
open("docs/scan.pdf", "wb").write(out)
# a 100x100 PNG of noise (about 30 KiB)
random.seed(14)
raw = b"".join(b"\0" + bytes(random.getrandbits(8) for _ in range(300)) for _ in range(100))
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100, 100, 8, 2, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
open("docs/logo.png", "wb").write(png)
# binary and text bytes under a media type that says nothing either way: the sniff decides
open("docs/blob.dat", "wb").write(bytes(random.getrandbits(8) for _ in range(5000)) + b"\0")
open("docs/random.bin", "wb").write(bytes(random.getrandbits(8) for _ in range(3000)))
open("docs/words.dat", "wb").write("Grüße aus Köln, naïve café\n".encode() * 40)
PY
cat >src.json <<'JSON'
[{"id": "b", "type": "dataset", "title": "blob", "quire-files": ["docs/blob.dat"],
  "quire-media-type": "application/x-unknown"},
 {"id": "w", "type": "dataset", "title": "words", "quire-files": ["docs/words.dat"],
  "quire-media-type": "application/x-unknown"}]
JSON
expect_exit 0 "$PACK" create -q -k "$KEY" -o b.quire -s src.json docs
size=$(wc -c <docs/logo.png)

# ---- show of a binary document: refused on a terminal, nothing of it written ----
expect_exit 2 $PTY tty.out -- "$READ" show --no-pager -p "$PUB" b.quire docs/logo.png
expect_tty_contains tty.out "quire-read: b.quire: docs/logo.png is a binary document (image/png, "
expect_tty_contains tty.out "KiB): not shown on a terminal; use quire-read extract, or redirect: quire-read show b.quire 'docs/logo.png' > FILE"
[ "$(wc -l <tty.out)" -eq 1 ] || fail "more than the refusal on the terminal: $(head -c 300 tty.out)"
ok
grep -q -F 'IHDR' tty.out && fail "PNG bytes reached the terminal"
ok
# through the pager as well (show pages by default): nothing is paged, the refusal is said
expect_exit 2 env PAGER=cat $PTY tty.out -- "$READ" show -p "$PUB" b.quire docs/logo.png
expect_tty_contains tty.out "docs/logo.png is a binary document (image/png,"
# a PDF is binary too, and the refusal names show --text
expect_exit 2 $PTY tty.out -- "$READ" show --no-pager -p "$PUB" b.quire docs/spec.pdf
expect_tty_contains tty.out "docs/spec.pdf is a binary document (application/pdf, 137.1 KiB): not shown on a terminal; use quire-read show --text for its text, quire-read extract, or redirect"
# no media type verdict: the sniff of the first bytes decides
expect_exit 2 $PTY tty.out -- "$READ" show --no-pager -p "$PUB" b.quire docs/blob.dat
expect_tty_contains tty.out "docs/blob.dat is a binary document (application/x-unknown, 4.9 KiB)"
expect_exit 2 $PTY tty.out -- "$READ" show --no-pager -p "$PUB" b.quire docs/random.bin
expect_tty_contains tty.out "docs/random.bin is a binary document (application/octet-stream, 2.9 KiB)"
expect_exit 0 $PTY tty.out -- "$READ" show --no-pager -p "$PUB" b.quire docs/words.dat
expect_tty_contains tty.out "Grüße aus Köln, naïve café"
expect_exit 0 $PTY tty.out -- "$READ" show --no-pager -p "$PUB" b.quire docs/notes.txt
expect_tty_contains tty.out "plain notes"

# ---- to a pipe or a file: the bytes as they are ----
expect_exit 0 "$READ" show -p "$PUB" b.quire docs/logo.png
expect_same "$OUT" docs/logo.png
expect_stderr_empty
expect_exit 0 "$READ" show -p "$PUB" b.quire docs/spec.pdf
expect_same "$OUT" docs/spec.pdf
expect_exit 0 "$READ" show -p "$PUB" b.quire docs/blob.dat
expect_same "$OUT" docs/blob.dat

# ---- show --text: the visible text of a PDF ----
expect_exit 0 "$READ" show --text -p "$PUB" b.quire docs/spec.pdf
expect_stdout_contains "This is version 0.21 of the Shared MIME-info Database specification, last updated 2 October 2018."
expect_stdout_contains "The MIME database does NOT store user preferences"
expect_stderr_empty
grep -q -F -e '/FlateDecode' -e '%PDF-' "$OUT" && fail "show --text wrote PDF syntax"
ok
[ "$(tr -cd '\f' <"$OUT" | wc -c)" -ge 10 ] || fail "no form feeds between the pages"
ok
# on a terminal a page break is a line break (no \x0c escapes), and the text is shown
expect_exit 0 $PTY tty.out -- "$READ" show --text --no-pager -p "$PUB" b.quire docs/spec.pdf
expect_tty_contains tty.out "1.2. What is this spec?"
grep -q -F -e '\x0c' -e '\u000c' tty.out && fail "form feeds escaped on the terminal"
ok
# a text document is its own text; a binary one has none
expect_exit 0 "$READ" show --text -p "$PUB" b.quire docs/notes.txt
expect_stdout_is "plain notes
second line"
expect_exit 2 "$READ" show --text -p "$PUB" b.quire docs/logo.png
expect_stdout_empty
expect_stderr_contains "quire-read: b.quire: docs/logo.png is a binary document (image/png, "
expect_stderr_contains "KiB): it has no text to show; use quire-read extract"

# ---- search and quote read a PDF's visible text, never its bytes ----
expect_exit 0 "$READ" search -p "$PUB" b.quire "what is this SPEC"
expect_stdout_contains "docs/spec.pdf:8: "
expect_stdout_contains "1.2. What is this spec?"
for raw in "PDF-1.5" "FlateDecode" "endobj"; do # in spec.pdf's bytes, not in its text
    expect_exit 3 "$READ" search -p "$PUB" b.quire "$raw"
    expect_stdout_empty
done
expect_exit 0 "$READ" quote -p "$PUB" b.quire docs/spec.pdf "The MIME database does NOT store user preferences"
expect_stdout_contains "line "
expect_exit 3 "$READ" quote -p "$PUB" b.quire docs/spec.pdf "%PDF-1.5"
# A PDF whose text cannot be read is no negative answer: quote says why, exit 2 (search names
# it on stderr and goes on).
expect_exit 2 "$READ" quote -p "$PUB" b.quire docs/scan.pdf "any words"
expect_stdout_empty
expect_stderr_lines 1
expect_stderr_contains "quire-read: b.quire: docs/scan.pdf: cannot quote: PDF text not read: this PDF has no text layer (scanned images?)"
expect_exit 2 "$READ" quote --json -p "$PUB" b.quire docs/locked.pdf "any words"
expect_true "quote --json: an error object naming the encryption" python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["error"]
assert e["message"] == "docs/locked.pdf: cannot quote: PDF text not read: this PDF is encrypted with a password: its text cannot be read", e
' "$OUT"
expect_exit 2 "$READ" quote -p "$PUB" b.quire docs/broken.pdf "%PDF-1.7"
expect_stderr_contains "docs/broken.pdf: cannot quote: PDF text not read: this PDF is damaged"
expect_exit 0 "$READ" search -p "$PUB" b.quire "plain notes"
expect_stdout_contains "docs/notes.txt:1: plain notes"
expect_stderr_contains "b.quire: docs/scan.pdf: PDF text not read: this PDF has no text layer (scanned images?)"

# ---- what cannot be read is said, exit 2, with nothing of poppler's on stderr ----
export G_MESSAGES_DEBUG=all # would make GLib print poppler's messages, raw, if they got out
expect_exit 2 "$READ" show --text -p "$PUB" b.quire docs/scan.pdf
expect_stdout_empty
expect_stderr_lines 1
expect_stderr_contains "quire-read: b.quire: docs/scan.pdf: this PDF has no text layer (scanned images?)"
expect_exit 2 "$READ" show --text -p "$PUB" b.quire docs/locked.pdf
expect_stderr_lines 1
expect_stderr_contains "quire-read: b.quire: docs/locked.pdf: this PDF is encrypted with a password: its text cannot be read"
expect_exit 2 "$READ" show --text -p "$PUB" b.quire docs/broken.pdf
expect_stderr_lines 1
expect_stderr_contains "quire-read: b.quire: docs/broken.pdf: this PDF is damaged: poppler cannot read it"
unset G_MESSAGES_DEBUG

# ---- nothing before verification: a flipped byte in the PDF's unit is exit 1, no text ----
mkdir one
cp docs/spec.pdf one/spec.pdf
expect_exit 0 "$PACK" create -q -k "$KEY" -o bad.quire one
python3 - <<'PY'
data = bytearray(open("bad.quire", "rb").read())
data[len(data) // 2] ^= 0x01  # inside the one unit: the index and signature are far smaller
open("bad.quire", "wb").write(data)
PY
expect_exit 1 "$READ" show --text -p "$PUB" bad.quire one/spec.pdf
expect_stdout_empty
expect_stderr_contains "quire-read: bad.quire:"
expect_exit 1 $PTY tty.out -- "$READ" show --no-pager -p "$PUB" bad.quire one/spec.pdf
grep -q -F 'binary document' tty.out && fail "refused as binary before the verification failed"
ok

# ---- the bound: a PDF over 256 MiB is not read into memory (documented in quire-read(1)) ----
grep -q -F '256 MiB' "$SRC/man/quire-read.1" || fail "quire-read(1) does not document the bound"
ok

done_ok
