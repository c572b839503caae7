/* core_bench.c - policy-core figures: decisions per second at 1k, 100k and
 * 1M hosted domains (with 100k trusted networks), and the cost of loading
 * a 1M-domain config. Prints "bench: NAME VALUE UNIT" lines; asserts
 * nothing. "--decisions N" runs exactly N decisions (for callgrind);
 * "--decisions N --metrics" also times and counts each one the way the
 * milter layer does (metrics.c), for the cost of the counters. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "metrics.h"
#include "policy.h"

#define MIX 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct rl_policy *make_policy(size_t n_domains, size_t n_nets)
{
	struct rl_domain_set *d = rl_domain_set_new();
	struct rl_net_set *n = rl_net_set_new();
	struct rl_policy_params params;
	char text[64];
	const char *err;
	uint32_t a, b;

	for (size_t i = 0; i < n_domains; i++) {
		int len = snprintf(text, sizeof text, "d%zu.example%zu.com", i, i % 97);

		if (rl_domain_set_add(d, text, (size_t)len, &err) != 0)
			abort();
	}
	for (size_t i = 0; i < n_nets; i++) {
		snprintf(text, sizeof text, "%s%zu.%zu.%zu.0/24", i % 10 ? "" : "!",
		         10 + (i >> 16), (i >> 8) & 255, i & 255);
		if (rl_net_set_add(n, text, 0, &err) != 0)
			abort();
	}
	if (rl_net_set_build(n, &a, &b) != 0)
		abort();
	rl_policy_params_default(&params);
	return rl_policy_new(d, n, &params);
}

/* A fixed, realistic mix: hosted, outside, tricks, trusted and untrusted
 * clients, with and without the MTA's resolution. */
struct mix {
	struct rl_request req[MIX];
	struct rl_ip ip[MIX];
	char rcpt[MIX][96];
	char resolved[MIX][96];
};

static void make_trick(char *buf, size_t size, size_t i, size_t k)
{
	switch (i % 6) {
	case 0: snprintf(buf, size, "<u%%ext.example@d%zu.example%zu.com>", k, k % 97); break;
	case 1: snprintf(buf, size, "<ext.example!u@d%zu.example%zu.com>", k, k % 97); break;
	case 2: snprintf(buf, size, "<@d%zu.example%zu.com:u@ext.example>", k, k % 97); break;
	case 3: snprintf(buf, size, "<\"u@ext\"@d%zu.example%zu.com>", k, k % 97); break;
	case 4: snprintf(buf, size, "<u@ext.example@d%zu.example%zu.com>", k, k % 97); break;
	default: snprintf(buf, size, "<u@[192.0.2.%zu]>", k % 250); break;
	}
}

static void make_mix(struct mix *m, size_t n_domains)
{
	static const char *const clients[] = {"203.0.113.9", "10.0.5.1", "198.51.100.7",
	                                      "2001:db8::1", "10.0.10.1"};

	memset(m, 0, sizeof *m);
	for (size_t i = 0; i < MIX; i++) {
		size_t k = (i * 7919) % n_domains;

		switch (i % 8) {
		case 0: case 1: case 2: /* hosted, half with the MTA's resolution */
			snprintf(m->resolved[i], sizeof m->resolved[i], "user%zu@d%zu.example%zu.com",
			         i, k, k % 97);
			snprintf(m->rcpt[i], sizeof m->rcpt[i], "<%s>", m->resolved[i]);
			if (i % 2) {
				m->req[i].resolved_addr = m->resolved[i];
				m->req[i].resolved_mailer = "smtp";
			}
			break;
		case 3: case 4: /* outside */
			snprintf(m->rcpt[i], sizeof m->rcpt[i], "<user%zu@outside%zu.example>", i, k);
			break;
		default:
			make_trick(m->rcpt[i], sizeof m->rcpt[i], i, k);
		}
		m->req[i].rcpt = m->rcpt[i];
		if (!rl_ip_parse(clients[i % 5], &m->ip[i]))
			abort();
		m->req[i].client = &m->ip[i];
	}
}

