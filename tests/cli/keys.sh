#!/bin/sh
# SPDX-License-Identifier: ISC
# keys.sh: key generation, passphrase-encrypted keys, trust (-p, QUIRE_TRUSTED_KEYS,
# --any-signer) and compatibility with keys made by the real minisign.
# The encrypted key costs about 3 s per use (scrypt with 1 GiB): it is made once and used twice.
set -eu
. "$(dirname "$0")/lib.sh"

cd "$T"
mkdir docs
printf 'a document\n' >docs/a.txt

# keygen -W: NAME.key mode 0600, NAME.pub; the key id on stdout is the pub file's.
expect_exit 0 "$PACK" keygen -W -o alice
expect_file alice.key
expect_file alice.pub
expect_mode alice.key 600
expect_mode alice.pub 644
kid=$(cat "$OUT")
case $kid in
????????????????) ;;
*) fail "keygen printed '$kid', not 16 characters" ;;
esac
case $kid in
*[!0-9A-F]*) fail "keygen printed '$kid', not upper-case hex" ;;
esac
ok
expect_true "alice.pub's comment does not name key id $kid" \
    grep -qx "untrusted comment: minisign public key $kid" alice.pub
expect_true "keygen printed $kid, the key in alice.pub has id $(key_id alice.pub)" \
    test "$(key_id alice.pub)" = "$kid"
expect_true "alice.pub is not two lines" test "$(wc -l <alice.pub)" -eq 2
expect_true "alice.key is not a minisign unencrypted secret key" \
    grep -qx "untrusted comment: minisign unencrypted secret key" alice.key
# The key id is printed once: on stdout, not again on stderr.
expect_stderr_not_contains "$kid"
# Mode 0600 whatever the umask.
expect_exit 0 sh -c 'umask 0 && exec "$@"' sh "$PACK" keygen -W -o open
expect_mode open.key 600
# Two keys differ.
expect_exit 0 "$PACK" keygen -W -o bob
[ "$(cat "$OUT")" != "$kid" ] || fail "two keygens gave the same key id"
ok
expect_differ alice.pub bob.pub

# keygen never overwrites: exit 2, the old key intact.
cp alice.key alice.key.orig
cp alice.pub alice.pub.orig
expect_exit 2 "$PACK" keygen -W -o alice
expect_stderr_contains "quire-pack: alice.key: cannot create"
expect_stdout_empty
expect_same alice.key alice.key.orig
expect_same alice.pub alice.pub.orig
# Only the .pub exists: still refused, and no stray .key is left behind.
mv bob.key bob.key.moved
cp bob.pub bob.pub.orig
expect_exit 2 "$PACK" keygen -W -o bob
expect_stderr_contains "bob.pub: cannot create"
expect_absent bob.key
expect_same bob.pub bob.pub.orig
mv bob.key.moved bob.key

# keygen usage errors.
expect_exit 2 "$PACK" keygen -W
expect_stderr_contains "-o NAME is required"
expect_exit 2 "$PACK" keygen -W -o x extra
expect_stderr_contains "unexpected argument"
expect_absent x.key

# An encrypted key: no passphrase source at all (no terminal, no --passphrase-file) is refused.
expect_exit_notty 2 "$PACK" keygen -o nopass
expect_stderr_contains "--passphrase-file"
expect_absent nopass.key
expect_absent nopass.pub
# An empty passphrase file is refused.
: >empty.pw
expect_exit 2 "$PACK" keygen --passphrase-file empty.pw -o nopass
expect_stderr_contains "empty.pw"
expect_absent nopass.key

# Encrypted keygen with --passphrase-file (once: scrypt with 1 GiB).
printf 'correct horse battery staple\n' >right.pw
printf 'wrong horse\n' >wrong.pw
expect_exit 0 "$PACK" keygen --passphrase-file right.pw -o enc
ekid=$(cat "$OUT")
expect_mode enc.key 600
expect_true "enc.key is not a minisign encrypted secret key" \
    grep -qx "untrusted comment: minisign encrypted secret key" enc.key
expect_true "enc.pub's comment does not name key id $ekid" \
    grep -qx "untrusted comment: minisign public key $ekid" enc.pub
expect_true "the passphrase appears in enc.key" sh -c '! grep -q "correct horse" enc.key'

