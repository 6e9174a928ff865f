#!/bin/sh
# SPDX-License-Identifier: ISC
# Provenance, citing and reading (issue 3): info PATH, cite in three formats, quote (found,
# found only after normalisation, not found with a near match, HTML), search (non-ASCII,
# case-insensitive, JSON), diff of two snapshots with supersedes, export round trip, the
# metadata the packer refuses, and a pager and escapes on a real terminal (tmux).
set -eu
. "$(dirname "$0")/lib.sh"
cd "$T"
G=$FIX/dossier.quire
D2=docs/002_b5499be249b582cd.txt
D3=docs/003_42fea03c7bbd7071.txt

# ---- info and cite ----
expect_exit 0 "$READ" info --json -p "$PUB" "$G"
FP=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["fingerprint"])' "$OUT")
KID=$(key_id "$PUB")
SHA2=$(sha256sum "$FIX/$D2" | cut -d' ' -f1)
expect_exit 0 "$READ" info -p "$PUB" "$G" "$D2"
expect_stdout_contains "sha256:          $SHA2"
expect_stdout_contains "title: Islamic State is collaborating with Assad, leaked documents reveal"
expect_stdout_contains "quire-media-type: text/plain"
expect_stdout_contains "signer:          $KID (trusted: $PUB)"
expect_stdout_contains "bundle:          $FP"
expect_exit 0 "$READ" info --json -p "$PUB" "$G" "$D2"
expect_true "info --json PATH carries the fingerprint and signer" python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))
assert e["fingerprint"] == sys.argv[2] and e["signer"]["trusted"] is True and e["sha256"] == sys.argv[3]
' "$OUT" "$FP" "$SHA2"

# ---- standard streams: a bundle on stdin; no bundle or export on stdout ----
expect_exit 0 sh -c 'exec "$@" <"$0"' "$G" "$READ" show -p "$PUB" - "$D2"
expect_stdout_file "$FIX/$D2"
expect_exit 1 sh -c 'head -c 1000 "$0" | exec "$@"' "$G" "$READ" verify -q -p "$PUB" -
expect_stderr_contains "quire-read: -: "
expect_exit 2 "$PACK" create -k "$KEY" -o - "$FIX/docs"
expect_stderr_contains "standard output) is not supported"
expect_stdout_empty
expect_exit 2 "$READ" export --format tar -p "$PUB" "$G" -
expect_stdout_empty

expect_exit 0 "$READ" cite -p "$PUB" "$G" "$D2"
expect_stdout_contains "Islamic State is collaborating with Assad, leaked documents reveal"
expect_stdout_contains "(2016-05-02)"
expect_stdout_contains "URL unknown (retrieved on an unknown date)"
expect_stdout_contains "SHA-256 $SHA2"
expect_stdout_contains "quire bundle $FP"
expect_stdout_contains "signed by key $KID"

expect_exit 0 "$READ" cite --format bibtex -p "$PUB" "$G" "$D2"
expect_stdout_contains "@misc{islamic2016,"
expect_stdout_contains "  title = {{Islamic State is collaborating with Assad, leaked documents reveal}},"
expect_stdout_contains "  year = {2016},"
expect_stdout_contains "SHA-256 $SHA2"
expect_stdout_contains 'docs/002\_b5499be249b582cd.txt'

expect_exit 0 "$READ" cite --format csl-json -p "$PUB" "$G" "$D2"
expect_true "cite csl-json is a valid CSL-JSON item with the archive location" python3 -c '
import json, sys
items = json.load(open(sys.argv[1]))
assert isinstance(items, list) and len(items) == 1
it = items[0]
assert it["id"] and it["type"] == "article-newspaper" and it["title"].startswith("Islamic State")
assert it["issued"] == {"date-parts": [[2016, 5, 2]]}
assert it["archive"] == "quire bundle " + sys.argv[2] and it["archive_location"] == sys.argv[4]
assert sys.argv[3] in it["note"]
assert not [k for k in it if k.startswith("quire-")], it.keys()
' "$OUT" "$FP" "$SHA2" "$D2"
expect_exit 2 "$READ" cite --format mla -p "$PUB" "$G" "$D2"
expect_exit 2 "$READ" cite -p "$PUB" "$G" docs/none.txt

