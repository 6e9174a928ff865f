#!/bin/sh
# SPDX-License-Identifier: ISC
# Installs the Debian package built by make deb and packs and verifies the fixtures with the
# installed programs, as a user of the package would. Needs root (dpkg).
set -eu
build=${1:-build-deb}
deb=$(ls "$build"/quire*.deb | head -n 1)
# README.md's "Installing" names the file make deb makes.
name=build-deb/$(basename "$deb")
grep -q -F "$name" README.md ||
    { echo "test-deb: README.md does not name $name, the file make deb made" >&2; exit 1; }
# The control file: name, Debian version, a one-line summary and an extended description whose
# lines are indented by one space and fit 80 columns (Debian policy 5.6.13).
dpkg-deb -f "$deb" Package Version | tr '\n' ' ' |
    grep -q '^Package: quire Version: [0-9.]*-[0-9]* $' ||
    { echo "test-deb: bad Package/Version: $(dpkg-deb -f "$deb" Package Version)" >&2; exit 1; }
dpkg-deb -f "$deb" Description | awk 'NR == 1 && (length($0) > 80 || $0 ~ /^ /) { bad = 1 }
    NR > 1 && ($0 !~ /^ [^ ]/ || length($0) > 80) { bad = 1 }
    END { exit bad || NR < 2 }' ||
    { echo "test-deb: malformed Description:" >&2; dpkg-deb -f "$deb" Description >&2; exit 1; }
# lintian, where installed: no error and no warning.
if command -v lintian >/dev/null; then
    lintian --fail-on error,warning "$deb" >"$build/lintian.log" 2>&1 ||
        { cat "$build/lintian.log" >&2; echo "test-deb: lintian complains" >&2; exit 1; }
fi
case $deb in /*) ;; *) deb=./$deb ;; esac
# --reinstall: a package of the same version installed before must not hide a change.
apt-get install --reinstall -y -qq "$deb" >/dev/null 2>&1 || dpkg -i "$deb"
for f in /usr/bin/quire-pack /usr/bin/quire-read /usr/share/man/man1/quire-pack.1.gz \
         /usr/share/man/man1/quire-read.1.gz /usr/share/man/man5/quire.5.gz \
         /usr/share/bash-completion/completions/quire-read \
         /usr/share/bash-completion/completions/quire-pack \
         /usr/share/zsh/vendor-completions/_quire /usr/share/doc/quire/SPEC.md \
         /usr/share/doc/quire/copyright /usr/share/doc/quire/changelog.Debian.gz; do
    [ -e "$f" ] || { echo "test-deb: $f not installed" >&2; exit 1; }
done
# Debian policy 12.5: the copyright file, machine-readable, with the licence in full.
grep -q '^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' \
    /usr/share/doc/quire/copyright && grep -q '^License: ISC$' /usr/share/doc/quire/copyright &&
    grep -q 'Permission to use, copy, modify' /usr/share/doc/quire/copyright ||
    { echo "test-deb: /usr/share/doc/quire/copyright is not the ISC copyright file" >&2; exit 1; }
# Debian policy 12.7: the changelog, compressed with gzip -9n (no name, no time stamp), its
# first entry for the package's version.
gzip -t /usr/share/doc/quire/changelog.Debian.gz && [ "$(od -An -tx1 -j4 -N4 \
    /usr/share/doc/quire/changelog.Debian.gz | tr -d ' ')" = 00000000 ] &&
    zcat /usr/share/doc/quire/changelog.Debian.gz | head -n 1 |
    grep -q -F "quire ($(dpkg-query -W -f='${Version}' quire)) unstable;" ||
    { echo "test-deb: changelog.Debian.gz missing, not gzip -n, or not for this version" >&2
      exit 1; }
# zsh finds the completion there, for both programs.
head -n 1 /usr/share/zsh/vendor-completions/_quire | grep -q -x '#compdef quire-pack quire-read' ||
    { echo "test-deb: _quire does not complete both programs" >&2; exit 1; }
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
