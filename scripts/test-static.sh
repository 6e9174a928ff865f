#!/bin/sh
# SPDX-License-Identifier: ISC
# make test-static: builds the static programs with `make static` (whose output must be quiet),
# checks they are statically linked, and runs them in an empty chroot holding nothing but the
# two programs, the test key pair, the golden bundle and its inputs: no shared library, no
# dynamic loader, no /etc, no /dev. verify, list, show, extract and create must work there,
# and export must say it is unavailable. Run from the source tree as `sh scripts/test-static.sh
# [BUILD]` (the programs are built in BUILD-static, default build-static); needs root for
# chroot, or unprivileged user namespaces (unshare -r).
set -eu
build=${1:-build}-static
passed=0
fail()
{
    echo "test-static: FAIL: $*" >&2
    exit 1
}
ok()
{
    passed=$((passed + 1))
}

# ---- make static is quiet: only what the build produced, compiler and linker messages ----
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=$work/log
out=$work/stdout
err=$work/stderr
root=$work/root
mkdir "$root"
make --no-print-directory static BUILD="${build%-static}" WERROR=ON >"$log" 2>&1 ||
    { cat "$log" >&2; fail "make static failed"; }
if grep -E -e '^-- ' -e '\[ *[0-9]+%\]' -e 'Built target' -e '^cmake ' -e 'Entering directory' \
    "$log" >&2; then
    fail "make static is not quiet (lines above)"
fi
grep -q -x "built $build/quire-pack $build/quire-read" "$log" ||
    fail "make static does not name the programs it built"
ok
make --no-print-directory static BUILD="${build%-static}" WERROR=ON V=1 >"$log" 2>&1
grep -q '^cmake --build ' "$log" || fail "make static V=1 does not show the commands"
ok

# ---- statically linked: no dynamic loader, no NEEDED library ----
for prog in quire-read quire-pack; do
    bin=$build/$prog
    file -b "$bin" | grep -q -E 'statically linked|static-pie linked' ||
        fail "$prog: file says: $(file -b "$bin")"
    ldd "$bin" 2>&1 | grep -q -E 'statically linked|not a dynamic executable' ||
        fail "$prog: ldd says: $(ldd "$bin" 2>&1)"
    if readelf -lW "$bin" | grep -q 'INTERP' || readelf -dW "$bin" | grep -q '(NEEDED)'; then
        fail "$prog: has a program interpreter or needs a shared library"
    fi
    ok
done

# ---- the chroot: the programs and the fixtures, nothing else ----
cp "$build/quire-read" "$build/quire-pack" "$root/"
cp fixtures/keys/test.pub "$root/k.pub"
cp fixtures/keys/test.key "$root/k.key"
cp fixtures/dossier.quire "$root/b.quire"
cp fixtures/timestamped.quire "$root/t.quire"
cp fixtures/keys/tsa-ca.pem "$root/tsa-ca.pem"
cp fixtures/bundle.json fixtures/sources.json "$root/"
cp -R fixtures/docs "$root/docs"
tar -czf "$root/docs.tar.gz" -C fixtures docs
mkdir "$root/tmp"
if find "$root" -name '*.so*' | grep -q . || [ -e "$root/lib" ] || [ -e "$root/etc" ]; then
    fail "the chroot is not empty of libraries"
fi
chroot=$(command -v chroot || echo /usr/sbin/chroot)
run_in()
{
    if [ "$(id -u)" -eq 0 ]; then
        env -i TMPDIR=/tmp "$chroot" "$root" "$@"
    else
        env -i TMPDIR=/tmp "$(command -v unshare)" -r "$chroot" "$root" "$@"
    fi
}
# expect CODE CMD...: runs CMD inside the chroot, stdout in $out, stderr in $err.
expect()
{
    want=$1
    shift
    rc=0
    run_in "$@" >"$out" 2>"$err" || rc=$?
    [ "$rc" -eq "$want" ] || { cat "$err" >&2; fail "in the chroot: $*: exit $rc, expected $want"; }
    ok
}

expect 0 /quire-read verify -p /k.pub /b.quire
expect 0 /quire-read list -p /k.pub /b.quire
(cd fixtures && find docs -type f | LC_ALL=C sort) >"$log"
cmp -s "$log" "$out" || fail "list in the chroot differs from fixtures/docs"
first=$(head -n 1 "$log")
expect 0 /quire-read show -p /k.pub /b.quire "$first"
cmp -s "fixtures/$first" "$out" || fail "show $first in the chroot differs"
expect 0 /quire-read extract -q -p /k.pub -C /out /b.quire
diff -r fixtures/docs "$root/out/docs" >&2 ||
    fail "extract in the chroot differs from fixtures/docs"
ok
# A forged bundle is still refused: one byte of a document flipped.
cp "$root/b.quire" "$root/bad.quire"
printf '\377' | dd of="$root/bad.quire" bs=1 seek=100 conv=notrunc 2>/dev/null
expect 1 /quire-read verify -p /k.pub /bad.quire
# The packer: the golden bundle byte for byte, and an archive through the static libarchive.
expect 0 /quire-pack create -q -k /k.key -o /d.quire -m /bundle.json -s /sources.json /docs
cmp -s fixtures/dossier.quire "$root/d.quire" ||
    fail "create in the chroot is not the golden bundle"
ok
expect 0 /quire-pack create -q -k /k.key -o /a.quire -a /docs.tar.gz
expect 0 /quire-read list -p /k.pub /a.quire
cmp -s "$log" "$out" || fail "the bundle packed from docs.tar.gz lists other files"
# export loads libarchive at run time, which the static reader cannot: it says so, exit 2.
expect 2 /quire-read export --format tar -p /k.pub /b.quire /x.tar
grep -q 'export is not available in the static quire-read' "$err" ||
    fail "export in the static reader: $(head -n 1 "$err")"
[ ! -e "$root/x.tar" ] || fail "export left /x.tar behind"
ok
# Time-stamp tokens need the module, which the static reader cannot load (SPEC 7.1): a token
# is reported as not checked, never as trusted, and --tsa-ca (the check asked for) exits 2.
expect 0 /quire-read verify -p /k.pub /t.quire
grep -q '^timestamp: *NOT checked: the static quire-read cannot load the time-stamp module' \
    "$out" || fail "a token in the static reader: $(grep timestamp "$out")"
! grep -q 'existed no later than' "$out" || fail "the static reader reported a time"
ok
expect 2 /quire-read verify -p /k.pub --tsa-ca /tsa-ca.pem /t.quire
grep -q 'time-stamp tokens cannot be checked (SPEC 7.1)' "$err" ||
    fail "--tsa-ca in the static reader: $(head -n 1 "$err")"
ok
# serve loads libmicrohttpd at run time: unavailable too, exit 2, nothing listening.
expect 2 /quire-read serve --port 0 -p /k.pub /b.quire
grep -q 'serve is not available in the static quire-read' "$err" ||
    fail "serve in the static reader: $(head -n 1 "$err")"
ok
echo "test-static: $(du -k "$build/quire-read" | cut -f1) KiB quire-read," \
    "$(du -k "$build/quire-pack" | cut -f1) KiB quire-pack, statically linked, run in an empty" \
    "chroot: $passed passed, 0 failed"