# ---- verify --quick: the signature and every stored hash, no inflating ----
expect_exit 0 "$READ" verify --quick -p "$PUB" "$G"
expect_stdout_contains "every stored unit intact (quick: documents not inflated)"
expect_exit 1 "$READ" verify --quick -p "$PUB" "$FIX/bad/9.10-unit-hash.quire"
expect_stderr_contains "(SPEC 9 step 10)"
# On one CPU (taskset) there is no helper thread: the same answers, metadata first.
if command -v taskset >/dev/null 2>&1; then
    expect_exit 0 taskset -c 0 "$READ" verify --quick -q -p "$PUB" "$G"
    expect_exit 1 taskset -c 0 "$READ" verify --quick -p "$PUB" "$FIX/bad/9.10-unit-hash.quire"
    expect_stderr_contains "(SPEC 9 step 10)"
    expect_exit 1 taskset -c 0 "$READ" verify --quick -p "$PUB" "$FIX/bad/5.5-entry-meta-not-json.quire"
    expect_stderr_contains "metadata is not a canonical JSON object: not a JSON object (SPEC 5.5)"
fi
# A signer's wrong content hash is found by the full check only, as documented.
expect_exit 0 "$READ" verify --quick -q -p "$PUB" "$FIX/bad/9.12-content-sha.quire"
expect_exit 1 "$READ" verify -q -p "$PUB" "$FIX/bad/9.12-content-sha.quire"
expect_exit 0 "$READ" verify --quick --json -p "$PUB" "$G"
expect_true "verify --quick --json says documents were not checked" python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
assert v["intact"] is True and v["documents_checked"] is False and v["signature_verified"] is True
' "$OUT"

# ---- an entry's metadata is checked when the entry is used (SPEC 9 step 9) ----
BADMETA=$FIX/bad/5.5-entry-meta-not-json.quire
expect_exit 0 "$READ" show -p "$PUB" "$BADMETA" docs/b.txt
expect_exit 1 "$READ" show -p "$PUB" "$BADMETA" docs/a.txt
expect_stderr_contains "entry 0 (docs/a.txt): metadata is not a canonical JSON object: not a JSON object (SPEC 5.5)"
expect_stdout_empty
expect_exit 1 "$READ" info -p "$PUB" "$BADMETA" docs/a.txt
expect_exit 1 "$READ" list --json -p "$PUB" "$BADMETA"
expect_exit 1 "$READ" verify -p "$PUB" "$BADMETA"
expect_exit 1 "$READ" verify --quick -p "$PUB" "$BADMETA"
expect_exit 1 "$READ" extract -p "$PUB" -C badmeta "$BADMETA"
expect_absent badmeta

# ---- quote ----
expect_exit 0 "$READ" quote -p "$PUB" "$G" "$D2" "says Sky News – who are examining the documents"
expect_stdout_contains "line 10, column 97"
# Found only after normalisation: straight quote for a typographic one, a hyphen for an en
# dash, and white space that spans a line break.
expect_exit 0 "$READ" quote -p "$PUB" "$G" "$D3" "only known by the pseudonym 'Sherko Omer', who managed"
expect_stdout_contains "line 7"
expect_exit 0 "$READ" quote -p "$PUB" "$G" "$D2" "says Sky News - who   are
examining"
expect_exit 0 "$READ" quote --json -p "$PUB" "$G" "$D2" "Sky News"
expect_true "quote --json reports found and every match" python3 -c '
import json, sys
q = json.load(open(sys.argv[1]))
assert q["found"] is True and len(q["matches"]) >= 2 and q["matches"][0]["line"] == 10
' "$OUT"
# Not found: exit 3, the reason on stderr, the closest passage on stdout.
expect_exit 3 "$READ" quote -p "$PUB" "$G" "$D2" "Assad played a major role in the rise of IS"
expect_stderr_contains "$D2: passage not found"
expect_stdout_contains "closest passage shares 9 of 10 words, line 12"
expect_stdout_contains "Assad played a crucial role in the rise of IS"
expect_exit 3 "$READ" quote -p "$PUB" "$G" "$D2" "says sky news"
expect_stdout_contains "matches only if letter case is ignored"
expect_exit 3 "$READ" quote -p "$PUB" "$G" "$D2" "nothing like this appears anywhere at all"
expect_stdout_empty

