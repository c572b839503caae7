/* probe.c - sessions, cases and verdicts of relaylock-selftest. */
#include "probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <openssl/evp.h>

#include "smtp_conn.h"

struct session {
	struct smtp_conn conn;
	bool up;
	bool in_txn;
	bool authed;
	bool need_tls;       /* learnt from a 530 "STARTTLS first" */
	struct smtp_reply ehlo;
	bool esmtp;
};

struct probe {
	struct st_options *opt;
	struct st_run *run;
	struct timespec deadline;
	unsigned connect_failures;  /* consecutive */
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void st_run_warn(struct st_run *run, const char *fmt, ...)
{
	va_list ap;

	if (run->n_warnings >= ST_WARNINGS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(run->warnings[run->n_warnings++], sizeof run->warnings[0], fmt, ap);
	va_end(ap);
}

const char *st_verdict_name(enum st_verdict v)
{
	switch (v) {
	case ST_CLOSED:
		return "CLOSED";
	case ST_OPEN:
		return "OPEN";
	case ST_OPEN_CONFIRMED:
		return "OPEN-CONFIRMED";
	case ST_RELAYED:
		return "RELAYED";
	case ST_INCONCLUSIVE:
		return "INCONCLUSIVE";
	case ST_PASS:
		return "PASS";
	case ST_FAIL:
		return "FAIL";
	}
	return "?";
}

const char *st_status_name(enum st_status s)
{
	switch (s) {
	case ST_OK:
		return "OK";
	case ST_WARNING:
		return "WARNING";
	case ST_CRITICAL:
		return "CRITICAL";
	case ST_UNKNOWN:
		return "UNKNOWN";
	}
	return "UNKNOWN";
}

/* Bounded copy; truncates silently (report text only). */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Record a reply (or a failure) in R. */
static void note_reply(struct st_result *r, const char *stage,
                       const struct smtp_reply *rep)
{
	r->stage = stage;
	r->code = rep->code;
	copy_str(r->dsn, sizeof r->dsn, rep->dsn);
	copy_str(r->reply, sizeof r->reply, rep->text);
}

static void note_error(struct st_result *r, const char *stage,
                       const struct smtp_conn *c, int err)
{
	r->stage = stage;
	r->code = 0;
	r->dsn[0] = '\0';
	snprintf(r->reply, sizeof r->reply, "%s: %s", smtp_error_name(err),
	         c->err[0] ? c->err : smtp_error_name(err));
}

static void session_close(struct session *s, bool quit)
{
	struct smtp_reply rep;

	if (s->up && quit) {
		unsigned saved = s->conn.cmd_timeout_ms;

		s->conn.cmd_timeout_ms = saved < 5000 ? saved : 5000;
		smtp_command(&s->conn, "QUIT", false, &rep);
		s->conn.cmd_timeout_ms = saved;
	}
	smtp_close(&s->conn);
	s->up = false;
	s->in_txn = false;
	s->authed = false;
}

static int ehlo(struct probe *p, struct session *s, struct smtp_reply *rep)
{
	char line[300];
	int rc;

	snprintf(line, sizeof line, "EHLO %s", p->opt->helo);
	rc = smtp_command(&s->conn, line, false, rep);
	if (rc != SMTP_OK)
		return rc;
	if (rep->code / 100 == 2) {
		s->ehlo = *rep;
		s->esmtp = true;
		return SMTP_OK;
	}
	if (rep->code == 421 || rep->code / 100 == 4)
		return SMTP_OK; /* caller sees the code */
	snprintf(line, sizeof line, "HELO %s", p->opt->helo);
	rc = smtp_command(&s->conn, line, false, rep);
	if (rc == SMTP_OK && rep->code / 100 == 2) {
		memset(&s->ehlo, 0, sizeof s->ehlo);
		s->esmtp = false;
	}
	return rc;
}

static int base64(const char *in, size_t len, char *out, size_t size)
{
	if (len > 300 || size < 4 * ((len + 2) / 3) + 1)
		return -1;
	return EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)in, (int)len);
}

/* AUTH PLAIN or LOGIN. Returns SMTP_OK with the final reply in REP. */
static int authenticate(struct probe *p, struct session *s, struct smtp_reply *rep,
                        struct st_result *res)
{
	const struct st_options *o = p->opt;
	char mechs[256], raw[600], enc[900], line[1000];
	size_t ul = strlen(o->auth_user), pl = strlen(o->auth_pass);
	int rc;

