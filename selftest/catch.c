/* catch.c - the --catch listener (see catch.h). */
#define _GNU_SOURCE
#include "catch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "smtp_conn.h"

#define CONNS_MAX 8              /* at once */
#define ACCEPTS_MAX 256          /* in one run */
#define LINE_MAX_LEN 1000        /* RFC 5321 text line, CRLF excluded */
#define MSG_MAX (256 * 1024)     /* one message */
#define DRAIN_MAX (4 * MSG_MAX)  /* read of a message that is too big */
#define MSGS_PER_CONN 64
#define IDLE_MS 30000
#define TOKEN_LEN 96

struct conn {
	int fd;                      /* -1: free */
	bool data;
	bool overlong;               /* skipping the rest of a long line */
	size_t len;
	size_t msg_bytes;
	int hit;                     /* token found in this message, or -1 */
	unsigned msgs;
	long last_ms;
	char line[LINE_MAX_LEN + 1];
};

struct st_catch {
	int lfd;
	int wake[2];                 /* written to stop the thread */
	pthread_t thread;
	bool running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t n_tokens, n_arrived, n_refused, n_accepts;
	char tokens[ST_CATCH_TOKENS_MAX][TOKEN_LEN];
	bool arrived[ST_CATCH_TOKENS_MAX];
	struct conn conns[CONNS_MAX];
};

static long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void conn_close(struct conn *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

static void say(struct conn *k, const char *text)
{
	size_t n = strlen(text);

	if (send(k->fd, text, n, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)n)
		conn_close(k);
}

/* Index of the expected token in LINE, or -1. */
static int find_token(struct st_catch *c, const char *line)
{
	int hit = -1;

	if (strstr(line, "rlst-") == NULL)
		return -1;
	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < c->n_tokens && hit < 0; i++)
		if (strstr(line, c->tokens[i]) != NULL)
			hit = (int)i;
	pthread_mutex_unlock(&c->mu);
	return hit;
}

static void end_of_message(struct st_catch *c, struct conn *k)
{
	char reply[160] = "";

	k->data = false;
	k->msgs++;
	pthread_mutex_lock(&c->mu);
	if (k->hit >= 0 && !c->arrived[k->hit]) {
		c->arrived[k->hit] = true;
		c->n_arrived++;
		pthread_cond_broadcast(&c->cv);
	}
	if (k->hit < 0)
		c->n_refused++;
	if (k->hit >= 0)
		snprintf(reply, sizeof reply, "250 2.0.0 Ok: %s arrived\r\n", c->tokens[k->hit]);
	pthread_mutex_unlock(&c->mu);
	say(k, k->hit >= 0 ? reply
	       : "554 5.7.1 not a message of this relaylock-selftest run\r\n");
	if (k->fd >= 0 && k->msgs >= MSGS_PER_CONN) {
		say(k, "421 4.7.0 enough for one session\r\n");
		conn_close(k);
	}
}

static void data_line(struct st_catch *c, struct conn *k)
{
	if (strcmp(k->line, ".") == 0 && k->msg_bytes > MSG_MAX) {
		k->data = false;
		say(k, "552 5.3.4 message too big for a relay probe\r\n");
		return;
	}
	if (strcmp(k->line, ".") == 0) {
		end_of_message(c, k);
		return;
	}
	if (k->hit < 0 && k->msg_bytes <= MSG_MAX)
		k->hit = find_token(c, k->line);
}

static void command(struct conn *k)
{
	const char *l = k->line;

	if (!strncasecmp(l, "EHLO", 4) || !strncasecmp(l, "HELO", 4))
		say(k, "250 relaylock-selftest.invalid\r\n");
	else if (!strncasecmp(l, "MAIL", 4))
		say(k, "250 2.1.0 Ok\r\n");
	else if (!strncasecmp(l, "RCPT", 4))
		say(k, "250 2.1.5 Ok\r\n");
	else if (!strncasecmp(l, "DATA", 4)) {
		k->data = true;
		k->msg_bytes = 0;
		k->hit = -1;
		say(k, "354 End data with <CR><LF>.<CR><LF>\r\n");
	} else if (!strncasecmp(l, "RSET", 4) || !strncasecmp(l, "NOOP", 4))
		say(k, "250 2.0.0 Ok\r\n");
	else if (!strncasecmp(l, "QUIT", 4)) {
		say(k, "221 2.0.0 Bye\r\n");
		conn_close(k);
	} else
		say(k, "502 5.5.2 command not implemented\r\n");
}

/* One complete line in K->line (CR stripped). */
static void on_line(struct st_catch *c, struct conn *k)
{
	if (k->overlong) {
		k->overlong = false;
		if (!k->data)
			say(k, "500 5.5.2 line too long\r\n");
		return;
	}
	if (k->data)
		data_line(c, k);
	else
		command(k);
}

static void on_readable(struct st_catch *c, struct conn *k)
{
	char buf[4096];
	ssize_t n = recv(k->fd, buf, sizeof buf, MSG_DONTWAIT);

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			conn_close(k);
		return;
	}
	k->last_ms = mono_ms();
	for (ssize_t i = 0; i < n && k->fd >= 0; i++) {
		/* Every octet of a message counts, long lines included. */
		if (k->data && ++k->msg_bytes > DRAIN_MAX) {
			say(k, "552 5.3.4 message too big for a relay probe\r\n");
			conn_close(k);
			break;
		}
		if (buf[i] == '\n') {
			if (k->len > 0 && k->line[k->len - 1] == '\r')
				k->len--;
			k->line[k->len] = '\0';
			on_line(c, k);
			k->len = 0;
		} else if (k->len < LINE_MAX_LEN) {
			k->line[k->len++] = buf[i] ? buf[i] : '?';
		} else {
			k->overlong = true;
			k->len = 0;
		}
	}
}

