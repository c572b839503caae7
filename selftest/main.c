/* main.c - relaylock-selftest: options, vantage, run, report.
 *
 *   relaylock-selftest [options] HOST[:PORT]
 *   relaylock-selftest [options] --mx DOMAIN
 *
 * Exit status (monitoring-plugins): 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
 * (also for bad options).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cases.h"
#include "conf.h"
#include "config.h"
#include "mx.h"
#include "netns.h"
#include "output.h"
#include "probe.h"
#include "smtp_conn.h"
#include "target.h"

#define EXIT_USAGE 3

static const char usage_text[] =
	"usage: relaylock-selftest [options] HOST[:PORT]\n"
	"       relaylock-selftest [options] --mx DOMAIN\n"
	"Probe an SMTP server for open relaying from outside (see relaylock-selftest(8)).\n"
	"\n"
	"What to try:\n"
	"      --mx DOMAIN          probe every address of every MX host of DOMAIN\n"
	"                           (the hosted domain unless -H is given)\n"
	"  -c, --config FILE        read hosted domains and trusted networks from relaylock.conf\n"
	"  -H, --hosted DOMAIN      hosted domain used by the tricks\n"
	"      --hosted-rcpt ADDR   hosted recipient of the control (postmaster@DOMAIN)\n"
	"  -o, --outside ADDR       outside address or domain (relaytest@example.net)\n"
	"      --server-name NAME   the server's host name (banner's, else HOST)\n"
	"      --server-ip IP       the server's address for literal tricks (target's)\n"
	"      --helo NAME          EHLO/HELO name (relaylock-selftest.invalid)\n"
	"      --only LIST          run only these cases (comma list, patterns)\n"
	"      --skip LIST          skip these cases\n"
	"  -l, --list               list the cases and exit\n"
	"  -d, --data               send a message with a token when RCPT is accepted\n"
	"  -a, --auth USER:PASS     positive control: relaying after AUTH must work\n"
	"      --auth-file FILE     USER:PASS from the first line of FILE\n"
	"      --starttls           always use STARTTLS (fail when not offered)\n"
	"      --no-starttls        never use STARTTLS\n"
	"      --tls-verify         verify the server certificate and name\n"
	"Vantage:\n"
	"      --source ADDR        bind to this local address\n"
	"      --xclient ADDR       Postfix XCLIENT: the server evaluates ADDR\n"
	"      --netns NAME|auto    probe from a network namespace (auto: temporary)\n"
	"      --netns-addr H,N     --netns auto addresses (192.0.2.1,192.0.2.2)\n"
	"Proof by arrival:\n"
	"      --catch              be the outside recipient: listen for SMTP on the\n"
	"                           vantage address; arrived messages are RELAYED\n"
	"      --catch-port N       port of that listener (25)\n"
	"      --catch-wait SEC     wait for deliveries after the last case (30)\n"
	"Timing and output:\n"
	"  -t, --timeout SEC        per command (30)\n"
	"  -T, --total-timeout SEC  whole run (600)\n"
	"      --delay SEC          pause between cases (0)\n"
	"  -f, --format FMT         table, json, tap, nagios or openmetrics (table)\n"
	"      --no-color           no colour even on a terminal\n"
	"  -v, --verbose            SMTP transcript on stderr\n"
	"  -V, --version            print the version\n"
	"  -h, --help               this text\n"
	"Exit: 0 OK, 1 WARNING, 2 CRITICAL (open relay), 3 UNKNOWN.\n";

enum {
	OPT_HOSTED_RCPT = 256, OPT_SERVER_NAME, OPT_SERVER_IP, OPT_HELO, OPT_ONLY,
	OPT_SKIP, OPT_AUTH_FILE, OPT_STARTTLS, OPT_NO_STARTTLS, OPT_TLS_VERIFY,
	OPT_SOURCE, OPT_XCLIENT, OPT_NETNS, OPT_NETNS_ADDR, OPT_DELAY, OPT_NO_COLOR,
	OPT_CATCH, OPT_CATCH_PORT, OPT_CATCH_WAIT, OPT_MX,
};

static const struct option long_opts[] = {
	{"config", required_argument, NULL, 'c'},
	{"hosted", required_argument, NULL, 'H'},
	{"hosted-rcpt", required_argument, NULL, OPT_HOSTED_RCPT},
	{"outside", required_argument, NULL, 'o'},
	{"server-name", required_argument, NULL, OPT_SERVER_NAME},
	{"server-ip", required_argument, NULL, OPT_SERVER_IP},
	{"helo", required_argument, NULL, OPT_HELO},
	{"only", required_argument, NULL, OPT_ONLY},
	{"skip", required_argument, NULL, OPT_SKIP},
	{"list", no_argument, NULL, 'l'},
	{"data", no_argument, NULL, 'd'},
	{"auth", required_argument, NULL, 'a'},
	{"auth-file", required_argument, NULL, OPT_AUTH_FILE},
	{"starttls", no_argument, NULL, OPT_STARTTLS},
	{"no-starttls", no_argument, NULL, OPT_NO_STARTTLS},
	{"tls-verify", no_argument, NULL, OPT_TLS_VERIFY},
	{"source", required_argument, NULL, OPT_SOURCE},
	{"xclient", required_argument, NULL, OPT_XCLIENT},
	{"netns", required_argument, NULL, OPT_NETNS},
	{"netns-addr", required_argument, NULL, OPT_NETNS_ADDR},
	{"catch", no_argument, NULL, OPT_CATCH},
	{"mx", required_argument, NULL, OPT_MX},
	{"catch-port", required_argument, NULL, OPT_CATCH_PORT},
	{"catch-wait", required_argument, NULL, OPT_CATCH_WAIT},
	{"timeout", required_argument, NULL, 't'},
	{"total-timeout", required_argument, NULL, 'T'},
	{"delay", required_argument, NULL, OPT_DELAY},
	{"format", required_argument, NULL, 'f'},
	{"no-color", no_argument, NULL, OPT_NO_COLOR},
	{"verbose", no_argument, NULL, 'v'},
	{"version", no_argument, NULL, 'V'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("relaylock-selftest: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'relaylock-selftest --help'.\n", stderr);
	return EXIT_USAGE;
}

static bool set_str(char *dst, size_t size, const char *src)
{
	int n = snprintf(dst, size, "%s", src);

	return n >= 0 && (size_t)n < size;
}

/* "1.5" seconds -> 1500 ms, bounded to a day. */
static bool parse_seconds(const char *s, unsigned *ms, bool zero_ok)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0) || v > 86400 || (!zero_ok && v <= 0))
		return false;
	*ms = (unsigned)(v * 1000.0 + 0.5);
	return zero_ok || *ms > 0;
}

