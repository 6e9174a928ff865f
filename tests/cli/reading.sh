#!/bin/sh
# SPDX-License-Identifier: ISC
# reading.sh: the reading commands as a new user meets them (issue 17, "Reading"): info in
# readable units, dates and names; list -l with titles, media types, provenance and a summary;
# list and verify over several bundles, list patterns; show's suggestions and "./x", "x/";
# options a command does not take refused by name; "did you mean" for a typo'd command and one
# usage line; a broken $PAGER and a pager quit early; cite --format bibtex with @online, a
# citation key and balanced braces; the progress meter at 40 columns.
set -eu
. "$(dirname "$0")/lib.sh"
# Python starts its children with SIGPIPE ignored: restore it, as a shell would have it.
PTY="python3 $SRC/tests/cli/pty_run.py"
DFL="env --default-signal=PIPE"
cd "$T"

# expect_line FILE LINE: FILE has exactly this line.
expect_line()
{
    grep -q -x -F -e "$2" "$1" || fail "$1 has no line '$2': $(head -c 600 "$1")"
    ok
}

# expect_stderr_is TEXT: stderr is exactly TEXT (lines separated by newlines) plus a newline.
expect_stderr_is()
{
    printf '%s\n' "$1" >"$T/expected.err"
    cmp -s "$T/expected.err" "$ERR" || fail "stderr is '$(head -c 600 "$ERR")', expected '$1'"
    ok
}

mkdir -p site/pages
printf '<html><head><title>Web page</title></head><body>hi</body></html>\n' >site/pages/web.html
printf 'A blog post\nbody\n' >site/post.txt
printf 'plain words\n' >site/notes.txt
cat >src.json <<'EOF'
[{"id": "w", "type": "webpage", "title": "The {Islamic} State \\ 100% }done{ _x_",
  "author": [{"family": "Müller", "given": "Jörg"}, {"family": "Smith", "given": "Jane"}],
  "issued": {"date-parts": [[2016, 5, 2]]}, "accessed": {"date-parts": [[2025, 3, 14]]},
  "URL": "https://example.org/a{b}%20c", "quire-files": ["site/pages/web.html"]},
 {"id": "p", "type": "post-weblog", "title": "Turkish Cooperation",
  "issued": {"date-parts": [[2014, 11]]}, "quire-files": ["site/post.txt"]}]
EOF
cat >b.json <<'EOF'
{"title": "Reading test", "creator": "the reading test", "created": "2025-03-14T09:30:00Z"}
EOF
expect_exit 0 "$PACK" create -q -k "$KEY" -o r.quire -m b.json -s src.json site
G=$FIX/dossier.quire
cp "$G" dossier.quire

# ---- info: sizes in binary units, dates ISO, names as names ----
expect_exit 0 "$READ" info -p "$PUB" dossier.quire
expect_line "$OUT" "contents:        5 entries, 79.8 KiB (81,716 bytes) in 1 unit"
expect_line "$OUT" "  title: Collaboration with the Islamic State: five source documents"
expect_line "$OUT" "  created: 2026-11-23 00:00:00 UTC"
expect_exit 0 "$READ" info -p "$PUB" r.quire
expect_line "$OUT" "contents:        3 entries, 94 bytes in 1 unit"
expect_line "$OUT" "  created: 2025-03-14 09:30:00 UTC"
expect_line "$OUT" "  creator: the reading test"
expect_exit 0 "$READ" info -p "$PUB" r.quire site/pages/web.html
expect_line "$OUT" "size:            65 bytes"
expect_line "$OUT" "  author: Jörg Müller; Jane Smith"
expect_line "$OUT" "  issued: 2016-05-02"
expect_line "$OUT" "  accessed: 2025-03-14"
expect_exit 0 "$READ" info -p "$PUB" r.quire site/post.txt
expect_line "$OUT" "  issued: 2014-11"
expect_exit 0 "$READ" info -p "$PUB" dossier.quire docs/001_663e35e9f03aa9a9.txt
expect_line "$OUT" "size:            59.1 KiB (60,561 bytes)"
# the exact numbers stay in --json
expect_exit 0 "$READ" info --json -p "$PUB" r.quire site/pages/web.html
expect_true "info --json keeps the signed values" python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))
assert e["size"] == 65 and e["metadata"]["issued"] == {"date-parts": [[2016, 5, 2]]}, e
' "$OUT"

