/* policy_holder_test.c - reload swaps: a decision in flight keeps its
 * config; the old one is freed by its last user, under threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "policy_holder.h"

static struct rl_config *make_config(const char *domain)
{
	struct rl_config *c = calloc(1, sizeof *c);
	struct rl_domain_set *d = rl_domain_set_new();
	struct rl_policy_params params;
	const char *err;
	uint32_t a, b;
	struct rl_net_set *n = rl_net_set_new();

	assert_int_equal(rl_domain_set_add(d, domain, strlen(domain), &err), 0);
	assert_int_equal(rl_net_set_build(n, &a, &b), 0);
	rl_policy_params_default(&params);
	c->policy = rl_policy_new(d, n, &params);
	c->n_domains = 1;
	return c;
}

static bool hosts(const struct rl_config *c, const char *domain)
{
	return rl_domain_set_match(rl_policy_hosted(c->policy), domain, strlen(domain));
}

static void test_in_flight_keeps_old(void **state)
{
	struct rl_holder *h = rl_holder_new(make_config("old.example"));
	const struct rl_config *a, *b;

	(void)state;
	a = rl_holder_acquire(h);
	rl_holder_swap(h, make_config("new.example"));
	b = rl_holder_acquire(h);
	assert_true(hosts(a, "old.example")); /* still valid after the swap */
	assert_true(hosts(b, "new.example"));
	rl_holder_release(h, a);              /* frees the old config */
	rl_holder_release(h, b);
	rl_holder_swap(h, make_config("third.example"));
	b = rl_holder_acquire(h);
	assert_true(hosts(b, "third.example"));
	rl_holder_release(h, b);
	rl_holder_free(h);
}

static struct rl_holder *shared;
static atomic_bool stop;
static atomic_ulong decisions;

static void *decider(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		const struct rl_config *c = rl_holder_acquire(shared);

		if (!hosts(c, "a.example") && !hosts(c, "b.example"))
			abort();
		rl_holder_release(shared, c);
		atomic_fetch_add(&decisions, 1);
	}
	return NULL;
}

static void test_threads(void **state)
{
	pthread_t t[4];

	(void)state;
	shared = rl_holder_new(make_config("a.example"));
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, decider, NULL), 0);
	for (int i = 0; i < 2000; i++)
		rl_holder_swap(shared, make_config(i % 2 ? "a.example" : "b.example"));
	atomic_store(&stop, true);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_true(atomic_load(&decisions) > 0);
	rl_holder_free(shared);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_flight_keeps_old),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests_name("policy_holder", tests, NULL, NULL);
}