# create with the wrong passphrase: exit 2, no bundle; with the right one: 0.
expect_exit 2 "$PACK" create -k enc.key --passphrase-file wrong.pw -o enc.quire docs
expect_stderr_contains "quire-pack: enc.key: "
expect_stderr_contains "wrong passphrase"
expect_absent enc.quire
expect_only_files . alice.key alice.key.orig alice.pub alice.pub.orig bob.key bob.pub \
    bob.pub.orig docs empty.pw enc.key enc.pub home open.key open.pub right.pw stderr stdout \
    wrong.pw
# An encrypted key, and no terminal and no --passphrase-file: exit 2, says what to do.
expect_exit_notty 2 "$PACK" create -k enc.key -o enc.quire docs
expect_stderr_contains "--passphrase-file"
expect_absent enc.quire
expect_exit 0 "$PACK" create -k enc.key --passphrase-file right.pw -o enc.quire docs
expect_exit 0 "$READ" verify -q -p enc.pub enc.quire
# A descriptor given on the command line, for automation: the passphrase never touches a file.
expect_exit 0 "$PACK" create -k enc.key --passphrase-file /dev/fd/3 -o fd.quire docs 3<right.pw
expect_exit 0 "$READ" verify -q -p enc.pub fd.quire
rm -f fd.quire

# A passphrase file written on Windows (CRLF) holds the same passphrase.
printf 'correct horse battery staple\r\n' >crlf.pw
expect_exit 0 "$PACK" create -k enc.key --passphrase-file crlf.pw -o crlf.quire docs
expect_same crlf.quire enc.quire
# A missing or empty passphrase file: exit 2 naming it, before any key derivation.
expect_exit 2 "$PACK" create -k enc.key --passphrase-file nothere.pw -o x.quire docs
expect_stderr_contains "quire-pack: nothere.pw: "
printf '\n' >newline.pw
expect_exit 2 "$PACK" create -k enc.key --passphrase-file newline.pw -o x.quire docs
expect_stderr_contains "quire-pack: newline.pw: "
expect_absent x.quire
# keygen beneath a file (a directory that cannot be made): exit 2, nothing made.
: >afile
expect_exit 2 "$PACK" keygen -W -o afile/k
expect_stderr_contains "quire-pack: afile/k.key: cannot create: Not a directory"
rm afile

# Trust. A bundle signed by alice:
expect_exit 0 "$PACK" create -k alice.key -o alice.quire docs
expect_exit 0 "$READ" verify -p alice.pub alice.quire
expect_stdout_contains "signer:          $kid (trusted: "
expect_stderr_empty
# verify with a different key: exit 1, "not trusted", the signer's key id named.
expect_exit 1 "$READ" verify -p bob.pub alice.quire
expect_stderr_contains "quire-read: alice.quire: signed by key $kid, which is not trusted"
expect_stderr_lines 1
expect_stdout_empty
expect_exit 1 "$READ" verify -p enc.pub -p bob.pub alice.quire
expect_stderr_contains "not trusted"
# ... one of several keys is enough.
expect_exit 0 "$READ" verify -q -p bob.pub -p alice.pub alice.quire
# --any-signer: exit 0, and stderr says the signer was NOT verified.
expect_exit 0 "$READ" verify --any-signer -p bob.pub alice.quire
expect_stderr_contains "NOT verified"
expect_stdout_contains "NOT verified"
expect_stdout_not_contains()
{
    if grep -q -F -e "$1" "$OUT"; then fail "stdout contains '$1'"; fi
    ok
}
expect_stdout_not_contains "(trusted)"
expect_exit 0 "$READ" verify --any-signer alice.quire
expect_stderr_contains "NOT verified"
expect_exit 0 "$READ" verify --any-signer --json alice.quire
python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["intact"] is True and j["signature_verified"] is False, j
assert j["signer"]["trusted"] is False and j["signer"]["key_id"] == sys.argv[2], j
' "$OUT" "$kid" || fail "verify --any-signer --json does not say the signer is unverified"
ok
# the other commands warn too
expect_exit 0 "$READ" list --any-signer alice.quire
expect_stdout_is "docs/a.txt"
expect_stderr_contains "NOT verified"
expect_exit 0 "$READ" show --any-signer alice.quire docs/a.txt
expect_stdout_is "a document"
expect_stderr_contains "NOT verified"
# --any-signer still checks every stored byte: a corrupted data region fails with exit 1.
python3 -c '
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[40] ^= 1
open(sys.argv[2], "wb").write(b)
' alice.quire corrupt.quire
expect_exit 1 "$READ" verify --any-signer corrupt.quire
expect_stderr_contains "quire-read: corrupt.quire: entry 0 (docs/a.txt)"
expect_stdout_empty
# The --any-signer warning, printed before the contents are read, must not call them intact.
expect_stderr_not_contains "contents are intact"
# With no key at all and no trusted directory: exit 1.
expect_exit 1 "$READ" verify alice.quire
expect_stderr_contains "not trusted"

