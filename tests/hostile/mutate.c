/* SPDX-License-Identifier: ISC */
/* mutate.c: quire-mutate, which makes the hostile bundles of fixtures/bad/. It builds a small
 * good bundle from scratch, or reads one and applies ONE named mutation to it: a field set to a
 * value no writer would write, with every hash above it re-derived and the statement re-signed
 * with the fixture key, so that the reader's signature and hash checks pass and the rule under
 * test is the one that must reject it; or raw bytes changed without re-signing (the signature
 * covers the statement only: a changed page then fails its hash, not the signature). Every output
 * is deterministic: Ed25519 signatures and hostile_deflate.c streams depend on nothing but the
 * input. Run with --list for the mutations. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "mutate.h"

/* ---- the table ---- */

static const mutation mutations[] = {
    {"base", M_SCRATCH, 0, 0, "the small good bundle the signed and raw mutations start from",
     build_base, NULL, NULL, NULL, NULL, NULL},
    {"paths", M_SCRATCH, 1, 64, "PATH... one document per path, %XX escapes, order as given",
     build_paths, NULL, NULL, NULL, NULL, NULL},
    {"many", M_SCRATCH, 1, 1, "N N small documents d/00000.txt ... in one unit", build_many, NULL,
     NULL, NULL, NULL, NULL},
    {"identity", M_SIGNED, 0, 0, "re-encode and re-sign unchanged (a self-check)", NULL, NULL, NULL,
     NULL, NULL, NULL},
    {"set", M_SIGNED, 1, 16,
     "FIELD{=,+=,-=,^=}V... header.N (and the statement's copy), copy.N, domain.N, "
     "stmt.{index_offset,index_size,entry_count,unit_count,entry_page_count,bundle_meta_len,"
     "directory_size,stream_size,root.K}, "
     "unit.U.{comp,stored_size,raw_size,reserved.K,hash.K}, "
     "entry.E.{path_len,size,sha256.K,role,flags,link,meta_len}, "
     "page.P.{stored_size,raw_size,count,stream,sha256.K,first_len}, "
     "upage.P.{sha256.K,file_offset,stream_offset}, "
     "sig.{count,reserved,magic.K,S.alg.K,S.key_id.K}; unit and entry fields are set before "
     "the pages and their hashes are made, the others before the directory is hashed",
     NULL, set_records, set_fields, NULL, set_sigs, NULL},
    {"bundle-meta", M_SIGNED, 1, 1, "TEXT replace the bundle metadata (%XX escapes)", m_bundle_meta,
     NULL, NULL, NULL, NULL, NULL},
    {"entry-meta", M_SIGNED, 2, 2, "E TEXT replace entry E's metadata (%XX escapes)", m_entry_meta,
     NULL, NULL, NULL, NULL, NULL},
    {"gap", M_SIGNED, 2, 2, "U N put N junk bytes after unit U's stored bytes, offsets kept true",
     m_gap, NULL, NULL, NULL, NULL, NULL},
    {"page-junk", M_SIGNED, 2, 2, "P N N junk bytes after entry page P's last record", m_page_junk,
     NULL, NULL, NULL, NULL, NULL},
    {"page-trailing", M_SIGNED, 2, 2, "P N N junk bytes after entry page P's deflate stream",
     m_page_trailing, NULL, NULL, NULL, NULL, NULL},
    {"page-garbage", M_SIGNED, 1, 1, "P entry page P's stored bytes replaced by non-deflate bytes",
     m_page_garbage, NULL, NULL, NULL, NULL, NULL},
    {"first-path", M_SIGNED, 2, 2, "P PATH entry page P's first path in the directory (%XX)",
     m_first_path, NULL, NULL, NULL, NULL, NULL},
    {"index-gap", M_SIGNED, 1, 1, "N N junk bytes between the last entry page and the unit table",
     m_index_gap, NULL, NULL, NULL, NULL, NULL},
    {"dir-junk", M_SIGNED, 1, 1, "N N junk bytes at the end of the directory, counted in its size",
     m_dir_junk, NULL, NULL, NULL, NULL, NULL},
    {"repage", M_SIGNED, 1, 1, "LIST entry pages of these entry counts (comma-separated)", m_repage,
     NULL, NULL, NULL, NULL, NULL},
    {"repage-each", M_SIGNED, 0, 0, "every entry in an entry page of its own", m_repage_each, NULL,
     NULL, NULL, NULL, NULL},
    {"pages-raw", M_SIGNED, 1, 1,
     "N every entry in a page of its own, each page's directory record declaring raw size N",
     m_repage_each, NULL, m_page_raw_all, NULL, NULL, NULL},
    {"root-no-domain", M_SIGNED, 0, 0,
     "the Merkle root with RFC 9162's plain leaf hash SHA-256(0x00 || L), without \"Q\"", NULL,
     NULL, m_root_no_domain, NULL, NULL, NULL},
    {"bomb", M_SIGNED, 0, 0, "new first unit: 10 MB of zeros deflated, declared as 1 KiB", m_bomb,
     NULL, NULL, NULL, NULL, NULL},
    {"inflate-short", M_SIGNED, 0, 0, "new first unit inflating to 24 bytes less than declared",
     m_inflate_short, NULL, NULL, NULL, NULL, NULL},
    {"deflate-garbage", M_SIGNED, 0, 0, "new first unit of bytes that are not deflate",
     m_deflate_garbage, NULL, NULL, NULL, NULL, NULL},
    {"deflate-trailing", M_SIGNED, 0, 0, "new first unit: a valid stream, then 4 junk bytes",
     m_deflate_trailing, NULL, NULL, NULL, NULL, NULL},
    {"deflate-unterminated", M_SIGNED, 0, 0, "new first unit: all its bytes, but no final block",
     m_deflate_unterminated, NULL, NULL, NULL, NULL, NULL},
    {"deflate-before-start", M_SIGNED, 0, 0,
     "new first unit whose matches refer to bytes before the stream's start",
     m_deflate_before_start, NULL, NULL, NULL, NULL, NULL},
    {"empty-entry", M_SIGNED, 0, 0, "new first entry of size 0 with the SHA-256 of \"x\"",
     m_empty_entry, NULL, NULL, NULL, NULL, NULL},
    {"big-unit", M_SIGNED, 0, 0, "new first unit of 16 MiB + 1 zeros, honestly declared",
     m_big_unit, NULL, NULL, NULL, NULL, NULL},
    {"empty-unit", M_SIGNED, 0, 0, "new last unit of raw size 0 (a valid empty stream)",
     m_empty_unit, NULL, NULL, NULL, NULL, NULL},
    {"size-wrap", M_SIGNED, 0, 0, "entry sizes 2^64-1 and s1+s2+1: the sum wraps to the truth",
     NULL, m_size_wrap, NULL, NULL, NULL, NULL},
    {"comment", M_SIGNED, 1, 1, "TEXT sign with this trusted comment (%XX escapes)", m_comment,
     NULL, NULL, NULL, NULL, NULL},
    {"sigs", M_SIGNED, 1, 1,
     "LIST signature records, comma-separated, each test|other|forged|legacy|altered[*N], "
     "or none",
     NULL, NULL, NULL, m_sigs, NULL, NULL},
    {"sig-junk", M_SIGNED, 1, 1, "N junk bytes after the last signature record", NULL, NULL, NULL,
     NULL, m_sig_junk, NULL},
    {"prepend", M_RAW, 1, 1, "N junk bytes before the header", NULL, NULL, NULL, NULL, NULL,
     m_prepend},
    {"attach", M_RAW, 1, 1, "N junk bytes before the trailer, declared as attachments_size", NULL,
     NULL, NULL, NULL, NULL, m_attach},
    {"att-frame", M_RAW, 5, 5,
     "COUNT TYPE LEN BODY TRAIL an attachments area (SPEC 7.1): header with COUNT, one record "
     "of TYPE declaring LEN bytes, BODY bytes of body, TRAIL junk bytes",
     NULL, NULL, NULL, NULL, NULL, m_att_frame},
    {"append", M_RAW, 1, 1, "N junk bytes after the trailer", NULL, NULL, NULL, NULL, NULL,
     m_append},
    {"append-trailer", M_RAW, 0, 0, "a copy of the trailer after the trailer", NULL, NULL, NULL,
     NULL, NULL, m_append_trailer},
    {"insert-data-index", M_RAW, 1, 1, "N junk bytes between the data region and the index", NULL,
     NULL, NULL, NULL, NULL, m_insert_data_index},
    {"insert-data-index-trailer", M_RAW, 1, 1,
     "N junk bytes between data and index, trailer index offset moved past them", NULL, NULL, NULL,
     NULL, NULL, m_insert_data_index_trailer},
    {"insert-index-sig", M_RAW, 1, 1, "N junk bytes between the index and the signature block",
     NULL, NULL, NULL, NULL, NULL, m_insert_index_sig},
    {"insert-index-sig-trailer", M_RAW, 1, 1,
     "N junk bytes between index and signatures, trailer index size grown over them", NULL, NULL,
     NULL, NULL, NULL, m_insert_index_sig_trailer},
    {"truncate", M_RAW, 1, 1, "N drop the last N bytes", NULL, NULL, NULL, NULL, NULL, m_truncate},
    {"keep", M_RAW, 1, 1, "N keep only the first N bytes", NULL, NULL, NULL, NULL, NULL, m_keep},
    {"cut-data", M_RAW, 1, 1, "N remove the last N bytes of the data region", NULL, NULL, NULL,
     NULL, NULL, m_cut_data},
    {"poke", M_RAW, 1, 16,
     "FIELD{=,+=,-=,^=}V... "
     "trailer.{index_offset,index_size,sigblock_size,attachments_size,magic.K}, file.N, "
     "indexbyte.N, sigbyte.N, and byte N of a part of the index: pages.N, units.N, dir.N, "
     "meta.N, stmt.N",
     NULL, NULL, NULL, NULL, NULL, m_poke},
};

