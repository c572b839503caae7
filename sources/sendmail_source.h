/* sendmail_source.h - the "sendmail" source: the domains a Sendmail
 * accepts mail for from any client, read from its sendmail.cf and the
 * files and maps it names, without running Sendmail. */
#ifndef RELAYLOCK_SENDMAIL_SOURCE_H
#define RELAYLOCK_SENDMAIL_SOURCE_H

#include "config.h"
#include "sm_conf.h"
#include "source_impl.h"

#define SM_DEFAULT_CF "/etc/mail/sendmail.cf"

/* Load from CF with this host's names. NULL and ERRORS on configuration
 * errors (file:line); conditions of the moment go to WARNINGS. */
void *rl_sendmail_load(const char *cf, struct rl_diag *errors,
                       struct rl_diag *warnings);

extern const struct rl_source_ops rl_sendmail_ops;

/* The same with the host's names given and no interface probing (tests). */
void *rl_sendmail_load_host(const char *cf, const struct sm_host *host,
                            struct rl_diag *errors, struct rl_diag *warnings);

/* Counts for tests and `relaylock -t`: canonical domains in class w, in
 * class R (after its $={VirtHost} copy), in {VirtHost}, and recipient
 * entries of the access map. */
struct rl_sendmail_counts {
	size_t w, r, virthost, access;
	int relay_hosts_only;
};
void rl_sendmail_counts(const void *state, struct rl_sendmail_counts *out);

/* Call FN with each canonical domain of class NAME ("w", "R",
 * "VirtHost"), in order (the oracle compares them with sendmail -bt). */
void rl_sendmail_class(const void *state, const char *name,
                       void (*fn)(const char *domain, void *arg), void *arg);

#endif
