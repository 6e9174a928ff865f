#!/bin/sh
# SPDX-License-Identifier: ISC
# make-bad.sh: makes the hostile-bundle corpus: fixtures/bad/*.quire, fixtures/bad/README.md
# and fixtures/good-cosigned.quire. Every fixture breaks one rule of SPEC.md (format 2); most
# are signed by the fixture key, with every hash above the change derived again, so that the
# rule, not the signature or a hash check, must reject them. The output is deterministic, so the test hostile_fixtures_fresh can check the committed files.
#
# usage: tests/hostile/make-bad.sh QUIRE_MUTATE [OUTDIR]
#   OUTDIR defaults to this tree's fixtures/ (to commit); the test passes a temporary one.
# Each fixture is one line below: mk NAME 'rule it breaks' FROM MUTATION [ARG...], where FROM
# is "new" (built from scratch), "base" (a mutation of the small good bundle that
# `quire-mutate base` makes) or "many" (of `quire-mutate many 300`). The expected exit code
# and stderr of each are in expect.txt; the README's table is made from both.
set -eu

mutate=$1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${2:-$top/fixtures}
key=$top/fixtures/keys/test.key
other=$here/keys/other.key
work=$(mktemp -d "${TMPDIR:-/tmp}/quire-bad.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

mkdir -p "$out/bad"
base=$work/base.quire
"$mutate" -k "$key" -o "$base" base
many=$work/many.quire
"$mutate" -k "$key" -o "$many" many 300
# Self-check of quire-mutate's encoder: re-encoding the base bundle changes nothing.
"$mutate" -k "$key" -i "$base" -o "$work/identity.quire" identity
cmp -s "$base" "$work/identity.quire" || { echo "make-bad.sh: identity is not identity" >&2; exit 1; }

# Shell-quotes an argument for the README only where it needs it.
show() {
    case $1 in
    *[!A-Za-z0-9._=+^/,*%-]* | '') printf "'%s'" "$1" ;;
    *) printf '%s' "$1" ;;
    esac
}

rows=$work/rows
: >"$rows"
how= # set before mk to show an argument in the README by the shell expression that made it
# mk NAME 'rule' new|base|many|good MUTATION [ARG...]
mk() {
    name=$1 rule=$2 from=$3
    shift 3
    dest=$out/bad/$name.quire
    case $from in
    new) set -- -k "$key" -o "$dest" "$@" ;;
    base) set -- -k "$key" -x "$other" -i "$base" -o "$dest" "$@" ;;
    many) set -- -k "$key" -i "$many" -o "$dest" "$@" ;;
    good) dest=$out/$name.quire
          set -- -k "$key" -x "$other" -i "$base" -o "$dest" "$@" ;;
    esac
    "$mutate" "$@"
    [ "$from" = good ] && return 0
    # README row: the command without the key and file options
    while [ "$1" != "-o" ]; do shift; done
    shift 2
    cmd="quire-mutate"
    [ "$from" = new ] || cmd="$cmd -i $from.quire"
    if [ -n "$how" ]; then
        cmd="$cmd $how"
    else
        for a; do cmd="$cmd $(show "$a")"; done
    fi
    how=
    want=$(awk -v f="$name.quire" '$1 == f { $1 = ""; sub(/^ +/, ""); print }' "$here/expect.txt")
    [ -n "$want" ] || { echo "make-bad.sh: $name.quire is not in expect.txt" >&2; exit 1; }
    rc=${want%% *}
    case $rc in
    */*) result="verify exit ${rc%/*}, \`${want#* }\`; extract exit ${rc#*/}" ;;
    *) result="exit $rc, \`${want#* }\`" ;;
    esac
    printf '| %s | %s | `%s` | %s |\n' "$name.quire" "$rule" "$cmd" "$result" >>"$rows"
}

c255=$(printf '%0255d' 0 | tr 0 c)
long=$c255/$c255/$c255/$c255/$c255/$c255/$c255/$c255
long=$long/$long/x # 16 components of 255 bytes and "x": 4097 bytes
c256=$(printf '%0256d' 0 | tr 0 c)
long_comment=$(printf '%01025d' 0 | tr 0 t)
deep=$(printf '%064d' 0 | tr 0 '[')$(printf '%064d' 0 | tr 0 ']')

# ---- SPEC 3: the header (changed in the header and in the statement's copy, re-signed)
mk 3-magic 'SPEC 3: magic "\x89QUIRE\r\n" (one letter lower-case)' base poke file.1^=0x20
mk 3-prepend 'SPEC 3: the header is at offset 0 (one byte prepended)' base prepend 1
mk 3-version-1 'SPEC 3: format version 1 is refused by name' base set header.8=1
mk 3-version 'SPEC 3: format version 2 (here 3)' base set header.8=3
mk 3-version-high 'SPEC 3: format version is 16 bits (here 258)' base set header.9=1
mk 3-flags 'SPEC 3: header flags zero (bit 0 set)' base set header.10=1
mk 3-flags-high 'SPEC 3: header flags zero (bit 15 set)' base set header.11=0x80
mk 3-content-hash-alg 'SPEC 3: content hash algorithm 1 = SHA-256 (here 2)' base set header.12=2
mk 3-unit-hash-alg 'SPEC 3: unit hash algorithm 1 = BLAKE2b-256 (here 2)' base set header.13=2
mk 3-sig-alg 'SPEC 3: signature algorithm 1 = minisign Ed25519 (here 2)' base set header.14=2
mk 3-reserved-first 'SPEC 3: reserved header bytes zero (byte 15)' base set header.15=1
mk 3-reserved-last 'SPEC 3: reserved header bytes zero (byte 31)' base set header.31=1

