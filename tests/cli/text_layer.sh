#!/bin/sh
# SPDX-License-Identifier: ISC
# Issue 14, text: quote and search read text the way people read it, on material nobody here
# wrote (Debian's python3.11-doc HTML) and on small documents made here: Unicode folding and
# forms (utf8proc), HTML entities and structure (libxml2), dashes, pilcrows and zero-width
# characters, the first differing word, search -w and --path, snippets on words, binary
# documents, a path typed in another normalisation form, and the text module loaded only by
# the commands that need it (exit 2 naming what was tried when it cannot be).
. "$(dirname "$0")/lib.sh"
cd "$T"

PYDOC=/usr/share/doc/python3.11/html/tutorial
[ -f "$PYDOC/classes.html" ] || fail "python3.11-doc is not installed (scripts/install-deps.sh)"
cp -R "$PYDOC" tutorial
expect_exit 0 "$PACK" create -q -k "$KEY" -o py.quire tutorial

# A heading copied from a browser (no pilcrow, the section number as shown) is found in the
# body, at the line and column of its text; a phrase only in the sidebar is not page text.
expect_exit 0 "$READ" quote -p "$PUB" py.quire tutorial/classes.html "9.3.2. Class Objects"
expect_stdout_contains "line 394, column 69: "
# A <title> with UTF-8 in it, taken alone, is UTF-8, not ISO-8859-1 (libxml2's default for
# HTML that declares no encoding): the title signed for tutorial/stdlib2.html.
expect_exit 0 "$READ" info --json -p "$PUB" py.quire tutorial/stdlib2.html
expect_true "a UTF-8 <title> became mojibake" python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["metadata"]["title"]
assert t.startswith("11. Brief Tour of the Standard Library \u2014 Part II"), t
' "$OUT"
expect_exit 0 "$READ" quote -p "$PUB" py.quire tutorial/classes.html "Class Objects¶"
expect_exit 3 "$READ" quote -p "$PUB" py.quire tutorial/classes.html "Previous topic"
expect_exit 3 "$READ" quote -p "$PUB" py.quire tutorial/classes.html \
    "9.3.2. Class Objects Class objects support three kinds"
expect_stdout_contains "line 394, column 69: " # the closest passage: the body's heading
expect_stdout_contains "Class objects support two kinds"
expect_exit 3 "$READ" search -p "$PUB" py.quire "previous topic"
expect_stdout_empty
# Not found: where the closest passage differs, word by word.
expect_exit 3 "$READ" quote -p "$PUB" py.quire tutorial/classes.html \
    "Class objects support three kinds of operations: attribute references and instantiation."
expect_stdout_contains "closest passage shares"
expect_stdout_contains "differs at word 4: the passage has 'three', the document 'two'"
expect_exit 3 "$READ" quote --json -p "$PUB" py.quire tutorial/classes.html \
    "Class objects support three kinds of operations: attribute references and instantiation."
expect_true "quote --json names the first differing word" python3 -c '
import json, sys
n = json.load(open(sys.argv[1]))["near_match"]
assert n["differs_at_word"] == 4 and n["passage_word"] == "three" and n["document_word"] == "two", n
assert n["difference"] == "changed", n
' "$OUT"
# One word changed in the middle of a passage: the closest passage is still shown (the words
# that agree where the passage is aligned, not only the longest unbroken run of them).
expect_exit 3 "$READ" quote -p "$PUB" py.quire tutorial/classes.html \
    "Data attributes may be referenced by functions as well as by ordinary users"
expect_stdout_contains "closest passage shares 12 of 13 words, line 602, column 4: "
expect_stdout_contains "differs at word 7: the passage has 'functions', the document 'methods'"
# A word added or left out: the words after it are aligned again, and the difference named is
# that word, not the first word of the passage (which the longest aligned run used to start
# after).
expect_exit 3 "$READ" quote -p "$PUB" py.quire tutorial/classes.html \
    "Data attributes may be referenced by the methods as well as by ordinary users"
