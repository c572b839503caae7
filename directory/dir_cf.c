/* dir_cf.c - Postfix's pgsql/mysql/ldap table .cf files. */
#include "dir_cf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum key_use { USED, IGNORED };

struct key_def {
	const char *name;
	enum key_use use;
	unsigned types; /* bit per enum rl_dir_type */
};

#define PG (1u << RL_DIR_PGSQL)
#define MY (1u << RL_DIR_MYSQL)
#define LD (1u << RL_DIR_LDAP)
#define SQL (PG | MY)
#define ANY (PG | MY | LD)

/* From pgsql_table(5), mysql_table(5) and ldap_table(5) of Postfix 3.7
 * (and 3.8's pgsql `encoding`). IGNORED keys only shape the MTA's result
 * value or its own caching; found-or-not is all relaylock needs. */
static const struct key_def keys[] = {
	{"domain", USED, ANY},
	{"result_format", IGNORED, ANY},
	{"result_filter", IGNORED, LD},       /* result_format's old name */
	{"expansion_limit", IGNORED, ANY},
	{"hosts", USED, SQL},
	{"user", USED, SQL},
	{"password", USED, SQL},
	{"dbname", USED, SQL},
	{"query", USED, SQL},
	{"table", USED, SQL},
	{"select_field", USED, SQL},
	{"where_field", USED, SQL},
	{"additional_conditions", USED, SQL},
	{"select_function", USED, PG},
	{"encoding", IGNORED, PG},
	{"idle_interval", IGNORED, SQL},
	{"retry_interval", IGNORED, SQL},
	{"option_file", USED, MY},
	{"option_group", USED, MY},
	{"require_result_set", USED, MY},
	{"tls_cert_file", USED, MY},
	{"tls_key_file", USED, MY},
	{"tls_CAfile", USED, MY},
	{"tls_CApath", USED, MY},
	{"tls_ciphers", USED, MY},
	{"tls_verify_cert", USED, MY},
	{"server_host", USED, LD},
	{"server_port", USED, LD},
	{"timeout", USED, LD},
	{"search_base", USED, LD},
	{"query_filter", USED, LD},
	{"result_attribute", USED, LD},
	{"terminal_result_attribute", USED, LD},
	{"leaf_result_attribute", USED, LD},
	{"special_result_attribute", IGNORED, LD},
	{"scope", USED, LD},
	{"bind", USED, LD},
	{"bind_dn", USED, LD},
	{"bind_pw", USED, LD},
	{"version", USED, LD},
	{"start_tls", USED, LD},
	{"tls_ca_cert_dir", USED, LD},
	{"tls_ca_cert_file", USED, LD},
	{"tls_cert", USED, LD},
	{"tls_key", USED, LD},
	{"tls_require_cert", USED, LD},
	{"tls_random_file", USED, LD},
	{"tls_cipher_suite", USED, LD},
	{"sasl_mechs", USED, LD},
	{"sasl_realm", USED, LD},
	{"sasl_authz_id", USED, LD},
	{"sasl_minssf", USED, LD},
	{"size_limit", IGNORED, LD},
	{"recursion_limit", IGNORED, LD},
	{"dereference", IGNORED, LD},
	{"chase_referrals", IGNORED, LD},
	{"debuglevel", IGNORED, LD},
	{"cache", IGNORED, LD},
	{"cache_expiry", IGNORED, LD},
	{"cache_size", IGNORED, LD},
};

static const char *const type_names[] = {"pgsql", "mysql", "ldap"};

