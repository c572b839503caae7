/* config.c - relaylock.conf (libconfuse) and its list files. */
#include "config.h"

#include <confuse.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "config_text.h"
#include "listen_addr.h"
#include "public_suffix.h"

#define LIST_LINE_MAX 1024
/* relaylock.conf itself; long lists belong in list files. */
#define CONFIG_SIZE_MAX (16u << 20)

void rl_diag_init(struct rl_diag *diag)
{
	diag->n = 0;
	diag->dropped = 0;
}

static void diag_vadd(struct rl_diag *diag, const char *file, unsigned line,
                      const char *fmt, va_list ap)
{
	char *msg;
	int n;

	if (diag->n == RL_DIAG_MAX) {
		diag->dropped++;
		return;
	}
	msg = diag->msg[diag->n++];
	if (line > 0)
		n = snprintf(msg, RL_DIAG_LEN, "%s:%u: ", file, line);
	else
		n = snprintf(msg, RL_DIAG_LEN, "%s: ", file);
	if (n >= 0 && n < RL_DIAG_LEN)
		vsnprintf(msg + n, RL_DIAG_LEN - (size_t)n, fmt, ap);
}

void rl_diag_add(struct rl_diag *diag, const char *file, unsigned line,
                 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(diag, file, line, fmt, ap);
	va_end(ap);
}

/* Where each trusted network came from, for conflict reports. */
struct origin {
	const char *file;
	unsigned line;
};

/* State of one load. libconfuse callbacks take no user pointer, so the
 * load in progress is found through a thread-local: loads in different
 * threads (a reload beside a -t check) never see each other. */
struct load {
	struct rl_diag *diag;
	const char *path;
	struct rl_domain_set *hosted;
	struct rl_net_set *trusted;
	struct rl_psl *psl; /* read at the first hosted entry */
	struct rl_policy_params params;
	struct rl_daemon_settings daemon;
	struct origin *origins;
	size_t n_origins, cap_origins;
	char **files; /* list-file names kept for origins */
	size_t n_files;
	struct pending_file {
		const char *key;
		char *name;
		unsigned line;
	} pending[16]; /* list files named in the config, read after parsing */
	size_t n_pending;
	struct rl_source_spec sources[RL_SOURCES_MAX];
	size_t n_sources;
};

static _Thread_local struct load *current;

static unsigned line_of(cfg_t *cfg)
{
	return cfg && cfg->line > 0 ? (unsigned)cfg->line : 0;
}

/* The line where VALUE began. In a callback libconfuse's count stands at
 * the value's end; after rl_conf_strip_comments the only line breaks
 * before that end are the value's own. */
static unsigned value_line(cfg_t *cfg, const char *value)
{
	unsigned line = line_of(cfg);

	for (; line > 1 && (value = strchr(value, '\n')); value++)
		line--;
	return line;
}

static void error_at(unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void error_at(unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(current->diag, current->path, line, fmt, ap);
	va_end(ap);
}

static void confuse_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	diag_vadd(current->diag, current->path, line_of(cfg), fmt, ap);
}

/* Remember FILE:LINE and return its tag for rl_net_set_add. */
static int add_origin(struct load *ld, const char *file, unsigned line,
                      uint32_t *tag)
{
	if (ld->n_origins == ld->cap_origins) {
		size_t cap = ld->cap_origins ? ld->cap_origins * 2 : 64;
		struct origin *o = realloc(ld->origins, cap * sizeof *o);

		if (!o)
			return -1;
		ld->origins = o;
		ld->cap_origins = cap;
	}
	ld->origins[ld->n_origins] = (struct origin){file, line};
	*tag = (uint32_t)ld->n_origins++;
	return 0;
}

/* Is TEXT, a valid hosted entry, a public suffix? The list is read once
 * per load, at the first entry; without it the load fails. */
static bool public_suffix(struct load *ld, const char *file, unsigned line,
                          const char *text)
{
	char entry[RL_DOMAIN_ENTRY_MAX + 1];
	const char *err;

	if (rl_domain_entry_canonical(text, strlen(text), entry, &err) < 0)
		return false;
	if (!ld->psl && !(ld->psl = rl_psl_open())) {
		rl_diag_add(ld->diag, file, line,
		            "cannot load the Public Suffix List to check \"%s\"", text);
		return false;
	}
	return rl_psl_is_public_suffix(ld->psl, entry);
}

