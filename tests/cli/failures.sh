#!/bin/sh
# SPDX-License-Identifier: ISC
# failures.sh: every way the programs are expected to refuse, with the exit status
# (1 bad or untrusted bundle, 2 usage or operational error), a message naming the file, and,
# for the packer, no output and no temporary file left behind.
set -eu
. "$(dirname "$0")/lib.sh"

cd "$T"
mkdir docs
printf 'one\n' >docs/one.txt
printf 'two\n' >docs/two.txt
expect_exit 0 "$PACK" create -k "$KEY" -o good.quire docs
expect_exit 0 "$PACK" keygen -W -o other

# ---- quire-read: inputs that are not a bundle it can accept -------------------------------

head -c 4096 /dev/urandom >random.bin
: >empty.quire
tar czf docs.tar.gz docs
printf '\211QUIRE\r\n' >magic-only.quire
# bad_bundle FILE: every command exits 1 with one line "quire-read: FILE: ..." and no output.
bad_bundle()
{
    for cmd in verify info list; do
        expect_exit 1 "$READ" "$cmd" -p "$PUB" "$1"
        expect_stderr_first_line_starts "quire-read: $1: "
        expect_stderr_lines 1
        expect_stdout_empty
    done
    expect_exit 1 "$READ" show -p "$PUB" "$1" docs/one.txt
    expect_stderr_first_line_starts "quire-read: $1: "
    expect_stderr_lines 1
    expect_stdout_empty
    expect_exit 1 "$READ" extract -p "$PUB" -C x "$1"
    expect_stderr_first_line_starts "quire-read: $1: "
    expect_stderr_lines 1
    if [ -e x ]; then
        expect_only_files x
        rmdir x
    fi
    expect_exit 1 "$READ" verify -q -p "$PUB" "$1"
    expect_stdout_empty
    expect_stderr_lines 1
}
bad_bundle random.bin
expect_stderr_contains "bad magic"
bad_bundle empty.quire
bad_bundle docs.tar.gz
bad_bundle magic-only.quire

# Signed by a key that is not trusted.
expect_exit 1 "$READ" verify -p other.pub good.quire
expect_stderr_first_line_starts "quire-read: good.quire: "
expect_stderr_contains "not trusted"
expect_stderr_lines 1
expect_stdout_empty
expect_exit 1 "$READ" extract -p other.pub -C x good.quire
expect_absent x/docs

# Operational errors: exit 2, the file named.
expect_exit 2 "$READ" verify -p "$PUB" missing.quire
expect_stderr_first_line_starts "quire-read: missing.quire: "
expect_stderr_lines 1
expect_stdout_empty
mkdir adir
expect_exit 2 "$READ" verify -p "$PUB" adir
expect_stderr_first_line_starts "quire-read: adir: "
mkfifo afifo
expect_exit 2 timeout 20 "$READ" verify -p "$PUB" afifo
expect_stderr_first_line_starts "quire-read: afifo: "
expect_exit 2 "$READ" verify -p missing.pub good.quire
expect_stderr_first_line_starts "quire-read: missing.pub: "

# Extraction directories that cannot be used: exit 2, nothing written.
: >afile
expect_exit 2 "$READ" extract -p "$PUB" -C afile good.quire
expect_stderr_first_line_starts "quire-read: afile: "
# -C makes missing parents (issue 17), but not through a file.
expect_exit 2 "$READ" extract -p "$PUB" -C afile/such/dir good.quire
expect_stderr_first_line_starts "quire-read: afile/such/dir: "
mkdir -p blocked
: >blocked/docs
expect_exit 2 "$READ" extract -p "$PUB" -C blocked good.quire
expect_stderr_first_line_starts "quire-read: good.quire: "
expect_stderr_contains "docs/one.txt"
expect_only_files blocked docs
mkdir -p isdir/docs/one.txt
expect_exit 2 "$READ" extract -p "$PUB" -C isdir good.quire
expect_stderr_contains "docs/one.txt exists as a directory"
expect_exit 2 "$READ" extract --force -p "$PUB" -C isdir good.quire
expect_stderr_contains "docs/one.txt exists as a directory"
expect_only_files isdir/docs one.txt

