#!/bin/sh
# Builds the libFuzzer targets with clang and runs each for SECONDS (default 30), seeded from
# the fixtures. Crashes are left in build-fuzz/artifacts/. Usage: scripts/fuzz.sh [SECONDS]
set -eu
secs=${1:-30}
b=build-fuzz
cmake -S . -B $b -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DQUIRE_FUZZ=ON >/dev/null
cmake --build $b -j "$(nproc)" --target fuzz_index fuzz_bundle fuzz_keys fuzz_text >/dev/null
mkdir -p $b/corpus/bundle $b/corpus/index $b/corpus/keys $b/corpus/text $b/artifacts
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
off, size, _ = struct.unpack("<QQQ", d[-32:-8])
open(sys.argv[2], "wb").write(d[off:off + size])
PY
done
status=0
for t in index bundle keys text; do
    echo "fuzz_$t: ${secs}s"
    if ! $b/tests/fuzz/fuzz_$t -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 \
            $( [ $t = text ] && echo -max_len=8192 ) -artifact_prefix=$b/artifacts/ $b/corpus/$t 2>$b/fuzz_$t.log; then
        tail -40 $b/fuzz_$t.log
        status=1
    fi
    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' $b/fuzz_$t.log || true
done
exit $status
