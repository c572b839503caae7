/* trace.h - the steps of one decision, for `relaylock -q --explain`. Pure:
 * lines go into the caller's bounded buffer; a NULL trace costs nothing.
 */
#ifndef RELAYLOCK_TRACE_H
#define RELAYLOCK_TRACE_H

#include <stdbool.h>
#include <stddef.h>

#define RL_TRACE_MAX 4096

struct rl_trace {
	char text[RL_TRACE_MAX]; /* one step a line, each ending in '\n' */
	size_t len;
	bool truncated;
};

void rl_trace_init(struct rl_trace *trace);

/* Append one line (no '\n' in FMT). No-op when TRACE is NULL. */
void rl_trace_add(struct rl_trace *trace, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The hot path's form: the arguments are not even evaluated untraced. */
#define RL_TRACE(trace, ...)                                          \
	do {                                                          \
		if (trace)                                            \
			rl_trace_add((trace), __VA_ARGS__);           \
	} while (0)

#endif
