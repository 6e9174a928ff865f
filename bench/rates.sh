#!/bin/sh
# SPDX-License-Identifier: ISC
# The CPU work a full verify cannot avoid, on this machine: bench/rates.c over a corpus as tar
# writes it (inflate, SHA-256, BLAKE2b and memcpy rates, one thread). BENCHMARKS.md compares
# full verify with these ("What bounds each target of issue 13").
#
# usage: sh bench/rates.sh fixtures|pydocs|kernel
set -eu
here=$(cd "$(dirname "$0")" && pwd)
corpus=$(sh "$here/prepare.sh" "$1")
top=$(sed -n 's/^top=\([^ ]*\).*/\1/p' "$corpus/.bench-info")
bin=${TMPDIR:-/tmp}/quire-rates.$$
trap 'rm -f "$bin"' EXIT
cc -O2 -o "$bin" "$here/rates.c" $(pkg-config --cflags --libs nettle libsodium libdeflate)
tar -cf - -C "$corpus" "$top" | "$bin"
