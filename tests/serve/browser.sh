#!/bin/sh
# SPDX-License-Identifier: ISC
# make test-serve: quire-read serve in headless chromium (browser.mjs) on the fixtures, a
# tampered copy, a hostile page and the Python documentation (Debian's python3.11-doc, packed
# with -L). Screenshots, axe-core reports and the hostile page's network log are kept in
# $QUIRE_SERVE_ARTEFACTS (default: serve-artefacts in the working directory). Needs what
# scripts/install-serve-deps.sh installs; $QUIRE_NODE_DIR is where it put the npm packages.
. "$(dirname "$0")/../cli/lib.sh"
ART=${QUIRE_SERVE_ARTEFACTS:-$PWD/serve-artefacts}
NODE_DIR=${QUIRE_NODE_DIR:-$SRC/build-node}
PYDOC=/usr/share/doc/python3.11/html
[ -f "$NODE_DIR/node_modules/axe-core/axe.min.js" ] ||
    fail "no axe-core in $NODE_DIR: run sh scripts/install-serve-deps.sh $NODE_DIR"
[ -d "$PYDOC" ] || fail "no $PYDOC: install python3.11-doc (scripts/install-deps.sh)"
command -v chromium >/dev/null || fail "no chromium: run sh scripts/install-serve-deps.sh"
rm -rf "$ART"
mkdir -p "$ART"
cd "$T"

# A port free on 127.0.0.2, the "outside" origin the hostile page loads from.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.2", 0)); print(s.getsockname()[1])')
mkdir hostile
sed "s/OUTSIDE/127.0.0.2:$port/g" "$SRC/tests/serve/hostile.html" >hostile/index.html
expect_exit 0 "$PACK" create -q -k "$KEY" -o hostile.quire hostile
expect_exit 0 "$PACK" create -q -L -k "$KEY" -o python.quire "$PYDOC"
cp "$FIX/dossier.quire" bad.quire
printf '\377' | dd of=bad.quire bs=1 seek=100 conv=notrunc 2>/dev/null
CMD="node browser.mjs"
node "$SRC/tests/serve/browser.mjs" "$NODE_DIR/node_modules" "$READ" "$PUB" "$ART" \
    "$FIX/dossier.quire" python.quire bad.quire hostile.quire hostile/index.html "$port" ||
    fail "the browser test failed (artefacts in $ART)"
ok
done_ok "artefacts in $ART"