static void add_domain(struct load *ld, const char *file, unsigned line,
                       const char *text)
{
	const char *err;
	int r = rl_domain_set_add(ld->hosted, text, strlen(text), &err);

	if (r == -1)
		rl_diag_add(ld->diag, file, line, "hosted domain \"%s\": %s", text, err);
	else if (r != 0)
		rl_diag_add(ld->diag, file, line, "out of memory");
	else if (public_suffix(ld, file, line, text))
		rl_diag_add(ld->diag, file, line,
		            "hosted domain \"%s\": a public suffix: hosting it would "
		            "relay for every domain under it", text);
}

static void add_network(struct load *ld, const char *file, unsigned line,
                        const char *text)
{
	const char *err = "out of memory";
	uint32_t tag;

	if (add_origin(ld, file, line, &tag) != 0 ||
	    rl_net_set_add(ld->trusted, text, tag, &err) != 0)
		rl_diag_add(ld->diag, file, line, "trusted network \"%s\": %s", text, err);
}

static int copy_setting(unsigned line, const char *name, const char *value,
                        char *dst, size_t size);

/* Parse callbacks: each checks one value where libconfuse still knows its
 * line, records it, and hands the text back unchanged. They return 0 after
 * an error so that one run reports every bad value. */
#define KEEP_VALUE(result, value) (*(const char **)(result) = (value))

static int cb_hosted(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	(void)opt;
	KEEP_VALUE(result, value);
	if (current && cfg->line > 0)
		add_domain(current, current->path, value_line(cfg, value), value);
	return 0;
}

static int cb_trusted(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	(void)opt;
	KEEP_VALUE(result, value);
	if (current && cfg->line > 0)
		add_network(current, current->path, value_line(cfg, value), value);
	return 0;
}

static int cb_list_file(cfg_t *cfg, cfg_opt_t *opt, const char *value,
                        void *result)
{
	struct load *ld = current;
	unsigned line = value_line(cfg, value);

	KEEP_VALUE(result, value);
	if (!ld || cfg->line <= 0)
		return 0;
	if (ld->n_pending == sizeof ld->pending / sizeof ld->pending[0]) {
		error_at(line, "%s: too many files", opt->name);
		return 0;
	}
	ld->pending[ld->n_pending].name = strdup(value);
	if (!ld->pending[ld->n_pending].name) {
		error_at(line, "out of memory");
		return 0;
	}
	ld->pending[ld->n_pending].key = opt->name;
	ld->pending[ld->n_pending++].line = line;
	return 0;
}

/* hosted_domains_from: kept with its line; sources/ opens each one. */
static int cb_source(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	struct load *ld = current;
	unsigned line = value_line(cfg, value);

	(void)opt;
	KEEP_VALUE(result, value);
	if (!ld || cfg->line <= 0)
		return 0;
	if (ld->n_sources == RL_SOURCES_MAX) {
		error_at(line, "hosted_domains_from: more than %d sources", RL_SOURCES_MAX);
		return 0;
	}
	if (value[0] == '\0' || strpbrk(value, " \t")) {
		error_at(line, "hosted_domains_from: \"%s\" is not a source name", value);
		return 0;
	}
	if (copy_setting(line, "hosted_domains_from", value, ld->sources[ld->n_sources].spec,
	                 sizeof ld->sources[0].spec) == 0)
		ld->sources[ld->n_sources++].line = line;
	return 0;
}

/* Integers with their range, checked where the line is known. */
static int cb_int(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	bool is_mode = strcmp(opt->name, "socket_mode") == 0;
	unsigned line = value_line(cfg, value);
	long lo = is_mode ? 0 : 1, hi = is_mode ? 0777 : 3600;
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, is_mode ? 8 : 10);
	if (errno || end == value || *end != '\0' || v < lo || v > hi) {
		if (is_mode)
			error_at(line, "socket_mode: \"%s\" is not an octal file mode", value);
		else
			error_at(line, "%s: \"%s\" is not between %ld and %ld seconds",
			         opt->name, value, lo, hi);
		v = lo;
	}
	*(long *)result = v;
	return 0;
}

