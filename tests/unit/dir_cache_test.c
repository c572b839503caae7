/* dir_cache_test.c - per-domain cache: TTL, bounds, stale-if-error, single
 * flight, no blocking across domains. The "directory" is a function that
 * counts its calls and answers from a rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dir_cache.h"

static time_t fake_now = 1000;
static atomic_int calls;
static enum rl_dir_answer next_answer; /* RL_DIR_ERROR: the server is down */
static atomic_int delay_ms;
static bool unhosted;          /* "h" domains removed */

static time_t fake_clock(void)
{
	return fake_now;
}

/* Hosted: domains starting "h"; ERROR for domains starting "e", and for
 * everything while next_answer is RL_DIR_ERROR. */
static enum rl_dir_answer directory(void *arg, const char *d, char *why, size_t cap)
{
	(void)arg;
	atomic_fetch_add(&calls, 1);
	if (atomic_load(&delay_ms))
		usleep((useconds_t)atomic_load(&delay_ms) * 1000);
	snprintf(why, cap, "asked");
	if (next_answer == RL_DIR_ERROR || d[0] == 'e')
		return RL_DIR_ERROR;
	return d[0] == 'h' && !unhosted ? RL_DIR_FOUND : RL_DIR_NOT_FOUND;
}

static struct rl_dir_cache *make(size_t pos, size_t neg)
{
	struct rl_dir_cache_opts o = {.ttl = 60, .max_pos = pos, .max_neg = neg,
	                              .now = fake_clock};

	fake_now = 1000;
	atomic_store(&calls, 0);
	atomic_store(&delay_ms, 0);
	next_answer = RL_DIR_FOUND;
	return rl_dir_cache_new(&o);
}

static enum rl_dir_answer look(struct rl_dir_cache *c, const char *d)
{
	char why[RL_DIR_WHY_MAX];

	return rl_dir_cache_lookup(c, d, directory, NULL, why, sizeof why);
}

static void test_ttl(void **state)
{
	struct rl_dir_cache *c = make(10, 10);

	(void)state;
	assert_int_equal(look(c, "hosted.example"), RL_DIR_FOUND);
	assert_int_equal(look(c, "hosted.example"), RL_DIR_FOUND);
	assert_int_equal(look(c, "other.example"), RL_DIR_NOT_FOUND);
	assert_int_equal(look(c, "other.example"), RL_DIR_NOT_FOUND);
	assert_int_equal(calls, 2);
	fake_now += 59;
	look(c, "hosted.example");
	look(c, "other.example");
	assert_int_equal(calls, 2);
	fake_now += 1; /* the TTL is over: asked again */
	look(c, "hosted.example");
	look(c, "other.example");
	assert_int_equal(calls, 4);
	rl_dir_cache_free(c);
}

static void test_error_not_cached_stale_positive(void **state)
{
	struct rl_dir_cache *c = make(10, 10);
	struct rl_dir_cache_stats st;
	char why[RL_DIR_WHY_MAX];

	(void)state;
	assert_int_equal(look(c, "error.example"), RL_DIR_ERROR);
	assert_int_equal(look(c, "error.example"), RL_DIR_ERROR);
	assert_int_equal(calls, 2); /* an ERROR is never an answer to keep */
	look(c, "hosted.example");
	look(c, "other.example");
	fake_now += 3600;
	next_answer = RL_DIR_ERROR; /* the server goes down */
	assert_int_equal(rl_dir_cache_lookup(c, "hosted.example", directory, NULL,
	                                     why, sizeof why), RL_DIR_FOUND);
	assert_non_null(strstr(why, "stale"));
	/* A stale negative is not served: 451, never 550. */
	assert_int_equal(look(c, "other.example"), RL_DIR_ERROR);
	assert_int_equal(look(c, "never.example"), RL_DIR_ERROR);
	rl_dir_cache_stats(c, &st);
	assert_int_equal(st.stale, 1);
	next_answer = RL_DIR_FOUND; /* back: answers are fresh again */
	assert_int_equal(look(c, "hosted.example"), RL_DIR_FOUND);
	assert_int_equal(look(c, "other.example"), RL_DIR_NOT_FOUND);
	rl_dir_cache_free(c);
}

