/* query.h - decide one recipient offline, like "postmap -q" or "exim -bh". */
#ifndef RELAYLOCK_QUERY_H
#define RELAYLOCK_QUERY_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"

struct rl_query {
	const char *rcpt;     /* the address as a client would type it */
	const char *client;   /* --client IP, NULL: unknown and untrusted */
	const char *auth;     /* --auth USER */
	const char *resolved; /* --resolved ADDR, the MTA's {rcpt_addr} */
	const char *mailer;   /* --mailer NAME, the MTA's {rcpt_mailer} */
	bool explain;         /* --explain: print each step first */
};

/* Print "VERDICT REASON [CODE DSN TEXT]" on OUT, after the steps of the
 * decision with --explain. Returns the exit status:
 * 0 accept, 1 reject, 2 tempfail, 64 bad --client. */
int rl_query_run(const struct rl_config *config, const struct rl_query *q,
                 FILE *out, FILE *err);

#endif
