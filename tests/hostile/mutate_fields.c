/* SPDX-License-Identifier: ISC */
/* mutate_fields.c: quire-mutate's field assignments. `set` changes fields of the model before
 * the index is encoded and signed (unit and entry records before the pages and unit pages are
 * made and hashed, directory and statement fields before the directory is hashed); `poke`
 * changes bytes of a finished file. Each takes
 * FIELD=V, FIELD+=V, FIELD-=V or FIELD^=V, in wrapping 64-bit arithmetic truncated to the
 * field's width, so a test can write any value a hostile writer could. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mutate.h"

typedef struct fref {
    void *p;
    size_t width; /* 1, 2, 4 or 8 */
} fref;

static uint64_t fref_get(fref f)
{
    switch (f.width) {
    case 1:
        return *(const uint8_t *)f.p;
    case 2:
        return *(const uint16_t *)f.p;
    case 4:
        return *(const uint32_t *)f.p;
    default:
        return *(const uint64_t *)f.p;
    }
}

static void fref_put(fref f, uint64_t v)
{
    switch (f.width) {
    case 1:
        *(uint8_t *)f.p = (uint8_t)v;
        break;
    case 2:
        *(uint16_t *)f.p = (uint16_t)v;
        break;
    case 4:
        *(uint32_t *)f.p = (uint32_t)v;
        break;
    default:
        *(uint64_t *)f.p = v;
        break;
    }
}

/* Splits FIELD OP VALUE: copies FIELD into field, returns the operator ('=', '+', '-', '^'). */
static char split_assign(const char *expr, char *field, size_t cap, uint64_t *value)
{
    const char *op = strpbrk(expr, "+-^=");
    if (op == NULL || op == expr || (op[0] != '=' && op[1] != '='))
        h_die("not an assignment: %s", expr);
    if ((size_t)(op - expr) >= cap)
        h_die("field name too long: %s", expr);
    snprintf(field, cap, "%.*s", (int)(op - expr), expr);
    *value = num(op[0] == '=' ? op + 1 : op + 2);
    return op[0];
}

static uint64_t combine(char op, uint64_t old, uint64_t v)
{
    return op == '+' ? old + v : op == '-' ? old - v : op == '^' ? old ^ v : v;
}

#define REF(x) ((fref){&(x), sizeof(x)})

/* a byte of an array: NAME.K */
static bool byte_ref(const char *name, const char *pre, uint8_t *arr, size_t n, fref *out)
{
    size_t len = strlen(pre);
    if (strncmp(name, pre, len) != 0 || name[len] != '.')
        return false;
    uint64_t k = num(name + len + 1);
    if (k >= n)
        h_die("%s: byte %llu out of range", name, (unsigned long long)k);
    *out = (fref){arr + k, 1};
    return true;
}

static bool unit_ref(h_bundle *b, const char *name, fref *out)
{
    char *rest;
    unsigned long u = strtoul(name, &rest, 10);
    if (rest == name || *rest != '.' || u >= b->nunits)
        h_die("no unit in %s", name);
    h_unit *un = &b->units[u];
    rest++;
    if (strcmp(rest, "comp") == 0)
        return *out = REF(un->comp), true;
    if (strcmp(rest, "stored_size") == 0)
        return *out = REF(un->stored_size), true;
    if (strcmp(rest, "raw_size") == 0)
        return *out = REF(un->raw_size), true;
    return byte_ref(rest, "reserved", un->reserved, sizeof un->reserved, out) ||
           byte_ref(rest, "hash", un->hash, sizeof un->hash, out);
}

static bool entry_ref(h_bundle *b, const char *name, fref *out)
{
    char *rest;
    unsigned long i = strtoul(name, &rest, 10);
    if (rest == name || *rest != '.' || i >= b->nentries)
        h_die("no entry in %s", name);
    h_entry *e = &b->entries[i];
    rest++;
    if (strcmp(rest, "size") == 0)
        return *out = REF(e->size), true;
    if (strcmp(rest, "path_len") == 0)
        return *out = REF(e->path_len), true;
    if (strcmp(rest, "role") == 0)
        return *out = REF(e->role), true;
    if (strcmp(rest, "flags") == 0)
        return *out = REF(e->flags), true;
    if (strcmp(rest, "meta_len") == 0)
        return *out = REF(e->meta_len), true;
    if (strcmp(rest, "link") == 0)
        return *out = REF(e->link), true;
    return byte_ref(rest, "sha256", e->sha256, sizeof e->sha256, out);
}