# HTML: the text is matched, not the markup; line numbers are the HTML file's.
mkdir web
printf '<!DOCTYPE html>\n<html><head><title>Caf&eacute; &amp; Co</title>\n<style>p{}</style></head>\n<body><p>The <b>quick</b>\n brown&nbsp;fox &mdash; jumps.</p>\n<script>var quick = 1;</script></body></html>\n' >web/page.html
expect_exit 0 "$PACK" create -q -k "$KEY" -o web.quire web
expect_exit 0 "$READ" info -p "$PUB" web.quire web/page.html
expect_stdout_contains "title: Café & Co"
expect_stdout_contains "quire-media-type: text/html"
expect_exit 0 "$READ" quote -p "$PUB" web.quire web/page.html "The quick brown fox - jumps."
expect_stdout_contains "line 4"
expect_exit 3 "$READ" quote -p "$PUB" web.quire web/page.html "The <b>quick</b>"
expect_exit 3 "$READ" quote -p "$PUB" web.quire web/page.html "var quick"

# ---- search ----
expect_exit 0 "$READ" search -p "$PUB" "$G" "ÇELEN"
expect_stdout_contains "$D3:45: "
expect_stdout_contains "$D3:47: "
expect_exit 0 "$READ" search -p "$PUB" "$G" "naṣārā"
expect_stdout_contains "docs/000_7ca1ca3d8efec858.txt:15: "
expect_stdout_contains "docs/001_663e35e9f03aa9a9.txt:420: "
expect_exit 0 "$READ" search --json -p "$PUB" "$G" "sky news"
expect_true "search --json lists path, line and snippet" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["query"] == "sky news"
assert all(set(m) == {"path", "line", "column", "snippet"} for m in s["matches"])
assert any(m["path"].endswith("002_b5499be249b582cd.txt") and m["line"] == 10 for m in s["matches"])
' "$OUT"
expect_exit 3 "$READ" search -p "$PUB" "$G" "zzqx no such words"
expect_stdout_empty
expect_exit 0 "$READ" search -p "$PUB" web.quire "QUICK BROWN"
expect_stdout_contains "web/page.html:4: "
expect_stdout_contains "The quick brown fox — jumps."

