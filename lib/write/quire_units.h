/* SPDX-License-Identifier: ISC */
/* quire_units.h: the writer's unit pipeline (private to lib/write). Raw units are filled by
 * the caller's thread, deflated and hashed by worker threads, and handed back to a sink in
 * submission order, so the output never depends on the thread count. */
#ifndef QUIRE_UNITS_H
#define QUIRE_UNITS_H

#include "quire.h"

typedef struct quire_units quire_units;

/* Receives one finished unit, in order: its stored bytes, compression id, raw size and
 * BLAKE2b-256 of the stored bytes. Returns 0 or a QUIRE_E_* code with err filled. */
typedef int (*quire_unit_sink)(void *ctx, const uint8_t *stored, size_t stored_len,
                               uint8_t compression, size_t raw_len, const uint8_t *hash,
                               quire_error *err);

/* Starts a pipeline with threads workers (0: none, units are compressed on submit) at the
 * deflate level (0 stores). Returns 0 or QUIRE_E_NOMEM. */
int quire_units_open(unsigned threads, int level, quire_unit_sink sink, void *ctx,
                     quire_units **out, quire_error *err);

/* The raw buffer being filled (QUIRE_UNIT_TARGET_BYTES long) and its fill count, which the
 * caller advances. Valid until the next submit. */
uint8_t *quire_units_buffer(quire_units *u, size_t **fill);

/* Queues the current buffer (if not empty) and makes a fresh one current, handing finished
 * units to the sink as they complete. Returns 0 or the sink's or a worker's error. */
int quire_units_submit(quire_units *u, quire_error *err);

/* Submits the current buffer and waits until every unit has reached the sink. */
int quire_units_drain(quire_units *u, quire_error *err);

/* Stops the workers and frees everything; accepts NULL. */
void quire_units_close(quire_units *u);

#endif
