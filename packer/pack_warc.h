/* SPDX-License-Identifier: ISC */
/* pack_warc.h: reading web captures (WARC 1.0/1.1, plain or as a series of gzip members) and
 * the HTTP responses inside them. The input is hostile: every size is checked before use. */
#ifndef PACK_WARC_H
#define PACK_WARC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest header line, and most header bytes of one record or HTTP response. */
#define PACK_WARC_LINE_MAX 16384
#define PACK_WARC_HEADER_MAX 65536

/* One WARC record's named fields (NULL when absent; borrowed, valid during the callback). Every
 * value is valid UTF-8 without control characters (a record whose header holds one is refused
 * before the callback), and a URI has its <> (WARC 1.0 drafts, wget) removed. */
typedef struct pack_warc_record {
    uint64_t number; /* 1 for the first record of the file */
    const char *type, *uri, *date, *id, *content_type;
    const char *payload_digest, *refers_uri, *profile, *truncated;
    bool segmented;                 /* WARC-Segment-Number present: a part of a record */
    uint64_t header_len, block_len; /* the record file holds the header, then the block */
} pack_warc_record;

/* Called for every record with the file it was written to, whole (header and block) and
 * closed: rec_path may be renamed away by the callback to keep it. Returns 0 to go on, or an
 * exit status (2) after a message. */
typedef int (*pack_warc_fn)(void *ctx, const pack_warc_record *r, const char *rec_path);

/* Reads the WARC on fd (name for messages), plain or gzip (any number of members), record by
 * record into rec_path (a new file each time). Refuses a malformed record (no version line, a
 * header line longer than PACK_WARC_LINE_MAX or without a colon, a missing or malformed
 * Content-Length, a block cut short, no CRLF CRLF after the block) naming the record number
 * and offset. Returns 0, or 2 after a message. */
int pack_warc_read(int fd, const char *name, const char *rec_path, pack_warc_fn fn, void *ctx);

/* What an HTTP response held. */
typedef struct pack_http {
    int status;
    char media[128]; /* the Content-Type's media type in lower case, or "" */
    uint64_t size;   /* of the decoded payload */
    uint8_t sha256[32];
} pack_http;

/* Writes the document in record file rec_fd to out_fd: with http, the payload of the HTTP
 * response in the block (after its header; chunked transfer coding removed; gzip or deflate
 * content coding decoded), else the block itself. Returns 0; 1 when the response is not a
 * document (a status other than 2xx, or 204 or 206; nothing written); -1 when it cannot be
 * decoded. why says why for 1 and -1. */
int pack_warc_payload(int rec_fd, const pack_warc_record *r, bool http, int out_fd, pack_http *h,
                      char *why, size_t cap);

/* A WARC-Date (YYYY-MM-DDThh:mm:ssZ, with optional fraction of a second, WARC 1.1) as year,
 * month and day, and in iso the date and time to the second with Z. Returns whether valid. */
bool pack_warc_date(const char *s, int ymd[3], char iso[21]);

#endif
