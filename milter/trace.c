/* trace.c - bounded text of a decision's steps. */
#include "trace.h"

#include <stdarg.h>
#include <stdio.h>

void rl_trace_init(struct rl_trace *trace)
{
	trace->text[0] = '\0';
	trace->len = 0;
	trace->truncated = false;
}

void rl_trace_add(struct rl_trace *trace, const char *fmt, ...)
{
	size_t room;
	va_list ap;
	int n;

	if (!trace || trace->truncated)
		return;
	room = sizeof trace->text - trace->len;
	va_start(ap, fmt);
	n = vsnprintf(trace->text + trace->len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n + 1 >= room) {
		trace->text[trace->len] = '\0'; /* whole lines only */
		trace->truncated = true;
		return;
	}
	trace->len += (size_t)n;
	trace->text[trace->len++] = '\n';
	trace->text[trace->len] = '\0';
}
