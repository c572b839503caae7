/* address.c - RFC 5321 path parser that finds every relay trick. */
#include "address.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "idna.h"

/* Trick flags gathered during one scan. A routing trick is reported before
 * a length or syntax fault, however long the address: it tells the admin
 * more, and the scan itself never stops at a length bound. */
enum {
	F_SOURCE_ROUTE = 1 << 0,
	F_MULTI_AT = 1 << 1,
	F_QUOTED_ROUTE = 1 << 2,
	F_BACKSLASH = 1 << 3,
	F_PERCENT = 1 << 4,
	F_BANG = 1 << 5,
	F_TOO_LONG = 1 << 6,
	F_SYNTAX = 1 << 7,
};

static const struct {
	unsigned flag;
	enum rl_addr_kind kind;
} flag_kinds[] = {
	{F_SOURCE_ROUTE, RL_ADDR_SOURCE_ROUTE},
	{F_MULTI_AT, RL_ADDR_MULTI_AT},
	{F_QUOTED_ROUTE, RL_ADDR_QUOTED_ROUTE},
	{F_BACKSLASH, RL_ADDR_BACKSLASH},
	{F_PERCENT, RL_ADDR_PERCENT_HACK},
	{F_BANG, RL_ADDR_BANG_PATH},
	{F_TOO_LONG, RL_ADDR_TOO_LONG},
	{F_SYNTAX, RL_ADDR_SYNTAX},
};

bool rl_addr_kind_is_routing(enum rl_addr_kind kind)
{
	switch (kind) {
	case RL_ADDR_SOURCE_ROUTE:
	case RL_ADDR_MULTI_AT:
	case RL_ADDR_QUOTED_ROUTE:
	case RL_ADDR_BACKSLASH:
	case RL_ADDR_PERCENT_HACK:
	case RL_ADDR_BANG_PATH:
		return true;
	default:
		return false;
	}
}

static unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

bool rl_is_postmaster(const char *s, size_t len)
{
	static const char pm[] = "postmaster";

	if (len != sizeof pm - 1)
		return false;
	for (size_t i = 0; i < len; i++)
		if (lower((unsigned char)s[i]) != (unsigned char)pm[i])
			return false;
	return true;
}

/* Length of the well-formed UTF-8 sequence at S (at most AVAIL octets), or 0
 * when it is not one (overlong forms, surrogates and values above U+10FFFF
 * are refused). */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
	unsigned c = s[0];
	size_t n;
	unsigned lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static bool is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* RFC 5322 atext plus '.', the characters of an unquoted local part. */
static bool is_atext_or_dot(unsigned char c)
{
	return is_alnum(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~.", c));
}

/* "[a.b.c.d]" in dotted-quad form, without the cost of inet_ntop. */
static int format_ipv4_literal(const unsigned char *b, char out[RL_DOMAIN_MAX + 1])
{
	size_t o = 0;

	out[o++] = '[';
	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];

		if (v >= 100)
			out[o++] = (char)('0' + v / 100);
		if (v >= 10)
			out[o++] = (char)('0' + v / 10 % 10);
		out[o++] = (char)('0' + v % 10);
		out[o++] = i < 3 ? '.' : ']';
	}
	out[o] = '\0';
	return (int)o;
}

static int canonical_literal(const char *in, size_t len,
                             char out[RL_DOMAIN_MAX + 1])
{
	static const char tag[] = "ipv6:";
	char ip[RL_DOMAIN_MAX + 1];
	char text[INET6_ADDRSTRLEN];
	unsigned char bin[16];
	size_t n = len - 2;
	size_t i;

	memcpy(ip, in + 1, n);
	ip[n] = '\0';
	for (i = 0; i < sizeof tag - 1 && i < n; i++)
		if (lower((unsigned char)ip[i]) != (unsigned char)tag[i])
			break;
	if (i < sizeof tag - 1)
		return inet_pton(AF_INET, ip, bin) == 1 ? format_ipv4_literal(bin, out) : -1;
	if (inet_pton(AF_INET6, ip + i, bin) != 1 ||
	    !inet_ntop(AF_INET6, bin, text, sizeof text))
		return -1;
	return snprintf(out, RL_DOMAIN_MAX + 1, "[%s%s]", tag, text);
}