# ---- list -l: role, media type, size, provenance, path, title; a summary ----
expect_exit 0 "$READ" list -l -p "$PUB" r.quire
cat >expected <<'EOF'
document text/plain 12 - site/notes.txt  plain words
document text/html  65 P site/pages/web.html  The {Islamic} State \ 100% }done{ _x_
document text/plain 17 P site/post.txt  Turkish Cooperation
total: 3 documents, 94 bytes; 2 text/plain, 1 text/html
EOF
expect_stdout_file expected
expect_exit 0 "$READ" list -l -p "$PUB" dossier.quire
expect_line "$OUT" "document text/plain 60561 P docs/001_663e35e9f03aa9a9.txt  Collaboration with the Islamic State"
expect_line "$OUT" "total: 5 documents, 79.8 KiB (81,716 bytes); 5 text/plain"
# without -l: one path per line, as before
expect_exit 0 "$READ" list -p "$PUB" r.quire
expect_stdout_is "site/notes.txt
site/pages/web.html
site/post.txt"

# ---- list: patterns (fnmatch, or a directory) and several bundles ----
expect_exit 0 "$READ" list -p "$PUB" r.quire 'site/*/*.html'
expect_stdout_is "site/pages/web.html"
expect_exit 2 "$READ" list -p "$PUB" r.quire 'site/*.html' # '*' does not cross '/', as in extract
expect_exit 0 "$READ" list -p "$PUB" r.quire site/pages/ ./site/notes.txt
expect_stdout_is "site/notes.txt
site/pages/web.html"
expect_exit 0 "$READ" list -l -p "$PUB" r.quire '*/*.txt'
expect_line "$OUT" "total: 2 documents, 29 bytes; 2 text/plain"
expect_exit 2 "$READ" list -p "$PUB" r.quire site/post.tx
expect_stderr_is "quire-read: r.quire: no entry 'site/post.tx' in the bundle; did you mean 'site/post.txt'?"
expect_stdout_empty
expect_exit 2 "$READ" list -p "$PUB" r.quire 'nothing*'
expect_stderr_is "quire-read: r.quire: no path in the bundle matches 'nothing*'"
expect_exit 0 "$READ" list -p "$PUB" r.quire dossier.quire '*/p*'
expect_stdout_is "r.quire:site/pages/web.html
r.quire:site/post.txt"
expect_exit 0 "$READ" list -p "$PUB" dossier.quire r.quire 'docs/000*'
expect_stdout_is "dossier.quire:docs/000_7ca1ca3d8efec858.txt"
expect_exit 0 "$READ" list --json -p "$PUB" r.quire dossier.quire
expect_true "list --json of two bundles names each entry's bundle" python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))
assert [e["bundle"] for e in a] == ["r.quire"] * 3 + ["dossier.quire"] * 5, a
' "$OUT"

# ---- verify: several bundles, each reported, the worst exit status ----
head -c 2000 dossier.quire >cut.quire
expect_exit 0 "$READ" verify -p "$PUB" r.quire dossier.quire
expect_stdout_is "r.quire: OK, signature verified and all 3 entries intact
dossier.quire: OK, signature verified and all 5 entries intact"
expect_exit 1 "$READ" verify -p "$PUB" r.quire cut.quire missing.quire dossier.quire
expect_stdout_is "r.quire: OK, signature verified and all 3 entries intact
dossier.quire: OK, signature verified and all 5 entries intact"
expect_stderr_contains "quire-read: cut.quire: "
expect_stderr_contains "quire-read: missing.quire: cannot open: No such file or directory"
expect_exit 2 "$READ" verify -q -p "$PUB" r.quire missing.quire
expect_stdout_empty
expect_exit 1 "$READ" verify --json -p "$PUB" r.quire cut.quire
expect_true "verify --json of two bundles: one array, a result and an error" python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))
assert a[0]["file"] == "r.quire" and a[0]["intact"] is True, a
assert a[1]["error"]["file"] == "cut.quire", a
' "$OUT"

