#!/bin/sh
# SPDX-License-Identifier: ISC
# firstrun.sh: a new user's first keys (issue 17). keygen makes a missing directory (0700),
# checks its output paths before it asks for a passphrase, says that it derives a key, prints
# the key id once; an empty passphrase is refused from a file, from standard input and (in
# tty.sh) from the terminal; --passphrase-file - reads standard input, for keygen and create;
# a secret key given as a public key (or the other way round) is named for what it is.
# Two scrypt runs (about 3 s each): one keygen, one create.
set -eu
. "$(dirname "$0")/lib.sh"

cd "$T"
mkdir docs
printf 'a document\n' >docs/a.txt
printf 'correct horse battery staple\n' >right.pw

# ---- keygen into a directory that does not exist, passphrase on standard input ----
expect_exit 0 sh -c 'printf "correct horse battery staple\n" | "$1" keygen --passphrase-file - -o keys/sub/pub' \
    sh "$PACK"
expect_mode keys 700
expect_mode keys/sub 700
expect_mode keys/sub/pub.key 600
expect_mode keys/sub/pub.pub 644
expect_true "keys/sub/pub.key is not an encrypted minisign key" \
    grep -qx "untrusted comment: minisign encrypted secret key" keys/sub/pub.key
expect_stderr_contains "deriving a key from the passphrase..."
expect_stderr_contains "secret key: keys/sub/pub.key"
expect_stderr_contains "public key: keys/sub/pub.pub"
# The key id once: alone on stdout, nowhere on stderr.
kid=$(key_id keys/sub/pub.pub)
expect_stdout_is "$kid"
expect_stderr_not_contains "$kid"

# ---- create with the passphrase on standard input; -q drops the "deriving" line ----
expect_exit 0 sh -c 'printf "correct horse battery staple\n" | "$1" create -q -k keys/sub/pub.key --passphrase-file - -o a.quire docs' \
    sh "$PACK"
expect_stderr_not_contains "deriving"
expect_exit 0 "$READ" verify -q -p keys/sub/pub.pub a.quire

# ---- over an existing key: refused before any prompt (no terminal, stdin /dev/null) ----
cp keys/sub/pub.key key.orig
expect_exit_notty 2 "$PACK" keygen -o keys/sub/pub
expect_stderr_contains "quire-pack: keys/sub/pub.key: cannot create: File exists (remove it first; keys are never overwritten)"
expect_stderr_not_contains "passphrase"
expect_stderr_lines 1
expect_same keys/sub/pub.key key.orig
# only the .pub exists: the same, and no .key is left behind
mkdir half
cp keys/sub/pub.pub half/k.pub
expect_exit_notty 2 "$PACK" keygen -o half/k
expect_stderr_contains "quire-pack: half/k.pub: cannot create: File exists"
expect_stderr_not_contains "passphrase"
expect_only_files half k.pub
# a directory that cannot be made: refused before any prompt, naming it
: >afile
expect_exit_notty 2 "$PACK" keygen -o afile/sub/k
expect_stderr_contains "quire-pack: afile/sub: cannot create the directory: Not a directory"
expect_stderr_not_contains "passphrase"
# a directory that cannot be written (not for root, who may write anywhere)
if [ "$(id -u)" != 0 ]; then
    mkdir ro
    chmod 500 ro
    expect_exit_notty 2 "$PACK" keygen -o ro/k
    expect_stderr_contains "quire-pack: ro/k.key: cannot create: Permission denied"
    expect_stderr_not_contains "passphrase"
fi
# NAME must name files, not a directory
expect_exit 2 "$PACK" keygen -W -o keys/
expect_stderr_contains "quire-pack: keygen: -o NAME must name the key files (NAME.key, NAME.pub), not a directory"
expect_only_files keys/sub pub.key pub.pub

# ---- a failure after the directories were made leaves none of them behind ----
expect_exit_notty 2 "$PACK" keygen -o new1/new2/k
expect_stderr_contains "there is no terminal: use --passphrase-file FILE"
expect_absent new1
# ... nor does SIGTERM while keygen waits for its passphrase (a FIFO nobody writes yet)
mkfifo wait.pw
"$PACK" keygen --passphrase-file wait.pw -o new3/k 2>"$ERR" &
pid=$!
i=0
while [ ! -e new3/k.pub ] && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
expect_file new3/k.key
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
expect_true "keygen ended with status $rc, not by SIGTERM (143)" test "$rc" -eq 143
expect_absent new3

# ---- an empty passphrase is refused everywhere, with no key made ----
: >empty.pw
expect_exit 2 "$PACK" keygen --passphrase-file empty.pw -o e1
expect_stderr_contains "quire-pack: empty.pw: the passphrase is empty (-W makes a key without one)"
expect_absent e1.key
expect_absent e1.pub
expect_exit 2 sh -c 'printf "\n" | "$1" keygen --passphrase-file - -o e2' sh "$PACK"
expect_stderr_contains "quire-pack: standard input: the passphrase is empty (-W makes a key without one)"
expect_absent e2.key
expect_exit 2 "$PACK" create -k keys/sub/pub.key --passphrase-file - -o e.quire docs </dev/null
expect_stderr_contains "quire-pack: standard input: the passphrase is empty"
expect_stderr_not_contains "deriving"
expect_absent e.quire
# a first line too long to be a passphrase, and a file that cannot be read, say so
python3 -c 'print("x" * 2000)' >long.pw
expect_exit 2 "$PACK" keygen --passphrase-file long.pw -o e3
expect_stderr_contains "quire-pack: long.pw: the passphrase (the first line) is longer than 1023 bytes"
expect_exit 2 "$PACK" keygen --passphrase-file docs -o e3
expect_stderr_contains "quire-pack: docs: cannot read the passphrase: Is a directory"
expect_absent e3.key

# ---- a secret key where a public key belongs, and the other way round ----
expect_exit 0 "$PACK" keygen -W -o plain
expect_exit 0 "$PACK" create -k plain.key -o p.quire docs
for k in plain.key keys/sub/pub.key; do
    expect_exit 2 "$READ" verify -p "$k" p.quire
    expect_stderr_contains "quire-read: $k: public key: this is a minisign secret key, not a public key (SPEC 6.1); -p takes the public key, the .pub file"
    expect_stderr_lines 1
done
expect_exit 2 "$READ" verify -p docs/a.txt p.quire
expect_stderr_contains "quire-read: docs/a.txt: public key: not a base64 minisign key (SPEC 6.1); -p takes the public key, the .pub file"
# a secret key copied into the trusted directory under a .pub name is skipped, named so
mkdir trusted
cp plain.key trusted/plain.pub
expect_exit 1 env QUIRE_TRUSTED_KEYS="$T/trusted" "$READ" verify p.quire
expect_stderr_contains "quire-read: $T/trusted/plain.pub: warning: not used as a trusted key: public key: this is a minisign secret key, not a public key (SPEC 6.1)"
expect_stderr_contains "no trusted key in $T/trusted"
expect_exit 2 "$PACK" create -k plain.pub -o q.quire docs
expect_stderr_contains "quire-pack: plain.pub: secret key: this is a minisign public key, not a secret key (SPEC 6.1)"
expect_absent q.quire

done_ok
