/* SPDX-License-Identifier: ISC */
/* quire_trust.c: the keys a reader trusts through rotations and revocations (SPEC 14.3).
 * Statements are not ordered by anything an attacker cannot choose (their dates are the
 * signer's claims, the files' order the file system's), so the result depends only on the set
 * of statements: every rule below is evaluated over all of them. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "quire_trust.h"

typedef struct trust_run {
    const quire_keystmt *stmts;
    size_t nstmts;
    bool *usable;   /* per statement: a rotation signed by both keys and not forked */
    bool *revoking; /* per statement: a revocation that applies */
    quire_trust_key *keys;
    size_t nkeys;
    quire_trust_warn_fn warn;
    void *ctx;
} trust_run;

static bool same_key(const quire_pubkey *a, const quire_pubkey *b)
{
    return memcmp(a->key_id, b->key_id, QUIRE_KEY_ID_BYTES) == 0 &&
           sodium_memcmp(a->pk, b->pk, QUIRE_PUBKEY_BYTES) == 0;
}

static bool same_pk(const quire_pubkey *a, const quire_pubkey *b)
{
    return sodium_memcmp(a->pk, b->pk, QUIRE_PUBKEY_BYTES) == 0;
}

static void warn(const trust_run *t, size_t i, const char *why)
{
    if (t->warn != NULL)
        t->warn(t->ctx, i, why);
}

static ptrdiff_t find_key(const trust_run *t, const quire_pubkey *k)
{
    for (size_t i = 0; i < t->nkeys; i++)
        if (same_key(&t->keys[i].key, k))
            return (ptrdiff_t)i;
    return -1;
}

/* Whether usable rotations lead from public key from to public key to (depth-first, at most
 * nstmts steps: a longer path repeats a key). */
static bool leads_to(const trust_run *t, const quire_pubkey *from, const quire_pubkey *to,
                     size_t steps)
{
    if (same_pk(from, to))
        return true;
    for (size_t i = 0; steps > 0 && i < t->nstmts; i++)
        if (t->usable[i] && same_pk(&t->stmts[i].subject, from) &&
            leads_to(t, &t->stmts[i].next, to, steps - 1))
            return true;
    return false;
}

/* SPEC 14.2: a key that a chain of rotations left is never reached again through it (a
 * rollback to a retired, perhaps stolen key): every rotation on a cycle is refused. */
static void refuse_cycles(trust_run *t)
{
    bool *cyclic = calloc(t->nstmts + 1, sizeof *cyclic);
    if (cyclic == NULL) {
        memset(t->usable, 0, t->nstmts * sizeof *t->usable); /* nothing is followed */
        return;
    }
    for (size_t i = 0; i < t->nstmts; i++)
        cyclic[i] = t->usable[i] && leads_to(t, &t->stmts[i].next, &t->stmts[i].subject, t->nstmts);
    for (size_t i = 0; i < t->nstmts; i++)
        if (cyclic[i]) {
            t->usable[i] = false;
            warn(t, i, "leads back to a key its chain left (a cycle): refused (SPEC 14.2)");
        }
    free(cyclic);
}

/* SPEC 14.2: a rotation counts only when both keys signed it, and an old key may rotate once:
 * two rotations of one key to different keys (a fork, as a thief of the old key would make)
 * are both refused. */
static void check_rotations(trust_run *t)
{
    for (size_t i = 0; i < t->nstmts; i++) {
        const quire_keystmt *s = &t->stmts[i];
        if (s->kind != QUIRE_KEYSTMT_ROTATION)
            continue;
        t->usable[i] = !same_pk(&s->subject, &s->next) && quire_keystmt_signed_by(s, &s->subject) &&
                       quire_keystmt_signed_by(s, &s->next);
        if (!t->usable[i])
            warn(t, i, "not signed by both the old and the new key (SPEC 14.2)");
    }
    /* The same rotation twice is one: each key keeps at most one usable rotation, so that
     * the walks below are linear. */
    for (size_t i = 0; i < t->nstmts; i++)
        for (size_t j = 0; t->usable[i] && j < i; j++)
            if (t->usable[j] && same_pk(&t->stmts[i].subject, &t->stmts[j].subject) &&
                same_key(&t->stmts[i].next, &t->stmts[j].next))
                t->usable[i] = false;
    bool *forked = calloc(t->nstmts + 1, sizeof *forked);
    for (size_t i = 0; i < t->nstmts; i++)
        for (size_t j = 0; !(forked != NULL && forked[i]) && j < t->nstmts; j++)
            if (t->usable[i] && t->usable[j] &&
                same_pk(&t->stmts[i].subject, &t->stmts[j].subject) &&
                !same_key(&t->stmts[i].next, &t->stmts[j].next)) {
                if (forked != NULL)
                    forked[i] = true;
                else
                    memset(t->usable, 0, t->nstmts * sizeof *t->usable); /* nothing followed */
            }
    for (size_t i = 0; forked != NULL && i < t->nstmts; i++)
        if (forked[i]) {
            t->usable[i] = false;
            warn(t, i,
                 "the old key also rotates to another key: all its rotations are refused "
                 "(SPEC 14.2)");
        }
    free(forked);
}

