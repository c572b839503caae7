/* decision_log.c - format and escape the decision log line. */
#include "decision_log.h"

#include <stdio.h>
#include <string.h>

static int needs_escape(unsigned char c)
{
	return c < 0x21 || c > 0x7e || c == '=' || c == '\\';
}

size_t rl_log_escape(char *buf, size_t size, const char *value)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (size == 0)
		return 0;
	if (!value || !value[0])
		value = "-";
	for (i = 0; value[i] && i < RL_LOG_VALUE_MAX; i++) {
		unsigned char c = (unsigned char)value[i];

		if (o + 5 >= size)
			break;
		if (needs_escape(c)) {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		} else
			buf[o++] = (char)c;
	}
	if (value[i] && o + 4 < size) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return o;
}

size_t rl_decision_log_format(char *buf, size_t size,
                              const struct rl_log_entry *e)
{
	const char *keys[] = {"auth", "from", "rcpt", "resolved", "mailer"};
	const char *vals[] = {e->auth, e->from, e->rcpt, e->resolved, e->mailer};
	size_t o;
	int n;

	n = snprintf(buf, size, "%s: action=%s reason=%s client=%s",
	             e->queue_id && e->queue_id[0] ? e->queue_id : "NOQUEUE",
	             e->action, e->reason, e->client ? e->client : "unknown");
	if (n < 0)
		return 0;
	o = (size_t)n < size ? (size_t)n : size - 1;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		n = snprintf(buf + o, size - o, " %s=", keys[i]);
		if (n < 0 || (size_t)n >= size - o)
			return o;
		o += (size_t)n;
		o += rl_log_escape(buf + o, size - o, vals[i]);
	}
	n = snprintf(buf + o, size - o, " mode=%s", e->mode);
	if (n > 0)
		o += (size_t)n < size - o ? (size_t)n : size - o - 1;
	return o;
}
