/* cases.c - the relay trick table and its template expansion. */
#include "cases.h"

#include <arpa/inet.h>
#include <fnmatch.h>
#include <string.h>
#include <strings.h>

#define ND ST_CASE_NO_DATA
#define SE ST_CASE_SENDER_TRICK

/* The union of the classic manual relay tests (the "manually testing all
 * relay types" list, "account%freemail@yourhost"), nmap's smtp-open-relay
 * tries, and tricks no common tester tries. Names are stable: monitoring
 * and --only/--skip refer to them. */
static const struct st_case cases[] = {
	/* The sender varies, the recipient is plainly outside. */
	{"plain", "<{O}>", "<{O}>",
	 "standard relay: outside sender to outside recipient", 0},
	{"null-sender", "<>", "<{O}>",
	 "null sender, as a bounce from MAILER-DAEMON", SE},
	{"sender-localhost", "<relaytest@localhost>", "<{O}>",
	 "sender claims to be at localhost", SE},
	{"sender-unqualified", "<relaytest>", "<{O}>",
	 "sender without a domain, like a local user", SE},
	{"sender-hosted", "<relaytest@{H}>", "<{O}>",
	 "sender forged in a hosted domain", SE},
	{"sender-server-name", "<relaytest@{S}>", "<{O}>",
	 "sender at the server's own host name", SE},
	{"sender-server-literal", "<relaytest@[{IP}]>", "<{O}>",
	 "sender at the server's address literal (nmap)", SE},
	{"sender-postmaster", "<postmaster@{H}>", "<{O}>",
	 "sender is the hosted postmaster, which some servers always trust", SE},
	{"sender-long-domain", "<relaytest@maps1.pa.relay.{OD}>", "<{O}>",
	 "sender domain is long and deep", SE},
	{"no-brackets", "relaytest@{H}", "{O}",
	 "MAIL FROM and RCPT TO typed without angle brackets", SE},
	{"upper-case", "<relaytest@{H^}>", "<{OU^}@{OD^}>",
	 "outside recipient in upper case, for case-sensitive comparisons", 0},
	{"trailing-dot", "<relaytest@{H}>", "<{O}.>",
	 "outside domain with a trailing dot (absolute name)", 0},
	/* The percent hack: user%outside@here. */
	{"percent-hosted", "<relaytest@{H}>", "<{OU}%{OD}@{H}>",
	 "percent hack through a hosted domain", 0},
	{"percent-server-name", "<relaytest@{S}>", "<{OU}%{OD}@{S}>",
	 "percent hack through the server name (account%freemail@yourhost)", 0},
	{"percent-server-literal", "<relaytest@[{IP}]>", "<{OU}%{OD}@[{IP}]>",
	 "percent hack through the server's address literal (nmap)", 0},
	{"percent-ipv6-literal", "<relaytest@{H}>", "<{OU}%{OD}@[{IP6}]>",
	 "percent hack through the server address as an IPv6 literal", 0},
	{"percent-double", "<relaytest@{H}>", "<{OU}%{OD}%{H}@{H}>",
	 "two percent hops, the outer one hosted", 0},
	{"percent-bare", "<relaytest@{H}>", "<{OU}%{OD}>",
	 "percent hack with no @ at all", 0},
	{"percent-upper-case", "<relaytest@{H}>", "<{OU}%{OD^}@{H^}>",
	 "percent hack with domains in upper case", 0},
	{"percent-trailing-dot", "<relaytest@{H}>", "<{OU}%{OD}@{H}.>",
	 "percent hack through the hosted domain with a trailing dot", 0},
	/* Quoted local parts that hide an address. */
	{"quoted", "<relaytest@{S}>", "<\"{O}\">",
	 "quoted outside address with no domain (nmap)", 0},
	{"quoted-percent", "<relaytest@{S}>", "<\"{OU}%{OD}\">",
	 "quoted percent hack with no domain (nmap)", 0},
	{"quoted-hosted", "<relaytest@{H}>", "<\"{O}\"@{H}>",
	 "quoted outside address at a hosted domain", 0},
	{"quoted-server-literal", "<relaytest@[{IP}]>", "<\"{O}\"@[{IP}]>",
	 "quoted outside address at the server's address literal (nmap)", 0},
	{"quoted-percent-hosted", "<relaytest@{H}>", "<\"{OU}%{OD}\"@{H}>",
	 "quoted percent hack at a hosted domain", 0},
	/* Several @. */
	{"multi-at-hosted", "<relaytest@{H}>", "<{O}@{H}>",
	 "outside address followed by @hosted", 0},
	{"multi-at-server-name", "<relaytest@[{IP}]>", "<{O}@{S}>",
	 "outside address followed by @servername (nmap)", 0},
	{"multi-at-server-literal", "<relaytest@[{IP}]>", "<{O}@[{IP}]>",
	 "outside address followed by the server's address literal (nmap)", 0},
	{"backslash-at", "<relaytest@{H}>", "<{OU}\\@{OD}@{H}>",
	 "escaped @ in the local part, then @hosted", 0},
	/* Source routes (RFC 821 @hop:user@dest). */
	{"source-route-hosted", "<relaytest@{H}>", "<@{H}:{O}>",
	 "source route through a hosted domain", 0},
	{"source-route-server-name", "<relaytest@[{IP}]>", "<@{S}:{O}>",
	 "source route through the server name (nmap)", 0},
	{"source-route-literal", "<relaytest@[{IP}]>", "<@[{IP}]:{O}>",
	 "source route through the server's address literal (nmap)", 0},
	{"source-route-multihop", "<relaytest@{H}>", "<@{H},@{S}:{O}>",
	 "source route with two hops", 0},
	/* UUCP bang paths. */
	{"bang-path", "<relaytest@[{IP}]>", "<{OD}!{OU}>",
	 "UUCP bang path with no domain (nmap)", 0},
	{"bang-hosted", "<relaytest@{H}>", "<{OD}!{OU}@{H}>",
	 "bang path at a hosted domain", 0},
	{"bang-server-name", "<relaytest@[{IP}]>", "<{OD}!{OU}@{S}>",
	 "bang path at the server name (nmap)", 0},
	{"bang-server-literal", "<relaytest@[{IP}]>", "<{OD}!{OU}@[{IP}]>",
	 "bang path at the server's address literal (nmap)", 0},
	{"bang-multihop", "<relaytest@{H}>", "<{S}!{OD}!{OU}>",
	 "bang path with two hops", 0},
	/* Domains that only look hosted. */
	{"lookalike-prefix", "<relaytest@{H}>", "<{OU}@evil{H}>",
	 "a domain that ends with the hosted name but is another domain", ND},
	{"lookalike-suffix", "<relaytest@{H}>", "<{OU}@{H}.{OD}>",
	 "the hosted name followed by an outside domain", ND},
	{"postmaster-outside", "<relaytest@{H}>", "<postmaster@{OD}>",
	 "postmaster at an outside domain: an exemption must not relay", ND},
};