static bool is_address_text(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"' ||
		    c == '\\' || c == '{' || c == '}')
			return false;
	}
	return true;
}

/* Split HOST[:PORT] / [V6]:PORT / bare V6 into opt->target_host, port. */
static bool parse_target(struct st_options *opt, const char *arg)
{
	const char *colon;

	opt->port = 25;
	if (!set_str(opt->target, sizeof opt->target, arg))
		return false;
	if (arg[0] == '[') {
		const char *end = strchr(arg, ']');

		if (end == NULL || (size_t)(end - arg - 1) >= sizeof opt->target_host)
			return false;
		memcpy(opt->target_host, arg + 1, (size_t)(end - arg - 1));
		opt->target_host[end - arg - 1] = '\0';
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] != '\0' && colon == NULL)
			return false;
	} else {
		colon = strchr(arg, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			colon = NULL; /* bare IPv6 */
		if (!set_str(opt->target_host, sizeof opt->target_host, arg))
			return false;
		if (colon != NULL)
			opt->target_host[colon - arg] = '\0';
	}
	if (colon != NULL) {
		char *end;
		long p = strtol(colon + 1, &end, 10);

		if (end == colon + 1 || *end || p < 1 || p > 65535)
			return false;
		opt->port = (unsigned)p;
	}
	return opt->target_host[0] != '\0';
}

