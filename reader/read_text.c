/* SPDX-License-Identifier: ISC */
/* read_text.c: quire-read quote and search. Both stream a document through the verified walk
 * (quire_reader_walk releases only bytes whose unit hash matched) into the text pipeline of the
 * text module (text/quire_text.h, loaded by read_textmod.c): text layer, normalisation, exact
 * matching. Time is linear in the document and memory does not depend on its size: a window of
 * RING_BYTES of text for the contexts, at most HITS_MAX matches kept per document, and state
 * proportional to the query. What was found is printed only from the walk's end callback,
 * after the document's SHA-256 matched. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli_escape.h"
#include "quire_text_api.h"
#include "read.h"
#include "read_near.h"
#include "read_serve.h"

#define CONTEXT_BYTES 70            /* of text either side of a match */
#define CONTEXT_HALF_BYTES 1024     /* a longer context keeps this much of each end */
#define RING_BYTES (1u << 20)       /* text kept for contexts */
#define HITS_MAX 1000               /* matches (quote) or matching lines (search) per document */
#define QUERY_MAX_BYTES (64u << 10) /* normalised */

static const quire_text_api_v1 *T; /* the text module */

typedef struct hit {
    quire_text_pos at; /* first byte of the match */
    uint64_t from, to; /* its span in the text layer */
    char *ctx;         /* the context once built (ctx_len bytes), else NULL */
    size_t ctx_len;
} hit;

typedef struct scan {
    quire_reader *r;
    const quire_index *idx;
    bool json, quote, words;
    const char *prefix;  /* search --path */
    bool skip;           /* this document is not searched (a binary media type) */
    bool binary;         /* this document was found binary (grep's "binary file matches") */
    bool unreadable;     /* quote: the document has no readable text (its media type) */
    const char *no_text; /* quote: why none of the document's text could be read, or NULL */
    char mt[128];        /* its media type */
    char *ring;
    uint64_t tlen; /* text bytes seen */
    hit *hits;
    size_t nhits, next_ctx;
    uint64_t total; /* matches (quote) or matching lines (search) in this document */
    uint64_t found; /* search: matching lines in all documents */
    uint64_t last_tline;
    bool nomem;
    quire_text_source *src;
    quire_text_norm *norm;
    quire_text_matcher *exact;
    /* quote only: the near match, while nothing is found */
    bool near_on, fold_found, near_have, near_to_known;
    quire_text_norm *fnorm;
    quire_text_matcher *fold;
    near nr;
    hit near_hit;
    json_t *out; /* --json: quote's report, search's matches */
    json_t *truncated;
    json_t *binaries; /* search --json: binary documents that match */
    size_t keep;      /* serve: at most this many matches kept in out (0: all) */
    const char *bundle;
} scan;

/* ---- contexts: the text around a match, from the window ---- */

static bool cont(const scan *s, uint64_t i)
{
    return ((unsigned char)s->ring[i % RING_BYTES] & 0xC0) == 0x80;
}

/* [a, b) of the window, white space collapsed, appended to *buf. */
static bool add_part(const scan *s, uint64_t a, uint64_t b, char **buf, size_t *len)
{
    quire_text part = {malloc(b - a + 1), NULL, (size_t)(b - a)}, norm;
    if (part.s == NULL)
        return false;
    for (uint64_t i = a; i < b; i++)
        part.s[i - a] = s->ring[i % RING_BYTES];
    int rc = T->normalize(&part, QUIRE_NORM_SPACE, &norm);
    free(part.s);
    if (rc != 0)
        return false;
    char *nb = realloc(*buf, *len + norm.len + 1);
    if (nb != NULL) {
        memcpy(nb + *len, norm.s, norm.len + 1);
        *buf = nb, *len += norm.len;
    }
    T->text_free(&norm);
    return nb != NULL;
}

