/* postfix_master.h - what `relaylock -t` must say about a Postfix
 * configuration beyond its domain lists: smtpd services in master.cf that
 * override a domain parameter with -o, and relay granted by DNS
 * (permit_mx_backup), whose domains no one can list. */
#ifndef RELAYLOCK_POSTFIX_MASTER_H
#define RELAYLOCK_POSTFIX_MASTER_H

#include "config.h"
#include "postfix_conf.h"

/* Read DIR/master.cf (a missing one is a warning) and main.cf's
 * restriction lists; add one warning per finding. */
void pf_master_check(const struct pf_conf *c, struct rl_diag *warnings);

/* Is NAME one of the parameters a domain list depends on? */
int pf_domain_param(const char *name, size_t len);

#endif
