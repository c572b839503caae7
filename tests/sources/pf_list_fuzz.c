/* pf_list_fuzz.c - a Postfix domain list read from a /file item: logical
 * lines, tokens, negation, inline tables. Inputs naming other files are
 * skipped, so the target reads nothing but its own input. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_check.h"
#include "postfix_list.h"

static void check_name(const char *name, void *arg)
{
	(void)arg;
	fc_valid_name(name);
}

static void ask(const char *domain, size_t len, void *arg)
{
	char why[RL_SRC_WHY_MAX];

	fc_answer(pf_list_match(arg, domain, len, why, sizeof why));
	if (strlen(why) >= sizeof why)
		abort();
}

/* Only inline: tables: any other "type:" names a file. */
static int other_tables(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < size; i++)
		if (data[i] == ':' && (i < 6 || memcmp(data + i - 6, "inline", 6) != 0))
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rl_diag errors, warnings;
	enum pf_list_style style;
	struct pf_list *l;
	const char *path;

	if (size < 1 || memchr(data, '/', size) || other_tables(data, size))
		return 0;
	style = (enum pf_list_style)(data[0] % 3);
	path = fc_scratch_file("list", data + 1, size - 1);
	rl_diag_init(&errors);
	rl_diag_init(&warnings);
	l = pf_list_parse("relay_domains", path, style, "main.cf", 1, &errors, &warnings);
	fc_outcome(l, &errors);
	if (!l)
		return 0;
	if (pf_list_count(l) > PF_LIST_ITEMS_MAX)
		abort();
	pf_list_names(l, check_name, NULL);
	fc_domains(data + 1, size - 1, ask, l);
	pf_list_free(l);
	return 0;
}