expect_stdout_contains "differs at word 7: the passage adds 'the', which the document does not have before 'methods'"
expect_exit 3 "$READ" quote -p "$PUB" py.quire tutorial/classes.html \
    "Data attributes may be referenced by as well as by ordinary users"
expect_stdout_contains "differs before word 7 ('as'): the document has 'methods' there, which the passage leaves out"
expect_exit 3 "$READ" quote --json -p "$PUB" py.quire tutorial/classes.html \
    "Data attributes may be referenced by as well as by ordinary users"
expect_true "quote --json names a left-out word" python3 -c '
import json, sys
n = json.load(open(sys.argv[1]))["near_match"]
assert n["differs_at_word"] == 7 and n["difference"] == "left out", n
assert n["passage_word"] == "as" and n["document_word"] == "methods", n
' "$OUT"
expect_exit 3 "$READ" quote -p "$PUB" py.quire tutorial/classes.html \
    "Data attributes may be referenced by methods as well as by extraordinary users"
expect_stdout_contains "differs at word 12: the passage has 'extraordinary', the document 'ordinary'"

# Unicode: full case folding, NFKC, NFC against NFD; entities beyond HTML's first twenty.
mkdir docs sub
python3 -c '
import unicodedata
open("docs/de.txt", "w").write("Der Fußballer wohnt in der Hauptstraße.\n")
open("docs/nfc.txt", "w").write("un caf\u00e9 noir\n")
open("docs/lig.txt", "w").write("the \ufb01nal version, a\u2014b and \u201cquoted\u201d zero\u200bwidth\n")
open("docs/page.html", "w").write("<p>na&iuml;ve price: 5&euro; &hellip; &rarr; &NotANamedOne;</p>\n"
                                  "<p>HTML 5 only: &check; done&period; zero&ZeroWidthSpace;width &amp;check;</p>\n")
