/* sm_classes.c - print what the Sendmail source read from a sendmail.cf:
 * "CLASS DOMAIN" for classes w, R and {VirtHost} (canonical domains, in
 * order), then "relay_hosts_only 0|1". For the oracle test, which
 * compares them with `sendmail -bt`'s $=w, $=R and $={VirtHost}. Exit 78
 * when the source does not load. */
#include <stdio.h>

#include "sendmail_source.h"

static void print(const char *domain, void *arg)
{
	printf("%s %s\n", (const char *)arg, domain);
}

int main(int argc, char **argv)
{
	static struct rl_diag errors, warnings;
	static const char *const classes[] = {"w", "R", "VirtHost"};
	struct rl_sendmail_counts n;
	void *s;

	if (argc != 2) {
		fprintf(stderr, "usage: %s /path/sendmail.cf\n", argv[0]);
		return 2;
	}
	rl_diag_init(&errors);
	rl_diag_init(&warnings);
	s = rl_sendmail_load(argv[1], &errors, &warnings);
	for (size_t i = 0; i < errors.n; i++)
		fprintf(stderr, "error: %s\n", errors.msg[i]);
	for (size_t i = 0; i < warnings.n; i++)
		fprintf(stderr, "warning: %s\n", warnings.msg[i]);
	if (!s)
		return 78;
	for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
		rl_sendmail_class(s, classes[i], print, (void *)classes[i]);
	rl_sendmail_counts(s, &n);
	printf("relay_hosts_only %d\n", n.relay_hosts_only);
	rl_sendmail_ops.free(s);
	return 0;
}