	if (!smtp_ehlo_has(&s->ehlo, "AUTH", mechs, sizeof mechs)) {
		snprintf(res->reply, sizeof res->reply,
		         "the server offers no AUTH%s", s->conn.tls ? "" : " (without TLS)");
		return SMTP_E_PROTO;
	}
	if (smtp_word_in(mechs, "PLAIN")) {
		raw[0] = '\0';
		memcpy(raw + 1, o->auth_user, ul);
		raw[1 + ul] = '\0';
		memcpy(raw + 2 + ul, o->auth_pass, pl);
		if (base64(raw, ul + pl + 2, enc, sizeof enc) < 0)
			return SMTP_E_IO;
		snprintf(line, sizeof line, "AUTH PLAIN %s", enc);
		rc = smtp_command(&s->conn, line, true, rep);
		explicit_bzero(raw, sizeof raw);
		explicit_bzero(line, sizeof line);
		return rc;
	}
	if (smtp_word_in(mechs, "LOGIN")) {
		rc = smtp_command(&s->conn, "AUTH LOGIN", false, rep);
		if (rc != SMTP_OK || rep->code != 334)
			return rc;
		if (base64(o->auth_user, ul, enc, sizeof enc) < 0)
			return SMTP_E_IO;
		rc = smtp_command(&s->conn, enc, true, rep);
		if (rc != SMTP_OK || rep->code != 334)
			return rc;
		if (base64(o->auth_pass, pl, enc, sizeof enc) < 0)
			return SMTP_E_IO;
		rc = smtp_command(&s->conn, enc, true, rep);
		explicit_bzero(enc, sizeof enc);
		return rc;
	}
	snprintf(res->reply, sizeof res->reply,
	         "the server offers neither AUTH PLAIN nor LOGIN (AUTH %s)", mechs);
	return SMTP_E_PROTO;
}

/* Open a session: banner, EHLO/HELO, STARTTLS, XCLIENT, AUTH. On failure
 * RES (if given) says why and the session is closed. */
static int session_open(struct probe *p, struct session *s, bool auth,
                        struct st_result *res)
{
	struct st_options *o = p->opt;
	struct st_run *run = p->run;
	struct smtp_reply rep;
	char line[300];
	int rc;
	bool want_tls;

	smtp_conn_init(&s->conn, o->cmd_timeout_ms, &p->deadline, o->trace);
	if (o->trace)
		fprintf(o->trace, "-- connecting to %s port %u\n", o->dst_text, o->port);
	rc = smtp_connect(&s->conn, (struct sockaddr *)&o->dst, o->dst_len,
	                  o->has_source ? (struct sockaddr *)&o->src : NULL, o->src_len);
	if (rc != SMTP_OK) {
		p->connect_failures++;
		if (res)
			note_error(res, "connect", &s->conn, rc);
		return rc;
	}
	s->up = true;
	if (run->source[0] == '\0') {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;

		if (getsockname(s->conn.fd, (struct sockaddr *)&ss, &sl) == 0) {
			if (ss.ss_family == AF_INET)
				inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
				          run->source, sizeof run->source);
			else if (ss.ss_family == AF_INET6)
				inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
				          run->source, sizeof run->source);
		}
	}
	rc = smtp_read_reply(&s->conn, &rep);
	if (rc != SMTP_OK || rep.code != 220) {
		p->connect_failures++;
		if (res) {
			if (rc != SMTP_OK)
				note_error(res, "connect", &s->conn, rc);
			else
				note_reply(res, "connect", &rep);
		}
		session_close(s, rc == SMTP_OK && rep.code / 100 == 5);
		return rc != SMTP_OK ? rc : SMTP_E_PROTO;
	}
	if (!run->connected) {
		run->connected = true;
		copy_str(run->banner, sizeof run->banner, rep.text);
		if (o->params.server_name[0] == '\0') {
			size_t n = strcspn(rep.text, " \n");

			if (n > 0 && n < sizeof o->params.server_name &&
			    memchr(rep.text, '.', n) != NULL) {
				memcpy(o->params.server_name, rep.text, n);
				o->params.server_name[n] = '\0';
			}
		}
	}
	rc = ehlo(p, s, &rep);
	if (rc != SMTP_OK || rep.code / 100 != 2)
		goto fail;
	want_tls = o->tls == ST_TLS_REQUIRE || s->need_tls ||
	           (auth && o->tls == ST_TLS_AUTO &&
	            smtp_ehlo_has(&s->ehlo, "STARTTLS", NULL, 0));
	if (want_tls && o->tls != ST_TLS_NEVER) {
		if (!smtp_ehlo_has(&s->ehlo, "STARTTLS", NULL, 0)) {
			if (res) {
				note_reply(res, "STARTTLS", &rep);
				copy_str(res->note, sizeof res->note,
				         "STARTTLS wanted but not offered by the server");
			}
			session_close(s, true);
			return SMTP_E_PROTO;
		}
		rc = smtp_command(&s->conn, "STARTTLS", false, &rep);
		if (rc != SMTP_OK || rep.code != 220)
			goto fail;
		rc = smtp_tls_handshake(&s->conn,
		                        o->params.server_name[0] ? o->params.server_name
		                                                 : o->target_host,
		                        o->tls_verify ? (o->params.server_name[0]
		                                         ? o->params.server_name
		                                         : o->target_host) : NULL);
		if (rc != SMTP_OK)
			goto fail;
		copy_str(run->tls_info, sizeof run->tls_info, s->conn.tls_info);
		rc = ehlo(p, s, &rep);
		if (rc != SMTP_OK || rep.code / 100 != 2)
			goto fail;
	}
	if (o->xclient[0] != '\0') {
		if (!smtp_ehlo_has(&s->ehlo, "XCLIENT", NULL, 0)) {
			if (res) {
				note_reply(res, "XCLIENT", &rep);
				copy_str(res->note, sizeof res->note,
				         "the server does not offer XCLIENT to this client "
				         "(Postfix: smtpd_authorized_xclient_hosts)");
			}
			session_close(s, true);
			return SMTP_E_PROTO;
		}
		snprintf(line, sizeof line, "XCLIENT ADDR=%s%s NAME=[UNAVAILABLE]",
		         strchr(o->xclient, ':') ? "IPV6:" : "", o->xclient);
		rc = smtp_command(&s->conn, line, false, &rep);
		if (rc != SMTP_OK || rep.code != 220)
			goto fail;
		rc = ehlo(p, s, &rep);
		if (rc != SMTP_OK || rep.code / 100 != 2)
			goto fail;
	}
	if (auth) {
		if (res)
			res->stage = "AUTH";
		rc = authenticate(p, s, &rep, res ? res : &(struct st_result){0});
		if (rc != SMTP_OK) {
			if (res && res->reply[0] == '\0')
				note_error(res, "AUTH", &s->conn, rc);
			if (res)
				res->stage = "AUTH";
			session_close(s, rc == SMTP_E_PROTO);
			return rc;
		}
		if (rep.code != 235) {
			if (res)
				note_reply(res, "AUTH", &rep);
			session_close(s, true);
			return SMTP_E_PROTO;
		}
		s->authed = true;
	}
	p->connect_failures = 0;
	return SMTP_OK;
