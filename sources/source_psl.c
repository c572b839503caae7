/* source_psl.c - the Public Suffix List for every source, read once. */
#include "source_psl.h"

#include <pthread.h>
#include <stdio.h>
#include <sys/random.h>

#include "public_suffix.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct rl_psl *psl;
static char canary[2][64];
static const char *probes[] = {"com", "net", "org", "co.uk", "github.io",
                               canary[0], canary[1], NULL};

static void load(void)
{
	unsigned char r[8] = {0};

	psl = rl_psl_open();
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		r[0] = 0x5a; /* still a name nobody registers */
	snprintf(canary[0], sizeof canary[0],
	         "relaylock-canary-%02x%02x%02x%02x%02x%02x%02x%02x.com",
	         r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
	snprintf(canary[1], sizeof canary[1], "relaylock-canary-%02x%02x%02x%02x.co.uk",
	         r[4], r[5], r[6], r[7]);
}

bool rl_src_psl_ready(void)
{
	pthread_once(&once, load);
	return psl != NULL;
}

bool rl_src_public_suffix(const char *entry)
{
	return rl_src_psl_ready() && rl_psl_is_public_suffix(psl, entry);
}

const char *const *rl_src_psl_probes(void)
{
	rl_src_psl_ready();
	return probes;
}
