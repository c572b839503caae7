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

static void vlog(int priority, const char *fmt, va_list ap)
{
	char msg[RL_LOG_LINE_MAX];
	char line[RL_LOG_LINE_MAX + 64];
	struct tm tm;
	time_t t;
	int n;

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (!to_stderr) {
		syslog(priority, "%s", msg);
		return;
	}
	t = time(NULL);
	gmtime_r(&t, &tm);
	n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02dZ relaylock[%ld]: %s\n",
	             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	             tm.tm_min, tm.tm_sec, (long)getpid(), msg);
	if (n > (int)sizeof line - 1) {
		n = (int)sizeof line - 1;
		line[n - 1] = '\n';
	}
	if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0)
		return; /* nowhere left to report it */
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
