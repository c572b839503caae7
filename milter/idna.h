/* idna.h - one domain label to its A-label form (IDNA, UTS #46).
 *
 * Pure computation over libidn2: no I/O, no globals. Only labels that are
 * not plain ASCII, or that already claim to be A-labels ("xn--"), come
 * here; plain ASCII labels stay on the parser's fast path.
 */
#ifndef RELAYLOCK_IDNA_H
#define RELAYLOCK_IDNA_H

#include <stdbool.h>
#include <stddef.h>

/* Longest label input accepted, in octets: a 63-character U-label in
 * 4-octet UTF-8, with room for full-width forms. */
#define RL_IDNA_LABEL_IN_MAX 255

/* Does the label at S (LEN octets) need IDNA: a byte >= 0x80, or an
 * "xn--" prefix in any case? */
bool rl_idna_needed(const char *s, size_t len);

/* Map the label at IN (LEN octets, UTF-8) with UTS #46 non-transitional
 * processing and NFC to lower-case ASCII, written to OUT (CAP octets, NUL
 * added). The result may hold dots when IN held an ideographic full stop.
 * Returns its length, or -1 when IN is not a valid IDN label or the result
 * does not fit. */
int rl_idna_label(const char *in, size_t len, char *out, size_t cap);

#endif
