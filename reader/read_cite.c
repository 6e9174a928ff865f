/* SPDX-License-Identifier: ISC */
/* read_cite.c: quire-read cite. A citation of a verified document carries what a reader of
 * the citation needs to check it: the source URL and retrieval date from the signed
 * provenance, the SHA-256 of the content (what sha256sum prints for the extracted file), the
 * path, the bundle fingerprint and the signer's key id; with --receipt, the citation receipt
 * (SPEC 10) that lets anyone check it without the bundle. */
#include <iconv.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "read.h"
#include "read_serve.h"

typedef struct cite {
    json_t *item; /* provenance (CSL-JSON), owned */
    const char *path;
    char sha[65], fp[65];
    char signer[64]; /* "signed by key ID" or, under --any-signer, that no signer was verified */
    const char *receipt; /* --receipt: the base64 of the binary receipt, receipt_len bytes */
    size_t receipt_len;
} cite;

static const char *str(json_t *item, const char *key)
{
    return json_string_value(json_object_get(item, key));
}

/* The citation as prose (malloc'd), NULL when out of memory. */
static char *cite_text(const cite *c)
{
    char *au = read_csl_names(json_object_get(c->item, "author"), true, "; ");
    char *issued = read_csl_date(json_object_get(c->item, "issued"));
    char *accessed = read_csl_date(json_object_get(c->item, "accessed"));
    const char *title = str(c->item, "title"), *url = str(c->item, "URL");
    const char *where = str(c->item, "container-title");
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL) {
        text = NULL;
        goto out;
    }
    fprintf(f, "%s (%s). %s.", au ? au : "Unknown author", issued ? issued : "n.d.",
            title ? title : c->path);
    if (where != NULL || str(c->item, "publisher") != NULL)
        fprintf(f, " %s.", where ? where : str(c->item, "publisher"));
    fprintf(f, " %s%s (retrieved %s).", url ? "" : "URL ", url ? url : "unknown",
            accessed ? accessed : "on an unknown date");
    fprintf(f, " Archived as %s in quire bundle %s, SHA-256 %s, %s.\n", c->path, c->fp, c->sha,
            c->signer);
    if (c->receipt != NULL)
        fprintf(f, "receipt: %.*s\n", (int)c->receipt_len, c->receipt);
    if (fclose(f) != 0)
        free(text), text = NULL;
out:
    free(au), free(issued), free(accessed);
    return text;
}

/* BibTeX needs its special characters escaped. Braces are written as commands, not as \{ and
 * \}: BibTeX counts every brace in a field, escaped or not, so one unmatched brace in a title
 * would end the field early or swallow the rest of the file. Every replacement is balanced. */
