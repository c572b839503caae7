/* source_threads_test.c - a loaded source is read-only: threads matching
 * at once (regexp, pcre, hash, lists) get the answers one thread gets.
 * Run it under SANITIZE=thread to see any data race. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "source.h"
#include "table_util.h"

#define THREADS 4
#define ROUNDS 2000

static const char *const domains[] = {
	"a.test", "x.r.test", "re12.test", "pc7.test", "k.test", "x.k.test",
	"outside.test", "f.test", "nope.test", "m.test",
};
#define N_DOMAINS (sizeof domains / sizeof domains[0])

struct job {
	const struct rl_source *src;
	enum rl_src_answer want[N_DOMAINS];
	int mismatches;
};

static void *worker(void *arg)
{
	struct job *j = arg;
	char why[RL_SRC_WHY_MAX];

	for (int r = 0; r < ROUNDS; r++)
		for (size_t i = 0; i < N_DOMAINS; i++)
			if (rl_source_match(j->src, domains[i], why, sizeof why) != j->want[i])
				j->mismatches++;
	return NULL;
}

static void test_threads(void **state)
{
	const char *d = tu_fmt("%s/pt", tu_dir());
	struct rl_diag e, w;
	struct rl_source *src;
	struct job jobs[THREADS];
	pthread_t tid[THREADS];
	enum rl_src_answer want[N_DOMAINS];
	int yes = 0;

	(void)state;
	mkdir(d, 0755);
	tu_write("pt/re", "/^re[0-9]+\\.test$/ OK\n");
	tu_write("pt/pc", "/^pc\\d\\.test$/ OK\n");
	tu_write("pt/list", "f.test\n");
	tu_postmap("hash", tu_write("pt/h", "k.test x\n"));
	tu_write("pt/main.cf", tu_fmt("compatibility_level = 3.6\nmyhostname = m.test\n"
	         "virtual_alias_domains = regexp:%s/re, pcre:%s/pc\n"
	         "relay_domains = a.test r.test hash:%s/h %s/list\n", d, d, d, d));
	rl_diag_init(&e);
	rl_diag_init(&w);
	src = rl_source_open(tu_fmt("postfix:%s", d), &e, &w);
	assert_non_null(src);
	for (size_t i = 0; i < N_DOMAINS; i++) {
		want[i] = rl_source_match(src, domains[i], NULL, 0);
		yes += want[i] == RL_SRC_YES;
	}
	assert_int_equal(yes, 8); /* the table above means something */
	for (int t = 0; t < THREADS; t++) {
		jobs[t].src = src;
		memcpy(jobs[t].want, want, sizeof want);
		jobs[t].mismatches = 0;
		assert_int_equal(pthread_create(&tid[t], NULL, worker, &jobs[t]), 0);
	}
	for (int t = 0; t < THREADS; t++) {
		pthread_join(tid[t], NULL);
		assert_int_equal(jobs[t].mismatches, 0);
	}
	rl_source_free(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
