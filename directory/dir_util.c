/* dir_util.c - small helpers every directory file shares. */
#include <stdarg.h>
#include <stdio.h>

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
