/* listfile_fuzz.c - hosted-domain and trusted-network list files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"

static char dir[64];
static char conf[96], list[96];

static void setup(void)
{
	FILE *f;

	strcpy(dir, "/tmp/relaylock-fuzz-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(conf, sizeof conf, "%s/relaylock.conf", dir);
	snprintf(list, sizeof list, "%s/list", dir);
	f = fopen(conf, "w");
	if (!f)
		abort();
	fputs("hosted_domains_file = \"list\"\ntrusted_networks_file = \"list\"\n", f);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rl_diag diag;
	struct rl_config *c;
	FILE *f;

	if (!dir[0])
		setup();
	f = fopen(list, "w");
	if (!f || fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	rl_diag_init(&diag);
	c = rl_config_load(conf, &diag);
	if (c && c->n_domains == 0)
		abort();
	if ((c == NULL) == (diag.n == 0))
		abort();
	rl_config_free(c);
	return 0;
}