# ---- SPEC 4: paths (bundles built from scratch: the writer refuses these paths)
mk 4.1-path-nul 'SPEC 4.1: no NUL in a path' new paths 'a%00b'
mk 4.1-path-control 'SPEC 4.1: no C0 control in a path (0x01)' new paths 'a%01b'
mk 4.1-path-tab 'SPEC 4.1: no C0 control in a path (TAB)' new paths 'a%09b'
mk 4.1-path-newline 'SPEC 4.1: no C0 control in a path (newline)' new paths 'a%0Ab'
mk 4.1-path-esc 'SPEC 4.1: no C0 control in a path (ESC [31m)' new paths 'a%1B[31mb'
mk 4.1-path-del 'SPEC 4.1: no DEL in a path' new paths 'a%7Fb'
mk 4.1-path-c1 'SPEC 4.1: no C1 control in a path (U+009B CSI)' new paths 'a%C2%9Bb'
mk 4.1-path-invalid-utf8 'SPEC 4.1: paths are UTF-8 (byte 0xFF)' new paths 'a%FFb'
mk 4.1-path-stray-continuation 'SPEC 4.1: paths are UTF-8 (stray continuation byte)' new paths 'a%80b'
mk 4.1-path-above-unicode 'SPEC 4.1: paths are UTF-8 (U+110000)' new paths 'a%F4%90%80%80b'
mk 4.1-path-truncated-utf8 'SPEC 4.1: paths are UTF-8 (sequence cut short)' new paths 'a%C3'
mk 4.1-path-overlong-utf8 'SPEC 4.1: no overlong UTF-8 (".." as C0 AE C0 AE)' new paths '%C0%AE%C0%AE/x'
mk 4.1-path-surrogate 'SPEC 4.1: no UTF-16 surrogate (U+D800)' new paths 'a%ED%A0%80b'
mk 4.2-path-dotdot 'SPEC 4.2: no ".." component (leading)' new paths '../x'
mk 4.2-path-dotdot-inner 'SPEC 4.2: no ".." component (inside)' new paths 'a/../../x'
mk 4.2-path-dotdot-only 'SPEC 4.2: no ".." component (the whole path)' new paths '..'
mk 4.2-path-dot 'SPEC 4.2: no "." component' new paths './a'
mk 4.2-path-absolute 'SPEC 4.2: relative paths only' new paths '/abs'
mk 4.2-path-drive 'SPEC 4.2: no drive letter' new paths 'C:/x'
mk 4.2-path-drive-relative 'SPEC 4.2: no drive letter (c:file)' new paths 'c:file'
mk 4.2-path-drive-backslash 'SPEC 4.2: no drive letter or backslash' new paths 'C:\x'
mk 4.2-path-backslash 'SPEC 4.2: no backslash' new paths 'a\b'
mk 4.2-path-empty-component 'SPEC 4.2: no empty component' new paths 'a//b'
mk 4.2-path-trailing-slash 'SPEC 4.2: no empty component (trailing slash)' new paths 'a/'
mk 4.3-path-duplicate 'SPEC 4.3: no duplicate path' new paths a.txt a.txt
mk 4.3-path-unsorted 'SPEC 4.3: paths in strictly increasing byte order' new paths b.txt a.txt
mk 4.3-path-unsorted-case 'SPEC 4.3: byte order, not case-folded ("a" before "B")' new paths a B
mk 4.3-path-conflict 'SPEC 4.3: no path is a directory of another ("a", "a/b")' new paths a a/b
mk 4.3-path-conflict-nonadjacent 'SPEC 4.3: no file/directory conflict ("a", "a-b", "a/b")' new paths a a-b a/b
mk 4.3-path-conflict-deep 'SPEC 4.3: no file/directory conflict ("a/b", "a/b/c/d")' new paths a/b a/b/c/d
mk 8-path-empty 'SPEC 8: path length 1 to 4096 (here 0, the second entry of a page)' new paths a ''
how='paths a "$long" (16 components of 255 "c", then "/x")'
mk 8-path-too-long 'SPEC 8: path at most 4096 bytes (here 4097, the second entry of a page)' new paths a "$long"
how='paths "d/$c256" (256 "c")'
mk 8-component-too-long 'SPEC 8: component at most 255 bytes (here 256)' new paths "d/$c256"

