/* SPDX-License-Identifier: ISC */
/* quire_pipe.c: the unit pipeline of full walks (quire_pipe.h). The walking thread is the only
 * consumer; workers take jobs (units) in stream order, at most nslots ahead of the job the
 * consumer holds, and publish each finished slot under the lock. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>
#include <sodium.h>

#include "common/quire_sha256.h"
#include "quire_private.h"
#include "read/quire_pipe.h"
#include "read/quire_reader_int.h"

#define PIPE_MAX_WORKERS 8
/* The slots' buffers stop growing in number past this many bytes (units are about 1 MiB;
 * SPEC 8 allows 16 MiB), as long as each worker keeps a slot. */
#define PIPE_SLOT_BUDGET_BYTES (64u << 20)
#define NO_JOB UINT32_MAX

typedef struct pipe_job {
    uint32_t unit;
    uint32_t first; /* its contained entries: contained[first, first + count) */
    uint32_t count;
} pipe_job;

typedef struct pipe_slot {
    uint8_t *stored;
    uint8_t *raw;
    const uint8_t *view; /* raw, or stored for a stored unit */
    uint32_t job;        /* the job whose result it holds, under the lock */
    bool busy;           /* a worker is decoding into it, under the lock */
    int rc;
    quire_error err;
} pipe_slot;

typedef struct pipe_worker {
    quire_pipe *p;
    struct libdeflate_decompressor *inflater;
    pthread_t thread;
} pipe_worker;

struct quire_pipe {
    quire_reader *r;
    pipe_job *jobs;
    uint32_t njobs;
    uint32_t *contained; /* selected entries wholly inside one unit, in stream order */
    int8_t *hashed;      /* per entry: -1 not hashed by a worker, 0 mismatch, 1 match */
    pipe_slot *slots;
    uint32_t nslots;
    uint64_t max_stored, max_raw; /* over the units of the jobs */
    pipe_worker workers[PIPE_MAX_WORKERS];
    unsigned nworkers;
    pthread_mutex_t lock;
    pthread_cond_t ready;    /* a slot was published */
    pthread_cond_t released; /* the consumer moved on, or stop */
    uint32_t next;           /* the next job a worker takes */
    uint32_t held;           /* the consumer's job, NO_JOB before the first */
    uint32_t free_below;     /* jobs below this one are released: their slots may be reused */
    bool stop;
};

/* The last unit that entry e overlaps (e->size > 0). */
static uint32_t last_unit(const quire_index *idx, const quire_entry *e)
{
    uint64_t end = e->stream_offset + e->size;
    uint32_t u = e->first_unit;
    while (idx->units[u].stream_offset + idx->units[u].raw_size < end)
        u++;
    return u;
}

/* The jobs of a selection, in stream order, and the entries a worker can hash; with p->jobs
 * NULL, only counts them. */
static void plan(quire_pipe *p, const bool *selected, uint32_t *njobs, uint32_t *ncontained)
{
    const quire_index *idx = &p->r->index;
    uint32_t nj = 0, nc = 0, last_job_unit = 0;
    for (uint32_t i = 0; i < idx->entry_count; i++) {
        const quire_entry *e = &idx->entries[i];
        if ((selected != NULL && !selected[i]) || e->size == 0)
            continue;
        uint32_t last = last_unit(idx, e);
        for (uint32_t u = e->first_unit; u <= last; u++) {
            if (nj > 0 && u == last_job_unit) /* entries share units; units never go back */
                continue;
            if (p->jobs != NULL) {
                const quire_unit *un = &idx->units[u];
                p->jobs[nj] = (pipe_job){.unit = u, .first = nc};
                p->max_stored = un->stored_size > p->max_stored ? un->stored_size : p->max_stored;
                p->max_raw = un->raw_size > p->max_raw ? un->raw_size : p->max_raw;
            }
            last_job_unit = u;
            nj++;
        }
        if (e->first_unit == last) {
            if (p->jobs != NULL) {
                p->contained[nc] = i;
                p->jobs[nj - 1].count++;
            }
            nc++;
        }
    }
    *njobs = nj;
    *ncontained = nc;
}