/* Check one ASCII label (LDH, 1 to 63 octets, no hyphen at either end)
 * and write it to OUT in lower case. OUT may be IN. */
static bool ldh_label(const char *in, size_t n, char *out)
{
	if (n == 0 || n > 63 || in[0] == '-' || in[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (!is_alnum(c) && c != '-')
			return false;
		out[i] = (char)lower(c);
	}
	return true;
}

/* ldh_label over each dot-separated label of IN (IDNA output). */
static bool ldh_labels(const char *in, size_t n, char *out)
{
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && in[i] != '.')
			continue;
		if (!ldh_label(in + start, i - start, out + start))
			return false;
		if (i < n)
			out[i] = '.';
		start = i + 1;
	}
	return true;
}

/* IDNA input: well-formed UTF-8 whose ASCII octets are LDH, so that no
 * '@', '%' or '!' can hide in a U-label. */
static bool idna_input_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k = s[i] >= 0x80 ? utf8_len(s + i, n - i)
		                        : (is_alnum(s[i]) || s[i] == '-');

		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

/* One label to OUT (CAP octets, room for the NUL). Plain ASCII stays on
 * the fast path; UTF-8 and "xn--" labels are mapped and checked by IDNA,
 * and what IDNA makes of them must be LDH again. Returns the length, -1
 * when malformed, -2 when it does not fit. */
static int canonical_label(const char *in, size_t n, char *out, size_t cap)
{
	char idna[RL_DOMAIN_MAX + 1];
	int m;

	/* Fast path, one pass: LDH, and no "xn--" (its first 4 octets). */
	if (n < cap && ldh_label(in, n, out) && !rl_idna_needed(out, n < 4 ? n : 4))
		return (int)n;
	if (!rl_idna_needed(in, n))
		return n > 0 && n <= 63 && n >= cap ? -2 : -1;
	if (!idna_input_ok((const unsigned char *)in, n))
		return -1;
	m = rl_idna_label(in, n, idna, sizeof idna);
	if (m < 0)
		return -1;
	if ((size_t)m >= cap)
		return -2;
	return ldh_labels(idna, (size_t)m, out) ? m : -1;
}

int rl_domain_canonical(const char *in, size_t len, char out[RL_DOMAIN_MAX + 1])
{
	size_t o = 0, start = 0;

	if (len > 0 && in[0] == '[') {
		if (len < 3 || len > RL_DOMAIN_MAX || in[len - 1] != ']' ||
		    memchr(in, '\0', len))
			return -1;
		return canonical_literal(in, len, out);
	}
	if (len > 1 && in[len - 1] == '.')
		len--;
	if (len == 0)
		return -1;
	if (len > RL_DOMAIN_IN_MAX)
		return -2;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && in[i] != '.')
			continue;
		int n = canonical_label(in + start, i - start, out + o,
		                        RL_DOMAIN_MAX + 1 - o);

		if (n < 0)
			return n;
		o += (size_t)n;
		if (i < len) {
			if (o + 1 >= RL_DOMAIN_MAX + 1)
				return -2;
			out[o++] = '.';
		}
		start = i + 1;
	}
	out[o] = '\0';
	return (int)o;
}

/* Scan a quoted string starting at S[0] == '"'. Returns the offset just past
 * the closing quote, or 0 when it is unterminated or holds a bad octet. */
static size_t scan_quoted(const unsigned char *s, size_t len, unsigned *flags)
{
	for (size_t i = 1; i < len; i++) {
		unsigned char c = s[i];

		if (c == '"')
			return i + 1;
		if (c == '\\') {
			if (++i >= len || s[i] < 32 || s[i] > 126)
				return 0;
			c = s[i];
		} else if (c >= 0x80) {
			size_t n = utf8_len(s + i, len - i);

			if (n == 0)
				return 0;
			i += n - 1;
			continue;
		} else if (c < 32 || c > 126)
			return 0;
		if (c == '@' || c == '%' || c == '!')
			*flags |= F_QUOTED_ROUTE;
	}
	return 0;
}

