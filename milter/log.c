/* log.c - stderr or syslog, with a priority threshold. */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "decision_log.h"

static bool to_stderr;
static atomic_int threshold = LOG_NOTICE;

void rl_log_open(bool foreground, int level)
{
	to_stderr = foreground;
	atomic_store(&threshold, level);
	if (!foreground)
		openlog("relaylock", LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void rl_log_set_threshold(int level)
{
	atomic_store(&threshold, level);
}

/* "YYYY-MM-DDTHH:MM:SSZ relaylock[PID]: ", made once a second per thread. */
static size_t prefix(char *buf, size_t size)
{
	static _Thread_local time_t cached_t = -1;
	static _Thread_local char cached[64];
	static _Thread_local size_t cached_len;
	time_t t = time(NULL);

	if (t != cached_t) {
		struct tm tm;
		int n;

		gmtime_r(&t, &tm);
		n = snprintf(cached, sizeof cached,
		             "%04d-%02d-%02dT%02d:%02d:%02dZ relaylock[%ld]: ",
		             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		             tm.tm_min, tm.tm_sec, (long)getpid());
		cached_len = n > 0 && (size_t)n < sizeof cached ? (size_t)n : 0;
		cached_t = t;
	}
	if (cached_len >= size)
		return 0;
	memcpy(buf, cached, cached_len);
	return cached_len;
}

static void emit(int priority, const char *msg)
{
	char line[RL_LOG_LINE_MAX + 64];
	size_t n, len;

	if (!to_stderr) {
		syslog(priority, "%s", msg);
		return;
	}
	/* One write per line: threads never interleave within a line. */
	n = prefix(line, sizeof line);
	len = strlen(msg);
	if (len > sizeof line - n - 1)
		len = sizeof line - n - 1;
	memcpy(line + n, msg, len);
	n += len;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		return; /* nowhere left to report it */
}

static void vlog(int priority, const char *fmt, va_list ap)
{
	char msg[RL_LOG_LINE_MAX];

	vsnprintf(msg, sizeof msg, fmt, ap);
	emit(priority, msg);
}

void rl_log_line(int priority, bool force, const char *line)
{
	if (force || priority <= atomic_load(&threshold))
		emit(priority, line);
}

void rl_log(int priority, const char *fmt, ...)
{
	va_list ap;

	if (priority > atomic_load(&threshold))
		return;
	va_start(ap, fmt);
	vlog(priority, fmt, ap);
	va_end(ap);
}

void rl_log_always(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(priority, fmt, ap);
	va_end(ap);
}
