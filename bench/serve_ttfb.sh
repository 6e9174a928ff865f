#!/bin/sh
# SPDX-License-Identifier: ISC
# Time to first byte of quire-read serve, warm: sh bench/serve_ttfb.sh QUIRE-READ PUB BUNDLE
# URL-PATH... Starts serve on a free port (reports how long until it printed its URL), asks for
# each URL-PATH 5 times to warm up, then 100 times with curl, one at a time, and prints the
# median and the 90th percentile of curl's time_starttransfer, and the time of the whole
# response.
set -eu
read=$1 pub=$2 bundle=$3
shift 3
out=$(mktemp)
t0=$(date +%s.%N)
"$read" serve --port 0 -p "$pub" "$bundle" >"$out" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$out"' EXIT
while [ ! -s "$out" ]; do sleep 0.01; done
t1=$(date +%s.%N)
base=$(head -n 1 "$out")
echo "$bundle: serving after $(echo "$t1 - $t0" | bc) s"
for p in "$@"; do
    for i in 1 2 3 4 5; do curl -s -o /dev/null "$base$p"; done
    i=0
    while [ $i -lt 100 ]; do
        curl -s -o /dev/null -w '%{time_starttransfer} %{time_total} %{size_download} %{http_code}\n' "$base$p"
        i=$((i + 1))
    done | sort -n | awk -v p="$p" '{ t[NR] = $1; tt[NR] = $2; n = $3; code = $4 }
        END { printf "%s: HTTP %s, %d bytes: first byte median %.2f ms, p90 %.2f ms; whole %.2f ms\n",
              p, code, n, t[50] * 1000, t[90] * 1000, tt[50] * 1000 }'
done
