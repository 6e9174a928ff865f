#!/bin/sh
# SPDX-License-Identifier: ISC
# Installs quire's build and test dependencies from Debian when any is missing (libacl1-dev,
# libzstd-dev and liblz4-dev for the static libarchive.a of make static; libutf8proc-dev,
# libxml2-dev and libpoppler-glib-dev for the text module; python3.11-doc's HTML, qpdf and
# shared-mime-info (whose specification is the Debian PDF the tests read), wget for captures;
# libssl-dev for the time-stamp module (libcrypto) and openssl for the tests' local TSAs).
set -eu
pkgs="build-essential binutils cmake pkg-config clang clang-tidy libclang-rt-14-dev python3 zlib1g-dev libdeflate-dev nettle-dev libsodium-dev libarchive-dev libjansson-dev check minisign tmux zip unzip gzip strace time libacl1-dev libzstd-dev liblz4-dev file libutf8proc-dev libxml2-dev libpoppler-glib-dev qpdf shared-mime-info python3.11-doc wget libssl-dev openssl libmicrohttpd-dev"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages:$missing; run as root or install them with apt-get" >&2
    exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
