/* parse.c - decision lines: timestamp, ident, then the fixed field list
 *   QUEUEID: action=A reason=R client=C auth=U from=F rcpt=R resolved=R
 *   mailer=M mode=M
 * Every value is one token of bytes 0x21..0x7e without '=' (the daemon
 * escapes everything else), so a value can never hide another field. */
#include "parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

static const char *const action_names[RR_ACTION_COUNT] = {
	[RR_ACCEPT] = "accept",
	[RR_REJECT] = "reject",
	[RR_TEMPFAIL] = "tempfail",
	[RR_WOULD_REJECT] = "would-reject",
};

const char *rr_action_name(enum rr_action a)
{
	return (unsigned)a < RR_ACTION_COUNT ? action_names[a] : "?";
}

static bool same(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

enum rr_action rr_action_from(const char *s, size_t len)
{
	for (int a = 0; a < RR_ACTION_COUNT; a++)
		if (same(s, len, action_names[a]))
			return (enum rr_action)a;
	return RR_ACTION_COUNT;
}

int rr_reason_from(const char *s, size_t len)
{
	static const char *names[RL_R_COUNT];
	static size_t lens[RL_R_COUNT];

	if (!names[0])
		for (int r = 0; r < RL_R_COUNT; r++) {
			names[r] = rl_reason_name((enum rl_reason)r);
			lens[r] = strlen(names[r]);
		}
	for (int r = 0; r < RL_R_COUNT; r++)
		if (lens[r] == len && memcmp(s, names[r], len) == 0)
			return r;
	return -1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

void rr_clock_init(struct rr_clock *clk, int year, time_t now)
{
	struct tm tm;

	clk->year = year;
	clk->now = now;
	clk->cache_key = -1;
	clk->cache_base = 0;
	clk->guess_year = localtime_r(&now, &tm) ? tm.tm_year + 1900 : 1970;
}

/* Local wall-clock time to time_t; mktime once per distinct hour. */
static time_t local_time(struct rr_clock *clk, int y, int mo, int d, int h,
                         int mi, int s)
{
	int key = ((y % 2000) * 10000 + mo * 100 + d) * 100 + h;

	if (key != clk->cache_key) {
		struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
		                .tm_hour = h, .tm_isdst = -1};

		clk->cache_base = mktime(&tm);
		clk->cache_key = key;
	}
	return clk->cache_base + mi * 60 + s;
}

static bool digits(const char *s, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool valid_hms(int h, int mi, int s)
{
	return h <= 23 && mi <= 59 && s <= 60;
}

static size_t parse_iso(const char *s, size_t len, struct rr_clock *clk,
                        time_t *when)
{
	int y, mo, d, h, mi, sec, zh, zm;
	size_t p = 19;
	long long off = 0;
	bool zone = false;

	if (len < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
	    s[13] != ':' || s[16] != ':' || !digits(s, 4, &y) ||
	    !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) ||
	    !digits(s + 17, 2, &sec) || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    !valid_hms(h, mi, sec))
		return 0;
	if (p < len && (s[p] == '.' || s[p] == ',')) {
		p++;
		while (p < len && s[p] >= '0' && s[p] <= '9')
			p++;
	}
	if (p < len && s[p] == 'Z') {
		zone = true;
		p++;
	} else if (p + 5 <= len && (s[p] == '+' || s[p] == '-') &&
	           digits(s + p + 1, 2, &zh)) {
		size_t q = p + 3;

		if (s[q] == ':')
			q++;
		if (q + 2 <= len && digits(s + q, 2, &zm) && zh <= 23 && zm <= 59) {
			off = (zh * 60LL + zm) * 60 * (s[p] == '-' ? -1 : 1);
			zone = true;
			p = q + 2;
		}
	}
	if (zone)
		*when = (time_t)(days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
		                 h * 3600LL + mi * 60LL + sec - off);
	else
		*when = local_time(clk, y, mo, d, h, mi, sec);
	return p;
}

static size_t parse_syslog(const char *s, size_t len, struct rr_clock *clk,
                           time_t *when)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int mo = 0, d, h, mi, sec, y;
	size_t p = 15;
	time_t t;

	if (len < 15 || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':')
		return 0;
	for (int i = 0; i < 12; i++)
		if (memcmp(s, months + 3 * i, 3) == 0)
			mo = i + 1;
	if (s[4] == ' ') {
		if (!digits(s + 5, 1, &d))
			return 0;
	} else if (!digits(s + 4, 2, &d)) {
		return 0;
	}
	if (!mo || d < 1 || d > 31 || !digits(s + 7, 2, &h) ||
	    !digits(s + 10, 2, &mi) || !digits(s + 13, 2, &sec) ||
	    !valid_hms(h, mi, sec))
		return 0;
	if (p < len && s[p] == '.') {
		p++;
		while (p < len && s[p] >= '0' && s[p] <= '9')
			p++;
	}
	y = clk->year ? clk->year : clk->guess_year;
	t = local_time(clk, y, mo, d, h, mi, sec);
	if (!clk->year && t > clk->now + 86400)
		t = local_time(clk, y - 1, mo, d, h, mi, sec);
	*when = t;
	return p;
}