static int resolve(struct st_options *opt, char *err, size_t errsz)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
	char port[8];
	int r;

	snprintf(port, sizeof port, "%u", opt->port);
	r = getaddrinfo(opt->target_host, port, &hints, &ai);
	if (r != 0) {
		snprintf(err, errsz, "cannot resolve %.100s: %.100s", opt->target_host, gai_strerror(r));
		return -1;
	}
	memcpy(&opt->dst, ai->ai_addr, ai->ai_addrlen);
	opt->dst_len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static bool read_auth(struct st_options *opt, const char *arg)
{
	const char *colon = strchr(arg, ':');

	if (colon == NULL || colon == arg || strpbrk(arg, "\r\n") != NULL)
		return false;
	if ((size_t)(colon - arg) >= sizeof opt->auth_user ||
	    !set_str(opt->auth_pass, sizeof opt->auth_pass, colon + 1))
		return false;
	memcpy(opt->auth_user, arg, (size_t)(colon - arg));
	opt->auth_user[colon - arg] = '\0';
	opt->has_auth = true;
	return true;
}

static bool read_auth_file(struct st_options *opt, const char *path)
{
	char line[600];
	FILE *f = fopen(path, "r");
	bool ok;

	if (f == NULL)
		return false;
	ok = fgets(line, sizeof line, f) != NULL;
	fclose(f);
	if (!ok)
		return false;
	line[strcspn(line, "\r\n")] = '\0';
	ok = read_auth(opt, line);
	explicit_bzero(line, sizeof line);
	return ok;
}

/* What the command line holds besides the options of a run. */
struct cli {
	struct st_options *opt;
	struct st_plan *pl;
	const char *config, *mx;
	bool list, no_color;
};

enum { OPT_OK = -1, OPT_NOT_MINE = -2 };

/* The options that say what to try. Returns OPT_OK, OPT_NOT_MINE or an
 * exit status. */
static int what_option(int c, struct cli *k)
{
	switch (c) {
	case 'c':
		k->config = optarg;
		return OPT_OK;
	case 'H':
		if (!st_is_name(optarg) || strchr(optarg, '.') == NULL ||
		    !set_str(k->opt->params.hosted, sizeof k->opt->params.hosted, optarg))
			return usage_error("bad hosted domain: %s", optarg);
		return OPT_OK;
	case OPT_HOSTED_RCPT:
		if (!is_address_text(optarg) || strchr(optarg, '@') == NULL ||
		    !set_str(k->opt->params.hosted_rcpt, sizeof k->opt->params.hosted_rcpt, optarg))
			return usage_error("bad hosted recipient: %s", optarg);
		return OPT_OK;
	case 'o':
		if (!st_set_outside(&k->opt->params, optarg))
			return usage_error("bad outside address or domain: %s", optarg);
		k->pl->outside_given = true;
		return OPT_OK;
	case OPT_SERVER_NAME:
		if (!st_is_name(optarg) ||
		    !set_str(k->opt->params.server_name, sizeof k->opt->params.server_name, optarg))
			return usage_error("bad server name: %s", optarg);
		return OPT_OK;
	case OPT_SERVER_IP: {
		unsigned char buf[16];

		if (inet_pton(AF_INET, optarg, buf) != 1 && inet_pton(AF_INET6, optarg, buf) != 1)
			return usage_error("bad server address: %s", optarg);
		if (!set_str(k->opt->params.server_ip, sizeof k->opt->params.server_ip, optarg))
			return usage_error("bad server address: %s", optarg);
		return OPT_OK;
	}
	case OPT_HELO:
		if (!st_is_name(optarg) && !(optarg[0] == '[' && is_address_text(optarg)))
			return usage_error("bad HELO name: %s", optarg);
		if (!set_str(k->opt->helo, sizeof k->opt->helo, optarg))
			return usage_error("HELO name too long: %s", optarg);
		return OPT_OK;
	case OPT_ONLY:
		k->opt->only = optarg;
		return OPT_OK;
	case OPT_SKIP:
		k->opt->skip = optarg;
		return OPT_OK;
	case 'l':
		k->list = true;
		return OPT_OK;
	case 'd':
		k->opt->data = true;
		return OPT_OK;
	case 'a':
		if (!read_auth(k->opt, optarg))
			return usage_error("--auth wants USER:PASS%s", "");
		return OPT_OK;
	case OPT_AUTH_FILE:
		if (!read_auth_file(k->opt, optarg))
			return usage_error("cannot read USER:PASS from %s", optarg);
		return OPT_OK;
	case OPT_MX:
		if (!st_is_name(optarg) || strchr(optarg, '.') == NULL)
			return usage_error("bad --mx domain: %s", optarg);
		k->mx = optarg;
		return OPT_OK;
	}
	return OPT_NOT_MINE;
}