static bool space_at(const scan *s, uint64_t i)
{
    char c = s->ring[i % RING_BYTES];
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/* A context starts and ends on a word: its first word is not cut, nor its last, when there is
 * white space between them and the match. */
static void on_words(const scan *s, const hit *h, bool cut, uint64_t *a, uint64_t *b)
{
    uint64_t p = *a;
    while (cut && p < h->from && !space_at(s, p - 1))
        p++;
    if (cut && p < h->from)
        *a = p;
    uint64_t q = *b;
    while (q > h->to && q < s->tlen && !space_at(s, q))
        q--;
    if (q > h->to)
        *b = q;
}

/* The context of h: CONTEXT_BYTES either side, whole characters; a longer one keeps its two
 * ends around " … ". A match that began more than RING_BYTES back (only a long run of white
 * space or invisible characters can make one) has its context start inside it. */
static void build(scan *s, hit *h)
{
    uint64_t lo = s->tlen > RING_BYTES ? s->tlen - RING_BYTES : 0;
    uint64_t a = h->from > CONTEXT_BYTES ? h->from - CONTEXT_BYTES : 0;
    uint64_t b = h->to + CONTEXT_BYTES < s->tlen ? h->to + CONTEXT_BYTES : s->tlen;
    a = a < lo ? lo : a;
    for (int k = 0; k < 3 && a > lo && cont(s, a); k++)
        a--;
    for (int k = 0; k < 3 && b < s->tlen && cont(s, b); k++)
        b++;
    b = b < a ? a : b;
    on_words(s, h, a > lo, &a, &b);
    char *buf = calloc(1, 1);
    size_t len = 0;
    bool ok = buf != NULL;
    if (ok && b - a <= 2 * CONTEXT_HALF_BYTES) {
        ok = add_part(s, a, b, &buf, &len);
    } else if (ok) {
        uint64_t m1 = a + CONTEXT_HALF_BYTES, m2 = b - CONTEXT_HALF_BYTES;
        while (m1 > a && cont(s, m1))
            m1--;
        while (m2 < b && cont(s, m2))
            m2++;
        ok = add_part(s, a, m1, &buf, &len);
        char *nb = ok ? realloc(buf, len + 6) : NULL;
        ok = nb != NULL;
        if (ok)
            buf = nb, memcpy(buf + len, " \xE2\x80\xA6 ", 6), len += 5;
        ok = ok && add_part(s, m2, b, &buf, &len);
    }
    if (!ok) {
        free(buf);
        s->nomem = true;
        buf = NULL, len = 0;
    }
    h->ctx = buf;
    h->ctx_len = len;
}

static bool ready(const scan *s, const hit *h)
{
    return h->to + CONTEXT_BYTES + 4 <= s->tlen;
}

/* Builds the contexts whose text has all arrived (or all of them, at the end). */
static void build_ready(scan *s, bool at_end)
{
    while (s->next_ctx < s->nhits && (at_end || ready(s, &s->hits[s->next_ctx])))
        build(s, &s->hits[s->next_ctx++]);
    if (s->near_have && s->near_to_known && s->near_hit.ctx == NULL && !s->nomem &&
        (at_end || ready(s, &s->near_hit)))
        build(s, &s->near_hit);
}

static void add_hit(scan *s, const quire_text_pos *first, const quire_text_pos *last)
{
    if (s->nhits < HITS_MAX)
        s->hits[s->nhits++] = (hit){*first, first->toff, last->toff + 1, NULL, 0};
}

/* ---- the near match ---- */

/* The closest passage moved (near_target_fn): its context is built again once its end is in. */
static void near_target(void *ctx, const quire_text_pos *start, bool end_known,
                        const quire_text_pos *end)
{
    scan *s = ctx;
    free(s->near_hit.ctx);
    s->near_hit = (hit){*start, start->toff, end_known ? end->toff + 1 : 0, NULL, 0};
    s->near_have = true;
    s->near_to_known = end_known;
}

static void on_fold(void *ctx, const quire_text_pos *first, const quire_text_pos *last)
{
    scan *s = ctx;
    if (s->fold_found)
        return;
    s->fold_found = true;
    near_target(s, first, true, last);
}

static void fold_text(void *ctx, const char *p, size_t n, const quire_text_pos *pos)
{
    scan *s = ctx;
    T->matcher_feed(s->fold, p, n, pos);
    if (!s->fold_found)
        near_feed(&s->nr, p, n, pos);
}

/* ---- the scan of one document ---- */

static void on_exact(void *ctx, const quire_text_pos *first, const quire_text_pos *last)
{
    scan *s = ctx;
    if (!s->quote) { /* search: one result per line of the text */
        if (s->total > 0 && first->tline == s->last_tline)
            return;
        s->last_tline = first->tline;
    }
    s->total++;
    s->near_on = false;
    add_hit(s, first, last);
}

/* The sink for the text layer: kept in the window, then normalised and matched. */
static void on_text(void *ctx, const char *p, size_t n, const quire_text_pos *pos)
{
    scan *s = ctx;
    for (size_t k = 0; k < n; k++)
        s->ring[s->tlen++ % RING_BYTES] = p[k];
    build_ready(s, false);
    T->norm_feed(s->norm, p, n, pos);
    if (s->near_on)
        T->norm_feed(s->fnorm, p, n, pos);
}

static void clear_hits(scan *s)
{
    for (size_t k = 0; k < s->nhits; k++)
        free(s->hits[k].ctx);
    free(s->near_hit.ctx);
    s->near_hit.ctx = NULL;
    s->nhits = s->next_ctx = 0;
}

/* The walk has checked entry i's metadata before its begin callback runs. */
static const char *media_type(quire_reader *r, uint32_t i, char *buf, size_t cap)
{
    const uint8_t *mb = NULL;
    size_t ml = 0;
    quire_error err;
    if (quire_reader_entry_meta(r, i, &mb, &ml, &err) != QUIRE_OK)
        ml = 0;
    json_t *m = ml ? json_loadb((const char *)mb, ml, 0, NULL) : NULL;
    const char *t = json_string_value(json_object_get(m, "quire-media-type"));
    snprintf(buf, cap, "%s", t != NULL ? t : "");
    json_decref(m);
    return buf;
}

static int scan_begin(void *ctx, uint32_t i, quire_error *err)
{
    scan *s = ctx;
    const quire_entry *e = &s->idx->entries[i];
    clear_hits(s);
    s->tlen = s->total = 0;
    s->binary = s->unreadable = false;
    T->source_free(s->src);
    quire_text_kind kind = T->kind_of(media_type(s->r, i, s->mt, sizeof s->mt), e->path);
    /* A media type that is not text (an image, an archive, a PDF without the PDF extractor):
     * its bytes are no text in any encoding, so search skips it and quote says so. */
    s->skip = kind == QUIRE_TEXT_BINARY;
    s->unreadable = s->quote && s->skip;
    s->src = T->source_new(kind, s->mt, e->path, on_text, s);
    if (s->src == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    T->matcher_reset(s->exact);
    if (s->quote) {
        T->matcher_reset(s->fold);
        near_reset(&s->nr);
        s->near_on = true;
        s->fold_found = s->near_have = s->near_to_known = false;
    }
    return QUIRE_OK;
}

static int scan_data(void *ctx, uint32_t i, const uint8_t *p, size_t n, quire_error *err)
{
    scan *s = ctx;
    (void)i;
    if (!s->skip && T->source_update(s->src, (const char *)p, n) != 0)
        s->nomem = true;
    return s->nomem ? quire_error_set(err, QUIRE_E_NOMEM, "out of memory") : QUIRE_OK;
}

/* The end of a document: everything still held passes through, then the contexts. */
static int scan_finish(scan *s, quire_error *err)
{
    if (!s->skip && T->source_final(s->src) != 0)
        s->nomem = true;
    T->norm_final(s->norm);
    T->matcher_final(s->exact);
    if (s->near_on) {
        T->norm_final(s->fnorm);
        T->matcher_final(s->fold);
        if (!s->fold_found)
            near_final(&s->nr);
    } else if (s->quote) {
        T->norm_final(s->fnorm); /* it was left mid-document: forget what it holds */
    }
    s->binary = T->source_binary(s->src);
    build_ready(s, true);
    return s->nomem ? quire_error_set(err, QUIRE_E_NOMEM, "out of memory") : QUIRE_OK;
}

/* The query normalised as the documents are; 1 if empty, 2 if too long, -1 out of memory. */
static int query_norm(const char *query, unsigned fl, quire_text *out)
{
    quire_text raw = {0};
    int rc = T->from_plain(query, strlen(query), &raw) != 0 || T->normalize(&raw, fl, out) != 0;
    T->text_free(&raw);
    if (rc != 0)
        return -1;
    return out->len == 0 ? 1 : out->len > QUERY_MAX_BYTES ? 2 : 0;
}

static int scan_init(scan *s, const char *query, bool quote)
{
    quire_text qn = {0}, fq = {0};
    unsigned fl = QUIRE_NORM_SPACE | QUIRE_NORM_PUNCT | (quote ? 0 : QUIRE_NORM_CASE);
    unsigned mo = (quote ? QUIRE_MATCH_OVERLAP : 0) | (s->words ? QUIRE_MATCH_WORDS : 0);
    s->quote = quote;
    s->ring = malloc(RING_BYTES);
    s->hits = calloc(HITS_MAX, sizeof *s->hits);
    int rc = s->ring == NULL || s->hits == NULL ? -1 : query_norm(query, fl, &qn);
    if (rc == 0 && ((s->exact = T->matcher_new(qn.s, qn.len, mo, on_exact, s)) == NULL ||
                    (s->norm = T->norm_new(fl, T->matcher_feed, s->exact)) == NULL))
        rc = -1;
    if (rc == 0 && quote) {
        if (query_norm(query, fl | QUIRE_NORM_CASE, &fq) != 0 ||
            (s->fold = T->matcher_new(fq.s, fq.len, 0, on_fold, s)) == NULL ||
            (s->fnorm = T->norm_new(fl | QUIRE_NORM_CASE, fold_text, s)) == NULL ||
            near_init(&s->nr, T, query, near_target, s) != 0)
            rc = -1;
    }
    T->text_free(&qn), T->text_free(&fq);
    return rc;
}

static void scan_free(scan *s)
{
    clear_hits(s);
    free(s->hits), free(s->ring);
    if (T != NULL) {
        T->source_free(s->src);
        T->norm_free(s->norm), T->norm_free(s->fnorm);
        T->matcher_free(s->exact), T->matcher_free(s->fold);
        near_free(&s->nr);
    }
    json_decref(s->out), json_decref(s->truncated), json_decref(s->binaries);
}

/* Explains scan_init's failure; returns the exit code. */
static int init_fail(const char *bundle, const char *what, int rc)
{
    if (rc == 1)
        read_fail(bundle, "%s: empty %s", what, what[0] == 'q' ? "passage" : "query");
    else if (rc == 2)
        read_fail(bundle, "%s: longer than %u bytes", what, QUERY_MAX_BYTES);
    else
        read_fail(bundle, "%s: out of memory", what);
    return 2;
}

/* ---- output ---- */

/* A JSON string of bundle or user text, invalid UTF-8 shown as U+FFFD. */
static json_t *jstr(const char *p, size_t n)
{
    size_t len;
    char *v = T->utf8_repair(p != NULL ? p : "", p != NULL ? n : 0, &len);
    json_t *j = v != NULL ? json_stringn(v, len) : NULL;
    free(v);
    return j;
}

static json_t *jhit(const hit *h, const char *path, const char *ctx_key)
{
    json_t *j = json_object();
    if (path != NULL)
        json_object_set_new(j, "path", jstr(path, strlen(path)));
    json_object_set_new(j, "line", json_integer((json_int_t)h->at.line));
    json_object_set_new(j, "column", json_integer((json_int_t)h->at.col));
    json_object_set_new(j, ctx_key, jstr(h->ctx, h->ctx_len));
    return j;
}

/* "PATH: what", on stderr, the path escaped with the rest (read_fail escapes the message). */
static void note_doc(const scan *s, const char *path, const char *what)
{
    read_note(s->bundle, "%s: %s", path, what);
}

/* "N matches, the first HITS_MAX shown", on stderr with the path escaped. */
static void note_truncated(const scan *s, const char *path, const char *what)
{
    char msg[96];
    snprintf(msg, sizeof msg, "%" PRIu64 " %s, the first %d shown", s->total, what, HITS_MAX);
    note_doc(s, path, msg);
}

/* ---- quote ---- */

static void quote_matches(scan *s, const char *path)
{
    for (size_t k = 0; k < s->nhits; k++) {
        const hit *h = &s->hits[k];
        if (s->json) {
            json_array_append_new(json_object_get(s->out, "matches"), jhit(h, NULL, "context"));
        } else {
            printf("line %" PRIu64 ", column %" PRIu64 ": ", h->at.line, h->at.col);
            out_safe(stdout, h->ctx, h->ctx_len);
            fputc('\n', stdout);
        }
    }
    if (s->total > s->nhits && !s->json)
        note_truncated(s, path, "matches");
}

/* Where the closest passage differs: "word K: the passage has 'X', the document 'Y'". */
static void quote_diff(const scan *s, json_t *j)
{
    static const char *const kinds[] = {"changed", "added", "left out", "document ends",
                                        "document begins"};
    const near *nr = &s->nr;
    if (s->fold_found || !nr->diff_known || nr->diff_k >= nr->nq)
        return;
    const char *pw = nr->q + nr->qs[nr->diff_k];
    int pl = (int)(nr->ql[nr->diff_k] < NEAR_SHOW_WORD_BYTES ? nr->ql[nr->diff_k]
                                                             : NEAR_SHOW_WORD_BYTES);
    near_diff_kind kind = nr->diff_kind;
    bool no_doc = kind == DIFF_DOC_ENDS || kind == DIFF_DOC_BEGINS;
    if (j != NULL) {
        json_object_set_new(j, "differs_at_word", json_integer((json_int_t)nr->diff_k + 1));
        json_object_set_new(j, "difference", json_string(kinds[kind]));
        json_object_set_new(j, "passage_word", jstr(pw, (size_t)pl));
        json_object_set_new(j, "document_word",
                            no_doc ? json_null() : jstr(nr->diff_doc, strlen(nr->diff_doc)));
        return;
    }
    char *line = NULL;
    int n = -1;
    size_t k = nr->diff_k + 1;
    const char *dw = nr->diff_doc;
    switch (kind) {
    case DIFF_CHANGED:
        n = asprintf(&line, "differs at word %zu: the passage has '%.*s', the document '%s'", k, pl,
                     pw, dw);
        break;
    case DIFF_ADDED:
        n = asprintf(&line,
                     "differs at word %zu: the passage adds '%.*s', which the document does not "
                     "have before '%s'",
                     k, pl, pw, dw);
        break;
    case DIFF_LEFT_OUT:
        n = asprintf(&line,
                     "differs before word %zu ('%.*s'): the document has '%s' there, which the "
                     "passage leaves out",
                     k, pl, pw, dw);
        break;
    case DIFF_DOC_ENDS:
    case DIFF_DOC_BEGINS:
        n = asprintf(&line, "differs at word %zu: the passage has '%.*s', the document %s", k, pl,
                     pw, kind == DIFF_DOC_ENDS ? "ends there" : "begins after it");
        break;
    }
    if (n < 0)
        return;
    fputs("  ", stdout);
    out_safe(stdout, line, strlen(line));
    fputc('\n', stdout);
    free(line);
}

/* Not found: the passage ignoring case, else the longest run of shared words and where the
 * passage differs from the document there. */
static void quote_near(scan *s)
{
    char msg[96];
    size_t shown = s->nr.nq_all < NEAR_MAX_WORDS ? s->nr.nq_all : NEAR_MAX_WORDS;
    if (s->fold_found)
        snprintf(msg, sizeof msg, "matches only if letter case is ignored");
    else
        snprintf(msg, sizeof msg, "closest passage shares %zu of %zu words", s->nr.best,
                 s->nr.nq_all);
    if (!s->near_have || (!s->fold_found && 2 * s->nr.best < shown))
        return;
    const hit *h = &s->near_hit;
    if (s->json) {
        json_t *j = jhit(h, NULL, "context");
        json_object_set_new(j, "reason", json_string(msg));
        quote_diff(s, j);
        json_object_set_new(s->out, "near_match", j);
    } else {
        printf("not found; %s, line %" PRIu64 ", column %" PRIu64 ": ", msg, h->at.line, h->at.col);
        out_safe(stdout, h->ctx, h->ctx_len);
        fputc('\n', stdout);
        quote_diff(s, NULL);
    }
}

static int quote_end(void *ctx, uint32_t i, quire_error *err)
{
    scan *s = ctx;
    const char *path = s->idx->entries[i].path;
    int rc = scan_finish(s, err);
    if (rc != QUIRE_OK)
        return rc;
    const char *note = T->source_note(s->src);
    if (s->unreadable)
        return QUIRE_OK; /* cmd_quote says so */
    if (note != NULL && s->tlen == 0) {
        s->no_text = note; /* not a negative answer: the passage could not be looked for */
        return QUIRE_OK;
    }
    if (note != NULL)
        note_doc(s, path, note);
    if (s->json) {
        json_object_set_new(s->out, "found", json_boolean(s->total > 0));
        json_object_set_new(s->out, "match_count", json_integer((json_int_t)s->total));
        json_object_set_new(s->out, "truncated", json_boolean(s->total > s->nhits));
        if (note != NULL)
            json_object_set_new(s->out, "note", jstr(note, strlen(note)));
    }
    if (s->total > 0)
        quote_matches(s, path);
    else
        quote_near(s);
    return QUIRE_OK;
}

/* Opens the bundle and finds the document; 0 or an exit code. */
static int quote_open(scan *s, const read_opts *o, char **argv, uint32_t *i)
{
    int code = 0;
    s->r = read_open(argv[0], o, &code);
    if (s->r == NULL || (code = read_find(s->r, argv[0], argv[1], i)) != 0)
        return code;
    s->idx = quire_reader_index(s->r);
    if (o->json) {
        s->out = json_object();
        json_object_set_new(s->out, "path", jstr(argv[1], strlen(argv[1])));
        json_object_set_new(s->out, "passage", jstr(argv[2], strlen(argv[2])));
        json_object_set_new(s->out, "matches", json_array());
    }
    return 0;
}

int cmd_quote(const read_opts *o, int argc, char **argv)
{
    uint32_t i = 0;
    quire_error err;
    if (argc != 3 || argv[2][0] == '\0') {
        read_fail(NULL, "quote: expected BUNDLE PATH \"TEXT\"");
        return 2;
    }
    if ((T = read_text_module(argv[0], "quote")) == NULL)
        return 2;
    scan s = {.json = o->json, .bundle = argv[0]};
    int irc = scan_init(&s, argv[2], true);
    if (irc != 0) {
        scan_free(&s);
        return init_fail(argv[0], "quote", irc);
    }
    int code = quote_open(&s, o, argv, &i);
    if (code != 0)
        goto out;
    quire_walk_ops ops = {scan_begin, scan_data, quote_end};
    int rc = read_walk_one(s.r, i, &ops, &s, &err);
    if (rc != QUIRE_OK) {
        read_error(argv[0], &err);
        code = quire_exit_code(rc);
    } else if (s.unreadable) { /* verified, but there is no text to look in */
        read_fail(argv[0], "%s: cannot quote from a binary document (%s): it has no text to read",
                  argv[1], s.mt[0] != '\0' ? s.mt : "no media type");
        code = 2;
    } else if (s.no_text != NULL) { /* a PDF without a text layer, encrypted or damaged */
        read_fail(argv[0], "%s: cannot quote: %s", argv[1], s.no_text);
        code = 2;
    } else {
        if (o->json)
            out_json(s.out), s.out = NULL;
        if (s.total == 0)
            read_fail(argv[0], "%s: passage not found", argv[1]);
        code = s.total > 0 ? 0 : 3; /* 3: verified, and not there */
    }
out:
    scan_free(&s);
    quire_reader_close(s.r);
    return code;
}

/* ---- search ---- */

/* A binary document that matches is named, not shown (as grep does). */
static void search_binary(scan *s, const quire_entry *e)
{
    if (s->json)
        json_array_append_new(s->binaries, jstr(e->path, e->path_len));
    else
        note_doc(s, e->path, "binary document matches");
}

static int search_end(void *ctx, uint32_t i, quire_error *err)
{
    scan *s = ctx;
    const quire_entry *e = &s->idx->entries[i];
    int rc = scan_finish(s, err);
    if (rc != QUIRE_OK || s->skip)
        return rc;
    const char *note = T->source_note(s->src);
    if (note != NULL && !s->json)
        note_doc(s, e->path, note);
    s->found += s->total;
    if (s->binary && s->total > 0) {
        search_binary(s, e);
        return QUIRE_OK;
    }
    for (size_t k = 0; k < s->nhits; k++) {
        const hit *h = &s->hits[k];
        if (s->json) {
            if (s->keep == 0 || json_array_size(s->out) < s->keep)
                json_array_append_new(s->out, jhit(h, e->path, "snippet"));
            continue;
        }
        out_safe(stdout, e->path, e->path_len);
        printf(":%" PRIu64 ": ", h->at.line);
        out_safe(stdout, h->ctx, h->ctx_len);
        fputc('\n', stdout);
    }
    if (s->total > s->nhits && s->json)
        json_array_append_new(s->truncated,
                              json_pack("{s:o, s:I}", "path", jstr(e->path, e->path_len),
                                        "matching_lines", (json_int_t)s->total));
    else if (s->total > s->nhits)
        note_truncated(s, e->path, "matching lines");
    return QUIRE_OK;
}

/* search --path PREFIX: the documents whose path starts with PREFIX ("./" and repeated
 * slashes as read_path_clean takes them). NULL selects all; *none is set when none is left. */
static bool *search_select(const scan *s, bool *none)
{
    *none = false;
    if (s->prefix == NULL)
        return NULL;
    char *p = read_path_clean(s->prefix);
    bool *sel = calloc(s->idx->entry_count + 1, sizeof *sel);
    size_t n = p != NULL ? strlen(p) : 0;
    *none = true;
    for (uint32_t k = 0; sel != NULL && p != NULL && k < s->idx->entry_count; k++) {
        sel[k] = strncmp(s->idx->entries[k].path, p, n) == 0;
        *none = *none && !sel[k];
    }
    if (p == NULL)
        free(sel), sel = NULL;
    free(p);
    return sel;
}

static int search_walk(scan *s, const read_opts *o, char **argv)
{
    quire_error err;
    bool none;
    bool *sel = search_select(s, &none);
    if (s->prefix != NULL && sel == NULL) {
        read_fail(argv[0], "search: out of memory");
        return 2;
    }
    if (none) {
        read_fail(argv[0], "search: no document's path starts with '%s'", s->prefix);
        free(sel);
        return 2;
    }
    quire_walk_ops ops = {scan_begin, scan_data, search_end};
    int rc = quire_reader_walk(s->r, sel, &ops, s, &err);
    free(sel);
    if (rc != QUIRE_OK) {
        read_error(argv[0], &err);
        return quire_exit_code(rc);
    }
    if (o->json) {
        out_json(json_pack("{s:o, s:o, s:o, s:o}", "query", jstr(argv[1], strlen(argv[1])),
                           "matches", s->out, "truncated", s->truncated, "binary_matches",
                           s->binaries));
        s->out = s->truncated = s->binaries = NULL;
    }
    return s->found > 0 ? 0 : 3; /* 3: verified, and nothing matched */
}

int cmd_search(const read_opts *o, int argc, char **argv)
{
    int code = 0;
    if (argc != 2 || argv[1][0] == '\0') {
        read_fail(NULL, "search: expected BUNDLE QUERY");
        return 2;
    }
    if ((T = read_text_module(argv[0], "search")) == NULL)
        return 2;
    scan s = {.json = o->json, .bundle = argv[0], .words = o->words, .prefix = o->path_prefix};
    int irc = scan_init(&s, argv[1], false);
    if (irc != 0) {
        scan_free(&s);
        return init_fail(argv[0], "search", irc);
    }
    s.r = read_open(argv[0], o, &code);
    if (s.r == NULL)
        goto out;
    s.idx = quire_reader_index(s.r);
    s.out = o->json ? json_array() : NULL;
    s.truncated = o->json ? json_array() : NULL;
    s.binaries = o->json ? json_array() : NULL;
    code = search_walk(&s, o, argv);
out:
    scan_free(&s);
    quire_reader_close(s.r);
    return code;
}

/* ---- for serve: the same matching, the answer as JSON ---- */

static const char *init_why(int rc)
{
    return rc == 1 ? "empty query" : rc == 2 ? "longer than 64 KiB" : "out of memory";
}

int read_search_run(quire_reader *r, const char *bundle, const char *query, bool words,
                    json_t **out, quire_error *err, const char **why)
{
    *out = NULL;
    if ((T = read_text_module(NULL, NULL)) == NULL) {
        *why = "the text module cannot be loaded";
        return 2;
    }
    scan s = {.json = true, .bundle = bundle, .words = words, .keep = SERVE_SEARCH_SHOWN};
    int irc = scan_init(&s, query, false);
    if (irc != 0) {
        scan_free(&s);
        *why = init_why(irc);
        return 2;
    }
    s.r = r;
    s.idx = quire_reader_index(r);
    s.out = json_array(), s.truncated = json_array(), s.binaries = json_array();
    quire_walk_ops ops = {scan_begin, scan_data, search_end};
    int rc = quire_reader_walk(r, NULL, &ops, &s, err);
    if (rc == QUIRE_OK) {
        *out = json_pack("{s:o, s:o, s:o, s:I}", "matches", s.out, "truncated", s.truncated,
                         "binary_matches", s.binaries, "found", (json_int_t)s.found);
        s.out = s.truncated = s.binaries = NULL;
    }
    scan_free(&s);
    return rc == QUIRE_OK ? 0 : quire_exit_code(rc);
}

int read_quote_run(quire_reader *r, const char *bundle, uint32_t i, const char *passage,
                   json_t **out, quire_error *err, const char **why)
{
    *out = NULL;
    if ((T = read_text_module(NULL, NULL)) == NULL) {
        *why = "the text module cannot be loaded";
        return 2;
    }
    scan s = {.json = true, .bundle = bundle};
    int irc = scan_init(&s, passage, true);
    if (irc != 0) {
        scan_free(&s);
        *why = init_why(irc);
        return 2;
    }
    s.r = r;
    s.idx = quire_reader_index(r);
    s.out = json_pack("{s:[]}", "matches");
    quire_walk_ops ops = {scan_begin, scan_data, quote_end};
    int rc = read_walk_one(r, i, &ops, &s, err);
    int code = rc == QUIRE_OK ? 0 : quire_exit_code(rc);
    if (rc == QUIRE_OK && s.unreadable) {
        *why = "this is a binary document: it has no text to quote from";
        code = 2;
    } else if (rc == QUIRE_OK) {
        *out = s.out;
        s.out = NULL;
    }
    scan_free(&s);
    return code;
}
