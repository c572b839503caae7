/* sm_access.h - the access map's recipient entries, read whole from the
 * .db that makemap builds: "To:example.com RELAY" and untagged
 * "example.com RELAY" (ruleset Rcpt_ok looks both up, the tagged one
 * first). Entries with other values are kept too: a more specific
 * "To:sub.example.com REJECT" hides "To:example.com RELAY" from
 * sub.example.com. Connect:, From: and network keys are skipped;
 * ".example.com" keys are kept when ruleset D looks them up
 * (lookupdotdomain).
 */
#ifndef RELAYLOCK_SM_ACCESS_H
#define RELAYLOCK_SM_ACCESS_H

#include <stdbool.h>
#include <stddef.h>

#include "sm_conf.h"

struct sm_access_entry {
	char *domain;     /* canonical */
	bool relay;       /* value RELAY */
};

struct sm_access_map {
	struct sm_access_entry *tagged, *plain; /* sorted by domain */
	size_t n_tagged, n_plain, cap_tagged, cap_plain;
	size_t skipped;   /* keys that are no recipient domain */
	size_t full_relay; /* To:user@domain RELAY (relaytofulladdress) */
	char error[320];  /* "": read; else lookups answer ERROR */
};

/* Read the map SPEC names (c->access). 0; -1 cannot read (M->error; an
 * optional map that is absent is empty, no error); -2 out of bounds. */
int sm_access_load(const struct sm_access *spec, struct sm_access_map *m,
                   struct rl_diag *errors);

/* The entry for DOMAIN (LEN octets), tagged "To:" or not, or NULL. */
const struct sm_access_entry *sm_access_find(const struct sm_access_map *m,
                                             bool tagged, const char *domain,
                                             size_t len);

void sm_access_free(struct sm_access_map *m);

#endif