size_t rr_parse_time(const char *s, size_t len, struct rr_clock *clk, time_t *when)
{
	if (len > 0 && s[0] >= '0' && s[0] <= '9')
		return parse_iso(s, len, clk, when);
	return parse_syslog(s, len, clk, when);
}

bool rr_parse_time_arg(const char *text, struct rr_clock *clk, time_t *when)
{
	size_t len = strlen(text);
	int y, mo, d;
	char *end;
	long n;

	if (len == 10 && text[4] == '-' && text[7] == '-' && digits(text, 4, &y) &&
	    digits(text + 5, 2, &mo) && digits(text + 8, 2, &d) && mo >= 1 &&
	    mo <= 12 && d >= 1 && d <= 31) {
		*when = local_time(clk, y, mo, d, 0, 0, 0);
		return true;
	}
	if (len > 1 && text[0] >= '0' && text[0] <= '9' &&
	    strchr("smhd", text[len - 1])) {
		n = strtol(text, &end, 10);
		if (end == text + len - 1 && n >= 0 && n <= 100000L * 86400) {
			long unit = text[len - 1] == 's' ? 1 : text[len - 1] == 'm' ? 60
			          : text[len - 1] == 'h' ? 3600 : 86400;

			*when = clk->now - (time_t)n * unit;
			return true;
		}
	}
	return rr_parse_time(text, len, clk, when) == len && len > 0;
}

void rr_format_time(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "%lld", (long long)t);
}

/* A value: bytes 0x21..0x7e except '=', up to the next space or the end.
 * Returns its length, 0 when it is empty or holds a forbidden byte. */
static size_t value_len(const char *s, size_t len)
{
	/* 0: value byte, 1: space (the end), 2: forbidden */
	static unsigned char cls[256];
	static bool ready;
	size_t i = 0;

	if (!ready) {
		for (int c = 0; c < 256; c++)
			cls[c] = (c < 0x21 || c > 0x7e || c == '=') ? 2 : 0;
		cls[' '] = 1;
		ready = true;
	}
	for (; i < len; i++) {
		unsigned char k = cls[(unsigned char)s[i]];

		if (k == 1)
			break;
		if (k == 2)
			return 0;
	}
	return i;
}

/* Expect " KEY=VALUE" (or "KEY=VALUE" for the first) at *P; on success
 * store the value and move *P past it. */
static bool field_n(const char *s, size_t len, size_t *p, const char *key,
                    size_t k, bool first, struct rr_field *out)
{
	size_t q = *p, n;

	if (!first) {
		if (q >= len || s[q] != ' ')
			return false;
		q++;
	}
	if (q + k + 1 > len || memcmp(s + q, key, k) != 0 || s[q + k] != '=')
		return false;
	q += k + 1;
	n = value_len(s + q, len - q);
	if (n == 0)
		return false;
	out->s = s + q;
	out->len = n;
	*p = q + n;
	return true;
}

#define field(s, len, p, key, first, out) \
	field_n(s, len, p, key, sizeof(key) - 1, first, out)

/* "relaylock[123]: " or "relaylock: " at S; returns bytes used or 0. */
static size_t ident(const char *s, size_t len)
{
	static const char name[] = "relaylock";
	size_t p = sizeof name - 1;

	if (len < p + 2 || memcmp(s, name, p) != 0)
		return 0;
	if (s[p] == '[') {
		size_t start = ++p;

		while (p < len && s[p] >= '0' && s[p] <= '9')
			p++;
		if (p == start || p >= len || s[p] != ']')
			return 0;
		p++;
	}
	if (p + 2 > len || s[p] != ':' || s[p + 1] != ' ')
		return 0;
	return p + 2;
}