static bool printable_ascii(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

static int copy_setting(unsigned line, const char *name, const char *value,
                        char *dst, size_t size)
{
	if (strlen(value) >= size) {
		error_at(line, "%s: longer than %zu characters", name, size - 1);
		return -1;
	}
	if (!printable_ascii(value)) {
		error_at(line, "%s: control or non-ASCII characters", name);
		return -1;
	}
	strcpy(dst, value);
	return 0;
}

/* local_mailers is obsolete: the decision no longer looks at the MTA's
 * mailer (relaylock(8), THE MTA'S RESOLUTION). Old files still load; a
 * malformed name is still an error, never ignored. */
static int cb_mailer(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	unsigned line = value_line(cfg, value);

	(void)opt;
	KEEP_VALUE(result, value);
	if (!current || cfg->line <= 0)
		return 0;
	if (value[0] == '\0' || strlen(value) > 31 || !printable_ascii(value) ||
	    strpbrk(value, " \t"))
		error_at(line, "local_mailers: \"%s\" is not a mailer name", value);
	return 0;
}

static int level_from_name(const char *name)
{
	static const struct {
		const char *name;
		int level;
	} levels[] = {
		{"err", LOG_ERR}, {"error", LOG_ERR}, {"warning", LOG_WARNING},
		{"notice", LOG_NOTICE}, {"info", LOG_INFO}, {"debug", LOG_DEBUG},
	};

	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
		if (strcasecmp(name, levels[i].name) == 0)
			return levels[i].level;
	return -1;
}

const char *rl_log_level_name(int level)
{
	switch (level) {
	case LOG_ERR: return "err";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE: return "notice";
	case LOG_INFO: return "info";
	case LOG_DEBUG: return "debug";
	default: return NULL;
	}
}

static bool valid_socket(const char *s)
{
	static const char *const kinds[] = {"unix:", "local:", "inet:", "inet6:"};

	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		size_t n = strlen(kinds[i]);

		if (strncmp(s, kinds[i], n) == 0)
			return s[n] != '\0';
	}
	return false;
}

static bool valid_dsn(const char *dsn, char cls)
{
	int subject, detail;
	char c, extra;

	return sscanf(dsn, "%c.%3d.%3d%c", &c, &subject, &detail, &extra) == 3 &&
	       c == cls && subject >= 0 && detail >= 0 && dsn[2] != '+' &&
	       dsn[2] != '-' && strspn(dsn, "0123456789.") == strlen(dsn);
}

/* One callback for the scalar strings: validates and stores by name. */
static int cb_string(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	struct load *ld = current;
	const char *name = opt->name;
	struct rl_policy_params *p;
	struct rl_daemon_settings *d;
	unsigned line = value_line(cfg, value);

	KEEP_VALUE(result, value);
	if (!ld || cfg->line <= 0)
		return 0; /* a default, already in place */
	p = &ld->params;
	d = &ld->daemon;
	if (strcmp(name, "mode") == 0) {
		if (strcmp(value, "enforce") == 0)
			p->mode = RL_MODE_ENFORCE;
		else if (strcmp(value, "monitor") == 0)
			p->mode = RL_MODE_MONITOR;
		else
			error_at(line, "mode: \"%s\" is neither enforce nor monitor", value);
	} else if (strcmp(name, "reject_code") == 0) {
		if (strlen(value) != 3 || value[0] != '5' ||
		    strspn(value, "0123456789") != 3)
			error_at(line, "reject_code: \"%s\" is not a 5xx SMTP code", value);
		else
			strcpy(p->reject_code, value);
	} else if (strcmp(name, "reject_dsn") == 0) {
		if (strlen(value) >= sizeof p->reject_dsn || !valid_dsn(value, '5'))
			error_at(line, "reject_dsn: \"%s\" is not a 5.X.Y status", value);
		else
			strcpy(p->reject_dsn, value);
	} else if (strcmp(name, "reject_text") == 0) {
		if (value[0] == '\0' || strchr(value, '%'))
			error_at(line, "reject_text: must be non-empty and hold no '%%'");
		else
			copy_setting(line, name, value, p->reject_text, sizeof p->reject_text);
	} else if (strcmp(name, "socket") == 0) {
		if (!valid_socket(value))
			error_at(line, "socket: \"%s\" is not unix:PATH, inet:PORT@HOST "
			              "or inet6:PORT@HOST", value);
		else
			copy_setting(line, name, value, d->socket, sizeof d->socket);
	} else if (strcmp(name, "metrics_listen") == 0) {
		struct rl_listen_addr la;
		const char *why;

		if (value[0] != '\0' && !rl_listen_addr_parse(value, &la, &why))
			error_at(line, "metrics_listen: \"%s\" %s", value, why);
		else
			copy_setting(line, name, value, d->metrics_listen, sizeof d->metrics_listen);
	} else if (strcmp(name, "user") == 0) {
		if (value[0] == '\0' || strpbrk(value, " \t:"))
			error_at(line, "user: \"%s\" is not a user name", value);
		else
			copy_setting(line, name, value, d->user, sizeof d->user);
	} else if (strcmp(name, "socket_group") == 0) {
		if (strpbrk(value, " \t:"))
			error_at(line, "socket_group: \"%s\" is not a group name", value);
		else
			copy_setting(line, name, value, d->socket_group, sizeof d->socket_group);
	} else if (strcmp(name, "pid_file") == 0) {
		if (value[0] != '\0' && value[0] != '/')
			error_at(line, "pid_file: \"%s\" is not an absolute path", value);
		else
			copy_setting(line, name, value, d->pid_file, sizeof d->pid_file);
	} else if (strcmp(name, "log_level") == 0 ||
	           strcmp(name, "accept_log_level") == 0) {
		int level = level_from_name(value);

		if (level < 0)
			error_at(line, "%s: \"%s\" is not one of err, warning, notice, "
			              "info, debug", name, value);
		else if (name[0] == 'l')
			d->log_level = level;
		else
			d->accept_log_level = level;
	}
	return 0;
}

