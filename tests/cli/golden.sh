#!/bin/sh
# SPDX-License-Identifier: ISC
# golden.sh: the packer is deterministic and reproduces the committed golden bundle
# fixtures/dossier.quire byte for byte; SOURCE_DATE_EPOCH is the only clock it reads; the
# golden verifies against the committed test key.
set -eu
. "$(dirname "$0")/lib.sh"

cd "$SRC"

# fixtures/make-golden.sh's exact command, into a temporary path.
expect_exit 0 "$PACK" create -k fixtures/keys/test.key -o "$T/golden.quire" \
    -m fixtures/bundle.json -s fixtures/sources.json fixtures/docs
expect_file "$T/golden.quire"
expect_same "$T/golden.quire" fixtures/dossier.quire
# create prints the fingerprint (64 hex digits) on stdout, and nothing else.
fpr=$(cat "$OUT")
case $fpr in
*[!0-9a-f]*) fail "create printed '$fpr', not a lowercase hex fingerprint" ;;
esac
[ ${#fpr} -eq 64 ] || fail "create printed '$fpr', not 64 hex digits"
ok
expect_only_files "$T" golden.quire home stderr stdout

# The script itself, given our packer, rebuilds the file it checks in (run on a copy of the
# tree so the committed golden is never touched).
mkdir "$T/tree"
cp -R fixtures "$T/tree/fixtures"
rm "$T/tree/fixtures/dossier.quire"
expect_exit 0 sh "$T/tree/fixtures/make-golden.sh" "$PACK"
expect_same "$T/tree/fixtures/dossier.quire" fixtures/dossier.quire

# The number of deflate threads changes nothing.
for j in 1 2 4; do
    expect_exit 0 "$PACK" create -j $j -k fixtures/keys/test.key -o "$T/j.quire" \
        -m fixtures/bundle.json -s fixtures/sources.json fixtures/docs
    expect_same "$T/j.quire" fixtures/dossier.quire
done
rm "$T/j.quire"

# Packing the same inputs twice gives identical files, also with other options.
expect_exit 0 "$PACK" create -k "$KEY" -o "$T/a.quire" -l 9 -t "run one" fixtures/docs
expect_exit 0 "$PACK" create -k "$KEY" -o "$T/b.quire" -l 9 -t "run one" fixtures/docs
expect_same "$T/a.quire" "$T/b.quire"
# ... and different options give different bundles (the comparison above can fail).
expect_exit 0 "$PACK" create -k "$KEY" -o "$T/c.quire" -l 1 -t "run one" fixtures/docs
expect_differ "$T/a.quire" "$T/c.quire"

# The clock is never read: packing the golden's inputs with SOURCE_DATE_EPOCH set changes
# nothing, as bundle.json has its own "created".
expect_exit 0 env SOURCE_DATE_EPOCH=0 "$PACK" create -k fixtures/keys/test.key \
    -o "$T/sde.quire" -m fixtures/bundle.json -s fixtures/sources.json fixtures/docs
expect_same "$T/sde.quire" fixtures/dossier.quire

# bundle.json without "created": SOURCE_DATE_EPOCH=0 adds created 1970-01-01T00:00:00Z.
python3 - fixtures/bundle.json "$T/nocreated.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert "created" in d
del d["created"]
json.dump(d, open(sys.argv[2], "w"))
EOF
meta_created()
{
    expect_exit 0 "$READ" info --json -p "$PUB" "$1"
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metadata"].get("created", "(none)"))' \
        "$OUT" >"$T/created" || fail "info --json output is not JSON with a metadata object"
    created=$(cat "$T/created")
}
expect_exit 0 env SOURCE_DATE_EPOCH=0 "$PACK" create -k "$KEY" -o "$T/epoch0.quire" \
    -m "$T/nocreated.json" fixtures/docs
meta_created "$T/epoch0.quire"
[ "$created" = "1970-01-01T00:00:00Z" ] || fail "created is '$created', expected 1970-01-01T00:00:00Z"
ok
expect_exit 0 "$READ" info -p "$PUB" "$T/epoch0.quire"
expect_stdout_contains "  created: 1970-01-01 00:00:00 UTC"

expect_exit 0 env SOURCE_DATE_EPOCH=1700000000 "$PACK" create -k "$KEY" \
    -o "$T/epoch1.quire" -m "$T/nocreated.json" fixtures/docs
meta_created "$T/epoch1.quire"
[ "$created" = "2023-11-14T22:13:20Z" ] || fail "created is '$created', expected 2023-11-14T22:13:20Z"
ok

# Without SOURCE_DATE_EPOCH there is no "created" at all, and two runs are identical.
expect_exit 0 "$PACK" create -k "$KEY" -o "$T/noepoch.quire" -m "$T/nocreated.json" fixtures/docs
meta_created "$T/noepoch.quire"
[ "$created" = "(none)" ] || fail "created is '$created' without SOURCE_DATE_EPOCH"
ok
expect_differ "$T/noepoch.quire" "$T/epoch0.quire"
sleep 1
expect_exit 0 "$PACK" create -k "$KEY" -o "$T/noepoch2.quire" -m "$T/nocreated.json" fixtures/docs
expect_same "$T/noepoch.quire" "$T/noepoch2.quire"

# A SOURCE_DATE_EPOCH that is not a number of seconds is refused, and nothing is written.
for bad in abc 12x -1 99999999999999999999; do
    expect_exit 2 env SOURCE_DATE_EPOCH="$bad" "$PACK" create -k "$KEY" -o "$T/bad.quire" \
        -m "$T/nocreated.json" fixtures/docs
    expect_stderr_contains "SOURCE_DATE_EPOCH '$bad'"
    expect_stdout_empty
    expect_absent "$T/bad.quire"
done
expect_only_files "$T" a.quire b.quire c.quire created epoch0.quire epoch1.quire golden.quire \
    home nocreated.json noepoch.quire noepoch2.quire sde.quire stderr stdout tree

# The golden verifies with the committed test key and prints its fingerprint, the one create
# printed.
expect_exit 0 "$READ" verify -p fixtures/keys/test.pub fixtures/dossier.quire
expect_stdout_contains "fixtures/dossier.quire: OK, signature verified"
expect_stdout_contains "contents:        5 entries, "
expect_stdout_contains "fingerprint:     $fpr"
expect_stdout_contains "signer:          C90BF7336C41C400 (trusted: fixtures/keys/test.pub)"
expect_stdout_contains "trusted comment: quire bundle"
expect_stderr_empty
expect_exit 0 "$READ" verify --json -p fixtures/keys/test.pub fixtures/dossier.quire
python3 - "$OUT" "$fpr" <<'EOF' || fail "verify --json does not report the fingerprint and trust"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["fingerprint"] == sys.argv[2], j["fingerprint"]
assert j["intact"] is True and j["signature_verified"] is True
assert j["signer"]["trusted"] is True
assert j["signer"]["key_id"] == "C90BF7336C41C400"
assert j["entries"] == 5 and j["format"] == 2
EOF
ok
expect_exit 0 "$READ" verify -q -p fixtures/keys/test.pub fixtures/dossier.quire
expect_stdout_empty
expect_stderr_empty

done_ok