fail:
	if (res) {
		if (rc != SMTP_OK)
			note_error(res, "connect", &s->conn, rc);
		else
			note_reply(res, "connect", &rep);
	}
	session_close(s, rc == SMTP_OK);
	return rc != SMTP_OK ? rc : SMTP_E_PROTO;
}

/* "rlst-<hex>-<case>" */
static void make_token(const char *name, char *out, size_t size)
{
	unsigned char rnd[8] = {0};
	char hex[17];

	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
		long t = now_ms();

		memcpy(rnd, &t, sizeof t < sizeof rnd ? sizeof t : sizeof rnd);
	}
	for (size_t i = 0; i < sizeof rnd; i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	snprintf(out, size, "rlst-%s-%s", hex, name);
}

static int send_message(struct probe *p, struct session *s, struct st_result *r,
                        struct smtp_reply *rep)
{
	char msg[4096], date[64];
	time_t now = time(NULL);
	struct tm tm;
	int n, rc;

	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	make_token(r->tcase->name, r->token, sizeof r->token);
	if (p->opt->catcher && !st_catch_expect(p->opt->catcher, r->token))
		copy_str(r->note, sizeof r->note, "--catch waits for no more tokens");
	n = snprintf(msg, sizeof msg,
	             "From: %s\r\n"
	             "To: %s\r\n"
	             "Subject: relaylock-selftest relay probe %s\r\n"
	             "Message-ID: <%s@relaylock-selftest.invalid>\r\n"
	             "Date: %s\r\n"
	             "X-Relaylock-Selftest: case=%s\r\n"
	             "MIME-Version: 1.0\r\n"
	             "Content-Type: text/plain; charset=us-ascii\r\n"
	             "\r\n"
	             "This message was sent by relaylock-selftest to the SMTP server\r\n"
	             "%s, trying the relay trick \"%s\":\r\n"
	             "  %s\r\n"
	             "If it reached an outside mailbox, that server relayed it for an\r\n"
	             "outside client: it is an open relay.\r\n"
	             "Token: %s\r\n"
	             ".\r\n",
	             strchr(r->mail, '<') && strcmp(r->mail, "<>") != 0
	             ? r->mail : "<relaytest@relaylock-selftest.invalid>",
	             r->rcpt, r->token, r->token, date, r->tcase->name,
	             p->opt->target, r->tcase->name, r->tcase->why, r->token);
	if (n < 0 || (size_t)n >= sizeof msg)
		return SMTP_E_IO;
	rc = smtp_command(&s->conn, "DATA", false, rep);
	if (rc != SMTP_OK || rep->code != 354)
		return rc;
	s->in_txn = false;
	rc = smtp_send(&s->conn, msg, (size_t)n);
	if (rc != SMTP_OK)
		return rc;
	return smtp_read_reply(&s->conn, rep);
}