/* Relative list-file names are taken from the config file's directory. */
static char *resolve_path(const char *config_path, const char *name)
{
	const char *slash = strrchr(config_path, '/');
	size_t dir = slash ? (size_t)(slash - config_path) + 1 : 0;
	char *out;

	if (name[0] == '/' || dir == 0)
		return strdup(name);
	out = malloc(dir + strlen(name) + 1);
	if (out) {
		memcpy(out, config_path, dir);
		strcpy(out + dir, name);
	}
	return out;
}

typedef void (*list_adder)(struct load *, const char *, unsigned, const char *);

/* Read one entry a line; '#' starts a comment. Errors name file:line. */
static void read_list_file(struct load *ld, unsigned cfg_line, const char *key,
                           const char *name, list_adder add)
{
	char **files;
	char *path = resolve_path(ld->path, name);
	char buf[LIST_LINE_MAX + 2];
	unsigned line = 0;
	FILE *f;

	if (!path || !(files = realloc(ld->files, (ld->n_files + 1) * sizeof *files))) {
		free(path);
		rl_diag_add(ld->diag, ld->path, cfg_line, "out of memory");
		return;
	}
	ld->files = files;
	ld->files[ld->n_files++] = path;
	f = fopen(path, "r");
	if (!f) {
		rl_diag_add(ld->diag, ld->path, cfg_line, "%s: cannot read %s: %s",
		            key, path, strerror(errno));
		return;
	}
	while (fgets(buf, sizeof buf, f)) {
		size_t len = strlen(buf);
		char *s = buf, *end;

		line++;
		if (len > LIST_LINE_MAX && buf[len - 1] != '\n') {
			rl_diag_add(ld->diag, path, line, "line longer than %d characters",
			            LIST_LINE_MAX);
			int c;

			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		if ((end = strchr(s, '#')))
			*end = '\0';
		s += strspn(s, " \t\r\n");
		end = s + strcspn(s, " \t\r\n");
		if (end == s)
			continue;
		if (end[strspn(end, " \t\r\n")] != '\0') {
			rl_diag_add(ld->diag, path, line, "one entry per line");
			continue;
		}
		*end = '\0';
		add(ld, path, line, s);
	}
	if (ferror(f))
		rl_diag_add(ld->diag, path, line, "read error: %s", strerror(errno));
	fclose(f);
}

static void load_free(struct load *ld)
{
	rl_domain_set_free(ld->hosted);
	rl_net_set_free(ld->trusted);
	rl_psl_close(ld->psl);
	free(ld->origins);
	for (size_t i = 0; i < ld->n_files; i++)
		free(ld->files[i]);
	free(ld->files);
	for (size_t i = 0; i < ld->n_pending; i++)
		free(ld->pending[i].name);
}

static void finish_load(struct load *ld, cfg_t *cfg)
{
	static const struct {
		const char *key;
		list_adder add;
	} lists[] = {
		{"hosted_domains_file", add_domain},
		{"trusted_networks_file", add_network},
	};
	uint32_t a, b;

	for (size_t i = 0; i < ld->n_pending; i++)
		for (size_t j = 0; j < sizeof lists / sizeof lists[0]; j++)
			if (strcmp(ld->pending[i].key, lists[j].key) == 0)
				read_list_file(ld, ld->pending[i].line, lists[j].key,
				               ld->pending[i].name, lists[j].add);

	ld->params.allow_authenticated = cfg_getbool(cfg, "allow_authenticated");
	ld->daemon.run_as_root = cfg_getbool(cfg, "run_as_root");
	ld->daemon.socket_mode = (unsigned)cfg_getint(cfg, "socket_mode");
	ld->daemon.milter_timeout = (unsigned)cfg_getint(cfg, "milter_timeout");
	ld->daemon.hosted_domains_refresh =
		(unsigned)cfg_getint(cfg, "hosted_domains_refresh");
	ld->daemon.lookup_timeout = (unsigned)cfg_getint(cfg, "lookup_timeout");
	ld->daemon.directory_cache_ttl =
		(unsigned)cfg_getint(cfg, "directory_cache_ttl");

	if (ld->diag->n > 0)
		return;
	if (rl_domain_set_count(ld->hosted) == 0 && ld->n_sources == 0)
		rl_diag_add(ld->diag, ld->path, 0, "no hosted domains: set hosted_domains, "
		            "hosted_domains_file or hosted_domains_from");
	switch (rl_net_set_build(ld->trusted, &a, &b)) {
	case 0:
		break;
	case -1:
		rl_diag_add(ld->diag, ld->origins[b].file, ld->origins[b].line,
		            "trusted network is both included and excluded (see %s:%u)",
		            ld->origins[a].file, ld->origins[a].line);
		break;
	default:
		rl_diag_add(ld->diag, ld->path, 0, "out of memory");
	}
}

/* Line of the first NUL in TEXT (LEN octets), or 0 when there is none:
 * libconfuse reads the text up to the first NUL. */
static unsigned nul_line(const char *text, size_t len)
{
	const char *nul = memchr(text, '\0', len);
	unsigned line = 1;

	if (!nul)
		return 0;
	for (const char *p = text; p < nul; p++)
		line += *p == '\n';
	return line;
}

/* PATH's text without its comments (see config_text.h), malloc'd; NULL
 * with DIAG filled when it cannot be read. */
static char *config_text(const char *path, struct rl_diag *diag)
{
	FILE *f = fopen(path, "r");
	char *raw = NULL, *text = NULL;
	size_t len = 0, cap = 0;
	unsigned bad;

	if (!f) {
		rl_diag_add(diag, path, 0, "cannot read: %s", strerror(errno));
		return NULL;
	}
	while (!ferror(f) && !feof(f) && len <= CONFIG_SIZE_MAX) {
		if (len == cap) {
			/* one octet past the bound tells "too large" */
			size_t want = cap ? cap * 2 : 8192;
			char *r;

			cap = want > CONFIG_SIZE_MAX + 1 ? CONFIG_SIZE_MAX + 1 : want;
			r = realloc(raw, cap);
			if (!r)
				break;
			raw = r;
		}
		len += fread(raw + len, 1, cap - len, f);
	}
	if (ferror(f))
		rl_diag_add(diag, path, 0, "cannot read: %s", strerror(errno));
	else if (len > CONFIG_SIZE_MAX)
		rl_diag_add(diag, path, 0, "larger than %u octets: put long lists "
		            "in hosted_domains_file", CONFIG_SIZE_MAX);
	else if (!feof(f) || !(text = malloc(len + 1)))
		rl_diag_add(diag, path, 0, "out of memory");
	else if ((bad = nul_line(raw, len)) != 0)
		rl_diag_add(diag, path, bad, "NUL character");
	else
		rl_conf_strip_comments(raw, len, text);
	fclose(f);
	free(raw);
	if (diag->n > 0) {
		free(text);
		return NULL;
	}
	return text;
}

static void defaults(struct load *ld)
{
	struct rl_daemon_settings *d = &ld->daemon;

	rl_policy_params_default(&ld->params);
	memset(d, 0, sizeof *d);
	snprintf(d->socket, sizeof d->socket, "%s", RELAYLOCK_DEFAULT_SOCKET);
	snprintf(d->pid_file, sizeof d->pid_file, "%s/relaylock/relaylock.pid",
	         RELAYLOCK_RUNSTATEDIR);
	strcpy(d->user, "relaylock");
	d->socket_mode = 0660;
	d->log_level = LOG_NOTICE;
	d->accept_log_level = LOG_INFO;
	d->milter_timeout = 30;
	d->lookup_timeout = 5;
	d->directory_cache_ttl = 300;
}

struct rl_config *rl_config_load(const char *path, struct rl_diag *diag)
{
	cfg_opt_t opts[] = {
		CFG_STR_LIST_CB("hosted_domains", NULL, CFGF_NONE, cb_hosted),
		CFG_STR_LIST_CB("hosted_domains_file", NULL, CFGF_NONE, cb_list_file),
		CFG_STR_LIST_CB("hosted_domains_from", NULL, CFGF_NONE, cb_source),
		CFG_INT_CB("hosted_domains_refresh", 60, CFGF_NONE, cb_int),
		CFG_INT_CB("lookup_timeout", 5, CFGF_NONE, cb_int),
		CFG_INT_CB("directory_cache_ttl", 300, CFGF_NONE, cb_int),
		CFG_STR_LIST_CB("trusted_networks", NULL, CFGF_NONE, cb_trusted),
		CFG_STR_LIST_CB("trusted_networks_file", NULL, CFGF_NONE, cb_list_file),
		CFG_BOOL("allow_authenticated", cfg_true, CFGF_NONE),
		CFG_STR_CB("mode", "enforce", CFGF_NONE, cb_string),
		CFG_STR_CB("reject_code", "550", CFGF_NONE, cb_string),
		CFG_STR_CB("reject_dsn", "5.7.1", CFGF_NONE, cb_string),
		CFG_STR_CB("reject_text", "Relaying denied", CFGF_NONE, cb_string),
		CFG_STR_LIST_CB("local_mailers", NULL, CFGF_NONE, cb_mailer),
		CFG_STR_CB("socket", "", CFGF_NONE, cb_string),
		CFG_STR_CB("user", "relaylock", CFGF_NONE, cb_string),
		CFG_STR_CB("socket_group", "", CFGF_NONE, cb_string),
		CFG_INT_CB("socket_mode", 0660, CFGF_NONE, cb_int),
		CFG_STR_CB("pid_file", "", CFGF_NONE, cb_string),
		CFG_STR_CB("log_level", "notice", CFGF_NONE, cb_string),
		CFG_STR_CB("accept_log_level", "info", CFGF_NONE, cb_string),
		CFG_BOOL("run_as_root", cfg_false, CFGF_NONE),
		CFG_INT_CB("milter_timeout", 30, CFGF_NONE, cb_int),
		CFG_STR_CB("metrics_listen", "", CFGF_NONE, cb_string),
		CFG_END(),
	};
	struct load ld = {.diag = diag, .path = path};
	struct rl_config *config = NULL;
	cfg_t *cfg = NULL;
	char *text = NULL;
	int r;

	defaults(&ld);
	ld.hosted = rl_domain_set_new();
	ld.trusted = rl_net_set_new();
	current = &ld;
	cfg = cfg_init(opts, CFGF_NONE);
	if (!ld.hosted || !ld.trusted || !cfg) {
		rl_diag_add(diag, path, 0, "out of memory");
		goto out;
	}
	cfg_set_error_function(cfg, confuse_error);
	if (!(text = config_text(path, diag)))
		goto out;
	r = cfg_parse_buf(cfg, text);
	if (r != CFG_SUCCESS) {
		if (diag->n == 0)
			rl_diag_add(diag, path, line_of(cfg), "syntax error");
		goto out;
	}
	finish_load(&ld, cfg);
	if (diag->n > 0)
		goto out;

	config = calloc(1, sizeof *config);
	if (!config) {
		rl_diag_add(diag, path, 0, "out of memory");
		goto out;
	}
	snprintf(config->path, sizeof config->path, "%s", path);
	config->daemon = ld.daemon;
	config->n_domains = rl_domain_set_count(ld.hosted);
	config->n_networks = rl_net_set_count(ld.trusted);
	memcpy(config->sources, ld.sources, sizeof ld.sources);
	config->n_sources = ld.n_sources;
	config->policy = rl_policy_new(ld.hosted, ld.trusted, &ld.params);
	ld.hosted = NULL; /* the policy owns them now, even on failure */
	ld.trusted = NULL;
	if (!config->policy) {
		rl_diag_add(diag, path, 0, "out of memory");
		free(config);
		config = NULL;
	}
out:
	if (cfg)
		cfg_free(cfg);
	free(text);
	current = NULL;
	load_free(&ld);
	return config;
}

void rl_config_free(struct rl_config *config)
{
	if (!config)
		return;
	rl_policy_free(config->policy);
	if (config->attached_free) /* after the policy that points into it */
		config->attached_free(config->attached);
	free(config);
}