/* SPEC 9 steps 10-11 for one unit, as the single-threaded walk does them (same messages), then
 * step 12 for the entries inside it. */
static void decode(quire_pipe *p, pipe_worker *w, uint32_t j, pipe_slot *s)
{
    const quire_reader *r = p->r;
    const pipe_job *job = &p->jobs[j];
    const quire_unit *un = &r->index.units[job->unit];

    s->rc = quire_reader_check_unit(r, job->unit, s->stored, &s->err);
    if (s->rc != QUIRE_OK)
        return;
    s->view = s->stored;
    if (un->compression != QUIRE_COMP_STORE) {
        size_t in = 0, out = 0;
        enum libdeflate_result res =
            libdeflate_deflate_decompress_ex(w->inflater, s->stored, (size_t)un->stored_size,
                                             s->raw, (size_t)un->raw_size, &in, &out);
        if (res != LIBDEFLATE_SUCCESS || in != un->stored_size || out != un->raw_size) {
            s->rc = quire_error_set(&s->err, QUIRE_E_FORMAT,
                                    "unit %u: deflate data does not decode to exactly its %llu "
                                    "declared bytes (SPEC 5.2)",
                                    job->unit, (unsigned long long)un->raw_size);
            return;
        }
        s->view = s->raw;
    }
    for (uint32_t k = job->first; k < job->first + job->count; k++) {
        const quire_entry *e = &r->index.entries[p->contained[k]];
        uint8_t digest[QUIRE_SHA256_BYTES];
        quire_sha256(digest, s->view + (e->stream_offset - un->stream_offset), (size_t)e->size);
        p->hashed[p->contained[k]] = sodium_memcmp(digest, e->sha256, sizeof digest) == 0;
    }
}

