#!/bin/sh
# SPDX-License-Identifier: ISC
# Benchmark quire against tar.gz + minisign, tar + pigz + minisign and zip.
#
# usage: sh bench/run.sh [--quick] [--runs N] [--no-report] [CORPUS...]
#
#   CORPUS     fixtures, pydocs, kernel (default: all three; --quick: fixtures pydocs)
#              or set CORPORA="fixtures pydocs"
#   --quick    fixtures and Python docs only, 3 runs each
#   --runs N   runs per command (default 5, and 3 for the kernel; showing one document,
#              which takes milliseconds, at least 11)
#
# Installs what it needs with apt-get when missing, builds quire in Release mode in
# build-bench/, prepares the corpora (bench/prepare.sh; the kernel tree is unpacked once
# into $QUIRE_BENCH_CACHE, default ~/.cache/quire-bench), measures every corpus with
# bench/harness.py into bench/results/DATE-CORPUS.json (DATE-CORPUS-quick.json with
# --quick), then regenerates the tables and
# chart of BENCHMARKS.md with bench/report.py. Caches are warm: nothing is dropped.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cache=${QUIRE_BENCH_CACHE:-$HOME/.cache/quire-bench}
runs=
quick=0
report=1
corpora=

while [ $# -gt 0 ]; do
    case $1 in
    --quick) quick=1 ;;
    --runs) runs=$2; shift ;;
    --no-report) report=0 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    fixtures|pydocs|kernel) corpora="$corpora $1" ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
if [ -z "$corpora" ]; then
    if [ -n "${CORPORA:-}" ]; then corpora=$CORPORA
    elif [ $quick = 1 ]; then corpora="fixtures pydocs"
    else corpora="fixtures pydocs kernel"
    fi
fi
[ $quick = 1 ] && [ -z "$runs" ] && runs=3

# --- dependencies ------------------------------------------------------------------------
need=
have() { command -v "$1" >/dev/null 2>&1; }
have pigz || need="$need pigz"
have zip || need="$need zip"
have unzip || need="$need unzip"
have minisign || need="$need minisign"
[ -x /usr/bin/time ] || need="$need time"
have gnuplot || need="$need gnuplot-nox"
[ -x /usr/bin/python3 ] || need="$need python3"
have cmake || need="$need cmake"
have cc || need="$need build-essential"
pkg-config --exists zlib 2>/dev/null || need="$need zlib1g-dev"
for c in $corpora; do
    case $c in
    pydocs) [ -d /usr/share/doc/python3.11/html ] || need="$need python3.11-doc" ;;
    kernel) [ -f /usr/src/linux-source-6.1.tar.xz ] || need="$need linux-source-6.1" ;;
    esac
done
if [ -n "$need" ]; then
    echo "run.sh: installing$need" >&2
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need >/dev/null
fi
# quire's own build dependencies (libsodium, jansson, ...) are the project's script's job
[ -f "$root/scripts/install-deps.sh" ] && sh "$root/scripts/install-deps.sh" >/dev/null

# --- build -------------------------------------------------------------------------------
bld=${QUIRE_BENCH_BUILD:-$root/build-bench}
cmake -S "$root" -B "$bld" -DQUIRE_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$bld" -j "$(nproc)" >/dev/null

# --- measure -----------------------------------------------------------------------------
mkdir -p "$here/results"
date=$(date -u +%Y-%m-%d)
key=$root/fixtures/keys/test.key
pub=$root/fixtures/keys/test.pub
for c in $corpora; do
    d=$(sh "$here/prepare.sh" "$c")
    info=$(cat "$d/.bench-info")
    top=$(echo "$info" | sed 's/.*top=\([^ ]*\).*/\1/')
    n=${runs:-5}
    extra=
    # quire-pack -j 1 (single-threaded, for comparison with tar.gz) is skipped on the
    # kernel to keep the full run under 40 minutes
    [ "$c" = kernel ] && { [ -z "$runs" ] && n=3; extra=--no-j1; }
    suffix=
    [ $quick = 1 ] && suffix=-quick
    echo "run.sh: $c, $n runs, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    /usr/bin/python3 "$here/harness.py" --corpus "$c" --dir "$d" --top "$top" \
        --work "$cache/work-$c" --runs "$n" --bin "$bld" --key "$key" --pub "$pub" \
        --info "$info" --out "$here/results/$date-$c$suffix.json" $extra
done

if [ $report = 1 ]; then
    /usr/bin/python3 "$here/report.py"
fi
