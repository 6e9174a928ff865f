#!/bin/sh
# SPDX-License-Identifier: ISC
# quire-read serve (issue 15) with curl against 127.0.0.1: the base URL on stdout's first line,
# exit 0 on SIGTERM; the security headers on every response; a document's bytes are show's,
# with the signed media type, also when spooled (over 1 MiB); a tampered unit is a 502 page
# naming the SPEC rule and carrying nothing of the document; Host headers of other names are
# refused (DNS rebinding); methods other than GET and HEAD are refused; paths resolve only to
# index entries; bundle text is HTML-escaped; the tree is paged; several bundles; untrusted
# signers are refused, --any-signer marks the pages; search, quote check and receipt.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "SKIP [$NAME]: no curl"; exit 0; }
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"' EXIT
DOC=docs/000_7ca1ca3d8efec858.txt

# serve_start ARGS...: starts quire-read serve --port 0 ARGS... and waits for its URL.
serve_start()
{
    CMD="$READ serve --port 0 $*"
    : >"$T/serve.out"
    "$READ" serve --port 0 "$@" >"$T/serve.out" 2>"$T/serve.err" &
    PID=$!
    n=0
    while [ ! -s "$T/serve.out" ] && kill -0 "$PID" 2>/dev/null && [ $n -lt 200 ]; do
        sleep 0.05
        n=$((n + 1))
    done
    URL=$(head -n 1 "$T/serve.out")
    BASE=${URL%/}
    HOSTPORT=${BASE#http://}
    case $URL in
    http://127.0.0.1:*/) ok ;;
    *) cp "$T/serve.err" "$ERR"; fail "serve printed no base URL: '$URL'" ;;
    esac
}

# serve_stop: SIGTERM, then exit 0 and no sanitizer report.
serve_stop()
{
    kill -TERM "$PID"
    rc=0
    wait "$PID" || rc=$?
    PID=
    cp "$T/serve.err" "$ERR"
    [ "$rc" -eq 0 ] || fail "serve exited $rc on SIGTERM"
    if grep -q -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' -e 'runtime error:' "$ERR"
    then
        fail "sanitizer report on serve's stderr"
    fi
    ok
}