# ---- SPEC 5.1: the statement, the signed message
mk 5.1-domain 'SPEC 5.1: domain "quire statement\0" (here "Quire")' base set domain.0^=0x20
mk 5.1-domain-nul 'SPEC 5.1: domain "quire statement\0" (last byte 1)' base set domain.15=1
mk 5.1-header-copy 'SPEC 5.1: the statement repeats the header (copy says version 1)' base set copy.8=1
mk 5.1-header-copy-reserved 'SPEC 5.1: the statement repeats the header (copy byte 31)' base set copy.31=1
mk 5.1-index-offset-field 'SPEC 5.1, 7: the signed index_offset equals the trailer'"'"'s (+1)' base set stmt.index_offset+=1
mk 5.1-index-size-field 'SPEC 5.1, 7: the signed index_size equals the trailer'"'"'s (+1)' base set stmt.index_size+=1
mk 5.1-page-count-zero 'SPEC 5.1: entry_page_count is 0 only for 0 entries (0 for 3)' base set stmt.entry_page_count=0
mk 5.1-page-count-over 'SPEC 5.1: entry_page_count at most entry_count (4 for 3)' base set stmt.entry_page_count=4
mk 5.1-entry-count-short 'SPEC 5.1: entry_count is what the pages hold (2 of 3)' base set stmt.entry_count=2
mk 5.1-entry-count-over 'SPEC 5.1: entry_count is what the pages hold (4, pages hold 3)' base set stmt.entry_count=4
mk 5.1-counts-past-index 'SPEC 5.1: entry_count is what the pages hold (2^24 in a short index)' base set stmt.entry_count=16777216
mk 5.1-unit-count-short 'SPEC 5.1: the region sums (unit_count 1 of 2: the pages do not reach the unit table)' base set stmt.unit_count=1
mk 5.1-unit-count-past-index 'SPEC 5.1: the region sums (2^26 unit records do not fit)' base set stmt.unit_count=67108864
mk 5.1-bundle-meta-len-past 'SPEC 5.1: the region sums (bundle metadata 1000 bytes longer than the index)' base set stmt.bundle_meta_len+=1000
mk 5.1-directory-size-past 'SPEC 5.1: the region sums (directory 1 MiB longer than the index)' base set stmt.directory_size+=1048576
mk 5.1-stream-size 'SPEC 5.1, 5.2: stream_size is the units'"'"' raw sizes (+1)' base set stmt.stream_size+=1
mk 8-entry-count 'SPEC 8: at most 2^24 entries (2^24+1, short index: no allocation)' base set stmt.entry_count=16777217
mk 8-unit-count 'SPEC 8: at most 2^26 units (2^26+1, short index)' base set stmt.unit_count=67108865
mk 8-bundle-meta-size 'SPEC 8: bundle metadata at most 1 MiB (2^20+1, short index)' base set stmt.bundle_meta_len=1048577
mk 8-directory-size 'SPEC 8: directory at most 64 MiB (64 MiB + 1, short index)' base set stmt.directory_size=67108865
mk 8-index-size 'SPEC 8: index at most 1 GiB (trailer says 2^30+1)' base poke trailer.index_size=1073741825

# ---- SPEC 5.2: units and the data region
mk 8-unit-stored-zero 'SPEC 8: unit stored size 1 to 16 MiB (here 0)' base set unit.0.stored_size=0
mk 5.2-compression 'SPEC 5.2: compression 0 or 1 (here 2)' base set unit.0.comp=2
mk 5.2-unit-reserved 'SPEC 5.2: reserved unit bytes zero' base set unit.0.reserved.2=1
mk 5.2-stored-size-mismatch 'SPEC 5.2: a stored unit has stored size = raw size' base set unit.1.raw_size-=1
mk 5.2-data-gap 'SPEC 5.2: units fill the data region (16 bytes after unit 0, offsets true)' base gap 0 16
mk 5.2-data-gap-end 'SPEC 5.2: units fill the data region (16 bytes before the index)' base gap 1 16
mk 5.2-data-overlap 'SPEC 5.2: units fill the data region (unit 0 claims 16 bytes of unit 1)' base set unit.0.stored_size+=16
mk 5.2-bomb 'SPEC 5.2: a unit inflates to its raw size (10 MB of zeros declared as 1 KiB)' base bomb
mk 5.2-inflate-short 'SPEC 5.2: a unit inflates to its raw size (24 bytes short)' base inflate-short
mk 5.2-deflate-garbage 'SPEC 5.2: a deflate unit is a raw deflate stream (garbage, hash correct)' base deflate-garbage
mk 5.2-deflate-trailing 'SPEC 5.2: nothing after the deflate stream' base deflate-trailing
mk 5.2-deflate-unterminated 'SPEC 5.2: the deflate stream ends (no final block)' base deflate-unterminated
mk 5.2-deflate-before-start 'SPEC 5.2: a raw deflate stream (matches reach before its start)' base deflate-before-start
mk 8-unit-raw-zero 'SPEC 8: unit raw size 1 to 16 MiB (here 0)' base empty-unit
mk 8-unit-too-big 'SPEC 8: unit raw size at most 16 MiB (16 MiB + 1, honestly deflated)' base big-unit