# stdout that cannot be written (a full disk): the data is lost, so the exit status must say
# so (2), with a message; never 0.
if [ -w /dev/full ]; then
    full()
    {
        expect_exit 2 sh -c 'exec "$@" >/dev/full' sh "$@"
        grep -q "^$(basename "$1"): .*" "$ERR" || fail "no '$(basename "$1"): ' message on stderr"
        ok
    }
    full "$READ" verify -p "$PUB" good.quire
    full "$READ" verify --json -p "$PUB" good.quire
    full "$READ" info -p "$PUB" good.quire
    full "$READ" info --json -p "$PUB" good.quire
    full "$READ" info -p "$PUB" good.quire docs/one.txt
    full "$READ" list -p "$PUB" good.quire
    full "$READ" list -l -p "$PUB" good.quire
    full "$READ" list --json -p "$PUB" good.quire
    full "$READ" show -p "$PUB" good.quire docs/one.txt
    full "$PACK" create -k "$KEY" -o full.quire docs
    full "$PACK" keygen -W -o fullkey
    full "$PACK" create --help
    for args in "--help" "--version" "verify --help"; do
        full "$READ" $args
    done
    for args in "--help" "--version" "keygen --help"; do
        full "$PACK" $args
    done
fi

# ---- usage errors: exit 2, what was wrong, then a synopsis on stderr; nothing on stdout ----

usage_error()
{
    prog=$1
    shift
    expect_exit 2 "$@"
    expect_usage_on_stderr "$prog"
    expect_stdout_empty
    # getopt's own messages must name the program too, not the command ("verify: ...").
    expect_stderr_first_line_starts "$prog: "
}
usage_error quire-read "$READ"
expect_stderr_contains "no command given"
usage_error quire-read "$READ" frobnicate good.quire
expect_stderr_contains "unknown command 'frobnicate'"
usage_error quire-read "$READ" --bogus
usage_error quire-read "$READ" verify
expect_stderr_contains "verify: expected BUNDLE..."
usage_error quire-read "$READ" info
usage_error quire-read "$READ" info -p "$PUB" good.quire docs/one.txt docs/two.txt
usage_error quire-read "$READ" list
usage_error quire-read "$READ" show -p "$PUB" good.quire
usage_error quire-read "$READ" extract
usage_error quire-read "$READ" cite -p "$PUB" good.quire
usage_error quire-read "$READ" quote -p "$PUB" good.quire docs/one.txt
usage_error quire-read "$READ" search -p "$PUB" good.quire
usage_error quire-read "$READ" diff -p "$PUB" good.quire
for cmd in verify info list show extract; do
    usage_error quire-read "$READ" "$cmd" --bogus good.quire
    usage_error quire-read "$READ" "$cmd" -Z good.quire
done
usage_error quire-read "$READ" verify good.quire -p

usage_error quire-pack "$PACK"
expect_stderr_contains "no command given"
usage_error quire-pack "$PACK" frobnicate
expect_stderr_contains "unknown command 'frobnicate'"
usage_error quire-pack "$PACK" --bogus
usage_error quire-pack "$PACK" keygen
expect_stderr_contains "-o NAME is required"
usage_error quire-pack "$PACK" keygen -W -o k extra
usage_error quire-pack "$PACK" keygen --bogus -o k
usage_error quire-pack "$PACK" keygen -o
usage_error quire-pack "$PACK" create
usage_error quire-pack "$PACK" create -o out.quire docs
expect_stderr_contains "-k KEY is required"
usage_error quire-pack "$PACK" create -k "$KEY" docs
expect_stderr_contains "-o OUT.quire is required"
usage_error quire-pack "$PACK" create -k "$KEY" -o out.quire
expect_stderr_contains "no INPUT given"
usage_error quire-pack "$PACK" create --bogus -k "$KEY" -o out.quire docs
usage_error quire-pack "$PACK" create -Z -k "$KEY" -o out.quire docs
expect_exit 2 "$PACK" create -k "$KEY" -o out.quire -l 13 docs
expect_stderr_contains "--level must be a number from 0 to 12"
expect_exit 2 "$PACK" create -k "$KEY" -o out.quire -l -1 docs
expect_stderr_contains "--level must be a number from 0 to 12"
expect_exit 2 "$PACK" create -k "$KEY" -o out.quire -l x docs
expect_exit 2 "$PACK" create -k "$KEY" -o out.quire -j x docs
expect_stderr_contains "--threads must be"
expect_absent out.quire
expect_absent k.key

# ---- --help and --version: exit 0, stdout only ------------------------------------------

help_ok()
{
    expect_exit 0 "$@"
    expect_stdout_contains "usage:"
    expect_stderr_empty
}
for h in --help -h; do
    help_ok "$READ" $h
    help_ok "$PACK" $h
    for cmd in verify info list show extract cite quote search diff; do
        help_ok "$READ" $cmd $h
    done
    help_ok "$PACK" keygen $h
    help_ok "$PACK" create $h
