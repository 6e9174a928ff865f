/* SPDX-License-Identifier: ISC */
/* receipt_vectors.c OUTDIR: writes citation receipts made by the C encoder (and some made
 * field by field, signed but breaking a rule), public keys and documents into OUTDIR, with
 * the C library's verdict on each check in OUTDIR/manifest, one line per check, TAB-separated:
 *
 *     exit  stdout  receipt  pubkey  file  what
 *
 * exit is 0 when quire_receipt_dearmour, _parse, _verify (and _match_sha256 with the file's
 * SHA-256 when file is not "-") accept it, 1 otherwise; stdout is what tests/py/quire_receipt.py
 * must print for an accepted receipt ("ok PATH SHA256HEX"), "-" for a refused one.
 * tests/py/receipt_agree.py runs the Python checker on every line. Each check is also one
 * this program expects to pass or fail by design: if the C verdict differs, it exits 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "quire_merkle.h"
#include "quire_private.h"
#include "receipt_build.h"

static const char *outdir;
static FILE *manifest;
static quire_pubkey keys[3]; /* key.pub, other.pub, sameid.pub */
static const char *const key_files[3] = {"key.pub", "other.pub", "sameid.pub"};
static int failures, checks;

static void put_file(const char *name, const void *p, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", outdir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(2);
    }
}

static uint8_t *get_file(const char *name, size_t *n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", outdir, name);
    FILE *f = fopen(path, "rb");
    uint8_t *b = malloc(4u << 20);
    if (f == NULL || b == NULL) {
        perror(path);
        exit(2);
    }
    *n = fread(b, 1, 4u << 20, f);
    fclose(f);
    return b;
}

/* The C verdict on receipt file `name` checked with key `key` (and document `doc` or NULL). */
static int c_verdict(const char *name, int key, const char *doc, char *out, size_t cap)
{
    size_t tlen, blen;
    uint8_t *text = get_file(name, &tlen), *bin = NULL;
    quire_receipt r;
    quire_error err = {0};
    int rc = quire_receipt_dearmour(text, tlen, &bin, &blen, &err);
    if (rc == QUIRE_OK)
        rc = quire_receipt_parse(bin, blen, &r, &err);
    if (rc == QUIRE_OK)
        rc = quire_receipt_verify(&r, &keys[key], 1, NULL, &err);
    if (rc == QUIRE_OK && doc != NULL) {
        size_t dlen;
        uint8_t *d = get_file(doc, &dlen), sha[32];
        crypto_hash_sha256(sha, d, dlen);
        rc = quire_receipt_match_sha256(&r, sha, &err);
        free(d);
    }
    if (rc == QUIRE_OK) {
        char hex[65];
        sodium_bin2hex(hex, sizeof hex, r.sha256, 32);
        snprintf(out, cap, "ok %.*s %s", (int)r.path_len, r.path, hex);
    } else {
        snprintf(out, cap, "-");
    }
    free(text);
    free(bin);
    return rc == QUIRE_OK ? 0 : 1;
}

/* One line of the manifest; `want` is what the design says the verdict is. */
static void emit(const char *name, int key, const char *doc, int want, const char *what)
{
    char out[8192];
    int got = c_verdict(name, key, doc, out, sizeof out);
    checks++;
    if (got != want) {
        fprintf(stderr, "receipt_vectors: %s (%s): C says %d, expected %d\n", name, what, got,
                want);
        failures++;
    }
    fprintf(manifest, "%d\t%s\t%s\t%s\t%s\t%s\n", got, out, name, key_files[key],
            doc != NULL ? doc : "-", what);
}

/* Writes a receipt, binary or armoured. */
static void put_receipt(const char *name, const uint8_t *b, size_t n, bool armour)
{
    char *text;
    size_t tlen;
    quire_error err = {0};
    if (!armour) {
        put_file(name, b, n);
        return;
    }
    if (quire_receipt_armour(b, n, &text, &tlen, &err) != QUIRE_OK) {
        fprintf(stderr, "receipt_vectors: armour: %s\n", err.msg);
        exit(2);
    }
    put_file(name, text, tlen);
    free(text);
}

static void must(int rc, const quire_error *err)
{
    if (rc != QUIRE_OK) {
        fprintf(stderr, "receipt_vectors: %s\n", err->msg);
        exit(2);
    }
}

/* Every entry of trees of 1, 3 and 10 entries, with and without the document, with the
 * right key, an unknown one and one with the right id but the wrong key. */