/* The options of vantage, timing and output. */
static int how_option(int c, struct cli *k)
{
	switch (c) {
	case OPT_STARTTLS:
		k->opt->tls = ST_TLS_REQUIRE;
		return OPT_OK;
	case OPT_NO_STARTTLS:
		k->opt->tls = ST_TLS_NEVER;
		return OPT_OK;
	case OPT_TLS_VERIFY:
		k->opt->tls_verify = true;
		return OPT_OK;
	case OPT_SOURCE:
		if (!st_fill_sockaddr(optarg, 0, &k->opt->src, &k->opt->src_len))
			return usage_error("bad source address: %s", optarg);
		k->opt->has_source = true;
		return OPT_OK;
	case OPT_XCLIENT: {
		unsigned char buf[16];

		if ((inet_pton(AF_INET, optarg, buf) != 1 && inet_pton(AF_INET6, optarg, buf) != 1) ||
		    !set_str(k->opt->xclient, sizeof k->opt->xclient, optarg))
			return usage_error("bad XCLIENT address: %s", optarg);
		return OPT_OK;
	}
	case OPT_NETNS:
		k->pl->netns = optarg;
		return OPT_OK;
	case OPT_NETNS_ADDR: {
		const char *comma = strchr(optarg, ',');

		if (comma == NULL || (size_t)(comma - optarg) >= sizeof k->pl->netns_host ||
		    !set_str(k->pl->netns_peer, sizeof k->pl->netns_peer, comma + 1))
			return usage_error("--netns-addr wants HOSTADDR,NSADDR: %s", optarg);
		memcpy(k->pl->netns_host, optarg, (size_t)(comma - optarg));
		k->pl->netns_host[comma - optarg] = '\0';
		return OPT_OK;
	}
	case OPT_CATCH:
		k->pl->catch_on = true;
		return OPT_OK;
	case OPT_CATCH_PORT: {
		char *end;
		long v = strtol(optarg, &end, 10);

		if (end == optarg || *end || v < 1 || v > 65535)
			return usage_error("bad --catch-port: %s", optarg);
		k->pl->catch_port = (unsigned)v;
		return OPT_OK;
	}
	case OPT_CATCH_WAIT:
		if (!parse_seconds(optarg, &k->opt->catch_wait_ms, true))
			return usage_error("bad --catch-wait: %s", optarg);
		return OPT_OK;
	case 't':
		if (!parse_seconds(optarg, &k->opt->cmd_timeout_ms, false))
			return usage_error("bad timeout: %s", optarg);
		return OPT_OK;
	case 'T':
		if (!parse_seconds(optarg, &k->opt->total_timeout_ms, false))
			return usage_error("bad total timeout: %s", optarg);
		return OPT_OK;
	case OPT_DELAY:
		if (!parse_seconds(optarg, &k->opt->delay_ms, true))
			return usage_error("bad delay: %s", optarg);
		return OPT_OK;
	case 'f':
		if (!st_format_parse(optarg, &k->pl->fmt))
			return usage_error("unknown format: %s (table, json, tap, nagios, openmetrics)", optarg);
		return OPT_OK;
	case OPT_NO_COLOR:
		k->no_color = true;
		return OPT_OK;
	case 'v':
		k->opt->trace = stderr;
		return OPT_OK;
	case 'V':
		printf("relaylock-selftest %s\n", RELAYLOCK_VERSION);
		return 0;
	case 'h':
		fputs(usage_text, stdout);
		return 0;
	}
	return OPT_NOT_MINE;
}

/* Nothing was probed: report UNKNOWN in FMT and return its exit status. */
static int early_unknown(enum st_format fmt, struct st_options *opt, struct st_run *run,
                         const char *vantage, const char *what, const char *err)
{
	run->status = ST_UNKNOWN;
	if (what)
		snprintf(run->summary, sizeof run->summary, "UNKNOWN - %s: %.300s", what, err);
	else
		snprintf(run->summary, sizeof run->summary, "UNKNOWN - %.300s", err);
	set_str(run->vantage, sizeof run->vantage, vantage);
	st_output(stdout, fmt, false, opt, run);
	return ST_UNKNOWN;
}

