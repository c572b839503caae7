/* report.c - relaylock-report: stream relaylock decision logs (plain, .gz,
 * stdin, syslog or journal output) and summarise them. Memory grows with
 * the number of distinct clients, domains, recipients and time buckets,
 * never with the size of the log. */
#include "report.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>
#include <zlib.h>

#define CHUNK (1u << 20)       /* read size */
#define LINE_MAX_LEN (1u << 16) /* longer lines are not decision lines */
#define MAX_FILTERS 64
#define DEFAULT_MAX_KEYS 5000000u

struct cidr {
	int family;
	unsigned char addr[16];
	unsigned bits;
};

struct options {
	time_t since, until;
	bool has_since, has_until;
	unsigned actions;          /* bit per enum rr_action */
	uint64_t reasons;          /* bit per enum rl_reason; 0 = all */
	struct cidr clients[MAX_FILTERS];
	size_t n_clients;
	const char *domains[MAX_FILTERS];
	size_t n_domains;
	unsigned top;
	enum rr_bucket bucket;
	enum { FMT_TEXT, FMT_JSON, FMT_CSV } format;
	const char *html;
	size_t max_keys;
};

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: relaylock-report [options] [FILE...]\n"
	        "Summarise relaylock decision lines from FILEs (plain or .gz) or\n"
	        "standard input (\"-\" or no FILE): syslog, journalctl or relaylock -f.\n"
	        "\n"
	        "  --since TIME, --until TIME   only decisions in [since, until)\n"
	        "        TIME: 2026-11-23, 2026-11-23T10:00:00[Z|+01:00], or 2h, 7d ago\n"
	        "  --action LIST    actions counted in the tables: accept, reject,\n"
	        "                   tempfail, would-reject, all (default reject,would-reject)\n"
	        "  --reason LIST    only these reasons (comma-separated)\n"
	        "  --client IP[/N]  only these clients (repeatable)\n"
	        "  --domain DOMAIN  only recipients targeting DOMAIN or a subdomain\n"
	        "  --top N          rows per table (default 10)\n"
	        "  --by hour|day    histogram bucket (default: hour up to 3 days)\n"
	        "  --year YYYY      year of syslog time stamps (default: guessed)\n"
	        "  --format text|json|csv   output on stdout (default text)\n"
	        "  --html FILE      also write a self-contained HTML page\n"
	        "  --max-keys N     distinct keys kept per table (default %u)\n"
	        "  -h, --help       this help;  -V, --version\n"
	        "Exit status: 0 ok, 1 a file could not be read, 64 usage,\n"
	        "73 the HTML file could not be written. See relaylock-report(8).\n",
	        DEFAULT_MAX_KEYS);
}

static bool parse_cidr(const char *text, struct cidr *c)
{
	char buf[64];
	const char *slash = strchr(text, '/');
	size_t n = slash ? (size_t)(slash - text) : strlen(text);
	char *end;
	long bits;

	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, text, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, c->addr) == 1)
		c->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, c->addr) == 1)
		c->family = AF_INET6;
	else
		return false;
	c->bits = c->family == AF_INET ? 32 : 128;
	if (slash) {
		errno = 0;
		bits = strtol(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || bits < 0 || bits > (long)c->bits)
			return false;
		c->bits = (unsigned)bits;
	}
	return true;
}

static bool cidr_match(const struct cidr *c, const struct rr_field *client)
{
	unsigned char addr[16];
	char buf[64];
	unsigned full, rest;

	if (client->len >= sizeof buf)
		return false;
	memcpy(buf, client->s, client->len);
	buf[client->len] = '\0';
	if (inet_pton(c->family, buf, addr) != 1)
		return false;
	full = c->bits / 8;
	rest = c->bits % 8;
	if (memcmp(addr, c->addr, full) != 0)
		return false;
	return rest == 0 ||
	       ((addr[full] ^ c->addr[full]) & (0xff00u >> rest) & 0xff) == 0;
}

/* DOMAIN equals D or ends in ".D" (case-insensitive; D is lower case). */
static bool domain_match(const char *domain, size_t len, const char *d)
{
	size_t n = strlen(d);

	if (len < n || strncasecmp(domain + len - n, d, n) != 0)
		return false;
	return len == n || domain[len - n - 1] == '.';
}

