/* SPDX-License-Identifier: ISC */
/* quire_receipt.c: citation receipts (SPEC 10): encoding,
 * parsing, verification and the armoured text form. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "quire_json.h"
#include "quire_merkle.h"
#include "quire_private.h"
#include "quire_receipt.h"

enum {
    HB = QUIRE_RECEIPT_HASH_BYTES,
    OFF_ALG = QUIRE_RECEIPT_MAGIC_BYTES,
    OFF_KEY_ID = OFF_ALG + QUIRE_RECEIPT_ALG_BYTES,
    OFF_SIG = OFF_KEY_ID + QUIRE_KEY_ID_BYTES,
    OFF_STATEMENT = OFF_SIG + QUIRE_SIGNATURE_BYTES,
    OFF_LEAF_INDEX = OFF_STATEMENT + QUIRE_STATEMENT_BYTES,
    OFF_LEAF_LEN = OFF_LEAF_INDEX + 4,
    OFF_LEAF = OFF_LEAF_LEN + 4
};

_Static_assert(OFF_LEAF == QUIRE_RECEIPT_HEAD_BYTES, "SPEC 10: 246 bytes precede the leaf");
_Static_assert(QUIRE_STATEMENT_OFF_DIR_HASH + 32 == QUIRE_STATEMENT_BYTES,
               "SPEC 5.1: the statement is 160 bytes");
_Static_assert(sizeof QUIRE_STATEMENT_DOMAIN == QUIRE_STATEMENT_DOMAIN_BYTES + 1,
               "SPEC 5.1: the domain is 16 bytes, its last a NUL");
_Static_assert(QUIRE_RECEIPT_MAX_LEAF_BYTES == 2 + QUIRE_MAX_PATH_BYTES +
                                                   QUIRE_ENTRY_FIXED_BYTES - 2 +
                                                   QUIRE_MAX_ENTRY_META_BYTES,
               "SPEC 8: the largest leaf is the longest path and the largest metadata");

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

/* SPEC 3 as format 2 has it, on the statement's copy of the header. */
static int check_header_copy(const uint8_t *h, quire_error *err)
{
    if (memcmp(h, QUIRE_MAGIC, 8) != 0)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "receipt: statement's header copy has a bad magic (SPEC 3)");
    if (quire_load16(h + 8) != QUIRE_FORMAT_VERSION)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "receipt: statement's header copy has format version %u, receipts "
                               "are of version %d (SPEC 3)",
                               quire_load16(h + 8), QUIRE_FORMAT_VERSION);
    if (quire_load16(h + 10) != 0)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "receipt: statement's header copy has flags set (SPEC 3)");
    if (h[12] != 1 || h[13] != 1 || h[14] != 1)
        return quire_error_set(
            err, QUIRE_E_FORMAT,
            "receipt: statement's header copy names an unknown algorithm (SPEC 3)");
    if (!all_zero(h + 15, QUIRE_HEADER_BYTES - 15))
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "receipt: statement's header copy has reserved bytes set (SPEC 3)");
    return QUIRE_OK;
}

/* SPEC 8: each count and size within its limit. */
static int check_statement_limits(const uint8_t *st, quire_error *err)
{
    uint64_t index_size = quire_load64(st + QUIRE_STATEMENT_OFF_INDEX_SIZE);
    if (quire_load32(st + QUIRE_STATEMENT_OFF_ENTRY_COUNT) > QUIRE_MAX_ENTRIES)
        return quire_error_set(err, QUIRE_E_LIMIT,
                               "receipt: statement counts more than %u entries (SPEC 8)",
                               QUIRE_MAX_ENTRIES);
    if (quire_load32(st + QUIRE_STATEMENT_OFF_UNIT_COUNT) > QUIRE_MAX_UNITS)
        return quire_error_set(err, QUIRE_E_LIMIT,
                               "receipt: statement counts more than %u units (SPEC 8)",
                               QUIRE_MAX_UNITS);
    if (quire_load32(st + QUIRE_STATEMENT_OFF_META_LEN) > QUIRE_MAX_BUNDLE_META_BYTES)
        return quire_error_set(
            err, QUIRE_E_LIMIT,
            "receipt: statement's bundle metadata is longer than %u bytes (SPEC 8)",
            QUIRE_MAX_BUNDLE_META_BYTES);
    if (quire_load64(st + QUIRE_STATEMENT_OFF_DIRECTORY_SIZE) > QUIRE_MAX_DIRECTORY_BYTES)
        return quire_error_set(err, QUIRE_E_LIMIT,
                               "receipt: statement's directory is larger than %llu bytes (SPEC 8)",
                               (unsigned long long)QUIRE_MAX_DIRECTORY_BYTES);
    if (index_size > QUIRE_MAX_INDEX_BYTES)
        return quire_error_set(
            err, QUIRE_E_LIMIT,
            "receipt: statement's index region is larger than %llu bytes (SPEC 8)",
            (unsigned long long)QUIRE_MAX_INDEX_BYTES);
    return QUIRE_OK;
}

