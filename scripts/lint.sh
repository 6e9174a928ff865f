#!/bin/sh
# SPDX-License-Identifier: ISC
# Static analysis (make lint): clang-tidy with the committed .clang-tidy (bugprone-*, cert-*, the
# clang static analyzer) on every C file of the library, the programs, cli/ and the modules
# (text/, tsa/), compiled as a clang build in BUILD (default build-lint) describes them in
# compile_commands.json. Fails on any warning that scripts/lint-suppressions does not list (by
# file and check, with the reason).
# Usage: scripts/lint.sh [BUILD]
set -eu
cd "$(dirname "$0")/.."
build=${1:-build-lint}
tidy=$(command -v run-clang-tidy || command -v run-clang-tidy-14 || true)
[ -n "$tidy" ] || { echo "lint: run-clang-tidy not found (apt-get install clang-tidy)" >&2; exit 2; }
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
    -DQUIRE_BUILD_TESTS=OFF >/dev/null
# Generated headers, if any, must exist before clang-tidy reads the sources.
cmake --build "$build" -j "$(nproc)" >/dev/null
files=$(git ls-files 'lib/*.c' 'reader/*.c' 'packer/*.c' 'cli/*.c' 'text/*.c' 'tsa/*.c')
log=$build/clang-tidy.log
"$tidy" -quiet -j "$(nproc)" -p "$build" $files >"$log" 2>&1 || true
# One line per finding: FILE:LINE:COL: warning: TEXT [CHECK], paths relative to the tree.
sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^/[^ ]+:[0-9]+:[0-9]+: (warning|error): ' |
    sed "s|^$(pwd)/||" | sort -u >"$build/findings.all"
# Drop the suppressed ones: scripts/lint-suppressions has "FILE CHECK REASON..." lines.
grep -Ev '^[[:space:]]*(#|$)' scripts/lint-suppressions |
    awk '{ print $1 ":[0-9]+:[0-9]+: (warning|error): .*\\[" $2 "(,[^]]*)?\\]$" }' \
    >"$build/suppress.re"
if [ -s "$build/suppress.re" ]; then
    grep -Ev -f "$build/suppress.re" "$build/findings.all" >"$build/findings" || true
else
    cp "$build/findings.all" "$build/findings"
fi
# A file clang cannot compile shows as an error finding (clang-diagnostic-error); a run that
# produced nothing at all for some file is caught by run-clang-tidy's own listing below.
grep -q "clang-tidy.* $(pwd)/lib/common/quire_common.c" "$log" ||
    { echo "lint: clang-tidy did not run; see $log" >&2; exit 2; }
n=$(wc -l <"$build/findings")
suppressed=$(($(wc -l <"$build/findings.all") - n))
set -- $files
if [ "$n" -ne 0 ]; then
    cat "$build/findings" >&2
    echo "lint: $n findings in $# files ($suppressed suppressed); full output in $log" >&2
    exit 1
fi
echo "lint: clang-tidy: $# files, no findings ($suppressed suppressed by scripts/lint-suppressions)"
