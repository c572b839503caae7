/* fuzz_check.c - shared invariants of the sources fuzz targets. */
#include "fuzz_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "address.h"
#include "pf_table.h"

void fc_valid_name(const char *name)
{
	char key[RL_DOMAIN_MAX + 2];
	size_t len = strlen(name);
	int n = pf_domain_key(name, len, key);

	if (n < 0 || (size_t)n != len || memcmp(key, name, len) != 0)
		abort();
}

void fc_outcome(const void *result, const struct rl_diag *errors)
{
	if ((result == NULL) == (errors->n + errors->dropped == 0))
		abort();
}

void fc_answer(enum rl_src_answer a)
{
	if (a != RL_SRC_YES && a != RL_SRC_NO && a != RL_SRC_ERROR)
		abort();
}

const char *fc_scratch_file(const char *name, const void *data, size_t size)
{
	static char dir[64], path[128];
	FILE *f;

	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/relaylock-srcfuzz-XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (!(f = fopen(path, "w")) || fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	return path;
}

void fc_domains(const void *data, size_t size,
                void (*fn)(const char *domain, size_t len, void *arg), void *arg)
{
	static const char *const fixed[] = {"a.test", "x.a.test", "localhost", "com"};
	const char *s = data;
	char canon[RL_DOMAIN_MAX + 1];

	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		fn(fixed[i], strlen(fixed[i]), arg);
	for (size_t i = 0, words = 0; i < size && words < 64;) {
		size_t j = i;
		int n;

		while (j < size && !strchr(" \t\r\n,=!{}/", s[j]))
			j++;
		if (j > i && (n = rl_domain_canonical(s + i, j - i, canon)) > 0) {
			fn(canon, (size_t)n, arg);
			words++;
		}
		i = j + 1;
	}
}
