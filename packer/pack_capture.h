/* SPDX-License-Identifier: ISC */
/* pack_capture.h: web captures (-a FILE.warc, .warc.gz, .wacz) as documents with the
 * provenance their WARC headers give. */
#ifndef PACK_CAPTURE_H
#define PACK_CAPTURE_H

#include <stdbool.h>

#include "pack.h"

/* --keep-records: keep each document's WARC record as its original (role original, linked). */
extern bool pack_capture_keep_records;

/* Whether the archive at path (open on fd) is a web capture: a name ending in .warc,
 * .warc.gz or .wacz (any case), or content that begins with a WARC version line, plain or in
 * gzip. Reads through fd with pread only. */
bool pack_capture_is(const char *path, int fd);

/* Adds one input: bundle path, and in (fs_path borrowed, copied). Returns 0 or -1 (memory). */
typedef int (*pack_capture_push_fn)(void *ctx, const char *bundle_path, const pack_input *in);

/* Unpacks the capture arch (open on fd) into proto->root: each HTTP(S) response or resource
 * record with a 2xx status becomes a document under a path made from its URL (SPEC 11.1), each
 * pushed with push. What is skipped is summed up on stderr, one line per reason. Returns 0,
 * or 2 after a message. */
int pack_capture_unpack(const char *arch, int fd, const pack_input *proto,
                        pack_capture_push_fn push, void *ctx);

/* Gives each captured document that has no item yet (from -s) the provenance of its record,
 * and with --keep-records links it to its record (an original with media type
 * application/warc). in is sorted by bundle path. Returns 0, or 2 after a message. */
int pack_capture_provenance(const pack_input *in, size_t n, pack_provenance *pv);

/* The URL a captured document was retrieved from, or NULL when bundle_path is not one. */
const char *pack_capture_url(const char *bundle_path);

/* Frees what the captures left (called once packing is over). */
void pack_capture_free(void);

#endif
