/* fuzz_check.h - invariants the sources fuzz targets share. */
#ifndef RELAYLOCK_FUZZ_CHECK_H
#define RELAYLOCK_FUZZ_CHECK_H

#include <stddef.h>

#include "config.h"
#include "source.h"

/* Abort unless NAME is a canonical domain or ".domain" (what every
 * accepted list item and table key must be). */
void fc_valid_name(const char *name);

/* Abort unless a load either succeeded with no error or failed with one. */
void fc_outcome(const void *result, const struct rl_diag *errors);

/* Abort unless A is one of the three answers. */
void fc_answer(enum rl_src_answer a);

/* A scratch file the target rewrites for each input. */
const char *fc_scratch_file(const char *name, const void *data, size_t size);

/* Domains to ask: fixed ones and the words of the input. Calls FN on each. */
void fc_domains(const void *data, size_t size,
                void (*fn)(const char *domain, size_t len, void *arg), void *arg);

#endif