/* HOST[:PORT] given on the command line. */
static enum st_status run_single(struct st_plan *pl, struct st_options *opt,
                                 struct st_run *run)
{
	char err[256];
	enum st_status status;

	if (resolve(opt, err, sizeof err) < 0) {
		fprintf(stderr, "relaylock-selftest: %s\n", err);
		set_str(opt->dst_text, sizeof opt->dst_text, "-");
		return early_unknown(pl->fmt, opt, run, "-", NULL, err);
	}
	if (st_vantage_enter(pl, opt, err, sizeof err) < 0) {
		st_describe_dst(opt);
		return early_unknown(pl->fmt, opt, run, strcmp(pl->netns, "auto") == 0
		                     ? "netns auto (failed)" : "netns (failed)",
		                     strcmp(pl->netns, "auto") == 0 ? "--netns auto" : "--netns", err);
	}
	status = st_target_probe(pl, opt, run);
	st_netns_cleanup(&pl->ns);
	if (pl->fmt != ST_FMT_TABLE)
		st_output(stdout, pl->fmt, false, opt, run);
	st_run_free(run);
	return status;
}

/* One block of an --mx run: target T of LIST (or the domain, when T is NULL). */
static void mx_block(struct st_plan *pl, const struct st_options *base, const char *domain,
                     const struct st_mx_target *t, const char *why,
                     struct st_options *opt, struct st_run *run)
{
	*opt = *base;
	run->started = time(NULL);
	set_str(opt->target_host, sizeof opt->target_host, t ? t->host : domain);
	set_str(opt->target, sizeof opt->target, opt->target_host);
	set_str(opt->dst_text, sizeof opt->dst_text, t && t->addr[0] ? t->addr : "-");
	if (why == NULL && t->addr[0] &&
	    st_fill_sockaddr(t->addr, opt->port, &opt->dst, &opt->dst_len)) {
		st_target_probe(pl, opt, run);
		return;
	}
	st_target_skip(pl, opt, run, why ? why : t->reason);
}

/* --mx DOMAIN: every address of every MX host, one report. */
static enum st_status run_mx(struct st_plan *pl, const struct st_options *base,
                             const char *domain)
{
	static struct st_mx_list mx;
	static struct st_options opts[ST_MX_TARGETS_MAX];
	static struct st_run runs[ST_MX_TARGETS_MAX];
	struct st_block blocks[ST_MX_TARGETS_MAX];
	char err[256];
	size_t n = 1;
	enum st_status worst;

	if (st_mx_lookup(domain, &mx) < 0) {
		snprintf(err, sizeof err, "MX of %.200s", mx.error);
		mx_block(pl, base, domain, NULL, err, &opts[0], &runs[0]);
	} else if (st_vantage_enter(pl, base, err, sizeof err) < 0) {
		mx_block(pl, base, domain, NULL, err, &opts[0], &runs[0]);
	} else {
		for (n = 0; n < mx.n; n++)
			mx_block(pl, base, domain, &mx.t[n], NULL, &opts[n], &runs[n]);
		st_netns_cleanup(&pl->ns);
	}
	for (size_t i = 0; i < n; i++)
		blocks[i] = (struct st_block){.opt = &opts[i], .run = &runs[i]};
	worst = st_output_blocks(stdout, pl->fmt, pl->color, domain, blocks, n);
	for (size_t i = 0; i < n; i++)
		st_run_free(&runs[i]);
	return worst;
}