# ---- SPEC 5.3: entry records, inside their page
mk 5.3-role-zero 'SPEC 5.3: role 1 or 2 (here 0)' base set entry.1.role=0
mk 5.3-role-unknown 'SPEC 5.3: role 1 or 2 (here 3)' base set entry.1.role=3
mk 5.3-flags-reserved 'SPEC 5.3: reserved entry flag bits zero (0x02)' base set entry.1.flags=0x02
mk 5.3-flags-high 'SPEC 5.3: reserved entry flag bits zero (0x81)' base set entry.1.flags=0x81
mk 5.3-sizes-short 'SPEC 5.3: entry sizes add up to the unit raw sizes (1 short)' base set entry.1.size-=1
mk 5.3-sizes-past 'SPEC 5.3: entry sizes add up to the unit raw sizes (1 over)' base set entry.2.size+=1
mk 5.3-size-huge 'SPEC 5.3: entry size within the content (2^64-1)' base set entry.0.size=0xffffffffffffffff
mk 5.3-size-wrap 'SPEC 5.3: entry sizes add up without wrapping (2^64-1 and s1+s2+1)' base size-wrap
mk 5.3-link-from-original 'SPEC 5.3: only a document links (an original links to itself)' base set entry.2.link=2
mk 5.3-link-to-document 'SPEC 5.3: a link goes to an original (here a document)' base set entry.1.link=0
mk 5.3-link-out-of-range 'SPEC 5.3: a link names an entry (3 of 3)' base set entry.1.link=3
mk 5.3-link-huge 'SPEC 5.3: a link names an entry (0xFFFFFFFE)' base set entry.1.link=0xfffffffe
mk 5.3-page-junk 'SPEC 5.3: the records fill their page exactly (3 bytes after the last)' base page-junk 0 3
mk 5.3-meta-past-page 'SPEC 5.3: a record lies inside its page (metadata 5 bytes past the end)' base set entry.1.meta_len+=5
mk 5.3-path-past-page 'SPEC 5.3: a record lies inside its page (path_len 4000)' base set entry.2.path_len=4000
mk 5.3-record-past-page 'SPEC 5.3: a record lies inside its page (page 1 and the statement claim one more entry)' base set page.1.count=2 stmt.entry_count=4
mk 8-entry-meta-size 'SPEC 8: entry metadata at most 1 MiB (2^20+1, in a short page)' base set entry.0.meta_len=1048577

# ---- SPEC 5.4: the directory and the entry pages it describes
mk 5.4-dir-too-small 'SPEC 5.4: the directory holds entry_page_count records (3 claimed, 1 present)' many set stmt.entry_page_count=3
mk 5.4-dir-record-past-end 'SPEC 5.4: each record inside the directory (3 claimed, 2 present)' base set stmt.entry_page_count=3
mk 5.4-dir-first-path-past-end 'SPEC 5.4: each first path inside the directory (first_len 200)' base set page.1.first_len=200
mk 5.4-dir-size-junk 'SPEC 5.4: the records fill the directory exactly (5 bytes after the last)' base dir-junk 5
mk 5.4-dir-count-zero 'SPEC 5.4: every page holds at least one entry (page 0 says 0)' base set page.0.count=0
mk 5.4-dir-count-past 'SPEC 5.4: page counts within entry_count (page 1 says 2)' base set page.1.count=2
mk 5.4-dir-counts-short 'SPEC 5.4: page counts add up to entry_count (page 0 says 1)' base set page.0.count=1
mk 5.4-dir-first-path 'SPEC 5.4: a first path is its page'"'"'s first entry'"'"'s ("docs/a.tx")' base first-path 0 docs/a.tx
mk 5.4-dir-first-paths-order 'SPEC 5.4: first paths strictly increasing (page 1 says "aaa.txt")' base first-path 1 aaa.txt
mk 5.4-dir-stream 'SPEC 5.4: a page'"'"'s stream offset is its first entry'"'"'s (page 1, +1)' base set page.1.stream+=1
mk 5.4-dir-stream-first 'SPEC 5.4: a page'"'"'s stream offset is its first entry'"'"'s (page 0 says 1)' base set page.0.stream=1
mk 5.4-unit-page-file-offset 'SPEC 5.4: a unit page'"'"'s file offset is the derived one (+1)' base set upage.0.file_offset+=1
mk 5.4-unit-page-stream-offset 'SPEC 5.4: a unit page'"'"'s stream offset is the derived one (1)' base set upage.0.stream_offset=1
mk 5.4-pages-gap 'SPEC 5.4: the entry pages reach the unit table (16 bytes between)' base index-gap 16
mk 5.4-page-raw-plus1 'SPEC 5.4: a page inflates to exactly raw_size (declared 1 more)' base set page.0.raw_size+=1
mk 5.4-page-raw-minus1 'SPEC 5.4: a page inflates to exactly raw_size (declared 1 less)' base set page.0.raw_size-=1
mk 5.4-page-deflate-trailing 'SPEC 5.4: nothing after a page'"'"'s deflate stream (4 bytes)' base page-trailing 0 4
mk 5.4-page-deflate-garbage 'SPEC 5.4: a page is a raw deflate stream (garbage, hash correct)' base page-garbage 1
mk 8-page-stored-zero 'SPEC 8: page stored size 1 to 4 MiB (here 0)' base set page.0.stored_size=0
mk 8-page-stored-too-big 'SPEC 8: page stored size at most 4 MiB (4 MiB + 1)' base set page.0.stored_size=4194305
mk 8-page-raw-too-big 'SPEC 8: page raw size at most 4 MiB (4 MiB + 1)' base set page.0.raw_size=4194305
mk 8-pages-raw-total 'SPEC 8: entry pages at most 1 GiB inflated together (300 pages declaring 4 MiB)' many pages-raw 4194304
mk 8-dir-first-path-empty 'SPEC 8: a first path is 1 to 4096 bytes (first_len 0)' base set page.0.first_len=0
mk 8-dir-first-path-too-long 'SPEC 8: a first path is 1 to 4096 bytes (first_len 4097)' base set page.0.first_len=4097