# ---- show: the nearest paths; "./x" and "x/" ----
expect_exit 2 "$READ" show -p "$PUB" dossier.quire docs/002.txt
expect_stderr_is "quire-read: dossier.quire: no entry 'docs/002.txt' in the bundle; did you mean 'docs/002_b5499be249b582cd.txt'?"
expect_exit 2 "$READ" show -p "$PUB" dossier.quire 003_42fea03c7bbd7071.txt
expect_stderr_is "quire-read: dossier.quire: no entry '003_42fea03c7bbd7071.txt' in the bundle; did you mean 'docs/003_42fea03c7bbd7071.txt'?"
expect_exit 2 "$READ" show -p "$PUB" dossier.quire docs/00.txt
expect_stderr_is "quire-read: dossier.quire: no entry 'docs/00.txt' in the bundle; did you mean 'docs/000_7ca1ca3d8efec858.txt', 'docs/001_663e35e9f03aa9a9.txt' or 'docs/002_b5499be249b582cd.txt'?"
expect_exit 2 "$READ" show -p "$PUB" r.quire site/pages/wbe.html
expect_stderr_is "quire-read: r.quire: no entry 'site/pages/wbe.html' in the bundle; did you mean 'site/pages/web.html'?"
expect_exit 2 "$READ" show -p "$PUB" r.quire zzzzzzzz
expect_stderr_is "quire-read: r.quire: no entry 'zzzzzzzz' in the bundle (see quire-read list)"
expect_exit 2 "$READ" show -p "$PUB" r.quire site/pages
expect_stderr_is "quire-read: r.quire: no entry 'site/pages' in the bundle: it is a directory of 1 entry (see quire-read list r.quire 'site/pages/')"
expect_exit 0 "$READ" show -p "$PUB" r.quire ./site/post.txt
expect_stdout_file site/post.txt
expect_exit 0 "$READ" show -p "$PUB" r.quire site/post.txt/
expect_stdout_file site/post.txt
expect_exit 0 "$READ" cite -p "$PUB" r.quire ./site//post.txt

# ---- options a command does not take are refused by name, with that command's usage ----
refused()
{
    opt=$1
    cmd=$2
    shift 2
    expect_exit 2 "$READ" "$cmd" "$@"
    expect_stdout_empty
    expect_stderr_first_line_starts "quire-read: $cmd: option $opt is not supported by $cmd"
    expect_stderr_lines 2
    grep -q "^usage: quire-read $cmd " "$ERR" || fail "no usage line of $cmd"
    ok
}
refused --json extract --json -p "$PUB" r.quire
refused --json export --json -p "$PUB" --format tar r.quire out.tar
refused --json show --json -p "$PUB" r.quire site/post.txt
refused --json cite --json -p "$PUB" r.quire site/post.txt
expect_stderr_contains "(use --format csl-json)"
refused -l verify -l -p "$PUB" r.quire
refused --quick list --quick -p "$PUB" r.quire
refused -C info -C dir -p "$PUB" r.quire
refused --with-metadata search --with-metadata -p "$PUB" r.quire x
refused --no-pager extract --no-pager -p "$PUB" r.quire
expect_absent out.tar

# ---- a typo'd command: did you mean; a usage error: that command's usage only ----
expect_exit 2 "$READ" verfy r.quire
expect_stderr_is "quire-read: unknown command 'verfy': did you mean 'verify'?
usage: quire-read verify  [-p PUB]... [--any-signer] [--tsa-ca CA.pem]... [--json] [-q] [--quick] BUNDLE..."
expect_exit 2 "$READ" lsit r.quire
expect_stderr_first_line_starts "quire-read: unknown command 'lsit': did you mean 'list'?"
expect_exit 2 "$READ" shwo r.quire
expect_stderr_first_line_starts "quire-read: unknown command 'shwo': did you mean 'show'?"
expect_exit 2 "$READ" show -p "$PUB" r.quire
expect_stderr_is "quire-read: show: expected BUNDLE PATH
usage: quire-read show    [-p PUB]... [--any-signer] [--text] BUNDLE PATH"
expect_exit 2 "$READ" frobnicate
expect_stderr_lines 16 # the message, the synopsis of each of the 14 commands, --help

# ---- the pager: broken falls back with a warning; quit early is success ----
mkdir big
seq 1 200000 >big/lines.txt
seq 1 40 >big/short.txt
expect_exit 0 "$PACK" create -q -k "$KEY" -o big.quire big
for pager in false nonexistent-pager-cmd; do
    expect_exit 0 env PAGER=$pager $PTY tty.out -- $DFL "$READ" show -p "$PUB" big.quire big/lines.txt
    tr -d '\r' <tty.out >tty.txt
    expect_true "PAGER=$pager: the document is not on the terminal" \
        sh -c 'grep -x -e 1 -e 200000 tty.txt | wc -l | grep -qx 2'
    expect_true "PAGER=$pager: no warning about the pager" grep -q "^quire-read: warning: pager '$pager' " tty.txt
