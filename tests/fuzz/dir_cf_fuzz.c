/* dir_cf_fuzz.c - Postfix pgsql/mysql/ldap .cf files. The first octet
 * picks the table type ('0' pgsql, '1' mysql, '2' ldap), the rest is the
 * file. Invariants: no crash, an answer or errors (never both, never
 * neither), every derived size in its bound, the query expandable. */
#include <stdlib.h>
#include <string.h>

#include "dir_cf.h"
#include "dir_quote.h"
#include "fuzz.h"

static int quote(void *arg, const char *in, size_t len, char *out, size_t cap)
{
	(void)arg;
	return rl_dir_quote_ldap(in, len, out, cap);
}

static void check(const struct rl_dir_cf *cf)
{
	char out[RL_DIR_VALUE_MAX * 2];

	if (!cf->query || strlen(cf->query) >= RL_DIR_VALUE_MAX ||
	    cf->n_hosts == 0 || cf->n_hosts > RL_DIR_HOSTS_MAX ||
	    cf->n_attrs > RL_DIR_ATTRS_MAX || cf->n_set > RL_DIR_KEYS_MAX)
		abort();
	for (size_t i = 0; i < cf->n_hosts; i++)
		if (!cf->hosts[i][0] || strlen(cf->hosts[i]) >= sizeof cf->hosts[i])
			abort();
	for (size_t i = 0; i < cf->n_set; i++)
		if (strlen(cf->set[i].value) >= RL_DIR_VALUE_MAX || cf->set[i].line == 0)
			abort();
	/* The parser let through only templates the expander knows. */
	if (rl_dir_expand(cf->query, "example.com", quote, NULL, out, sizeof out) ==
	    -1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rl_diag diag;
	struct rl_dir_cf *cf;

	if (size == 0)
		return 0;
	rl_diag_init(&diag);
	cf = rl_dir_cf_parse((const char *)data + 1, size - 1, "fuzz.cf",
	                     (enum rl_dir_type)(data[0] % 3), &diag);
	if ((cf == NULL) == (diag.n == 0))
		abort();
	for (size_t i = 0; i < diag.n; i++)
		if (strnlen(diag.msg[i], RL_DIAG_LEN) == RL_DIAG_LEN)
			abort();
	if (cf)
		check(cf);
	rl_dir_cf_free(cf);
	return 0;
}
