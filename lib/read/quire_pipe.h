/* SPDX-License-Identifier: ISC */
/* quire_pipe.h: the unit pipeline of a full walk (quire_reader_walk over many units). Worker
 * threads read, hash (SPEC 9 step 10) and inflate whole units (step 11) with libdeflate, in
 * stream order, each into a slot of a small ring, and hash the selected entries that lie wholly
 * inside their unit (step 12); the walking thread takes the units in the same order, releases
 * their bytes and hashes only the entries that span units. So the bytes, their order and the
 * first failure in stream order are those of the single-threaded walk, whatever the timing. */
#ifndef QUIRE_PIPE_H
#define QUIRE_PIPE_H

#include <stdbool.h>
#include <stdint.h>

#include "quire.h"

typedef struct quire_pipe quire_pipe;

/* Starts the pipeline for the units that the selected entries (all if selected is NULL)
 * overlap. Sets *out to NULL, and returns 0, when one thread would do as well: one CPU, or
 * fewer than two units to decode. Returns 0, or QUIRE_E_NOMEM. */
int quire_pipe_start(quire_reader *r, const bool *selected, quire_pipe **out, quire_error *err);

/* The raw bytes of unit u, which must be the unit last returned or a later one that the
 * selection needs (entries are walked in stream order). The bytes stay valid until the next
 * call with another unit. Returns 0, or the unit's failure (QUIRE_E_HASH or QUIRE_E_FORMAT,
 * the same message as the single-threaded walk; again for every call for that unit) or
 * QUIRE_E_IO. */
int quire_pipe_unit(quire_pipe *p, uint32_t u, const uint8_t **raw, quire_error *err);

/* Whether a worker hashed entry i (which lies wholly in one unit that was returned): 1 if its
 * SHA-256 matched, 0 if not, -1 if the caller must hash it. */
int quire_pipe_entry_hashed(const quire_pipe *p, uint32_t i);

/* Stops the workers and frees the pipeline; accepts NULL. */
void quire_pipe_stop(quire_pipe *p);

#endif