done
expect_line tty.txt "quire-read: warning: pager 'nonexistent-pager-cmd' was not found: writing to the terminal instead"
# A pager that fails on output that fits in the pipe (the command sees no EPIPE).
expect_exit 0 env PAGER=false $PTY tty.out -- $DFL "$READ" show -p "$PUB" big.quire big/short.txt
tr -d '\r' <tty.out >tty.txt
{
    echo "quire-read: warning: pager 'false' exited with status 1: writing to the terminal instead"
    seq 1 40
} >expected
expect_true "PAGER=false: not the warning and the document" cmp -s expected tty.txt
# Quitting the pager early (head reads one line and exits): exit 0, nothing on stderr.
expect_exit 0 env PAGER='head -1' $PTY tty.out -- $DFL "$READ" show -p "$PUB" big.quire big/lines.txt
tr -d '\r' <tty.out >tty.txt
expect_true "PAGER='head -1' did not show just the first line" sh -c 'printf "1\n" | cmp -s - tty.txt'
expect_exit 0 env PAGER='head -1' $PTY tty.out -- $DFL "$READ" search -p "$PUB" big.quire 1
tr -d '\r' <tty.out >tty.txt
expect_true "PAGER='head -1' (search) shows one result only" \
    sh -c '[ "$(grep -c "^big/lines.txt:" tty.txt)" -eq 1 ]'
expect_true "PAGER='head -1' (search): an error or warning" \
    sh -c '! grep -e error -e pager -e Broken tty.txt'

# ---- cite --format bibtex: @online, a key from author, year and title, balanced braces ----
expect_exit 0 "$READ" cite --format bibtex -p "$PUB" r.quire site/pages/web.html
expect_line "$OUT" "@online{muller2016islamic,"
expect_line "$OUT" '  title = {{The \textbraceleft{}Islamic\textbraceright{} State \textbackslash{} 100\% \textbraceright{}done\textbraceleft{} \_x\_}},'
expect_line "$OUT" "  author = {Müller, Jörg and Smith, Jane},"
expect_line "$OUT" "  url = {https://example.org/a%7Bb%7D%20c},"
expect_line "$OUT" "  urldate = {2025-03-14},"
expect_true "the BibTeX entry's braces do not balance" python3 -c '
import sys
depth = 0
for ch in open(sys.argv[1], encoding="utf-8").read():
    depth += {"{": 1, "}": -1}.get(ch, 0)
    assert depth >= 0, "a closing brace too many"
assert depth == 0, depth
' "$OUT"
expect_exit 0 "$READ" cite --format bibtex -p "$PUB" r.quire site/post.txt
expect_line "$OUT" "@online{turkish2014,"
expect_line "$OUT" "  date = {2014-11},"
expect_exit 0 "$READ" cite --format bibtex -p "$PUB" dossier.quire docs/002_b5499be249b582cd.txt
expect_line "$OUT" "@misc{islamic2016,"

# ---- the progress meter at 40 columns: every frame fits, no wrapped trail ----
mkdir rnd
head -c 40000000 /dev/urandom >rnd/r.bin
expect_exit 0 "$PACK" create -q -l 1 -k "$KEY" -o rnd.quire rnd
cat >pty40.py <<'EOF'
import fcntl, os, pty, signal, struct, sys, termios
out, cmd = sys.argv[1], sys.argv[2:]
pid, master = pty.fork()
if pid == 0:
    fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 40, 0, 0))
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    os.execvp(cmd[0], cmd)
data = bytearray()
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:
        break
    if not chunk:
        break
    data += chunk
_, st = os.waitpid(pid, 0)
open(out, "wb").write(data)
sys.exit(os.waitstatus_to_exitcode(st))
EOF
frames_fit() # TTY-OUT: progress frames were drawn, each under 40 columns
{
    expect_true "a progress frame is wider than 39 columns at 40" python3 -c '
import re, sys
text = open(sys.argv[1], "rb").read().decode()
frames = [re.sub(r"\x1b\[K", "", f) for f in re.split(r"[\r\n]", text) if "%" in f]
assert frames, "no progress frame drawn: %r" % text[:200]
assert max(len(f) for f in frames) <= 39, frames
' "$1"
}
expect_exit 0 python3 pty40.py tty.out "$READ" verify --no-pager -p "$PUB" rnd.quire
frames_fit tty.out
# export: the same meter, then its one-line summary (issue 17)
expect_exit 0 python3 pty40.py tty2.out "$READ" export -p "$PUB" rnd.quire rnd.tar
frames_fit tty2.out
expect_true "export's summary line is missing" grep -q 'rnd.quire: exported 1 document (38.1 MiB) to rnd.tar' tty2.out
expect_exit 0 python3 pty40.py tty3.out "$READ" export -q -p "$PUB" rnd.quire rnd2.tar
expect_true "export -q drew something on the terminal" test ! -s tty3.out

done_ok
