/* public_suffix.c - the Public Suffix List check, through libpsl. */
#include "public_suffix.h"

#include <libpsl.h>

struct rl_psl *rl_psl_open(void)
{
	return (struct rl_psl *)psl_latest(NULL);
}

void rl_psl_close(struct rl_psl *psl)
{
	psl_free((psl_ctx_t *)psl);
}

bool rl_psl_is_public_suffix(const struct rl_psl *psl, const char *entry)
{
	if (entry[0] == '[')
		return false; /* an address literal has no suffix */
	if (entry[0] == '.')
		entry++;      /* ".co.uk" hosts all of co.uk but the name itself */
	return psl_is_public_suffix2((const psl_ctx_t *)psl, entry,
	                             PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) != 0;
}