static void tex(FILE *f, const char *s)
{
    for (; s != NULL && *s; s++) {
        if (*s == '{')
            fputs("\\textbraceleft{}", f);
        else if (*s == '}')
            fputs("\\textbraceright{}", f);
        else if (*s == '\\')
            fputs("\\textbackslash{}", f);
        else if (*s == '~')
            fputs("\\textasciitilde{}", f);
        else if (*s == '^')
            fputs("\\textasciicircum{}", f);
        else if (strchr("&%$#_", *s))
            fprintf(f, "\\%c", *s);
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

/* A URL is read verbatim by biblatex: no TeX escapes, only what could unbalance the field or
 * start a comment percent-encoded (the same URL to a browser). */
static void bib_url(FILE *f, const char *url)
{
    if (url == NULL)
        return;
    fputs("  url = {", f);
    for (const char *p = url; *p; p++) {
        if (*p == '{' || *p == '}' || *p == '\\')
            fprintf(f, "%%%02X", (unsigned char)*p);
        else
            fputc(*p, f);
    }
    fputs("},\n", f);
}

/* s (len bytes) folded to lower-case ASCII letters and digits ("Müller" is "muller"): glibc's
 * transliteration in the C.UTF-8 locale, then anything else dropped. At most cap - 1 bytes. */
static void key_part(char *out, size_t cap, const char *s, size_t len)
{
    size_t n = 0, inleft = len, outleft = 4 * len + 1;
    char *buf = malloc(outleft), *in = (char *)s, *op = buf;
    locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    locale_t old = loc != (locale_t)0 ? uselocale(loc) : (locale_t)0;
    iconv_t cd = iconv_open("ASCII//TRANSLIT", "UTF-8");
    if (buf != NULL && cd != (iconv_t)-1)
        while (inleft > 0 && iconv(cd, &in, &inleft, &op, &outleft) == (size_t)-1 && inleft > 0)
            in++, inleft--; /* skip a byte that is not UTF-8 */
    if (cd != (iconv_t)-1)
        iconv_close(cd);
    if (loc != (locale_t)0) {
        uselocale(old);
        freelocale(loc);
    }
    for (const char *p = buf; buf != NULL && p < op && n + 1 < cap; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
            out[n++] = *p;
        else if (*p >= 'A' && *p <= 'Z')
            out[n++] = (char)(*p - 'A' + 'a');
    }
    out[n] = '\0';
    free(buf);
}

/* The first word of a title that is not an article, folded as key_part. */
static void title_word(char *out, size_t cap, const char *title)
{
    static const char *const skip[] = {"a", "an", "the", NULL};
    out[0] = '\0';
    for (const char *p = title; p != NULL && *p != '\0' && out[0] == '\0';) {
        p += strspn(p, " \t\n");
        size_t len = strcspn(p, " \t\n-:,.;");
        key_part(out, cap, p, len);
        for (size_t k = 0; skip[k] != NULL && out[0] != '\0'; k++)
            if (strcmp(out, skip[k]) == 0)
                out[0] = '\0';
        p += len + (p[len] != '\0');
    }
}

/* A citation key as Google Scholar and Zotero make them: the first author's family name, the
 * year and the first word of the title ("smith2016islamic"), ASCII only; without an author,
 * the title word and the year. With neither, the item's id or the path, with the characters a
 * key may not hold replaced. */
static void cite_key(FILE *f, const cite *c, const char *issued)
{
    char fam[32] = "", word[32] = "", year[8] = "";
    json_t *a0 = json_array_get(json_object_get(c->item, "author"), 0);
    const char *family = json_string_value(json_object_get(a0, "family"));
    if (family == NULL)
        family = json_string_value(json_object_get(a0, "literal"));
    if (family != NULL)
        key_part(fam, sizeof fam, family, strlen(family));
    if (issued != NULL && strspn(issued, "0123456789") == 4)
        snprintf(year, sizeof year, "%.4s", issued);
    title_word(word, sizeof word, str(c->item, "title"));
    if (fam[0] != '\0' || word[0] != '\0') {
        fprintf(f, "%s%s%s", fam[0] ? fam : word, year, fam[0] ? word : "");
        return;
    }
    const char *id = str(c->item, "id");
    for (const char *p = id ? id : c->path; *p; p++) /* keys allow no spaces or braces */
        fputc(strchr(" ,{}%#\\\"'=~", *p) ? '_' : *p, f);
}

/* @online for a web page (CSL webpage, post, post-weblog, or a URL with no container),
 * @misc for the rest. */
static const char *bib_type(json_t *item)
{
    static const char *const web[] = {"webpage", "post", "post-weblog", NULL};
    const char *type = str(item, "type");
    for (size_t k = 0; type != NULL && web[k] != NULL; k++)
        if (strcmp(type, web[k]) == 0)
            return "online";
    if (str(item, "URL") != NULL && str(item, "container-title") == NULL)
        return "online";
    return "misc";
}

/* The citation as a BibTeX entry (malloc'd), NULL when out of memory. */
static char *cite_bibtex(const cite *c)
{
    char *au = read_csl_names(json_object_get(c->item, "author"), true, " and ");
    char *issued = read_csl_date(json_object_get(c->item, "issued"));
    char *accessed = read_csl_date(json_object_get(c->item, "accessed"));
    char *note = NULL, *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL) {
        text = NULL;
        goto out;
    }
    fprintf(f, "@%s{", bib_type(c->item));
    cite_key(f, c, issued);
    fputs(",\n", f);
    bib_field(f, "title", str(c->item, "title") ? str(c->item, "title") : c->path, true);
    bib_field(f, "author", au, false);
    if (issued != NULL && strspn(issued, "0123456789") == 4) {
        char year[5];
        snprintf(year, sizeof year, "%.4s", issued);
        bib_field(f, "year", year, false); /* BibTeX */
    }
    bib_field(f, "date", issued, false); /* biblatex */
    bib_field(f, "organization", str(c->item, "container-title"), false);
    bib_field(f, "publisher", str(c->item, "publisher"), false);
    bib_url(f, str(c->item, "URL"));
    bib_field(f, "urldate", accessed, false);
    /* base64 holds no character that TeX or BibTeX treats specially */
    if (asprintf(&note, "SHA-256 %s; archived as %s in quire bundle %s, %s%s%.*s", c->sha, c->path,
                 c->fp, c->signer, c->receipt ? "; quire receipt: " : "",
                 c->receipt ? (int)c->receipt_len : 0, c->receipt ? c->receipt : "") < 0)
        note = NULL;
    bib_field(f, "note", note != NULL ? note : "", false);
    fputs("}\n", f);
    if (fclose(f) != 0)
        free(text), text = NULL;
out:
    free(note), free(au), free(issued), free(accessed);
    return text;
}

/* Valid CSL-JSON: the item without quire's own fields, with id and type guaranteed and the
 * archive location (CSL's archive and archive_location variables) filled in; with --receipt,
 * the receipt's base64 as "quire-receipt", the one quire member the item keeps. */
static json_t *cite_csl(const cite *c)
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
    if (c->receipt != NULL)
        json_object_set_new(item, "quire-receipt", json_stringn(c->receipt, c->receipt_len));
    const char *old = str(item, "note");
    char *note = NULL;
    if (asprintf(&note, "%s%sSHA-256: %s; %s", old ? old : "", old ? "\n" : "", c->sha, c->signer) <
        0)
        note = NULL;
    json_object_set_new(item, "note", json_string(note != NULL ? note : ""));
    free(note);
    return json_pack("[o]", item);
}

