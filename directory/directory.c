/* directory.c - one directory: its .cf, its connection pool, lookups. */
#include "directory.h"

#include <errno.h>
#include <idn2.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "dir_impl.h"

struct slot {
	void *conn;   /* NULL: not connected */
	bool busy;
};

struct rl_dir {
	char spec[1100];
	struct rl_dir_cf *cf;
	const struct rl_dir_ops *ops;
	unsigned timeout;
	pthread_mutex_t lock;  /* the pool; never held during I/O */
	pthread_cond_t freed;
	struct slot pool[RL_DIR_POOL_MAX];
	struct timespec retry_at; /* no connect before this after a failure */
	char last_error[RL_DIR_WHY_MAX];
};

static bool passed(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec ||
	       (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

struct rl_dir *rl_dir_open(const char *spec, unsigned lookup_timeout,
                           struct rl_diag *errors)
{
	static const struct rl_dir_ops *const ops[] = {
		&rl_dir_pgsql_ops, &rl_dir_mysql_ops, &rl_dir_ldap_ops};
	const char *rest = spec, *colon;
	struct rl_dir *dir;
	char type[8];
	int t;

	if (!strncmp(rest, "proxy:", 6))
		rest += 6;
	colon = strchr(rest, ':');
	if (!colon || (size_t)(colon - rest) >= sizeof type) {
		rl_diag_add(errors, spec, 0, "not TYPE:/path (pgsql, mysql, ldap)");
		return NULL;
	}
	memcpy(type, rest, (size_t)(colon - rest));
	type[colon - rest] = '\0';
	if ((t = rl_dir_type_parse(type)) < 0 || colon[1] != '/' ||
	    strlen(rest) >= sizeof dir->spec) {
		rl_diag_add(errors, spec, 0, "not pgsql:, mysql: or ldap: with an "
		            "absolute path to a .cf file");
		return NULL;
	}
	if (!(dir = calloc(1, sizeof *dir))) {
		rl_diag_add(errors, spec, 0, "out of memory");
		return NULL;
	}
	if (!(dir->cf = rl_dir_cf_load(colon + 1, (enum rl_dir_type)t, errors))) {
		free(dir);
		return NULL;
	}
	memcpy(dir->spec, rest, strlen(rest) + 1);
	dir->ops = ops[t];
	dir->timeout = lookup_timeout ? lookup_timeout : RL_DIR_LOOKUP_TIMEOUT_DEFAULT;
	pthread_mutex_init(&dir->lock, NULL);
	pthread_cond_init(&dir->freed, NULL);
	return dir;
}

void rl_dir_free(struct rl_dir *dir)
{
	if (!dir)
		return;
	for (size_t i = 0; i < RL_DIR_POOL_MAX; i++)
		if (dir->pool[i].conn)
			dir->ops->close(dir->pool[i].conn);
	pthread_cond_destroy(&dir->freed);
	pthread_mutex_destroy(&dir->lock);
	rl_dir_cf_free(dir->cf);
	free(dir);
}

const char *rl_dir_spec(const struct rl_dir *dir)
{
	return dir->spec;
}

const char *rl_dir_never_why(const struct rl_dir *dir)
{
	return dir->cf->never_why;
}

/* Take a slot: an idle connection if there is one, else a free slot to
 * connect. Waits at most until DEADLINE; -1 when none came free. */
static int slot_take(struct rl_dir *dir, const struct timespec *deadline)
{
	struct timespec abs;
	int found = -1, rc = 0;

	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_sec += rl_dir_ms_left(deadline) / 1000 + 1;
	pthread_mutex_lock(&dir->lock);
	while (found < 0 && rc != ETIMEDOUT && !passed(deadline)) {
		for (int i = 0; i < RL_DIR_POOL_MAX && found < 0; i++)
			if (!dir->pool[i].busy && dir->pool[i].conn)
				found = i;
		for (int i = 0; i < RL_DIR_POOL_MAX && found < 0; i++)
			if (!dir->pool[i].busy)
				found = i;
		if (found < 0)
			rc = pthread_cond_timedwait(&dir->freed, &dir->lock, &abs);
	}
	if (found >= 0)
		dir->pool[found].busy = true;
	pthread_mutex_unlock(&dir->lock);
	return found;
}

static void slot_give(struct rl_dir *dir, int i, void *conn)
{
	pthread_mutex_lock(&dir->lock);
	dir->pool[i].conn = conn;
	dir->pool[i].busy = false;
	pthread_cond_signal(&dir->freed);
	pthread_mutex_unlock(&dir->lock);
}

/* Connect slot I unless it is connected, or a recent failure says wait. */
static void *slot_connect(struct rl_dir *dir, int i,
                          const struct timespec *deadline, char *why, size_t cap)
{
	void *conn = dir->pool[i].conn;
	bool wait;

	if (conn)
		return conn;
	pthread_mutex_lock(&dir->lock);
	wait = !passed(&dir->retry_at);
	if (wait)
		rl_dir_why(why, cap, "%s (no new connection for %ds)", dir->last_error,
		           RL_DIR_RETRY_SECONDS);
	pthread_mutex_unlock(&dir->lock);
	if (wait)
		return NULL;
	conn = dir->ops->connect(dir->cf, dir->timeout, deadline, why, cap);
	if (!conn) {
		pthread_mutex_lock(&dir->lock);
		clock_gettime(CLOCK_MONOTONIC, &dir->retry_at);
		dir->retry_at.tv_sec += RL_DIR_RETRY_SECONDS;
		snprintf(dir->last_error, sizeof dir->last_error, "%s", why ? why : "");
		pthread_mutex_unlock(&dir->lock);
	}
	return conn;
}

/* KEY on slot I's connection, made if need be; dropped on error. */
static enum rl_dir_answer slot_lookup(struct rl_dir *dir, int i, const char *key,
                                      const struct timespec *deadline,
                                      char *why, size_t cap)
{
	enum rl_dir_answer ans = RL_DIR_ERROR;
	void *conn = slot_connect(dir, i, deadline, why, cap);

	if (conn) {
		ans = dir->ops->lookup(conn, dir->cf, key, deadline, why, cap);
		if (ans == RL_DIR_ERROR) {
			dir->ops->close(conn);
			conn = NULL;
		}
	}
	dir->pool[i].conn = conn; /* the slot is ours while busy */
	return ans;
}

/* One key, on one pooled connection. A connection that had been idle may
 * have been closed by the server (a restart, MySQL's wait_timeout): after
 * an error on a reused connection, one more try on a new one. */
static enum rl_dir_answer lookup_key(struct rl_dir *dir, const char *key,
                                     const struct timespec *deadline,
                                     char *why, size_t cap)
{
	enum rl_dir_answer ans;
	int i = slot_take(dir, deadline);
	bool reused;

	if (i < 0) {
		rl_dir_why(why, cap, "%s: all %d connections busy for %us", dir->spec,
		           RL_DIR_POOL_MAX, dir->timeout);
		return RL_DIR_ERROR;
	}
	reused = dir->pool[i].conn != NULL;
	ans = slot_lookup(dir, i, key, deadline, why, cap);
	if (ans == RL_DIR_ERROR && reused && rl_dir_ms_left(deadline) > 0) {
		rl_dir_why(why, cap, "%s", "");
		ans = slot_lookup(dir, i, key, deadline, why, cap);
	}
	slot_give(dir, i, dir->pool[i].conn);
	return ans;
}

/* A domain a recipient can carry: 1..253 octets, no '@', no control. */
static bool plausible(const char *domain)
{
	size_t n = strlen(domain);

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)domain[i] <= ' ' || domain[i] == '@' ||
		    domain[i] == 0x7f)
			return false;
	return true;
}

