/* SPDX-License-Identifier: ISC */
/* read_text.c: quire-read quote and search. Both stream a document through the verified walk
 * (quire_reader_walk releases only bytes whose unit hash matched) into the text pipeline of
 * quire_text.h: text layer, normalisation, exact matching. Time is linear in the document and
 * memory does not depend on its size: a window of RING_BYTES of text for the contexts, at most
 * HITS_MAX matches kept per document, and state proportional to the query. What was found is
 * printed only from the walk's end callback, after the document's SHA-256 matched. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli_escape.h"
#include "quire_text.h"
#include "read.h"

#define CONTEXT_BYTES 70            /* of text either side of a match */
#define CONTEXT_HALF_BYTES 1024     /* a longer context keeps this much of each end */
#define RING_BYTES (1u << 20)       /* text kept for contexts */
#define HITS_MAX 1000               /* matches (quote) or matching lines (search) per document */
#define QUERY_MAX_BYTES (64u << 10) /* normalised */
#define NEAR_MAX_WORDS 64

typedef struct hit {
    quire_text_pos at; /* first byte of the match */
    uint64_t from, to; /* its span in the text layer */
    char *ctx;         /* the context once built (ctx_len bytes), else NULL */
    size_t ctx_len;
} hit;

/* The closest passage when a quote is not found: the longest run of words shared with the
 * passage, case ignored (what the alignment of the passage there covers). */
typedef struct near {
    size_t *qs, *ql, nq, nq_all;
    const char *q;
    size_t *run, *prev;
    char *word; /* the current document word, up to wcap bytes */
    size_t wcap, wlen;
    bool open;
    quire_text_pos wstart, last, starts[NEAR_MAX_WORDS];
    uint64_t i; /* document words completed */
    size_t best;
    uint64_t best_end; /* word index the aligned passage ends at */
    bool end_known;
} near;

