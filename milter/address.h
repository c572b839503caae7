/* address.h - RFC 5321 path parser that finds every relay trick.
 *
 * Pure: no allocation, no I/O. The parser reads the recipient exactly as the
 * client typed it after "RCPT TO:" and says what it is: a plain mailbox, a
 * bare local name, or which routing trick it carries.
 */
#ifndef RELAYLOCK_ADDRESS_H
#define RELAYLOCK_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

/* Length bounds, in octets. RFC 5321's 64-octet local part and 256-octet
 * path are not enforced: Postfix and Sendmail deliver longer ones (SRS,
 * VERP; see relaylock.conf(5)), and length is no relay trick. What is
 * enforced is a bound for memory, above what either MTA accepts. */
#define RL_DOMAIN_MAX 255     /* canonical (A-label) domain: DNS's limit */
#define RL_DOMAIN_IN_MAX 1024 /* domain as typed: U-labels take more octets */
#define RL_PATH_MAX 4096      /* whole path with its brackets */

/* What the address is. When one address carries several tricks the first
 * routing kind in this order is reported. */
enum rl_addr_kind {
	RL_ADDR_MAILBOX,        /* local@domain, no routing left in it */
	RL_ADDR_LOCAL_ONLY,     /* "postmaster", "user": no domain at all */
	RL_ADDR_SOURCE_ROUTE,   /* @a,@b:user@c */
	RL_ADDR_MULTI_AT,       /* user@ext@hosted */
	RL_ADDR_QUOTED_ROUTE,   /* "user@ext"@hosted, "user%ext" */
	RL_ADDR_BACKSLASH,      /* user\@ext@hosted: escape outside quotes */
	RL_ADDR_PERCENT_HACK,   /* user%ext@hosted */
	RL_ADDR_BANG_PATH,      /* ext!user, ext!user@hosted */
	RL_ADDR_TOO_LONG,       /* domain or path over its bound */
	RL_ADDR_SYNTAX,         /* not an RFC 5321 path */
};

struct rl_address {
	enum rl_addr_kind kind;
	bool bracketed;         /* the client wrote <...> */
	bool domain_literal;    /* domain is [IPv4] or [IPv6:...] */
	/* Local part as typed (quotes kept); points into the input. */
	const char *local;
	size_t local_len;
	/* Canonical domain (see rl_domain_canonical); "" when none. */
	char domain[RL_DOMAIN_MAX + 1];
	size_t domain_len;
};

/* Parse LEN octets at RAW, which need not be NUL-terminated (a NUL inside
 * is a syntax error). Returns OUT->kind. */
enum rl_addr_kind rl_address_parse(const char *raw, size_t len,
                                   struct rl_address *out);

/* Validate a domain name or address literal and write its canonical form
 * to OUT: ASCII in lower case, no trailing dot, literals as "[192.0.2.5]"
 * or "[ipv6:2001:db8::5]". Labels with UTF-8 (SMTPUTF8) or an "xn--"
 * prefix go through IDNA (UTS #46, see idna.h), so "BÜCHER.example" and
 * "xn--bcher-kva.example" give the same "xn--bcher-kva.example".
 * Returns the canonical length, -1 when IN is malformed (an invalid IDN
 * included), -2 when it is longer than RL_DOMAIN_MAX. */
int rl_domain_canonical(const char *in, size_t len,
                        char out[RL_DOMAIN_MAX + 1]);

/* True when LEN octets at S are the word "postmaster" in any case. */
bool rl_is_postmaster(const char *s, size_t len);

/* True when the kind is one of the routing tricks. */
bool rl_addr_kind_is_routing(enum rl_addr_kind kind);

#endif
