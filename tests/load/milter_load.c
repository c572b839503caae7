/* milter_load.c - a milter-protocol (v6) load client that checks answers.
 *
 *   milter_load -s SOCKET [-c CONNS] [-n RCPTS] [-r PER_SESSION] [-t SECS]
 *               [-H HOSTED] [-a]
 *
 * CONNS threads (default 20) each run SMTP-like sessions over their own
 * milter connection: OPTNEG, CONNECT, MAIL, PER_SESSION RCPTs (default 5),
 * QUIT, until RCPTS decisions in all (default 10000) or SECS seconds
 * (default 60). Every macro packet goes out in the same write as its
 * command, as an MTA should, so no Nagle stall is measured. Recipients come
 * from a fixed mix of hosted, outside and trick addresses at HOSTED
 * (default hosted.example) from an untrusted client, each with its right
 * answer; -a expects every recipient accepted (a null milter). Prints one
 * line: sessions, rcpts, wrong, errors, seconds, sessions_per_s, rcpt_per_s.
 * Exit status 0 only when there was no wrong answer and no error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define PKT_MAX 65536

struct rcpt_case {
	char rcpt[160];
	char resolved[160];
	bool accept;
};

static const char *sock_path;
static int conns = 20, per_session = 5, max_secs = 60;
static long max_rcpts = 10000;
static bool all_accept;
static struct rcpt_case mix[16];
static size_t n_mix;
static atomic_long rcpts_done, sessions_done, wrong, errors;
static double deadline;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void add_case(const char *rcpt, const char *resolved, bool accept)
{
	struct rcpt_case *c = &mix[n_mix++];

	snprintf(c->rcpt, sizeof c->rcpt, "%s", rcpt);
	snprintf(c->resolved, sizeof c->resolved, "%s", resolved);
	c->accept = accept || all_accept;
}

static void make_mix(const char *h)
{
	char a[160], b[160];

	snprintf(a, sizeof a, "<user@%s>", h);
	snprintf(b, sizeof b, "user@%s", h);
	add_case(a, b, true);
	snprintf(a, sizeof a, "<Info.Desk+tag@%s>", h);
	snprintf(b, sizeof b, "Info.Desk+tag@%s", h);
	add_case(a, b, true);
	add_case("<postmaster>", "postmaster", true);
	add_case("<victim@outside.example>", "victim@outside.example", false);
	snprintf(a, sizeof a, "<victim%%outside.example@%s>", h);
	add_case(a, "victim@outside.example", false);
	snprintf(a, sizeof a, "<outside.example!victim@%s>", h);
	add_case(a, "victim@outside.example", false);
	snprintf(a, sizeof a, "<@%s:victim@outside.example>", h);
	add_case(a, "victim@outside.example", false);
	snprintf(a, sizeof a, "<\"victim@outside.example\"@%s>", h);
	add_case(a, "victim@outside.example", false);
	snprintf(a, sizeof a, "<victim@outside.example@%s>", h);
	add_case(a, "victim@outside.example", false);
	add_case("<victim@[192.0.2.77]>", "victim@[192.0.2.77]", false);
	snprintf(a, sizeof a, "<user@%s>", h);
	add_case(a, "user@outside.example", true); /* the MTA's own forward */
	snprintf(b, sizeof b, "user%%outside.example@%s", h);
	add_case(a, b, false); /* routing left in the MTA's resolution */
}

/* Append one packet (4-byte length, command, data) to OUT. */
static size_t put(char *out, size_t o, char cmd, const char *data, size_t len)
{
	uint32_t n = htonl((uint32_t)(len + 1));

	memcpy(out + o, &n, 4);
	out[o + 4] = cmd;
	memcpy(out + o + 5, data, len);
	return o + 5 + len;
}