open("docs/nometa.html", "w").write("<title>Caf\u00e9 \u201cquoted\u201d</title><p>No charset: na\u00efve caf\u00e9.</p>\n")
open("docs/bare.html", "w").write("<!DOCTYPE html><title>Bare</title><p>first part</p>\n<p>second part</p><div>third part</div>\n")
open("docs/words.txt", "w").write("concatenate the cat; " + "x" * 100 + " long lead-in words before the cat at the end\n")
open("sub/cat.txt", "w").write("a cat in sub\n")
open("docs/bin.dat", "wb").write(b"header\0\1\2 the needle in binary\0")
open("docs/" + unicodedata.normalize("NFD", "r\u00e9sum\u00e9.txt"), "w").write("resume\n")
'
printf '\211PNG\r\n\032\n\0\0\0\rIHDR needle' >docs/img.png
python3 -c 'open("docs/long.txt", "w").write("alpha beta gamma delta " + "\u00e9" * 40 + " end\n")'
expect_exit 0 "$PACK" create -q -k "$KEY" -o t.quire docs sub
# A document word longer than the passage's words is shown whole up to 60 bytes, then "…".
expect_exit 3 "$READ" quote -p "$PUB" t.quire docs/long.txt "alpha beta gamma delta epsilon"
expect_stdout_contains "differs at word 5: the passage has 'epsilon', the document '$(python3 -c 'print("\u00e9" * 30, end="")')…'"
expect_exit 3 "$READ" quote --json -p "$PUB" t.quire docs/long.txt "alpha beta gamma delta epsilon"
expect_true "quote --json: the long word, cut on a character" python3 -c '
import json, sys
n = json.load(open(sys.argv[1]))["near_match"]
assert n["document_word"] == "\u00e9" * 30 + "\u2026" and n["differs_at_word"] == 5, n
' "$OUT"
# A passage that starts before the document does: the words it has before it.
expect_exit 3 "$READ" quote -p "$PUB" t.quire docs/long.txt "omega alpha beta gamma delta"
expect_stdout_contains "closest passage shares 4 of 5 words, line 1, column 1: alpha"
expect_stdout_contains "differs at word 1: the passage has 'omega', the document begins after it"
# HTML in UTF-8 that declares no encoding is read as UTF-8: its title and its text.
expect_exit 0 "$READ" quote -p "$PUB" t.quire docs/nometa.html "naïve café"
expect_exit 0 "$READ" list -l -p "$PUB" t.quire docs/nometa.html
expect_stdout_contains "Café “quoted”"
expect_exit 0 "$READ" search -p "$PUB" t.quire "fussballer"
expect_stdout_contains "docs/de.txt:1: Der Fußballer wohnt"
expect_exit 0 "$READ" search -p "$PUB" t.quire "HAUPTSTRASSE"
expect_stdout_contains "docs/de.txt:1:"
expect_exit 0 "$READ" search -p "$PUB" t.quire "$(printf 'cafe\314\201')" # NFD query
expect_stdout_contains "docs/nfc.txt:1: un café noir"
expect_exit 0 "$READ" quote -p "$PUB" t.quire docs/nfc.txt "$(printf 'un cafe\314\201')"
expect_exit 0 "$READ" search -p "$PUB" t.quire "ﬁnal"
expect_stdout_contains "docs/lig.txt:1:"
expect_exit 0 "$READ" quote -p "$PUB" t.quire docs/lig.txt "the final version, a -- b and \"quoted\" zerowidth"
expect_exit 0 "$READ" quote -p "$PUB" t.quire docs/lig.txt "a---b"
expect_exit 0 "$READ" quote -p "$PUB" t.quire docs/page.html "naïve price: 5€ … →"
expect_exit 0 "$READ" quote -p "$PUB" t.quire docs/page.html "HTML 5 only: ✓ done. zerowidth &check;"
expect_stdout_contains "line 2, column 4: "
# HTML may leave out <html>, <head> and <body>: the text after the first element is read too
expect_exit 0 "$READ" quote -p "$PUB" t.quire docs/bare.html "first part second part third part"
expect_exit 3 "$READ" quote -p "$PUB" t.quire docs/bare.html "Bare" # the title is in the head
expect_exit 0 "$READ" search -p "$PUB" t.quire "✓ DONE."
expect_stdout_contains "docs/page.html:2: "
expect_stdout_contains "HTML 5 only: ✓ done. zerowidth &check;"
expect_exit 0 "$READ" quote -p "$PUB" t.quire docs/page.html "→ &NotANamedOne;"
# the names beyond libxml2's are the WHATWG list as Python carries it, not a table kept by hand
expect_true "text/text_entities.h is what scripts/gen-html-entities.py writes" sh -c \
    "python3 '$SRC/scripts/gen-html-entities.py' | cmp -s - '$SRC/text/text_entities.h'"
expect_exit 3 "$READ" quote -p "$PUB" t.quire docs/page.html "Naïve price"
expect_stdout_contains "matches only if letter case is ignored"

# search -w, --path, snippets that start and end on a word.
expect_exit 0 "$READ" search -p "$PUB" t.quire "cat"
expect_stdout_contains "docs/words.txt:1: concatenate"
expect_exit 0 "$READ" search -w -p "$PUB" t.quire "cat"
expect_stdout_contains "docs/words.txt:1: concatenate the cat;"
expect_stdout_contains "sub/cat.txt:1: a cat in sub"
expect_exit 3 "$READ" search -w -p "$PUB" t.quire "concat"
expect_exit 0 "$READ" search --path sub -p "$PUB" t.quire "cat"
expect_stdout_is "sub/cat.txt:1: a cat in sub"
expect_exit 0 "$READ" search --path ./docs/ -p "$PUB" t.quire "cat"
expect_true "--path docs/ leaves sub/ out" sh -c "! grep -q '^sub/' '$OUT'"
expect_exit 2 "$READ" search --path nowhere -p "$PUB" t.quire "cat"
expect_stderr_contains "no document's path starts with 'nowhere'"
expect_exit 0 "$READ" search -w -p "$PUB" t.quire "at the end"
expect_stdout_is "docs/words.txt:1: long lead-in words before the cat at the end"
expect_exit 2 "$READ" quote -w -p "$PUB" t.quire docs/de.txt "x"
expect_stderr_contains "option -w is not supported by quote"

