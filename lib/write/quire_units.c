/* SPDX-License-Identifier: ISC */
/* quire_units.c: a ring of unit slots shared by the filling thread and the deflate workers.
 * A slot goes FREE -> FILLING -> QUEUED -> BUSY -> DONE -> (written, in order) FREE. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>
#include <sodium.h>

#include "quire_units.h"
#include "quire_private.h"

enum { FREE, FILLING, QUEUED, BUSY, DONE };

typedef struct slot {
    int state;
    uint8_t *raw, *packed;
    size_t fill, packed_len;
    uint8_t compression;
    uint8_t hash[QUIRE_BLAKE2B256_BYTES];
    bool failed;
    /* The slot's own compressor (libdeflate's are not shared between threads), made at the
     * first unit it compresses. */
    struct libdeflate_compressor *deflater;
} slot;

struct quire_units {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    pthread_t *workers;
    unsigned nworkers;
    bool stopping;
    int level;
    size_t packed_cap;
    slot *slots;
    size_t nslots;
    size_t head; /* the slot being filled */
    size_t tail; /* the next slot to hand to the sink */
    quire_unit_sink sink;
    void *ctx;
};

/* Deflates one slot as a whole (libdeflate), or stores it when deflate does not shrink it,
 * and hashes the result. */
static void compress_slot(const quire_units *u, slot *s)
{
    s->compression = QUIRE_COMP_STORE;
    s->failed = false;
    if (u->level > 0) {
        if (s->deflater == NULL && (s->deflater = libdeflate_alloc_compressor(u->level)) == NULL) {
            s->failed = true;
            return;
        }
        s->packed_len =
            libdeflate_deflate_compress(s->deflater, s->raw, s->fill, s->packed, u->packed_cap);
        if (s->packed_len > 0 && s->packed_len < s->fill)
            s->compression = QUIRE_COMP_DEFLATE; /* 0: did not fit, which is not smaller */
    }
    const uint8_t *stored = s->compression == QUIRE_COMP_DEFLATE ? s->packed : s->raw;
    size_t len = s->compression == QUIRE_COMP_DEFLATE ? s->packed_len : s->fill;
    crypto_generichash(s->hash, sizeof s->hash, stored, len, NULL, 0);
}

static void *worker(void *arg)
{
    quire_units *u = arg;
    pthread_mutex_lock(&u->lock);
    for (;;) {
        slot *job = NULL;
        /* Oldest queued slot first, so the sink is never kept waiting by a younger one. */
        for (size_t k = 0; k < u->nslots && job == NULL; k++) {
            slot *s = &u->slots[(u->tail + k) % u->nslots];
            if (s->state == QUEUED)
                job = s;
        }
        if (job == NULL) {
            if (u->stopping)
                break;
            pthread_cond_wait(&u->changed, &u->lock);
            continue;
        }
        job->state = BUSY;
        pthread_mutex_unlock(&u->lock);
        compress_slot(u, job);
        pthread_mutex_lock(&u->lock);
        job->state = DONE;
        pthread_cond_broadcast(&u->changed);
    }
    pthread_mutex_unlock(&u->lock);
    return NULL;
}

