#!/bin/sh
# SPDX-License-Identifier: ISC
# Prepare a benchmark corpus as a tree of regular files only (quire refuses symlinks,
# so every tool is given the same regular files). Prints the corpus directory on stdout.
#
# usage: sh bench/prepare.sh fixtures|pydocs|kernel
# env:   QUIRE_BENCH_CACHE  cache directory (default ~/.cache/quire-bench)
#
# The corpus directory holds a file .bench-info with "top=NAME files=N bytes=N
# symlinks_removed=N symlinks_dereferenced=N", read by run.sh. The kernel tree is unpacked once and kept.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cache=${QUIRE_BENCH_CACHE:-$HOME/.cache/quire-bench}
mkdir -p "$cache"

info() {   # DIR NAME REMOVED DEREFERENCED
    files=$(find "$1/$2" -type f | wc -l)
    bytes=$(find "$1/$2" -type f -printf '%s\n' | awk '{s+=$1} END {printf "%d", s}')
    other=$(find "$1/$2" ! -type f ! -type d | wc -l)
    if [ "$other" -ne 0 ]; then
        echo "prepare.sh: $1/$2 still has $other non-regular files" >&2
        exit 2
    fi
    echo "top=$2 files=$files bytes=$bytes symlinks_removed=$3 symlinks_dereferenced=$4" >"$1/.bench-info"
}

case ${1:-} in
fixtures)
    d=$cache/fixtures
    rm -rf "$d" && mkdir -p "$d"
    cp -R "$root/fixtures/docs" "$d/docs"
    info "$d" docs 0 0
    ;;
pydocs)
    src=/usr/share/doc/python3.11/html
    [ -d "$src" ] || { echo "prepare.sh: $src missing (apt-get install python3.11-doc)" >&2; exit 2; }
    d=$cache/pydocs
    if [ ! -f "$d/.bench-info" ]; then
        rm -rf "$d" && mkdir -p "$d"
        n=$(find "$src" -type l | wc -l)
        # -L: copy what each symlink points to (the links in this package point to
        # shared JavaScript files of other packages), so every tool sees regular files.
        cp -RL "$src" "$d/html"
        chmod -R u+w "$d/html"
        info "$d" html 0 "$n"
    fi
    ;;
kernel)
    src=/usr/src/linux-source-6.1.tar.xz
    [ -f "$src" ] || { echo "prepare.sh: $src missing (apt-get install linux-source-6.1)" >&2; exit 2; }
    d=$cache/kernel
    if [ ! -f "$d/.bench-info" ]; then
        rm -rf "$d" && mkdir -p "$d"
        echo "prepare.sh: unpacking $src into $d (once)" >&2
        tar -xJf "$src" -C "$d"
        top=$(ls "$d")
        # The kernel tree holds symlinks (device tree includes, a few test files);
        # they are removed, not dereferenced, since several point at directories.
        n=$(find "$d/$top" -type l | wc -l)
        find "$d/$top" -type l -delete
        info "$d" "$top" "$n" 0
    fi
    ;;
*)
    echo "usage: sh bench/prepare.sh fixtures|pydocs|kernel" >&2
    exit 2
    ;;
esac
echo "$d"