# QUIRE_TRUSTED_KEYS: a directory of *.pub files, used when no -p is given.
mkdir trusted empty other
cp alice.pub trusted/
cp bob.pub other/
expect_exit 0 env QUIRE_TRUSTED_KEYS="$T/trusted" "$READ" verify alice.quire
expect_stdout_contains "signer:          $kid (trusted: "
expect_exit 1 env QUIRE_TRUSTED_KEYS="$T/empty" "$READ" verify alice.quire
expect_stderr_contains "not trusted"
expect_exit 1 env QUIRE_TRUSTED_KEYS="$T/other" "$READ" verify alice.quire
expect_stderr_contains "not trusted"
# A QUIRE_TRUSTED_KEYS that does not exist is an error, not an empty set of keys.
expect_exit 2 env QUIRE_TRUSTED_KEYS="$T/does-not-exist" "$READ" verify alice.quire
expect_stderr_contains "quire-read: $T/does-not-exist: cannot open the trusted-keys directory"
# -p replaces the directory rather than adding to it.
expect_exit 1 env QUIRE_TRUSTED_KEYS="$T/trusted" "$READ" verify -p bob.pub alice.quire
expect_stderr_contains "not trusted"
# A file not ending in .pub is not read.
cp alice.pub other/alice.pub.bak
expect_exit 1 env QUIRE_TRUSTED_KEYS="$T/other" "$READ" verify alice.quire
# The XDG default directory, $XDG_CONFIG_HOME/quire/trusted, then ~/.config/quire/trusted.
mkdir -p xdg/quire/trusted "$HOME/.config/quire/trusted"
cp alice.pub xdg/quire/trusted/
expect_exit 0 env XDG_CONFIG_HOME="$T/xdg" "$READ" verify -q alice.quire
expect_exit 1 "$READ" verify -q alice.quire
cp alice.pub "$HOME/.config/quire/trusted/"
expect_exit 0 "$READ" verify -q alice.quire

# A public key file that is not one: exit 2, the file named.
printf 'not a key\n' >bad.pub
expect_exit 2 "$READ" verify -p bad.pub alice.quire
expect_stderr_contains "quire-read: bad.pub: "
expect_exit 2 "$READ" verify -p missing.pub alice.quire
expect_stderr_contains "quire-read: missing.pub: "
# A secret key given as a public key is refused.
expect_exit 2 "$READ" verify -p alice.key alice.quire
expect_stderr_contains "quire-read: alice.key: "

# minisign compatibility: a key pair made by minisign itself signs a bundle through quire-pack,
# and quire-read accepts it with minisign's public key.
if ! command -v minisign >/dev/null 2>&1; then
    fail "minisign is not installed (needed for the compatibility test)"
fi
expect_exit 0 minisign -G -W -p mk.pub -s mk.key
expect_exit 0 "$PACK" create -k mk.key -o mk.quire docs
mkid=$(key_id mk.pub)
expect_exit 0 "$READ" verify -p mk.pub mk.quire
expect_stdout_contains "signer:          $mkid (trusted: mk.pub)"
expect_exit 1 "$READ" verify -p alice.pub mk.quire
expect_stderr_contains "signed by key $mkid"
# ... and a key made by quire-pack signs a file that minisign verifies.
printf 'signed by quire, checked by minisign\n' >msg.txt
expect_exit 0 minisign -S -s alice.key -m msg.txt -t "quire key"
expect_exit 0 minisign -V -p alice.pub -m msg.txt
expect_stdout_contains "quire key"

done_ok
