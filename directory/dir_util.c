/* dir_util.c - small helpers every directory file shares. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "dir_impl.h"

void rl_dir_why(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (!why || cap == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	/* Library messages end in newlines; keep one line. */
	for (char *p = why; *p; p++)
		if ((unsigned char)*p < ' ')
			*p = ' ';
}

int rl_dir_ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms <= 0 ? 0 : ms > 3600000 ? 3600000 : (int)ms;
}

int rl_dir_query(const struct rl_dir_cf *cf, const char *key,
                 rl_dir_quote_fn quote, void *arg, char **out,
                 char *why, size_t cap)
{
	int x;

	if (!(*out = malloc(RL_DIR_QUERY_MAX))) {
		rl_dir_why(why, cap, "out of memory");
		return -1;
	}
	x = rl_dir_expand(cf->query, key, quote, arg, *out, RL_DIR_QUERY_MAX);
	if (x <= 0) {
		free(*out);
		*out = NULL;
	}
	if (x < 0)
		rl_dir_why(why, cap, "%s: cannot quote the key into the query",
		           rl_dir_type_name(cf->type));
	return x;
}

struct timespec rl_dir_host_deadline(const struct timespec *deadline,
                                     size_t hosts_left)
{
	long long ms = rl_dir_ms_left(deadline) / (long long)(hosts_left ? hosts_left : 1);
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += (time_t)(ms / 1000);
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}
