/* SPDX-License-Identifier: ISC */
/* read_cite.c: quire-read cite. A citation of a verified document carries what a reader of
 * the citation needs to check it: the source URL and retrieval date from the signed
 * provenance, the SHA-256 of the content (what sha256sum prints for the extracted file), the
 * path, the bundle fingerprint and the signer's key id. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "read.h"

typedef struct cite {
    json_t *item; /* provenance (CSL-JSON), owned */
    const char *path;
    char sha[65], fp[65];
    char signer[64]; /* "signed by key ID" or, under --any-signer, that no signer was verified */
} cite;

/* "2016-05-02" from CSL date-parts (or raw/literal), or NULL. The parts are signed but
 * arbitrary JSON: any integer (INT64_MIN included) or string, so the text is built in a
 * growing buffer, never a fixed one. */
static char *csl_date(json_t *d)
{
    json_t *parts = json_array_get(json_object_get(d, "date-parts"), 0);
    const char *raw = json_string_value(json_object_get(d, "raw"));
    const char *lit = json_string_value(json_object_get(d, "literal"));
    if (raw != NULL || lit != NULL)
        return strdup(raw != NULL ? raw : lit);
    if (!json_is_array(parts) || json_array_size(parts) == 0)
        return NULL;
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (f == NULL)
        return NULL;
    for (size_t i = 0; i < json_array_size(parts) && i < 3; i++) {
        json_t *v = json_array_get(parts, i);
        long long x = json_is_integer(v)
                          ? json_integer_value(v)
                          : strtoll(json_string_value(v) ? json_string_value(v) : "0", NULL, 10);
        fprintf(f, i == 0 ? "%04lld" : "-%02lld", x);
    }
    if (fclose(f) != 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* "Family, Given; Family, Given" (sep between names), or NULL when there are no authors. */
static char *authors(json_t *list, const char *sep)
{
    size_t i;
    json_t *a;
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (f == NULL)
        return NULL;
    json_array_foreach(list, i, a)
    {
        const char *fam = json_string_value(json_object_get(a, "family"));
        const char *giv = json_string_value(json_object_get(a, "given"));
        const char *lit = json_string_value(json_object_get(a, "literal"));
        if (i > 0)
            fputs(sep, f);
        if (lit != NULL)
            fputs(lit, f);
        else
            fprintf(f, "%s%s%s", fam ? fam : "", fam && giv ? ", " : "", giv ? giv : "");
    }
    fclose(f);
    if (len == 0) {
        free(out);
        return NULL;
    }
    return out;
}

static const char *str(json_t *item, const char *key)
{
    return json_string_value(json_object_get(item, key));
}

static void cite_text(const cite *c)
{
    char *au = authors(json_object_get(c->item, "author"), "; ");
    char *issued = csl_date(json_object_get(c->item, "issued"));
    char *accessed = csl_date(json_object_get(c->item, "accessed"));
    const char *title = str(c->item, "title"), *url = str(c->item, "URL");
    const char *where = str(c->item, "container-title");
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL)
        goto out;
    fprintf(f, "%s (%s). %s.", au ? au : "Unknown author", issued ? issued : "n.d.",
            title ? title : c->path);
    if (where != NULL || str(c->item, "publisher") != NULL)
        fprintf(f, " %s.", where ? where : str(c->item, "publisher"));
    fprintf(f, " %s%s (retrieved %s).", url ? "" : "URL ", url ? url : "unknown",
            accessed ? accessed : "on an unknown date");
    fprintf(f, " Archived as %s in quire bundle %s, SHA-256 %s, %s.\n", c->path, c->fp, c->sha,
            c->signer);
    fclose(f);
    out_safe_text(stdout, text, len);
out:
    free(text), free(au), free(issued), free(accessed);
}

/* BibTeX needs its special characters escaped. */
static void tex(FILE *f, const char *s)
{
    for (; s != NULL && *s; s++) {
        if (strchr("&%$#_{}", *s))
            fprintf(f, "\\%c", *s);
        else if (*s == '~')
            fputs("\\textasciitilde{}", f);
        else if (*s == '^')
            fputs("\\textasciicircum{}", f);
        else if (*s == '\\')
            fputs("\\textbackslash{}", f);
        else
            fputc(*s, f);
    }
}

static void bib_field(FILE *f, const char *name, const char *value, bool braced)
{
    if (value == NULL)
        return;
    fprintf(f, "  %s = {%s", name, braced ? "{" : "");
    tex(f, value);
    fprintf(f, "%s},\n", braced ? "}" : "");
}

static void cite_bibtex(const cite *c)
{
    char *au = authors(json_object_get(c->item, "author"), " and ");
    char *issued = csl_date(json_object_get(c->item, "issued"));
    char *accessed = csl_date(json_object_get(c->item, "accessed"));
    const char *id = str(c->item, "id");
    char *note = NULL, *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL)
        goto out;
    fputs("@misc{", f);
    for (const char *p = id ? id : c->path; *p; p++) /* keys allow no spaces or braces */
        fputc(strchr(" ,{}%#\\\"", *p) ? '_' : *p, f);
    fputs(",\n", f);
    bib_field(f, "title", str(c->item, "title") ? str(c->item, "title") : c->path, true);
    bib_field(f, "author", au, false);
    if (issued != NULL) {
        char year[5];
        snprintf(year, sizeof year, "%.4s", issued);
        bib_field(f, "year", year, false); /* BibTeX */
    }
    bib_field(f, "date", issued, false); /* biblatex */
    bib_field(f, "organization", str(c->item, "container-title"), false);
    bib_field(f, "publisher", str(c->item, "publisher"), false);
    bib_field(f, "url", str(c->item, "URL"), false);
    bib_field(f, "urldate", accessed, false);
    if (asprintf(&note, "SHA-256 %s; archived as %s in quire bundle %s, %s", c->sha, c->path, c->fp,
                 c->signer) < 0)
        note = NULL;
    bib_field(f, "note", note != NULL ? note : "", false);
    fputs("}\n", f);
    fclose(f);
    out_safe_text(stdout, text, len);
out:
    free(text), free(note), free(au), free(issued), free(accessed);
}

