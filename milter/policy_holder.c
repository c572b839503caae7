/* policy_holder.c - reference-counted configs behind one short mutex. */
#include "policy_holder.h"

#include <pthread.h>
#include <stdlib.h>

struct ref {
	struct rl_config *config;
	unsigned long users; /* decisions in flight, +1 while current */
	struct ref *next;    /* retired refs still in use */
};

struct rl_holder {
	pthread_mutex_t mu;
	struct ref *current;
	struct ref *retired;
};

static struct ref *ref_new(struct rl_config *config)
{
	struct ref *r = calloc(1, sizeof *r);

	if (r) {
		r->config = config;
		r->users = 1;
	}
	return r;
}

struct rl_holder *rl_holder_new(struct rl_config *config)
{
	struct rl_holder *h = calloc(1, sizeof *h);

	if (!h || !(h->current = ref_new(config))) {
		free(h);
		return NULL;
	}
	pthread_mutex_init(&h->mu, NULL);
	return h;
}

void rl_holder_free(struct rl_holder *h)
{
	if (!h)
		return;
	while (h->retired) {
		struct ref *r = h->retired;

		h->retired = r->next;
		rl_config_free(r->config);
		free(r);
	}
	rl_config_free(h->current->config);
	free(h->current);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

const struct rl_config *rl_holder_acquire(struct rl_holder *h)
{
	const struct rl_config *c;

	pthread_mutex_lock(&h->mu);
	h->current->users++;
	c = h->current->config;
	pthread_mutex_unlock(&h->mu);
	return c;
}

/* Drop one user of the ref holding CONFIG; free retired refs at zero. */
void rl_holder_release(struct rl_holder *h, const struct rl_config *config)
{
	struct ref *dead = NULL;

	pthread_mutex_lock(&h->mu);
	if (h->current->config == config)
		h->current->users--;
	else
		for (struct ref **p = &h->retired; *p; p = &(*p)->next)
			if ((*p)->config == config) {
				if (--(*p)->users == 0) {
					dead = *p;
					*p = dead->next;
				}
				break;
			}
	pthread_mutex_unlock(&h->mu);
	if (dead) {
		rl_config_free(dead->config);
		free(dead);
	}
}

void rl_holder_swap(struct rl_holder *h, struct rl_config *config)
{
	struct ref *r = ref_new(config), *old;

	if (!r) {
		rl_config_free(config);
		return;
	}
	pthread_mutex_lock(&h->mu);
	old = h->current;
	h->current = r;
	if (--old->users == 0) {
		pthread_mutex_unlock(&h->mu);
		rl_config_free(old->config);
		free(old);
		return;
	}
	old->next = h->retired;
	h->retired = old;
	pthread_mutex_unlock(&h->mu);
}