static const mutation *find_mutation(const char *name)
{
    for (size_t i = 0; i < sizeof mutations / sizeof mutations[0]; i++)
        if (strcmp(mutations[i].name, name) == 0)
            return &mutations[i];
    return NULL;
}

/* ---- files and keys ---- */

static void read_file(const char *path, hbuf *out)
{
    FILE *f = fopen(path, "rb");
    uint8_t buf[65536];
    size_t n;
    if (f == NULL)
        h_die("%s: %s", path, strerror(errno));
    out->len = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        hbuf_add(out, buf, n);
    if (ferror(f))
        h_die("%s: read error", path);
    fclose(f);
}

static void write_file(const char *path, const hbuf *b)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(b->p, 1, b->len, f) != b->len || fclose(f) != 0)
        h_die("%s: cannot write: %s", path, strerror(errno));
}

static quire_seckey *load_key(const char *path)
{
    hbuf text = {0};
    quire_seckey *sk = NULL;
    quire_error err;
    read_file(path, &text);
    if (quire_seckey_parse((const char *)text.p, text.len, NULL, &sk, &err) != QUIRE_OK)
        h_die("%s: %s", path, err.msg);
    hbuf_free(&text);
    return sk;
}

/* ---- the three ways of running ---- */

/* The statement: the last bytes of the encoded index, what every record signs. */
static const uint8_t *statement_of(const mctx *c)
{
    return c->index.p + c->index.len - QUIRE_STATEMENT_BYTES;
}

