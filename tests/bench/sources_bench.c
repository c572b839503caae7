/* sources_bench.c - figures for hosted_domains_from: loading 1M domains
 * from a Postfix texthash and hash table (time, peak RSS of the load), and
 * decisions per second when a regexp table must be matched, beside a
 * domain listed in relaylock.conf. Prints "bench: NAME VALUE UNIT" lines;
 * asserts nothing. Needs postmap (for the hash table).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "policy.h"
#include "source_set.h"

#define N_DOMAINS 1000000

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* snprintf that stops the bench rather than cut a path. */
static void fmt(char *out, size_t size, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

static void fmt(char *out, size_t size, const char *format, ...)
{
	va_list ap;
	int n;

	va_start(ap, format);
	n = vsnprintf(out, size, format, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "sources_bench: path too long\n");
		exit(1);
	}
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "sources_bench: cannot write %s\n", path);
		exit(1);
	}
}

/* A Postfix configuration directory DIR/NAME whose MAIN_LINE lists
 * domains, and a relaylock.conf that reads it. Returns the conf's path. */
static const char *make_instance(const char *dir, const char *name,
                                 const char *main_line, const char *hosted)
{
	static char conf[1024];
	char path[1024], text[2048];

	fmt(path, sizeof path, "%s/%s", dir, name);
	mkdir(path, 0755);
	fmt(text, sizeof text, "compatibility_level = 3.6\nmyhostname = mx.bench.example\n"
	         "mydestination = localhost\n%s\n", main_line);
	fmt(path, sizeof path, "%s/%s/main.cf", dir, name);
	write_file(path, text);
	fmt(path, sizeof path, "%s/%s/master.cf", dir, name);
	write_file(path, "");
	fmt(conf, sizeof conf, "%s/%s/relaylock.conf", dir, name);
	fmt(text, sizeof text, "hosted_domains_from = { \"postfix:%s/%s\" }\n"
	         "hosted_domains = { \"%s\" }\ntrusted_networks = { \"10.0.0.0/8\" }\n",
	         dir, name, hosted);
	write_file(conf, text);
	return conf;
}

static struct rl_config *load(const char *conf)
{
	struct rl_diag *diag = calloc(2, sizeof *diag);
	struct rl_config *c;

	if (!diag)
		exit(1);
	rl_diag_init(&diag[0]);
	rl_diag_init(&diag[1]);
	c = rl_config_load(conf, &diag[0]);
	if (c && rl_sources_attach(c, NULL, &diag[0], &diag[1]) != 0) {
		rl_config_free(c);
		c = NULL;
	}
	for (size_t i = 0; !c && i < diag[0].n; i++)
		fprintf(stderr, "sources_bench: %s\n", diag[0].msg[i]);
	free(diag);
	return c;
}

/* Load CONF in a fresh child, so that its peak RSS is the load's alone. */
static void bench_load(const char *label, const char *conf)
{
	int fds[2], status;
	double secs = -1;
	struct rusage ru;
	pid_t pid;

	if (pipe(fds) != 0 || (pid = fork()) < 0)
		exit(1);
	if (pid == 0) {
		double t0 = now();
		struct rl_config *c = load(conf);

		secs = c ? now() - t0 : -1;
		if (write(fds[1], &secs, sizeof secs) != sizeof secs)
			_exit(1);
		_exit(c ? 0 : 1);
	}
	close(fds[1]);
	if (read(fds[0], &secs, sizeof secs) != sizeof secs)
		secs = -1;
	close(fds[0]);
	if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "sources_bench: loading %s failed\n", conf);
		exit(1);
	}
	printf("bench: source_load_1m_%s_s %.3f s\n", label, secs);
	printf("bench: source_rss_1m_%s_mb %.1f MB\n", label, (double)ru.ru_maxrss / 1024.0);
	fflush(stdout);
}

/* Decisions per second for RCPT, best of three runs of about 0.3 s. */
static double rate(const struct rl_config *c, const char *rcpt)
{
	struct rl_request req = {.rcpt = rcpt};
	struct rl_decision d;
	double best = 0;

	for (int r = 0; r < 3; r++) {
		unsigned long n = 0;
		double t0 = now(), t;

		do {
			for (int i = 0; i < 10000; i++)
				rl_decide(c->policy, &req, &d);
			n += 10000;
			t = now() - t0;
		} while (t < 0.3);
		if (d.verdict != RL_ACCEPT) {
			fprintf(stderr, "sources_bench: %s not accepted\n", rcpt);
			exit(1);
		}
		if (n / t > best)
			best = n / t;
	}
	return best;
}

static void bench_regexp(const char *dir)
{
	char path[1024], line[1024];
	struct rl_config *c;
	FILE *f;

	fmt(path, sizeof path, "%s/brands.regexp", dir);
	if (!(f = fopen(path, "w")))
		exit(1);
	for (int i = 0; i < 50; i++)
		fprintf(f, "/^(.+\\.)?brand%d\\.example$/ OK\n", i);
	fclose(f);
	fmt(line, sizeof line, "relay_domains = regexp:%s", path);
	c = load(make_instance(dir, "pf-regexp", line, "listed.example"));
	if (!c)
		exit(1);
	printf("bench: decisions_per_s_listed %.0f decisions/s\n",
	       rate(c, "<user@listed.example>"));
	printf("bench: decisions_per_s_regexp_50_rules %.0f decisions/s\n",
	       rate(c, "<user@mail.brand49.example>"));
	rl_config_free(c);
}

int main(int argc, char **argv)
{
	char path[1024], cmd[2400], line[1200];
	const char *dir;
	double t0;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: sources_bench SCRATCH_DIR\n");
		return 64;
	}
	dir = argv[1];
	fmt(path, sizeof path, "%s/domains", dir);
	if (!(f = fopen(path, "w")))
		return 1;
	for (size_t i = 0; i < N_DOMAINS; i++)
		fprintf(f, "d%zu.example%zu.com OK\n", i, i % 97);
	fclose(f);

	fmt(line, sizeof line, "virtual_mailbox_domains = texthash:%s", path);
	bench_load("texthash", make_instance(dir, "pf-texthash", line, "listed.example"));

	fmt(line, sizeof line, "virtual_mailbox_domains = hash:%s", path);
	make_instance(dir, "pf-hash", line, "listed.example");
	fmt(cmd, sizeof cmd, "postmap -c %s/pf-hash hash:%s", dir, path);
	t0 = now();
	if (system(cmd) != 0) {
		fprintf(stderr, "sources_bench: %s failed\n", cmd);
		return 1;
	}
	printf("bench: postmap_1m_hash_s %.3f s\n", now() - t0);
	fmt(path, sizeof path, "%s/pf-hash/relaylock.conf", dir);
	bench_load("hash", path);
	bench_regexp(dir);
	return 0;
}
