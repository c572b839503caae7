/* postfix_master.c - master.cf -o overrides and permit_mx_backup. */
#include "postfix_master.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_lines.h"
#include "pf_split.h"

static const char *const domain_params[] = {
	"mydestination", "virtual_alias_domains", "virtual_mailbox_domains",
	"relay_domains", "parent_domain_matches_subdomains", "virtual_alias_maps",
	"virtual_mailbox_maps", "myhostname", "mydomain", "compatibility_level",
};

int pf_domain_param(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof domain_params / sizeof domain_params[0]; i++)
		if (strlen(domain_params[i]) == len && memcmp(domain_params[i], name, len) == 0)
			return 1;
	return 0;
}

static int has_word(const char *text, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = strstr(text, word); p; p = strstr(p + 1, word))
		if ((p == text || strchr(", \t{", p[-1])) && strchr(", \t}", p[n]))
			return 1;
	return 0;
}

static int restriction_param(const char *name)
{
	size_t n = strlen(name);

	return strncmp(name, "smtpd_", 6) == 0 && n > 13 &&
	       strcmp(name + n - 13, "_restrictions") == 0;
}

/* One "-o name=value" of service SERVICE at LINE. */
static void check_override(const struct pf_conf *c, const char *path, char *opt,
                           const char *service, unsigned line,
                           struct rl_diag *warnings)
{
	char *inner = opt[0] == '{' ? pf_unbrace(opt) : opt, *name, *value;

	if (!inner || pf_nameval(inner, &name, &value) != NULL)
		return;
	if (pf_domain_param(name, strlen(name)))
		rl_diag_add(warnings, path, line,
		            "service %s overrides %s with -o; relaylock reads main.cf's"
		            " value (%s)", service, name, pf_conf_path(c));
	else if (restriction_param(name) && has_word(value, "permit_mx_backup"))
		rl_diag_add(warnings, path, line,
		            "service %s: permit_mx_backup relays for any domain whose MX"
		            " points here; relaylock cannot know those domains", service);
}

static void check_service(const struct pf_conf *c, const char *path, char *line,
                          unsigned lineno, struct rl_diag *warnings)
{
	char *cp = line, *field[8], *arg;
	int bad = 0, n = 0;
	const char *cmd;

	while (n < 8 && (field[n] = pf_token(&cp, " \t", &bad)) != NULL)
		n++;
	if (n < 8)
		return;
	cmd = strrchr(field[7], '/') ? strrchr(field[7], '/') + 1 : field[7];
	if (strcmp(cmd, "smtpd") != 0)
		return;
	while ((arg = pf_token(&cp, " \t", &bad)) != NULL) {
		if (strcmp(arg, "-o") == 0 && !(arg = pf_token(&cp, " \t", &bad)))
			break;
		else if (strncmp(arg, "-o", 2) == 0 && arg[2])
			arg += 2;
		else if (arg[0] == '-')
			continue;
		check_override(c, path, arg, field[0], lineno, warnings);
	}
}

static void each_param(const char *name, unsigned line, void *arg)
{
	const struct pf_conf *c = ((void **)arg)[0];
	struct rl_diag *warnings = ((void **)arg)[1];
	const char *raw = pf_conf_raw(c, name);

	if (restriction_param(name) && raw && has_word(raw, "permit_mx_backup"))
		rl_diag_add(warnings, pf_conf_path(c), line,
		            "%s: permit_mx_backup relays for any domain whose MX points"
		            " here; relaylock cannot know those domains", name);
}

void pf_master_check(const struct pf_conf *c, struct rl_diag *warnings)
{
	char path[4200], err[512], *line;
	struct pf_lines l;
	unsigned lineno = 0;
	void *args[2] = {(void *)c, warnings};
	struct rl_diag scratch;

	pf_conf_each(c, each_param, args);
	snprintf(path, sizeof path, "%s/master.cf", pf_conf_dir(c));
	if (pf_lines_open(&l, path, PF_TEXT_FILE_MAX, err, sizeof err) != 0) {
		rl_diag_add(warnings, path, 0, "%s: -o overrides not checked", err);
		return;
	}
	rl_diag_init(&scratch);
	while (pf_lines_next(&l, &line, &lineno, &scratch) == 1)
		check_service(c, path, line, lineno, warnings);
	pf_lines_close(&l);
}
