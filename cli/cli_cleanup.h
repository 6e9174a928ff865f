/* SPDX-License-Identifier: ISC */
/* cli_cleanup.h: the one owner of temporary outputs in both programs. Every temporary file,
 * directory or tree a program makes is registered here as soon as it exists, forgotten once
 * it has been renamed into place, and removed on a failure or when SIGINT, SIGTERM or SIGHUP
 * arrives (the handler removes what is registered, newest first, then lets the signal end the
 * process as it would have). After zstd's programs/fileio.c.
 *
 * Registration and removal are for the main thread. Threads that the format library starts
 * block these signals, so the handler always runs on the main thread and never sees the table
 * half-changed. */
#ifndef CLI_CLEANUP_H
#define CLI_CLEANUP_H

#include <signal.h>

enum cli_tmp_kind {
    CLI_TMP_FILE,   /* a file: unlinked */
    CLI_TMP_DIR,    /* a directory this run made: removed if empty */
    CLI_TMP_TREE,   /* a private directory tree: removed with everything in it */
    CLI_TMP_STAGING /* a directory tree this run made where others may also write: its files
                       named CLI_TMP_PREFIX* are unlinked, then each directory left empty is
                       removed; anything else stays, with the directories that hold it */
};

/* The prefix of temporary file names in a CLI_TMP_STAGING tree: a random suffix follows. */
#define CLI_TMP_PREFIX ".quire-tmp-"

/* Installs the handler for SIGINT, SIGTERM and SIGHUP. Returns 0 or -1 with errno set. */
int cli_cleanup_install(void);

/* Registers name (relative to dirfd, or AT_FDCWD, or absolute); dirfd must stay open while it
 * is registered. Returns a handle >= 0, or -1 (out of memory) after removing nothing: the
 * caller should then remove the output itself and fail. */
int cli_cleanup_add(int dirfd, const char *name, enum cli_tmp_kind kind);

/* Blocks SIGINT, SIGTERM and SIGHUP on this thread until cli_cleanup_release(old): put around
 * making an output whose name is not known before (mkstemp, mkdtemp, a create that must not
 * register an existing file) and its cli_cleanup_add, so that no signal falls between them. */
void cli_cleanup_hold(sigset_t *old);
void cli_cleanup_release(const sigset_t *old);

/* The output was renamed into place (or closed for good): forget it. Accepts -1. */
void cli_cleanup_done(int handle);

/* Removes the output now and forgets it. Accepts -1. */
void cli_cleanup_remove(int handle);

/* Removes every registered output, newest first (a failure path before exit). */
void cli_cleanup_remove_all(void);

#endif