static bool with_metrics;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static unsigned long run(const struct rl_policy *p, const struct mix *m,
                         unsigned long n)
{
	struct rl_decision d;
	unsigned long accepted = 0;

	for (unsigned long i = 0; i < n; i++) {
		uint64_t t0 = with_metrics ? now_ns() : 0;

		rl_decide(p, &m->req[i % MIX], &d);
		if (with_metrics)
			rl_metrics_decision(rl_metric_action_of(d.verdict, d.action), d.reason,
			                    now_ns() - t0);
		accepted += d.verdict == RL_ACCEPT;
	}
	return accepted;
}

/* Best of three runs of about 0.3 s each. */
static double decisions_per_s(const struct rl_policy *p, const struct mix *m)
{
	double best = 0;

	for (int r = 0; r < 3; r++) {
		unsigned long n = 0, batch = 100000;
		double t0 = now(), t;

		do {
			run(p, m, batch);
			n += batch;
			t = now() - t0;
		} while (t < 0.3 && n < 100000000ul);
		if (n / t > best)
			best = n / t;
	}
	return best;
}

static void write_lists(const char *dir, size_t n_domains, size_t n_nets)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/domains", dir);
	if (!(f = fopen(path, "w")))
		abort();
	for (size_t i = 0; i < n_domains; i++)
		fprintf(f, "d%zu.example%zu.com\n", i, i % 97);
	fclose(f);
	snprintf(path, sizeof path, "%s/networks", dir);
	if (!(f = fopen(path, "w")))
		abort();
	for (size_t i = 0; i < n_nets; i++)
		fprintf(f, "%zu.%zu.%zu.0/24\n", 10 + (i >> 16), (i >> 8) & 255, i & 255);
	fclose(f);
	snprintf(path, sizeof path, "%s/relaylock.conf", dir);
	if (!(f = fopen(path, "w")))
		abort();
	fputs("hosted_domains_file = \"domains\"\ntrusted_networks_file = \"networks\"\n", f);
	fclose(f);
}

/* Load in a fresh child so its peak RSS is the loader's alone. */
static void bench_load(const char *dir)
{
	char path[512];
	int fds[2];
	double secs = -1;
	struct rusage ru;
	int status;
	pid_t pid;

	snprintf(path, sizeof path, "%s/relaylock.conf", dir);
	if (pipe(fds) != 0 || (pid = fork()) < 0)
		abort();
	if (pid == 0) {
		struct rl_diag *diag = malloc(sizeof *diag);
		double t0 = now();
		struct rl_config *c;

		rl_diag_init(diag);
		c = rl_config_load(path, diag);
		secs = c ? now() - t0 : -1;
		if (write(fds[1], &secs, sizeof secs) != sizeof secs)
			_exit(1);
		_exit(c ? 0 : 1);
	}
	close(fds[1]);
	if (read(fds[0], &secs, sizeof secs) != sizeof secs)
		secs = -1;
	close(fds[0]);
	if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "core_bench: loading %s failed\n", path);
		exit(1);
	}
	printf("bench: load_1m_domains_s %.3f s\n", secs);
	printf("bench: rss_1m_domains_mb %.1f MB\n", (double)ru.ru_maxrss / 1024.0);
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = {1000, 100000, 1000000};
	struct mix *m = malloc(sizeof *m);

	if (!m)
		return 1;
	with_metrics = argc == 4 && strcmp(argv[3], "--metrics") == 0;
	if ((argc == 3 || with_metrics) && strcmp(argv[1], "--decisions") == 0) {
		/* For callgrind: small sets, exactly N decisions. */
		struct rl_policy *p = make_policy(1000, 1000);

		make_mix(m, 1000);
		printf("accepted %lu\n", run(p, m, strtoul(argv[2], NULL, 10)));
		rl_policy_free(p);
		free(m);
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: core_bench SCRATCH_DIR | --decisions N [--metrics]\n");
		return 64;
	}
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct rl_policy *p = make_policy(sizes[i], 100000);
		double rate;

		make_mix(m, sizes[i]);
		rate = decisions_per_s(p, m);
		printf("bench: core_decisions_per_s_%zuk_domains %.0f decisions/s\n",
		       sizes[i] / 1000, rate);
		if (sizes[i] == 1000000)
			printf("bench: core_decisions_per_s %.0f decisions/s\n", rate);
		fflush(stdout);
		rl_policy_free(p);
	}
	write_lists(argv[1], 1000000, 100000);
	bench_load(argv[1]);
	free(m);
	return 0;
}