static bool page_ref(h_bundle *b, const char *name, fref *out)
{
    char *rest;
    unsigned long k = strtoul(name, &rest, 10);
    if (rest == name || *rest != '.' || k >= b->npages)
        h_die("no entry page in %s", name);
    h_page *pg = &b->pages[k];
    rest++;
    if (strcmp(rest, "stored_size") == 0)
        return *out = REF(pg->stored_size), true;
    if (strcmp(rest, "raw_size") == 0)
        return *out = REF(pg->raw_size), true;
    if (strcmp(rest, "count") == 0)
        return *out = REF(pg->count), true;
    if (strcmp(rest, "stream") == 0)
        return *out = REF(pg->stream), true;
    if (strcmp(rest, "first_len") == 0)
        return *out = REF(pg->first_len), true;
    return byte_ref(rest, "sha256", pg->sha256, sizeof pg->sha256, out);
}

static bool upage_ref(h_bundle *b, const char *name, fref *out)
{
    char *rest;
    unsigned long k = strtoul(name, &rest, 10);
    if (rest == name || *rest != '.' || k >= b->nupages)
        h_die("no unit page in %s", name);
    h_upage *up = &b->upages[k];
    rest++;
    if (strcmp(rest, "file_offset") == 0)
        return *out = REF(up->file_offset), true;
    if (strcmp(rest, "stream_offset") == 0)
        return *out = REF(up->stream_offset), true;
    return byte_ref(rest, "sha256", up->sha256, sizeof up->sha256, out);
}

static bool stmt_ref(h_bundle *b, const char *f, fref *out)
{
    h_statement *st = &b->st;
    if (strcmp(f, "index_offset") == 0)
        return *out = REF(st->index_offset), true;
    if (strcmp(f, "index_size") == 0)
        return *out = REF(st->index_size), true;
    if (strcmp(f, "entry_count") == 0)
        return *out = REF(st->entry_count), true;
    if (strcmp(f, "unit_count") == 0)
        return *out = REF(st->unit_count), true;
    if (strcmp(f, "entry_page_count") == 0)
        return *out = REF(st->entry_page_count), true;
    if (strcmp(f, "bundle_meta_len") == 0)
        return *out = REF(st->bundle_meta_len), true;
    if (strcmp(f, "directory_size") == 0)
        return *out = REF(st->directory_size), true;
    if (strcmp(f, "stream_size") == 0)
        return *out = REF(st->stream_size), true;
    return byte_ref(f, "root", st->root, sizeof st->root, out);
}

static bool sig_ref(h_sigblock *s, const char *f, fref *out)
{
    if (strcmp(f, "count") == 0)
        return *out = REF(s->count), true;
    if (strcmp(f, "reserved") == 0)
        return *out = REF(s->reserved), true;
    if (byte_ref(f, "magic", s->magic, 8, out))
        return true;
    char *rest;
    unsigned long i = strtoul(f, &rest, 10);
    if (rest == f || *rest != '.' || i >= s->nsigs)
        return false;
    return byte_ref(rest + 1, "alg", s->sigs[i].alg, 2, out) ||
           byte_ref(rest + 1, "key_id", s->sigs[i].key_id, QUIRE_KEY_ID_BYTES, out);
}

/* Applies FIELD OP VALUE to the field resolve finds. */
static void assign(const char *expr, bool (*resolve)(mctx *, const char *, fref *), mctx *c)
{
    char field[128];
    uint64_t v;
    char op = split_assign(expr, field, sizeof field, &v);
    fref r;
    if (!resolve(c, field, &r))
        h_die("unknown field: %s", field);
    fref_put(r, combine(op, fref_get(r), v));
}

static bool has_prefix(const char *s, const char *pre)
{
    return strncmp(s, pre, strlen(pre)) == 0;
}

/* unit.* and entry.*: the records, set before the pages and the unit pages are made. */
static bool is_record_field(const char *expr)
{
    return has_prefix(expr, "unit.") || has_prefix(expr, "entry.");
}

static bool record_ref(mctx *c, const char *f, fref *out)
{
    if (has_prefix(f, "unit."))
        return unit_ref(&c->b, f + 5, out);
    return entry_ref(&c->b, f + 6, out);
}

