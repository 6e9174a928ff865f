#!/bin/sh
# SPDX-License-Identifier: ISC
# Installs what the browser and load tests of quire-read serve need (make test-serve): from
# Debian, chromium (headless), apache2-utils (ab), curl, fonts and Node.js with npm when
# missing; from npm, pinned, puppeteer-core (drives Debian's chromium; no browser download)
# and axe-core, into DIR (default build-node, which make clean removes).
set -eu
dir=${1:-build-node}
pkgs="chromium apache2-utils curl fonts-dejavu-core procps"
command -v npm >/dev/null 2>&1 || pkgs="$pkgs nodejs npm"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "installing:$missing" >&2
    if [ "$(id -u)" -ne 0 ]; then
        echo "install-serve-deps: missing packages:$missing; run as root or install them" >&2
        exit 2
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
if [ ! -f "$dir/node_modules/axe-core/axe.min.js" ] ||
    [ ! -d "$dir/node_modules/puppeteer-core" ]; then
    mkdir -p "$dir"
    PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix "$dir" --no-audit --no-fund --silent \
        puppeteer-core@24.43.1 axe-core@4.14.1 >/dev/null
fi