static void *worker_main(void *arg)
{
    pipe_worker *w = arg;
    quire_pipe *p = w->p;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        /* When the consumer skips jobs, the slot of the next job may still be filled by a
         * worker holding an earlier job: wait for it too. */
        while (!p->stop && p->next < p->njobs &&
               (p->next >= p->free_below + p->nslots || p->slots[p->next % p->nslots].busy))
            pthread_cond_wait(&p->released, &p->lock);
        if (p->stop || p->next >= p->njobs)
            break;
        uint32_t j = p->next++;
        pipe_slot *s = &p->slots[j % p->nslots];
        s->busy = true;
        pthread_mutex_unlock(&p->lock);
        decode(p, w, j, s);
        pthread_mutex_lock(&p->lock);
        s->job = j;
        s->busy = false;
        pthread_cond_broadcast(&p->ready);
        pthread_cond_broadcast(&p->released);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* The slots: two per worker, fewer for large units, at least one per worker. */
static int alloc_slots(quire_pipe *p, quire_error *err)
{
    uint64_t max_stored = p->max_stored, max_raw = p->max_raw;
    p->nslots = 2 * p->nworkers;
    while (p->nslots > p->nworkers && p->nslots * (max_stored + max_raw) > PIPE_SLOT_BUDGET_BYTES)
        p->nslots--;
    p->slots = calloc(p->nslots, sizeof *p->slots);
    if (p->slots == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory for the unit pipeline");
    for (uint32_t s = 0; s < p->nslots; s++) {
        p->slots[s].job = NO_JOB;
        p->slots[s].stored = malloc((size_t)max_stored);
        p->slots[s].raw = malloc((size_t)max_raw);
        if (p->slots[s].stored == NULL || p->slots[s].raw == NULL)
            return quire_error_set(err, QUIRE_E_NOMEM, "out of memory for the unit pipeline");
    }
    return QUIRE_OK;
}

static int alloc_plan(quire_pipe *p, const bool *selected, quire_error *err)
{
    uint32_t njobs, ncontained;
    plan(p, selected, &njobs, &ncontained);
    p->njobs = njobs;
    if (njobs < 2)
        return QUIRE_OK;
    p->jobs = malloc((size_t)njobs * sizeof *p->jobs);
    p->contained = malloc(((size_t)ncontained + 1) * sizeof *p->contained);
    p->hashed = malloc(p->r->index.entry_count + (size_t)1);
    if (p->jobs == NULL || p->contained == NULL || p->hashed == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory for the unit pipeline");
    memset(p->hashed, -1, p->r->index.entry_count + (size_t)1);
    plan(p, selected, &njobs, &ncontained);
    return QUIRE_OK;
}

int quire_pipe_start(quire_reader *r, const bool *selected, quire_pipe **out, quire_error *err)
{
    unsigned cpus = quire_cpu_count();
    *out = NULL;
    if (cpus < 2)
        return QUIRE_OK;
    quire_pipe *p = calloc(1, sizeof *p);
    if (p == NULL)
        return quire_error_set(err, QUIRE_E_NOMEM, "out of memory for the unit pipeline");
    p->r = r;
    p->held = NO_JOB;
    p->max_stored = p->max_raw = 1;
    p->nworkers = cpus < PIPE_MAX_WORKERS ? cpus : PIPE_MAX_WORKERS;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->ready, NULL);
    pthread_cond_init(&p->released, NULL);
    int rc = alloc_plan(p, selected, err);
    if (rc == QUIRE_OK && p->njobs >= 2)
        rc = alloc_slots(p, err);
    if (rc != QUIRE_OK || p->njobs < 2) {
        p->nworkers = 0;
        quire_pipe_stop(p);
        return rc;
    }
    unsigned started = 0;
    for (; started < p->nworkers; started++) {
        pipe_worker *w = &p->workers[started];
        w->p = p;
        w->inflater = libdeflate_alloc_decompressor();
        if (w->inflater == NULL || quire_thread_create(&w->thread, worker_main, w) != 0) {
            libdeflate_free_decompressor(w->inflater);
            break;
        }
    }
    p->nworkers = started;
    if (started == 0) { /* one thread after all: slower, not wrong */
        quire_pipe_stop(p);
        return QUIRE_OK;
    }
    *out = p;
    return QUIRE_OK;
}

/* Moves the consumer to job j, releasing the jobs before it. */
static void hold(quire_pipe *p, uint32_t j)
{
    pthread_mutex_lock(&p->lock);
    p->held = j;
    p->free_below = j;
    pthread_cond_broadcast(&p->released);
    while (p->slots[j % p->nslots].job != j)
        pthread_cond_wait(&p->ready, &p->lock);
    pthread_mutex_unlock(&p->lock);
}

int quire_pipe_unit(quire_pipe *p, uint32_t u, const uint8_t **raw, quire_error *err)
{
    uint32_t j = p->held == NO_JOB ? 0 : p->held;
    while (j < p->njobs && p->jobs[j].unit < u)
        j++;
    *raw = NULL;
    if (j >= p->njobs || p->jobs[j].unit != u)
        return quire_error_set(err, QUIRE_E_USAGE, "unit %u is not next in the walk", u);
    if (j != p->held)
        hold(p, j);
    const pipe_slot *s = &p->slots[j % p->nslots];
    if (s->rc != QUIRE_OK) {
        *err = s->err;
        return s->rc;
    }
    *raw = s->view;
    return QUIRE_OK;
}

int quire_pipe_entry_hashed(const quire_pipe *p, uint32_t i)
{
    return p->hashed[i];
}

void quire_pipe_stop(quire_pipe *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_broadcast(&p->released);
    pthread_mutex_unlock(&p->lock);
    for (unsigned t = 0; t < p->nworkers; t++) {
        pthread_join(p->workers[t].thread, NULL);
        libdeflate_free_decompressor(p->workers[t].inflater);
    }
    for (uint32_t s = 0; p->slots != NULL && s < p->nslots; s++) {
        free(p->slots[s].stored);
        free(p->slots[s].raw);
    }
    pthread_cond_destroy(&p->ready);
    pthread_cond_destroy(&p->released);
    pthread_mutex_destroy(&p->lock);
    free(p->slots);
    free(p->jobs);
    free(p->contained);
    free(p->hashed);
    free(p);
}