static const struct st_case control_hosted = {
	"control-hosted", "<{O}>", "<{HR}>",
	"positive control: mail from outside to a hosted recipient must be accepted",
	0,
};

static const struct st_case control_auth = {
	"control-auth", "<relaytest@{H}>", "<{O}>",
	"positive control: an authenticated client must be able to relay", 0,
};

const struct st_case *st_cases(size_t *count)
{
	*count = sizeof cases / sizeof cases[0];
	return cases;
}

const struct st_case *st_control_hosted(void)
{
	return &control_hosted;
}

const struct st_case *st_control_auth(void)
{
	return &control_auth;
}

const struct st_case *st_case_find(const char *name)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (strcmp(cases[i].name, name) == 0)
			return &cases[i];
	if (strcmp(name, control_hosted.name) == 0)
		return &control_hosted;
	if (strcmp(name, control_auth.name) == 0)
		return &control_auth;
	return NULL;
}

static int put(char *out, size_t size, size_t *n, const char *s, bool upper)
{
	for (; *s; s++) {
		char c = *s;

		if (*n + 1 >= size)
			return -1;
		if (upper && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		out[(*n)++] = c;
	}
	return 0;
}

int st_expand(const char *tmpl, const struct st_params *p, char *out,
              size_t size)
{
	static const struct {
		const char *key;
		size_t off;
		bool upper;
	} keys[] = {
		{"OU", offsetof(struct st_params, outside_local), false},
		{"OD", offsetof(struct st_params, outside_domain), false},
		{"OU^", offsetof(struct st_params, outside_local), true},
		{"OD^", offsetof(struct st_params, outside_domain), true},
		{"H", offsetof(struct st_params, hosted), false},
		{"H^", offsetof(struct st_params, hosted), true},
		{"S", offsetof(struct st_params, server_name), false},
		{"IP", offsetof(struct st_params, server_ip), false},
		{"IP6", offsetof(struct st_params, server_ip6), false},
		{"HR", offsetof(struct st_params, hosted_rcpt), false},
	};
	size_t n = 0;

	if (size == 0)
		return -1;
	while (*tmpl) {
		if (*tmpl == '{') {
			const char *end = strchr(tmpl, '}');
			size_t klen, k;

			if (end == NULL)
				return -1;
			klen = (size_t)(end - tmpl - 1);
			if (klen == 1 && tmpl[1] == 'O') {
				if (put(out, size, &n, p->outside_local, false) < 0 ||
				    put(out, size, &n, "@", false) < 0 ||
				    put(out, size, &n, p->outside_domain, false) < 0)
					return -1;
				tmpl = end + 1;
				continue;
			}
			for (k = 0; k < sizeof keys / sizeof keys[0]; k++)
				if (strlen(keys[k].key) == klen &&
				    memcmp(keys[k].key, tmpl + 1, klen) == 0)
					break;
			if (k == sizeof keys / sizeof keys[0])
				return -1;
			if (put(out, size, &n, (const char *)p + keys[k].off,
			        keys[k].upper) < 0)
				return -1;
			tmpl = end + 1;
			continue;
		}
		if (n + 1 >= size)
			return -1;
		out[n++] = *tmpl++;
	}
	out[n] = '\0';
	return (int)n;
}

static bool copy(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size)
		return false;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return true;
}

