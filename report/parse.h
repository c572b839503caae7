/* parse.h - recognise relaylock's decision lines among other log lines and
 * split them into fields. Never allocates; fields point into the line. */
#ifndef RELAYLOCK_REPORT_PARSE_H
#define RELAYLOCK_REPORT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

enum rr_action { RR_ACCEPT, RR_REJECT, RR_TEMPFAIL, RR_WOULD_REJECT, RR_ACTION_COUNT };

struct rr_field {
	const char *s;
	size_t len;
};

/* One decision line; see relaylock(8) for the format. Values stay escaped
 * exactly as the daemon wrote them. */
struct rr_line {
	time_t when;
	struct rr_field queueid;
	enum rr_action action;
	int reason;               /* enum rl_reason */
	struct rr_field client, auth, from, rcpt, resolved, mailer;
	bool monitor;             /* mode=monitor */
};

/* How to read timestamps that carry no year or no zone. */
struct rr_clock {
	int year;       /* year of syslog "Nov 23 10:00:00" stamps; 0 = guess */
	time_t now;     /* a syslog stamp more than a day ahead is last year's */
	int cache_key;  /* local-time cache: y*1000000+m*10000+d*100+h, -1 none */
	time_t cache_base;
	int guess_year; /* the current year, local time */
};

void rr_clock_init(struct rr_clock *clk, int year, time_t now);

enum rr_kind {
	RR_FOREIGN,    /* another program's line, or no timestamp we know */
	RR_OTHER,      /* relaylock's own line that is not a decision */
	RR_DECISION,   /* filled OUT */
};

enum rr_kind rr_parse_line(const char *line, size_t len, struct rr_clock *clk,
                           struct rr_line *out);

/* Parse a time at the start of S (LEN bytes): "YYYY-MM-DDTHH:MM:SS" or with a
 * space instead of 'T', optional ".fraction", optional "Z", "+HHMM" or
 * "+HH:MM" (no zone: local time), or syslog "Mon DD HH:MM:SS". Returns the
 * number of bytes used, 0 when S does not start with a time. */
size_t rr_parse_time(const char *s, size_t len, struct rr_clock *clk, time_t *when);

/* Parse a --since/--until argument: any form of rr_parse_time, a date
 * "YYYY-MM-DD" (midnight, local time), or "N[smhd]" meaning that long
 * before NOW. Returns false when TEXT is none of these. */
bool rr_parse_time_arg(const char *text, struct rr_clock *clk, time_t *when);

const char *rr_action_name(enum rr_action a);
/* Returns RR_ACTION_COUNT when unknown. */
enum rr_action rr_action_from(const char *s, size_t len);
/* enum rl_reason for the name S (LEN bytes), or -1. */
int rr_reason_from(const char *s, size_t len);

/* The domain a recipient tries to reach, lower-cased into BUF: the domain
 * of RESOLVED when the MTA sent one, else the innermost routed domain of
 * RCPT (user%ext@host -> ext, ext!user -> ext, @a:u@ext -> ext,
 * "u@ext"@host -> ext). Returns the length, 0 when there is none. */
size_t rr_target_domain(const struct rr_line *l, char *buf, size_t size);

/* Format T as "YYYY-MM-DDTHH:MM:SSZ" into BUF (at least 21 bytes). */
void rr_format_time(time_t t, char *buf, size_t size);

#endif
