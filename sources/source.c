/* source.c - open a source by its name in relaylock.conf, ask it. */
#include "source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_stamps.h"
#include "sendmail_source.h"
#include "source_impl.h"
#include "source_psl.h"

struct rl_source {
	const struct rl_source_ops *ops;
	void *state;
};

/* "pgsql:/x.cf", "mysql:", "ldap:", each perhaps behind "proxy:". */
static bool is_directory(const char *spec)
{
	static const char *const types[] = {"pgsql:/", "mysql:/", "ldap:/"};

	if (strncmp(spec, "proxy:", 6) == 0)
		spec += 6;
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strncmp(spec, types[i], strlen(types[i])) == 0)
			return true;
	return false;
}

struct rl_source *rl_source_open(const char *spec, struct rl_diag *errors,
                                 struct rl_diag *warnings)
{
	struct rl_source *src;
	const struct rl_source_ops *ops = &rl_postfix_ops;
	const char *dir = NULL;
	void *state;

	if (!rl_src_psl_ready()) { /* no source may host a public suffix */
		rl_diag_add(errors, spec, 0, "cannot read the Public Suffix List"
		            " (Debian's publicsuffix, libpsl)");
		return NULL;
	}
	if (strcmp(spec, "postfix") == 0)
		dir = "/etc/postfix";
	else if (strncmp(spec, "postfix:", 8) == 0 && spec[8] == '/')
		dir = spec + 8;
	else if (strcmp(spec, "sendmail") == 0 ||
	         (strncmp(spec, "sendmail:", 9) == 0 && spec[9] == '/'))
		ops = &rl_sendmail_ops, dir = spec[8] ? spec + 9 : SM_DEFAULT_CF;
	else if (is_directory(spec))
		ops = &rl_directory_ops, dir = spec;
	if (!dir) {
		rl_diag_add(errors, spec, 0, "unknown source (\"postfix\","
		            " \"postfix:/config/dir\", \"sendmail\","
		            " \"sendmail:/path/sendmail.cf\", \"pgsql:/path.cf\","
		            " \"mysql:/path.cf\" or \"ldap:/path.cf\")");
		return NULL;
	}
	if (!(state = ops == &rl_sendmail_ops ? rl_sendmail_load(dir, errors, warnings)
	              : ops == &rl_directory_ops ? rl_directory_load(dir, errors)
	              : rl_postfix_load(dir, errors, warnings)))
		return NULL;
	if (!(src = malloc(sizeof *src))) {
		ops->free(state);
		rl_diag_add(errors, spec, 0, "out of memory");
		return NULL;
	}
	src->ops = ops;
	src->state = state;
	return src;
}

void rl_source_free(struct rl_source *src)
{
	if (!src)
		return;
	src->ops->free(src->state);
	free(src);
}

enum rl_src_answer rl_source_match(const struct rl_source *src,
                                   const char *domain, char *why,
                                   size_t why_cap)
{
	size_t len = strnlen(domain, 256);
	char text[RL_SRC_WHY_MAX];
	enum rl_src_answer a;

	if (why && why_cap)
		why[0] = '\0';
	if (len == 0 || len > 255)
		return RL_SRC_NO;
	text[0] = '\0';
	a = src->ops->match(src->state, domain, len, text, sizeof text);
	if (why && why_cap && a != RL_SRC_NO)
		snprintf(why, why_cap, "%s: %s", src->ops->kind, text);
	return a;
}

void rl_source_warm(const struct rl_source *src, const char *domain)
{
	size_t len = strnlen(domain, 256);

	if (src->ops->warm && len > 0 && len <= 255)
		src->ops->warm(src->state, domain, len);
}

bool rl_source_changed(const struct rl_source *src)
{
	return rl_stamps_changed(src->ops->stamps(src->state));
}

void rl_source_files(const struct rl_source *src,
                     void (*fn)(const char *path, bool exists, void *arg),
                     void *arg)
{
	rl_stamps_each(src->ops->stamps(src->state), fn, arg);
}

void rl_source_tables(const struct rl_source *src,
                      void (*fn)(const struct rl_source_table *t, void *arg),
                      void *arg)
{
	src->ops->tables(src->state, fn, arg);
}

void rl_source_names(const struct rl_source *src,
                     bool (*fn)(const char *name, void *arg), void *arg)
{
	if (src->ops->names)
		src->ops->names(src->state, fn, arg);
}
