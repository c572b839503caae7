/* milter_callbacks.c - connection context, macros in, verdict out. */
#include "milter_callbacks.h"

#include <arpa/inet.h>
#include <libmilter/mfapi.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decision_log.h"
#include "log.h"
#include "metrics.h"
#include "policy.h"
#include "source_set.h"

/* Kept a little longer than the log shows, so "..." marks truncation. */
#define KEEP_MAX (RL_LOG_VALUE_MAX + 8)

struct conn {
	struct rl_ip ip;
	bool has_ip;
	char client[INET6_ADDRSTRLEN];
	char from[KEEP_MAX];   /* MAIL FROM as typed: for the log only */
	char auth[KEEP_MAX];   /* {auth_authen} */
};

static struct rl_holder *holder;
static atomic_bool warned_no_resolution;

bool rl_client_ip(const struct sockaddr *sa, const char *client_addr,
                  struct rl_ip *out)
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	memset(out, 0, sizeof *out);
	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

		out->family = AF_INET;
		memcpy(out->addr, &in->sin_addr, 4);
		return true;
	}
	if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		const unsigned char *b = in6->sin6_addr.s6_addr;

		/* ::ffff:a.b.c.d is an IPv4 client. */
		if (memcmp(b, mapped, sizeof mapped) == 0) {
			out->family = AF_INET;
			memcpy(out->addr, b + 12, 4);
		} else {
			out->family = AF_INET6;
			memcpy(out->addr, b, 16);
		}
		return true;
	}
	return client_addr && rl_ip_parse(client_addr, out);
}

static void keep(char *dst, const char *src)
{
	snprintf(dst, KEEP_MAX, "%s", src ? src : "");
}

static const char *action_name(const struct rl_decision *d)
{
	if (d->verdict == RL_REJECT && d->action == RL_ACCEPT)
		return "would-reject";
	return rl_verdict_name(d->action);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Count the decision and log its line: the counters are the log. C is
 * NULL when the session has no context (a stage was skipped). */
static void log_decision(SMFICTX *ctx, const struct conn *c,
                         const struct rl_request *req, const struct rl_decision *d,
                         const struct rl_config *cfg, uint64_t started)
{
	const char *action = action_name(d);

	rl_metrics_decision(rl_metric_action_of(d->verdict, d->action), d->reason,
	                    now_ns() - started);
	/* Rejects and tempfails are always logged; accepts at accept_log_level. */
	if (d->verdict == RL_ACCEPT && cfg->daemon.accept_log_level > cfg->daemon.log_level)
		return;

	char line[RL_LOG_LINE_MAX];
	struct rl_log_entry e = {
		.queue_id = smfi_getsymval(ctx, "i"),
		.action = action,
		.reason = rl_reason_name(d->reason),
		.client = c ? c->client : "unknown",
		.auth = req->auth,
		.from = c ? c->from : NULL,
		.rcpt = req->rcpt,
		.resolved = req->resolved_addr,
		.mailer = req->resolved_mailer,
		.mode = rl_policy_params(cfg->policy)->mode == RL_MODE_MONITOR
		                ? "monitor" : "enforce",
	};

	rl_decision_log_format(line, sizeof line, &e);
	if (d->verdict == RL_ACCEPT)
		rl_log_line(cfg->daemon.accept_log_level, false, line);
	else
		rl_log_line(d->verdict == RL_TEMPFAIL ? LOG_WARNING : LOG_NOTICE, true, line);
}

/* A session that cannot be decided (out of memory, a stage skipped): a
 * tempfail with its decision line, action=tempfail reason=internal_error,
 * after a line that says why. */
static sfsistat internal_error(SMFICTX *ctx, const struct conn *c, const char *rcpt,
                               const char *why)
{
	uint64_t started = now_ns();
	const struct rl_config *cfg = rl_holder_acquire(holder);
	struct rl_request req = {.rcpt = rcpt, .auth = c && c->auth[0] ? c->auth : NULL};
	struct rl_decision d;

	rl_log_always(LOG_ERR, "NOQUEUE: internal error: %s: answering tempfail", why);
	rl_decide(NULL, &req, &d); /* no policy: tempfail, internal_error */
	log_decision(ctx, c, &req, &d, cfg, started);
	rl_holder_release(holder, cfg);
	smfi_setreply(ctx, "451", "4.3.0", "Temporary relay policy failure, try again later");
	return SMFIS_TEMPFAIL;
}

static sfsistat on_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
                             unsigned long f2, unsigned long f3,
                             unsigned long *pf0, unsigned long *pf1,
                             unsigned long *pf2, unsigned long *pf3)
{
	/* Stages we never look at. Never SMFIP_NODATA: it stalls Postfix. */
	unsigned long skip = SMFIP_NOHELO | SMFIP_NOHDRS | SMFIP_NOEOH |
	                     SMFIP_NOBODY | SMFIP_NOUNKNOWN;

	(void)f2;
	(void)f3;
	*pf0 = f0 & SMFIF_SETSYMLIST;
	*pf1 = f1 & skip;
	*pf2 = 0;
	*pf3 = 0;
	if (f0 & SMFIF_SETSYMLIST) {
		smfi_setsymlist(ctx, SMFIM_CONNECT, "{client_addr} {daemon_addr}");
		smfi_setsymlist(ctx, SMFIM_ENVFROM, "{auth_authen} {auth_type} i");
		smfi_setsymlist(ctx, SMFIM_ENVRCPT, "{rcpt_addr} {rcpt_host} {rcpt_mailer} i");
	}
	return SMFIS_CONTINUE;
}