static void on_signal(int sig)
{
	(void)sig;
	smtp_abort = 1;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
	static struct st_options opt;
	static struct st_run run;
	static struct st_plan pl = {.fmt = ST_FMT_TABLE, .catch_port = 25,
	                            .netns_host = "192.0.2.1", .netns_peer = "192.0.2.2",
	                            .ns = {.orig_fd = -1}};
	struct cli k = {.opt = &opt, .pl = &pl};
	const char *config, *mx;
	int c, status;

	run.started = time(NULL);
	opt.cmd_timeout_ms = 30000;
	opt.catch_wait_ms = 30000;
	opt.total_timeout_ms = 600000;
	opt.tls = ST_TLS_AUTO;
	set_str(opt.helo, sizeof opt.helo, "relaylock-selftest.invalid");
	st_set_outside(&opt.params, "relaytest@example.net");

	while ((c = getopt_long(argc, argv, "c:H:o:lda:t:T:f:vVh", long_opts, NULL)) != -1) {
		int rc = what_option(c, &k);

		if (rc == OPT_NOT_MINE)
			rc = how_option(c, &k);
		if (rc == OPT_NOT_MINE) {
			fputs("Try 'relaylock-selftest --help'.\n", stderr);
			return EXIT_USAGE;
		}
		if (rc != OPT_OK)
			return rc;
	}
	config = k.config;
	mx = k.mx;
	if (opt.only) {
		size_t n, hit = 0;
		const struct st_case *cs = st_cases(&n);

		for (size_t i = 0; i < n; i++)
			hit += st_name_in_list(cs[i].name, opt.only);
		if (hit == 0)
			return usage_error("--only %s selects no case (see --list)", opt.only);
	}

	if (config != NULL) {
		char hosted[256] = "";

		if (opt.params.hosted[0])
			set_str(hosted, sizeof hosted, opt.params.hosted);
		pl.cfg = st_conf_load(config, hosted, sizeof hosted, stderr);
		if (pl.cfg == NULL)
			return EXIT_USAGE;
		if (opt.params.hosted[0] == '\0')
			set_str(opt.params.hosted, sizeof opt.params.hosted, hosted);
	}

	if (k.list) {
		struct st_params p = opt.params;

		if (!p.hosted[0])
			set_str(p.hosted, sizeof p.hosted, "{H}");
		if (!p.server_name[0])
			set_str(p.server_name, sizeof p.server_name, "{S}");
		if (!p.server_ip[0])
			set_str(p.server_ip, sizeof p.server_ip, "{IP}");
		set_str(p.server_ip6, sizeof p.server_ip6, "{IP6}");
		/* What the run would use: postmaster at the hosted domain. */
		if (!p.hosted_rcpt[0])
			snprintf(p.hosted_rcpt, sizeof p.hosted_rcpt, "postmaster@%.250s", p.hosted);
		st_list_cases(stdout, &p);
		rl_config_free(pl.cfg);
		return 0;
	}

	if (mx != NULL && opt.params.hosted[0] == '\0')
		set_str(opt.params.hosted, sizeof opt.params.hosted, mx);
	if (mx != NULL && optind != argc) {
		rl_config_free(pl.cfg);
		return usage_error("--mx %s takes no HOST[:PORT]", mx);
	}
	if (mx == NULL && optind != argc - 1) {
		rl_config_free(pl.cfg);
		return usage_error("%s", optind >= argc ? "no target HOST[:PORT] given"
		                                         : "only one target HOST[:PORT]");
	}
	if (mx != NULL)
		opt.port = 25;
	else if (!parse_target(&opt, argv[optind])) {
		rl_config_free(pl.cfg);
		return usage_error("bad target: %s (HOST[:PORT], [IPV6]:PORT)", argv[optind]);
	}
	if (opt.params.hosted[0] == '\0') {
		rl_config_free(pl.cfg);
		return usage_error("%s", config ? "no usable hosted domain in the configuration: use --hosted"
		                                : "no hosted domain: use --hosted DOMAIN or -c relaylock.conf");
	}
	if (opt.params.hosted_rcpt[0] == '\0' &&
	    snprintf(opt.params.hosted_rcpt, sizeof opt.params.hosted_rcpt, "postmaster@%s",
	             opt.params.hosted) >= (int)sizeof opt.params.hosted_rcpt) {
		rl_config_free(pl.cfg);
		return usage_error("hosted domain too long: %s", opt.params.hosted);
	}
	pl.color = !k.no_color && pl.fmt == ST_FMT_TABLE && isatty(1) && getenv("NO_COLOR") == NULL;
	install_signals();
	pl.mx = mx != NULL;
	status = mx ? run_mx(&pl, &opt, mx) : run_single(&pl, &opt, &run);
	rl_config_free(pl.cfg);
	explicit_bzero(opt.auth_pass, sizeof opt.auth_pass);
	if (smtp_abort && status == ST_OK)
		status = ST_UNKNOWN;
	return (int)status;
}
