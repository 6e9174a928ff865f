#!/bin/sh
# SPDX-License-Identifier: ISC
# Web captures and reference-manager sources (issue 14): a WARC recorded here by wget from a
# server on 127.0.0.1 packs as documents with their provenance (.warc, .warc.gz and a .wacz
# built with zip give the same bundle); --keep-records; revisits, duplicates, chunked and gzip
# responses, path collisions and hostile records; a Zotero-style CSL-JSON matched by file
# name, title and URL; info --sources rebuilds the same bundle.
set -eu
. "$(dirname "$0")/lib.sh"
cd "$T"
command -v wget >/dev/null || {
    echo "SKIP [$NAME]: wget is not installed (scripts/install-deps.sh)"
    exit 77
}

# ---- a capture made by a real tool: wget --warc-file against python3 -m http.server ----
D0=000_7ca1ca3d8efec858.txt
D1=001_663e35e9f03aa9a9.txt
mkdir -p site/docs site/sub
cp "$FIX/docs/$D0" "$FIX/docs/$D1" site/docs/
printf 'plain\n' >site/sub/x.txt
cat >site/index.html <<EOF
<!DOCTYPE html><html><head><title>Seed &amp; documents</title></head><body>
<a href="docs/$D0">first</a> <a href="docs/$D1?v=2">second</a> <a href="sub/">sub</a>
<a href="missing.html">gone</a></body></html>
EOF
(cd site && exec python3 -m http.server 0 --bind 127.0.0.1) >server.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || :; rm -rf "$T"' EXIT
PORT=
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    PORT=$(sed -n 's/.*port \([0-9][0-9]*\).*/\1/p' server.log 2>/dev/null | head -n 1)
    [ -n "$PORT" ] && break
    sleep 0.25
done
[ -n "$PORT" ] || fail "the HTTP server did not start: $(cat server.log)"
# exit 8: the server answered 404 (robots.txt, missing.html), as wanted
expect_exit 8 wget -q --warc-file=cap --warc-cdx --recursive -P dl "http://127.0.0.1:$PORT/"
# a second crawl that records only what changed: wget writes a revisit for each unchanged page
expect_exit 8 wget -q --warc-file=dedup --warc-dedup=cap.cdx --recursive -P dl2 \
    "http://127.0.0.1:$PORT/"
kill $SERVER
H=127.0.0.1_$PORT

expect_exit 0 "$PACK" create -q -k "$KEY" -o cap.quire -a cap.warc.gz
FP=$(cat "$OUT")
expect_stderr_contains "cap.warc.gz: skipped 2 records: HTTP status 404 (the first: http://127.0.0.1:$PORT/"
expect_exit 0 "$READ" list -p "$PUB" cap.quire
expect_stdout_is "$H/docs/$D0
$H/docs/$D1%3Fv=2
$H/index.html
$H/sub/index.html
$H/sub/x.txt"
expect_exit 0 "$READ" show -p "$PUB" cap.quire "$H/docs/$D0"
expect_stdout_file "$FIX/docs/$D0"
WDATE=$(gzip -dc cap.warc.gz | tr -d '\r' | sed -n "/^WARC-Type: response/,/^\$/p" |
    sed -n 's/^WARC-Date: //p' | head -n 1)
expect_exit 0 "$READ" info --json -p "$PUB" cap.quire "$H/index.html"
expect_true "provenance comes from the WARC and HTTP headers" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))["metadata"]
y, mo, d = (int(x) for x in sys.argv[3][:10].split("-"))
assert m["URL"] == "http://127.0.0.1:%s/" % sys.argv[2], m
assert m["accessed"] == {"date-parts": [[y, mo, d]]}, m
assert m["quire-capture"]["date"] == sys.argv[3] and m["quire-capture"]["record"].startswith("<urn:uuid:")
assert m["quire-media-type"] == "text/html" and m["type"] == "webpage"
assert m["title"] == "Seed & documents" and m["quire-title-guessed"] is True
' "$OUT" "$PORT" "$WDATE"

