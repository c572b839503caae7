/* reload.c - build the new config aside; keep the old one on any error. */
#include "reload.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "load.h"
#include "log.h"
#include "metrics.h"
#include "metrics_sources.h"
#include "source_set.h"

static void log_diag(int level, const char *what, const struct rl_diag *diag)
{
	for (size_t i = 0; i < diag->n; i++)
		rl_log_always(level, "%s: %s", what, diag->msg[i]);
	if (diag->dropped)
		rl_log_always(level, "%s: %zu more not shown", what, diag->dropped);
}

/* AUTOMATIC: a source's files changed. A failing source's trouble is
 * logged once per streak, not at every try; a SIGUSR1 reload always says
 * everything. */
static void reload(struct rl_reloader *r, bool automatic)
{
	const char *what = automatic ? "refresh" : "reload";
	struct rl_diag *diag = malloc(2 * sizeof *diag);
	const struct rl_config *current;
	struct rl_config *config;
	char failing[sizeof r->failing];

	if (!diag) {
		rl_metrics_reload_failed();
		rl_log_always(LOG_ERR, "%s: out of memory; keeping the current policy", what);
		return;
	}
	rl_diag_init(&diag[0]);
	rl_diag_init(&diag[1]);
	current = rl_holder_acquire(r->holder);
	config = rl_load(r->config_path, current, &diag[0], &diag[1]);
	rl_holder_release(r->holder, current);
	if (!config) {
		rl_metrics_reload_failed();
		if (!automatic || !r->refresh_failed) {
			log_diag(LOG_ERR, what, &diag[0]);
			rl_log_always(LOG_ERR, "%s of %s failed; keeping the current policy",
			              what, r->config_path);
		}
		r->refresh_failed = automatic;
		free(diag);
		return;
	}
	r->refresh_failed = false;
	rl_sources_failing(config, failing, sizeof failing);
	/* A source's trouble (a table that cannot be read, a refused public
	 * suffix, what relaylock cannot know) is an error to fix. A source
	 * that keeps failing is tried again at every interval: say so once. */
	if (!automatic || !failing[0] || strcmp(failing, r->failing) != 0)
		log_diag(LOG_ERR, what, &diag[1]);
	snprintf(r->failing, sizeof r->failing, "%s", failing);
	rl_log_set_threshold(config->daemon.log_level);
	rl_log_always(LOG_NOTICE, "%s %s: %zu hosted domains, %zu trusted networks, "
	              "%zu sources, mode %s", automatic ? "sources changed, reloaded"
	                                                : "reloaded",
	              r->config_path, config->n_domains, config->n_networks,
	              config->n_sources,
	              rl_policy_params(config->policy)->mode == RL_MODE_MONITOR
	                      ? "monitor" : "enforce");
	rl_metrics_config_in_force(config);
	rl_holder_swap(r->holder, config);
	free(diag);
}

/* Seconds until the next look at the sources' files; 0: no sources. */
static unsigned refresh_interval(struct rl_reloader *r, bool *changed)
{
	const struct rl_config *c = rl_holder_acquire(r->holder);
	unsigned seconds = c->n_sources ? c->daemon.hosted_domains_refresh : 0;

	if (changed)
		*changed = seconds && rl_sources_changed(c);
	rl_holder_release(r->holder, c);
	return seconds;
}

void *rl_reload_thread(void *arg)
{
	struct rl_reloader *r = arg;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	for (;;) {
		unsigned seconds = refresh_interval(r, NULL);
		struct timespec wait = {seconds ? (time_t)seconds : 3600, 0};
		bool changed;

		if (sigtimedwait(&set, NULL, &wait) == SIGUSR1) {
			reload(r, false);
			continue;
		}
		if (errno == EAGAIN && refresh_interval(r, &changed) && changed)
			reload(r, true);
	}
	return NULL;
}
