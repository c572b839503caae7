/* source_bench.c - make bench figures for the Postfix source: load time
 * and memory of 1M domains from a hash (built by postmap) and a texthash
 * table, and decisions per second of a whole source whose lists hold
 * regexp rules and a 1M-key hash table. Prints "bench: NAME VALUE UNIT". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pf_table.h"
#include "source.h"
#include "table_util.h"

#define N_DOMAINS 1000000

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Resident set size in KiB, from /proc/self/statm. */
static long rss_kib(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f && fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = 0;
	if (f)
		fclose(f);
	return resident * 4;
}

static const char *write_domains(const char *name)
{
	const char *path = tu_fmt("%s/%s", tu_dir(), name);
	FILE *f = fopen(path, "w");

	if (!f)
		exit(1);
	for (long i = 0; i < N_DOMAINS; i++)
		fprintf(f, "d%ld.bench-%ld.example OK\n", i, i % 977);
	fclose(f);
	return path;
}

static void load(const char *label, const char *spec)
{
	struct rl_diag diag;
	long before = rss_kib();
	double t0 = now();
	struct pf_table *t;

	rl_diag_init(&diag);
	t = pf_table_open(spec, "bench", 0, &diag);
	if (!t || t->error[0] || rl_domain_set_count(t->keys) != N_DOMAINS) {
		fprintf(stderr, "%s: load failed %s\n", spec, t ? t->error : diag.msg[0]);
		exit(1);
	}
	printf("bench: sources_%s_load_1m %.3f s\n", label, now() - t0);
	printf("bench: sources_%s_rss_1m %.1f MiB\n", label,
	       (double)(rss_kib() - before) / 1024.0);
	pf_table_free(t);
}

static void decisions(const char *hash)
{
	const char *dir = tu_fmt("%s/pf", tu_dir());
	struct rl_diag e, w;
	struct rl_source *src;
	char name[64];
	long n = 0, yes = 0;
	double t0;

	tu_write("pf.re", "/^mx[0-9]+\\.bench\\.example$/ OK\nif /\\.example$/\n"
	         "/^(www|mail)\\.d[0-9]+\\.example$/ OK\nendif\n");
	if (system(tu_fmt("mkdir -p %s", dir)) != 0)
		exit(1);
	tu_write("pf/main.cf", tu_fmt("compatibility_level = 3.6\nmyhostname = mx.test\n"
	         "virtual_alias_domains = regexp:%s/pf.re\nrelay_domains = a.test,"
	         " hash:%s\n", tu_dir(), hash));
	rl_diag_init(&e);
	rl_diag_init(&w);
	if (!(src = rl_source_open(tu_fmt("postfix:%s", dir), &e, &w))) {
		fprintf(stderr, "source: %s\n", e.msg[0]);
		exit(1);
	}
	t0 = now();
	for (; n < 1000000; n++) {
		snprintf(name, sizeof name, "x.d%ld.bench-%ld.example", n * 7, n % 977);
		yes += rl_source_match(src, name, NULL, 0) == RL_SRC_YES;
	}
	printf("bench: sources_postfix_decisions_per_s %.0f 1/s\n", (double)n / (now() - t0));
	if (yes == 0)
		exit(1); /* the parent lookups must have found the hash keys */
	rl_source_free(src);
}

int main(void)
{
	const char *hash = write_domains("bench-hash");
	const char *text = write_domains("bench-text");

	tu_postmap("hash", hash);
	load("texthash", tu_fmt("texthash:%s", text));
	load("hash", tu_fmt("hash:%s", hash));
	decisions(hash);
	return 0;
}