# get PATH [CURL-ARGS...]: the response's status in $STATUS, headers in $T/h, body in $T/b.
get()
{
    p=$1
    shift
    CMD="curl $* $BASE$p"
    STATUS=$(curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' "$@" "$BASE$p") || STATUS=000
}

expect_status()
{
    [ "$STATUS" = "$1" ] || fail "status $STATUS, expected $1"
    ok
}

expect_header()
{
    grep -q -i -F -e "$1" "$T/h" || fail "no header '$1' in: $(tr -d '\r' <"$T/h" | tr '\n' '|')"
    ok
}

expect_body_contains()
{
    grep -q -F -e "$1" "$T/b" || fail "the body does not contain '$1'"
    ok
}

expect_body_not_contains()
{
    if grep -q -F -e "$1" "$T/b"; then
        fail "the body contains '$1'"
    fi
    ok
}

# The headers every response carries, quire's pages and documents alike.
expect_security_headers()
{
    expect_header "Content-Security-Policy: default-src '"
    expect_header "X-Content-Type-Options: nosniff"
    grep -i '^Content-Security-Policy:' "$T/h" | grep -q -i -e 'https\?:' -e "\*" &&
        fail "the CSP names an origin: $(grep -i '^Content-Security-Policy:' "$T/h")"
    ok
}

cd "$T"
expect_exit 0 "$READ" show -p "$PUB" "$FIX/dossier.quire" "$DOC"
cp "$OUT" doc.txt

# ---- one bundle: pages, documents and their headers ----
serve_start -p "$PUB" "$FIX/dossier.quire"
get /
expect_status 200
expect_security_headers
expect_header "X-Quire-Verified: yes"
expect_header "Content-Type: text/html; charset=utf-8"
expect_body_contains "Collaboration with the Islamic State: five source documents"
expect_body_contains "<strong>Verified:</strong>"
expect_body_contains "fc0789b9ab8bea27df6029a75179c3ea695b728801ada7a6f077efd98aba03d4"
expect_body_contains "C90BF7336C41C400"
expect_body_contains "href=\"/?dir=docs/\""
get "/?dir=docs/"
expect_status 200
expect_body_contains "href=\"/d/$DOC\""
expect_body_contains "href=\"/about/$DOC\""
get "/d/$DOC"
expect_status 200
expect_security_headers
expect_header "sandbox"
expect_header "script-src 'none'"
expect_header "Content-Type: text/plain"
cmp -s "$T/b" doc.txt || fail "/d/$DOC is not what show writes"
ok
get "/d/$DOC" -I
expect_status 200
expect_header "Content-Length: $(wc -c <doc.txt | tr -d ' ')"
expect_body_not_contains "Collaboration with ISIL refers" # curl -I: the headers only
n=$(curl -s -X HEAD --max-time 5 -o /dev/null -w '%{size_download}' "$BASE/d/$DOC") || true
[ "$n" = 0 ] || fail "HEAD sent a body of $n bytes"
ok
get /style.css
expect_status 200
expect_header "Content-Type: text/css"
get "/about/$DOC"
expect_status 200
expect_body_contains "14276ffa343c51ad42d96922f5680ac959a75a419d9bad8db3bab5cd71e1308b"
expect_body_contains "@misc{"
expect_body_contains "&quot;archive_location&quot;"
expect_body_contains "Unknown author (n.d.). Collaboration with ISIL."
expect_body_contains "href=\"/receipt/$DOC\""
get "/about/$DOC?quote=Collaboration+with+ISIL+refers+to+the+cooperation"
expect_body_contains "Found: the passage is in the verified document."
get "/about/$DOC?quote=Collaboration+with+ISIL+refers+to+the+friendship"
expect_body_contains "Not found:"
get "/receipt/$DOC"
expect_status 200
expect_header 'Content-Disposition: attachment; filename="000_7ca1ca3d8efec858.txt.receipt"'
cp "$T/b" r.receipt
expect_exit 0 "$READ" check-receipt -p "$PUB" r.receipt doc.txt
get "/search?q=islamic+state"
expect_status 200
expect_body_contains "matching line"
expect_body_contains "<li><a href=\"/d/docs/"
get "/search?q=zzzqqqnothing"
expect_body_contains "0 matching lines"

# ---- refused: methods, Host names, paths outside the index, oversized requests ----
for m in POST PUT DELETE OPTIONS PATCH TRACE; do
    get "/d/$DOC" -X "$m"
    expect_status 405
    expect_header "Allow: GET, HEAD"
    expect_body_not_contains "Collaboration with ISIL refers"
done
get "/d/$DOC" --data-binary "x=1"
expect_status 405
get "/d/$DOC" -X GET --data-binary "x=1"
expect_status 413
expect_body_not_contains "Collaboration with ISIL refers"
get "/d/$DOC" -X GET -H "Transfer-Encoding: chunked" --data-binary "x=1"
expect_status 413
# a request that is served leaves the connection open for the next one
CMD="curl -v $BASE/ $BASE/style.css"
curl -sv -o /dev/null -o /dev/null "$BASE/" "$BASE/style.css" 2>"$ERR" >/dev/null
grep -q "Re-using existing connection" "$ERR" || fail "the connection was not kept alive"
ok
for h in evil.example "evil.example:${HOSTPORT#*:}" "127.0.0.1.evil.example:${HOSTPORT#*:}" \
    "127.0.0.1:1" "localhost"; do
    get "/d/$DOC" -H "Host: $h"
    expect_status 421
    expect_security_headers
    expect_body_not_contains "Collaboration with ISIL refers"
done
get "/d/$DOC" -0 -H "Host:"
expect_status 421
for h in "localhost:${HOSTPORT#*:}" "LOCALHOST:${HOSTPORT#*:}" "$HOSTPORT"; do
    get "/d/$DOC" -H "Host: $h"
    expect_status 200
done
for p in /d/../../../etc/passwd /d/..%2f..%2fetc%2fpasswd /d/%2e%2e/%2e%2e/etc/passwd \
    /d//etc/passwd "/d/./$DOC" "/d/docs/../$DOC" /d/docs/nothing.txt /../etc/passwd \
    /etc/passwd /d/ "/about/../$DOC" /receipt/../x /b/1/; do
    get "$p" --path-as-is
    case $STATUS in
    404 | 302) ok ;;
    *) fail "$p: status $STATUS, expected 404 (or the redirect of a directory)" ;;
    esac
    expect_body_not_contains "root:"
    expect_body_not_contains "Collaboration with ISIL refers"
