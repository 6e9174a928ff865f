#!/bin/sh
# SPDX-License-Identifier: ISC
# keys_audit.sh: the trusted keys after the audit of issue 11 (findings 6, 9 and 11): a FIFO
# or a broken *.pub in the trusted directory is skipped with a warning instead of hanging or
# failing every command, writable keys and directories are warned about, two trusted keys with
# one key id are both tried (a warning names both files), a missing QUIRE_TRUSTED_KEYS is an
# error, the verifying key's file is reported, and an untrusted bundle is refused before its
# index is read.
set -eu
. "$(dirname "$0")/lib.sh"

cd "$T"
mkdir docs
printf 'a document\n' >docs/a.txt
expect_exit 0 "$PACK" keygen -W -o alice
expect_exit 0 "$PACK" keygen -W -o bob
expect_exit 0 "$PACK" create -k alice.key -o alice.quire docs
expect_exit 0 "$PACK" create -k bob.key -o bob.quire docs
akid=$(key_id alice.pub)
bkid=$(key_id bob.pub)

# mallory.pub: bob's key under alice's key id (ids are not authenticated: anyone can copy one).
python3 -c '
import base64, sys
a = base64.b64decode(open("alice.pub").read().splitlines()[1])
b = base64.b64decode(open("bob.pub").read().splitlines()[1])
open("mallory.pub", "w").write("untrusted comment: mallory\n" +
                               base64.b64encode(b[:2] + a[2:10] + b[10:]).decode() + "\n")
' || fail "cannot make mallory.pub"
ok

# ---- the trusted directory: a FIFO does not hang, broken keys are skipped ----
D=$T/trusted
mkdir "$D"
cp alice.pub "$D/"
mkfifo "$D/fifo.pub"
printf 'not a key\n' >"$D/junk.pub"
mkdir "$D/dir.pub"
ln -s "$T/alice.pub" "$D/link.pub"     # the same key again, through a link: used once
ln -s "$D/fifo.pub" "$D/tofifo.pub"
expect_exit 0 timeout 10 env QUIRE_TRUSTED_KEYS="$D" "$READ" verify alice.quire
expect_stdout_contains "signer:          $akid (trusted: $D/alice.pub)"
expect_stderr_contains "quire-read: $D/fifo.pub: warning: not used as a trusted key: public key: not a regular file"
expect_stderr_contains "quire-read: $D/tofifo.pub: warning: not used as a trusted key: public key: not a regular file"
expect_stderr_contains "quire-read: $D/dir.pub: warning: not used as a trusted key: public key: not a regular file"
expect_stderr_contains "quire-read: $D/junk.pub: warning: not used as a trusted key: public key: not a base64 minisign key"
expect_stderr_lines 4
# every command reads the directory, not only verify
expect_exit 0 timeout 10 env QUIRE_TRUSTED_KEYS="$D" "$READ" list alice.quire
expect_stdout_is "docs/a.txt"
if [ "$(id -u)" -ne 0 ]; then # root reads a mode 000 file anyway
    cp alice.pub "$D/locked.pub"
    chmod 000 "$D/locked.pub"
    expect_exit 0 env QUIRE_TRUSTED_KEYS="$D" "$READ" verify -q alice.quire
    expect_stderr_contains "$D/locked.pub: warning: not used as a trusted key: cannot open public key: Permission denied"
    rm -f "$D/locked.pub"
fi
# -p FILE must work: a FIFO or a directory given with -p is an error at once, not a hang
expect_exit 2 timeout 10 "$READ" verify -p "$D/fifo.pub" alice.quire
expect_stderr_contains "quire-read: $D/fifo.pub: public key: not a regular file"
expect_exit 2 "$READ" verify -p "$D/junk.pub" alice.quire
expect_stderr_contains "quire-read: $D/junk.pub: public key: not a base64 minisign key"
rm -rf "$D/fifo.pub" "$D/tofifo.pub" "$D/junk.pub" "$D/dir.pub" "$D/link.pub"

# ---- writable directories and keys are warned about (the key is still used) ----
expect_exit 0 env QUIRE_TRUSTED_KEYS="$D" "$READ" verify -q alice.quire
expect_stderr_empty
chmod 0777 "$D"
expect_exit 0 env QUIRE_TRUSTED_KEYS="$D" "$READ" verify -q alice.quire
expect_stderr_contains "quire-read: $D: warning: writable by group or others (mode 0777): anyone who can write here can add a trusted key"
expect_stderr_lines 1
chmod 0755 "$D"
chmod 0664 "$D/alice.pub"
expect_exit 0 env QUIRE_TRUSTED_KEYS="$D" "$READ" verify -q alice.quire
expect_stderr_contains "quire-read: $D/alice.pub: warning: writable by group or others (mode 0664): anyone who can write it can replace a trusted key"
expect_stderr_lines 1
chmod 0644 "$D/alice.pub"

