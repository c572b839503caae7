/* dirq.c - lookups through the directory library, for the tests and the
 * benchmark. Built for tests only.
 *
 *   dirq [-t TIMEOUT] [-c TTL] SPEC [DOMAIN...]
 *
 * Looks up each DOMAIN, or each line of standard input when none is
 * given (one process: its connections and cache live across the lines),
 * and prints "DOMAIN FOUND|NOT_FOUND|ERROR MILLISECONDS why" per domain.
 * -c puts the cache (TTL seconds) in front of the directory.
 *
 *   dirq -m [-t TIMEOUT] [-c TTL] SPEC SLOW DOMAIN...
 *
 * Concurrency: SLOW is looked up on a thread of its own; 200 ms later each
 * DOMAIN is looked up while SLOW's query is still running. Prints the
 * DOMAINs' lines first, then SLOW's.
 *
 *   dirq -p SPEC
 *
 * The -t probe (rl_dir_probe): "PROBE FOUND|NOT_FOUND|ERROR why".
 *
 *   dirq -b N [-c TTL] SPEC PREFIX [SUFFIX]
 *
 * Benchmark: N uncached lookups of PREFIX0SUFFIX..PREFIX(N-1)SUFFIX (median and 99th
 * percentile), then N lookups of the same, now cached (lookups/s).
 * Exit: 0, or 2 for usage and configuration errors.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dir_cache.h"
#include "directory.h"

static const char *const names[] = {"NOT_FOUND", "FOUND", "ERROR"};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static enum rl_dir_answer one(struct rl_dir *dir, struct rl_dir_cache *cache,
                              const char *domain, char *why, size_t cap)
{
	if (cache)
		return rl_dir_cache_lookup(cache, domain, rl_dir_lookup_cb, dir, why, cap);
	return rl_dir_lookup(dir, domain, why, cap);
}

static void lookup_print(struct rl_dir *dir, struct rl_dir_cache *cache,
                         const char *domain)
{
	char why[RL_DIR_WHY_MAX];
	double t0 = now_ms();
	enum rl_dir_answer a = one(dir, cache, domain, why, sizeof why);

	printf("%s %s %.0f %s\n", domain, names[a], now_ms() - t0, why);
	fflush(stdout);
}

struct slow_job {
	struct rl_dir *dir;
	struct rl_dir_cache *cache;
	const char *domain;
	enum rl_dir_answer ans;
	double ms;
	char why[RL_DIR_WHY_MAX];
};

static void *slow_thread(void *arg)
{
	struct slow_job *j = arg;
	double t0 = now_ms();

	j->ans = one(j->dir, j->cache, j->domain, j->why, sizeof j->why);
	j->ms = now_ms() - t0;
	return NULL;
}

static int concurrent(struct rl_dir *dir, struct rl_dir_cache *cache,
                      char **domains, int n)
{
	struct slow_job j = {.dir = dir, .cache = cache, .domain = domains[0]};
	pthread_t t;

	if (n < 1 || pthread_create(&t, NULL, slow_thread, &j) != 0)
		return 2;
	usleep(200000);
	for (int i = 1; i < n; i++)
		lookup_print(dir, cache, domains[i]);
	pthread_join(t, NULL);
	printf("%s %s %.0f %s\n", j.domain, names[j.ans], j.ms, j.why);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static int bench(struct rl_dir *dir, struct rl_dir_cache *cache, long n,
                 const char *prefix, const char *suffix)
{
	double *t = malloc((size_t)n * sizeof *t), t0, all;
	char d[300], why[RL_DIR_WHY_MAX];
	long found = 0, errors = 0;

	if (!t || !cache)
		return 2;
	for (long i = 0; i < n; i++) {
		snprintf(d, sizeof d, "%s%ld%s", prefix, i, suffix);
		t0 = now_ms();
		switch (one(dir, cache, d, why, sizeof why)) {
		case RL_DIR_FOUND: found++; break;
		case RL_DIR_ERROR: errors++; break;
		default: break;
		}
		t[i] = now_ms() - t0;
	}
	qsort(t, (size_t)n, sizeof *t, cmp_double);
	printf("uncached_lookups %ld found %ld errors %ld median_ms %.3f p99_ms %.3f\n",
	       n, found, errors, t[n / 2], t[(n * 99) / 100]);
	t0 = now_ms();
	for (int round = 0; round < 10; round++)
		for (long i = 0; i < n; i++) {
			snprintf(d, sizeof d, "%s%ld%s", prefix, i, suffix);
			one(dir, cache, d, why, sizeof why);
		}
	all = now_ms() - t0;
	printf("cached_lookups_per_s %.0f rss_kb %ld\n", 10.0 * (double)n / (all / 1e3),
	       rss_kb());
	free(t);
	return errors ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct rl_dir_cache_opts o = {0};
	struct rl_dir_cache *cache = NULL;
	struct rl_diag diag;
	struct rl_dir *dir;
	unsigned timeout = 0;
	long n_bench = 0;
	int probe = 0, many = 0;
	char line[1024];
	int c, status = 0;

	while ((c = getopt(argc, argv, "t:c:b:pm")) != -1) {
		switch (c) {
		case 'm': many = 1; break;
		case 'p': probe = 1; break;
		case 't': timeout = (unsigned)atoi(optarg); break;
		case 'c': o.ttl = (unsigned)atoi(optarg); break;
		case 'b': n_bench = atol(optarg); break;
		default: return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: dirq [-t TIMEOUT] [-c TTL] [-b N] SPEC [DOMAIN...]\n");
		return 2;
	}
	rl_diag_init(&diag);
	if (!(dir = rl_dir_open(argv[optind], timeout, &diag))) {
		for (size_t i = 0; i < diag.n; i++)
			fprintf(stderr, "dirq: %s\n", diag.msg[i]);
		return 2;
	}
	if (o.ttl || n_bench) {
		o.max_pos = n_bench > 0 ? (size_t)n_bench : 0;
		cache = rl_dir_cache_new(&o);
	}
	if (many)
		status = concurrent(dir, cache, argv + optind + 1, argc - optind - 1);
	else if (probe) {
		char why[RL_DIR_WHY_MAX];

		printf("PROBE %s %s\n", names[rl_dir_probe(dir, why, sizeof why)], why);
	} else if (n_bench > 0 && optind + 1 < argc)
		status = bench(dir, cache, n_bench, argv[optind + 1],
		               optind + 2 < argc ? argv[optind + 2] : "");
	else if (optind + 1 < argc)
		for (int i = optind + 1; i < argc; i++)
			lookup_print(dir, cache, argv[i]);
	else
		while (fgets(line, sizeof line, stdin)) {
			line[strcspn(line, "\n")] = '\0';
			lookup_print(dir, cache, line);
		}
	rl_dir_cache_free(cache);
	rl_dir_free(dir);
	return status;
}