static void run_signed(mctx *c, const mutation *m)
{
    if (c->key == NULL)
        h_die("%s needs the signing key (-k)", m->name);
    if (m->model != NULL)
        m->model(c);
    h_sync_records(&c->b);
    if (m->records != NULL)
        m->records(c);
    h_sync_pages(&c->b);
    if (m->fields != NULL)
        m->fields(c);
    h_sync_hash(&c->b);
    h_encode_index(&c->b, &c->index);
    h_sigblock_free(&c->s);
    h_sigblock_init(&c->s);
    if (m->sign != NULL)
        m->sign(c);
    else
        h_sign(new_sig(c), c->key, statement_of(c), QUIRE_STATEMENT_BYTES, c->comment.p,
               c->comment.len);
    c->s.count = c->s.nsigs;
    if (m->sigfix != NULL)
        m->sigfix(c);
    hbuf sb = {0};
    h_encode_sigblock(&c->s, &sb);
    h_assemble(&c->b, &c->index, &sb, &c->file, &c->lay);
    hbuf_free(&sb);
}

static void run(mctx *c, const mutation *m, const char *in)
{
    if (m->kind == M_SCRATCH) {
        if (in != NULL)
            h_die("%s builds from scratch: no -i", m->name);
        h_bundle_init(&c->b);
        h_sigblock_init(&c->s);
        set_text(&c->comment, DEFAULT_COMMENT);
        run_signed(c, m);
        return;
    }
    if (in == NULL)
        h_die("%s needs an input bundle (-i)", m->name);
    read_file(in, &c->file);
    if (m->kind == M_RAW) {
        h_layout_of(c->file.p, c->file.len, &c->lay);
        m->file(c);
        return;
    }
    h_parse(c->file.p, c->file.len, &c->b, &c->s, &c->lay);
    hbuf_set(&c->comment, c->s.sigs[0].comment.p, c->s.sigs[0].comment.len);
    run_signed(c, m);
}

