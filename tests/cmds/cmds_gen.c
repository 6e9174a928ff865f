/* SPDX-License-Identifier: ISC */
/* cmds_gen.c: quire-cmds-gen KEY OUTDIR FIRST COUNT. For each seed from FIRST, writes two
 * validly signed bundles with hostile metadata, paths, comments and documents,
 * OUTDIR/SEED/a.quire and b.quire (b shares some of a's paths and declares some
 * "supersedes"), and OUTDIR/SEED/plan, which tells run.py what to ask for: one line per entry
 * of a ("entry PATH SHA256"), passages to quote ("passage PATH TEXT") and search queries
 * ("query TEXT"), all hex. The same seed makes the same files everywhere. Test code. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cmds_bundle.h"
#include "cmds_rand.h"

#define MAX_ENTRIES 8

_Noreturn static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("quire-cmds-gen: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static quire_seckey *load_key(const char *path)
{
    char text[4096];
    quire_seckey *sk = NULL;
    quire_error err;
    FILE *f = fopen(path, "r");
    size_t n = f != NULL ? fread(text, 1, sizeof text, f) : 0;
    if (f == NULL)
        die("%s: %s", path, strerror(errno));
    fclose(f);
    if (quire_seckey_parse(text, n, NULL, &sk, &err) != QUIRE_OK)
        die("%s: %s", path, err.msg);
    return sk;
}

/* A generated bundle: the entries and the buffers they point into. */
typedef struct gen {
    cmds_entry e[MAX_ENTRIES];
    gbuf path[MAX_ENTRIES], meta[MAX_ENTRIES], doc[MAX_ENTRIES];
    size_t n;
    gbuf bmeta, comment;
    uint8_t fp[QUIRE_FINGERPRINT_BYTES];
} gen;

static void gen_free(gen *g)
{
    for (size_t i = 0; i < MAX_ENTRIES; i++)
        gb_free(&g->path[i]), gb_free(&g->meta[i]), gb_free(&g->doc[i]);
    gb_free(&g->bmeta), gb_free(&g->comment);
}

/* Entry i gets a new path (one that passes SPEC 4), provenance and document. */
static void gen_entry(cr_rng *r, gen *g, size_t i)
{
    do {
        g->path[i].len = 0;
        cr_path(r, &g->path[i]);
    } while (quire_path_check((const char *)g->path[i].p, g->path[i].len, NULL) != QUIRE_OK);
    if (cr_pct(r, 85))
        cr_csl_item(r, &g->meta[i]);
    cr_document(r, &g->doc[i], cr_pct(r, 40));
    g->e[i] = (cmds_entry){.link = -1};
}

static void sync_entries(gen *g)
{
    for (size_t i = 0; i < g->n; i++) {
        g->e[i].path = g->path[i].p, g->e[i].path_len = g->path[i].len;
        g->e[i].meta = g->meta[i].p, g->e[i].meta_len = g->meta[i].len;
        g->e[i].data = g->doc[i].p, g->e[i].len = g->doc[i].len;
    }
}

/* SPEC 6.1: printable UTF-8 and TAB, at most 1,024 bytes (cut at a character boundary). */
static void gen_comment(cr_rng *r, gbuf *c)
{
    if (cr_pct(r, 10))
        gb_str(c, "timestamp:1700000000\tfile:a.quire\thashed");
    else if (!cr_pct(r, 10))
        cr_text(r, c, CR_COMMENT, 10);
    while (c->len > QUIRE_MAX_TRUSTED_COMMENT_BYTES ||
           (c->len > 0 && (c->p[c->len] & 0xC0) == 0x80))
        c->len--;
    gb_add(c, "", 0);
}

static void write_bundle(gen *g, const quire_seckey *sk, const char *path)
{
    quire_error err;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        die("%s: %s", path, strerror(errno));
    sync_entries(g);
    if (cmds_entries_prepare(g->e, g->n) == 0)
        die("%s: no entry kept", path);
    if (cmds_bundle_write(fd, g->bmeta.p, g->bmeta.len, (const char *)g->comment.p, g->e, g->n, sk,
                          g->fp, &err) != QUIRE_OK)
        die("%s: the writer refused the generated bundle: %s", path, err.msg);
    close(fd);
}

static void gen_a(cr_rng *r, gen *a)
{
    a->n = 1 + cr_below(r, 5);
    for (size_t i = 0; i < a->n; i++)
        gen_entry(r, a, i);
    if (a->n > 1 && cr_pct(r, 25)) { /* a document and its original (SPEC 5.3 link) */
        a->e[0].role = QUIRE_ROLE_ORIGINAL;
        a->e[1].link = 0;
    }
    cr_bundle_meta(r, &a->bmeta, NULL);
    gen_comment(r, &a->comment);
}

