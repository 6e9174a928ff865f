#!/bin/sh
# SPDX-License-Identifier: ISC
# fresh.sh: the committed hostile corpus is exactly what make-bad.sh makes (ctest
# hostile_fixtures_fresh). Regenerates every fixture and the README into a temporary
# directory and compares them byte for byte with fixtures/bad/ and
# fixtures/good-cosigned.quire; also checks that the two bundles the mutations start from
# (base, many 300) are ones quire-read accepts, so each fixture breaks only the rule it names.
#
# usage: fresh.sh QUIRE_MUTATE QUIRE_READ SOURCE_DIR
set -eu

mutate=$1
reader=$2
top=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/quire-fresh.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
failures=0

fail() {
    printf 'FAIL %s\n' "$1"
    failures=$((failures + 1))
}

"$mutate" -k "$top/fixtures/keys/test.key" -o "$work/base.quire" base
"$reader" verify -q -p "$top/fixtures/keys/test.pub" "$work/base.quire" ||
    fail "quire-read rejects the base bundle (quire-mutate base)"
"$mutate" -k "$top/fixtures/keys/test.key" -o "$work/many.quire" many 300
"$reader" verify -q -p "$top/fixtures/keys/test.pub" "$work/many.quire" ||
    fail "quire-read rejects the many bundle (quire-mutate many 300)"

mkdir "$work/out"
sh "$top/tests/hostile/make-bad.sh" "$mutate" "$work/out"
for f in "$work"/out/bad/* "$work/out/good-cosigned.quire"; do
    rel=${f#"$work"/out/}
    if [ ! -e "$top/fixtures/$rel" ]; then
        fail "fixtures/$rel is not committed (run tests/hostile/make-bad.sh)"
    elif ! cmp -s "$f" "$top/fixtures/$rel"; then
        fail "fixtures/$rel differs from what make-bad.sh makes"
    fi
done
for f in "$top"/fixtures/bad/*; do
    [ -e "$work/out/bad/${f##*/}" ] || fail "fixtures/bad/${f##*/} is not made by make-bad.sh"
done

echo "hostile_fixtures_fresh: $(ls "$work/out/bad" | wc -l) files compared, $failures failures"
[ "$failures" -eq 0 ]