static bool list_bits(const char *list, bool actions, uint64_t *out)
{
	char *copy = strdup(list), *save = NULL, *tok;
	bool ok = copy != NULL;

	for (tok = copy ? strtok_r(copy, ",", &save) : NULL; ok && tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "all") == 0) {
			*out |= actions ? (1u << RR_ACTION_COUNT) - 1 : (1ULL << RL_R_COUNT) - 1;
		} else if (actions) {
			enum rr_action a = rr_action_from(tok, strlen(tok));

			if (a == RR_ACTION_COUNT)
				ok = false;
			else
				*out |= 1u << a;
		} else {
			int r = rr_reason_from(tok, strlen(tok));

			if (r < 0)
				ok = false;
			else
				*out |= 1ULL << r;
		}
	}
	if (!ok)
		fprintf(stderr, "relaylock-report: unknown %s in \"%s\"\n",
		        actions ? "action" : "reason", list);
	free(copy);
	return ok;
}

/* Buckets are keyed by their start as decimal text; consecutive lines
 * mostly share one, so the text of the last start is kept. */
struct bucket_key {
	time_t start;
	int len;
	char text[24];
};

struct state {
	const struct options *o;
	struct rr_clock clk;
	struct rr_counts c;
	bool table_full_warned;
	struct bucket_key hour_key, day_key;
};

static void add_key(struct state *st, struct rr_table *t, const char *key,
                    size_t len, time_t when)
{
	if (rr_table_add(t, key, len, when) != 0 && !st->table_full_warned) {
		fprintf(stderr, "relaylock-report: too many distinct keys (--max-keys "
		                "%zu); further new keys are counted as \"other\"\n",
		        st->o->max_keys);
		st->table_full_warned = true;
	}
}

static void add_bucket(struct state *st, struct rr_table *t, struct bucket_key *k,
                       time_t start)
{
	if (k->len == 0 || k->start != start) {
		k->len = snprintf(k->text, sizeof k->text, "%lld", (long long)start);
		k->start = start;
	}
	add_key(st, t, k->text, (size_t)k->len, start);
}

static void one_line(struct state *st, const char *s, size_t len)
{
	const struct options *o = st->o;
	struct rr_counts *c = &st->c;
	struct rr_line l;
	char domain[600];
	size_t dlen = 0;
	bool have_domain = false;

	c->lines++;
	switch (rr_parse_line(s, len, &st->clk, &l)) {
	case RR_FOREIGN:
		return;
	case RR_OTHER:
		c->other++;
		return;
	case RR_DECISION:
		break;
	}
	c->decisions++;
	if ((o->has_since && l.when < o->since) || (o->has_until && l.when >= o->until))
		return;
	if (o->reasons && !(o->reasons & (1ULL << l.reason)))
		return;
	if (o->n_clients) {
		size_t i;

		for (i = 0; i < o->n_clients && !cidr_match(&o->clients[i], &l.client); i++)
			;
		if (i == o->n_clients)
			return;
	}
	if (o->n_domains) {
		size_t i;

		dlen = rr_target_domain(&l, domain, sizeof domain);
		have_domain = true;
		for (i = 0; i < o->n_domains; i++)
			if (domain_match(domain, dlen, o->domains[i]))
				break;
		if (i == o->n_domains)
			return;
	}
	if (c->matched == 0 || l.when < c->first)
		c->first = l.when;
	if (c->matched == 0 || l.when > c->last)
		c->last = l.when;
	c->matched++;
	c->by_action[l.action]++;
	c->by_reason[l.reason]++;
	if (!(o->actions & (1u << l.action)))
		return;
	c->selected++;
	c->sel_by_reason[l.reason]++;
	if (!have_domain)
		dlen = rr_target_domain(&l, domain, sizeof domain);
	add_key(st, &c->clients, l.client.s, l.client.len, l.when);
	if (dlen)
		add_key(st, &c->domains, domain, dlen, l.when);
	add_key(st, &c->rcpts, l.rcpt.s, l.rcpt.len, l.when);
	add_bucket(st, &c->hours, &st->hour_key, l.when - (((l.when % 3600) + 3600) % 3600));
	add_bucket(st, &c->days, &st->day_key, l.when - (((l.when % 86400) + 86400) % 86400));
}

