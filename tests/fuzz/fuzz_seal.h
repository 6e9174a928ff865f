/* SPDX-License-Identifier: ISC */
/* fuzz_seal.h: re-sealing for the fuzz targets. Every part of a format 2 index region is
 * hashed (SPEC 9 steps 7-9), so a mutated input almost always stops at the first hash; these
 * functions recompute the hashes where the (possibly damaged) statement says the parts lie, so
 * that mutations reach the parser's structural rules. They trust nothing: every offset is
 * checked against the buffer, and a part that does not fit is left alone. */
#ifndef FUZZ_SEAL_H
#define FUZZ_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Re-seals an index region of len bytes in place: each entry page's SHA-256 in its directory
 * record, each unit page's SHA-256, then the statement's SHA-256 of the directory and bundle
 * metadata. The Merkle root is left alone (the caller defers it). Returns whether any byte
 * changed. */
bool fuzz_reseal_index(uint8_t *buf, size_t len);

/* Re-seals a whole bundle of len bytes in place: each unit's BLAKE2b-256 over its stored bytes
 * (where the unit table and data region say they are), then its index region as above.
 * Returns whether any byte changed. */
bool fuzz_reseal_bundle(uint8_t *file, size_t len);

#endif