# wget's deduplicated crawl: its revisits are the pages of the first crawl, given before it;
# alone, they refer to nothing it holds
expect_true "wget wrote revisits" test "$(gzip -dc dedup.warc.gz | grep -a -c '^WARC-Type: revisit')" -ge 5
expect_exit 0 "$PACK" create -q -k "$KEY" -o both.quire -a cap.warc.gz -a dedup.warc.gz
expect_stderr_contains "dedup.warc.gz: skipped 5 records: a revisit of a URL already captured with the same content (the first: http://127.0.0.1:$PORT/)"
expect_exit 0 "$READ" list -p "$PUB" both.quire
expect_stdout_is "$H/docs/$D0
$H/docs/$D1%3Fv=2
$H/index.html
$H/sub/index.html
$H/sub/x.txt"
expect_exit 2 "$PACK" create -q -k "$KEY" -o alone.quire -a dedup.warc.gz
expect_stderr_contains "records: a revisit of content not in this capture nor in one given before it (the first: http://127.0.0.1:$PORT/)"
expect_stderr_contains "dedup.warc.gz: refused: no web page in it"
expect_absent alone.quire

# the same capture as a plain .warc and as a .wacz (zip of archive/ and datapackage.json)
gzip -dc cap.warc.gz >cap.warc
expect_exit 0 "$PACK" create -q -k "$KEY" -o plain.quire -a cap.warc
expect_stdout_is "$FP"
mkdir -p wz/archive
cp cap.warc.gz wz/archive/data.warc.gz
SUM=$(sha256sum wz/archive/data.warc.gz | cut -d' ' -f1)
printf '{"profile":"data-package","resources":[{"name":"data.warc.gz","path":"archive/data.warc.gz","hash":"sha256:%s"}]}' "$SUM" >wz/datapackage.json
(cd wz && zip -q -X ../cap.wacz datapackage.json archive/data.warc.gz)
expect_exit 0 "$PACK" create -q -k "$KEY" -o wacz.quire -a cap.wacz
expect_stdout_is "$FP"
expect_stderr_contains "cap.wacz: entry archive/data.warc.gz: skipped 2 records: HTTP status 404"
sed "s/$SUM/$(printf '%064d' 0)/" wz/datapackage.json >wz/dp && mv wz/dp wz/datapackage.json
(cd wz && zip -q -X ../bad.wacz datapackage.json archive/data.warc.gz)
expect_exit 2 "$PACK" create -q -k "$KEY" -o bad.quire -a bad.wacz
expect_stderr_contains "bad.wacz: entry archive/data.warc.gz: refused: datapackage.json gives its SHA-256 as 0000"
[ ! -e bad.quire ] || fail "a bundle was written from a WACZ whose hash does not match"

# --keep-records: each document links to its record, byte for byte the capture's
expect_exit 0 "$PACK" create -q -k "$KEY" -o keep.quire --keep-records -a cap.warc.gz
expect_exit 0 "$READ" info --json -p "$PUB" keep.quire "$H/sub/x.txt"
expect_true "the document links to its record" python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))
assert e["original"] == sys.argv[2] + "/sub/x.txt.warc", e
' "$OUT" "$H"
expect_exit 0 "$READ" show -p "$PUB" keep.quire "$H/sub/x.txt.warc"
cp "$OUT" record
expect_true "the record is kept as the capture holds it" python3 -c '
import gzip, sys
r = open(sys.argv[1], "rb").read()
assert r.startswith(b"WARC/1.") and b"WARC-Type: response" in r and r in gzip.open(sys.argv[2]).read()
' record cap.warc.gz
expect_exit 0 "$READ" list -l -p "$PUB" keep.quire
expect_stdout_contains "original application/warc"

