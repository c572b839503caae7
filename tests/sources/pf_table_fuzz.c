/* pf_table_fuzz.c - table source files: the first byte picks texthash,
 * regexp or pcre, the rest is the file. Every key kept must be a valid
 * domain; every lookup answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_check.h"
#include "pf_table.h"

static bool check_key(const char *key, void *arg)
{
	(void)arg;
	fc_valid_name(key);
	return false;
}

static void ask(const char *domain, size_t len, void *arg)
{
	fc_answer(pf_table_lookup(arg, domain, len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = {"texthash", "regexp", "pcre"};
	char spec[256];
	struct rl_diag errors;
	struct pf_table *t;

	if (size < 1)
		return 0;
	snprintf(spec, sizeof spec, "%s:%s", types[data[0] % 3],
	         fc_scratch_file("table", data + 1, size - 1));
	rl_diag_init(&errors);
	t = pf_table_open(spec, "main.cf", 1, &errors);
	fc_outcome(t, &errors);
	if (!t)
		return 0;
	/* The file exists: only a malformed one may fail, and then it says so. */
	if (t->error[0] || rl_domain_set_count(t->keys) > PF_TABLE_KEYS_MAX ||
	    (t->kind == PF_TABLE_PATTERNS && !t->patterns))
		abort();
	rl_domain_set_find(t->keys, check_key, NULL);
	fc_domains(data + 1, size - 1, ask, t);
	pf_table_free(t);
	return 0;
}
