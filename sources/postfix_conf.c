/* postfix_conf.c - read main.cf and expand parameters. */
#include "postfix_conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_lines.h"
#include "pf_split.h"

struct param {
	char *name, *value;
	unsigned line;
};

struct pf_conf {
	char *dir, *path;
	char host[256];        /* the system's name */
	char myhostname[300];  /* myhostname's default, see conf_new() */
	struct param *params;
	size_t n;
};

/* Defaults of the parameters that lead to the domain lists (mail_params.h).
 * relay_domains' default depends on compatibility_level: see below. */
static const char *const defaults[][2] = {
	{"mydestination", "$myhostname, localhost.$mydomain, localhost"},
	{"virtual_alias_domains", "$virtual_alias_maps"},
	{"virtual_mailbox_domains", "$virtual_mailbox_maps"},
	{"virtual_alias_maps", ""},
	{"virtual_mailbox_maps", ""},
	{"parent_domain_matches_subdomains",
	 "debug_peer_list,fast_flush_domains,mynetworks,permit_mx_backup_networks,"
	 "qmqpd_authorized_clients,relay_domains,smtpd_access_maps"},
	{"compatibility_level", "0"},
	{"myorigin", "$myhostname"},
	{"smtpd_restriction_classes", ""},
};

void pf_conf_free(struct pf_conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->params[i].name);
		free(c->params[i].value);
	}
	free(c->params);
	free(c->dir);
	free(c->path);
	free(c);
}

static struct param *find(const struct pf_conf *c, const char *name, size_t len)
{
	for (size_t i = c->n; i-- > 0;) /* the last setting wins */
		if (strlen(c->params[i].name) == len &&
		    memcmp(c->params[i].name, name, len) == 0)
			return &c->params[i];
	return NULL;
}

static int add_param(struct pf_conf *c, char *line, unsigned lineno,
                     struct rl_diag *errors)
{
	char *name, *value;
	const char *why = pf_nameval(line, &name, &value);
	struct param *p;

	if (why) {
		rl_diag_add(errors, c->path, lineno, "%s", why);
		return -1;
	}
	if (c->n >= PF_CONF_PARAMS_MAX ||
	    !(p = realloc(c->params, (c->n + 1) * sizeof *p))) {
		rl_diag_add(errors, c->path, lineno, "more than %d parameters",
		            PF_CONF_PARAMS_MAX);
		return -1;
	}
	c->params = p;
	p = &c->params[c->n];
	p->line = lineno;
	p->name = strdup(name);
	p->value = strdup(value);
	c->n++;
	if (!p->name || !p->value) {
		rl_diag_add(errors, c->path, lineno, "out of memory");
		return -1;
	}
	return 0;
}

static struct pf_conf *conf_new(const char *dir, const char *path,
                                const char *hostname)
{
	struct pf_conf *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->dir = strdup(dir);
	c->path = strdup(path);
	if (!c->dir || !c->path) {
		pf_conf_free(c);
		return NULL;
	}
	snprintf(c->host, sizeof c->host, "%s", hostname);
	return c;
}

static struct pf_conf *parse_lines(struct pf_conf *c, struct pf_lines *l,
                                   struct rl_diag *errors)
{
	char *line;
	unsigned lineno = 0;
	int rc;

	while ((rc = pf_lines_next(l, &line, &lineno, errors)) == 1)
		if (add_param(c, line, lineno, errors) != 0) {
			rc = -1;
			break;
		}
	pf_lines_close(l);
	if (rc != 0) {
		pf_conf_free(c);
		return NULL;
	}
	/* myhostname's default: the system's name; without a dot, qualified
	 * with $mydomain when main.cf sets it, else localdomain (mail_params.c). */
	snprintf(c->myhostname, sizeof c->myhostname, "%s%s", c->host,
	         strchr(c->host, '.') ? ""
	         : find(c, "mydomain", 8) ? ".$mydomain" : ".localdomain");
	return c;
}

struct pf_conf *pf_conf_parse(const char *path, const char *text, size_t len,
                              const char *hostname, struct rl_diag *errors)
{
	struct pf_conf *c = conf_new(".", path, hostname);
	struct pf_lines l;

	if (!c || pf_lines_open_text(&l, path, text, len) != 0) {
		rl_diag_add(errors, path, 0, "out of memory");
		pf_conf_free(c);
		return NULL;
	}
	return parse_lines(c, &l, errors);
}

struct pf_conf *pf_conf_load(const char *dir, const char *hostname,
                             struct rl_diag *errors)
{
	char path[4096], err[512];
	struct pf_conf *c;
	struct pf_lines l;

	if ((size_t)snprintf(path, sizeof path, "%s/main.cf", dir) >= sizeof path) {
		rl_diag_add(errors, dir, 0, "configuration directory name too long");
		return NULL;
	}
	if (pf_lines_open(&l, path, PF_TEXT_FILE_MAX, err, sizeof err) != 0) {
		rl_diag_add(errors, path, 0, "%s", err);
		return NULL;
	}
	if (!(c = conf_new(dir, path, hostname))) {
		pf_lines_close(&l);
		rl_diag_add(errors, path, 0, "out of memory");
		return NULL;
	}
	return parse_lines(c, &l, errors);
}

const char *pf_conf_raw(const struct pf_conf *c, const char *name)
{
	struct param *p = find(c, name, strlen(name));

	return p ? p->value : NULL;
}

const char *pf_conf_value(const struct pf_conf *c, const char *name,
                          size_t len, unsigned *line)
{
	struct param *p = find(c, name, len);

	*line = p ? p->line : 0;
	if (p)
		return p->value;
	for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
		if (strlen(defaults[i][0]) == len && memcmp(defaults[i][0], name, len) == 0)
			return defaults[i][1];
	if (len == 10 && memcmp(name, "myhostname", len) == 0)
		return c->myhostname;
	if (len == 16 && memcmp(name, "config_directory", len) == 0)
		return c->dir;
	return NULL;
}

const char *pf_conf_path(const struct pf_conf *c)
{
	return c->path;
}

const char *pf_conf_dir(const struct pf_conf *c)
{
	return c->dir;
}

void pf_conf_each(const struct pf_conf *c,
                  void (*fn)(const char *name, unsigned line, void *arg),
                  void *arg)
{
	for (size_t i = 0; i < c->n; i++)
		fn(c->params[i].name, c->params[i].line, arg);
}