/* SPEC 5.1: what the statement's fields imply about each other, checkable without the bundle.
 * Units hold 1 .. 2^24 stored and raw bytes each; every entry page at least one stored byte
 * and one entry; a directory record 54 bytes and a first path of 1 .. 4,096 bytes per entry
 * page, 48 bytes per unit page of 1,024 units. Within the limits no sum overflows. */
static int check_statement_sums(const uint8_t *st, quire_error *err)
{
    uint64_t index_offset = quire_load64(st + QUIRE_STATEMENT_OFF_INDEX_OFFSET);
    uint64_t index_size = quire_load64(st + QUIRE_STATEMENT_OFF_INDEX_SIZE);
    uint64_t entries = quire_load32(st + QUIRE_STATEMENT_OFF_ENTRY_COUNT);
    uint64_t units = quire_load32(st + QUIRE_STATEMENT_OFF_UNIT_COUNT);
    uint64_t pages = quire_load32(st + QUIRE_STATEMENT_OFF_PAGE_COUNT);
    uint64_t meta = quire_load32(st + QUIRE_STATEMENT_OFF_META_LEN);
    uint64_t dir = quire_load64(st + QUIRE_STATEMENT_OFF_DIRECTORY_SIZE);
    uint64_t stream = quire_load64(st + QUIRE_STATEMENT_OFF_STREAM_SIZE);
    uint64_t unit_dir = (units + 1023) / 1024 * 48;

    if (index_offset < 32)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "receipt: statement's index offset is inside the header (SPEC 5.1)");
    if ((pages == 0) != (entries == 0) || pages > entries)
        return quire_error_set(
            err, QUIRE_E_FORMAT,
            "receipt: statement has %llu entry pages for %llu entries (SPEC 5.1)",
            (unsigned long long)pages, (unsigned long long)entries);
    if (dir < pages * 55 + unit_dir || dir > pages * (54 + QUIRE_MAX_PATH_BYTES) + unit_dir)
        return quire_error_set(
            err, QUIRE_E_FORMAT,
            "receipt: statement's directory size does not fit its page counts (SPEC 5.1)");
    if (index_size <
        pages + QUIRE_UNIT_RECORD_BYTES * units + dir + meta + QUIRE_STATEMENT_BYTES)
        return quire_error_set(
            err, QUIRE_E_FORMAT,
            "receipt: statement's index size is smaller than its parts (SPEC 5.1)");
    if (stream < units || stream > units * QUIRE_MAX_UNIT_BYTES)
        return quire_error_set(
            err, QUIRE_E_FORMAT,
            "receipt: statement's stream size does not fit its unit count (SPEC 5.1)");
    if (index_offset - 32 < units || index_offset - 32 > units * QUIRE_MAX_UNIT_BYTES)
        return quire_error_set(
            err, QUIRE_E_FORMAT,
            "receipt: statement's data region does not fit its unit count (SPEC 5.1)");
    return QUIRE_OK;
}

static int check_statement(const uint8_t *st, quire_error *err)
{
    if (memcmp(st, QUIRE_STATEMENT_DOMAIN, QUIRE_STATEMENT_DOMAIN_BYTES) != 0)
        return quire_error_set(
            err, QUIRE_E_FORMAT,
            "receipt: statement lacks its domain \"quire statement\" (SPEC 5.1)");
    int rc = check_header_copy(st + QUIRE_STATEMENT_OFF_HEADER, err);
    if (rc == QUIRE_OK)
        rc = check_statement_limits(st, err);
    if (rc == QUIRE_OK)
        rc = check_statement_sums(st, err);
    return rc;
}

