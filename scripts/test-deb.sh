#!/bin/sh
# SPDX-License-Identifier: ISC
# Installs the Debian package built by make deb and packs and verifies the fixtures with the
# installed programs, as a user of the package would. Needs root (dpkg).
set -eu
build=${1:-build-deb}
deb=$(ls "$build"/quire*.deb | head -n 1)
apt-get install -y -qq "./$deb" >/dev/null 2>&1 || dpkg -i "$deb"
for f in /usr/bin/quire-pack /usr/bin/quire-read /usr/share/man/man1/quire-pack.1.gz \
         /usr/share/man/man1/quire-read.1.gz /usr/share/man/man5/quire.5.gz \
         /usr/share/bash-completion/completions/quire-read /usr/share/doc/quire/SPEC.md \
         /usr/share/doc/quire/copyright; do
    [ -e "$f" ] || { echo "test-deb: $f not installed" >&2; exit 1; }
done
# Debian policy 12.5: the copyright file, machine-readable, with the licence in full.
grep -q '^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' \
    /usr/share/doc/quire/copyright && grep -q '^License: ISC$' /usr/share/doc/quire/copyright &&
    grep -q 'Permission to use, copy, modify' /usr/share/doc/quire/copyright ||
    { echo "test-deb: /usr/share/doc/quire/copyright is not the ISC copyright file" >&2; exit 1; }
# The hardening of the release build (tests/build/hardening.sh), on the installed programs.
sh tests/build/hardening.sh /usr/bin/quire-read /usr/bin/quire-pack
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/quire-pack create -q -k fixtures/keys/test.key -o "$work/d.quire" \
    -m fixtures/bundle.json -s fixtures/sources.json fixtures/docs >/dev/null
cmp "$work/d.quire" fixtures/dossier.quire
/usr/bin/quire-read verify -q -p fixtures/keys/test.pub "$work/d.quire"
/usr/bin/quire-read extract -q -p fixtures/keys/test.pub -C "$work/out" "$work/d.quire"
diff -r "$work/out/docs" fixtures/docs
man -w quire-read >/dev/null 2>&1 || true
echo "test-deb: $(dpkg-query -W -f='${Package} ${Version}' quire) installed, packs the golden bundle byte for byte and verifies: 1 passed, 0 failed"