# ---- info --sources gives a sources file that rebuilds the same bundle ----
expect_exit 0 "$READ" info --sources -p "$PUB" keep.quire
cp "$OUT" keep.json
expect_exit 0 "$PACK" create -q -k "$KEY" -o keep2.quire --keep-records -a cap.warc.gz -s keep.json
expect_exit 0 "$READ" info --json -p "$PUB" keep.quire
F1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["fingerprint"])' "$OUT")
expect_exit 0 "$READ" info --json -p "$PUB" keep2.quire
F2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["fingerprint"])' "$OUT")
[ "$F1" = "$F2" ] || fail "repacked with info --sources: $F2, not $F1"
ok
mkdir col
cp -r "$FIX/docs" col/
printf '{"title":"Seed"}' >meta.json
expect_exit 0 "$PACK" create -q -k "$KEY" -o s1.quire -m meta.json -s "$FIX/sources.json" col/docs
S1=$(cat "$OUT")
expect_exit 0 "$READ" info --sources -p "$PUB" s1.quire
cp "$OUT" s1.json
expect_exit 0 "$PACK" create -q -k "$KEY" -o s2.quire -m meta.json -s s1.json col/docs
expect_stdout_is "$S1"
expect_exit 2 "$READ" info --sources -p "$PUB" s1.quire docs/x
expect_stderr_contains "info: expected BUNDLE (--sources describes every document)"
expect_exit 2 "$READ" list --sources -p "$PUB" s1.quire
expect_stderr_contains "option --sources is not supported by list"

# ---- a Zotero export: no quire-files; matched by file, title and URL ----
mkdir -p zot/storage/AB12 zot/storage/CD34
cp "$FIX/docs/$D0" "zot/storage/AB12/Smith - 2016 - Collaboration with ISIL.txt"
cp "$FIX/docs/$D1" zot/storage/CD34/report.txt
printf 'x\n' >zot/storage/CD34/stray.txt
cat >zot.json <<EOF
[{"id": "a", "type": "article", "title": "Not in the collection"},
 {"id": "b", "type": "article", "title": "Collaboration with ISIL", "author": [{"family": "Smith"}]},
 {"id": "c", "type": "report", "title": "Other", "file": "C:\\\\Users\\\\me\\\\Zotero\\\\storage\\\\CD34\\\\report.txt"},
 {"id": "d", "type": "webpage", "title": "Seed", "URL": "http://127.0.0.1:$PORT/#top"}]
EOF
expect_exit 0 "$PACK" create -q -k "$KEY" -o zot.quire -s zot.json -a cap.warc.gz zot
expect_stderr_contains 'zot.json: item 0 ("Not in the collection"): matched no document by file name, URL or title'
expect_stderr_contains "zot.json: no item describes zot/storage/CD34/stray.txt"
expect_stderr_not_contains "no item describes $H"
expect_exit 0 "$READ" info --json -p "$PUB" zot.quire "zot/storage/AB12/Smith - 2016 - Collaboration with ISIL.txt"
expect_true "matched by title" python3 -c '
import json, sys; m = json.load(open(sys.argv[1]))["metadata"]; assert m["id"] == "b", m' "$OUT"
expect_exit 0 "$READ" info --json -p "$PUB" zot.quire zot/storage/CD34/report.txt
expect_true "matched by file; the exporter's path is not packed" python3 -c '
import json, sys; m = json.load(open(sys.argv[1]))["metadata"]; assert m["id"] == "c" and "file" not in m, m' "$OUT"
expect_exit 0 "$READ" info --json -p "$PUB" zot.quire "$H/index.html"
expect_true "matched by URL, completed by the capture" python3 -c '
import json, sys; m = json.load(open(sys.argv[1]))["metadata"]
assert m["id"] == "d" and m["title"] == "Seed" and "date" in m["quire-capture"] and m["accessed"], m' "$OUT"