/* SPEC 5.3: the link, role and flags of one entry record, judged alone. */
static int check_leaf_fields(const quire_receipt *r, quire_error *err)
{
    if (r->role != QUIRE_ROLE_DOCUMENT && r->role != QUIRE_ROLE_ORIGINAL)
        return quire_error_set(err, QUIRE_E_FORMAT, "receipt: leaf has unknown role %u (SPEC 5.3)",
                               r->role);
    if (r->flags & ~QUIRE_ENTRY_FLAGS_KNOWN)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "receipt: leaf has reserved flags set (SPEC 5.3)");
    if (r->link != QUIRE_LINK_NONE &&
        (r->role != QUIRE_ROLE_DOCUMENT || r->link >= r->entry_count ||
         r->link == r->leaf_index))
        return quire_error_set(err, QUIRE_E_FORMAT, "receipt: leaf has an invalid link (SPEC 5.3)");
    if (r->size > quire_load64(r->statement + QUIRE_STATEMENT_OFF_STREAM_SIZE))
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "receipt: leaf is larger than the bundle's stream (SPEC 5.3)");
    return QUIRE_OK;
}

/* SPEC 5.5: empty, or a JSON object in canonical form. */
static int check_meta(const uint8_t *meta, uint32_t len, quire_error *err)
{
    quire_error e = {0};
    if (len == 0)
        return QUIRE_OK;
    if (meta[0] != '{')
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "receipt: leaf metadata is not a JSON object (SPEC 5.5)");
    int rc = quire_json_check_canonical((const char *)meta, len, &e);
    if (rc == QUIRE_E_NOMEM)
        return quire_error_set(err, rc, "%s", e.msg);
    if (rc != QUIRE_OK)
        return quire_error_set(err, rc, "receipt: leaf metadata: %s (SPEC 5.5)", e.msg);
    return QUIRE_OK;
}

/* The entry record L (SPEC 5.3): u16 path_len, path, u64 size, sha256, u8 role, u8 flags,
 * u32 link, u32 meta_len, metadata; exactly leaf_len bytes. */
static int parse_leaf(quire_receipt *r, quire_error *err)
{
    const uint8_t *L = r->leaf;

    if (r->leaf_len < 2)
        return quire_error_set(err, QUIRE_E_FORMAT, "receipt: leaf truncated (SPEC 5.3)");
    r->path_len = quire_load16(L);
    if ((uint64_t)2 + r->path_len + QUIRE_ENTRY_FIXED_BYTES - 2 > r->leaf_len)
        return quire_error_set(err, QUIRE_E_FORMAT, "receipt: leaf truncated (SPEC 5.3)");
    r->path = (const char *)L + 2;
    const uint8_t *p = L + 2 + r->path_len;
    r->size = quire_load64(p);
    r->sha256 = p + 8;
    r->role = p[40];
    r->flags = p[41];
    r->link = quire_load32(p + 42);
    r->meta_len = quire_load32(p + 46);
    r->meta = p + 50;
    if (r->meta_len > QUIRE_MAX_ENTRY_META_BYTES)
        return quire_error_set(err, QUIRE_E_LIMIT,
                               "receipt: leaf metadata longer than %u bytes (SPEC 8)",
                               QUIRE_MAX_ENTRY_META_BYTES);
    if ((uint64_t)(r->meta - L) + r->meta_len != r->leaf_len)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "receipt: leaf length %u is not what its fields make (SPEC 5.3)",
                               r->leaf_len);
    return check_leaf_fields(r, err);
}

/* The leaf's text, parsed only once the signature and the inclusion proof have verified (or,
 * for quire_receipt_encode, of the writer's own bytes): the path (SPEC 4) and the metadata
 * (SPEC 5.5). */
static int check_leaf_text(const quire_receipt *r, quire_error *err)
{
    quire_error e = {0};
    int rc = quire_path_check(r->path, r->path_len, &e);
    if (rc != QUIRE_OK)
        return quire_error_set(err, rc, "receipt: leaf path: %s", e.msg);
    return check_meta(r->meta, r->meta_len, err);
}