typedef struct scan {
    quire_reader *r;
    const quire_index *idx;
    bool json, quote;
    char *ring;
    uint64_t tlen; /* text bytes seen */
    hit *hits;
    size_t nhits, next_ctx;
    uint64_t total; /* matches (quote) or matching lines (search) in this document */
    uint64_t found; /* search: matching lines in all documents */
    uint64_t last_tline;
    bool nomem;
    quire_text_source src;
    quire_text_norm norm;
    quire_text_matcher exact;
    /* quote only: the near match, while nothing is found */
    bool near_on, fold_found, near_have, near_to_known;
    quire_text_norm fnorm;
    quire_text_matcher fold;
    near nr;
    hit near_hit;
    json_t *out; /* --json: quote's report, search's matches */
    json_t *truncated;
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
    int rc = quire_text_normalize(&part, QUIRE_NORM_SPACE, &norm);
    free(part.s);
    if (rc != 0)
        return false;
    char *nb = realloc(*buf, *len + norm.len + 1);
    if (nb != NULL) {
        memcpy(nb + *len, norm.s, norm.len + 1);
        *buf = nb, *len += norm.len;
    }
    quire_text_free(&norm);
    return nb != NULL;
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

static void near_target(scan *s, const quire_text_pos *start, bool end_known,
                        const quire_text_pos *end)
{
    free(s->near_hit.ctx);
    s->near_hit = (hit){*start, start->toff, end_known ? end->toff + 1 : 0, NULL, 0};
    s->near_have = true;
    s->near_to_known = end_known;
}

static void word_done(scan *s, const quire_text_pos *end)
{
    near *nr = &s->nr;
    nr->starts[nr->i % NEAR_MAX_WORDS] = nr->wstart;
    for (size_t j = 1; j <= nr->nq; j++) {
        bool eq =
            nr->wlen == nr->ql[j - 1] && memcmp(nr->word, nr->q + nr->qs[j - 1], nr->wlen) == 0;
        nr->run[j] = eq ? nr->prev[j - 1] + 1 : 0;
        if (nr->run[j] > nr->best) { /* the aligned passage starts j - 1 words back */
            nr->best = nr->run[j];
            uint64_t first = nr->i + 1 >= j ? nr->i + 1 - j : 0;
            nr->best_end = first + nr->nq - 1;
            near_target(s, &nr->starts[first % NEAR_MAX_WORDS], false, NULL);
        }
    }
    size_t *tmp = nr->prev;
    nr->prev = nr->run, nr->run = tmp;
    if (s->near_have && !s->near_to_known && !s->fold_found && nr->best_end == nr->i)
        near_target(s, &s->near_hit.at, true, end);
    nr->i++;
    nr->open = false;
    nr->wlen = 0;
}

/* A sink for the case-folded text: the document's words. */
static void near_feed(void *ctx, const char *p, size_t n, const quire_text_pos *pos)
{
    scan *s = ctx;
    near *nr = &s->nr;
    const quire_text_pos at = *pos;
    for (size_t k = 0; k < n && !s->fold_found; k++) {
        if (p[k] == ' ') {
            if (!nr->open)
                nr->wstart = at; /* an empty word */
            word_done(s, &nr->last);
        } else {
            if (!nr->open)
                nr->wstart = at, nr->open = true;
            if (nr->wlen < nr->wcap)
                nr->word[nr->wlen] = p[k];
            nr->wlen += nr->wlen <= nr->wcap; /* wcap + 1: longer than any passage word */
        }
        nr->last = at;
    }
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
    quire_text_matcher_feed(&s->fold, p, n, pos);
    near_feed(s, p, n, pos);
}

static void near_final(scan *s)
{
    near *nr = &s->nr;
    if (nr->open && !s->fold_found)
        word_done(s, &nr->last);
    if (s->near_have && !s->near_to_known) /* the passage would run past the end */
        near_target(s, &s->near_hit.at, true, &nr->last);
}

static int near_init(near *nr, const char *passage)
{
    quire_text raw = {0}, qf = {0};
    unsigned fl = QUIRE_NORM_SPACE | QUIRE_NORM_PUNCT | QUIRE_NORM_CASE;
    if (quire_text_from_plain(passage, strlen(passage), &raw) != 0 ||
        quire_text_normalize(&raw, fl, &qf) != 0)
        goto fail;
    quire_text_free(&raw);
    nr->q = qf.s, free(qf.map);
    nr->nq_all = quire_text_words(qf.s, qf.len, &nr->qs, &nr->ql);
    if (nr->nq_all == SIZE_MAX)
        return -1;
    nr->nq = nr->nq_all < NEAR_MAX_WORDS ? nr->nq_all : NEAR_MAX_WORDS;
    for (size_t j = 0; j < nr->nq; j++)
        nr->wcap = nr->ql[j] > nr->wcap ? nr->ql[j] : nr->wcap;
    nr->word = malloc(nr->wcap + 1);
    nr->run = calloc(nr->nq + 1, sizeof *nr->run);
    nr->prev = calloc(nr->nq + 1, sizeof *nr->prev);
    return nr->word && nr->run && nr->prev ? 0 : -1;
fail:
    quire_text_free(&raw), quire_text_free(&qf);
    return -1;
}

static void near_free(near *nr)
{
    free((char *)nr->q), free(nr->qs), free(nr->ql), free(nr->word), free(nr->run), free(nr->prev);
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
    quire_text_norm_feed(&s->norm, p, n, pos);
    if (s->near_on)
        quire_text_norm_feed(&s->fnorm, p, n, pos);
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
    char mt[64];
    (void)err;
    clear_hits(s);
    s->tlen = s->total = 0;
    quire_text_source_init(&s->src, quire_text_is_html(media_type(s->r, i, mt, sizeof mt), e->path),
                           on_text, s);
    unsigned fl = QUIRE_NORM_SPACE | QUIRE_NORM_PUNCT | (s->quote ? 0 : QUIRE_NORM_CASE);
    quire_text_norm_init(&s->norm, fl, quire_text_matcher_feed, &s->exact);
    quire_text_matcher_reset(&s->exact);
    if (s->quote) {
        quire_text_matcher_reset(&s->fold);
        quire_text_norm_init(&s->fnorm, fl | QUIRE_NORM_CASE, fold_text, s);
        s->near_on = true;
        s->fold_found = s->near_have = s->near_to_known = false;
    }
    return QUIRE_OK;
}

static int scan_data(void *ctx, uint32_t i, const uint8_t *p, size_t n, quire_error *err)
{
    scan *s = ctx;
    (void)i;
    quire_text_source_update(&s->src, (const char *)p, n);
    return s->nomem ? quire_error_set(err, QUIRE_E_NOMEM, "out of memory") : QUIRE_OK;
}

/* The end of a document: everything still held passes through, then the contexts. */
static int scan_finish(scan *s, quire_error *err)
{
    quire_text_source_final(&s->src);
    quire_text_norm_final(&s->norm);
    if (s->near_on) {
        quire_text_norm_final(&s->fnorm);
        near_final(s);
    }
    build_ready(s, true);
    return s->nomem ? quire_error_set(err, QUIRE_E_NOMEM, "out of memory") : QUIRE_OK;
}

static int scan_init(scan *s, const char *query, bool quote)
{
    quire_text raw = {0}, qn = {0};
    unsigned fl = QUIRE_NORM_SPACE | QUIRE_NORM_PUNCT | (quote ? 0 : QUIRE_NORM_CASE);
    int rc = -1;
    s->quote = quote;
    s->ring = malloc(RING_BYTES);
    s->hits = calloc(HITS_MAX, sizeof *s->hits);
    if (s->ring == NULL || s->hits == NULL ||
        quire_text_from_plain(query, strlen(query), &raw) != 0 ||
        quire_text_normalize(&raw, fl, &qn) != 0)
        goto out;
    rc = qn.len == 0 ? 1 : qn.len > QUERY_MAX_BYTES ? 2 : 0;
    if (rc == 0 && quire_text_matcher_init(&s->exact, qn.s, qn.len, quote, on_exact, s) != 0)
        rc = -1;
    if (rc == 0 && quote) {
        quire_text fq = {0};
        if (quire_text_normalize(&raw, fl | QUIRE_NORM_CASE, &fq) != 0 || fq.len == 0 ||
            quire_text_matcher_init(&s->fold, fq.s, fq.len, false, on_fold, s) != 0 ||
            near_init(&s->nr, query) != 0)
            rc = -1;
        quire_text_free(&fq);
    }
out:
    quire_text_free(&raw), quire_text_free(&qn);
    return rc;
}

static void scan_free(scan *s)
{
    clear_hits(s);
    free(s->hits), free(s->ring);
    quire_text_matcher_free(&s->exact), quire_text_matcher_free(&s->fold);
    near_free(&s->nr);
    json_decref(s->out), json_decref(s->truncated);
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
    char *v = quire_text_utf8_repair(p != NULL ? p : "", p != NULL ? n : 0, &len);
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

/* "N matches, the first HITS_MAX shown", on stderr with the path escaped. */
static void note_truncated(const scan *s, const char *path, const char *what)
{
    char *p = cli_escape_dup(path, strlen(path), 0);
    read_fail(s->bundle, "%s: %" PRIu64 " %s, the first %d shown", p != NULL ? p : "?", s->total,
              what, HITS_MAX);
    free(p);
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

/* Not found: the passage ignoring case, else the longest run of shared words. */
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
        json_object_set_new(s->out, "near_match", j);
    } else {
        printf("not found; %s, line %" PRIu64 ", column %" PRIu64 ": ", msg, h->at.line, h->at.col);
        out_safe(stdout, h->ctx, h->ctx_len);
        fputc('\n', stdout);
    }
}

static int quote_end(void *ctx, uint32_t i, quire_error *err)
{
    scan *s = ctx;
    int rc = scan_finish(s, err);
    if (rc != QUIRE_OK)
        return rc;
    if (s->json) {
        json_object_set_new(s->out, "found", json_boolean(s->total > 0));
        json_object_set_new(s->out, "match_count", json_integer((json_int_t)s->total));
        json_object_set_new(s->out, "truncated", json_boolean(s->total > s->nhits));
    }
    if (s->total > 0)
        quote_matches(s, s->idx->entries[i].path);
    else
        quote_near(s);
    return QUIRE_OK;
}

int cmd_quote(const read_opts *o, int argc, char **argv)
{
    int code = 0;
    uint32_t i;
    quire_error err;
    if (argc != 3 || argv[2][0] == '\0') {
        read_fail(NULL, "quote: expected BUNDLE PATH \"TEXT\"");
        return 2;
    }
    scan s = {.json = o->json, .bundle = argv[0]};
    int irc = scan_init(&s, argv[2], true);
    if (irc != 0) {
        scan_free(&s);
        return init_fail(argv[0], "quote", irc);
    }
    quire_reader *r = read_open(argv[0], o, &code);
    if (r == NULL || (code = read_find(r, argv[0], argv[1], &i)) != 0)
        goto out;
    s.r = r;
    s.idx = quire_reader_index(r);
    quire_walk_ops ops = {scan_begin, scan_data, quote_end};
    if (o->json) {
        s.out = json_object();
        json_object_set_new(s.out, "path", jstr(argv[1], strlen(argv[1])));
        json_object_set_new(s.out, "passage", jstr(argv[2], strlen(argv[2])));
        json_object_set_new(s.out, "matches", json_array());
    }
    int rc = read_walk_one(r, i, &ops, &s, &err);
    if (rc != QUIRE_OK) {
        read_error(argv[0], &err);
        code = quire_exit_code(rc);
        goto out;
    }
    if (o->json)
        out_json(s.out), s.out = NULL;
    if (s.total == 0)
        read_fail(argv[0], "%s: passage not found", argv[1]);
    code = s.total > 0 ? 0 : 3; /* 3: verified, and not there */
out:
    scan_free(&s);
    quire_reader_close(r);
    return code;
}

/* ---- search ---- */

static int search_end(void *ctx, uint32_t i, quire_error *err)
{
    scan *s = ctx;
    const quire_entry *e = &s->idx->entries[i];
    int rc = scan_finish(s, err);
    if (rc != QUIRE_OK)
        return rc;
    for (size_t k = 0; k < s->nhits; k++) {
        const hit *h = &s->hits[k];
        if (s->json) {
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
    s->found += s->total;
    return QUIRE_OK;
}

int cmd_search(const read_opts *o, int argc, char **argv)
{
    int code = 0;
    quire_error err;
    if (argc != 2 || argv[1][0] == '\0') {
        read_fail(NULL, "search: expected BUNDLE QUERY");
        return 2;
    }
    scan s = {.json = o->json, .bundle = argv[0]};
    int irc = scan_init(&s, argv[1], false);
    if (irc != 0) {
        scan_free(&s);
        return init_fail(argv[0], "search", irc);
    }
    quire_reader *r = read_open(argv[0], o, &code);
    if (r == NULL)
        goto out;
    s.r = r;
    s.idx = quire_reader_index(r);
    s.out = o->json ? json_array() : NULL;
    s.truncated = o->json ? json_array() : NULL;
    quire_walk_ops ops = {scan_begin, scan_data, search_end};
    int rc = quire_reader_walk(r, NULL, &ops, &s, &err);
    if (rc != QUIRE_OK) {
        read_error(argv[0], &err);
        code = quire_exit_code(rc);
        goto out;
    }
    if (o->json) {
        out_json(json_pack("{s:o, s:o, s:o}", "query", jstr(argv[1], strlen(argv[1])), "matches",
                           s.out, "truncated", s.truncated));
        s.out = s.truncated = NULL;
    }
    code = s.found > 0 ? 0 : 3; /* 3: verified, and nothing matched */
out:
    scan_free(&s);
    quire_reader_close(r);
    return code;
}