# ---- SPEC 5.5: metadata, one JSON object in canonical form, or nothing
mk 5.5-bundle-meta-not-json 'SPEC 5.5: bundle metadata is JSON' base bundle-meta '{title: x}'
mk 5.5-bundle-meta-truncated 'SPEC 5.5: bundle metadata is JSON (cut short)' base bundle-meta '{"title":"a"'
mk 5.5-bundle-meta-array 'SPEC 5.5: bundle metadata is an object (here an array)' base bundle-meta '["a"]'
mk 5.5-bundle-meta-string 'SPEC 5.5: bundle metadata is an object (here a string)' base bundle-meta '"a"'
mk 5.5-bundle-meta-dup-keys 'SPEC 5.5: no duplicate keys in bundle metadata' base bundle-meta '{"title":"a","title":"b"}'
mk 5.5-bundle-meta-trailing 'SPEC 5.5: one JSON object, nothing after it' base bundle-meta '{"title":"a"} {}'
mk 5.5-bundle-meta-newline 'SPEC 5.5: canonical: no white space (a final newline)' base bundle-meta '{"title":"a"}%0A'
mk 5.5-bundle-meta-whitespace 'SPEC 5.5: canonical: no white space (after the colon)' base bundle-meta '{"title": "a"}'
mk 5.5-bundle-meta-unsorted 'SPEC 5.5: canonical: keys sorted ("version" before "title")' base bundle-meta '{"version":"2","title":"a"}'
mk 5.5-bundle-meta-fraction 'SPEC 5.5: integers only (1.5)' base bundle-meta '{"n":1.5}'
mk 5.5-bundle-meta-exponent 'SPEC 5.5: integers only, no exponent (1e2)' base bundle-meta '{"n":1e2}'
mk 5.5-bundle-meta-minus-zero 'SPEC 5.5: canonical: integers in shortest form (-0)' base bundle-meta '{"n":-0}'
mk 5.5-bundle-meta-big-int 'SPEC 5.5: integers within +-(2^53-1) (2^53)' base bundle-meta '{"n":9007199254740992}'
mk 5.5-bundle-meta-huge-int 'SPEC 5.5: integers within +-(2^53-1) (2^63)' base bundle-meta '{"n":9223372036854775808}'
mk 5.5-bundle-meta-escape-upper 'SPEC 5.5: canonical: \u escapes in lower-case hex (\u001F)' base bundle-meta '{"t":"\u001F"}'
mk 5.5-bundle-meta-escape-needless 'SPEC 5.5: canonical: only controls, quote and backslash escaped (\u0041)' base bundle-meta '{"t":"\u0041"}'
mk 5.5-bundle-meta-escape-slash 'SPEC 5.5: canonical: "/" not escaped' base bundle-meta '{"t":"a\/b"}'
mk 5.5-bundle-meta-invalid-utf8 'SPEC 5.5: metadata is UTF-8 (0xFF in a string)' base bundle-meta '{"title":"%FF"}'
mk 5.5-bundle-meta-bom 'SPEC 5.5: nothing before the JSON value (a UTF-8 byte order mark)' base bundle-meta '%EF%BB%BF{}'
mk 5.5-bundle-meta-raw-nul 'SPEC 5.5: no NUL byte (raw, in a string)' base bundle-meta '{"title":"a%00b"}'
mk 5.5-bundle-meta-nul-escape 'SPEC 5.5: no U+0000, even escaped' base bundle-meta '{"title":"a\u0000b"}'
mk 5.5-bundle-meta-inf 'SPEC 5.5: numbers finite (1e400)' base bundle-meta '{"n":1e400}'
mk 5.5-bundle-meta-nan 'SPEC 5.5: NaN is not JSON' base bundle-meta '{"n":NaN}'
mk 5.5-bundle-meta-comment 'SPEC 5.5: comments are not JSON' base bundle-meta '{"n":1 /* c */}'
how='bundle-meta "{\"a\":$deep}" (64 nested arrays in an object: 65 levels)'
mk 5.5-bundle-meta-deep 'SPEC 5.5: at most 64 levels of nesting (65)' base bundle-meta "{\"a\":$deep}"
mk 5.5-entry-meta-not-json 'SPEC 5.5: entry metadata is JSON' base entry-meta 0 'title=A'
mk 5.5-entry-meta-array 'SPEC 5.5: entry metadata is an object (here an array)' base entry-meta 0 '[]'
mk 5.5-entry-meta-number 'SPEC 5.5: entry metadata is an object (here a number)' base entry-meta 2 '42'
mk 5.5-entry-meta-surrogate 'SPEC 5.5: no escaped unpaired surrogate' base entry-meta 0 '{"title":"\ud800"}'
mk 5.5-entry-meta-dup-escaped 'SPEC 5.5: no duplicate keys after unescaping ("title", "\u0074itle")' base entry-meta 0 '{"title":"A","\u0074itle":"B"}'
mk 5.5-entry-meta-dup-keys 'SPEC 5.5: no duplicate keys in entry metadata (two titles)' base entry-meta 0 '{"title":"Document A","title":"Forged title"}'
mk 5.5-entry-meta-unsorted 'SPEC 5.5: canonical: keys sorted ("title" before "issued")' base entry-meta 0 '{"title":"Document A","issued":{"date-parts":[[2016,5,2]]}}'
mk 5.5-entry-meta-utf8-order 'SPEC 5.5: keys sorted by UTF-16 code units, not UTF-8 bytes (U+FF61, U+1F600)' base entry-meta 0 '{"%EF%BD%A1":1,"%F0%9F%98%80":2}'

