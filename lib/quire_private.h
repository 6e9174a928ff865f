/* quire_private.h: helpers shared inside the format library and its programs, not part of the
 * format API (after zstd's mem.h, kept out of zstd.h). */
#ifndef QUIRE_PRIVATE_H
#define QUIRE_PRIVATE_H

#include <pthread.h>

/* pthread_create with every signal blocked in the new thread, so that the programs' signal
 * handlers (which remove temporary outputs) always run on the main thread. Returns
 * pthread_create's code. */
int quire_thread_create(pthread_t *t, void *(*fn)(void *), void *arg);

#endif