enum rl_dir_answer rl_dir_lookup(struct rl_dir *dir, const char *domain,
                                 char *why, size_t cap)
{
	struct timespec deadline;
	enum rl_dir_answer ans;
	char *ulabel = NULL;

	rl_dir_why(why, cap, "%s", "");
	if (dir->cf->never_why) {
		rl_dir_why(why, cap, "%s: %s", dir->spec, dir->cf->never_why);
		return RL_DIR_NOT_FOUND;
	}
	if (!plausible(domain)) {
		rl_dir_why(why, cap, "not a domain");
		return RL_DIR_NOT_FOUND;
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += dir->timeout;
	ans = lookup_key(dir, domain, &deadline, why, cap);
	if (ans != RL_DIR_NOT_FOUND || !strstr(domain, "xn--"))
		return ans;
	/* Sites store either form of an IDN: try the U-label too. */
	if (idn2_to_unicode_8z8z(domain, &ulabel, 0) == IDN2_OK &&
	    strcmp(ulabel, domain) != 0)
		ans = lookup_key(dir, ulabel, &deadline, why, cap);
	idn2_free(ulabel);
	return ans;
}

enum rl_dir_answer rl_dir_lookup_cb(void *dir, const char *domain, char *why,
                                    size_t cap)
{
	return rl_dir_lookup(dir, domain, why, cap);
}

enum rl_dir_answer rl_dir_probe(struct rl_dir *dir, char *why, size_t cap)
{
	unsigned char r[8] = {0};
	char canary[64];
	enum rl_dir_answer ans;
	int n;

	if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		memcpy(r, &ts.tv_nsec, sizeof r < sizeof ts.tv_nsec ? sizeof r :
		       sizeof ts.tv_nsec);
	}
	n = snprintf(canary, sizeof canary, "relaylock-canary-");
	for (size_t i = 0; i < sizeof r; i++)
		n += snprintf(canary + n, sizeof canary - (size_t)n, "%02x", r[i]);
	snprintf(canary + n, sizeof canary - (size_t)n, ".invalid");
	ans = rl_dir_lookup(dir, canary, why, cap);
	if (ans == RL_DIR_FOUND)
		rl_dir_why(why, cap, "%s: finds the random domain %s: its query "
		           "matches every domain", dir->spec, canary);
	else if (ans == RL_DIR_NOT_FOUND)
		rl_dir_why(why, cap, "%s: connected, answered", dir->spec);
	return ans;
}
