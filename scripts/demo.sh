#!/bin/sh
# SPDX-License-Identifier: ISC
# make demo: a key, a bundle of the fixture documents, its verification and its listing.
set -eu
build=${1:-build}
demo=${DEMO_DIR:-$build/demo}
rm -rf "$demo"
mkdir -p "$demo"
echo "== quire-pack keygen -W -o $demo/demo   (unencrypted demo key; drop -W for a real one)"
"$build/quire-pack" keygen -W -o "$demo/demo"
echo "== quire-pack create -k $demo/demo.key -o $demo/dossier.quire -m fixtures/bundle.json -s fixtures/sources.json fixtures/docs"
"$build/quire-pack" create -k "$demo/demo.key" -o "$demo/dossier.quire" \
    -m fixtures/bundle.json -s fixtures/sources.json fixtures/docs
echo "== quire-read verify -p $demo/demo.pub $demo/dossier.quire"
"$build/quire-read" verify -p "$demo/demo.pub" "$demo/dossier.quire"
echo "== quire-read list -l -p $demo/demo.pub $demo/dossier.quire"
"$build/quire-read" list -l -p "$demo/demo.pub" "$demo/dossier.quire"
