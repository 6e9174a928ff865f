#!/bin/sh
# SPDX-License-Identifier: ISC
# make test-serve: a bounded load test of quire-read serve with ab (apache2-utils) on
# 127.0.0.1: 10,000 requests, 50 concurrent, for a document, a spooled document (over 1 MiB)
# and the landing page; no failed or non-2xx response, every byte the document's, and the
# server's resident memory flat (after a warm-up, it grows by less than 8 MiB over the run).
# The figures (requests per second, time per request, memory) go to $QUIRE_SERVE_ARTEFACTS.
. "$(dirname "$0")/../cli/lib.sh"
command -v ab >/dev/null || fail "no ab: run sh scripts/install-serve-deps.sh"
ART=${QUIRE_SERVE_ARTEFACTS:-$PWD/serve-artefacts}
mkdir -p "$ART"
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"' EXIT
cd "$T"
mkdir big
head -c 2097152 /dev/urandom >big/blob.bin
expect_exit 0 "$PACK" create -q -k "$KEY" -o big.quire big
"$READ" serve --port 0 -p "$PUB" "$FIX/dossier.quire" big.quire >serve.out 2>serve.err &
PID=$!
n=0
while [ ! -s serve.out ] && [ $n -lt 200 ]; do
    sleep 0.05
    n=$((n + 1))
done
URL=$(head -n 1 serve.out)
[ -n "$URL" ] || fail "serve printed no URL: $(cat serve.err)"
ok
rss()
{
    awk '/^VmRSS/ { print $2 }' "/proc/$PID/status"
}

# load NAME PATH REQUESTS: ab, then its report checked and kept.
load()
{
    CMD="ab -n $3 -c 50 $URL${2#/}"
    ab -q -n "$3" -c 50 -s 60 "$URL${2#/}" >"$T/ab.$1" 2>"$ERR" || fail "ab failed"
    grep -q '^Failed requests: *0$' "$T/ab.$1" || fail "$1: $(grep '^Failed' "$T/ab.$1")"
    grep -q '^Non-2xx responses' "$T/ab.$1" && fail "$1: $(grep '^Non-2xx' "$T/ab.$1")"
    grep -q "^Complete requests: *$3\$" "$T/ab.$1" || fail "$1: $(grep '^Complete' "$T/ab.$1")"
    cp "$T/ab.$1" "$ART/ab-$1.txt"
    ok
}
DOC=b/1/d/docs/000_7ca1ca3d8efec858.txt
load warmup "$DOC" 1000
load warmup-big b/2/d/big/blob.bin 100
before=$(rss)
load document "$DOC" 10000
load landing b/1/ 10000
load spooled b/2/d/big/blob.bin 300
load about b/1/about/docs/000_7ca1ca3d8efec858.txt 2000
after=$(rss)
curl -s "$URL$DOC" | cmp -s - "$FIX/../fixtures/docs/000_7ca1ca3d8efec858.txt" ||
    fail "after the load, the document is not its bytes"
ok
growth=$((after - before))
{
    echo "resident memory: $before KiB after warm-up, $after KiB after 22,300 requests"
    for f in document landing spooled about; do
        printf '%s: ' "$f"
        grep -E '^(Requests per second|Time per request:.*\(mean\)$)' "$T/ab.$f" | tr -s ' ' |
            tr '\n' ';'
        echo
    done
} | tee "$ART/load-summary.txt"
[ "$growth" -lt 8192 ] || fail "resident memory grew by $growth KiB under load"
ok
kill -TERM "$PID"
rc=0
wait "$PID" || rc=$?
PID=
[ "$rc" -eq 0 ] || fail "serve exited $rc on SIGTERM"
ok
done_ok "memory $before -> $after KiB"