static void on_accept(struct st_catch *c)
{
	int fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (size_t i = 0; i < CONNS_MAX; i++)
		if (c->conns[i].fd < 0 && c->n_accepts < ACCEPTS_MAX) {
			struct conn *k = &c->conns[i];

			memset(k, 0, sizeof *k);
			k->fd = fd;
			k->hit = -1;
			k->last_ms = mono_ms();
			c->n_accepts++;
			say(k, "220 relaylock-selftest.invalid ESMTP relay probe catcher\r\n");
			return;
		}
	close(fd); /* full, or enough for one run */
}

static void *serve(void *arg)
{
	struct st_catch *c = arg;

	for (;;) {
		struct pollfd pf[CONNS_MAX + 2];
		size_t map[CONNS_MAX], n = 2, nk = 0;

		bool room = false;

		pf[0] = (struct pollfd){.fd = c->wake[0], .events = POLLIN};
		for (size_t i = 0; i < CONNS_MAX; i++) {
			if (c->conns[i].fd < 0) {
				room = true;
				continue;
			}
			if (mono_ms() - c->conns[i].last_ms > IDLE_MS) {
				conn_close(&c->conns[i]);
				continue;
			}
			map[nk++] = i;
			pf[n++] = (struct pollfd){.fd = c->conns[i].fd, .events = POLLIN};
		}
		/* When full, later senders wait in the listen backlog. */
		pf[1] = (struct pollfd){.fd = room && c->n_accepts < ACCEPTS_MAX ? c->lfd : -1,
		                        .events = POLLIN};
		if (poll(pf, n, 1000) < 0 && errno != EINTR)
			break;
		if (pf[0].revents)
			break;
		if (pf[1].revents & POLLIN)
			on_accept(c);
		for (size_t j = 0; j < nk; j++)
			if (pf[2 + j].revents)
				on_readable(c, &c->conns[map[j]]);
	}
	for (size_t i = 0; i < CONNS_MAX; i++)
		conn_close(&c->conns[i]);
	return NULL;
}

static struct st_catch *fail(struct st_catch *c, char *err, size_t errsz, const char *what)
{
	snprintf(err, errsz, "--catch: %s: %s", what, strerror(errno));
	st_catch_stop(c);
	return NULL;
}

struct st_catch *st_catch_start(const struct sockaddr *addr, socklen_t len,
                                char *err, size_t errsz)
{
	struct st_catch *c = calloc(1, sizeof *c);
	pthread_condattr_t ca;
	sigset_t all, old;
	int one = 1;

	if (c == NULL) {
		snprintf(err, errsz, "--catch: out of memory");
		return NULL;
	}
	c->lfd = c->wake[0] = c->wake[1] = -1;
	for (size_t i = 0; i < CONNS_MAX; i++)
		c->conns[i].fd = -1;
	pthread_mutex_init(&c->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pipe2(c->wake, O_CLOEXEC) < 0)
		return fail(c, err, errsz, "pipe");
	c->lfd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->lfd < 0)
		return fail(c, err, errsz, "socket");
	setsockopt(c->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(c->lfd, addr, len) < 0)
		return fail(c, err, errsz, "bind to the vantage address");
	if (listen(c->lfd, 64) < 0)
		return fail(c, err, errsz, "listen");
	/* Signals stay with the main thread (smtp_abort). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	errno = pthread_create(&c->thread, NULL, serve, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (errno != 0)
		return fail(c, err, errsz, "thread");
	c->running = true;
	return c;
}

bool st_catch_expect(struct st_catch *c, const char *token)
{
	bool ok = c->n_tokens < ST_CATCH_TOKENS_MAX && strlen(token) < TOKEN_LEN;

	pthread_mutex_lock(&c->mu);
	if (ok)
		snprintf(c->tokens[c->n_tokens++], TOKEN_LEN, "%s", token);
	pthread_mutex_unlock(&c->mu);
	return ok;
}

bool st_catch_arrived(struct st_catch *c, const char *token)
{
	bool yes = false;

	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < c->n_tokens; i++)
		if (strcmp(c->tokens[i], token) == 0)
			yes = c->arrived[i];
	pthread_mutex_unlock(&c->mu);
	return yes;
}

size_t st_catch_wait(struct st_catch *c, unsigned wait_ms)
{
	long end = mono_ms() + (long)wait_ms;
	size_t got;

	pthread_mutex_lock(&c->mu);
	while (c->n_arrived < c->n_tokens && !smtp_abort && mono_ms() < end) {
		struct timespec ts;

		/* Wake at least every 200 ms to see a signal. */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 200 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&c->cv, &c->mu, &ts);
	}
	got = c->n_arrived;
	pthread_mutex_unlock(&c->mu);
	return got;
}

size_t st_catch_refused(struct st_catch *c)
{
	size_t n;

	pthread_mutex_lock(&c->mu);
	n = c->n_refused;
	pthread_mutex_unlock(&c->mu);
	return n;
}

void st_catch_halt(struct st_catch *c)
{
	if (c->running) {
		ssize_t w = write(c->wake[1], "x", 1);

		(void)w;
		pthread_join(c->thread, NULL);
		c->running = false;
	}
	if (c->lfd >= 0)
		close(c->lfd);
	c->lfd = -1;
}

void st_catch_stop(struct st_catch *c)
{
	if (c == NULL)
		return;
	st_catch_halt(c);
	for (int i = 0; i < 2; i++)
		if (c->wake[i] >= 0)
			close(c->wake[i]);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
}
