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
#include "sendmail_source.h"

#define SEP "\n#=class=\n"

static char dir[64];
static const struct sm_host host = {
	.canon = "mx.example.net", .nodename = "mx",
	.names = {"mx", "alias.example.net"}, .n_names = 2,
};

static void write_file(const char *name, const uint8_t *data, size_t size,
                       int expand)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (!(f = fopen(path, "w")))
		abort();
	for (size_t i = 0; i < size; i++) {
		if (expand && i + 3 <= size && memcmp(data + i, "@D@", 3) == 0) {
			fputs(dir, f);
			i += 2;
		} else
			fputc(data[i], f);
	}
	fclose(f);
}

struct check {
	const void *src;
	const char *cls;
};

static void check_domain(const char *d, void *arg)
{
	const struct check *c = arg;
	char out[RL_DOMAIN_MAX + 1], why[RL_SRC_WHY_MAX];
	size_t len = strlen(d);
	const char *name = d[0] == '.' && c->cls[0] == 'R' ? d + 1 : d;

	if (len == 0 || len > RL_DOMAIN_MAX + 1 ||
	    rl_domain_canonical(name, strlen(name), out) < 0 || strcmp(out, name))
		abort();
	if (strcmp(c->cls, "VirtHost") != 0 && name == d &&
	    rl_sendmail_ops.match(c->src, d, len, why, sizeof why) != RL_SRC_YES)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rl_diag errors, warnings;
	static const char *const classes[] = {"w", "R", "VirtHost"};
	const uint8_t *sep = NULL;
	char path[128], why[RL_SRC_WHY_MAX];
	void *s;

	if (!dir[0]) {
		strcpy(dir, "/tmp/relaylock-smfuzz-XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	for (size_t i = 0; i + sizeof SEP - 1 <= size && !sep; i++)
		if (memcmp(data + i, SEP, sizeof SEP - 1) == 0)
			sep = data + i;
	write_file("sendmail.cf", data, sep ? (size_t)(sep - data) : size, 1);
	if (sep)
		write_file("class", sep + sizeof SEP - 1,
		           size - (size_t)(sep - data) - (sizeof SEP - 1), 0);
	else {
		snprintf(path, sizeof path, "%s/class", dir);
		unlink(path);
	}
	rl_diag_init(&errors);
	rl_diag_init(&warnings);
	snprintf(path, sizeof path, "%s/sendmail.cf", dir);
	s = rl_sendmail_load_host(path, &host, &errors, &warnings);
	if ((s == NULL) != (errors.n + errors.dropped > 0))
		abort();
	for (size_t i = 0; s && i < sizeof classes / sizeof classes[0]; i++) {
		struct check c = {s, classes[i]};

		rl_sendmail_class(s, classes[i], check_domain, &c);
	}
	if (s && rl_sendmail_ops.match(s, "a.b.example", 11, why, sizeof why) > 2)
		abort();
	if (s)
		rl_sendmail_ops.free(s);
	return 0;
}