done
python3 -c 'print("a" * 40000)' >long
get / -H "X-Long: $(cat long)"
case $STATUS in
2??) fail "a 40 KB header was accepted" ;;
*) ok ;;
esac
get /
expect_status 200
serve_stop

# ---- a tampered unit: 502, the SPEC rule, nothing of the document ----
cp "$FIX/dossier.quire" bad.quire
printf '\377' | dd of=bad.quire bs=1 seek=100 conv=notrunc 2>/dev/null
expect_exit 1 "$READ" verify -p "$PUB" bad.quire
serve_start -p "$PUB" bad.quire
for p in "/d/$DOC" "/about/$DOC" "/receipt/$DOC"; do
    get "$p"
    expect_status 502
    expect_security_headers
    expect_body_contains "SPEC 9 step"
    expect_body_contains "Not verified:"
    expect_body_not_contains "Collaboration with ISIL refers"
    expect_body_not_contains "Wikipedia, the free encyclopedia"
done
get "/d/$DOC" -I
expect_status 502
get "/search?q=islamic"
expect_status 502
get /
expect_status 200
serve_stop

# ---- a document over 1 MiB is spooled, then sent whole; tampered, nothing of it ----
mkdir big
head -c 3145728 /dev/urandom >big/blob.bin
printf '<!DOCTYPE html><meta charset=utf-8><title>&lt;img src=x onerror=alert(1)&gt;</title><p>hi\n' \
    >'big/a <b> & "q".html'
printf 'p { color: red }\n' >big/style.css
printf 'document.title = "x";\n' >big/app.js
expect_exit 0 "$PACK" create -q -k "$KEY" -o big.quire big
serve_start -p "$PUB" big.quire
get /d/big/blob.bin
expect_status 200
expect_header "Content-Type: application/octet-stream"
cmp -s "$T/b" big/blob.bin || fail "the spooled document is not its bytes"
ok
get "/?dir=big/"
expect_body_contains "&lt;img src=x onerror=alert(1)&gt;"
expect_body_contains "a &lt;b&gt; &amp; &quot;q&quot;.html"
expect_body_contains "href=\"/d/big/a%20%3Cb%3E%20%26%20%22q%22.html\""
expect_body_not_contains "<img"
expect_body_not_contains "<b>"
# a stylesheet and a script by their names (a browser uses neither as text/plain with nosniff)
get /d/big/style.css
expect_header "Content-Type: text/css"
get /d/big/app.js
expect_header "Content-Type: text/javascript"
get "/d/big/a%20%3Cb%3E%20%26%20%22q%22.html"
expect_status 200
expect_header "Content-Type: text/html"
serve_stop
cp big.quire bigbad.quire
size=$(wc -c <bigbad.quire)
printf '\377' | dd of=bigbad.quire bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
serve_start -p "$PUB" bigbad.quire
get /d/big/blob.bin
expect_status 502
[ "$(wc -c <"$T/b")" -lt 10000 ] || fail "the 502 page of a damaged 3 MiB document is large"
ok
serve_stop

# ---- the tree is paged: 450 files in one directory ----
mkdir -p many/d
i=0
while [ $i -lt 450 ]; do
    echo "$i" >"many/d/f$(printf %03d $i).txt"
    i=$((i + 1))