done
expect_exit 0 "$READ" --help
expect_stdout_contains "exit status: 0 success; 1 the bundle failed verification"
for v in --version -V; do
    expect_exit 0 "$READ" $v
    expect_stderr_empty
    grep -q '^quire-read [0-9][0-9.]* (format 2)$' "$OUT" || fail "quire-read $v printed '$(cat "$OUT")'"
    ok
    expect_exit 0 "$PACK" $v
    expect_stderr_empty
    grep -q '^quire-pack [0-9][0-9.]* (format 2)$' "$OUT" || fail "quire-pack $v printed '$(cat "$OUT")'"
    ok
done

# ---- quire-pack refusals: exit 2, the offending file named; OUT never created, no
# temporary file (.OUT.*) left, and an existing OUT left byte for byte as it was -----------

mkdir out
cp good.quire previous.quire
# refused TEXT ARGS...: `create -k KEY -o out/b.quire ARGS...` exits 2 naming TEXT, first with no
# out/b.quire, then over an existing one.
refused()
{
    text=$1
    shift
    rm -f out/b.quire
    expect_exit 2 "$PACK" create -k "$KEY" -o out/b.quire "$@"
    expect_stderr_contains "$text"
    expect_stderr_first_line_starts "quire-pack: "
    expect_stdout_empty
    expect_only_files out
    cp previous.quire out/b.quire
    expect_exit 2 "$PACK" create -k "$KEY" -o out/b.quire "$@"
    expect_stderr_contains "$text"
    expect_same out/b.quire previous.quire
    expect_only_files out b.quire
    rm out/b.quire
}

# A symlink inside an input directory, to a file and to a directory.
mkdir links
printf 'target\n' >links/real.txt
ln -s real.txt links/link.txt
refused "links: 1 symbolic link (links/link.txt -> real.txt); use -L" links
rm links/link.txt
ln -s ../docs links/dirlink
refused "links: 1 symbolic link (links/dirlink -> ../docs); use -L" links
rm links/dirlink
# A fifo.
mkdir fifos
printf 'x\n' >fifos/a.txt
mkfifo fifos/pipe
refused "fifos/pipe: refused: a fifo" fifos
# A socket, and (where device nodes can be made: as root, as in CI) a character and a block
# device.
mkdir sockets
printf 'x\n' >sockets/a.txt
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' sockets/sock
refused "sockets/sock: refused: a socket" sockets
mkdir chardev blockdev
if mknod chardev/null c 1 3 2>/dev/null && mknod blockdev/loop b 7 200 2>/dev/null; then
    refused "chardev/null: refused: a device" chardev
    refused "blockdev/loop: refused: a device" blockdev
else
    echo "failures: cannot make device nodes here (not root?): device inputs not tested" >&2
fi
# A missing input, alone and beside a good one.
refused "nothere" nothere
refused "nothere" docs nothere
# Two inputs mapping to the same bundle path.
mkdir -p one/docs two/docs
printf '1\n' >one/docs/same.txt
printf '2\n' >two/docs/same.txt
refused "both would be stored as 'docs/same.txt'" one/docs two/docs
expect_stderr_contains "one/docs/same.txt"
expect_stderr_contains "two/docs/same.txt"
refused "both would be stored as 'docs/one.txt'" docs docs
# An empty input directory, and a file whose name cannot be a bundle path.
mkdir emptydir
refused "no files found" emptydir
mkdir backslash
printf 'x\n' >'backslash/a\b.txt'
refused 'backslash/a\b.txt: refused: bundle path' backslash
mkdir badutf8 newline
printf 'x\n' >"$(printf 'badutf8/bad\377.txt')"
refused "refused: bundle path" badutf8
printf 'x\n' >"$(printf 'newline/a\nb.txt')"
refused "refused: bundle path" newline
printf 'x\n' >c:x.txt
refused "c:x.txt: refused: bundle path 'c:x.txt': drive letter" c:x.txt

# -s sources: naming a missing file, a file twice, invalid JSON, not an array, a missing file.
cat >s-missing.json <<'EOF'
[{"id": "a", "quire-files": ["docs/one.txt"]}, {"id": "b", "quire-files": ["docs/three.txt"]}]
EOF
refused "s-missing.json: item 1: field quire-files[0]: docs/three.txt: names no packed file" -s s-missing.json docs
cat >s-twice.json <<'EOF'
[{"id": "a", "quire-files": ["docs/one.txt"]}, {"id": "b", "quire-files": ["docs/one.txt"]}]
EOF
refused "s-twice.json: item 1: field quire-files[0]: docs/one.txt: file described twice" -s s-twice.json docs
cat >s-twice-in-one.json <<'EOF'
[{"id": "a", "quire-files": ["docs/one.txt", "docs/one.txt"]}]
EOF
refused "s-twice-in-one.json: item 0: field quire-files[1]: docs/one.txt: file described twice" \
    -s s-twice-in-one.json docs
