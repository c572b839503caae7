/* log.c - stderr or syslog, with a priority threshold.
 *
 * Three destinations:
 * - syslog(3), facility mail, when the daemon detaches;
 * - the systemd journal, when stderr is the journal's stream
 *   ($JOURNAL_STREAM): each line starts with "<N>" so journald records
 *   its priority, and carries no prefix of its own (journald adds the
 *   time and "relaylock[PID]:"; the unit's SyslogFacility= sets mail);
 * - a terminal or file: "TIME relaylock[PID]: " before each line. */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "decision_log.h"

enum sink { SINK_STDERR, SINK_JOURNAL, SINK_SYSLOG };

static enum sink sink = SINK_STDERR;
static atomic_int threshold = LOG_NOTICE;

/* True when stderr is the stream systemd connected to the journal. */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

void rl_log_init(void)
{
	sink = stderr_is_journal() ? SINK_JOURNAL : SINK_STDERR;
}

void rl_log_open(bool foreground, int level)
{
	atomic_store(&threshold, level);
	if (foreground) {
		rl_log_init();
		return;
	}
	sink = SINK_SYSLOG;
	openlog("relaylock", LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void rl_log_set_threshold(int level)
{
	atomic_store(&threshold, level);
}

/* "YYYY-MM-DDTHH:MM:SSZ relaylock[PID]: ", made once a second per thread. */
static size_t time_prefix(char *buf, size_t size)
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

/* One write per line: threads never interleave within a line. */
static void write_line(int priority, const char *msg, bool timed)
{
	char line[RL_LOG_LINE_MAX + 64];
	size_t n = 0, len;

	if (sink == SINK_JOURNAL) {
		line[n++] = '<';
		line[n++] = (char)('0' + (LOG_PRI(priority) & 7));
		line[n++] = '>';
	} else if (timed) {
		n = time_prefix(line, sizeof line);
	} else {
		memcpy(line, "relaylock: ", 11);
		n = 11;
	}
	len = strlen(msg);
	if (len > sizeof line - n - 1)
		len = sizeof line - n - 1;
	memcpy(line + n, msg, len);
	n += len;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		return; /* nowhere left to report it */
}

static void emit(int priority, const char *msg)
{
	if (sink == SINK_SYSLOG)
		syslog(priority, "%s", msg);
	else
		write_line(priority, msg, true);
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

void rl_report(int priority, const char *fmt, ...)
{
	char msg[RL_LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	write_line(priority, msg, false);
}