# Titles are compared after Unicode case folding and NFKC (utf8proc): an upper-case title in NFC
# names a file whose name is in NFD, as macOS writes it.
ZU="zu/storage/EF56/Müller - 2020 - $(printf 'E\314\201tude de cas').txt"
mkdir -p zu/storage/EF56
cp "$FIX/docs/$D0" "$ZU"
printf '[{"id": "e", "type": "article", "title": "ÉTUDE DE CAS"}]' >zu.json
expect_exit 0 "$PACK" create -q -k "$KEY" -o zu.quire -s zu.json zu
expect_stderr_not_contains "matched no document"
expect_exit 0 "$READ" info --json -p "$PUB" zu.quire "$ZU"
expect_true "matched by a title in another case and form" python3 -c '
import json, sys; m = json.load(open(sys.argv[1]))["metadata"]; assert m["id"] == "e", m' "$OUT"

# ---- records made by hand: codings, revisits, duplicates, collisions, escapes ----
python3 - <<'EOF'
import gzip, hashlib, zlib
def record(typ, uri, block, extra=""):
    head = ("WARC/1.1\r\nWARC-Type: %s\r\nWARC-Target-URI: %s\r\nWARC-Date: 2024-05-06T07:08:09.123Z\r\n"
            "WARC-Record-ID: <urn:uuid:%s>\r\n%sContent-Length: %d\r\n\r\n"
            % (typ, uri, hashlib.sha1(uri.encode() + block).hexdigest(), extra, len(block)))
    return head.encode() + block + b"\r\n\r\n"
def http(body, headers="Content-Type: text/plain; charset=utf-8\r\n", status="200 OK"):
    return ("HTTP/1.1 %s\r\n%s\r\n" % (status, headers)).encode() + body