/* NEW's "supersedes": OLD's fingerprint, or one that looks like it and is not, or a lie. */
static void gen_supersedes(cr_rng *r, const uint8_t fp[32], gbuf *out)
{
    char hex[65];
    gbuf t = {0};
    for (int k = 0; k < 32; k++)
        snprintf(hex + 2 * k, 3, "%02x", fp[k]);
    size_t kind = cr_below(r, 6);
    if (kind == 0) {
        gb_str(out, "\""), gb_str(out, hex), gb_str(out, "\"");
    } else if (kind == 1 || kind == 2) {
        gb_str(&t, kind == 2 ? hex : "");
        gb_str(&t, kind == 2 ? "" : "\x1b[1A\x1b[2K\rNEW supersedes OLD: yes\x1b[8m");
        cr_text(r, &t, CR_JSON, 4);
        cr_json_string(r, out, t.p, t.len);
    } else if (kind == 3) {
        cr_json_value(r, out, 2);
    }
    gb_free(&t);
}

/* b: some of a's entries unchanged, some changed, some removed, some new ones. */
static void gen_b(cr_rng *r, const gen *a, gen *b)
{
    for (size_t i = 0; i < a->n; i++) {
        size_t what = cr_below(r, 10);
        if (what < 3)
            continue; /* removed */
        size_t k = b->n++;
        gb_add(&b->path[k], a->path[i].p, a->path[i].len);
        gb_add(&b->meta[k], a->meta[i].p, a->meta[i].len);
        if (what < 7)
            gb_add(&b->doc[k], a->doc[i].p, a->doc[i].len);
        else
            cr_document(r, &b->doc[k], 0);
        b->e[k] = (cmds_entry){.link = -1};
    }
    for (size_t k = 0, n = b->n == 0 ? 1 + cr_below(r, 2) : cr_below(r, 3); k < n; k++)
        gen_entry(r, b, b->n++);
    gbuf sup = {0};
    gen_supersedes(r, a->fp, &sup);
    cr_bundle_meta(r, &b->bmeta, sup.len > 0 ? (const char *)sup.p : NULL);
    gb_free(&sup);
    gen_comment(r, &b->comment);
}

static void hex_line(FILE *f, const uint8_t *p, size_t n)
{
    fputc(' ', f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
}

/* A piece of document i to quote or search for: no NUL (it becomes an argument), and for a
 * search at least one letter, so that it does not normalise to nothing. */
static void excerpt(cr_rng *r, const gbuf *doc, int need_letter, gbuf *out)
{
    size_t from = doc->len ? cr_below(r, doc->len) : 0, n = 3 + cr_below(r, 40);
    for (size_t k = from; k < doc->len && k < from + n; k++)
        if (doc->p[k] != 0)
            gb_add(out, doc->p + k, 1);
    int letter = 0;
    for (size_t k = 0; k < out->len; k++)
        letter |= (out->p[k] | 0x20) >= 'a' && (out->p[k] | 0x20) <= 'z';
    if (out->len == 0 || (need_letter && !letter))
        gb_str(out, "the");
}

static void write_plan(cr_rng *r, const gen *a, const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        die("%s: %s", path, strerror(errno));
    for (size_t i = 0; i < a->n; i++) {
        uint8_t sha[32];
        gbuf pass = {0};
        if (!a->e[i].keep)
            continue;
        crypto_hash_sha256(sha, a->doc[i].p != NULL ? a->doc[i].p : (const uint8_t *)"",
                           a->doc[i].len);
        fputs("entry", f), hex_line(f, a->path[i].p, a->path[i].len), hex_line(f, sha, 32);
        excerpt(r, &a->doc[i], 0, &pass);
        fputs("\npassage", f), hex_line(f, a->path[i].p, a->path[i].len);
        hex_line(f, pass.p, pass.len);
        fputc('\n', f);
        gb_free(&pass);
    }
    for (size_t q = 0; q < 2; q++) {
        gbuf query = {0};
        if (q == 1 && cr_pct(r, 30)) { /* hostile, and printed back by search --json */
            gb_str(&query, "the");
            cr_text(r, &query, CR_PATH, 3);
        } else {
            excerpt(r, &a->doc[cr_below(r, a->n)], 1, &query);
        }
        fputs("query", f), hex_line(f, query.p, query.len), fputc('\n', f);
        gb_free(&query);
    }
    if (fclose(f) != 0)
        die("%s: %s", path, strerror(errno));
}

static void one_seed(const quire_seckey *sk, const char *outdir, unsigned long long seed)
{
    char dir[4096], path[4200];
    cr_rng r = {seed};
    gen a = {0}, b = {0};
    snprintf(dir, sizeof dir, "%s/%llu", outdir, seed);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        die("%s: %s", dir, strerror(errno));
    gen_a(&r, &a);
    snprintf(path, sizeof path, "%s/a.quire", dir);
    write_bundle(&a, sk, path);
    gen_b(&r, &a, &b);
    snprintf(path, sizeof path, "%s/b.quire", dir);
    write_bundle(&b, sk, path);
    snprintf(path, sizeof path, "%s/plan", dir);
    write_plan(&r, &a, path);
    gen_free(&a), gen_free(&b);
}

int main(int argc, char **argv)
{
    if (argc != 5)
        die("usage: quire-cmds-gen KEY OUTDIR FIRST COUNT");
    if (sodium_init() < 0)
        die("libsodium failed to initialise");
    quire_seckey *sk = load_key(argv[1]);
    unsigned long long first = strtoull(argv[3], NULL, 10), count = strtoull(argv[4], NULL, 10);
    for (unsigned long long s = first; s < first + count; s++)
        one_seed(sk, argv[2], s);
    quire_seckey_free(sk);
    return 0;
}