# Binary documents: one with NUL bytes is named, not shown (as grep); a PNG is not searched.
expect_exit 0 "$READ" search -p "$PUB" t.quire "needle"
expect_stderr_contains "t.quire: docs/bin.dat: binary document matches"
expect_true "no binary bytes on stdout" sh -c "! grep -q 'bin.dat\|img.png' '$OUT'"
expect_exit 0 "$READ" search --json -p "$PUB" t.quire "needle"
expect_true "search --json lists the binary match" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["binary_matches"] == ["docs/bin.dat"] and s["matches"] == [], s
' "$OUT"
expect_exit 2 "$READ" quote -p "$PUB" t.quire docs/img.png "needle"
expect_stderr_contains "docs/img.png: cannot quote from a binary document (image/png)"

# HTML is parsed in bounded memory: libxml2 holds text until the next tag, so a page with no
# markup for more than 4 MiB is read up to there, and says so.
mkdir h
python3 -c '
open("h/flat.html", "w").write("<p>start</p>" + ("plain words " * 100 + "\n") * 24000 + "needle")'
expect_exit 0 "$PACK" create -q -k "$KEY" -o h.quire h
# Measured against verify of the same bundle, so that the sanitizer's own memory (the ASan build
# runs this too, without its quarantine of freed blocks) is not counted: 15.0 MB more in the
# release build (the module's libraries, 8.3 MB of heap), 13.5 MB under ASan. The text after
# "start" is parsed: libxml2 holds up to 4 MiB of it (it held none when it dropped everything
# after the first element, and the bound was 11.6 MB).
A="${ASAN_OPTIONS:-}:quarantine_size_mb=0"
expect_exit 0 env ASAN_OPTIONS="$A" /usr/bin/time -f "%M" -o vmem "$READ" verify -q -p "$PUB" h.quire
expect_exit 0 env ASAN_OPTIONS="$A" /usr/bin/time -f "%M" -o mem "$READ" search -p "$PUB" h.quire "start"
expect_stderr_contains "h/flat.html: HTML text after line 1 not read: more than 4 MiB without markup"
expect_true "search of 29 MB of untagged HTML needs under 20 MiB more than verify" \
    sh -c "test \$((\$(tail -n 1 mem) - \$(tail -n 1 vmem))) -lt 20480"

# A path typed in NFC finds the document stored in NFD, for show and extract.
NFC=$(printf 'docs/r\303\251sum\303\251.txt')
expect_exit 0 "$READ" show -p "$PUB" t.quire "$NFC"
expect_stdout_is "resume"
expect_exit 0 "$READ" extract -q -p "$PUB" -C out t.quire "$NFC"
expect_true "extract wrote the NFD name" sh -c "ls out/docs | grep -q 'sum'"

# The text module: quote and search need it and say what was tried; the other commands do
# not load it (a reader without it still verifies and shows).
mkdir alone
cp "$READ" alone/quire-read
QUIRE_TEXT_MODULE=$T/none.so expect_exit 2 alone/quire-read search -p "$PUB" t.quire "cat"
expect_stderr_contains "search: the text module cannot be loaded ($T/none.so: no such file"
expect_stderr_contains "alone/quire-text.so: no such file"
expect_stdout_empty
QUIRE_TEXT_MODULE=$T/none.so expect_exit 2 alone/quire-read quote -p "$PUB" t.quire docs/de.txt x
expect_stderr_contains "quote: the text module cannot be loaded"
QUIRE_TEXT_MODULE=$T/none.so expect_exit 0 alone/quire-read verify -q -p "$PUB" t.quire
QUIRE_TEXT_MODULE=$T/none.so expect_exit 0 alone/quire-read show -p "$PUB" t.quire docs/de.txt
QUIRE_TEXT_MODULE=$(dirname "$READ")/quire-text.so expect_exit 0 \
    alone/quire-read search -p "$PUB" t.quire "fussballer"
expect_true "quire-read links neither utf8proc nor libxml2" sh -c \
    "! readelf -d '$READ' | grep -q -e utf8proc -e libxml2"

done_ok
