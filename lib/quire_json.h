/* SPDX-License-Identifier: ISC */
/* quire_json.h: the canonical serialisation of metadata (SPEC 5.5): RFC 8785 (JSON Canonicalization Scheme) restricted to what CSL-JSON and
 * bundle metadata need, so that an independent writer reproduces the signed bytes exactly.
 *
 * - objects: members sorted by their names compared as UTF-16 code units (RFC 8785 3.2.3), no
 *   duplicate names, no white space;
 * - strings: UTF-8; only '"', '\\' and the C0 controls escaped: \b \t \n \f \r as such, the
 *   others as \u00xx with lower-case hex (RFC 8785 3.2.2.2); U+0000 is refused;
 * - numbers: integers in [-(2^53-1), 2^53-1] only, in shortest decimal form (RFC 8785 writes
 *   numbers as ECMAScript does; for integers in that range that is plain decimal, and refusing
 *   fractions and exponents keeps every implementation exact);
 * - true, false, null as themselves; nesting at most QUIRE_JSON_MAX_DEPTH levels.
 *
 * The writer stores metadata in this form; the reader refuses any other. */
#ifndef QUIRE_JSON_H
#define QUIRE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "quire.h"

#define QUIRE_JSON_MAX_DEPTH 64
#define QUIRE_JSON_MAX_INT INT64_C(9007199254740991) /* 2^53 - 1 */

/* Parses len bytes of JSON and writes its canonical form to *out (malloc'd, NUL-terminated,
 * *out_len bytes without the NUL; the caller frees it). Returns 0, QUIRE_E_FORMAT (not JSON,
 * a duplicate name, a fraction or exponent, an integer out of range, U+0000, too deep) with
 * the reason in err, or QUIRE_E_NOMEM. */
int quire_json_canonical(const char *in, size_t len, char **out, size_t *out_len, quire_error *err);

/* Whether len bytes are already canonical: 0, or QUIRE_E_FORMAT naming the first difference
 * (or why they are not JSON at all), or QUIRE_E_NOMEM. */
QUIRE_MUST_CHECK int quire_json_check_canonical(const char *in, size_t len, quire_error *err);

#endif