# ---- diff ----
mkdir -p v2/docs
cp "$FIX"/docs/* v2/docs/
printf 'added later\n' >>v2/docs/003_42fea03c7bbd7071.txt
rm v2/docs/004_baefcaea187811c8.txt
printf 'new\n' >v2/docs/005_new.txt
printf '{"title": "v2", "supersedes": "%s"}\n' "$FP" >v2.json
expect_exit 0 "$PACK" create -q -k "$KEY" -o v2.quire -m v2.json v2/docs
expect_exit 3 "$READ" diff -p "$PUB" "$G" v2.quire
expect_stdout_contains "1 added, 1 removed, 1 changed, 3 unchanged"
expect_stdout_contains "added    docs/005_new.txt"
expect_stdout_contains "removed  docs/004_baefcaea187811c8.txt"
expect_stdout_contains "changed  docs/003_42fea03c7bbd7071.txt"
expect_stdout_contains "NEW supersedes OLD: yes"
expect_exit 3 "$READ" diff -p "$PUB" v2.quire "$G"
expect_stdout_contains "NEW supersedes OLD: no (NEW declares no predecessor)"
expect_exit 3 "$READ" diff --json -p "$PUB" "$G" v2.quire
expect_true "diff --json" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = {k: d["counts"][k] for k in ("added", "removed", "changed", "unchanged")}
assert c == {"added": 1, "removed": 1, "changed": 1, "unchanged": 3}, d["counts"]
assert d["new_supersedes_old"] is True and d["old"] == sys.argv[2]
' "$OUT" "$FP"

# ---- export round trip ----
expect_exit 0 "$READ" export -p "$PUB" --format tar --with-metadata "$G" ex.tar
expect_exit 0 "$PACK" create -q -k "$KEY" -o re.quire -a ex.tar
sums()
{
    python3 -c 'import json, sys
for e in json.load(open(sys.argv[1])):
    print(e["role"], e["size"], e["sha256"], e["path"])' "$OUT" | grep ' docs/'
}
expect_exit 0 "$READ" list --json -p "$PUB" "$G"
sums >orig.list
expect_exit 0 "$READ" list --json -p "$PUB" re.quire
sums >re.list
expect_true "exported and repacked documents keep their SHA-256" cmp -s orig.list re.list
mkdir unpacked
tar -xf ex.tar -C unpacked
expect_true "manifest-sha256.txt checks with sha256sum -c" sh -c 'cd unpacked && sha256sum -c --quiet manifest-sha256.txt'
expect_exit 0 "$READ" export -p "$PUB" --format zip "$G" ex.zip
expect_true "zip export lists the five documents" sh -c 'unzip -Z1 ex.zip | grep -c "^docs/" | grep -qx 5'
expect_exit 2 "$READ" export -p "$PUB" --format rar "$G" ex.rar
expect_absent ex.rar

# ---- metadata the packer refuses (nothing written) ----
printf '[{"id": "x", "issued": {"date-parts": [[2016, 13, 1]]}, "quire-files": ["docs/000_7ca1ca3d8efec858.txt"]}]\n' >bad-date.json
expect_exit 2 "$PACK" create -q -k "$KEY" -o bad.quire -s bad-date.json "$FIX/docs"
expect_stderr_contains "bad-date.json: item 0: field issued: not a CSL date"
printf '{"supersedes": "abc"}\n' >bad-sup.json
expect_exit 2 "$PACK" create -q -k "$KEY" -o bad.quire -m bad-sup.json "$FIX/docs"
expect_stderr_contains "field supersedes: not a bundle fingerprint"
printf '{"created": "2026-02-31"}\n' >bad-created.json
expect_exit 2 "$PACK" create -q -k "$KEY" -o bad.quire -m bad-created.json "$FIX/docs"
expect_stderr_contains "field created: not a date"
expect_absent bad.quire

# ---- a real terminal: escapes and the pager ----
if command -v tmux >/dev/null 2>&1; then
    mkdir esc
    printf 'safe\033[31mRED\033]0;title\007 \302\233x\n' >esc/e.txt
    expect_exit 0 "$PACK" create -q -k "$KEY" -o esc.quire esc
    tmux -L quire-test new-session -d -x 100 -y 10 \
        "'$READ' show -p '$PUB' esc.quire esc/e.txt >show.tty 2>&1; script -qc \"'$READ' show -p '$PUB' esc.quire esc/e.txt\" /dev/null >show.script; PAGER='cat >paged.txt' '$READ' search -p '$PUB' '$G' the; sleep 1"
    i=0
    while tmux -L quire-test has-session 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    expect_true "show on a terminal escapes ESC, BEL and C1" grep -q 'safe\\x1b\[31mRED\\x1b\]0;title\\x07 \\u009bx' show.script
    expect_true "show on a terminal passes no raw ESC" sh -c '! grep -q "$(printf "\033")" show.script'
    expect_true "long output to a terminal goes through PAGER" test -s paged.txt
    expect_true "the pager got the search results" grep -q "^docs/000_7ca1ca3d8efec858.txt:" paged.txt
fi
# Not a terminal: show passes bytes unchanged and no pager runs.
expect_exit 0 env PAGER=false "$READ" show -p "$PUB" esc.quire esc/e.txt
expect_stdout_file esc/e.txt

done_ok
