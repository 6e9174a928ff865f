/* SPDX-License-Identifier: ISC */
/* mutate_fields.c: quire-mutate's field assignments. `set` changes fields of the model before
 * the index is encoded and signed; `poke` changes bytes of a finished file. Each takes
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
    return byte_ref(rest, "reserved", un->reserved, 7, out) ||
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
    return byte_ref(rest, "sha256", e->sha256, sizeof e->sha256, out) ||
           byte_ref(rest, "reserved", e->reserved, 4, out);
}

static bool index_ref(h_bundle *b, const char *f, fref *out)
{
    if (strcmp(f, "index_offset") == 0)
        return *out = REF(b->index_offset), true;
    if (strcmp(f, "index_size") == 0)
        return *out = REF(b->index_size), true;
    if (strcmp(f, "entry_count") == 0)
        return *out = REF(b->entry_count), true;
    if (strcmp(f, "unit_count") == 0)
        return *out = REF(b->unit_count), true;
    if (strcmp(f, "bundle_meta_size") == 0)
        return *out = REF(b->bundle_meta_size), true;
    if (strcmp(f, "reserved") == 0)
        return *out = REF(b->reserved), true;
    return false;
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

static bool is_sig_field(const char *expr)
{
    return strncmp(expr, "sig.", 4) == 0;
}

/* header.N changes the file header and its index copy together; everything else is one field. */
static bool model_ref(mctx *c, const char *f, fref *out)
{
    h_bundle *b = &c->b;
    if (strncmp(f, "unit.", 5) == 0)
        return unit_ref(b, f + 5, out);
    if (strncmp(f, "entry.", 6) == 0)
        return entry_ref(b, f + 6, out);
    if (strncmp(f, "index.", 6) == 0)
        return index_ref(b, f + 6, out);
    return byte_ref(f, "header", b->header, QUIRE_HEADER_BYTES, out) ||
           byte_ref(f, "copy", b->copy, QUIRE_HEADER_BYTES, out) ||
           byte_ref(f, "domain", b->domain, QUIRE_INDEX_DOMAIN_BYTES, out);
}

static bool sigblock_ref(mctx *c, const char *f, fref *out)
{
    return sig_ref(&c->s, f + 4, out);
}

void set_fields(mctx *c)
{
    for (int a = 0; a < c->argc; a++) {
        const char *x = c->argv[a];
        if (is_sig_field(x))
            continue;
        if (strncmp(x, "header.", 7) == 0) {
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
        if (is_sig_field(c->argv[a]))
            assign(c->argv[a], sigblock_ref, c);
}

typedef struct poke_ref {
    uint8_t *p;
    size_t width;
} poke_ref;

static poke_ref poke_field(mctx *c, const char *f)
{
    uint8_t *t = c->file.p + c->file.len - QUIRE_TRAILER_BYTES;
    static const char *const tf[] = {"trailer.index_offset", "trailer.index_size",
                                     "trailer.sigblock_size"};
    for (size_t i = 0; i < 3; i++)
        if (strcmp(f, tf[i]) == 0)
            return (poke_ref){t + 8 * i, 8};
    uint64_t k, base = 0, limit = c->file.len;
    if (strncmp(f, "trailer.magic.", 14) == 0)
        k = num(f + 14), base = c->file.len - 8, limit = 8;
    else if (strncmp(f, "indexbyte.", 10) == 0)
        k = num(f + 10), base = c->lay.index_offset, limit = c->lay.index_size;
    else if (strncmp(f, "sigbyte.", 8) == 0)
        k = num(f + 8), base = c->lay.sig_offset, limit = c->lay.sig_size;
    else if (strncmp(f, "file.", 5) == 0)
        k = num(f + 5);
    else
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
