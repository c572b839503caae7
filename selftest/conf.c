/* conf.c - read relaylock.conf for relaylock-selftest.
 *
 * rl_config_load validates the file and gives the trusted networks. The
 * hosted domain set cannot be listed through its API, so the names are
 * read again here from hosted_domains / hosted_domains_file (unknown keys
 * ignored) and the chosen one is checked against the loaded set.
 */
#include "conf.h"

#include <confuse.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "config.h"
#include "policy.h"

static bool is_hosted(const struct rl_config *cfg, const char *name)
{
	char canon[RL_DOMAIN_MAX + 1];
	int n = rl_domain_canonical(name, strlen(name), canon);

	return n > 0 && rl_domain_set_match(rl_policy_hosted(cfg->policy), canon,
	                                     (size_t)n);
}

/* A probe-able name for ENTRY: "example.com" as is, ".example.com" becomes
 * "relaytest.example.com"; literals are skipped. */
static bool candidate(const struct rl_config *cfg, const char *entry, int wild,
                      char *out, size_t size)
{
	int n;

	if (entry[0] == '[' || entry[0] == '\0' || (entry[0] == '.') != (wild != 0))
		return false;
	if (entry[0] == '.')
		n = snprintf(out, size, "relaytest%s", entry);
	else
		n = snprintf(out, size, "%s", entry);
	return n > 0 && (size_t)n < size && is_hosted(cfg, out);
}

static bool from_file(const struct rl_config *cfg, const char *conf_path,
                      const char *file, int wild, char *out, size_t size)
{
	char path[1024], line[512];
	FILE *f;
	bool found = false;

	if (file[0] == '/') {
		snprintf(path, sizeof path, "%s", file);
	} else {
		const char *slash = strrchr(conf_path, '/');
		int dlen = slash ? (int)(slash - conf_path) : 1;

		snprintf(path, sizeof path, "%.*s/%s", dlen, slash ? conf_path : ".", file);
	}
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof line, f)) {
		char *s = line, *hash = strchr(line, '#');

		if (hash)
			*hash = '\0';
		s += strspn(s, " \t\r\n");
		s[strcspn(s, " \t\r\n")] = '\0';
		found = candidate(cfg, s, wild, out, size);
	}
	fclose(f);
	return found;
}

static void quiet(cfg_t *cfg, const char *fmt, va_list ap)
{
	(void)cfg;
	(void)fmt;
	(void)ap;
}

static void pick_hosted(const struct rl_config *cfg, const char *path,
                        char *hosted, size_t size)
{
	cfg_opt_t opts[] = {
		CFG_STR_LIST("hosted_domains", NULL, CFGF_NONE),
		CFG_STR_LIST("hosted_domains_file", NULL, CFGF_NONE),
		CFG_END(),
	};
	cfg_t *c = cfg_init(opts, CFGF_IGNORE_UNKNOWN);

	if (c == NULL)
		return;
	cfg_set_error_function(c, quiet);
	if (cfg_parse(c, path) == CFG_SUCCESS) {
		/* Exact names first, then ".parent" entries. */
		for (int wild = 0; wild < 2; wild++) {
			for (unsigned i = 0; i < cfg_size(c, "hosted_domains"); i++)
				if (candidate(cfg, cfg_getnstr(c, "hosted_domains", i), wild,
				              hosted, size))
					goto done;
			for (unsigned i = 0; i < cfg_size(c, "hosted_domains_file"); i++)
				if (from_file(cfg, path, cfg_getnstr(c, "hosted_domains_file", i),
				              wild, hosted, size))
					goto done;
		}
	}
	hosted[0] = '\0';
done:
	cfg_free(c);
}

struct rl_config *st_conf_load(const char *path, char *hosted, size_t size,
                               FILE *err)
{
	struct rl_diag *diag = calloc(1, sizeof *diag);
	struct rl_config *cfg;

	if (diag == NULL)
		return NULL;
	rl_diag_init(diag);
	cfg = rl_config_load(path, diag);
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
		pick_hosted(cfg, path, hosted, size);
	return cfg;
}

bool st_conf_trusted(const char *addr, void *config)
{
	const struct rl_config *cfg = config;
	struct rl_ip ip;

	return rl_ip_parse(addr, &ip) &&
	       rl_net_set_match(rl_policy_trusted(cfg->policy), &ip);
}