# ---- two trusted keys with one key id: both kept with a warning naming both files, and every
# key with a record's id is tried, in either order (issue 16: a co-signer's id may collide) ----
expect_exit 0 "$READ" verify -p alice.pub -p mallory.pub alice.quire
expect_stderr_contains "quire-read: mallory.pub: warning: key id $akid is also that of the different key alice.pub: both are tried for records with that id"
expect_stdout_contains "signer:          $akid (trusted: alice.pub)"
expect_stderr_not_contains "altered"
expect_exit 0 "$READ" verify -p mallory.pub -p alice.pub alice.quire
expect_stderr_contains "quire-read: alice.pub: warning: key id $akid is also that of the different key mallory.pub"
expect_stdout_contains "signer:          $akid (trusted: alice.pub)"
cp mallory.pub "$D/"
expect_exit 0 env QUIRE_TRUSTED_KEYS="$D" "$READ" verify alice.quire
expect_stderr_contains "quire-read: $D/mallory.pub: warning: key id $akid is also that of the different key $D/alice.pub"
expect_stdout_contains "signer:          $akid (trusted: $D/alice.pub)"
rm "$D/mallory.pub"
# mallory.pub alone (alice's id, bob's key) does not verify alice's record: the bundle fails
expect_exit 1 "$READ" verify -p mallory.pub alice.quire
expect_stderr_contains "does not verify"
# the same key twice is harmless
expect_exit 0 "$READ" verify -q -p alice.pub -p alice.pub alice.quire
expect_stderr_empty

# ---- QUIRE_TRUSTED_KEYS must name a directory that can be read ----
expect_exit 2 env QUIRE_TRUSTED_KEYS="$T/missing" "$READ" verify alice.quire
expect_stderr_contains "quire-read: $T/missing: cannot open the trusted-keys directory (QUIRE_TRUSTED_KEYS): No such file or directory"
expect_exit 2 env QUIRE_TRUSTED_KEYS="$T/alice.pub" "$READ" list alice.quire
expect_stderr_contains "quire-read: $T/alice.pub: cannot open the trusted-keys directory (QUIRE_TRUSTED_KEYS): Not a directory"
# the default directory need not exist: nothing is trusted, and the message says where it looked
expect_exit 1 "$READ" verify alice.quire
expect_stderr_contains "which is not trusted (SPEC 9 step 6); no trusted key in $HOME/.config/quire/trusted"

# ---- which key verified, and which keys were tried ----
expect_exit 0 "$READ" info -p bob.pub -p alice.pub alice.quire docs/a.txt
expect_stdout_contains "signer:          $akid (trusted: alice.pub)"
expect_exit 0 "$READ" verify --json -p bob.pub -p alice.pub bob.quire
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["signer"]
assert s == {"key_id": sys.argv[2], "key_file": "bob.pub", "trusted": True,
             "trusted_comment": "quire bundle"}, s
' "$OUT" "$bkid" || fail "verify --json does not name bob.pub as the key file"
ok
expect_exit 0 "$READ" verify --json --any-signer alice.quire
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["signer"]
assert s["key_file"] is None and s["trusted"] is False, s
' "$OUT" || fail "verify --any-signer --json names a key file"
ok
expect_exit 1 "$READ" verify -p bob.pub alice.quire
expect_stderr_contains "quire-read: alice.quire: signed by key $akid, which is not trusted (SPEC 9 step 6); tried key $bkid (bob.pub); to trust the signer pass its public key with -p"
expect_stderr_lines 1
rm "$D/alice.pub"
cp bob.pub "$D/"
expect_exit 1 env QUIRE_TRUSTED_KEYS="$D" "$READ" verify alice.quire
expect_stderr_contains "which is not trusted (SPEC 9 step 6); tried key $bkid from $D; "

# ---- an untrusted bundle is refused before its index is read (finding 11) ----
# huge.quire: alice's signature block after a 768 MiB index that is a hole in a sparse file.
# Reading the index would make the reader's resident memory grow by as much.
python3 -c '
import struct
b = open("alice.quire", "rb").read()
ioff, isz, ssz, asz = struct.unpack("<QQQQ", b[-40:-8])
sig = b[ioff + isz:ioff + isz + ssz]
n = 768 << 20
with open("huge.quire", "wb") as f:
    f.write(b[:32])
    f.seek(32 + n)
    f.write(sig + struct.pack("<QQQQ", 32, n, ssz, 0) + b"QUIREEND")
' || fail "cannot make huge.quire"
ok
# rss CMD...: runs CMD, writes its peak resident memory in KiB to $T/rss, exits with its status.
rss()
{
    python3 -c '
import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
open(sys.argv[1], "w").write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)
' "$T/rss" "$@"
}
expect_exit 1 rss "$READ" verify -p bob.pub huge.quire
expect_stderr_contains "quire-read: huge.quire: signed by key $akid, which is not trusted"
kib=$(cat "$T/rss")
expect_true "refusing huge.quire took $kib KiB of memory: its index was read" test "$kib" -lt 262144

done_ok
