#!/bin/sh
# SPDX-License-Identifier: ISC
# spdx.sh: puts the licence identifier (ISC, see LICENSE) at the top of every tracked source file
# that lacks it: `/* SPDX-License-Identifier: ISC */` as the first line of C files (.c, .h), and
# `# SPDX-License-Identifier: ISC` in shell, CMake and Python files (.sh, .bash, .py, .cmake,
# CMakeLists.txt, and files without an extension that start with a sh/bash/python shebang or
# zsh's #compdef): the second line after a shebang or #compdef, which must stay first, else the
# first. Idempotent: a file that has the line where it belongs is left alone.
# Usage: scripts/spdx.sh          add the missing lines (rewrites files in place)
#        scripts/spdx.sh --check  list the files without it, exit 1 if any (a ctest)
set -eu
# All of it in one function, parsed before it runs: write mode also rewrites this file, and sh
# reads a script as it goes.
main()
{
cd "$(dirname "$0")/.."
mode=write
case ${1:-} in
'') ;;
--check) mode=check ;;
*) echo "usage: scripts/spdx.sh [--check]" >&2; exit 2 ;;
esac
# The tracked files; outside a git checkout (a release tarball), every file but build trees.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z >"${TMPDIR:-/tmp}/spdx.$$"
else
    find . -path './build*' -prune -o -path './.git' -prune -o -type f -print0 |
        sed -z 's|^\./||' >"${TMPDIR:-/tmp}/spdx.$$"
fi
trap 'rm -f "${TMPDIR:-/tmp}/spdx.$$"' EXIT
python3 - "$mode" "${TMPDIR:-/tmp}/spdx.$$" <<'PY'
import os, re, sys

mode, listing = sys.argv[1], sys.argv[2]
C_LINE = b"/* SPDX-License-Identifier: ISC */\n"
HASH_LINE = b"# SPDX-License-Identifier: ISC\n"
HASH_EXT = (".sh", ".bash", ".py", ".cmake")
INTERP = re.compile(rb"^#!\s*\S*(/env\s+)?\S*\b(sh|bash|dash|python3?)\b")


def kind(path, head):
    """'c', 'hash' or None (not a file this script handles)."""
    name = os.path.basename(path)
    if name.endswith((".c", ".h")):
        return "c"
    if name.endswith(HASH_EXT) or name == "CMakeLists.txt":
        return "hash"
    if "." not in name and (INTERP.match(head) or head.startswith(b"#compdef")):
        return "hash"
    return None


def fixed(path, data):
    """The file's bytes with the identifier where it belongs (the same bytes when it is)."""
    first, nl, rest = data.partition(b"\n")
    if kind(path, first) == "c":
        return data if data.startswith(C_LINE) else C_LINE + data
    # A shebang or #compdef has to stay the first line; the identifier goes after it.
    if first.startswith((b"#!", b"#compdef")):
        return data if rest.startswith(HASH_LINE) else first + nl + HASH_LINE + rest
    return data if data.startswith(HASH_LINE) else HASH_LINE + data


names = [n.decode() for n in open(listing, "rb").read().split(b"\0") if n]
missing = []
for path in sorted(names):
    if not os.path.isfile(path) or os.path.islink(path):
        continue
    with open(path, "rb") as f:
        data = f.read()
    if kind(path, data.partition(b"\n")[0]) is None:
        continue
    new = fixed(path, data)
    if new == data:
        continue
    missing.append(path)
    if mode == "write":
        with open(path, "r+b") as f:  # in place: the file keeps its mode
            f.write(new)
if mode == "check":
    for path in missing:
        print("spdx: %s: no SPDX-License-Identifier line" % path, file=sys.stderr)
    print("spdx: %d files without the SPDX-License-Identifier line" % len(missing))
    sys.exit(1 if missing else 0)
print("spdx: added the SPDX-License-Identifier line to %d files" % len(missing))
PY
}
main "$@"; exit $?