/* A domain removed from the directory moves from positive to negative,
 * and back when it returns. */
static void test_answer_changes(void **state)
{
	struct rl_dir_cache *c = make(10, 10);
	struct rl_dir_cache_stats st;

	(void)state;
	assert_int_equal(look(c, "hosted.example"), RL_DIR_FOUND);
	fake_now += 61;
	unhosted = true;
	assert_int_equal(look(c, "hosted.example"), RL_DIR_NOT_FOUND);
	rl_dir_cache_stats(c, &st);
	assert_int_equal(st.pos, 0);
	assert_int_equal(st.neg, 1);
	fake_now += 61;
	unhosted = false;
	assert_int_equal(look(c, "hosted.example"), RL_DIR_FOUND);
	rl_dir_cache_stats(c, &st);
	assert_int_equal(st.pos, 1);
	assert_int_equal(st.neg, 0);
	rl_dir_cache_free(c);
}

/* Random domains can fill the negative table, never evict positives. */
static void test_burst_keeps_positives(void **state)
{
	struct rl_dir_cache *c = make(100, 64);
	char d[64];

	(void)state;
	for (int i = 0; i < 100; i++) {
		snprintf(d, sizeof d, "h%d.example", i);
		assert_int_equal(look(c, d), RL_DIR_FOUND);
	}
	for (int i = 0; i < 20000; i++) {
		snprintf(d, sizeof d, "r%d-%d.example", i, rand());
		assert_int_equal(look(c, d), RL_DIR_NOT_FOUND);
	}
	atomic_store(&calls, 0);
	for (int i = 0; i < 100; i++) {
		snprintf(d, sizeof d, "h%d.example", i);
		assert_int_equal(look(c, d), RL_DIR_FOUND);
	}
	assert_int_equal(calls, 0);
	/* One query per distinct domain: 64 repeated domains, once each. */
	for (int round = 0; round < 5; round++)
		for (int i = 0; i < 64; i++) {
			snprintf(d, sizeof d, "again%d.example", i);
			look(c, d);
		}
	assert_int_equal(calls, 64);
	rl_dir_cache_free(c);
}

/* A million random domains, half hosted: the bound holds. */
static void test_million_bounded(void **state)
{
	struct rl_dir_cache *c = make(5000, 2000);
	struct rl_dir_cache_stats st;
	char d[64];
#ifndef __SANITIZE_ADDRESS__
	struct mallinfo2 before = mallinfo2(), after;
#endif

	(void)state;
	srand(1);
	for (int i = 0; i < 1000000; i++) {
		snprintf(d, sizeof d, "%c%08x%08x.example", (i & 1) ? 'h' : 'r',
		         (unsigned)rand(), (unsigned)i);
		look(c, d);
		if (i % 100000 == 0)
			fake_now++;
	}
	rl_dir_cache_stats(c, &st);
	assert_int_equal(st.pos, 5000);
	assert_int_equal(st.neg, 2000);
	assert_true(st.bytes <= st.bytes_max);
	assert_int_equal(st.queries, 1000000);
#ifndef __SANITIZE_ADDRESS__
	after = mallinfo2();
	/* The heap grew by no more than the cache's own bound. */
	assert_true(after.uordblks <= before.uordblks + st.bytes_max);
#endif
	rl_dir_cache_free(c);
}

struct job {
	struct rl_dir_cache *c;
	const char *domain;
	enum rl_dir_answer ans;
	double seconds;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
	struct job *j = arg;
	double t0 = now_s();

	j->ans = look(j->c, j->domain);
	j->seconds = now_s() - t0;
	return NULL;
}

