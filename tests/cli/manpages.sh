#!/bin/sh
# SPDX-License-Identifier: ISC
# The manual pages agree with the programs: every option that --help shows (quire-pack,
# quire-pack create, quire-pack keygen, quire-read and each of its commands) is in the manual
# page; EXIT STATUS lists the codes --help lists; the version in the .TH line is the program's;
# quire(5) names SPEC.md where it is installed; and groff has nothing to warn about at 80
# columns (man --warnings, groff -ww).
. "$(dirname "$0")/lib.sh"
command -v groff >/dev/null || { echo "SKIP [$NAME]: no groff"; exit 0; }
MAN=$SRC/man
# render PAGE: the page as plain text at 80 columns, not hyphenated (so that an option is never
# cut at a line's end).
render()
{
    MANWIDTH=80 groff -t -man -Tutf8 -rLL=80n -rHY=0 -P-cbu "$1" 2>/dev/null
}
for p in quire-pack.1 quire-read.1 quire.5; do
    render "$MAN/$p" >"$T/$p.txt"
done

# ---- every option of every --help is in the page ----
# check_options PAGE HELP-ARGS...: the options of `HELP-ARGS --help` all appear in PAGE.
check_options()
{
    page=$T/$(basename "$1").txt
    shift
    expect_exit 0 "$@" --help
    expect_true "$* --help: every option is in $(basename "$page")" python3 -c '
import re, sys
help_text, man = open(sys.argv[1]).read(), open(sys.argv[2]).read()
opts = set()
for line in help_text.splitlines():
    s = line.strip()
    if line.startswith("usage:") or s.startswith(("quire-pack", "quire-read")):
        # the synopsis: [-W] [--passphrase-file FILE] -o NAME
        opts.update(re.findall(r"(?<![\w-])--?[A-Za-z][\w-]*", s.split(None, 2)[-1]))
    elif re.match(r"\s+-", line):
        # an option line: "  -o NAME, --output NAME      what it does"
        opts.update(re.findall(r"(?<![\w-])--?[A-Za-z][\w-]*", re.split(r"\s{2,}", s)[0]))
opts -= {"-h", "--help", "-V", "--version"}
assert opts, "no options found in --help"
missing = sorted(o for o in opts if not re.search(r"(?<![\w-])" + re.escape(o) + r"(?![\w-])", man))
assert not missing, "not in the manual page: " + " ".join(missing)
' "$OUT" "$page"
}
check_options "$MAN/quire-pack.1" "$PACK"
check_options "$MAN/quire-pack.1" "$PACK" create
check_options "$MAN/quire-pack.1" "$PACK" keygen
check_options "$MAN/quire-read.1" "$READ"
expect_exit 0 "$READ" --help
# A command's name begins its line, its description after it or on the next lines.
commands=$(sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\)\( .*\)\{0,1\}$/\1/p' "$OUT")
for c in receipt check-receipt; do
    case " $(echo $commands) " in
    *" $c "*) ;;
    *) fail "quire-read --help lists no command $c (found: $(echo $commands))" ;;
    esac
done
[ -n "$commands" ] || fail "no commands found in quire-read --help"
for c in $commands; do
    rc=0
    "$READ" "$c" --help >/dev/null 2>&1 || rc=$?
    # A command without a --help of its own is covered by quire-read --help.
    [ "$rc" -eq 0 ] && check_options "$MAN/quire-read.1" "$READ" "$c"
done

# ---- EXIT STATUS: the codes --help lists, and the version ----
# codes: the exit codes listed in the text on stdin ("0 success; 1 ...", "2 usage ...").
codes()
{
    tr -s ' \n' '  ' | grep -oE '(^|[;:,.] ) *[0-9] [A-Za-z]' | grep -oE '[0-9]' | sort -u |
        tr '\n' ' '
}
for prog in pack read; do
    bin=$PACK
    [ $prog = read ] && bin=$READ
    page=$MAN/quire-$prog.1
    expect_exit 0 "$bin" --help
    in_help=$(sed -n '/^exit status:/,/^$/p' "$OUT" | sed 's/^exit status://' | codes)
    in_man=$(sed -n '/^EXIT STATUS/,/^[A-Z]/p' "$T/quire-$prog.1.txt" | sed '1d;$d' | codes)
    expect_true "quire-$prog: --help lists exit codes '$in_help', the manual page '$in_man'" \
        test -n "$in_help" -a "$in_help" = "$in_man"
    version=$("$bin" --version | cut -d' ' -f2)
    expect_true "quire-$prog.1: .TH does not name quire $version" \
        grep -q "^\.TH .* \"quire $version\"" "$page"
done
expect_true "quire.5: .TH does not name quire $version" \
    grep -q "^\.TH .* \"quire $version\"" "$MAN/quire.5"

# ---- quire(5) names the installed specification, which CMake installs there ----
expect_true "quire.5 does not name /usr/share/doc/quire/SPEC.md" \
    grep -q /usr/share/doc/quire/SPEC.md "$T/quire.5.txt"
expect_true "CMakeLists.txt does not install SPEC.md in the doc directory" \
    grep -q 'install(FILES SPEC.md .*DESTINATION ${CMAKE_INSTALL_DOCDIR})' "$SRC/CMakeLists.txt"

# ---- no warnings from groff or man at 80 columns ----
for page in "$MAN/quire-pack.1" "$MAN/quire-read.1" "$MAN/quire.5"; do
    expect_exit 0 groff -ww -z -t -man -Tutf8 -rLL=80n "$page"
    expect_stderr_empty
    if command -v man >/dev/null; then
        MANWIDTH=80 man --warnings -l "$page" >/dev/null 2>"$ERR" || :
        CMD="MANWIDTH=80 man --warnings -l $page"
        expect_stderr_empty
    fi
done

done_ok
