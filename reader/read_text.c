/* read_text.c: quire-read quote and search. Both work on the verified text of a document: an
 * entry is read through quire_reader_walk, which releases only bytes whose hashes matched, and
 * is used only if its SHA-256 matched too (the walk's end callback). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "quire_text.h"
#include "read.h"

#define TEXT_MAX_BYTES (256u << 20)
#define CONTEXT_BYTES 70
#define NEAR_MAX_WORDS 64

typedef struct collect {
    char *buf;
    size_t len, cap;
    bool complete;
} collect;

static int c_begin(void *ctx, uint32_t i, quire_error *err)
{
    collect *c = ctx;
    (void)i, (void)err;
    c->len = 0;
    c->complete = false;
    return QUIRE_OK;
}

static int c_data(void *ctx, uint32_t i, const uint8_t *p, size_t n, quire_error *err)
{
    collect *c = ctx;
    (void)i;
    if (n > TEXT_MAX_BYTES - c->len)
        return quire_error_set(err, QUIRE_E_USAGE, "document larger than %u MiB",
                               TEXT_MAX_BYTES >> 20);
    if (c->len + n > c->cap) {
        size_t cap = c->cap ? c->cap : 65536;
        while (cap < c->len + n)
            cap *= 2;
        char *b = realloc(c->buf, cap);
        if (b == NULL)
            return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
        c->buf = b;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, p, n);
    c->len += n;
    return QUIRE_OK;
}

/* The walk has checked the entry's metadata before its end callback runs. */
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

/* The text layer of a verified document: its HTML text, or the bytes themselves. */
static int text_layer(quire_reader *r, uint32_t i, const collect *c, quire_text *t)
{
    char mt[64];
    if (quire_text_is_html(media_type(r, i, mt, sizeof mt), quire_reader_index(r)->entries[i].path))
        return quire_text_from_html(c->buf, c->len, t);
    return quire_text_from_plain(c->buf, c->len, t);
}

/* Line (1-based) and column (in characters) of byte off of the original document. */
static void locate(const collect *c, size_t off, size_t *line, size_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && i < c->len; i++) {
        if (c->buf[i] == '\n')
            (*line)++, *col = 1;
        else if (((unsigned char)c->buf[i] & 0xC0) != 0x80)
            (*col)++;
    }
}

/* The text around [from, to) of layer t, white space collapsed, as a string to free. */
static char *context(const quire_text *t, size_t from, size_t to)
{
    size_t a = from > CONTEXT_BYTES ? from - CONTEXT_BYTES : 0;
    size_t b = to + CONTEXT_BYTES < t->len ? to + CONTEXT_BYTES : t->len;
    while (a > 0 && ((unsigned char)t->s[a] & 0xC0) == 0x80)
        a--;
    while (b < t->len && ((unsigned char)t->s[b] & 0xC0) == 0x80)
        b++;
    quire_text part = {t->s + a, t->map + a, b - a}, norm;
    if (quire_text_normalize(&part, QUIRE_NORM_SPACE, &norm) != 0)
        return NULL;
    free(norm.map);
    return norm.s;
}

/* ---- quote ---- */

/* Both contexts start with the collector, which c_begin and c_data receive. */
typedef struct quote_ctx {
    collect c;
    quire_reader *r;
    const quire_index *idx;
    const char *passage;
    bool json;
    int found; /* occurrences */
    json_t *report;
} quote_ctx;

static void report_match(quote_ctx *q, const quire_text *t, size_t from, size_t to)
{
    size_t line, col;
    locate(&q->c, t->map[from], &line, &col);
    char *ctx = context(t, from, to);
    if (q->json) {
        json_array_append_new(json_object_get(q->report, "matches"),
                              json_pack("{s:I, s:I, s:s?}", "line", (json_int_t)line, "column",
                                        (json_int_t)col, "context", ctx));
    } else {
        printf("line %zu, column %zu: ", line, col);
        out_safe(stdout, ctx != NULL ? ctx : "", ctx != NULL ? strlen(ctx) : 0);
        fputc('\n', stdout);
    }
    free(ctx);
}

/* Splits a normalised text into words at spaces: starts and lengths. */
static size_t words(const quire_text *t, size_t **start, size_t **len)
{
    size_t n = 0, cap = 0;
    *start = *len = NULL;
    for (size_t i = 0; i < t->len;) {
        const char *sp = memchr(t->s + i, ' ', t->len - i);
        size_t end = sp != NULL ? (size_t)(sp - t->s) : t->len;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            size_t *s2 = realloc(*start, cap * sizeof *s2), *l2;
            if (s2 != NULL)
                *start = s2;
            l2 = realloc(*len, cap * sizeof *l2);
            if (s2 == NULL || l2 == NULL)
                return n;
            *len = l2;
        }
        (*start)[n] = i;
        (*len)[n++] = end - i;
        i = end + 1;
    }
    return n;
}

/* The longest run of consecutive words shared by doc and query (case ignored); returns its
 * length and the doc word where the aligned query would start. */