/* Classify a refusal: 5xx CLOSED (FAIL for controls), else INCONCLUSIVE. */
static enum st_verdict refused(const struct st_result *r, int code)
{
	if (r->control)
		return ST_FAIL;
	return code / 100 == 5 ? ST_CLOSED : ST_INCONCLUSIVE;
}

/* Expand the case's addresses. The server name comes from the first banner
 * when not given, so this waits until a session is up (or has failed);
 * without a name the hosted domain stands in for it. */
static bool expand_case(struct probe *p, struct st_result *r)
{
	struct st_params *pp = &p->opt->params;

	if (pp->server_name[0] == '\0')
		copy_str(pp->server_name, sizeof pp->server_name, pp->hosted);
	if (r->fixed)
		return true;
	if (st_expand(r->tcase->mail, pp, r->mail, sizeof r->mail) < 0 ||
	    st_expand(r->tcase->rcpt, pp, r->rcpt, sizeof r->rcpt) < 0) {
		r->verdict = r->control ? ST_FAIL : ST_INCONCLUSIVE;
		r->stage = "-";
		copy_str(r->reply, sizeof r->reply, "address too long to expand");
		return false;
	}
	return true;
}

/* Send VERB ARG for STAGE. Returns true with REP when the server answered
 * other than 421; else the session is closed and *RETRY says whether a
 * fresh session may help. */
static bool step(struct session *s, struct st_result *r, const char *stage,
                 const char *verb, const char *arg, struct smtp_reply *rep,
                 bool *retry)
{
	char line[ST_ADDR_MAX + 16];
	int rc;

	snprintf(line, sizeof line, "%s%s", verb, arg);
	rc = smtp_command(&s->conn, line, false, rep);
	if (rc != SMTP_OK) {
		note_error(r, stage, &s->conn, rc);
		session_close(s, false);
		*retry = rc == SMTP_E_CLOSED;
		return false;
	}
	note_reply(r, stage, rep);
	if (rep->code == 421) {
		session_close(s, false);
		*retry = true;
		return false;
	}
	return true;
}

/* One attempt. Returns true when a retry on a fresh session makes sense
 * (the server dropped us or said 421 before answering the question). */
static bool attempt(struct probe *p, struct session *s, struct st_result *r,
                    bool auth)
{
	struct st_options *o = p->opt;
	struct smtp_reply rep;
	bool retry = false;
	int rc;

	r->attempts++;
	r->stage = "-";
	r->reply[0] = r->note[0] = r->token[0] = '\0';
	r->code = 0;
	r->dsn[0] = '\0';
	r->verdict = ST_INCONCLUSIVE;
	if (s->up && s->in_txn) {
		rc = smtp_command(&s->conn, "RSET", false, &rep);
		if (rc != SMTP_OK || rep.code / 100 != 2)
			session_close(s, rc == SMTP_OK && rep.code != 421);
		else
			s->in_txn = false;
	}
	if (s->up && auth != s->authed)
		session_close(s, true);
	if (!s->up) {
		rc = session_open(p, s, auth, r);
		if (rc != SMTP_OK) {
			r->verdict = r->control ? ST_FAIL : ST_INCONCLUSIVE;
			return rc == SMTP_E_CLOSED || (rc == SMTP_E_PROTO && r->code == 421);
		}
	}
	if (!expand_case(p, r))
		return false;
	if (!step(s, r, "MAIL", "MAIL FROM:", r->mail, &rep, &retry))
		return retry;
	if (rep.code == 530 && !s->conn.tls && o->tls == ST_TLS_AUTO &&
	    !s->need_tls && smtp_ehlo_has(&s->ehlo, "STARTTLS", NULL, 0)) {
		/* "530 5.7.0 Must issue a STARTTLS command first" */
		s->need_tls = true;
		session_close(s, true);
		return true;
	}
	if (rep.code / 100 != 2) {
		r->verdict = refused(r, rep.code);
		return false;
	}
	s->in_txn = true;
	if (!step(s, r, "RCPT", "RCPT TO:", r->rcpt, &rep, &retry))
		return retry;
	if (rep.code / 100 != 2) {
		r->verdict = refused(r, rep.code);
		return false;
	}
	if (r->control) {
		r->verdict = ST_PASS;
		return false;
	}
	r->verdict = ST_OPEN;
	if (!o->data)
		return false;
	if (r->tcase->flags & ST_CASE_NO_DATA) {
		copy_str(r->note, sizeof r->note,
		         "no DATA: the recipient is not the outside address you named");
		return false;
	}
	{
		struct st_result keep = *r;

		rc = send_message(p, s, r, &rep);
		if (rc != SMTP_OK) {
			note_error(r, "DATA", &s->conn, rc);
			copy_str(r->note, sizeof r->note,
			         "RCPT was accepted; the message could not be completed");
			session_close(s, false);
			return false;
		}
		note_reply(r, "DATA", &rep);
		if (rep.code / 100 == 2) {
			r->verdict = ST_OPEN_CONFIRMED;
		} else {
			snprintf(r->note, sizeof r->note,
			         "RCPT was accepted (%d); the message was refused at DATA",
			         keep.code);
			if (rep.code == 421)
				session_close(s, false);
		}
	}
	return false;
}