static sfsistat on_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
	struct conn *c = calloc(1, sizeof *c);

	(void)hostname;
	if (!c)
		return internal_error(ctx, NULL, NULL, "out of memory");
	c->has_ip = rl_client_ip(sa, smfi_getsymval(ctx, "{client_addr}"), &c->ip);
	if (c->has_ip)
		rl_ip_format(&c->ip, c->client, sizeof c->client);
	else
		strcpy(c->client, "unknown");
	if (smfi_setpriv(ctx, c) != MI_SUCCESS) {
		free(c);
		return internal_error(ctx, NULL, NULL, "cannot keep the connection context");
	}
	rl_metrics_session_open();
	return SMFIS_CONTINUE;
}

static sfsistat on_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = smfi_getpriv(ctx);

	if (!c)
		return internal_error(ctx, NULL, NULL, "no connection context at MAIL");
	keep(c->from, argv ? argv[0] : NULL);
	keep(c->auth, smfi_getsymval(ctx, "{auth_authen}"));
	return SMFIS_CONTINUE;
}

static sfsistat on_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = smfi_getpriv(ctx);
	const struct rl_config *cfg;
	struct rl_decision d;
	struct rl_request req;
	uint64_t started;

	if (!c || !argv || !argv[0])
		return internal_error(ctx, c, argv ? argv[0] : NULL,
		                      "no connection context or recipient at RCPT");
	memset(&req, 0, sizeof req);
	req.client = c->has_ip ? &c->ip : NULL;
	req.auth = c->auth[0] ? c->auth : NULL;
	req.rcpt = argv[0];
	req.resolved_addr = smfi_getsymval(ctx, "{rcpt_addr}");
	req.resolved_mailer = smfi_getsymval(ctx, "{rcpt_mailer}");
	req.resolved_host = smfi_getsymval(ctx, "{rcpt_host}");
	if (!req.resolved_addr && !req.resolved_mailer &&
	    !atomic_exchange(&warned_no_resolution, true))
		rl_log_always(LOG_WARNING,
		              "the MTA sends no {rcpt_addr} or {rcpt_mailer}: deciding on "
		              "the address as typed only; add them to milter_rcpt_macros "
		              "(Postfix) or confMILTER_MACROS_ENVRCPT (Sendmail)");

	started = now_ns();
	cfg = rl_holder_acquire(holder);
	/* Directory lookups block this session only, never the decision: only
	 * the recipient as typed (the resolution is judged by its form), and
	 * only for a client that may not relay anyway. */
	if (!rl_policy_relays_for(cfg->policy, &req))
		rl_sources_warm(cfg, req.rcpt);
	rl_decide(cfg->policy, &req, &d);
	log_decision(ctx, c, &req, &d, cfg, started);
	/* The reply texts belong to the config: answer before releasing it. */
	sfsistat status = SMFIS_CONTINUE;

	if (d.action == RL_REJECT) {
		status = SMFIS_REJECT;
		if (smfi_setreply(ctx, (char *)d.code, (char *)d.dsn, (char *)d.text) != MI_SUCCESS)
			rl_log(LOG_WARNING, "cannot set the reject reply text");
	} else if (d.action == RL_TEMPFAIL) {
		status = SMFIS_TEMPFAIL;
		smfi_setreply(ctx, "451", "4.3.0", (char *)d.text);
	}
	rl_holder_release(holder, cfg);
	return status;
}

static sfsistat on_abort(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c)
		c->from[0] = c->auth[0] = '\0';
	rl_metrics_session_abort();
	return SMFIS_CONTINUE;
}

static sfsistat on_close(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c)
		rl_metrics_session_close();
	free(c);
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

static struct smfiDesc desc = {
	.xxfi_name = "relaylock",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_NONE,
	.xxfi_connect = on_connect,
	.xxfi_envfrom = on_envfrom,
	.xxfi_envrcpt = on_envrcpt,
	.xxfi_abort = on_abort,
	.xxfi_close = on_close,
	.xxfi_negotiate = on_negotiate,
};

struct smfiDesc *rl_milter_desc(struct rl_holder *h)
{
	holder = h;
	return &desc;
}
