/* SPDX-License-Identifier: ISC */
/* pack_match.h: matching CSL-JSON items that name no files (a Zotero export) to documents. */
#ifndef PACK_MATCH_H
#define PACK_MATCH_H

#include "pack.h"

/* The bundle paths (a JSON array, possibly empty; NULL when out of memory) of the documents
 * that item describes, among those of in[0..n) that are neither described (pv->items) nor
 * originals: by its "file" field (paths separated by ';', matched by file name, the longest
 * common tail of directories deciding between equal names; a tie matches nothing), else by
 * its "URL" (the URL a captured document was retrieved from; a fragment and a trailing '/'
 * do not count), else by its "title" (the file name without extension equal to it, or ending
 * with it after a word boundary, or with its first 30 characters or more, as Zotero names
 * attachments "Author - Year - Title"; case and punctuation do not count). */
json_t *pack_match_item(json_t *item, const pack_input *in, size_t n, const pack_provenance *pv);

/* Lists on stderr the documents of in[0..n) that no item describes and that are not
 * originals nor web captures: one line each, the first 10, then how many more. */
void pack_match_report(const char *src, const pack_input *in, size_t n, const pack_provenance *pv);

#endif