static void list_mutations(FILE *f)
{
    for (size_t i = 0; i < sizeof mutations / sizeof mutations[0]; i++)
        fprintf(f, "  %-26s %s%s\n", mutations[i].name, mutations[i].usage,
                mutations[i].kind == M_RAW      ? " [raw, not re-signed]"
                : mutations[i].kind == M_SIGNED ? " [re-signed]"
                                                : "");
}

static const char usage[] =
    "usage: quire-mutate -k KEY -o OUT base|paths PATH...|many N\n"
    "       quire-mutate [-k KEY] [-x KEY2] -i IN -o OUT MUTATION [ARG...]\n"
    "       quire-mutate --list\n";

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"list", no_argument, NULL, 'l'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *in = NULL, *out = NULL;
    mctx c;
    int ch;

    memset(&c, 0, sizeof c);
    if (sodium_init() < 0)
        h_die("libsodium failed to initialise");
    while ((ch = getopt_long(argc, argv, "+k:x:i:o:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'k':
            c.key = load_key(optarg);
            break;
        case 'x':
            c.other = load_key(optarg);
            break;
        case 'i':
            in = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'l':
        case 'h':
            fputs(usage, stdout);
            puts("\nmutations:");
            list_mutations(stdout);
            return 0;
        default:
            fputs(usage, stderr);
            return 2;
        }
    }
    if (optind >= argc || out == NULL) {
        fputs(usage, stderr);
        return 2;
    }
    const mutation *m = find_mutation(argv[optind]);
    if (m == NULL)
        h_die("unknown mutation '%s' (see --list)", argv[optind]);
    c.argc = argc - optind - 1;
    c.argv = argv + optind + 1;
    if (c.argc < m->min_args || c.argc > m->max_args)
        h_die("%s: wrong number of arguments: %s", m->name, m->usage);
    run(&c, m, in);
    write_file(out, &c.file);
    h_bundle_free(&c.b);
    h_sigblock_free(&c.s);
    hbuf_free(&c.comment);
    hbuf_free(&c.index);
    hbuf_free(&c.file);
    quire_seckey_free(c.key);
    quire_seckey_free(c.other);
    return 0;
}