printf '[{"id": "a", "quire-files": ["docs/one.txt"]}\n' >s-invalid.json
refused "s-invalid.json: sources is not valid JSON" -s s-invalid.json docs
printf '{"id": "a", "quire-files": ["docs/one.txt"]}\n' >s-object.json
refused "s-object.json: sources must be a CSL-JSON array" -s s-object.json docs
printf '"docs/one.txt"\n' >s-string.json
refused "s-string.json: sources" -s s-string.json docs
printf '[1]\n' >s-number-item.json
refused "s-number-item.json: item 0: not a JSON object" -s s-number-item.json docs
# An item without quire-files is matched by file, URL or title (a Zotero export, issue 14);
# one that matches nothing is listed and packing goes on.
printf '[{"id": "a"}]\n' >s-no-files.json
expect_exit 0 "$PACK" create -q -k "$KEY" -o nf.quire -s s-no-files.json docs
expect_stderr_contains "s-no-files.json: item 0: matched no document by file name, URL or title"
printf '[{"id": "a", "quire-files": []}]\n' >s-empty-files.json
refused "s-empty-files.json: item 0: field quire-files" -s s-empty-files.json docs
refused "s-absent.json" -s s-absent.json docs

# -m metadata that is not a JSON object, or not JSON.
printf '[1, 2]\n' >m-array.json
refused "m-array.json: metadata must be a JSON object" -m m-array.json docs
printf '"title"\n' >m-string.json
refused "m-string.json: metadata" -m m-string.json docs
printf '{"title": \n' >m-invalid.json
refused "m-invalid.json: metadata is not valid JSON" -m m-invalid.json docs
printf '{"title": "a", "title": "b"}\n' >m-dup.json
refused "m-dup.json: metadata is not valid JSON" -m m-dup.json docs
refused "m-absent.json" -m m-absent.json docs
printf '{"created": "yesterday"}\n' >m-created.json
refused "m-created.json: field created" -m m-created.json docs
printf '{"supersedes": "abc"}\n' >m-supersedes.json
refused "m-supersedes.json: field supersedes" -m m-supersedes.json docs
cat >s-date.json <<'EOF2'
[{"id": "a", "issued": {"date-parts": [[2016, 13, 2]]}, "quire-files": ["docs/one.txt"]}]
EOF2
refused "s-date.json: item 0: field issued" -s s-date.json docs

# The key: missing, or not a secret key.
rm -f out/b.quire
expect_exit 2 "$PACK" create -k nokey.key -o out/b.quire docs
expect_stderr_contains "quire-pack: nokey.key: "
expect_only_files out
expect_exit 2 "$PACK" create -k "$PUB" -o out/b.quire docs
expect_stderr_contains "quire-pack: $PUB: "
expect_only_files out

# Failures after the temporary file was made: a trusted comment the signature cannot carry,
# and an OUT that is a directory.
refused "trusted comment" -t "$(printf 'bell\007')" docs
refused "trusted comment" -t "$(head -c 1025 /dev/zero | tr '\0' c)" docs
mkdir out/b.quire
expect_exit 2 "$PACK" create -k "$KEY" -o out/b.quire docs
expect_stderr_contains "quire-pack: out/b.quire: "
expect_only_files out b.quire
expect_only_files out/b.quire
rmdir out/b.quire
# OUT in a directory that does not exist.
expect_exit 2 "$PACK" create -k "$KEY" -o nodir/b.quire docs
expect_stderr_contains "quire-pack: nodir/b.quire: "
expect_absent nodir

# Interrupted: SIGTERM while writing removes the temporary file and leaves OUT as it was.
mkdir big
head -c 50000000 /dev/urandom >big/random.bin
cp previous.quire out/b.quire
"$PACK" create -k "$KEY" -o out/b.quire -l 9 big >/dev/null 2>"$T/int.err" &
pid=$!
i=0
while [ -z "$(find out -name '.b.quire.*')" ]; do
    i=$((i + 1))
    [ $i -lt 2000 ] || { kill "$pid" 2>/dev/null || :; fail "the temporary file never appeared"; }
    sleep 0.01
done
kill -TERM "$pid"
rc=0
wait "$pid" 2>/dev/null || rc=$?
[ "$rc" -eq 143 ] || fail "interrupted create exited $rc, expected 143 (SIGTERM)"
ok
expect_only_files out b.quire
expect_same out/b.quire previous.quire
rm -r big

# A failed create never touched the inputs.
expect_exit 0 "$PACK" create -k "$KEY" -o out/b.quire docs
expect_same out/b.quire good.quire

done_ok