static bool plain_text(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"' ||
		    c == '@' || c == '%' || c == '!' || c == ':' || c == ',' ||
		    c == '\\' || c == '[' || c == ']' || c == '{' || c == '}')
			return false;
	}
	return true;
}

/* "[192.0.2.1]" or "[IPv6:2001:db8::1]": an address literal (RFC 5321). */
static bool address_literal(const char *dom)
{
	size_t n = strlen(dom);
	char inner[64];
	unsigned char buf[16];

	if (n < 3 || dom[0] != '[' || dom[n - 1] != ']' || n - 2 >= sizeof inner)
		return false;
	memcpy(inner, dom + 1, n - 2);
	inner[n - 2] = '\0';
	if (strncasecmp(inner, "IPv6:", 5) == 0)
		return inet_pton(AF_INET6, inner + 5, buf) == 1;
	return inet_pton(AF_INET, inner, buf) == 1;
}

bool st_set_outside(struct st_params *p, const char *addr)
{
	const char *at = strrchr(addr, '@');
	const char *dom = at ? at + 1 : addr;
	size_t llen = at ? (size_t)(at - addr) : 0;

	if (at != NULL && (llen == 0 || !plain_text(addr, llen)))
		return false;
	if (!address_literal(dom) &&
	    (*dom == '\0' || !plain_text(dom, strlen(dom)) || strchr(dom, '.') == NULL))
		return false;
	if (!copy(p->outside_domain, sizeof p->outside_domain, dom, strlen(dom)))
		return false;
	if (at == NULL)
		return copy(p->outside_local, sizeof p->outside_local, "relaytest", 9);
	return copy(p->outside_local, sizeof p->outside_local, addr, llen);
}

bool st_name_in_list(const char *name, const char *list)
{
	while (*list) {
		size_t n = strcspn(list, ",");
		char pat[128];

		if (n > 0 && n < sizeof pat) {
			memcpy(pat, list, n);
			pat[n] = '\0';
			if (fnmatch(pat, name, 0) == 0)
				return true;
		}
		list += n;
		if (*list == ',')
			list++;
	}
	return false;
}