/* Eight concurrent lookups of one domain: one query, one answer for all. */
static void test_single_flight(void **state)
{
	struct rl_dir_cache *c = make(10, 10);
	struct rl_dir_cache_stats st;
	pthread_t t[8];
	struct job j[8];

	(void)state;
	atomic_store(&delay_ms, 300);
	for (int i = 0; i < 8; i++) {
		j[i] = (struct job){.c = c, .domain = "hosted.example"};
		assert_int_equal(pthread_create(&t[i], NULL, worker, &j[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(j[i].ans, RL_DIR_FOUND);
	}
	assert_int_equal(calls, 1);
	rl_dir_cache_stats(c, &st);
	assert_int_equal(st.waits, 7);
	rl_dir_cache_free(c);
}

/* A slow query of one domain delays no other domain's answer. */
static void test_no_blocking_across_domains(void **state)
{
	struct rl_dir_cache *c = make(10, 10);
	struct job slow = {.c = NULL, .domain = "hslow.example"};
	struct job fast;
	pthread_t t;
	double t0;

	(void)state;
	slow.c = c;
	look(c, "hcached.example");
	atomic_store(&delay_ms, 1500);
	assert_int_equal(pthread_create(&t, NULL, worker, &slow), 0);
	usleep(100000); /* the slow query is under way */
	t0 = now_s();
	assert_int_equal(look(c, "hcached.example"), RL_DIR_FOUND);
	assert_true(now_s() - t0 < 0.2);
	atomic_store(&delay_ms, 0);
	fast = (struct job){.c = c, .domain = "other.example"};
	worker(&fast);
	assert_int_equal(fast.ans, RL_DIR_NOT_FOUND);
	assert_true(fast.seconds < 0.5);
	pthread_join(t, NULL);
	assert_int_equal(slow.ans, RL_DIR_FOUND);
	assert_true(slow.seconds >= 1.4);
	rl_dir_cache_free(c);
}

/* Peek: the cache alone, no query: a positive of any age, a negative
 * within TTL + grace, else ERROR (never a guess). */
static void test_peek(void **state)
{
	static const struct {
		time_t age;
		const char *domain;
		enum rl_dir_answer want;
	} cases[] = {
		{0, "hosted.example", RL_DIR_FOUND},
		{0, "other.example", RL_DIR_NOT_FOUND},
		{0, "unseen.example", RL_DIR_ERROR},
		{0, "error.example", RL_DIR_ERROR},  /* errors are not cached */
		{0, "", RL_DIR_ERROR},
		{69, "other.example", RL_DIR_NOT_FOUND}, /* ttl 60 + grace 10 */
		{70, "other.example", RL_DIR_ERROR},
		{3600, "hosted.example", RL_DIR_FOUND},  /* stale-if-error */
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rl_dir_cache *c = make(10, 10);

		look(c, "hosted.example");
		look(c, "other.example");
		look(c, "error.example");
		atomic_store(&calls, 0);
		fake_now += cases[i].age;
		if (rl_dir_cache_peek(c, cases[i].domain, 10) != cases[i].want)
			fail_msg("case %zu: %s after %lds", i, cases[i].domain,
			         (long)cases[i].age);
		assert_int_equal(calls, 0); /* no I/O */
		rl_dir_cache_free(c);
	}
}

static void test_odd_keys(void **state)
{
	struct rl_dir_cache *c = make(10, 10);
	char long_domain[400];

	(void)state;
	memset(long_domain, 'h', sizeof long_domain - 1);
	long_domain[sizeof long_domain - 1] = '\0';
	/* Longer than any domain: passed through, never cached. */
	assert_int_equal(look(c, long_domain), RL_DIR_FOUND);
	assert_int_equal(look(c, long_domain), RL_DIR_FOUND);
	assert_int_equal(calls, 2);
	assert_true(rl_dir_cache_entry_max() >= 256);
	rl_dir_cache_free(c);
	rl_dir_cache_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ttl),
		cmocka_unit_test(test_error_not_cached_stale_positive),
		cmocka_unit_test(test_answer_changes),
		cmocka_unit_test(test_burst_keeps_positives),
		cmocka_unit_test(test_million_bounded),
		cmocka_unit_test(test_single_flight),
		cmocka_unit_test(test_no_blocking_across_domains),
		cmocka_unit_test(test_odd_keys),
		cmocka_unit_test(test_peek),
	};

	return cmocka_run_group_tests_name("dir_cache", tests, NULL, NULL);
}