/* The directory's records, the statement and the header. */
static bool model_ref(mctx *c, const char *f, fref *out)
{
    h_bundle *b = &c->b;
    if (has_prefix(f, "page."))
        return page_ref(b, f + 5, out);
    if (has_prefix(f, "upage."))
        return upage_ref(b, f + 6, out);
    if (has_prefix(f, "stmt."))
        return stmt_ref(b, f + 5, out);
    return byte_ref(f, "header", b->header, QUIRE_HEADER_BYTES, out) ||
           byte_ref(f, "copy", b->st.copy, QUIRE_HEADER_BYTES, out) ||
           byte_ref(f, "domain", b->st.domain, QUIRE_STATEMENT_DOMAIN_BYTES, out);
}

static bool sigblock_ref(mctx *c, const char *f, fref *out)
{
    return sig_ref(&c->s, f + 4, out);
}

void set_records(mctx *c)
{
    for (int a = 0; a < c->argc; a++)
        if (is_record_field(c->argv[a]))
            assign(c->argv[a], record_ref, c);
}

/* header.N changes the file header and the statement's copy together. */
void set_fields(mctx *c)
{
    for (int a = 0; a < c->argc; a++) {
        const char *x = c->argv[a];
        if (has_prefix(x, "sig.") || is_record_field(x))
            continue;
        if (has_prefix(x, "header.")) {
            char alias[160];
            snprintf(alias, sizeof alias, "copy.%s", x + 7);
            assign(alias, model_ref, c);
        }
        assign(x, model_ref, c);
    }
}

void set_sigs(mctx *c)
{
    for (int a = 0; a < c->argc; a++)
        if (has_prefix(c->argv[a], "sig."))
            assign(c->argv[a], sigblock_ref, c);
}

typedef struct poke_ref {
    uint8_t *p;
    size_t width;
} poke_ref;

/* A byte of a part of the index: pages.N, units.N, dir.N, meta.N, stmt.N (offsets in the part,
 * whose extent the file's own statement gives). */
static bool part_byte(const mctx *c, const char *f, uint64_t *base, uint64_t *limit, uint64_t *k)
{
    const h_layout *l = &c->lay;
    static const char *const names[] = {"pages.", "units.", "dir.", "meta.", "stmt."};
    uint64_t starts[] = {l->index_offset, l->units_offset,     l->dir_offset,
                         l->meta_offset,  l->statement_offset, l->sig_offset};
    for (size_t i = 0; i < 5; i++) {
        if (!has_prefix(f, names[i]))
            continue;
        *k = num(f + strlen(names[i]));
        *base = starts[i];
        *limit = starts[i + 1] - starts[i];
        return true;
    }
    return false;
}

static poke_ref poke_field(mctx *c, const char *f)
{
    uint8_t *t = c->file.p + c->file.len - QUIRE_TRAILER_BYTES;
    static const char *const tf[] = {"trailer.index_offset", "trailer.index_size",
                                     "trailer.sigblock_size", "trailer.attachments_size"};
    for (size_t i = 0; i < 4; i++)
        if (strcmp(f, tf[i]) == 0)
            return (poke_ref){t + 8 * i, 8};
    uint64_t k, base = 0, limit = c->file.len;
    if (has_prefix(f, "trailer.magic."))
        k = num(f + 14), base = c->file.len - 8, limit = 8;
    else if (has_prefix(f, "indexbyte."))
        k = num(f + 10), base = c->lay.index_offset, limit = c->lay.index_size;
    else if (has_prefix(f, "sigbyte."))
        k = num(f + 8), base = c->lay.sig_offset, limit = c->lay.sig_size;
    else if (has_prefix(f, "file."))
        k = num(f + 5);
    else if (!part_byte(c, f, &base, &limit, &k))
        h_die("unknown raw field: %s", f);
    if (k >= limit)
        h_die("%s: out of range", f);
    return (poke_ref){c->file.p + base + k, 1};
}

void m_poke(mctx *c)
{
    for (int a = 0; a < c->argc; a++) {
        char field[128];
        uint64_t v;
        char op = split_assign(c->argv[a], field, sizeof field, &v);
        poke_ref r = poke_field(c, field);
        if (r.width == 8)
            quire_store64(r.p, combine(op, quire_load64(r.p), v));
        else
            r.p[0] = (uint8_t)combine(op, r.p[0], v);
    }
}
