#!/bin/sh
# SPDX-License-Identifier: ISC
# Builds the libFuzzer targets with clang and runs each for SECONDS (default 30), seeded from
# the fixtures. Crashes are left in build-fuzz/artifacts/. Usage: scripts/fuzz.sh [SECONDS]
set -eu
secs=${1:-30}
b=build-fuzz
cmake -S . -B $b -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DQUIRE_FUZZ=ON >/dev/null
cmake --build $b -j "$(nproc)" --target fuzz_index fuzz_bundle fuzz_keys fuzz_text fuzz_cmds fuzz_json \
    fuzz_receipt fuzz_receipt_seeds >/dev/null
mkdir -p $b/corpus/bundle $b/corpus/index $b/corpus/keys $b/corpus/text $b/corpus/cmds $b/corpus/json \
    $b/corpus/receipt $b/artifacts
# Receipts signed by fuzz_receipt's fixed key, binary and armoured.
$b/tests/fuzz/fuzz_receipt_seeds $b/corpus/receipt
# Inputs that once failed a target (tests/fuzz/regress/TARGET/), run first as seeds.
for d in tests/fuzz/regress/*/; do cp "$d"* "$b/corpus/$(basename "$d")/"; done
cp fixtures/bundle.json fixtures/sources.json $b/corpus/json/
cp fixtures/docs/* $b/corpus/text/
printf '<html><head><title>a &amp; b</title><script>x</script></head><body><p>Hello &#x41;&mdash;</p></body></html>' >$b/corpus/text/seed.html
cp fixtures/*.quire $b/corpus/bundle/
[ -d fixtures/bad ] && cp fixtures/bad/*.quire $b/corpus/bundle/ 2>/dev/null || true
cp fixtures/keys/* $b/corpus/keys/
# The index seeds are the index regions of the fixture bundles, cut out with the trailer.
for f in fixtures/*.quire; do
    python3 - "$f" "$b/corpus/index/$(basename "$f").idx" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
off, size = struct.unpack("<QQ", d[-40:-24])
open(sys.argv[2], "wb").write(d[off:off + size])
PY
done
# fuzz_cmds seeds: bundle metadata, comment, then path, metadata, content, split at lines "--"
# (see tests/fuzz/fuzz_cmds.c); the last three are the audit's findings 1 and 2 (issue 11).
printf '{"title": "t"}\n--\nquire bundle\n--\na.txt\n--\n{"title": "x", "URL": "https://e.org/", "issued": {"date-parts": [[2016, 5, 2]]}, "author": [{"family": "F", "given": "G"}]}\n--\nhello world\n--\nb/c.html\n--\n{"quire-media-type": "text/html"}\n--\n<p>a &amp; b</p>\n' >$b/corpus/cmds/seed
printf '{}\n--\nc\n--\na.txt\n--\n{"issued": {"date-parts": [[-9223372036854775808, -9223372036854775808, -9223372036854775808]]}}\n--\nhello\n' >$b/corpus/cmds/cite-date
printf '{"supersedes": "\\u001b[1Ayes"}\n--\nc\n--\ninvoice\342\200\256fdp.exe\n--\n\n--\nhello\n' >$b/corpus/cmds/bidi-supersedes
printf '{}\n--\nc\n--\na.txt\n--\n\n--\nhello \233\062J world\n' >$b/corpus/cmds/show-c1
status=0
for t in index bundle keys text cmds json receipt; do
    echo "fuzz_$t: ${secs}s"
    if ! $b/tests/fuzz/fuzz_$t -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 \
            $( [ $t = text ] && echo -max_len=8192 ) $( [ $t = cmds ] && echo -max_len=4096 ) -artifact_prefix=$b/artifacts/ $b/corpus/$t 2>$b/fuzz_$t.log; then
        tail -40 $b/fuzz_$t.log
        status=1
    fi
    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' $b/fuzz_$t.log || true
done
exit $status