/* Whether key k is revoked by an applying revocation (its public key, whatever the id). */
static ptrdiff_t revoked(const trust_run *t, const quire_pubkey *k)
{
    for (size_t i = 0; i < t->nstmts; i++)
        if (t->revoking[i] && same_pk(&t->stmts[i].subject, k))
            return (ptrdiff_t)i;
    return -1;
}

/* Follows every usable rotation from a trusted key, until nothing changes. With honour_revoked,
 * a revoked key's rotations are not followed. Returns 0 or QUIRE_E_NOMEM. */
static int follow(trust_run *t, bool honour_revoked)
{
    bool grew = true;
    while (grew) {
        grew = false;
        for (size_t i = 0; i < t->nstmts; i++) {
            const quire_keystmt *s = &t->stmts[i];
            ptrdiff_t from = t->usable[i] ? find_key(t, &s->subject) : -1;
            if (from < 0 || find_key(t, &s->next) >= 0)
                continue;
            if (honour_revoked && revoked(t, &s->subject) >= 0)
                continue;
            if (t->keys[from].depth >= QUIRE_MAX_ROTATION_DEPTH)
                continue;
            quire_trust_key *more = realloc(t->keys, (t->nkeys + 1) * sizeof *more);
            if (more == NULL)
                return QUIRE_E_NOMEM;
            t->keys = more;
            t->keys[t->nkeys] = (quire_trust_key){.key = s->next,
                                                  .root = t->keys[from].root,
                                                  .via = (ptrdiff_t)i,
                                                  .depth = t->keys[from].depth + 1,
                                                  .revoked_by = -1};
            t->nkeys++;
            grew = true;
        }
    }
    return QUIRE_OK;
}

/* SPEC 14.2: a revocation applies when the revoked key, or a key of its chain, signed it. */
static void check_revocations(trust_run *t)
{
    for (size_t i = 0; i < t->nstmts; i++) {
        const quire_keystmt *s = &t->stmts[i];
        if (s->kind != QUIRE_KEYSTMT_REVOCATION)
            continue;
        ptrdiff_t k = find_key(t, &s->subject);
        if (k < 0)
            continue; /* about a key this reader does not trust */
        bool ok = quire_keystmt_signed_by(s, &s->subject);
        for (size_t j = 0; !ok && j < t->nkeys; j++)
            ok = t->keys[j].root == t->keys[k].root && quire_keystmt_signed_by(s, &t->keys[j].key);
        t->revoking[i] = ok;
        if (!ok)
            warn(t, i, "not signed by the revoked key or a key of its chain (SPEC 14.2)");
    }
}

static void mark_revoked(trust_run *t)
{
    for (size_t k = 0; k < t->nkeys; k++) {
        t->keys[k].revoked_by = -1;
        for (size_t i = 0; i < t->nstmts; i++) {
            if (!t->revoking[i] || !same_pk(&t->stmts[i].subject, &t->keys[k].key))
                continue;
            if (t->keys[k].revoked_by < 0 || t->stmts[i].date < t->keys[k].revoked_from) {
                t->keys[k].revoked_by = (ptrdiff_t)i;
                t->keys[k].revoked_from = t->stmts[i].date;
            }
        }
    }
}

static int add_roots(trust_run *t, const quire_pubkey *roots, size_t nroots)
{
    t->keys = calloc(nroots > 0 ? nroots : 1, sizeof *t->keys);
    if (t->keys == NULL)
        return QUIRE_E_NOMEM;
    for (size_t i = 0; i < nroots; i++) {
        size_t root = i;
        for (size_t j = 0; j < i; j++)
            if (same_pk(&roots[j], &roots[i])) { /* one key under two ids: one key */
                root = t->keys[j].root;
                break;
            }
        t->keys[i] = (quire_trust_key){.key = roots[i], .root = root, .via = -1, .revoked_by = -1};
    }
    t->nkeys = nroots;
    return QUIRE_OK;
}

int quire_trust_resolve(const quire_pubkey *roots, size_t nroots, const quire_keystmt *stmts,
                        size_t nstmts, quire_trust_warn_fn warn_fn, void *ctx,
                        quire_trust_key **out, size_t *nout, quire_error *err)
{
    trust_run t = {.stmts = stmts, .nstmts = nstmts, .warn = warn_fn, .ctx = ctx};
    *out = NULL;
    *nout = 0;
    t.usable = calloc(nstmts + 1, sizeof *t.usable);
    t.revoking = calloc(nstmts + 1, sizeof *t.revoking);
    int rc = t.usable != NULL && t.revoking != NULL ? add_roots(&t, roots, nroots) : QUIRE_E_NOMEM;
    if (rc == QUIRE_OK) {
        check_rotations(&t);
        refuse_cycles(&t);
        rc = follow(&t, false); /* the chains as signed, to know who may revoke */
    }
    if (rc == QUIRE_OK) {
        check_revocations(&t);
        t.nkeys = nroots; /* again, not through revoked keys */
        rc = follow(&t, true);
    }
    if (rc == QUIRE_OK)
        mark_revoked(&t);
    free(t.usable);
    free(t.revoking);
    if (rc != QUIRE_OK) {
        free(t.keys);
        return quire_error_set(err, rc, "out of memory");
    }
    *out = t.keys;
    *nout = t.nkeys;
    return QUIRE_OK;
}