/* After the leaf: u8 proof_len, then exactly proof_len hashes (SPEC 10). */
static int parse_proof(const uint8_t *p, size_t avail, quire_receipt *r, quire_error *err)
{
    size_t want = quire_merkle_proof_len(r->leaf_index, r->entry_count);
    if (avail < 1)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "receipt: truncated before the proof (SPEC 10)");
    r->proof_len = p[0];
    if (r->proof_len != want)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "receipt: proof of %u hashes, leaf %u of %u needs %zu (SPEC 10)",
                               r->proof_len, r->leaf_index, r->entry_count, want);
    r->proof = (const uint8_t(*)[HB])(p + 1);
    if (avail - 1 < (size_t)r->proof_len * HB)
        return quire_error_set(err, QUIRE_E_FORMAT, "receipt: proof truncated (SPEC 10)");
    if (avail - 1 > (size_t)r->proof_len * HB)
        return quire_error_set(err, QUIRE_E_FORMAT, "receipt: %zu bytes after the proof (SPEC 10)",
                               avail - 1 - (size_t)r->proof_len * HB);
    return QUIRE_OK;
}

int quire_receipt_parse(const uint8_t *buf, size_t len, quire_receipt *out, quire_error *err)
{
    memset(out, 0, sizeof *out);
    if (len < QUIRE_RECEIPT_MAGIC_BYTES || memcmp(buf, QUIRE_RECEIPT_MAGIC, 4) != 0)
        return quire_error_set(err, QUIRE_E_FORMAT, "receipt: bad magic, not a receipt (SPEC 10)");
    if (len < QUIRE_RECEIPT_HEAD_BYTES)
        return quire_error_set(err, QUIRE_E_FORMAT, "receipt: truncated (SPEC 10)");
    if (memcmp(buf + OFF_ALG, QUIRE_RECEIPT_ALG, QUIRE_RECEIPT_ALG_BYTES) != 0)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "receipt: unknown signature algorithm (SPEC 10)");
    memcpy(out->key_id, buf + OFF_KEY_ID, QUIRE_KEY_ID_BYTES);
    memcpy(out->sig, buf + OFF_SIG, QUIRE_SIGNATURE_BYTES);
    memcpy(out->statement, buf + OFF_STATEMENT, QUIRE_STATEMENT_BYTES);
    int rc = check_statement(out->statement, err);
    if (rc != QUIRE_OK)
        return rc;
    out->entry_count = quire_load32(out->statement + QUIRE_STATEMENT_OFF_ENTRY_COUNT);
    memcpy(out->root, out->statement + QUIRE_STATEMENT_OFF_ROOT, HB);
    out->leaf_index = quire_load32(buf + OFF_LEAF_INDEX);
    out->leaf_len = quire_load32(buf + OFF_LEAF_LEN);
    if (out->leaf_index >= out->entry_count)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "receipt: leaf index %u is not below the entry count %u (SPEC 10)",
                               out->leaf_index, out->entry_count);
    if (out->leaf_len > QUIRE_RECEIPT_MAX_LEAF_BYTES)
        return quire_error_set(err, QUIRE_E_LIMIT, "receipt: leaf longer than %u bytes (SPEC 8)",
                               QUIRE_RECEIPT_MAX_LEAF_BYTES);
    if (len - OFF_LEAF < out->leaf_len)
        return quire_error_set(err, QUIRE_E_FORMAT, "receipt: leaf truncated (SPEC 10)");
    out->leaf = buf + OFF_LEAF;
    rc = parse_leaf(out, err);
    if (rc == QUIRE_OK)
        rc = parse_proof(out->leaf + out->leaf_len, len - OFF_LEAF - out->leaf_len, out, err);
    if (rc != QUIRE_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

int quire_receipt_encode(const uint8_t key_id[QUIRE_KEY_ID_BYTES],
                         const uint8_t sig[QUIRE_SIGNATURE_BYTES],
                         const uint8_t statement[QUIRE_STATEMENT_BYTES], uint32_t leaf_index,
                         const uint8_t *leaf, size_t leaf_len, const uint8_t (*proof)[HB],
                         size_t proof_len, uint8_t **out, size_t *out_len, quire_error *err)
{
    quire_receipt check;
    *out = NULL;
    *out_len = 0;
    if (leaf_len > QUIRE_RECEIPT_MAX_LEAF_BYTES)
        return quire_error_set(err, QUIRE_E_LIMIT, "receipt: leaf longer than %u bytes (SPEC 8)",
                               QUIRE_RECEIPT_MAX_LEAF_BYTES);
    if (proof_len > QUIRE_RECEIPT_MAX_PROOF)
        return quire_error_set(err, QUIRE_E_FORMAT, "receipt: proof longer than %d hashes (SPEC 8)",
                               QUIRE_RECEIPT_MAX_PROOF);
    size_t n = OFF_LEAF + leaf_len + 1 + proof_len * HB;
    uint8_t *b = malloc(n);
    if (b == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    memcpy(b, QUIRE_RECEIPT_MAGIC, QUIRE_RECEIPT_MAGIC_BYTES);
    memcpy(b + OFF_ALG, QUIRE_RECEIPT_ALG, QUIRE_RECEIPT_ALG_BYTES);
    memcpy(b + OFF_KEY_ID, key_id, QUIRE_KEY_ID_BYTES);
    memcpy(b + OFF_SIG, sig, QUIRE_SIGNATURE_BYTES);
    memcpy(b + OFF_STATEMENT, statement, QUIRE_STATEMENT_BYTES);
    quire_store32(b + OFF_LEAF_INDEX, leaf_index);
    quire_store32(b + OFF_LEAF_LEN, (uint32_t)leaf_len);
    if (leaf_len > 0)
        memcpy(b + OFF_LEAF, leaf, leaf_len);
    b[OFF_LEAF + leaf_len] = (uint8_t)proof_len;
    if (proof_len > 0)
        memcpy(b + OFF_LEAF + leaf_len + 1, proof, proof_len * HB);
    int rc = quire_receipt_parse(b, n, &check, err);
    if (rc == QUIRE_OK)
        rc = check_leaf_text(&check, err);
    if (rc != QUIRE_OK) {
        free(b);
        return rc;
    }
    *out = b;
    *out_len = n;
    return QUIRE_OK;
}

/* The key check of SPEC 10: every trusted key with the receipt's id is tried. */
static int verify_signature(const quire_receipt *rc, const quire_pubkey *keys, size_t nkeys,
                            size_t *which_key, quire_error *err)
{
    uint8_t prehash[QUIRE_PREHASH_BYTES];
    bool named = false;
    char hex[17];

    quire_prehash(rc->statement, QUIRE_STATEMENT_BYTES, prehash);
    for (size_t i = 0; i < nkeys; i++) {
        if (sodium_memcmp(keys[i].key_id, rc->key_id, QUIRE_KEY_ID_BYTES) != 0)
            continue;
        named = true;
        if (crypto_sign_verify_detached(rc->sig, prehash, sizeof prehash, keys[i].pk) == 0) {
            if (which_key != NULL)
                *which_key = i;
            return QUIRE_OK;
        }
    }
    quire_key_id_hex(rc->key_id, hex);
    if (!named)
        return quire_error_set(err, QUIRE_E_UNTRUSTED,
                               "receipt: signed by key %s, which is not trusted (SPEC 10)", hex);
    return quire_error_set(err, QUIRE_E_SIGNATURE,
                           "receipt: signature by key %s does not verify (SPEC 10)", hex);
}

int quire_receipt_verify(const quire_receipt *rc, const quire_pubkey *keys, size_t nkeys,
                         size_t *which_key, quire_error *err)
{
    uint8_t leaf_hash[HB];
    /* The signed bytes, not the struct's copies, say which tree the proof must lead to. */
    uint32_t n = quire_load32(rc->statement + QUIRE_STATEMENT_OFF_ENTRY_COUNT);
    const uint8_t *root = rc->statement + QUIRE_STATEMENT_OFF_ROOT;

    if (sodium_init() < 0)
        return quire_error_set(err, QUIRE_E_NOMEM, "libsodium cannot be initialised");
    if (rc->leaf == NULL || rc->leaf_index >= n ||
        rc->proof_len != quire_merkle_proof_len(rc->leaf_index, n))
        return quire_error_set(err, QUIRE_E_FORMAT, "receipt: not a parsed receipt (SPEC 10)");
    int r = verify_signature(rc, keys, nkeys, which_key, err);
    if (r != QUIRE_OK)
        return r;
    quire_entry_leaf_hash(rc->leaf, rc->leaf_len, leaf_hash);
    if (!quire_merkle_verify(leaf_hash, rc->leaf_index, n, rc->proof, rc->proof_len, root))
        return quire_error_set(
            err, QUIRE_E_HASH,
            "receipt: inclusion proof does not lead to the signed root (SPEC 10)");
    return check_leaf_text(rc, err);
}

int quire_receipt_match_sha256(const quire_receipt *rc, const uint8_t sha256[QUIRE_SHA256_BYTES],
                               quire_error *err)
{
    if (rc->sha256 == NULL || sodium_memcmp(rc->sha256, sha256, QUIRE_SHA256_BYTES) != 0)
        return quire_error_set(
            err, QUIRE_E_HASH,
            "receipt: the file's SHA-256 is not the one the receipt certifies (SPEC 10)");
    return QUIRE_OK;
}

int quire_receipt_armour(const uint8_t *bin, size_t len, char **out, size_t *out_len,
                         quire_error *err)
{
    static const char prefix[] = QUIRE_RECEIPT_COMMENT_TEXT;
    quire_receipt r;
    *out = NULL;
    *out_len = 0;
    int rc = quire_receipt_parse(bin, len, &r, err);
    if (rc != QUIRE_OK)
        return rc;
    size_t b64 = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL); /* with NUL */
    size_t n = sizeof prefix - 1 + r.path_len + 1 + b64 - 1 + 1;
    char *t = malloc(n + 1);
    if (t == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    char *p = t;
    memcpy(p, prefix, sizeof prefix - 1);
    p += sizeof prefix - 1;
    /* The comment is untrusted and shown as is by mail readers and terminals: plain ASCII. */
    for (uint16_t i = 0; i < r.path_len; i++) {
        unsigned char c = (unsigned char)r.path[i];
        *p++ = c >= 0x20 && c < 0x7F ? (char)c : '?';
    }
    *p++ = '\n';
    sodium_bin2base64(p, b64, bin, len, sodium_base64_VARIANT_ORIGINAL);
    p += b64 - 1;
    *p++ = '\n';
    *p = '\0';
    *out = t;
    *out_len = n;
    return QUIRE_OK;
}

static bool all_space(const uint8_t *p, const uint8_t *end)
{
    for (; p < end; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
            return false;
    return true;
}

/* The base64 line of the armour, between an optional comment line and trailing white space. */
static int armour_line(const uint8_t *text, size_t len, const uint8_t **line, size_t *line_len,
                       quire_error *err)
{
    static const char comment[] = QUIRE_RECEIPT_COMMENT;
    const uint8_t *p = text, *end = text + len;
    if (len >= sizeof comment - 1 && memcmp(text, comment, sizeof comment - 1) == 0) {
        const uint8_t *nl = memchr(text, '\n', len);
        if (nl == NULL)
            return quire_error_set(err, QUIRE_E_FORMAT,
                                   "receipt: armour has a comment but no base64 line (SPEC 10)");
        p = nl + 1;
    }
    const uint8_t *eol = memchr(p, '\n', (size_t)(end - p));
    if (eol == NULL)
        eol = end;
    if (!all_space(eol, end))
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "receipt: armour has text after its base64 line (SPEC 10)");
    if (eol > p && eol[-1] == '\r')
        eol--;
    if (eol == p)
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "receipt: neither a receipt nor its armoured text (SPEC 10)");
    *line = p;
    *line_len = (size_t)(eol - p);
    return QUIRE_OK;
}

int quire_receipt_dearmour(const uint8_t *text, size_t len, uint8_t **bin, size_t *bin_len,
                           quire_error *err)
{
    const uint8_t *line = text;
    size_t line_len = len;
    const char *b64_end;
    *bin = NULL;
    *bin_len = 0;
    if (len > QUIRE_RECEIPT_MAX_ARMOUR_BYTES)
        return quire_error_set(err, QUIRE_E_LIMIT, "receipt: file larger than %u bytes (SPEC 8)",
                               QUIRE_RECEIPT_MAX_ARMOUR_BYTES);
    bool binary = len >= 4 && memcmp(text, QUIRE_RECEIPT_MAGIC, 4) == 0;
    if (!binary) {
        int rc = armour_line(text, len, &line, &line_len, err);
        if (rc != QUIRE_OK)
            return rc;
    }
    size_t cap = binary ? len : line_len / 4 * 3 + 3;
    uint8_t *b = malloc(cap ? cap : 1);
    if (b == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    if (binary) {
        memcpy(b, text, len);
        *bin_len = len;
    } else if (sodium_base642bin(b, cap, (const char *)line, line_len, NULL, bin_len, &b64_end,
                                 sodium_base64_VARIANT_ORIGINAL) != 0 ||
               b64_end != (const char *)line + line_len) {
        free(b);
        *bin_len = 0;
        return quire_error_set(err, QUIRE_E_FORMAT,
                               "receipt: armour's line is not padded base64 (SPEC 10)");
    }
    *bin = b;
    return QUIRE_OK;
}
