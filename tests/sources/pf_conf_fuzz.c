/* pf_conf_fuzz.c - main.cf text: name = value lines and $name expansion
 * of every parameter, then the domain lists parsed from the results.
 * Values naming files or tables outside inline: are not parsed as lists. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_check.h"
#include "postfix_conf.h"
#include "postfix_list.h"

static void expand(const char *name, unsigned line, void *arg)
{
	struct rl_diag errors, warnings;
	unsigned where;
	char *v;
	struct pf_list *l;

	(void)line;
	rl_diag_init(&errors);
	rl_diag_init(&warnings);
	v = pf_conf_expand(arg, name, &where, &errors, &warnings);
	fc_outcome(v, &errors);
	if (!v)
		return;
	if (strlen(v) >= PF_EXPAND_MAX)
		abort();
	if (!strchr(v, '/') && (!strchr(v, ':') || strstr(v, "inline:"))) {
		l = pf_list_parse(name, v, PF_LIST_HOST, "main.cf", where, &errors,
		                  &warnings);
		fc_outcome(l, &errors);
		pf_list_free(l);
	}
	free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const lists[] = {"mydestination", "virtual_alias_domains",
	                                    "virtual_mailbox_domains", "relay_domains"};
	struct rl_diag errors;
	struct pf_conf *c;

	rl_diag_init(&errors);
	c = pf_conf_parse("main.cf", (const char *)data, size, "host", &errors);
	fc_outcome(c, &errors);
	if (!c)
		return 0;
	pf_conf_each(c, expand, c);
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
		expand(lists[i], 0, c);
	pf_conf_free(c);
	return 0;
}