/* "name\0value\0..." after the macro stage letter. */
static size_t put_macros(char *out, size_t o, char stage, const char *const *kv, int n)
{
	char buf[1024];
	size_t len = 0;

	buf[len++] = stage;
	for (int i = 0; i < n; i++) {
		size_t l = strlen(kv[i]) + 1;

		memcpy(buf + len, kv[i], l);
		len += l;
	}
	return put(out, o, 'D', buf, len);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, char *p, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Read one reply packet; returns its command letter, or 0 on error. */
static char reply(int fd, char *data, size_t size)
{
	uint32_t n;
	char cmd;

	if (read_all(fd, (char *)&n, 4) != 0)
		return 0;
	n = ntohl(n);
	if (n == 0 || n > PKT_MAX || read_all(fd, &cmd, 1) != 0)
		return 0;
	n--;
	if (n >= size || read_all(fd, data, n) != 0)
		return 0;
	data[n] = '\0';
	return cmd;
}

static int session(int tid, long seq)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char out[8192], data[PKT_MAX];
	char client[64], qid[32];
	size_t o;
	int fd, ok = -1;
	char r;

	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0)
		goto out;

	/* Option negotiation: v6, all actions, every protocol step offered. */
	uint32_t neg[3] = {htonl(6), htonl(0x1ff), htonl(0x1fffff)};

	o = put(out, 0, 'O', (const char *)neg, sizeof neg);
	if (write_all(fd, out, o) != 0 || reply(fd, data, sizeof data) != 'O')
		goto out;

	snprintf(client, sizeof client, "203.0.113.%d", 1 + (int)(seq % 250));
	const char *cm[] = {"{client_addr}", client, "{daemon_addr}", "127.0.0.1"};
	char conn[128];
	size_t cl = 0;

	cl += (size_t)snprintf(conn, sizeof conn, "client.outside.example") + 1;
	conn[cl++] = '4';
	conn[cl++] = 0x04; /* port 1025, network order */
	conn[cl++] = 0x01;
	cl += (size_t)snprintf(conn + cl, sizeof conn - cl, "%s", client) + 1;
	o = put_macros(out, 0, 'C', cm, 4);
	o = put(out, o, 'C', conn, cl);
	if (write_all(fd, out, o) != 0 || reply(fd, data, sizeof data) != 'c')
		goto out;

	snprintf(qid, sizeof qid, "Q%dX%ld", tid, seq);
	const char *mm[] = {"i", qid, "{auth_authen}", "", "{auth_type}", ""};
	o = put_macros(out, 0, 'M', mm, 6);
	o = put(out, o, 'M', "<sender@outside.example>", 25);
	if (write_all(fd, out, o) != 0 || reply(fd, data, sizeof data) != 'c')
		goto out;

	for (int i = 0; i < per_session; i++) {
		const struct rcpt_case *c = &mix[(size_t)(seq * per_session + i) % n_mix];
		const char *rm[] = {"{rcpt_addr}", c->resolved, "{rcpt_mailer}",
		                    strchr(c->resolved, '@') ? "smtp" : "local",
		                    "{rcpt_host}", "", "i", qid};

		o = put_macros(out, 0, 'R', rm, 8);
		o = put(out, o, 'R', c->rcpt, strlen(c->rcpt) + 1);
		if (write_all(fd, out, o) != 0 || !(r = reply(fd, data, sizeof data)))
			goto out;
		bool accepted = r == 'c' || r == 'a';

		if (!accepted && r != 'y' && r != 'r' && r != 't')
			goto out;
		if (accepted != c->accept) {
			if (atomic_fetch_add(&wrong, 1) < 5)
				fprintf(stderr, "milter_load: %s: got '%c' %s\n", c->rcpt, r,
				        r == 'y' ? data : "");
		}
		atomic_fetch_add(&rcpts_done, 1);
	}
	o = put(out, 0, 'Q', "", 0);
	ok = write_all(fd, out, o);
out:
	if (fd >= 0)
		close(fd);
	return ok;
}

static void *worker(void *arg)
{
	int tid = (int)(intptr_t)arg;

	for (long seq = tid; atomic_load(&rcpts_done) < max_rcpts && now() < deadline;
	     seq += conns) {
		if (session(tid, seq) != 0) {
			if (atomic_fetch_add(&errors, 1) < 5)
				fprintf(stderr, "milter_load: session failed: %s\n", strerror(errno));
			usleep(1000);
		} else
			atomic_fetch_add(&sessions_done, 1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *hosted = "hosted.example";
	pthread_t *t;
	pthread_attr_t attr;
	double t0, secs;
	int c;

	while ((c = getopt(argc, argv, "s:c:n:r:t:H:a")) != -1) {
		switch (c) {
		case 's': sock_path = optarg; break;
		case 'c': conns = atoi(optarg); break;
		case 'n': max_rcpts = atol(optarg); break;
		case 'r': per_session = atoi(optarg); break;
		case 't': max_secs = atoi(optarg); break;
		case 'H': hosted = optarg; break;
		case 'a': all_accept = true; break;
		default:
			fprintf(stderr, "usage: milter_load -s SOCKET [-c CONNS] [-n RCPTS] "
			                "[-r PER_SESSION] [-t SECS] [-H HOSTED] [-a]\n");
			return 64;
		}
	}
	if (!sock_path || conns < 1 || conns > 2000 || per_session < 1 ||
	    per_session > 100 || max_secs < 1 || max_secs > 3600 || max_rcpts < 1) {
		fprintf(stderr, "milter_load: bad arguments\n");
		return 64;
	}
	make_mix(hosted);
	t = calloc((size_t)conns, sizeof *t);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	t0 = now();
	deadline = t0 + max_secs;
	for (int i = 0; i < conns; i++)
		if (pthread_create(&t[i], &attr, worker, (void *)(intptr_t)i) != 0) {
			fprintf(stderr, "milter_load: cannot start thread %d\n", i);
			return 70;
		}
	for (int i = 0; i < conns; i++)
		pthread_join(t[i], NULL);
	secs = now() - t0;
	printf("sessions=%ld rcpts=%ld wrong=%ld errors=%ld seconds=%.2f "
	       "sessions_per_s=%.0f rcpt_per_s=%.0f\n",
	       atomic_load(&sessions_done), atomic_load(&rcpts_done),
	       atomic_load(&wrong), atomic_load(&errors), secs,
	       atomic_load(&sessions_done) / secs, atomic_load(&rcpts_done) / secs);
	free(t);
	return atomic_load(&wrong) || atomic_load(&errors) ? 1 : 0;
}
