/* source_query.c - load one hosted-domain source and answer domains read
 * from stdin, one a line: "DOMAIN YES|NO|ERROR why". Prints the source's
 * warnings, tables and files first. Exit 78 when the source does not load. For
 * the oracle test and for trying a configuration by hand. */
#include <stdio.h>
#include <string.h>

#include "address.h"
#include "source.h"

static void print_table(const struct rl_source_table *t, void *arg)
{
	(void)arg;
	printf("table: %s %s:%s keys=%zu rules=%zu skipped=%zu%s%s%s\n", t->param,
	       t->type, t->name, t->keys, t->rules, t->skipped, t->directory ? " directory" : "",
	       t->error ? " error=" : "", t->error ? t->error : "");
}

static void print_file(const char *path, bool exists, void *arg)
{
	(void)arg;
	printf("file: %s%s\n", path, exists ? "" : " (missing)");
}

static void print_diag(const char *what, const struct rl_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		printf("%s: %s\n", what, d->msg[i]);
	if (d->dropped)
		printf("%s: %zu more\n", what, d->dropped);
}

int main(int argc, char **argv)
{
	static struct rl_diag errors, warnings;
	static const char *names[] = {"NO", "YES", "ERROR"};
	struct rl_source *src;
	char line[1100], why[RL_SRC_WHY_MAX], dom[RL_DOMAIN_MAX + 1];

	if (argc != 2) {
		fprintf(stderr, "usage: %s postfix[:/config/dir] < domains\n", argv[0]);
		return 2;
	}
	rl_diag_init(&errors);
	rl_diag_init(&warnings);
	src = rl_source_open(argv[1], &errors, &warnings);
	print_diag("error", &errors);
	print_diag("warning", &warnings);
	if (!src)
		return 78;
	rl_source_tables(src, print_table, NULL);
	rl_source_files(src, print_file, NULL);
	while (fgets(line, sizeof line, stdin)) {
		size_t n = strcspn(line, "\r\n");
		int len = rl_domain_canonical(line, n, dom);

		line[n] = '\0';
		if (n == 0)
			continue;
		if (len < 0) {
			printf("%s BAD not a domain\n", line);
			continue;
		}
		printf("%s %s %s\n", line, names[rl_source_match(src, dom, why, sizeof why)],
		       why);
	}
	rl_source_free(src);
	return 0;
}