# ---- SPEC 5.6: the Merkle root (checked by verify, full and --quick; extract and list rely
# on the page hashes in the signed directory and do not recompute it)
mk 5.6-root 'SPEC 5.6: the root is the Merkle tree of the entry records (one bit flipped, signed)' base set stmt.root.0^=1
mk 5.6-root-no-domain 'SPEC 5.6: the leaf hash is SHA-256 of 0x00, "Q" and L (root made without "Q", signed)' base root-no-domain

# ---- SPEC 6: the signature block
mk 6-sig-magic 'SPEC 6: block magic "QUIRESIG"' base set sig.magic.7^=0x20
mk 6-sig-reserved 'SPEC 6: reserved block field zero' base set sig.reserved=1
mk 6-sig-zero-records 'SPEC 6: at least one signature (count 0, one record follows)' base set sig.count=0
mk 6-sig-trailing-garbage 'SPEC 6: nothing after the last record (7 bytes)' base sig-junk 7
mk 6-trailer-shift-sigblock 'SPEC 6: the block starts with its magic (trailer moves it back 1 byte)' base poke trailer.index_size-=1 trailer.sigblock_size+=1
mk 6.1-sig-truncated 'SPEC 6.1: count records present (count 2, one record)' base set sig.count=2
mk 6.1-sig-comment-overrun 'SPEC 6.1: the trusted comment lies inside the block (length 255, not re-signed)' base poke sigbyte.90=255
mk 6.1-sig-alg-legacy 'SPEC 6.1: record algorithm "ED" (here minisign legacy "Ed")' base sigs legacy
mk 6.1-comment-esc 'SPEC 6.1: trusted comment printable (ESC [2J, signed)' base comment 'quire hostile fixture %1B[2J'
mk 6.1-comment-newline 'SPEC 6.1: trusted comment printable (newline, signed)' base comment 'line one%0Atrusted comment: forged'
mk 6.1-comment-c1 'SPEC 6.1: trusted comment printable (C1 CSI, signed)' base comment 'csi %C2%9B2J'
mk 6.1-comment-nul 'SPEC 6.1: trusted comment printable (NUL, signed)' base comment 'a%00b'
mk 6.1-comment-invalid-utf8 'SPEC 6.1: trusted comment is UTF-8 (FF FE, signed)' base comment 'bad %FF%FE'
how='comment "$long_comment" (1025 "t")'
mk 8-comment-too-long 'SPEC 8: trusted comment at most 1024 bytes (1025, signed)' base comment "$long_comment"
mk 8-sig-count-huge 'SPEC 8: at most 16 signatures (count 2^32-1)' base set sig.count=0xffffffff
mk 8-sig-17-records 'SPEC 8: at most 16 signatures (17 valid ones)' base sigs 'test*17'