int quire_units_open(unsigned threads, int level, quire_unit_sink sink, void *ctx,
                     quire_units **out, quire_error *err)
{
    quire_units *u = calloc(1, sizeof *u);
    if (u == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory");
    u->level = level;
    u->sink = sink;
    u->ctx = ctx;
    /* Only a stream smaller than the raw unit is kept: deflate into at most that much. */
    u->packed_cap = QUIRE_UNIT_TARGET_BYTES;
    u->nslots = threads > 0 ? 2 * (size_t)threads + 1 : 1;
    u->slots = calloc(u->nslots, sizeof *u->slots);
    u->workers = calloc(threads ? threads : 1, sizeof *u->workers);
    pthread_mutex_init(&u->lock, NULL);
    pthread_cond_init(&u->changed, NULL);
    bool ok = u->slots != NULL && u->workers != NULL;
    for (size_t i = 0; ok && i < u->nslots; i++) {
        u->slots[i].raw = malloc(QUIRE_UNIT_TARGET_BYTES);
        u->slots[i].packed = malloc(u->packed_cap);
        ok = u->slots[i].raw != NULL && u->slots[i].packed != NULL;
    }
    if (ok)
        u->slots[0].state = FILLING; /* before any worker looks at the slots */
    for (unsigned i = 0; ok && i < threads; i++) {
        ok = quire_thread_create(&u->workers[i], worker, u) == 0;
        u->nworkers += ok;
    }
    if (!ok) {
        quire_units_close(u);
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory or threads");
    }
    *out = u;
    return QUIRE_OK;
}

uint8_t *quire_units_buffer(quire_units *u, size_t **fill)
{
    slot *s = &u->slots[u->head];
    *fill = &s->fill;
    return s->raw;
}

/* Hands DONE slots at the tail to the sink, in order; with wait, blocks until the slot at
 * the tail is done (used when the ring is full, and to drain). Called with the lock held. */
static int deliver(quire_units *u, bool wait, quire_error *err)
{
    for (;;) {
        slot *s = &u->slots[u->tail];
        if (s->state == QUEUED || s->state == BUSY) {
            if (!wait)
                return QUIRE_OK;
            pthread_cond_wait(&u->changed, &u->lock);
            continue;
        }
        if (s->state != DONE)
            return QUIRE_OK;
        pthread_mutex_unlock(&u->lock);
        int rc = s->failed ? quire_error_set(err, QUIRE_E_NOMEM, "deflate failed")
                           : u->sink(u->ctx, s->compression ? s->packed : s->raw,
                                     s->compression ? s->packed_len : s->fill, s->compression,
                                     s->fill, s->hash, err);
        pthread_mutex_lock(&u->lock);
        s->state = FREE;
        s->fill = 0;
        u->tail = (u->tail + 1) % u->nslots;
        if (rc != QUIRE_OK)
            return rc;
        wait = false; /* the slot we waited for has gone; take what else is ready */
    }
}

int quire_units_submit(quire_units *u, quire_error *err)
{
    slot *s = &u->slots[u->head];
    int rc = QUIRE_OK;
    if (s->fill == 0)
        return QUIRE_OK;
    if (u->nworkers == 0) { /* no threads: compress and deliver right here */
        compress_slot(u, s);
        s->state = DONE;
        pthread_mutex_lock(&u->lock);
        rc = deliver(u, false, err);
        pthread_mutex_unlock(&u->lock);
        u->slots[u->head].state = FILLING;
        return rc;
    }
    pthread_mutex_lock(&u->lock);
    s->state = QUEUED;
    pthread_cond_broadcast(&u->changed);
    u->head = (u->head + 1) % u->nslots;
    while (rc == QUIRE_OK && u->slots[u->head].state != FREE)
        rc = deliver(u, true, err);
    if (rc == QUIRE_OK)
        rc = deliver(u, false, err);
    u->slots[u->head].state = FILLING;
    pthread_mutex_unlock(&u->lock);
    return rc;
}

int quire_units_drain(quire_units *u, quire_error *err)
{
    int rc = quire_units_submit(u, err);
    pthread_mutex_lock(&u->lock);
    while (rc == QUIRE_OK && u->tail != u->head)
        rc = deliver(u, true, err);
    pthread_mutex_unlock(&u->lock);
    return rc;
}

void quire_units_close(quire_units *u)
{
    if (u == NULL)
        return;
    pthread_mutex_lock(&u->lock);
    u->stopping = true;
    pthread_cond_broadcast(&u->changed);
    pthread_mutex_unlock(&u->lock);
    for (unsigned i = 0; i < u->nworkers; i++)
        pthread_join(u->workers[i], NULL);
    for (size_t i = 0; u->slots != NULL && i < u->nslots; i++) {
        free(u->slots[i].raw);
        free(u->slots[i].packed);
        libdeflate_free_compressor(u->slots[i].deflater);
    }
    pthread_mutex_destroy(&u->lock);
    pthread_cond_destroy(&u->changed);
    free(u->slots);
    free(u->workers);
    free(u);
}