/* Stream one file (or stdin for "-"); gzread reads plain files as is. */
static int read_source(struct state *st, const char *path, char *buf)
{
	bool is_stdin = strcmp(path, "-") == 0;
	gzFile gz;
	size_t have = 0;
	bool skipping = false;
	int fd;

	if (is_stdin) {
		fd = dup(STDIN_FILENO);
		gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
		if (!gz && fd >= 0)
			close(fd);
	} else {
		gz = gzopen(path, "rb");
	}
	if (!gz) {
		fprintf(stderr, "relaylock-report: %s: %s\n", path,
		        errno ? strerror(errno) : "cannot open");
		return -1;
	}
	gzbuffer(gz, 256 * 1024);
	for (;;) {
		int n = gzread(gz, buf + have, CHUNK);
		char *p, *end, *nl;

		if (n < 0) {
			int err;
			const char *msg = gzerror(gz, &err);

			fprintf(stderr, "relaylock-report: %s: %s\n", path,
			        err == Z_ERRNO ? strerror(errno) : msg);
			gzclose(gz);
			return -1;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		p = buf;
		end = buf + have;
		while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
			if (skipping) {
				skipping = false;
				st->c.lines++;
			} else {
				one_line(st, p, (size_t)(nl - p));
			}
			p = nl + 1;
		}
		have = (size_t)(end - p);
		if (have > LINE_MAX_LEN) { /* an overlong line: drop it */
			skipping = true;
			have = 0;
		} else if (have) {
			memmove(buf, p, have);
		}
	}
	if (have && !skipping)
		one_line(st, buf, have);
	else if (skipping)
		st->c.lines++;
	gzclose(gz);
	return 0;
}

static const char *selection_text(unsigned actions, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int a = 0; a < RR_ACTION_COUNT; a++)
		if (actions & (1u << a)) {
			int w = snprintf(buf + n, size - n, "%s%s", n ? "," : "",
			                 rr_action_name((enum rr_action)a));

			if (w < 0 || (size_t)w >= size - n)
				break;
			n += (size_t)w;
		}
	return buf;
}

enum {
	OPT_SINCE = 256, OPT_UNTIL, OPT_ACTION, OPT_REASON, OPT_CLIENT, OPT_DOMAIN,
	OPT_TOP, OPT_BY, OPT_YEAR, OPT_FORMAT, OPT_HTML, OPT_MAX_KEYS,
};