static void run_one(struct probe *p, struct session *s, struct st_result *r,
                    bool auth)
{
	long t0 = now_ms();

	/* At most one retry on a fresh session after a drop or 421. */
	if (attempt(p, s, r, auth) && !smtp_abort && smtp_total_left_ms(&s->conn) > 0 &&
	    p->connect_failures < 2)
		attempt(p, s, r, auth);
	if (r->mail[0] == '\0' && r->rcpt[0] == '\0') {
		struct st_result keep = *r;

		/* Never reached MAIL: still show the addresses in the report. */
		if (expand_case(p, r)) {
			r->verdict = keep.verdict;
			r->stage = keep.stage;
		}
	}
	r->ms = now_ms() - t0;
}

/* The learnt state of SENDER, or NULL when it was never tried. */
static struct st_sender *sender_find(struct st_run *run, const char *sender)
{
	for (size_t i = 0; i < run->n_senders; i++)
		if (strcmp(run->senders[i].addr, sender) == 0)
			return &run->senders[i];
	return NULL;
}

static void sender_note(struct st_run *run, const char *sender,
                        enum st_sender_state state, int code)
{
	struct st_sender *e;

	if (run->n_senders >= ST_SENDERS_MAX || strlen(sender) >= sizeof e->addr)
		return;
	e = &run->senders[run->n_senders++];
	copy_str(e->addr, sizeof e->addr, sender);
	e->state = state;
	e->code = code;
}

/* What a result with the hosted control recipient says of its sender. */
static enum st_sender_state learn_sender(struct st_run *run, const struct st_result *t)
{
	enum st_sender_state st = t->verdict == ST_PASS ? ST_SENDER_ACCEPTED
	                          : t->code / 100 == 5 ? ST_SENDER_REFUSED
	                                               : ST_SENDER_UNKNOWN;

	if (!sender_find(run, t->mail))
		sender_note(run, t->mail, st, st == ST_SENDER_ACCEPTED ? 0 : t->code);
	return st;
}

/* Does the server take SENDER at all? Asked once per sender, with the
 * hosted control recipient: a refusal there is a refusal of the sender,
 * whatever the recipient. */
static enum st_sender_state sender_state(struct probe *p, struct session *s,
                                         const char *sender)
{
	struct st_sender *known = sender_find(p->run, sender);
	struct st_result t;

	if (known)
		return known->state;
	memset(&t, 0, sizeof t);
	t.tcase = st_control_hosted();
	t.control = true;
	t.fixed = true;
	copy_str(t.mail, sizeof t.mail, sender);
	if (st_expand(t.tcase->rcpt, &p->opt->params, t.rcpt, sizeof t.rcpt) < 0)
		return ST_SENDER_UNKNOWN;
	run_one(p, s, &t, false);
	return learn_sender(p->run, &t);
}

/* The sender at the hosted domain: the last neutral sender to try. */
static const char HOSTED_SENDER[] = "<relaytest@{H}>";

/* Judge R again with SENDER instead of its own, which stays in case_mail. */
static void judge_with(struct probe *p, struct session *s, struct st_result *r,
                       const char *sender)
{
	copy_str(r->case_mail, sizeof r->case_mail, r->mail);
	copy_str(r->mail, sizeof r->mail, sender);
	r->fixed = true;
	run_one(p, s, r, false);
}

/* A recipient trick refused along with its sender was never judged:
 * judge it again with a sender the server accepts (the outside address,
 * then one at the hosted domain). */
