/* SPDX-License-Identifier: ISC */
/* mutate.h: what quire-mutate's modules share: the run context and the mutations that the
 * table in mutate.c names. */
#ifndef MUTATE_H
#define MUTATE_H

#include "hostile.h"

#define DEFAULT_COMMENT "quire hostile fixture"
#define FIRST_PATH "a.bin" /* sorts before every path of the base bundle */

typedef struct mctx {
    h_bundle b;
    h_sigblock s;
    hbuf comment; /* signed with: the input's first trusted comment, or DEFAULT_COMMENT */
    hbuf index;
    hbuf file;
    h_layout lay;
    quire_seckey *key;   /* -k, the fixture key */
    quire_seckey *other; /* -x, a second key */
    int argc;
    char **argv;
} mctx;

typedef enum { M_SCRATCH, M_SIGNED, M_RAW } mkind;

typedef struct mutation {
    const char *name;
    mkind kind;
    int min_args, max_args;
    const char *usage;
    void (*model)(mctx *);   /* on the bundle, before h_sync_records (scratch: builds it) */
    void (*records)(mctx *); /* on unit and entry records, before the pages are made */
    void (*fields)(mctx *);  /* on directory and statement, before the directory is hashed */
    void (*sign)(mctx *);    /* replaces the default signature record */
    void (*sigfix)(mctx *);  /* on the signature block before it is encoded */
    void (*file)(mctx *);    /* on the file bytes (raw: the input) */
} mutation;

/* ---- arguments (mutate_ops.c) ---- */
uint64_t num(const char *s);
/* Decodes %XX escapes, so that NUL, control bytes and invalid UTF-8 can be given in argv. */
void pct_decode(const char *s, hbuf *out);
uint32_t entry_arg(const mctx *c, const char *s);
uint32_t page_arg(const mctx *c, const char *s);
void need_other(const mctx *c);
void set_text(hbuf *b, const char *s);
h_sig *new_sig(mctx *c);

/* ---- mutations (mutate_ops.c, mutate_fields.c); each is described in the table ---- */
void build_base(mctx *c);
void build_paths(mctx *c);
void build_many(mctx *c);
void m_bundle_meta(mctx *c);
void m_entry_meta(mctx *c);
void m_gap(mctx *c);
void m_page_junk(mctx *c);
void m_page_trailing(mctx *c);
void m_page_garbage(mctx *c);
void m_first_path(mctx *c);
void m_index_gap(mctx *c);
void m_dir_junk(mctx *c);
void m_repage(mctx *c);
void m_repage_each(mctx *c);
void m_page_raw_all(mctx *c);
void m_root_no_domain(mctx *c);
void m_bomb(mctx *c);
void m_inflate_short(mctx *c);
void m_deflate_garbage(mctx *c);
void m_deflate_trailing(mctx *c);
void m_deflate_unterminated(mctx *c);
void m_big_unit(mctx *c);
void m_empty_unit(mctx *c);
void m_deflate_before_start(mctx *c);
void m_empty_entry(mctx *c);
void m_size_wrap(mctx *c);
void m_comment(mctx *c);
void m_sigs(mctx *c);
void m_sig_junk(mctx *c);
void m_prepend(mctx *c);
void m_attach(mctx *c);
void m_att_frame(mctx *c);
void m_append(mctx *c);
void m_append_trailer(mctx *c);
void m_insert_data_index(mctx *c);
void m_insert_data_index_trailer(mctx *c);
void m_insert_index_sig(mctx *c);
void m_insert_index_sig_trailer(mctx *c);
void m_truncate(mctx *c);
void m_keep(mctx *c);
void m_cut_data(mctx *c);
void set_records(mctx *c);
void set_fields(mctx *c);
void set_sigs(mctx *c);
void m_poke(mctx *c);

#endif