/* Fills c for verified entry i of r: path, SHA-256, fingerprint and signer; c->item is the
 * caller's to set. */
static void cite_fill(cite *c, quire_reader *r, uint32_t i)
{
    const quire_entry *e = &quire_reader_index(r)->entries[i];
    const quire_sig *s = quire_reader_signer(r);
    c->path = e->path;
    for (int k = 0; k < 32; k++) {
        snprintf(c->sha + 2 * k, 3, "%02x", e->sha256[k]);
        snprintf(c->fp + 2 * k, 3, "%02x", quire_reader_fingerprint(r)[k]);
    }
    /* A citation travels without the stderr warning: under --any-signer it says itself that
     * no signer was verified, and names no key (a record's key id is not authenticated). */
    if (s != NULL) {
        char key[17];
        quire_key_id_hex(s->key_id, key);
        snprintf(c->signer, sizeof c->signer, "signed by key %s", key);
    } else {
        snprintf(c->signer, sizeof c->signer, "signer NOT verified (--any-signer)");
    }
}

char *read_cite_string(quire_reader *r, uint32_t i, const char *format, const char *receipt,
                       size_t receipt_len)
{
    cite c = {.receipt = receipt, .receipt_len = receipt_len};
    const uint8_t *m;
    size_t len;
    quire_error err;
    char *text = NULL;
    if (quire_reader_entry_meta(r, i, &m, &len, &err) != QUIRE_OK)
        return NULL;
    c.item = len > 0 ? json_loadb((const char *)m, len, 0, NULL) : json_object();
    if (c.item == NULL)
        return NULL;
    cite_fill(&c, r, i);
    if (strcmp(format, "csl-json") == 0) {
        json_t *j = cite_csl(&c);
        text = j != NULL ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
        json_decref(j);
    } else {
        text = strcmp(format, "bibtex") == 0 ? cite_bibtex(&c) : cite_text(&c);
    }
    json_decref(c.item);
    return text;
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
    if (o->receipt && o->any_signer) {
        read_fail(NULL, "cite: --receipt cannot be used with --any-signer: a receipt needs a "
                        "signer verified by a trusted key (SPEC 10)");
        return 2;
    }
    quire_reader *r = read_open(argv[0], o, &code);
    if (r == NULL)
        return code;
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
    cite c = {0};
    char *armour = NULL;
    size_t len;
    if (o->receipt && (code = read_receipt_make(r, argv[0], i, &armour, &len)) != 0) {
        quire_reader_close(r);
        return code;
    }
    if (armour != NULL)
        c.receipt = read_receipt_base64(armour, &c.receipt_len);
    if ((code = read_entry_meta(r, argv[0], i, &c.item)) != 0) {
        free(armour);
        quire_reader_close(r);
        return code;
    }
    cite_fill(&c, r, i);
    if (strcmp(format, "csl-json") == 0) {
        code = out_json(cite_csl(&c));
    } else {
        char *text = strcmp(format, "bibtex") == 0 ? cite_bibtex(&c) : cite_text(&c);
        if (text != NULL)
            out_text(stdout, text, strlen(text));
        else
            code = 2, read_fail(argv[0], "cite: out of memory");
        free(text);
    }
    free(armour);
    json_decref(c.item);
    quire_reader_close(r);
    return code;
}