static void rejudge(struct probe *p, struct session *s, struct st_result *r)
{
	static const char *const neutral[] = {"<{O}>", HOSTED_SENDER};
	enum st_sender_state st = sender_state(p, s, r->mail);
	char cand[ST_ADDR_MAX], orig[ST_ADDR_MAX];

	if (st == ST_SENDER_ACCEPTED || smtp_abort)
		return;
	copy_str(orig, sizeof orig, r->mail);
	for (size_t i = 0; i < sizeof neutral / sizeof neutral[0]; i++) {
		if (st_expand(neutral[i], &p->opt->params, cand, sizeof cand) < 0 ||
		    strcmp(cand, orig) == 0 ||
		    sender_state(p, s, cand) != ST_SENDER_ACCEPTED)
			continue;
		judge_with(p, s, r, cand);
		snprintf(r->note, sizeof r->note, "sender %.60s %s with the hosted "
		         "recipient: judged with %.60s", orig,
		         st == ST_SENDER_REFUSED ? "refused" : "not accepted", cand);
		return;
	}
	r->verdict = ST_INCONCLUSIVE;
	snprintf(r->note, sizeof r->note, "sender %.60s refused, and no neutral sender "
	         "was accepted: the recipient was never judged", orig);
}

/* The hosted control refused with the outside sender (Debian's Sendmail
 * answers 451 to a sender domain it cannot resolve): the control is about
 * the hosted recipient, so it passes when a sender at the hosted domain is
 * accepted, and says so. */
static void control_fallback(struct probe *p, struct session *s, struct st_result *r)
{
	const struct st_sender *known;
	struct st_result retry = *r;
	char cand[ST_ADDR_MAX];

	if (strcmp(r->stage, "MAIL") != 0 && strcmp(r->stage, "RCPT") != 0)
		return; /* refused before any sender was given */
	if (smtp_abort || st_expand(HOSTED_SENDER, &p->opt->params, cand, sizeof cand) < 0 ||
	    strcmp(cand, r->mail) == 0)
		return;
	known = sender_find(p->run, cand);
	if (known && known->state != ST_SENDER_ACCEPTED)
		return;
	judge_with(p, s, &retry, cand);
	if (learn_sender(p->run, &retry) != ST_SENDER_ACCEPTED)
		return;
	snprintf(retry.note, sizeof retry.note, "sender %.60s refused with the hosted "
	         "recipient (%d): control judged with %.60s", r->mail, r->code, cand);
	*r = retry;
}

static bool some_sender_accepted(const struct st_run *run)
{
	for (size_t i = 0; i < run->n_senders; i++)
		if (run->senders[i].state == ST_SENDER_ACCEPTED)
			return true;
	return false;
}

/* A sender trick answered 4xx: when the server takes the hosted recipient
 * from other senders but refuses this one even there, the trick cannot
 * relay through it. */
static void sender_trick_refused(struct probe *p, struct session *s, struct st_result *r)
{
	const struct st_sender *e;

	if (smtp_abort || !some_sender_accepted(p->run) ||
	    sender_state(p, s, r->mail) == ST_SENDER_ACCEPTED)
		return;
	e = sender_find(p->run, r->mail);
	if (!e || e->code / 100 < 4)
		return; /* no answer: stays inconclusive */
	r->verdict = ST_CLOSED;
	snprintf(r->note, sizeof r->note, "the server refuses this sender whatever the "
	         "recipient (%d with the hosted recipient)", e->code);
}

/* Refused with 4xx or 5xx, possibly for its sender: worth a neutral one. */
static bool refused_maybe_for_sender(const struct st_result *r)
{
	return r->verdict == ST_CLOSED ||
	       (r->verdict == ST_INCONCLUSIVE && r->code / 100 == 4);
}

/* One case or control, judged to the end. */
static void run_case(struct probe *p, struct session *s, struct st_result *r,
                     bool auth)
{
	long t0 = now_ms();
	bool hosted_control = r->control && r->tcase == st_control_hosted();

	run_one(p, s, r, auth);
	if (hosted_control)
		learn_sender(p->run, r);
	if (hosted_control && r->verdict == ST_FAIL && r->code / 100 >= 4)
		control_fallback(p, s, r);
	if (!r->control && !(r->tcase->flags & ST_CASE_SENDER_TRICK) &&
	    refused_maybe_for_sender(r))
		rejudge(p, s, r);
	else if ((r->tcase->flags & ST_CASE_SENDER_TRICK) &&
	         r->verdict == ST_INCONCLUSIVE && r->code / 100 == 4)
		sender_trick_refused(p, s, r);
	r->ms = now_ms() - t0;
}