int rl_dir_type_parse(const char *name)
{
	for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
		if (strcmp(name, type_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *rl_dir_type_name(enum rl_dir_type type)
{
	return (unsigned)type < 3 ? type_names[type] : "?";
}

static const struct key_def *key_find(const char *name, enum rl_dir_type type)
{
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strcmp(keys[i].name, name) == 0 &&
		    (keys[i].types & (1u << type)))
			return &keys[i];
	return NULL;
}

static struct rl_dir_setting *setting_find(const struct rl_dir_cf *cf,
                                           const char *key)
{
	for (size_t i = 0; i < cf->n_set; i++)
		if (strcmp(cf->set[i].key, key) == 0)
			return (struct rl_dir_setting *)&cf->set[i];
	return NULL;
}

const char *rl_dir_cf_get(const struct rl_dir_cf *cf, const char *key,
                          const char *def)
{
	const struct rl_dir_setting *s = setting_find(cf, key);

	return s ? s->value : def;
}

static unsigned cf_line(const struct rl_dir_cf *cf, const char *key)
{
	const struct rl_dir_setting *s = setting_find(cf, key);

	return s ? s->line : 0;
}

/* One logical line "key = value": check the key and store the pair. */
static int store(struct rl_dir_cf *cf, char *text, unsigned line,
                 struct rl_diag *errors)
{
	char *eq = strchr(text, '=');
	char *key = text, *value, *end;
	const struct key_def *def;
	struct rl_dir_setting *s;

	if (!eq) {
		rl_diag_add(errors, cf->path, line, "missing '=' after a key");
		return -1;
	}
	end = eq;
	while (end > key && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	value = eq + 1;
	while (isspace((unsigned char)*value))
		value++;
	end = value + strlen(value);
	while (end > value && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	if (strlen(key) >= sizeof cf->set[0].key ||
	    !(def = key_find(key, cf->type))) {
		rl_diag_add(errors, cf->path, line, "unknown %s_table(5) key \"%.40s\"",
		            rl_dir_type_name(cf->type), key);
		return -1;
	}
	if (def->use == IGNORED)
		return 0;
	if ((s = setting_find(cf, key))) { /* the last setting wins */
		free(s->value);
	} else {
		if (cf->n_set == RL_DIR_KEYS_MAX) {
			rl_diag_add(errors, cf->path, line, "more than %d keys",
			            RL_DIR_KEYS_MAX);
			return -1;
		}
		s = &cf->set[cf->n_set++];
		memcpy(s->key, key, strlen(key) + 1);
	}
	s->line = line;
	if (!(s->value = strdup(value))) {
		rl_diag_add(errors, cf->path, line, "out of memory");
		return -1;
	}
	return 0;
}

/* Split TEXT into logical lines: continuation lines start with white
 * space; '#' lines and blank lines are skipped, even inside a logical line. */
static int split_lines(struct rl_dir_cf *cf, const char *text, size_t len,
                       struct rl_diag *errors)
{
	char *buf = malloc(RL_DIR_VALUE_MAX + 64);
	size_t n = 0, pos = 0;
	unsigned line = 0, start = 0;
	int status = 0;

	if (!buf) {
		rl_diag_add(errors, cf->path, 0, "out of memory");
		return -1;
	}
	while (pos < len && status == 0) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;
		const char *p = text + pos, *q = p;

		pos += l + (nl != NULL);
		line++;
		if (l > 0 && p[l - 1] == '\r')
			l--;
		if (memchr(p, '\0', l)) {
			rl_diag_add(errors, cf->path, line, "NUL byte in the file");
			status = -1;
			break;
		}
		while (q < p + l && isspace((unsigned char)*q))
			q++;
		if (q == p + l || *q == '#')
			continue;
		if (q != p && n == 0) {
			rl_diag_add(errors, cf->path, line,
			            "a line starting with white space continues nothing");
			status = -1;
			break;
		}
		if (q == p && n > 0) { /* a new logical line: store the last one */
			buf[n] = '\0';
			status = store(cf, buf, start, errors);
			n = 0;
		}
		if (n == 0)
			start = line;
		else
			buf[n++] = ' ';
		if (n + (size_t)(p + l - q) >= RL_DIR_VALUE_MAX + 32) {
			rl_diag_add(errors, cf->path, line, "a setting longer than %d octets",
			            RL_DIR_VALUE_MAX);
			status = -1;
			break;
		}
		memcpy(buf + n, q, (size_t)(p + l - q));
		n += (size_t)(p + l - q);
	}
	if (status == 0 && n > 0) {
		buf[n] = '\0';
		status = store(cf, buf, start, errors);
	}
	free(buf);
	return status;
}

/* Items separated by white space and commas, as Postfix splits lists. */
static int split_items(struct rl_dir_cf *cf, const char *key, const char *value,
                       char (*out)[256], size_t max, size_t *n,
                       struct rl_diag *errors)
{
	const char *p = value;

	*n = 0;
	while (*p) {
		size_t l;

		p += strspn(p, " \t,");
		if (!*p)
			break;
		l = strcspn(p, " \t,");
		if (*n == max || l >= 256) {
			rl_diag_add(errors, cf->path, cf_line(cf, key),
			            *n == max ? "%s: more than %zu items" :
			                        "%s: an item longer than 255 octets",
			            key, max);
			return -1;
		}
		memcpy(out[*n], p, l);
		out[(*n)++][l] = '\0';
		p += l;
	}
	return 0;
}

/* Postfix's query templates: %% %s %S %u %U %d %D %1..%9 and nothing
 * else. Those that need the key's domain part suppress bare domains. */
static int check_template(struct rl_dir_cf *cf, const char *key,
                          const char *tmpl, struct rl_diag *errors)
{
	for (const char *p = tmpl; *p; p++) {
		if (*p != '%')
			continue;
		p++;
		if (*p && strchr("%sSuU", *p))
			continue;
		if (*p && strchr("dD123456789", *p)) {
			cf->never_why = "the query uses %d, %D or %1..%9, which Postfix "
			                "never expands for a bare domain";
			continue;
		}
		rl_diag_add(errors, cf->path, cf_line(cf, key),
		            "%s: invalid %% expansion \"%%%.1s\"", key, p);
		return -1;
	}
	return 0;
}

static int parse_bool(struct rl_dir_cf *cf, const char *key, bool def,
                      bool *out, struct rl_diag *errors)
{
	const char *v = rl_dir_cf_get(cf, key, NULL);

	*out = def;
	if (!v)
		return 0;
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1"))
		*out = true;
	else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0"))
		*out = false;
	else {
		rl_diag_add(errors, cf->path, cf_line(cf, key),
		            "%s: \"%.40s\" is not yes or no", key, v);
		return -1;
	}
	return 0;
}

static int parse_uint(struct rl_dir_cf *cf, const char *key, unsigned lo,
                      unsigned hi, unsigned *out, struct rl_diag *errors)
{
	const char *v = rl_dir_cf_get(cf, key, NULL);
	char *end;
	unsigned long n;

	if (!v)
		return 0;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (!isdigit((unsigned char)*v) || *end || errno || n < lo || n > hi) {
		rl_diag_add(errors, cf->path, cf_line(cf, key),
		            "%s: \"%.40s\" is not a number from %u to %u", key, v, lo, hi);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

/* The query, from `query`, pgsql's `select_function` or the old
 * table/select_field/where_field/additional_conditions form. */
static int sql_query(struct rl_dir_cf *cf, struct rl_diag *errors)
{
	const char *q = rl_dir_cf_get(cf, "query", NULL);
	const char *fn = rl_dir_cf_get(cf, "select_function", NULL);
	const char *t = rl_dir_cf_get(cf, "table", NULL);
	const char *sel = rl_dir_cf_get(cf, "select_field", NULL);
	const char *where = rl_dir_cf_get(cf, "where_field", NULL);
	int n;

	if (q) {
		cf->query = q;
		return check_template(cf, "query", q, errors);
	}
	if (fn)
		n = snprintf(cf->built_query, sizeof cf->built_query,
		             "SELECT %s('%%s')", fn);
	else if (t && sel && where)
		n = snprintf(cf->built_query, sizeof cf->built_query,
		             "SELECT %s FROM %s WHERE %s='%%s' %s", sel, t, where,
		             rl_dir_cf_get(cf, "additional_conditions", ""));
	else {
		rl_diag_add(errors, cf->path, 0, "no query: set `query` (or the "
		            "old table, select_field and where_field)");
		return -1;
	}
	if (n < 0 || (size_t)n >= sizeof cf->built_query) {
		rl_diag_add(errors, cf->path, 0, "the built query is too long");
		return -1;
	}
	cf->query = cf->built_query;
	return check_template(cf, "query", cf->query, errors);
}

static int sql_finish(struct rl_dir_cf *cf, struct rl_diag *errors)
{
	if (split_items(cf, "hosts", rl_dir_cf_get(cf, "hosts", "localhost"),
	                cf->hosts, RL_DIR_HOSTS_MAX, &cf->n_hosts, errors) != 0)
		return -1;
	for (size_t i = 0; i < cf->n_hosts; i++) {
		const char *h = cf->hosts[i];

		if (!strncmp(h, "unix:", 5) ? h[5] != '/' :
		    !strncmp(h, "inet:", 5) ? h[5] == '\0' : 0) {
			rl_diag_add(errors, cf->path, cf_line(cf, "hosts"),
			            "hosts: \"%s\" names no socket or host", h);
			return -1;
		}
	}
	if (cf->n_hosts == 0) {
		rl_diag_add(errors, cf->path, cf_line(cf, "hosts"), "hosts: empty");
		return -1;
	}
	if (parse_bool(cf, "tls_verify_cert", false, &cf->tls_verify_cert, errors) ||
	    parse_bool(cf, "require_result_set", true, &cf->require_result_set,
	               errors) || sql_query(cf, errors))
		return -1;
	/* Postfix refuses a table without it, even when a postgresql:// URI
	 * names the database (the URI's wins). */
	if (!*rl_dir_cf_get(cf, "dbname", "")) {
		rl_diag_add(errors, cf->path, cf_line(cf, "dbname"),
		            "dbname is not set (Postfix requires it too)");
		return -1;
	}
	return 0;
}

static int ldap_hosts(struct rl_dir_cf *cf, struct rl_diag *errors)
{
	char items[RL_DIR_HOSTS_MAX][256];
	unsigned port = 389;

	if (parse_uint(cf, "server_port", 1, 65535, &port, errors) ||
	    split_items(cf, "server_host", rl_dir_cf_get(cf, "server_host", "localhost"),
	                items, RL_DIR_HOSTS_MAX, &cf->n_hosts, errors))
		return -1;
	if (cf->n_hosts == 0) {
		rl_diag_add(errors, cf->path, cf_line(cf, "server_host"),
		            "server_host: empty");
		return -1;
	}
	for (size_t i = 0; i < cf->n_hosts; i++) {
		int n;

		if (strstr(items[i], "://")) {
			if (strncmp(items[i], "ldap://", 7) && strncmp(items[i], "ldaps://", 8) &&
			    strncmp(items[i], "ldapi://", 8)) {
				rl_diag_add(errors, cf->path, cf_line(cf, "server_host"),
				            "server_host: \"%s\" is not ldap://, ldaps:// or "
				            "ldapi://", items[i]);
				return -1;
			}
			n = snprintf(cf->hosts[i], sizeof cf->hosts[i], "%s", items[i]);
		} else if (strchr(items[i], ':'))
			n = snprintf(cf->hosts[i], sizeof cf->hosts[i], "ldap://%s", items[i]);
		else
			n = snprintf(cf->hosts[i], sizeof cf->hosts[i], "ldap://%s:%u",
			             items[i], port);
		if (n < 0 || (size_t)n >= sizeof cf->hosts[i]) {
			rl_diag_add(errors, cf->path, cf_line(cf, "server_host"),
			            "server_host: \"%s\" is too long", items[i]);
			return -1;
		}
	}
	return 0;
}

static int ldap_choice(struct rl_dir_cf *cf, const char *key,
                       const char *const *names, const int *codes, int def,
                       int *out, struct rl_diag *errors)
{
	const char *v = rl_dir_cf_get(cf, key, NULL);

	*out = def;
	if (!v)
		return 0;
	for (size_t i = 0; names[i]; i++)
		if (!strcasecmp(v, names[i])) {
			*out = codes[i];
			return 0;
		}
	rl_diag_add(errors, cf->path, cf_line(cf, key), "%s: \"%.40s\" is not one of "
	            "%s", key, v, names[0][0] == 's' ? "sub, one, base" :
	            "yes, no, sasl (none, simple)");
	return -1;
}

static int ldap_attrs(struct rl_dir_cf *cf, struct rl_diag *errors)
{
	static const char *const attr_keys[] = {"result_attribute",
		"terminal_result_attribute", "leaf_result_attribute"};

	cf->n_attrs = 0;
	for (size_t k = 0; k < 3; k++) {
		char items[RL_DIR_ATTRS_MAX][256];
		size_t n;
		const char *v = rl_dir_cf_get(cf, attr_keys[k], k ? "" : "maildrop");

		if (split_items(cf, attr_keys[k], v, items, RL_DIR_ATTRS_MAX, &n, errors))
			return -1;
		for (size_t i = 0; i < n; i++) {
			if (cf->n_attrs == RL_DIR_ATTRS_MAX || strlen(items[i]) >= 128) {
				rl_diag_add(errors, cf->path, cf_line(cf, attr_keys[k]),
				            "%s: too many or too long attributes", attr_keys[k]);
				return -1;
			}
			memcpy(cf->attrs[cf->n_attrs++], items[i], strlen(items[i]) + 1);
		}
	}
	return 0;
}

static int ldap_finish(struct rl_dir_cf *cf, struct rl_diag *errors)
{
	static const char *const scopes[] = {"sub", "one", "base", NULL};
	static const int scope_codes[] = {RL_DIR_SCOPE_SUB, RL_DIR_SCOPE_ONE,
	                                  RL_DIR_SCOPE_BASE};
	static const char *const binds[] = {"yes", "no", "sasl", "simple", "none",
	                                    NULL};
	static const int bind_codes[] = {RL_DIR_BIND_YES, RL_DIR_BIND_NO,
	                                 RL_DIR_BIND_SASL, RL_DIR_BIND_YES,
	                                 RL_DIR_BIND_NO};
	const char *base = rl_dir_cf_get(cf, "search_base", NULL);
	const char *req = rl_dir_cf_get(cf, "tls_require_cert", "no");
	unsigned version = 3;
	int scope, bind;

	if (ldap_hosts(cf, errors) || ldap_attrs(cf, errors) ||
	    ldap_choice(cf, "scope", scopes, scope_codes, RL_DIR_SCOPE_SUB, &scope,
	                errors) ||
	    ldap_choice(cf, "bind", binds, bind_codes, RL_DIR_BIND_YES, &bind, errors) ||
	    parse_uint(cf, "version", 2, 3, &version, errors) ||
	    parse_uint(cf, "timeout", 1, 3600, &cf->timeout, errors) ||
	    parse_bool(cf, "start_tls", false, &cf->start_tls, errors))
		return -1;
	cf->scope = (enum rl_dir_scope)scope;
	cf->bind = (enum rl_dir_bind)bind;
	cf->version = (int)version;
	cf->tls_require_cert = strcasecmp(req, "no") && strcasecmp(req, "never");
	if (cf->bind == RL_DIR_BIND_SASL) {
		rl_diag_add(errors, cf->path, cf_line(cf, "bind"),
		            "bind = sasl is not supported by relaylock; use a simple "
		            "bind (bind_dn, bind_pw) or bind = no");
		return -1;
	}
	if (!base) {
		rl_diag_add(errors, cf->path, 0, "search_base is not set");
		return -1;
	}
	if (strchr(base, '%')) {
		rl_diag_add(errors, cf->path, cf_line(cf, "search_base"),
		            "search_base: %% expansions are not supported by relaylock");
		return -1;
	}
	cf->query = rl_dir_cf_get(cf, "query_filter", "mailacceptinggeneralid=%s");
	return check_template(cf, "query_filter", cf->query, errors);
}

struct rl_dir_cf *rl_dir_cf_parse(const char *text, size_t len,
                                  const char *path, enum rl_dir_type type,
                                  struct rl_diag *errors)
{
	struct rl_dir_cf *cf = calloc(1, sizeof *cf);
	size_t before = errors->n + errors->dropped;
	int status;

	if (!cf) {
		rl_diag_add(errors, path, 0, "out of memory");
		return NULL;
	}
	cf->type = type;
	snprintf(cf->path, sizeof cf->path, "%s", path);
	if (len > RL_DIR_CF_SIZE_MAX) {
		rl_diag_add(errors, path, 0, "larger than %u octets", RL_DIR_CF_SIZE_MAX);
		status = -1;
	} else
		status = split_lines(cf, text, len, errors);
	if (status == 0)
		status = type == RL_DIR_LDAP ? ldap_finish(cf, errors) :
		                               sql_finish(cf, errors);
	if (status == 0 && rl_dir_cf_get(cf, "domain", NULL) &&
	    *rl_dir_cf_get(cf, "domain", NULL))
		cf->never_why = "`domain` is set, and Postfix then never looks up a "
		                "bare domain";
	if (status != 0 || errors->n + errors->dropped != before) {
		rl_dir_cf_free(cf);
		return NULL;
	}
	return cf;
}

/* Read PATH whole, bounded; refuse a password that others can read. */
struct rl_dir_cf *rl_dir_cf_load(const char *path, enum rl_dir_type type,
                                 struct rl_diag *errors)
{
	struct rl_dir_cf *cf = NULL;
	struct stat st;
	char *text = NULL;
	ssize_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0 || fstat(fd, &st) != 0) {
		rl_diag_add(errors, path, 0, "cannot read: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)RL_DIR_CF_SIZE_MAX) {
		rl_diag_add(errors, path, 0, "not a regular file of at most %u octets",
		            RL_DIR_CF_SIZE_MAX);
		goto out;
	}
	if (!(text = malloc((size_t)st.st_size + 1)))
		goto out;
	while ((size_t)got < (size_t)st.st_size) {
		ssize_t r = read(fd, text + got, (size_t)st.st_size - (size_t)got);

		if (r <= 0)
			break;
		got += r;
	}
	cf = rl_dir_cf_parse(text, (size_t)got, path, type, errors);
	if (cf && (st.st_mode & S_IROTH) &&
	    (*rl_dir_cf_get(cf, "password", "") || *rl_dir_cf_get(cf, "bind_pw", ""))) {
		rl_diag_add(errors, path, 0, "holds a password and others can read it "
		            "(mode %04o): make it mode 0640, owner root, group relaylock "
		            "(chmod 0640; chgrp relaylock)", (unsigned)(st.st_mode & 07777));
		rl_dir_cf_free(cf);
		cf = NULL;
	}
out:
	free(text);
	if (fd >= 0)
		close(fd);
	return cf;
}

void rl_dir_cf_free(struct rl_dir_cf *cf)
{
	if (!cf)
		return;
	for (size_t i = 0; i < cf->n_set; i++)
		free(cf->set[i].value);
	free(cf);
}
