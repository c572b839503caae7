/* cases.h - the relay tricks relaylock-selftest tries: a table of named
 * cases with MAIL FROM / RCPT TO templates. Pure, no I/O.
 *
 * Placeholders in the templates:
 *   {O}   outside address (local@domain)   {OU} its local part  {OD} its domain
 *   {OU^} {OD^} the same in upper case
 *   {H}   hosted domain                    {H^} in upper case
 *   {S}   server name                      {IP} server address literal
 *         ("192.0.2.1" or "IPv6:2001:db8::1", without brackets)
 *   {IP6} the server address in IPv6 literal form ("IPv6:::ffff:192.0.2.1"
 *         for an IPv4 server)
 *   {HR}  hosted recipient of the positive control
 */
#ifndef RELAYLOCK_SELFTEST_CASES_H
#define RELAYLOCK_SELFTEST_CASES_H

#include <stdbool.h>
#include <stddef.h>

#define ST_ADDR_MAX 600   /* an expanded MAIL FROM / RCPT TO argument */

/* The mail would not go to the outside address the user named: with
 * --data the probe stops after RCPT for this case. */
#define ST_CASE_NO_DATA 0x1u
/* The trick is the sender: it is never judged with another sender. */
#define ST_CASE_SENDER_TRICK 0x2u

struct st_case {
	const char *name;    /* stable, [a-z0-9-] */
	const char *mail;    /* template of what follows "MAIL FROM:" */
	const char *rcpt;    /* template of what follows "RCPT TO:" */
	const char *why;     /* one line: the trick */
	unsigned flags;
};

struct st_params {
	char outside_local[128];
	char outside_domain[256];
	char hosted[256];
	char server_name[256];
	char server_ip[64];    /* literal text without brackets */
	char server_ip6[64];   /* "IPv6:..." form */
	char hosted_rcpt[320];
};

/* The table, in the order the probe runs it. */
const struct st_case *st_cases(size_t *count);
/* The positive control: an outside sender to the hosted recipient. */
const struct st_case *st_control_hosted(void);
/* The authenticated control: relaying to the outside address after AUTH. */
const struct st_case *st_control_auth(void);

/* Case by exact name, or NULL. */
const struct st_case *st_case_find(const char *name);

/* Expand TMPL into OUT (SIZE octets). Returns the length, or -1 when the
 * result does not fit or TMPL names an unknown placeholder. */
int st_expand(const char *tmpl, const struct st_params *p, char *out,
              size_t size);

/* Split "local@domain" (the last '@') into P->outside_local/domain.
 * A bare domain gives local part "relaytest". Returns false when malformed. */
bool st_set_outside(struct st_params *p, const char *addr);

/* Does NAME match the comma-separated list of names or shell patterns
 * (fnmatch: "percent-*")? */
bool st_name_in_list(const char *name, const char *list);

#endif