static size_t best_run(const quire_text *d, const quire_text *qt, size_t *doc_first, size_t *span)
{
    size_t *ds, *dl, *qs, *ql, best = 0;
    size_t nd = words(d, &ds, &dl), nq = words(qt, &qs, &ql);
    size_t *run = calloc(nq + 1, sizeof *run), *prev = calloc(nq + 1, sizeof *prev);
    if (nq > NEAR_MAX_WORDS)
        nq = NEAR_MAX_WORDS;
    for (size_t i = 0; run != NULL && prev != NULL && i < nd; i++) {
        for (size_t j = 1; j <= nq; j++) {
            bool eq = dl[i] == ql[j - 1] && memcmp(d->s + ds[i], qt->s + qs[j - 1], dl[i]) == 0;
            run[j] = eq ? prev[j - 1] + 1 : 0;
            if (run[j] > best) {
                best = run[j];
                size_t first = i + 1 - run[j]; /* doc word matching query word j - run */
                size_t qfirst = j - run[j];
                *doc_first = first >= qfirst ? first - qfirst : 0;
                *span = nq;
            }
        }
        size_t *tmp = prev;
        prev = run;
        run = tmp;
    }
    if (best > 0) { /* convert the word span to byte offsets of d */
        size_t last = *doc_first + *span - 1 < nd ? *doc_first + *span - 1 : nd - 1;
        *span = ds[last] + dl[last];
        *doc_first = ds[*doc_first];
    }
    free(run), free(prev), free(ds), free(dl), free(qs), free(ql);
    return best;
}

/* Not found: tries the passage ignoring case, then the longest shared run of words. */
static void near_match(quote_ctx *q, const quire_text *t, const quire_text *query)
{
    quire_text tf = {0}, qf = {0};
    unsigned fl = QUIRE_NORM_SPACE | QUIRE_NORM_PUNCT | QUIRE_NORM_CASE;
    size_t first = 0, end = 0, qwords;
    if (quire_text_normalize(t, fl, &tf) != 0 || quire_text_normalize(query, fl, &qf) != 0)
        goto out;
    const char *hit = qf.len ? memmem(tf.s, tf.len, qf.s, qf.len) : NULL;
    size_t run = hit != NULL ? 0 : best_run(&tf, &qf, &first, &end);
    size_t *qs, *ql;
    qwords = words(&qf, &qs, &ql);
    free(qs), free(ql);
    char msg[96];
    if (hit != NULL)
        snprintf(msg, sizeof msg, "matches only if letter case is ignored");
    else
        snprintf(msg, sizeof msg, "closest passage shares %zu of %zu words", run, qwords);
    if (hit != NULL) {
        first = (size_t)(hit - tf.s);
        end = first + qf.len;
    } else if (run == 0 || 2 * run < (qwords < NEAR_MAX_WORDS ? qwords : NEAR_MAX_WORDS)) {
        goto out;
    }
    size_t line, col;
    size_t from = tf.map[first], to = tf.map[end > 0 ? end - 1 : 0] + 1;
    locate(&q->c, t->map[from], &line, &col);
    char *ctx = context(t, from, to);
    if (q->json) {
        json_object_set_new(q->report, "near_match",
                            json_pack("{s:s, s:I, s:I, s:s?}", "reason", msg, "line",
                                      (json_int_t)line, "column", (json_int_t)col, "context", ctx));
    } else {
        printf("not found; %s, line %zu, column %zu: ", msg, line, col);
        out_safe(stdout, ctx != NULL ? ctx : "", ctx != NULL ? strlen(ctx) : 0);
        fputc('\n', stdout);
    }
    free(ctx);
out:
    quire_text_free(&tf), quire_text_free(&qf);
}

static int quote_end(void *ctx, uint32_t i, quire_error *err)
{
    quote_ctx *q = ctx;
    quire_text t = {0}, tn = {0}, raw = {0}, qn = {0};
    unsigned fl = QUIRE_NORM_SPACE | QUIRE_NORM_PUNCT;
    int rc = QUIRE_OK;
    if (text_layer(q->r, i, &q->c, &t) != 0 || quire_text_normalize(&t, fl, &tn) != 0 ||
        quire_text_from_plain(q->passage, strlen(q->passage), &raw) != 0 ||
        quire_text_normalize(&raw, fl, &qn) != 0) {
        rc = quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t off = 0; qn.len > 0 && off + qn.len <= tn.len;) {
        const char *hit = memmem(tn.s + off, tn.len - off, qn.s, qn.len);
        if (hit == NULL)
            break;
        size_t at = (size_t)(hit - tn.s);
        report_match(q, &t, tn.map[at], tn.map[at + qn.len - 1] + 1);
        q->found++;
        off = at + 1;
    }
    if (q->found == 0)
        near_match(q, &t, &raw);
out:
    quire_text_free(&t), quire_text_free(&tn), quire_text_free(&raw), quire_text_free(&qn);
    return rc;
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
    quire_reader *r = read_open(argv[0], o, &code);
    if (r == NULL)
        return code;
    if ((code = read_find(r, argv[0], argv[1], &i)) != 0) {
        quire_reader_close(r);
        return code;
    }
    quote_ctx q = {.r = r, .idx = quire_reader_index(r), .passage = argv[2], .json = o->json};
    quire_walk_ops ops = {c_begin, c_data, quote_end};
    if (o->json)
        q.report = json_pack("{s:s, s:s, s:[]}", "path", argv[1], "passage", argv[2], "matches");
    int rc = read_walk_one(r, i, &ops, &q, &err);
    if (rc != QUIRE_OK) {
        read_fail(argv[0], "%s", err.msg);
        code = quire_exit_code(rc);
    } else {
        if (o->json) {
            json_object_set_new(q.report, "found", json_boolean(q.found > 0));
            out_json(q.report), q.report = NULL;
        }
        if (q.found == 0)
            read_fail(argv[0], "%s: passage not found", argv[1]);
        code = q.found > 0 ? 0 : 1;
    }
    json_decref(q.report);
    free(q.c.buf);
    quire_reader_close(r);
    return code;
}

