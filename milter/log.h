/* log.h - daemon logging: stderr in the foreground (-f), with journald
 * priority prefixes when stderr is the journal, else syslog facility mail.
 * One write per line, so threads never interleave. */
#ifndef RELAYLOCK_LOG_H
#define RELAYLOCK_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* Choose stderr or the journal (before any rl_report). */
void rl_log_init(void);
void rl_log_open(bool foreground, int threshold);
void rl_log_set_threshold(int threshold);

/* Log at PRIORITY when it passes the threshold. */
void rl_log(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Log whatever the threshold (decisions that must always be seen). */
void rl_log_always(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Log the ready-made LINE whatever the threshold when FORCE, else when
 * PRIORITY passes it: the decision path, without another format pass. */
void rl_log_line(int priority, bool force, const char *line);

/* A command-line message on stderr ("relaylock: ..." on a terminal, with
 * its priority in the journal), whatever the threshold. */
void rl_report(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