ct = "Content-Type: application/http; msgtype=response\r\n"
gz = gzip.compress(b"gzipped text\n", mtime=0)
chunked = b"5\r\nchunk\r\n6;x=y\r\ned tex\r\n2\r\nt\n\r\n0\r\nTrailer: 1\r\n\r\n"
recs = [
    record("response", "http://h.test/gz.txt", http(gz, "Content-Type: text/plain\r\nContent-Encoding: gzip\r\n"), ct + "WARC-Payload-Digest: sha1:GZ\r\n"),
    record("response", "http://h.test/ch.txt", http(chunked, "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"), ct),
    record("response", "http://h.test/gz.txt", http(gz, "Content-Type: text/plain\r\nContent-Encoding: gzip\r\n"), ct),
    record("revisit", "http://h.test/copy.txt", http(b"", "Content-Type: text/plain\r\n"), ct + "WARC-Profile: http://netpreserve.org/warc/1.1/revisit/identical-payload-digest\r\nWARC-Payload-Digest: sha1:GZ\r\n"),
    record("revisit", "http://h.test/gz.txt", http(b""), ct + "WARC-Profile: http://netpreserve.org/warc/1.1/revisit/identical-payload-digest\r\nWARC-Payload-Digest: sha1:GZ\r\n"),
    record("response", "http://h.test/a", http(b"a file\n"), ct),
    record("response", "http://h.test/a/b.txt", http(b"below a\n"), ct),
    record("response", "http://h.test/d/", http(b"dir\n"), ct),
    record("response", "http://h.test/d/index.html", http(b"dir again\n"), ct),
    record("response", "http://h.test/x/../caf%C3%A9%2Fx.txt?q=a/b", http(b"q\n"), ct),
    record("response", "http://h.test/\u009b31m.txt", http(b"", status="404 Not Found"), ct),
    record("response", "http://h.test/br.txt", http(b"x", "Content-Encoding: br\r\n"), ct),
    record("request", "http://h.test/a", b"GET /a HTTP/1.1\r\n\r\n"),
]
open("hand.warc.gz", "wb").write(b"".join(gzip.compress(r, mtime=0) for r in recs))
bad = record("response", "http://h.test/z", http(b"z"), ct)
open("cut.warc", "wb").write(bad[:-30])
open("nolen.warc", "wb").write(bad.replace(b"Content-Length: ", b"Content-Length: x"))
open("badlen.warc", "wb").write(bad.replace(b"Content-Length: ", b"Content-Length: 1"))
open("longline.warc", "wb").write(b"WARC/1.1\r\nX: " + b"a" * 20000 + b"\r\n\r\n")
open("huge.warc", "wb").write(bad.replace(b"Content-Length: ", b"Content-Length: 99999999999999999999"))
open("badgz.warc.gz", "wb").write(gzip.compress(bad, mtime=0)[:-12])
EOF
expect_exit 0 "$PACK" create -q -k "$KEY" -o hand.quire --keep-records -a hand.warc.gz
expect_stderr_contains "skipped 1 record: the same URL captured again with the same content (the first: http://h.test/gz.txt)"
expect_stderr_contains "skipped 1 record: a revisit of a URL already captured with the same content (the first: http://h.test/gz.txt)"
expect_stderr_contains "skipped 1 record: cannot be decoded: content coding 'br' is not supported"
expect_stderr_contains 'HTTP status 404 (the first: http://h.test/\u009b31m.txt)'
expect_exit 0 "$READ" list -p "$PUB" hand.quire
expect_stdout_is "h.test/a
h.test/a.warc
h.test/a~2/b.txt
h.test/a~2/b.txt.warc
h.test/caf%C3%A9%2Fx.txt%3Fq=a%2Fb
h.test/caf%C3%A9%2Fx.txt%3Fq=a%2Fb.warc
h.test/ch.txt
h.test/ch.txt.warc
h.test/copy.txt
h.test/copy.txt.warc
h.test/d/index.html
h.test/d/index.html.warc
h.test/d/index~2.html
h.test/d/index~2.html.warc
h.test/gz.txt
h.test/gz.txt.warc"
expect_exit 0 "$READ" show -p "$PUB" hand.quire h.test/gz.txt
expect_stdout_is "gzipped text"
expect_exit 0 "$READ" show -p "$PUB" hand.quire h.test/copy.txt
expect_stdout_is "gzipped text"
expect_exit 0 "$READ" show -p "$PUB" hand.quire h.test/ch.txt
expect_stdout_is "chunked text"
expect_exit 0 "$READ" info --json -p "$PUB" hand.quire h.test/copy.txt
expect_true "a revisit is the content under its own URL and date" python3 -c '
import json, sys; e = json.load(open(sys.argv[1])); m = e["metadata"]
assert m["URL"] == "http://h.test/copy.txt" and m["quire-capture"]["date"] == "2024-05-06T07:08:09Z"
assert m["accessed"] == {"date-parts": [[2024, 5, 6]]} and e["original"] == "h.test/copy.txt.warc", e' "$OUT"

for bad in cut nolen badlen longline huge; do
    expect_exit 2 "$PACK" create -q -k "$KEY" -o bad.quire -a $bad.warc
done
expect_exit 2 "$PACK" create -q -k "$KEY" -o bad.quire -a cut.warc
expect_stderr_contains "cut.warc: record 1: refused: the file ends within its block of"
expect_exit 2 "$PACK" create -q -k "$KEY" -o bad.quire -a nolen.warc
expect_stderr_contains "nolen.warc: record 1: refused: a malformed Content-Length"
expect_exit 2 "$PACK" create -q -k "$KEY" -o bad.quire -a badlen.warc
expect_stderr_contains "record 1: refused: the file ends within its block"
expect_exit 2 "$PACK" create -q -k "$KEY" -o bad.quire -a longline.warc
expect_stderr_contains "longline.warc: offset 10: refused: a header line longer than 16383 bytes"
expect_exit 2 "$PACK" create -q -k "$KEY" -o bad.quire -a badgz.warc.gz
expect_stderr_contains "badgz.warc.gz: "
[ ! -e bad.quire ] || fail "a bundle was written from a malformed capture"
ok

done_ok