static void not_run(struct st_result *r, const char *why)
{
	r->verdict = r->control ? ST_FAIL : ST_INCONCLUSIVE;
	r->stage = "-";
	copy_str(r->reply, sizeof r->reply, why);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	while (!smtp_abort && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void st_judge(struct st_run *run)
{
	const struct st_result *first_fail = NULL;
	char list[300] = "";
	size_t len = 0, listed = 0;
	enum st_verdict want;

	run->n_closed = run->n_open = run->n_confirmed = run->n_relayed = 0;
	run->n_inconclusive = 0;
	run->n_cases = run->n_controls = run->n_controls_failed = 0;
	for (size_t i = 0; i < run->n_results; i++) {
		const struct st_result *r = &run->results[i];

		if (r->control) {
			run->n_controls++;
			if (r->verdict != ST_PASS) {
				run->n_controls_failed++;
				if (!first_fail)
					first_fail = r;
			}
			continue;
		}
		run->n_cases++;
		switch (r->verdict) {
		case ST_CLOSED:
			run->n_closed++;
			break;
		case ST_OPEN:
			run->n_open++;
			break;
		case ST_OPEN_CONFIRMED:
			run->n_confirmed++;
			break;
		case ST_RELAYED:
			run->n_relayed++;
			break;
		default:
			run->n_inconclusive++;
		}
	}
	if (run->n_open + run->n_confirmed + run->n_relayed > 0) {
		run->status = ST_CRITICAL;
		want = ST_OPEN;
	} else if (!run->connected || run->n_controls_failed > 0) {
		run->status = ST_UNKNOWN;
		want = ST_FAIL;
	} else if (run->n_inconclusive > 0) {
		run->status = ST_WARNING;
		want = ST_INCONCLUSIVE;
	} else {
		run->status = ST_OK;
		want = ST_CLOSED;
	}
	for (size_t i = 0; i < run->n_results && want != ST_CLOSED && want != ST_FAIL; i++) {
		const struct st_result *r = &run->results[i];
		bool hit = r->control ? false
		           : want == ST_OPEN ? (r->verdict == ST_OPEN || r->verdict == ST_OPEN_CONFIRMED ||
		                                r->verdict == ST_RELAYED)
		                             : r->verdict == want;
		int n;

		if (!hit)
			continue;
		if (listed == 5) {
			n = snprintf(list + len, sizeof list - len, ", ...");
			if (n > 0 && (size_t)n < sizeof list - len)
				len += (size_t)n;
			break;
		}
		n = snprintf(list + len, sizeof list - len, "%s%s", listed ? ", " : "",
		             r->tcase->name);
		if (n < 0 || (size_t)n >= sizeof list - len)
			break;
		len += (size_t)n;
		listed++;
	}
	switch (run->status) {
	case ST_CRITICAL:
		snprintf(run->summary, sizeof run->summary,
		         "CRITICAL - open relay: %zu of %zu cases accepted (%zu confirmed by DATA, "
		         "%zu relayed): %s", run->n_open + run->n_confirmed + run->n_relayed,
		         run->n_cases, run->n_confirmed + run->n_relayed, run->n_relayed, list);
		break;
	case ST_UNKNOWN:
		if (!run->connected && first_fail && first_fail->code)
			snprintf(run->summary, sizeof run->summary,
			         "UNKNOWN - no SMTP session: %d %.200s", first_fail->code,
			         first_fail->reply);
		else if (!run->connected)
			snprintf(run->summary, sizeof run->summary,
			         "UNKNOWN - no SMTP session: %.200s",
			         first_fail ? first_fail->reply
			         : run->n_results ? run->results[0].reply : "nothing was probed");
		else if (first_fail && first_fail->code)
			snprintf(run->summary, sizeof run->summary,
			         "UNKNOWN - %s failed at %s: %d %.200s; %zu of %zu cases closed",
			         first_fail->tcase->name, first_fail->stage, first_fail->code,
			         first_fail->reply, run->n_closed, run->n_cases);
		else if (first_fail)
			snprintf(run->summary, sizeof run->summary,
			         "UNKNOWN - %s failed at %s: %.200s; %zu of %zu cases closed",
			         first_fail->tcase->name, first_fail->stage, first_fail->reply,
			         run->n_closed, run->n_cases);
		break;
	case ST_WARNING:
		snprintf(run->summary, sizeof run->summary,
		         "WARNING - %zu of %zu cases inconclusive: %s; %zu closed, controls passed",
		         run->n_inconclusive, run->n_cases, list, run->n_closed);
		break;
	case ST_OK:
		snprintf(run->summary, sizeof run->summary,
		         "OK - all %zu cases closed, %zu control%s passed",
		         run->n_cases, run->n_controls, run->n_controls == 1 ? "" : "s");
		break;
	}
	/* Multi-line reply texts: keep the summary on one line. */
	for (char *c = run->summary; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c == 0x7f)
			*c = ' ';
}

/* --catch: wait for the messages, then RELAYED for each that arrived. */
static void catch_verdicts(struct probe *p)
{
	struct st_run *run = p->run;
	size_t expected = 0;

	for (size_t i = 0; i < run->n_results; i++)
		expected += run->results[i].verdict == ST_OPEN_CONFIRMED;
	if (expected > 0)
		st_catch_wait(p->opt->catcher, p->opt->catch_wait_ms);
	st_catch_halt(p->opt->catcher);
	for (size_t i = 0; i < run->n_results; i++) {
		struct st_result *r = &run->results[i];

		if (r->verdict == ST_OPEN_CONFIRMED &&
		    st_catch_arrived(p->opt->catcher, r->token)) {
			r->verdict = ST_RELAYED;
			copy_str(r->note, sizeof r->note,
			         "the message arrived at the vantage address");
		}
	}
	run->n_catch_refused = st_catch_refused(p->opt->catcher);
}

/* Run result I of the run. Returns true when the server is dead. */
static bool run_slot(struct probe *p, struct session *s, size_t i,
                     st_trusted_fn trusted, void *trusted_ctx)
{
	struct st_options *opt = p->opt;
	struct st_run *run = p->run;
	struct st_result *r = &run->results[i];
	bool auth = r->tcase == st_control_auth();

	if (i > 0 && opt->delay_ms > 0)
		sleep_ms(opt->delay_ms);
	run_case(p, s, r, auth);
	if (auth && s->up)
		session_close(s, true); /* never probe tricks as the user */
	/* The vantage check needs the source address of the first session. */
	if (i == 0 && trusted != NULL) {
		const char *seen = opt->xclient[0] ? opt->xclient : run->source;

		if (seen[0] != '\0' && trusted(seen, trusted_ctx))
			st_run_warn(run, "the server sees this probe as %s, which is inside "
			            "trusted_networks of the configuration: the result proves "
			            "nothing for outside clients", seen);
	}
	return p->connect_failures >= 2 || (!run->connected && p->connect_failures >= 1);
}

enum st_status st_probe(struct st_options *opt, struct st_run *run,
                        st_trusted_fn trusted, void *trusted_ctx)
{
	struct probe p = {.opt = opt, .run = run};
	struct session s;
	size_t ncases, n = 0;
	const struct st_case *cases = st_cases(&ncases);
	long t0 = now_ms();
	bool dead = false;

	memset(&s, 0, sizeof s);
	smtp_conn_init(&s.conn, opt->cmd_timeout_ms, NULL, NULL);
	clock_gettime(CLOCK_MONOTONIC, &p.deadline);
	p.deadline.tv_sec += opt->total_timeout_ms / 1000;
	p.deadline.tv_nsec += (long)(opt->total_timeout_ms % 1000) * 1000000;
	if (p.deadline.tv_nsec >= 1000000000) {
		p.deadline.tv_sec++;
		p.deadline.tv_nsec -= 1000000000;
	}
	run->started = time(NULL);
	run->results = calloc(ncases + 2, sizeof *run->results);
	if (run->results == NULL) {
		run->status = ST_UNKNOWN;
		snprintf(run->summary, sizeof run->summary, "UNKNOWN - out of memory");
		return run->status;
	}
	/* Controls first: a server that refuses everything is not "safe". */
	run->results[n].tcase = st_control_hosted();
	run->results[n++].control = true;
	if (opt->has_auth) {
		run->results[n].tcase = st_control_auth();
		run->results[n++].control = true;
	}
	for (size_t i = 0; i < ncases; i++) {
		if (opt->only && !st_name_in_list(cases[i].name, opt->only))
			continue;
		if (opt->skip && st_name_in_list(cases[i].name, opt->skip))
			continue;
		run->results[n++].tcase = &cases[i];
	}
	run->n_results = n;

	for (size_t i = 0; i < n; i++) {
		struct st_result *r = &run->results[i];

		s.conn.total_deadline = p.deadline;
		if (smtp_abort)
			not_run(r, "not run: interrupted");
		else if (dead)
			not_run(r, "not run: the server cannot be reached");
		else if (smtp_total_left_ms(&s.conn) <= 0)
			not_run(r, "not run: total timeout reached");
		else
			dead = run_slot(&p, &s, i, trusted, trusted_ctx);
		if (opt->on_result)
			opt->on_result(run, r, opt->on_result_ctx);
	}
	session_close(&s, true);
	if (opt->catcher)
		catch_verdicts(&p);
	run->elapsed_ms = now_ms() - t0;
	st_judge(run);
	return run->status;
}

void st_run_free(struct st_run *run)
{
	free(run->results);
	run->results = NULL;
	run->n_results = 0;
}
