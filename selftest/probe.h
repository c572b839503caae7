/* probe.h - run the relay cases against one SMTP server and judge them. */
#ifndef RELAYLOCK_SELFTEST_PROBE_H
#define RELAYLOCK_SELFTEST_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>

#include "cases.h"
#include "catch.h"
#include "smtp_reply.h"

enum st_verdict {
	ST_CLOSED,          /* refused with 5xx at MAIL or RCPT */
	ST_OPEN,            /* RCPT accepted */
	ST_OPEN_CONFIRMED,  /* --data: the whole message accepted */
	ST_RELAYED,         /* --catch: the message arrived at the vantage address */
	ST_INCONCLUSIVE,    /* 4xx, timeout, dropped, garbage, not run */
	ST_PASS,            /* a positive control worked */
	ST_FAIL,            /* a positive control did not */
};

/* Overall status, monitoring-plugins exit codes. */
enum st_status { ST_OK = 0, ST_WARNING = 1, ST_CRITICAL = 2, ST_UNKNOWN = 3 };

enum st_tls_mode {
	ST_TLS_AUTO,     /* when the server requires it; for AUTH when offered */
	ST_TLS_REQUIRE,  /* --starttls: always, fail without it */
	ST_TLS_NEVER,    /* --no-starttls */
};

#define ST_WARNINGS_MAX 8
#define ST_SENDERS_MAX 16

struct st_run;
struct st_result;
/* Called once per case (and control) as soon as its verdict is final. */
typedef void (*st_result_fn)(const struct st_run *run, const struct st_result *r,
                             void *ctx);

struct st_options {
	char target[300];              /* as typed */
	char target_host[256];         /* host part */
	unsigned port;
	struct sockaddr_storage dst;   /* resolved (after --netns auto) */
	socklen_t dst_len;
	char dst_text[64];             /* address text */
	bool has_source;
	struct sockaddr_storage src;
	socklen_t src_len;
	char xclient[64];              /* "" = no XCLIENT */
	char helo[256];
	struct st_params params;
	bool data;
	char auth_user[256];
	char auth_pass[256];
	bool has_auth;
	enum st_tls_mode tls;
	bool tls_verify;
	unsigned cmd_timeout_ms;
	unsigned total_timeout_ms;
	unsigned delay_ms;
	const char *only;              /* comma list or NULL */
	const char *skip;
	FILE *trace;                   /* --verbose transcript or NULL */
	struct st_catch *catcher;      /* --catch listener, or NULL */
	unsigned catch_wait_ms;
	st_result_fn on_result;        /* NULL: nobody streams the report */
	void *on_result_ctx;
};

struct st_result {
	const struct st_case *tcase;
	bool control;
	char mail[ST_ADDR_MAX];        /* the sender the verdict was reached with */
	char rcpt[ST_ADDR_MAX];
	char case_mail[ST_ADDR_MAX];   /* the case's own sender when another was used */
	bool fixed;                    /* mail/rcpt are set: do not expand */
	enum st_verdict verdict;
	const char *stage;             /* "connect" "MAIL" "RCPT" "DATA" "AUTH" "-" */
	int code;                      /* 0 = no reply */
	char dsn[16];
	char reply[SMTP_REPLY_TEXT_MAX]; /* reply text, or what went wrong */
	char note[320];                /* e.g. "message rejected at end of DATA" */
	char token[96];                /* --data token, "" when no DATA */
	long ms;
	unsigned attempts;
};

/* What the server said to a sender with the hosted control recipient. */
enum st_sender_state { ST_SENDER_UNKNOWN, ST_SENDER_ACCEPTED, ST_SENDER_REFUSED };

struct st_sender {
	char addr[ST_ADDR_MAX];
	enum st_sender_state state;
	int code;                     /* the refusal, 0 = none */
};

struct st_run {
	enum st_status status;
	char summary[512];            /* "OK - ..." without the "RELAY " prefix */
	bool connected;               /* one banner was seen */
	char banner[256];
	char tls_info[96];
	char source[64];              /* source address as seen locally */
	char vantage[160];            /* how the probe looks from outside */
	size_t n_results;
	struct st_result *results;    /* controls first, then the cases */
	size_t n_warnings;
	char warnings[ST_WARNINGS_MAX][256];
	size_t n_senders;             /* senders checked with the hosted recipient */
	struct st_sender senders[ST_SENDERS_MAX];
	size_t n_closed, n_open, n_confirmed, n_relayed, n_inconclusive, n_cases;
	size_t n_controls, n_controls_failed;
	long elapsed_ms;
	time_t started;               /* wall clock, for the metrics */
	char catch_addr[80];          /* --catch: "[addr]:port" listened on, or "" */
	size_t n_catch_refused;       /* messages without a token of this run */
};

/* A trusted-network check for the vantage warning: true when ADDR (text)
 * is trusted. NULL when no configuration was given. */
typedef bool (*st_trusted_fn)(const char *addr, void *ctx);

void st_run_warn(struct st_run *run, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Run every selected case. RUN must be zeroed by the caller (warnings may
 * already be in it). Returns RUN->status. */
enum st_status st_probe(struct st_options *opt, struct st_run *run,
                        st_trusted_fn trusted, void *trusted_ctx);

void st_run_free(struct st_run *run);

const char *st_verdict_name(enum st_verdict v);
const char *st_status_name(enum st_status s);

/* Judge a finished run: counts, status and summary. Pure. */
void st_judge(struct st_run *run);

#endif