# ---- SPEC 7: the trailer and the framing (raw: nothing re-signed)
mk 7-append 'SPEC 7: the trailer is the last 40 bytes (one byte appended)' base append 1
mk 7-append-trailer 'SPEC 7: the trailer is the last 40 bytes (a second trailer appended)' base append-trailer
mk 7-truncated 'SPEC 7: the trailer is the last 40 bytes (last byte cut)' base truncate 1
mk 7-truncated-data 'SPEC 7: the regions tile the file (1 data byte cut)' base cut-data 1
mk 7-file-too-small 'SPEC 7: a bundle holds a header and a trailer (71 bytes)' base keep 71
mk 7-insert-data-index 'SPEC 7: the regions tile the file (16 bytes before the index)' base insert-data-index 16
mk 7-insert-data-index-trailer 'SPEC 7: trailer index_offset equals the signed one (trailer moved past 16 bytes)' base insert-data-index-trailer 16
mk 7-insert-index-sig 'SPEC 7: the regions tile the file (16 bytes before the signatures)' base insert-index-sig 16
mk 7-trailer-shift-index 'SPEC 7: trailer index_offset and index_size equal the signed ones (shifted by 1)' base poke trailer.index_offset-=1 trailer.index_size+=1
mk 7-attachments 'SPEC 8: attachments_size is 0 or 25 to 262,144 (16 bytes declared as attachments, the file tiled)' base attach 16
mk 7-attachments-size 'SPEC 8: attachments_size is 0 or 25 to 262,144 (here 1)' base poke trailer.attachments_size=1
mk 7.1-attachments-magic 'SPEC 7.1: attachments magic "QUIREATT" (40 junk bytes declared as attachments)' base attach 40
mk 7.1-attachments-count-zero 'SPEC 8: 1 to 16 attachment records (count 0)' base att-frame 0 1 10 10 0
mk 7.1-attachments-count-high 'SPEC 8: 1 to 16 attachment records (count 17)' base att-frame 17 1 10 10 0
mk 7.1-attachments-type-reserved 'SPEC 7.1: attachment types 0 and 2 to 32,767 are reserved (type 2)' base att-frame 1 2 10 10 0
mk 7.1-attachments-body-past 'SPEC 7.1: a record inside the area (length 11, 10 bytes left)' base att-frame 1 1 11 10 0
mk 7.1-attachments-body-huge 'SPEC 8: attachment body 1 to 65,536 bytes (length 2^32-1)' base att-frame 1 1 0xffffffff 10 0
mk 7.1-attachments-trailing 'SPEC 7.1: records fill the area exactly (3 bytes after the last)' base att-frame 1 40000 10 10 3
mk 7.1-attachments-count-past 'SPEC 7.1: a record inside the area (count 2, one record)' base att-frame 2 1 10 10 0
mk 7-trailer-index-offset-header 'SPEC 7: the index starts after the header (trailer says 16)' base poke trailer.index_offset=16
mk 7-trailer-index-size-small 'SPEC 7: the index holds its statement (trailer says 159 bytes)' base poke trailer.index_size=159
mk 7-trailer-magic 'SPEC 7: trailer magic "QUIREEND"' base poke trailer.magic.7^=1
mk 7-trailer-index-offset-plus1 'SPEC 7: trailer index_offset exact (+1)' base poke trailer.index_offset+=1
mk 7-trailer-index-offset-minus1 'SPEC 7: trailer index_offset exact (-1)' base poke trailer.index_offset-=1
mk 7-trailer-index-offset-wrap 'SPEC 7: trailer index_offset exact (2^64-16)' base poke trailer.index_offset=0xfffffffffffffff0
mk 7-trailer-index-size-plus1 'SPEC 7: trailer index_size exact (+1)' base poke trailer.index_size+=1
mk 7-trailer-index-size-minus1 'SPEC 7: trailer index_size exact (-1)' base poke trailer.index_size-=1
mk 7-trailer-sigblock-size-plus1 'SPEC 7: trailer sigblock_size exact (+1)' base poke trailer.sigblock_size+=1
mk 7-trailer-sigblock-size-minus1 'SPEC 7: trailer sigblock_size exact (-1)' base poke trailer.sigblock_size-=1
mk 7-trailer-sigblock-size-huge 'SPEC 7: signature block size in range (2^64-1)' base poke trailer.sigblock_size=0xffffffffffffffff
mk 7-sig-empty-block 'SPEC 7: signature block size in range (no record at all)' base sigs none