static void valid_receipts(const rb_key *k)
{
    static const uint32_t sizes[] = {1, 3, 10};
    for (size_t s = 0; s < 3; s++) {
        rb_tree t;
        rb_tree_make(&t, sizes[s], k);
        for (uint32_t i = 0; i < t.n; i++) {
            uint8_t *b;
            size_t n;
            char name[64], doc[64], other[64];
            quire_error err = {0};
            must(rb_receipt(&t, k, i, &b, &n, &err), &err);
            snprintf(name, sizeof name, "r-%u-%u.%s", t.n, i, i % 2 ? "txt" : "qrc");
            snprintf(doc, sizeof doc, "doc-%u.txt", i);
            snprintf(other, sizeof other, "doc-%u.txt", i + 1);
            put_receipt(name, b, n, i % 2 == 1);
            emit(name, 0, NULL, 0, "valid");
            emit(name, 0, doc, 0, "valid, with its document");
            if (t.n == 10 && i % 3 == 0) {
                emit(name, 0, other, 1, "another document");
                emit(name, 1, NULL, 1, "untrusted key");
                emit(name, 2, NULL, 1, "the right key id on another key");
            }
            free(b);
        }
        rb_tree_free(&t);
    }
}

/* Bits flipped in two receipts, a few dozen spread over every field. */
static void flipped_receipts(const rb_key *k)
{
    static const uint32_t which[] = {7, 2};
    rb_tree t;
    rb_tree_make(&t, 10, k);
    for (size_t w = 0; w < 2; w++) {
        uint8_t *b;
        size_t n;
        quire_error err = {0};
        must(rb_receipt(&t, k, which[w], &b, &n, &err), &err);
        size_t bits = n * 8, step = bits / 30;
        size_t extra[] = {77 * 8 + 7, 238 * 8, 242 * 8 + 1, (246 + t.lens[which[w]]) * 8, bits - 1};
        for (size_t j = 0; j < 30 + 5; j++) {
            size_t bit = j < 30 ? j * step + (j * 5) % 8 : extra[j - 30];
            char name[64], what[64];
            b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            snprintf(name, sizeof name, "flip-%u-%zu.qrc", which[w], bit);
            snprintf(what, sizeof what, "bit %zu of byte %zu flipped", bit % 8, bit / 8);
            put_file(name, b, n); /* armour would refuse what parse refuses: binary only */
            emit(name, 0, NULL, 1, what);
            b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        free(b);
    }
    rb_tree_free(&t);
}

/* A two-entry tree whose entry 0 is leaf L0 (entry 1 a plain document), correctly rooted and
 * signed, after `patch` has changed the statement (if not NULL): its receipt for entry 0. */
static void signed_pair(const rb_key *k, const char *name, const uint8_t *L0, size_t n0,
                        void (*patch)(uint8_t *st), int want, const char *what)
{
    uint8_t L1[128], sha[32] = {0}, hashes[2][32], root[32], st[QUIRE_STATEMENT_BYTES], sig[64];
    size_t n1 = rb_leaf(L1, sizeof L1, "zz", 0, sha, 1, 0, QUIRE_LINK_NONE, NULL), len;
    quire_merkle m;
    quire_entry_leaf_hash(L0, n0, hashes[0]);
    quire_entry_leaf_hash(L1, n1, hashes[1]);
    quire_merkle_init(&m);
    quire_merkle_update(&m, hashes[0]);
    quire_merkle_update(&m, hashes[1]);
    quire_merkle_final(&m, root);
    rb_statement(st, 2, 100, root);
    if (patch != NULL)
        patch(st);
    rb_sign(k, st, sig);
    uint8_t *b =
        rb_raw_receipt(k->key_id, sig, st, 0, L0, n0, (const uint8_t(*)[32])hashes[1], 1, &len);
    put_file(name, b, len);
    emit(name, 0, NULL, want, what);
    free(b);
}

static void version_1(uint8_t *st)
{
    quire_store16(st + QUIRE_STATEMENT_OFF_HEADER + 8, 1);
}

static void too_few_pages(uint8_t *st)
{
    quire_store32(st + QUIRE_STATEMENT_OFF_PAGE_COUNT, 0);
}

static void small_index(uint8_t *st)
{
    quire_store64(st + QUIRE_STATEMENT_OFF_INDEX_SIZE, 160);
}

/* Signed receipts that break a rule of the leaf or the statement, and edge cases of the
 * canonical JSON both checkers must judge alike. */
static void signed_rule_breakers(const rb_key *k)
{
    static const struct {
        const char *path, *meta;
        uint8_t role, flags;
        uint32_t link;
        int want;
        const char *what;
    } cases[] = {
        {"a/../b", NULL, 1, 0, UINT32_MAX, 1, "'..' in the path"},
        {"a//b", NULL, 1, 0, UINT32_MAX, 1, "empty path component"},
        {"c:/b", NULL, 1, 0, UINT32_MAX, 1, "drive letter"},
        {"a\xc2\x85z", NULL, 1, 0, UINT32_MAX, 1, "C1 control in the path"},
        {"a\xed\xa0\x80z", NULL, 1, 0, UINT32_MAX, 1, "UTF-8 surrogate in the path"},
        {"a\xc0\xafz", NULL, 1, 0, UINT32_MAX, 1, "overlong UTF-8 in the path"},
        {"a\xe2\x80\xaez", NULL, 1, 0, UINT32_MAX, 0, "bidi control in the path (allowed)"},
        {"a", NULL, 3, 0, UINT32_MAX, 1, "role 3"},
        {"a", NULL, 1, 0x80, UINT32_MAX, 1, "reserved flag"},
        {"a", NULL, 1, 0, 0, 1, "link to itself"},
        {"a", NULL, 1, 0, 1, 0, "link to entry 1 (its role is not in the receipt)"},
        {"a", NULL, 2, 0, 1, 1, "an original that links"},
        {"a", "{\"b\":1,\"a\":2}", 1, 0, UINT32_MAX, 1, "names out of order"},
        {"a", "{\"a\":1,\"a\":1}", 1, 0, UINT32_MAX, 1, "duplicate names"},
        {"a", "{\"a\":1.0}", 1, 0, UINT32_MAX, 1, "a fraction"},
        {"a", "{\"a\":1e3}", 1, 0, UINT32_MAX, 1, "an exponent"},
        {"a", "{\"a\":9007199254740992}", 1, 0, UINT32_MAX, 1, "2^53"},
        {"a", "{\"a\":-0}", 1, 0, UINT32_MAX, 1, "-0"},
        {"a", "{\"a\":\"\\u0000\"}", 1, 0, UINT32_MAX, 1, "U+0000"},
        {"a", "{\"a\":\"\\u00e9\"}", 1, 0, UINT32_MAX, 1, "an escaped e-acute"},
        {"a", "{\"a\":\"\\u001F\"}", 1, 0, UINT32_MAX, 1, "upper-case hex escape"},
        {"a", "{\"a\":\"\\/\"}", 1, 0, UINT32_MAX, 1, "escaped solidus"},
        {"a", "{\"a\":\"\x7f\"}", 1, 0, UINT32_MAX, 0, "raw DEL"},
        {"a", "{\"a\":\"\\ud800\"}", 1, 0, UINT32_MAX, 1, "lone surrogate escape"},
        {"a", "{\"\xf0\x9f\x98\x80\":1,\"\xef\xbd\xa1\":2}", 1, 0, UINT32_MAX, 0,
         "names in UTF-16 order"},
        {"a", "{\"\xef\xbd\xa1\":2,\"\xf0\x9f\x98\x80\":1}", 1, 0, UINT32_MAX, 1,
         "names in code point order"},
        {"a", "{\"a\":[true,false,null,{},[],\"\"]}", 1, 0, UINT32_MAX, 0, "every kind of value"},
        {"a", "[]", 1, 0, UINT32_MAX, 1, "an array"},
        {"a", "{}", 1, 0, UINT32_MAX, 0, "an empty object"},
        {"a", "{} ", 1, 0, UINT32_MAX, 1, "trailing space"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        uint8_t L[256], sha[32];
        char name[32];
        crypto_hash_sha256(sha, (const uint8_t *)"x", 1);
        size_t n = rb_leaf(L, sizeof L, cases[c].path, 1, sha, cases[c].role, cases[c].flags,
                           cases[c].link, cases[c].meta);
        snprintf(name, sizeof name, "rule-%02zu.qrc", c);
        signed_pair(k, name, L, n, NULL, cases[c].want, cases[c].what);
    }
    /* JSON nested 64 levels (allowed) and 65 (refused), counting the innermost value */
    for (int depth = 64; depth <= 65; depth++) {
        char meta[256] = "", name[32];
        uint8_t L[512], sha[32] = {0};
        for (int d = 1; d < depth; d++)
            strcat(meta, d == 1 ? "{\"a\":" : "[");
        strcat(meta, "1");
        for (int d = depth - 1; d >= 1; d--)
            strcat(meta, d == 1 ? "}" : "]");
        size_t n = rb_leaf(L, sizeof L, "a", 1, sha, 1, 0, UINT32_MAX, meta);
        snprintf(name, sizeof name, "depth-%d.qrc", depth);
        signed_pair(k, name, L, n, NULL, depth == 64 ? 0 : 1, "nested JSON");
    }
    uint8_t L[64], sha[32] = {0};
    size_t n = rb_leaf(L, sizeof L, "a", 1, sha, 1, 0, UINT32_MAX, NULL);
    signed_pair(k, "st-ok.qrc", L, n, NULL, 0, "a good statement");
    signed_pair(k, "st-version.qrc", L, n, version_1, 1, "statement of format 1");
    signed_pair(k, "st-pages.qrc", L, n, too_few_pages, 1, "no entry pages");
    signed_pair(k, "st-index.qrc", L, n, small_index, 1, "index smaller than its parts");
    n = rb_leaf(L, sizeof L, "a", 101, sha, 1, 0, UINT32_MAX, NULL);
    signed_pair(k, "st-size.qrc", L, n, NULL, 1, "leaf larger than the stream");
}

/* Framing: bytes appended or cut, the proof length and leaf index changed, armour damaged. */
static void framing(const rb_key *k)
{
    rb_tree t;
    uint8_t *b, *x;
    size_t n;
    char *text;
    size_t tlen;
    quire_error err = {0};
    rb_tree_make(&t, 10, k);
    must(rb_receipt(&t, k, 5, &b, &n, &err), &err);
    x = malloc(n + 32);
    memcpy(x, b, n);
    x[n] = '\n';
    put_file("trailing.qrc", x, n + 1);
    emit("trailing.qrc", 0, NULL, 1, "a byte appended");
    put_file("cut.qrc", x, n - 1);
    emit("cut.qrc", 0, NULL, 1, "the last byte cut");
    memset(x + n, 0, 32);
    x[246 + t.lens[5]]++;
    put_file("proof-long.qrc", x, n + 32);
    emit("proof-long.qrc", 0, NULL, 1, "one more proof hash");
    memcpy(x, b, n);
    quire_store32(x + 238, 10);
    put_file("index-10.qrc", x, n);
    emit("index-10.qrc", 0, NULL, 1, "leaf index = entry count");
    quire_store32(x + 238, 4);
    put_file("index-4.qrc", x, n);
    emit("index-4.qrc", 0, NULL, 1, "another leaf index");
    must(quire_receipt_armour(b, n, &text, &tlen, &err), &err);
    char *crlf = malloc(2 * tlen), *nl = strchr(text, '\n');
    size_t head = (size_t)(nl - text);
    memcpy(crlf, text, head);
    memcpy(crlf + head, "\r\n", 2);
    memcpy(crlf + head + 2, nl + 1, tlen - head - 2);
    memcpy(crlf + tlen, "\r\n", 2);
    put_file("armour-crlf.txt", crlf, tlen + 2);
    emit("armour-crlf.txt", 0, "doc-5.txt", 0, "armour with CR LF line ends");
    put_file("armour-bare.txt", nl + 1, tlen - head - 1);
    emit("armour-bare.txt", 0, NULL, 0, "armour without its comment line");
    text[tlen - 3] = text[tlen - 3] == 'A' ? 'B' : 'A';
    put_file("armour-bad.txt", text, tlen);
    emit("armour-bad.txt", 0, NULL, 1, "a base64 character changed");
    free(crlf);
    free(text);
    free(x);
    free(b);
    rb_tree_free(&t);
}

int main(int argc, char **argv)
{
    rb_key k, other;
    char pub[256], path[4096];
    if (argc != 2) {
        fprintf(stderr, "usage: receipt_vectors OUTDIR\n");
        return 2;
    }
    outdir = argv[1];
    rb_key_random(&k);
    rb_key_random(&other);
    rb_key_pub(&k, &keys[0]);
    rb_key_pub(&other, &keys[1]);
    keys[2] = keys[1];
    memcpy(keys[2].key_id, k.key_id, sizeof k.key_id);
    rb_key_pubfile(&k, pub, sizeof pub);
    put_file("key.pub", pub, strlen(pub));
    rb_key_pubfile(&other, pub, sizeof pub);
    put_file("other.pub", pub, strlen(pub));
    memcpy(other.key_id, k.key_id, sizeof k.key_id);
    rb_key_pubfile(&other, pub, sizeof pub);
    put_file("sameid.pub", pub, strlen(pub));
    for (uint32_t i = 0; i <= 10; i++) {
        char content[32], name[32];
        size_t n = rb_content(i, content);
        snprintf(name, sizeof name, "doc-%u.txt", i);
        put_file(name, content, n);
    }
    snprintf(path, sizeof path, "%s/manifest", outdir);
    manifest = fopen(path, "w");
    if (manifest == NULL) {
        perror(path);
        return 2;
    }
    valid_receipts(&k);
    flipped_receipts(&k);
    signed_rule_breakers(&k);
    framing(&k);
    if (fclose(manifest) != 0) {
        perror(path);
        return 2;
    }
    printf("receipt_vectors: %d checks, %d where C disagrees with the design\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
