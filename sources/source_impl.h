/* source_impl.h - what each kind of source provides to source.c. */
#ifndef RELAYLOCK_SOURCE_IMPL_H
#define RELAYLOCK_SOURCE_IMPL_H

#include <stdbool.h>

#include "source.h"

struct rl_source_ops {
	const char *kind; /* "postfix" */
	enum rl_src_answer (*match)(const void *state, const char *domain,
	                            size_t len, char *why, size_t why_cap);
	void (*tables)(const void *state,
	               void (*fn)(const struct rl_source_table *t, void *arg),
	               void *arg);
	void (*free)(void *state);
	const struct rl_stamps *(*stamps)(const void *state);
	/* The names it lists (literal names, keys), until FN returns true;
	 * NULL when it has none to list. */
	void (*names)(const void *state, bool (*fn)(const char *name, void *arg),
	              void *arg);
	/* Look DOMAIN up in the directories match will peek (I/O, bounded by
	 * lookup_timeout); NULL when the source has none. */
	void (*warm)(const void *state, const char *domain, size_t len);
};

/* Load a Postfix instance from its configuration directory DIR. */
void *rl_postfix_load(const char *dir, struct rl_diag *errors,
                      struct rl_diag *warnings);
extern const struct rl_source_ops rl_postfix_ops;

/* A directory named directly: "pgsql:/path.cf", "proxy:ldap:/path.cf". */
void *rl_directory_load(const char *spec, struct rl_diag *errors);
extern const struct rl_source_ops rl_directory_ops;

#endif