done
mkdir many/d/sub
echo x >many/d/sub/inner.txt
expect_exit 0 "$PACK" create -q -k "$KEY" -o many.quire many
serve_start -p "$PUB" many.quire
get "/?dir=many/d/"
[ "$(grep -c '^<tr><td><a href' "$T/b")" -eq 200 ] || fail "page 1 does not list 200 entries"
ok
expect_body_contains 'rel="next" href="/?dir=many/d/&amp;page=1"'
get "/?dir=many/d/&page=2"
[ "$(grep -c '^<tr><td><a href' "$T/b")" -eq 51 ] || fail "page 3 does not list 51 entries"
ok
expect_body_contains "f449.txt"
expect_body_contains "sub/</a>"
expect_body_not_contains 'rel="next"'
expect_body_not_contains "inner.txt"
get /d/many/d
expect_status 302
expect_header "Location: /?dir=many/d/"
serve_stop

# ---- several bundles, each under its own prefix ----
serve_start -p "$PUB" "$FIX/dossier.quire" "$FIX/tiny.quire"
get /
expect_status 200
expect_body_contains 'href="/b/1/"'
expect_body_contains 'href="/b/2/"'
get "/b/1/d/$DOC"
expect_status 200
cmp -s "$T/b" doc.txt || fail "/b/1/d/$DOC is not what show writes"
ok
get "/b/1/about/$DOC"
expect_body_contains "href=\"/b/1/d/$DOC\""
get /b/2
expect_status 301
expect_header "Location: /b/2/"
get /b/2/
expect_status 200
get "/b/3/d/$DOC"
expect_status 404
get "/d/$DOC"
expect_status 404
serve_stop

# ---- signers: untrusted refused; --any-signer marks every page ----
expect_exit_notty 0 "$PACK" keygen -W -o other
expect_exit 0 "$PACK" create -q -k other.key -o other.quire big
expect_exit 1 "$READ" serve --port 0 -p "$PUB" other.quire
expect_stderr_contains "other.quire"
[ ! -s "$OUT" ] || fail "serve printed a URL for an untrusted bundle"
ok
serve_start --any-signer -p "$PUB" other.quire
get /
expect_header "X-Quire-Verified: no"
expect_body_contains "<strong>Unverified:</strong>"
expect_body_contains "Signer NOT verified"
get /d/big/blob.bin
expect_header "X-Quire-Verified: no"
get /receipt/big/blob.bin
expect_status 403
serve_stop
expect_stderr_contains "signer NOT verified"

# ---- --allow-scripts, --listen, usage ----
serve_start --allow-scripts -p "$PUB" "$FIX/dossier.quire"
get "/d/$DOC"
expect_header "sandbox allow-scripts"
get /
expect_header "default-src 'none'"
serve_stop
serve_start --listen 127.0.0.1 -p "$PUB" "$FIX/dossier.quire"
get /
expect_status 200
serve_stop
expect_stderr_contains "warning: serve: listening on 127.0.0.1"
expect_exit 2 "$READ" serve -p "$PUB" --port 70000 "$FIX/dossier.quire"
expect_stderr_contains "--port must be a number"
expect_exit 2 "$READ" serve -p "$PUB" --listen localhost --port 0 "$FIX/dossier.quire"
expect_stderr_contains "not an IPv4 or IPv6 address"
# A time-stamped bundle: the landing page states the time a trusted token proves, in words;
# without a trusted authority the token is listed as not counted.
mkdir -p tsa-trusted tsa-none
cp "$FIX/keys/tsa-ca.pem" tsa-trusted/
export QUIRE_TRUSTED_TSA="$T/tsa-trusted"
serve_start -p "$PUB" "$FIX/timestamped.quire"
get /
expect_status 200
expect_body_contains "<dt>Time-stamp</dt><dd>existed no later than 20"
serve_stop
QUIRE_TRUSTED_TSA="$T/tsa-none"
serve_start -p "$PUB" "$FIX/timestamped.quire"
get /
expect_body_contains "<dt>Time-stamp</dt><dd>UNTRUSTED, not counted ("
expect_body_not_contains "existed no later than"
serve_stop
unset QUIRE_TRUSTED_TSA

expect_exit 2 "$READ" serve -p "$PUB"
expect_exit 2 "$READ" list --port 1 -p "$PUB" "$FIX/dossier.quire"
expect_stderr_contains "option --port is not supported by list"
expect_exit 0 "$READ" serve --help
done_ok
