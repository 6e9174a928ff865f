#!/bin/sh
# SPDX-License-Identifier: ISC
# hardening.sh: the optimised programs carry the hardening CMakeLists.txt asks for, read back
# from the ELF files as checksec does: a position-independent executable (ELF type DYN, PIE in
# FLAGS_1), full RELRO (a GNU_RELRO segment and BIND_NOW, so the GOT is read-only once the
# program starts), a non-executable stack, the stack protector (__stack_chk_fail) and
# _FORTIFY_SOURCE (checked __*_chk variants of libc calls). Every missing property is named.
# Usage: sh hardening.sh PROGRAM...
set -eu
command -v readelf >/dev/null || { echo "hardening: readelf (binutils) not found" >&2; exit 2; }
[ $# -gt 0 ] || { echo "usage: hardening.sh PROGRAM..." >&2; exit 2; }
missing=0
lack()
{
    echo "hardening: $1: $2" >&2
    missing=$((missing + 1))
}
for bin in "$@"; do
    [ -f "$bin" ] || { echo "hardening: $bin: no such file" >&2; exit 2; }
    name=$(basename "$bin")
    before=$missing
    header=$(readelf -hW "$bin")
    dynamic=$(readelf -dW "$bin")
    segments=$(readelf -lW "$bin")
    symbols=$(readelf -sW --dyn-syms "$bin")
    echo "$header" | grep -Eq 'Type:[[:space:]]+DYN' || lack "$name" "not position-independent (ELF type is not DYN)"
    echo "$dynamic" | grep -Eq 'FLAGS_1.*PIE' || lack "$name" "no PIE flag in FLAGS_1"
    echo "$segments" | grep -q 'GNU_RELRO' || lack "$name" "no GNU_RELRO segment (no RELRO)"
    echo "$dynamic" | grep -Eq '\(FLAGS\).*BIND_NOW|FLAGS_1.*NOW' ||
        lack "$name" "no BIND_NOW (partial RELRO only: the GOT stays writable)"
    echo "$dynamic" | grep -q 'TEXTREL' && lack "$name" "text relocations (TEXTREL)"
    echo "$segments" | grep -E 'GNU_STACK' | grep -q 'RWE' && lack "$name" "executable stack"
    echo "$segments" | grep -q 'GNU_STACK' || lack "$name" "no GNU_STACK segment (executable stack)"
    echo "$symbols" | grep -q '__stack_chk_fail' || lack "$name" "no __stack_chk_fail (no stack protector)"
    chk=$(echo "$symbols" | grep -oE '__[a-z0-9_]+_chk\b' | grep -v '__stack_chk' | sort -u |
        tr '\n' ' ')
    [ -n "$chk" ] || lack "$name" "no __*_chk functions (not built with _FORTIFY_SOURCE)"
    [ "$missing" -eq "$before" ] &&
        echo "hardening: $name: PIE, full RELRO, non-executable stack, stack protector, fortified: $chk"
done
if [ "$missing" -ne 0 ]; then
    echo "hardening: $missing properties missing" >&2
    exit 1
fi
echo "hardening: $# programs checked: all properties present"
