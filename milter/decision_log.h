/* decision_log.h - the one-line record of a decision, in a stable
 * key=value form that relaylock-report and fail2ban parse. Pure. */
#ifndef RELAYLOCK_DECISION_LOG_H
#define RELAYLOCK_DECISION_LOG_H

#include <stddef.h>

/* Input bytes kept per client-supplied value before "..." is appended. */
#define RL_LOG_VALUE_MAX 512
/* Enough for every field at its longest. */
#define RL_LOG_LINE_MAX (8 * (RL_LOG_VALUE_MAX * 4 + 8) + 256)

struct rl_log_entry {
	const char *queue_id; /* NULL: "NOQUEUE" */
	const char *action;   /* accept, reject, tempfail, would-reject */
	const char *reason;
	const char *client;   /* from the socket, never from client text */
	const char *auth;     /* the rest come from the client: escaped */
	const char *from;
	const char *rcpt;
	const char *resolved;
	const char *mailer;
	const char *mode;
};

/* "QUEUEID: action=... reason=... client=... auth=... from=... rcpt=...
 * resolved=... mailer=... mode=...". Escapes every byte outside
 * 0x21..0x7e and every '=' and '\' as \xHH, so a value can never hold a
 * space, a newline or another field. Returns the length written. */
size_t rl_decision_log_format(char *buf, size_t size,
                              const struct rl_log_entry *e);

/* Escape one value into BUF as above ("-" when NULL or empty). */
size_t rl_log_escape(char *buf, size_t size, const char *value);

#endif
