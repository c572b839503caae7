/* pf_table_pcre.c - pcre: tables with PCRE2 and pcre_table(5)'s flags:
 * i (case, default insensitive), m, s, x, A, E, U, X. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>

#include "pf_patterns.h"

#define PCRE_MATCH_LIMIT 100000 /* bounds backtracking per lookup */

static void *pc_compile(const char *re, const char *flags, char *err,
                        size_t cap)
{
	uint32_t opts = PCRE2_CASELESS;
	pcre2_code *code;
	int rc;
	PCRE2_SIZE off;

	for (; *flags; flags++) {
		switch (*flags) {
		case 'i': opts ^= PCRE2_CASELESS; break;
		case 'm': opts ^= PCRE2_MULTILINE; break;
		case 's': opts ^= PCRE2_DOTALL; break;
		case 'x': opts ^= PCRE2_EXTENDED; break;
		case 'A': opts ^= PCRE2_ANCHORED; break;
		case 'E': opts ^= PCRE2_DOLLAR_ENDONLY; break;
		case 'U': opts ^= PCRE2_UNGREEDY; break;
		case 'X': break; /* PCRE1's EXTRA: PCRE2 always is */
		default:
			snprintf(err, cap, "unknown pcre flag \"%c\"", *flags);
			return NULL;
		}
	}
	if (!(code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, opts,
	                           &rc, &off, NULL))) {
		PCRE2_UCHAR msg[128];

		pcre2_get_error_message(rc, msg, sizeof msg);
		snprintf(err, cap, "pcre \"%.100s\": %s at offset %zu", re,
		         (char *)msg, (size_t)off);
	}
	return code;
}

/* Match data per call keeps lookups thread-safe. */
static int pc_exec(const void *re, const char *subject, size_t len)
{
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	pcre2_match_context *mc = pcre2_match_context_create(NULL);
	int rc = -1;

	if (md && mc) {
		pcre2_set_match_limit(mc, PCRE_MATCH_LIMIT);
		rc = pcre2_match(re, (PCRE2_SPTR)subject, len, 0, 0, md, mc);
		rc = rc >= 0 ? 1 : rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
	}
	pcre2_match_context_free(mc);
	pcre2_match_data_free(md);
	return rc;
}

static void pc_free(void *re)
{
	pcre2_code_free(re);
}

const struct pf_engine pf_pcre_engine = {
	"pcre", 0, pc_compile, pc_exec, pc_free,
};