/* Scan an unquoted local part up to the first '@' or the end. Returns its
 * length. Flags the tricks and any octet that is not atext. */
static size_t scan_dot_string(const unsigned char *s, size_t len,
                              unsigned *flags)
{
	size_t i = 0;

	while (i < len && s[i] != '@') {
		unsigned char c = s[i];

		if (c == '\\') {
			*flags |= F_BACKSLASH;
			i += (i + 1 < len) ? 2 : 1;
			continue;
		}
		if (c >= 0x80) {
			size_t n = utf8_len(s + i, len - i);

			if (n == 0) {
				*flags |= F_SYNTAX;
				n = 1;
			}
			i += n;
			continue;
		}
		if (c == '%')
			*flags |= F_PERCENT;
		else if (c == '!')
			*flags |= F_BANG;
		else if (!is_atext_or_dot(c))
			*flags |= F_SYNTAX;
		i++;
	}
	return i;
}

static enum rl_addr_kind finish(struct rl_address *out, unsigned flags,
                                enum rl_addr_kind plain)
{
	for (size_t i = 0; i < sizeof flag_kinds / sizeof flag_kinds[0]; i++)
		if (flags & flag_kinds[i].flag)
			return out->kind = flag_kinds[i].kind;
	return out->kind = plain;
}

enum rl_addr_kind rl_address_parse(const char *raw, size_t len,
                                   struct rl_address *out)
{
	const unsigned char *s = (const unsigned char *)raw;
	unsigned flags = 0;
	size_t local_len;

	memset(out, 0, sizeof *out);
	out->local = raw;
	out->domain[0] = '\0';

	while (len > 0 && (s[0] == ' ' || s[0] == '\t'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (memchr(s, '\0', len))
		return finish(out, F_SYNTAX, RL_ADDR_SYNTAX);
	if (len > 0 && s[0] == '<') {
		if (len < 2 || s[len - 1] != '>')
			return finish(out, F_SYNTAX, RL_ADDR_SYNTAX);
		out->bracketed = true;
		s++;
		len -= 2;
	}
	if (len == 0)
		return finish(out, F_SYNTAX, RL_ADDR_SYNTAX);
	if (len + 2 > RL_PATH_MAX)
		flags |= F_TOO_LONG;

	/* A-d-l ":" : any source route is a trick, well formed or not. */
	if (s[0] == '@') {
		if (!memchr(s, ':', len))
			return finish(out, F_SYNTAX, RL_ADDR_SYNTAX);
		return finish(out, flags | F_SOURCE_ROUTE, RL_ADDR_SYNTAX);
	}

	if (s[0] == '"') {
		local_len = scan_quoted(s, len, &flags);
		if (local_len == 0)
			return finish(out, flags | F_SYNTAX, RL_ADDR_SYNTAX);
		if (local_len < len && s[local_len] != '@') {
			/* "a"b@c or "x"!y: text glued to the quotes */
			local_len += scan_dot_string(s + local_len, len - local_len,
			                             &flags);
			flags |= F_SYNTAX;
		}
	} else {
		local_len = scan_dot_string(s, len, &flags);
	}
	out->local = (const char *)s;
	out->local_len = local_len;
	if (local_len == 0)
		flags |= F_SYNTAX;

	if (local_len >= len)
		return finish(out, flags, RL_ADDR_LOCAL_ONLY);

	/* s[local_len] == '@'; everything after it is the domain. */
	const unsigned char *dom = s + local_len + 1;
	size_t dom_len = len - local_len - 1;

	if (memchr(dom, '@', dom_len))
		flags |= F_MULTI_AT;
	if (dom_len > 0 && dom[0] == '[')
		out->domain_literal = true;
	if (!(flags & (F_MULTI_AT | F_TOO_LONG))) {
		int n = rl_domain_canonical((const char *)dom, dom_len, out->domain);

		if (n < 0) {
			flags |= n == -2 ? F_TOO_LONG : F_SYNTAX;
			out->domain[0] = '\0';
		} else
			out->domain_len = (size_t)n;
	}
	return finish(out, flags, RL_ADDR_MAILBOX);
}