enum rr_kind rr_parse_line(const char *s, size_t len, struct rr_clock *clk,
                           struct rr_line *out)
{
	struct rr_field action, reason, mode;
	size_t p, n, q;

	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	p = rr_parse_time(s, len, clk, &out->when);
	if (p == 0 || p >= len || s[p] != ' ')
		return RR_FOREIGN;
	p++;
	n = ident(s + p, len - p);
	if (n == 0) {
		/* syslog and journal put the host name before the ident */
		while (p < len && s[p] != ' ')
			p++;
		if (p >= len)
			return RR_FOREIGN;
		p++;
		n = ident(s + p, len - p);
		if (n == 0)
			return RR_FOREIGN;
	}
	p += n;
	/* relaylock -f captured by the journal: its own stamp and ident again */
	if (p < len && s[p] >= '0' && s[p] <= '9') {
		time_t inner;
		size_t t = parse_iso(s + p, len - p, clk, &inner);

		if (t && p + t < len && s[p + t] == ' ' &&
		    (n = ident(s + p + t + 1, len - p - t - 1)) != 0) {
			out->when = inner;
			p += t + 1 + n;
		}
	}
	/* the queue id, then ": " */
	q = value_len(s + p, len - p);
	if (q < 2 || s[p + q - 1] != ':')
		return RR_OTHER;
	out->queueid.s = s + p;
	out->queueid.len = q - 1;
	p += q + 1;
	if (p > len || s[p - 1] != ' ' ||
	    !field(s, len, &p, "action", true, &action) ||
	    !field(s, len, &p, "reason", false, &reason) ||
	    !field(s, len, &p, "client", false, &out->client) ||
	    !field(s, len, &p, "auth", false, &out->auth) ||
	    !field(s, len, &p, "from", false, &out->from) ||
	    !field(s, len, &p, "rcpt", false, &out->rcpt) ||
	    !field(s, len, &p, "resolved", false, &out->resolved) ||
	    !field(s, len, &p, "mailer", false, &out->mailer) ||
	    !field(s, len, &p, "mode", false, &mode))
		return RR_OTHER;
	while (p < len && (s[p] == ' ' || s[p] == '\t'))
		p++;
	if (p != len)
		return RR_OTHER;
	out->action = rr_action_from(action.s, action.len);
	out->reason = rr_reason_from(reason.s, reason.len);
	if (out->action == RR_ACTION_COUNT || out->reason < 0)
		return RR_OTHER;
	if (same(mode.s, mode.len, "monitor"))
		out->monitor = true;
	else if (same(mode.s, mode.len, "enforce"))
		out->monitor = false;
	else
		return RR_OTHER;
	return RR_DECISION;
}

static bool absent(const struct rr_field *f)
{
	return f->len == 0 || (f->len == 1 && f->s[0] == '-');
}

/* Routed domain of one address (see parse.h); bounds [*b, *e). */
static bool route_domain(const char *s, size_t len, size_t *b, size_t *e)
{
	size_t at = len, i;
	size_t lo = 0, hi = len;

	if (hi > lo && s[lo] == '<')
		lo++;
	if (hi > lo && s[hi - 1] == '>')
		hi--;
	if (hi > lo && s[lo] == '@') { /* @a,@b:user@ext */
		const char *colon = memchr(s + lo, ':', hi - lo);

		if (colon)
			lo = (size_t)(colon - s) + 1;
	}
	for (i = hi; i > lo; i--)
		if (s[i - 1] == '@') {
			at = i - 1;
			break;
		}
	if (at == len) {
		at = hi; /* no '@': the whole thing is the local part */
		*b = hi;
		*e = hi;
	} else {
		*b = at + 1;
		*e = hi;
	}
	/* a routing operator left in the local part names the real target */
	for (i = at; i > lo; i--)
		if (s[i - 1] == '@' || s[i - 1] == '%') {
			*b = i;
			*e = at;
			return *e > *b;
		}
	for (i = lo; i < at; i++)
		if (s[i] == '!') {
			*b = lo;
			*e = i;
			return *e > *b;
		}
	return *e > *b;
}

size_t rr_target_domain(const struct rr_line *l, char *buf, size_t size)
{
	const struct rr_field *f[2] = {&l->resolved, &l->rcpt};

	for (int k = 0; k < 2; k++) {
		size_t b, e, n = 0;

		if (absent(f[k]) || !route_domain(f[k]->s, f[k]->len, &b, &e))
			continue;
		while (b < e && f[k]->s[b] == '"')
			b++;
		while (e > b && (f[k]->s[e - 1] == '"' || f[k]->s[e - 1] == '.'))
			e--;
		for (size_t i = b; i < e && n + 1 < size; i++) {
			char c = f[k]->s[i];

			buf[n++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
		}
		if (n > 0) {
			buf[n] = '\0';
			return n;
		}
	}
	if (size)
		buf[0] = '\0';
	return 0;
}
