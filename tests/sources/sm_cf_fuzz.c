/* sm_cf_fuzz.c - the sendmail.cf reader and the class files it names.
 * The input is a sendmail.cf ("@D@" stands for a scratch directory),
 * optionally followed by "\n#=class=\n" and the text of @D@/class.
 * Invariants: no crash, a NULL load exactly when an error was reported,
 * every domain the source keeps is canonical and within bounds, and every
 * domain of class w (and of R) answers YES. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "address.h"
#include "fuzz.h"
#include "fuzz_check.h"
#include "sendmail_source.h"

#define SEP "\n#=class=\n"

static char dir[64];
static const struct sm_host host = {
	.canon = "mx.example.net", .nodename = "mx",
	.names = {"mx", "alias.example.net"}, .n_names = 2,
};

/* The cf with "@D@" replaced by the scratch directory. */
static const char *write_cf(const uint8_t *data, size_t size)
{
	char *buf = malloc(size * (sizeof dir / 3 + 1) + 1);
	const char *path;
	size_t n = 0;

	if (!buf)
		abort();
	for (size_t i = 0; i < size; i++) {
		if (i + 3 <= size && memcmp(data + i, "@D@", 3) == 0) {
			n += (size_t)sprintf(buf + n, "%s", dir);
			i += 2;
		} else
			buf[n++] = (char)data[i];
	}
	path = fc_scratch_file("sendmail.cf", buf, n);
	free(buf);
	return path;
}

struct check {
	const void *src;
	const char *cls;
};

/* Every kept domain is canonical; those of w and R answer YES. */
static void check_domain(const char *d, void *arg)
{
	const struct check *c = arg;
	char why[RL_SRC_WHY_MAX];

	fc_valid_name(d);
	if (d[0] == '.' && c->cls[0] != 'R')
		abort();
	if (strcmp(c->cls, "VirtHost") != 0 && d[0] != '.' &&
	    rl_sendmail_ops.match(c->src, d, strlen(d), why, sizeof why) != RL_SRC_YES)
		abort();
}

static void ask(const char *domain, size_t len, void *arg)
{
	char why[RL_SRC_WHY_MAX];

	fc_answer(rl_sendmail_ops.match(arg, domain, len, why, sizeof why));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rl_diag errors, warnings;
	static const char *const classes[] = {"w", "R", "VirtHost"};
	const uint8_t *sep = NULL;
	const char *cf;
	void *s;

	if (!dir[0]) {
		const char *p = fc_scratch_file("class", "", 0);

		snprintf(dir, sizeof dir, "%.*s", (int)(strrchr(p, '/') - p), p);
	}
	for (size_t i = 0; i + sizeof SEP - 1 <= size && !sep; i++)
		if (memcmp(data + i, SEP, sizeof SEP - 1) == 0)
			sep = data + i;
	fc_scratch_file("class", sep ? sep + sizeof SEP - 1 : data,
	                sep ? size - (size_t)(sep - data) - (sizeof SEP - 1) : 0);
	cf = write_cf(data, sep ? (size_t)(sep - data) : size);
	rl_diag_init(&errors);
	rl_diag_init(&warnings);
	s = rl_sendmail_load_host(cf, &host, &errors, &warnings);
	fc_outcome(s, &errors);
	for (size_t i = 0; s && i < sizeof classes / sizeof classes[0]; i++) {
		struct check c = {s, classes[i]};

		rl_sendmail_class(s, classes[i], check_domain, &c);
	}
	if (s) {
		fc_domains(data, size, ask, s);
		rl_sendmail_ops.free(s);
	}
	return 0;
}
