/* decision_log.c - format and escape the decision log line. */
#include "decision_log.h"

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
	/* Most values need no escaping: copy them in one go. */
	for (i = 0; value[i] && i < RL_LOG_VALUE_MAX && !needs_escape((unsigned char)value[i]); i++)
		;
	if (!value[i] && i < size) {
		memcpy(buf, value, i + 1);
		return i;
	}
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

/* Append the string S to BUF at *O, bounded; snprintf costs too much on
 * the hot path. */
static void append(char *buf, size_t size, size_t *o, const char *s)
{
	size_t n = strlen(s);

	if (*o + n >= size)
		n = size - 1 - *o;
	memcpy(buf + *o, s, n);
	*o += n;
	buf[*o] = '\0';
}

size_t rl_decision_log_format(char *buf, size_t size,
                              const struct rl_log_entry *e)
{
	static const char *const keys[] = {" auth=", " from=", " rcpt=",
	                                   " resolved=", " mailer="};
	const char *vals[] = {e->auth, e->from, e->rcpt, e->resolved, e->mailer};
	size_t o = 0;

	if (size == 0)
		return 0;
	buf[0] = '\0';
	append(buf, size, &o, e->queue_id && e->queue_id[0] ? e->queue_id : "NOQUEUE");
	append(buf, size, &o, ": action=");
	append(buf, size, &o, e->action);
	append(buf, size, &o, " reason=");
	append(buf, size, &o, e->reason);
	append(buf, size, &o, " client=");
	append(buf, size, &o, e->client ? e->client : "unknown");
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		append(buf, size, &o, keys[i]);
		o += rl_log_escape(buf + o, size - o, vals[i]);
	}
	append(buf, size, &o, " mode=");
	append(buf, size, &o, e->mode);
	return o;
}