static bool number(const char *s, unsigned long lo, unsigned long hi,
                   unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static int parse_options(int argc, char **argv, struct options *o,
                         struct rr_clock *clk, unsigned long *year)
{
	static const struct option longopts[] = {
		{"since", required_argument, NULL, OPT_SINCE},
		{"until", required_argument, NULL, OPT_UNTIL},
		{"action", required_argument, NULL, OPT_ACTION},
		{"reason", required_argument, NULL, OPT_REASON},
		{"client", required_argument, NULL, OPT_CLIENT},
		{"domain", required_argument, NULL, OPT_DOMAIN},
		{"top", required_argument, NULL, OPT_TOP},
		{"by", required_argument, NULL, OPT_BY},
		{"year", required_argument, NULL, OPT_YEAR},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"html", required_argument, NULL, OPT_HTML},
		{"max-keys", required_argument, NULL, OPT_MAX_KEYS},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	uint64_t bits;
	unsigned long v;
	int ch;

	while ((ch = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_SINCE:
		case OPT_UNTIL:
			if (!rr_parse_time_arg(optarg, clk, ch == OPT_SINCE ? &o->since : &o->until)) {
				fprintf(stderr, "relaylock-report: bad time \"%s\"\n", optarg);
				return EX_USAGE;
			}
			*(ch == OPT_SINCE ? &o->has_since : &o->has_until) = true;
			break;
		case OPT_ACTION:
			bits = 0;
			if (!list_bits(optarg, true, &bits))
				return EX_USAGE;
			o->actions = (unsigned)bits;
			break;
		case OPT_REASON:
			if (!list_bits(optarg, false, &o->reasons))
				return EX_USAGE;
			break;
		case OPT_CLIENT:
			if (o->n_clients == MAX_FILTERS ||
			    !parse_cidr(optarg, &o->clients[o->n_clients])) {
				fprintf(stderr, "relaylock-report: bad --client \"%s\"\n", optarg);
				return EX_USAGE;
			}
			o->n_clients++;
			break;
		case OPT_DOMAIN:
			if (o->n_domains == MAX_FILTERS || !optarg[0]) {
				fprintf(stderr, "relaylock-report: bad --domain \"%s\"\n", optarg);
				return EX_USAGE;
			}
			o->domains[o->n_domains++] = optarg + (optarg[0] == '.');
			break;
		case OPT_TOP:
			if (!number(optarg, 1, 100000, &v)) {
				fprintf(stderr, "relaylock-report: bad --top \"%s\"\n", optarg);
				return EX_USAGE;
			}
			o->top = (unsigned)v;
			break;
		case OPT_BY:
			if (strcmp(optarg, "hour") == 0)
				o->bucket = RR_BUCKET_HOUR;
			else if (strcmp(optarg, "day") == 0)
				o->bucket = RR_BUCKET_DAY;
			else {
				fprintf(stderr, "relaylock-report: --by hour or day\n");
				return EX_USAGE;
			}
			break;
		case OPT_YEAR:
			if (!number(optarg, 1970, 9999, year)) {
				fprintf(stderr, "relaylock-report: bad --year \"%s\"\n", optarg);
				return EX_USAGE;
			}
			clk->year = (int)*year;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "text") == 0)
				o->format = FMT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				o->format = FMT_JSON;
			else if (strcmp(optarg, "csv") == 0)
				o->format = FMT_CSV;
			else {
				fprintf(stderr, "relaylock-report: --format text, json or csv\n");
				return EX_USAGE;
			}
			break;
		case OPT_HTML:
			o->html = optarg;
			break;
		case OPT_MAX_KEYS:
			if (!number(optarg, 1, 1000000000UL, &v)) {
				fprintf(stderr, "relaylock-report: bad --max-keys \"%s\"\n", optarg);
				return EX_USAGE;
			}
			o->max_keys = v;
			break;
		case 'V':
			printf("relaylock-report %s\n", RELAYLOCK_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (o->has_since && o->has_until && o->until <= o->since) {
		fprintf(stderr, "relaylock-report: --until is not after --since\n");
		return EX_USAGE;
	}
	return 0;
}

static int write_html(const struct rr_view *v, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "relaylock-report: %s: %s\n", path, strerror(errno));
		return EX_CANTCREAT;
	}
	rr_print_html(v, f);
	if (ferror(f) | (fclose(f) != 0)) {
		fprintf(stderr, "relaylock-report: %s: write error\n", path);
		return EX_CANTCREAT;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct state st;
	static struct options o = {
		.actions = (1u << RR_REJECT) | (1u << RR_WOULD_REJECT),
		.top = 10,
		.max_keys = DEFAULT_MAX_KEYS,
	};
	struct rr_view view;
	unsigned long year = 0;
	char selection[64];
	char *buf;
	int status = 0, r;

	rr_clock_init(&st.clk, 0, time(NULL));
	r = parse_options(argc, argv, &o, &st.clk, &year);
	if (r)
		return r;
	st.o = &o;
	rr_table_init(&st.c.clients, o.max_keys);
	rr_table_init(&st.c.domains, o.max_keys);
	rr_table_init(&st.c.rcpts, o.max_keys);
	rr_table_init(&st.c.hours, o.max_keys);
	rr_table_init(&st.c.days, o.max_keys);
	buf = malloc(CHUNK + LINE_MAX_LEN + 1);
	if (!buf) {
		fprintf(stderr, "relaylock-report: out of memory\n");
		return EX_OSERR;
	}
	if (optind == argc) {
		if (read_source(&st, "-", buf) != 0)
			status = 1;
	}
	for (int i = optind; i < argc; i++)
		if (read_source(&st, argv[i], buf) != 0)
			status = 1;
	free(buf);

	if (rr_view_build(&view, &st.c, o.top, o.bucket,
	                  selection_text(o.actions, selection, sizeof selection)) != 0) {
		fprintf(stderr, "relaylock-report: out of memory\n");
		return EX_OSERR;
	}
	if (o.format == FMT_JSON)
		rr_print_json(&view, stdout);
	else if (o.format == FMT_CSV)
		rr_print_csv(&view, stdout);
	else
		rr_print_text(&view, stdout);
	if (o.html && (r = write_html(&view, o.html)) != 0)
		status = r;
	rr_view_free(&view);
	rr_table_free(&st.c.clients);
	rr_table_free(&st.c.domains);
	rr_table_free(&st.c.rcpts);
	rr_table_free(&st.c.hours);
	rr_table_free(&st.c.days);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "relaylock-report: write error on standard output\n");
		return 1;
	}
	return status;
}