# ---- SPEC 9: verification (the signature over the statement, then every hash below it)
mk 9.6-statement-flip 'SPEC 9 step 6: the signature covers the statement (one bit flipped, not re-signed)' base poke stmt.100^=1
mk 9.6-index-grown 'SPEC 9 step 6: the signature covers the statement (trailer grows the index over 16 bytes)' base insert-index-sig-trailer 16
mk 9.6-sig-forged 'SPEC 9 step 6: the test key id over another key'"'"'s signature is a forgery' base sigs forged
mk 9.6-sig-forged-first 'SPEC 9 step 6: the first record naming a trusted key decides (forged, then valid)' base sigs forged,test
mk 9.6-sig-untrusted 'SPEC 9 step 6: signed by a trusted key (only another key)' base sigs other
mk 9.6-comment-altered 'SPEC 9 step 6: the global signature covers the trusted comment' base sigs altered
mk 9.7-dir-flip 'SPEC 9 step 7: the statement'"'"'s SHA-256 covers the directory (one bit flipped, not re-signed)' base poke dir.0^=1
mk 9.7-meta-flip 'SPEC 9 step 7: the statement'"'"'s SHA-256 covers the bundle metadata (one bit flipped)' base poke meta.1^=1
mk 9.8-unit-page-flip 'SPEC 9 step 8: a unit page matches its SHA-256 (a stored size flipped, not re-signed)' base poke units.4^=1
mk 9.8-unit-page-hash 'SPEC 9 step 8: a unit page matches its SHA-256 (the directory'"'"'s hash wrong, signed)' base set upage.0.sha256.0^=1
mk 9.9-page-flip 'SPEC 9 step 9: an entry page matches its SHA-256 (one bit flipped, not re-signed)' base poke pages.0^=1
mk 9.9-page-hash 'SPEC 9 step 9: an entry page matches its SHA-256 (page 1: the directory'"'"'s hash wrong, signed)' base set page.1.sha256.31^=0x80
mk 9.10-data-flip 'SPEC 9 step 10: unit BLAKE2b-256 (a data byte flipped, not re-signed)' base poke file.40^=1
mk 9.10-unit-hash 'SPEC 9 step 10: unit BLAKE2b-256 (first unit, signed)' base set unit.0.hash.0^=1
mk 9.10-unit-hash-last 'SPEC 9 step 10: unit BLAKE2b-256 (last unit: earlier entries are intact)' base set unit.1.hash.31^=0x80
mk 9.12-content-sha 'SPEC 9 step 12: entry SHA-256 (first entry, signed)' base set entry.0.sha256.0^=1
mk 9.12-content-sha-empty 'SPEC 9 step 12: entry SHA-256 (an empty entry with the hash of "x")' base empty-entry
mk 9.12-content-sha-many 'SPEC 9 step 12: entry SHA-256 (the last of 300: nothing may be released)' many set entry.299.sha256.0^=1
mk 9.12-content-sha-last 'SPEC 9 step 12: entry SHA-256 (last entry: earlier entries are intact)' base set entry.2.sha256.31^=0x80

# ---- not bad: co-signatures are allowed (another key's record, then the test key's)
mk good-cosigned 'co-signed' good sigs other,test

# ---- the README, from the rows above and expect.txt
{
    cat <<'EOF'
# Hostile bundles

One bundle per broken rule of SPEC.md (format 2). `quire-read` must reject each with the exit
code and the message listed, in `verify` and in `extract`, and `extract` must write nothing
(the test `hostile_bundles`, `tests/hostile/run.sh`, against `tests/hostile/expect.txt`). Two
(SPEC 5.6, "verify exit 1 ...; extract exit 0") break only the Merkle root, which `verify`
checks (full and `--quick`) and `extract` does not need: every entry page it reads is checked
against its SHA-256 in the signed directory.

Most are **validly signed** by the fixture key (`fixtures/keys/test.key`, public
`fixtures/keys/test.pub`): the mutation is made in the model, every hash above it is derived
again (entry page and unit page SHA-256 in the directory, the directory's in the statement,
the Merkle root), and the statement re-signed, so the signature and hash checks pass and the
rule under test is the one that must reject the bundle. The raw mutations (`poke`, `prepend`,
`append`, `attach`, `insert-*`, `truncate`, `keep`, `cut-data`) change bytes without
re-signing: the signature covers the 160-byte statement, so a changed page, unit table,
directory or unit is caught by its hash (SPEC 9 steps 7-10), a changed statement by the
signature. Bundles "from scratch" (no `-i`) hold paths the writer refuses; their data region,
unit hashes and content hashes are otherwise correct.

Every command is run with `-k fixtures/keys/test.key -x tests/hostile/keys/other.key -o FILE`.
`base.quire` is the small good bundle `quire-mutate base` makes: `docs/a.txt` (a document
linked to its original, with metadata), `docs/b.txt` (executable) deflated together in unit 0,
and `originals/a.html` stored in unit 1; bundle metadata is a JSON object. Its entries are in
two entry pages (`docs/a.txt` and `docs/b.txt`, then `originals/a.html`), so that the
directory has a second page to break. Deflate streams (units and entry pages) come from
quire-mutate's own encoder, not zlib, so every byte is reproducible.

`many.quire` is `quire-mutate many 300`: 300 small documents in one unit and one entry page,
more than an extractor may hold back before renaming files into place.

`set` changes unit and entry records before the pages and unit pages are made and hashed, and
directory (`page.P.*`, `upage.P.*`) and statement (`stmt.*`) fields before the directory is
hashed and the statement signed (`quire-mutate --list` names every field).

`fixtures/good-cosigned.quire` (not listed here) is the base bundle signed first by another
key (`tests/hostile/keys/other.key`) and then by the test key: it must be accepted.

Regenerate (after building `quire-mutate`), and commit only with a reason:

    sh tests/hostile/make-bad.sh build/tests/hostile/quire-mutate

The test `hostile_fixtures_fresh` regenerates them in a temporary directory and compares
every byte with the committed files.

| file | rule broken | how it is made | expected result |
|---|---|---|---|
EOF
    cat "$rows"
} >"$out/bad/README.md"