/* Valid CSL-JSON: the item without quire's own fields, with id and type guaranteed and the
 * archive location (CSL's archive and archive_location variables) filled in. */
static int cite_csl(const cite *c)
{
    json_t *item = json_deep_copy(c->item);
    const char *key;
    json_t *v, *tmp;
    char archive[128];
    json_object_foreach_safe(item, tmp, key, v)
    {
        if (strncmp(key, "quire-", 6) == 0)
            json_object_del(item, key);
    }
    if (!json_is_string(json_object_get(item, "id")))
        json_object_set_new(item, "id", json_string(c->path));
    if (!json_is_string(json_object_get(item, "type")))
        json_object_set_new(item, "type", json_string("document"));
    if (!json_is_string(json_object_get(item, "title")))
        json_object_set_new(item, "title", json_string(c->path));
    snprintf(archive, sizeof archive, "quire bundle %s", c->fp);
    json_object_set_new(item, "archive", json_string(archive));
    json_object_set_new(item, "archive_location", json_string(c->path));
    const char *old = str(item, "note");
    char *note = NULL;
    if (asprintf(&note, "%s%sSHA-256: %s; %s", old ? old : "", old ? "\n" : "", c->sha, c->signer) <
        0)
        note = NULL;
    json_object_set_new(item, "note", json_string(note != NULL ? note : ""));
    free(note);
    return out_json(json_pack("[o]", item));
}

int cmd_cite(const read_opts *o, int argc, char **argv)
{
    int code = 0;
    uint32_t i;
    const char *format = o->format != NULL ? o->format : "text";
    if (argc != 2) {
        read_fail(NULL, "cite: expected BUNDLE PATH");
        return 2;
    }
    if (strcmp(format, "text") && strcmp(format, "bibtex") && strcmp(format, "csl-json")) {
        read_fail(NULL, "cite: --format must be text, bibtex or csl-json");
        return 2;
    }
    quire_reader *r = read_open(argv[0], o, &code);
    if (r == NULL)
        return code;
    const quire_index *idx = quire_reader_index(r);
    if ((code = read_find(r, argv[0], argv[1], &i)) != 0) {
        quire_reader_close(r);
        return code;
    }
    /* A citation vouches for the content: check the document's bytes before citing it. */
    quire_error err;
    int rc = read_walk_one(r, i, NULL, NULL, &err);
    if (rc != QUIRE_OK) {
        read_error(argv[0], &err);
        quire_reader_close(r);
        return quire_exit_code(rc);
    }
    const quire_entry *e = &idx->entries[i];
    const quire_sig *s = quire_reader_signer(r);
    cite c = {.path = e->path};
    if ((code = read_entry_meta(r, argv[0], i, &c.item)) != 0) {
        quire_reader_close(r);
        return code;
    }
    for (int k = 0; k < 32; k++) {
        snprintf(c.sha + 2 * k, 3, "%02x", e->sha256[k]);
        snprintf(c.fp + 2 * k, 3, "%02x", quire_reader_fingerprint(r)[k]);
    }
    /* A citation travels without the stderr warning: under --any-signer it says itself that
     * no signer was verified, and names no key (a record's key id is not authenticated). */
    if (s != NULL) {
        char key[17];
        quire_key_id_hex(s->key_id, key);
        snprintf(c.signer, sizeof c.signer, "signed by key %s", key);
    } else {
        snprintf(c.signer, sizeof c.signer, "signer NOT verified (--any-signer)");
    }
    if (strcmp(format, "csl-json") == 0)
        code = cite_csl(&c);
    else if (strcmp(format, "bibtex") == 0)
        cite_bibtex(&c);
    else
        cite_text(&c);
    json_decref(c.item);
    quire_reader_close(r);
    return code;
}