/* ---- search ---- */

typedef struct search_ctx {
    collect c;
    quire_reader *r;
    const quire_index *idx;
    quire_text query; /* normalised, case folded */
    bool json;
    json_t *hits;
    size_t found;
} search_ctx;

static void search_hit(search_ctx *s, const quire_entry *e, const quire_text *t, size_t from,
                       size_t to)
{
    size_t line, col;
    locate(&s->c, t->map[from], &line, &col);
    char *ctx = context(t, from, to);
    if (s->json) {
        json_array_append_new(s->hits, json_pack("{s:s, s:I, s:I, s:s?}", "path", e->path, "line",
                                                 (json_int_t)line, "column", (json_int_t)col,
                                                 "snippet", ctx));
    } else {
        out_safe(stdout, e->path, e->path_len);
        printf(":%zu: ", line);
        out_safe(stdout, ctx != NULL ? ctx : "", ctx != NULL ? strlen(ctx) : 0);
        fputc('\n', stdout);
    }
    free(ctx);
    s->found++;
}

static int search_end(void *ctx, uint32_t i, quire_error *err)
{
    search_ctx *s = ctx;
    const quire_entry *e = &s->idx->entries[i];
    quire_text t = {0}, tn = {0};
    unsigned fl = QUIRE_NORM_SPACE | QUIRE_NORM_PUNCT | QUIRE_NORM_CASE;
    if (text_layer(s->r, i, &s->c, &t) != 0 || quire_text_normalize(&t, fl, &tn) != 0) {
        quire_text_free(&t);
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    }
    size_t last_line_start = SIZE_MAX;
    for (size_t off = 0; off + s->query.len <= tn.len;) {
        const char *hit = memmem(tn.s + off, tn.len - off, s->query.s, s->query.len);
        if (hit == NULL)
            break;
        size_t at = (size_t)(hit - tn.s), from = tn.map[at];
        size_t ls = from;
        while (ls > 0 && t.s[ls - 1] != '\n')
            ls--;
        if (ls != last_line_start) /* one result per line */
            search_hit(s, e, &t, from, tn.map[at + s->query.len - 1] + 1);
        last_line_start = ls;
        off = at + s->query.len;
    }
    quire_text_free(&t), quire_text_free(&tn);
    return QUIRE_OK;
}

int cmd_search(const read_opts *o, int argc, char **argv)
{
    int code = 0;
    quire_error err;
    quire_text raw;
    if (argc != 2 || argv[1][0] == '\0') {
        read_fail(NULL, "search: expected BUNDLE QUERY");
        return 2;
    }
    quire_reader *r = read_open(argv[0], o, &code);
    if (r == NULL)
        return code;
    search_ctx s = {.r = r, .idx = quire_reader_index(r), .json = o->json};
    unsigned fl = QUIRE_NORM_SPACE | QUIRE_NORM_PUNCT | QUIRE_NORM_CASE;
    if (quire_text_from_plain(argv[1], strlen(argv[1]), &raw) != 0 ||
        quire_text_normalize(&raw, fl, &s.query) != 0 || s.query.len == 0) {
        read_fail(argv[0], "search: empty query");
        quire_reader_close(r);
        return 2;
    }
    quire_text_free(&raw);
    s.hits = o->json ? json_array() : NULL;
    quire_walk_ops ops = {c_begin, c_data, search_end};
    int rc = quire_reader_walk(r, NULL, &ops, &s, &err);
    if (rc != QUIRE_OK) {
        read_fail(argv[0], "%s", err.msg);
        code = quire_exit_code(rc);
    } else {
        if (o->json)
            out_json(json_pack("{s:s, s:o}", "query", argv[1], "matches", s.hits)), s.hits = NULL;
        code = s.found > 0 ? 0 : 1;
    }
    json_decref(s.hits);
    quire_text_free(&s.query);
    free(s.c.buf);
    quire_reader_close(r);
    return code;
}
