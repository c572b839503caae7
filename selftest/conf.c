/* conf.c - read relaylock.conf for relaylock-selftest.
 *
 * rl_config_load validates the file and gives the hosted domains (one is
 * picked to probe: from hosted_domains, else from the MTA's own tables
 * through hosted_domains_from) and the trusted networks.
 */
#include "conf.h"

#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "config.h"
#include "policy.h"
#include "source_set.h"

static bool is_hosted(const struct rl_config *cfg, const char *name)
{
	char canon[RL_DOMAIN_MAX + 1];
	int n = rl_domain_canonical(name, strlen(name), canon);

	return n > 0 && rl_domain_set_match(rl_policy_hosted(cfg->policy), canon,
	                                     (size_t)n);
}

struct pick {
	const struct rl_config *cfg;
	bool wild;   /* this pass takes ".parent" entries */
	char *out;
	size_t size;
};

/* A probe-able name for ENTRY: "example.com" as is, ".example.com" becomes
 * "relaytest.example.com"; literals are skipped. */
static bool candidate(const char *entry, void *arg)
{
	struct pick *p = arg;
	int n;

	if (entry[0] == '[' || (entry[0] == '.') != p->wild)
		return false;
	n = snprintf(p->out, p->size, "%s%s", p->wild ? "relaytest" : "", entry);
	return n > 0 && (size_t)n < p->size && is_hosted(p->cfg, p->out);
}

/* A name a source of hosted_domains_from hosts; in the first pass
 * (WILD false) a full domain name, not a "localhost" one. */
static bool from_source(const char *name, void *arg)
{
	struct pick *p = arg;
	int n;

	if (!p->wild && (!strchr(name, '.') || strncmp(name, "localhost", 9) == 0))
		return false;
	n = snprintf(p->out, p->size, "%s", name);
	return n > 0 && (size_t)n < p->size;
}

/* Exact names first, then ".parent" entries, then the MTA's names (full
 * domain names before "localhost" and single labels). */
static void pick_hosted(const struct rl_config *cfg, char *hosted, size_t size)
{
	struct pick p = {cfg, false, hosted, size};
	const struct rl_domain_set *set = rl_policy_hosted(cfg->policy);

	if (rl_domain_set_find(set, candidate, &p))
		return;
	p.wild = true;
	if (rl_domain_set_find(set, candidate, &p))
		return;
	p.wild = false;
	if (rl_sources_names(cfg, from_source, &p))
		return;
	p.wild = true;
	if (!rl_sources_names(cfg, from_source, &p))
		hosted[0] = '\0';
}

struct rl_config *st_conf_load(const char *path, char *hosted, size_t size,
                               FILE *err)
{
	struct rl_diag *diag = calloc(2, sizeof *diag); /* errors, warnings */
	struct rl_config *cfg;

	if (diag == NULL)
		return NULL;
	rl_diag_init(diag);
	cfg = rl_config_load(path, diag);
	if (cfg && rl_sources_attach(cfg, NULL, diag, &diag[1]) != 0) {
		rl_config_free(cfg);
		cfg = NULL;
	}
	if (cfg == NULL) {
		for (size_t i = 0; i < diag->n; i++)
			fprintf(err, "relaylock-selftest: %s\n", diag->msg[i]);
		if (diag->n == 0)
			fprintf(err, "relaylock-selftest: %s: cannot load\n", path);
		free(diag);
		return NULL;
	}
	free(diag);
	if (hosted[0] == '\0')
		pick_hosted(cfg, hosted, size);
	return cfg;
}

bool st_conf_trusted(const char *addr, void *config)
{
	const struct rl_config *cfg = config;
	struct rl_ip ip;

	return rl_ip_parse(addr, &ip) &&
	       rl_net_set_match(rl_policy_trusted(cfg->policy), &ip);
}
