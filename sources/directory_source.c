/* directory_source.c - hosted_domains_from = { "pgsql:/path.cf" }: a
 * directory named directly, asked one domain at a time. Matching peeks
 * the registry's cache (no I/O); warming looks the domain up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "address.h"
#include "dir_registry.h"
#include "file_stamps.h"
#include "source_impl.h"

struct dsource {
	struct rl_dir_slot *slot;
	struct rl_stamps *stamps;  /* the .cf: a changed one is opened anew */
	char type[16];
};

static void dsource_free(void *state)
{
	struct dsource *d = state;

	if (!d)
		return;
	rl_dir_slot_put(d->slot);
	rl_stamps_free(d->stamps);
	free(d);
}

void *rl_directory_load(const char *spec, struct rl_diag *errors)
{
	struct dsource *d = calloc(1, sizeof *d);
	struct timespec start;
	const char *colon;

	clock_gettime(CLOCK_REALTIME, &start);
	if (!d || !(d->stamps = rl_stamps_new(start))) {
		free(d);
		rl_diag_add(errors, spec, 0, "out of memory");
		return NULL;
	}
	if (!(d->slot = rl_dir_slot_get(spec, errors)) ||
	    rl_stamps_add(d->stamps, rl_dir_slot_path(d->slot)) != 0) {
		if (d->slot)
			rl_diag_add(errors, spec, 0, "out of memory");
		dsource_free(d);
		return NULL;
	}
	colon = strchr(rl_dir_slot_spec(d->slot), ':');
	snprintf(d->type, sizeof d->type, "%.*s",
	         (int)(colon - rl_dir_slot_spec(d->slot)), rl_dir_slot_spec(d->slot));
	return d;
}

static enum rl_src_answer dsource_match(const void *state, const char *domain,
                                        size_t len, char *why, size_t why_cap)
{
	const struct dsource *d = state;
	enum rl_dir_answer a = rl_dir_slot_peek(d->slot, domain);

	(void)len;
	if (why && why_cap)
		snprintf(why, why_cap, "%s%s", rl_dir_slot_spec(d->slot),
		         a == RL_DIR_ERROR ? ": cannot answer now (see the log)" : "");
	return a == RL_DIR_FOUND ? RL_SRC_YES
	       : a == RL_DIR_NOT_FOUND ? RL_SRC_NO : RL_SRC_ERROR;
}

static void dsource_warm(const void *state, const char *domain, size_t len)
{
	const struct dsource *d = state;

	(void)len;
	rl_dir_slot_warm(d->slot, domain);
}

static void dsource_tables(const void *state,
                           void (*fn)(const struct rl_source_table *t, void *arg),
                           void *arg)
{
	const struct dsource *d = state;
	struct rl_source_table t = {
		.param = "hosted_domains_from", .type = d->type,
		.name = rl_dir_slot_path(d->slot), .directory = 1, .dir = d->slot,
	};

	fn(&t, arg);
}

static const struct rl_stamps *dsource_stamps(const void *state)
{
	return ((const struct dsource *)state)->stamps;
}

const struct rl_source_ops rl_directory_ops = {
	.kind = "directory",
	.match = dsource_match,
	.tables = dsource_tables,
	.free = dsource_free,
	.stamps = dsource_stamps,
	.warm = dsource_warm,
};
