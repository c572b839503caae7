/* sendmail_source.c - the domains Sendmail's ruleset Rcpt_ok relays to
 * for any client, in its order: class w (exact names), class R (and
 * subdomains unless relay_hosts_only), then the access map's To: entries
 * looked up as ruleset D does. Relay permissions (Connect:, From:,
 * promiscuous_relay, relay_entire_domain) are never read as domains.
 */
#include "sendmail_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "file_stamps.h"
#include "sm_access.h"
#include "sm_domains.h"
#include "source_impl.h"

struct sendmail {
	struct sm_conf conf;
	struct sm_domset w, r, virthost;
	struct sm_access_map access;
	bool hosts_only;
	char cf[SM_PATH_MAX];
	struct rl_stamps *stamps;   /* every file read, for refreshes */
	char broken[RL_SRC_WHY_MAX - 32]; /* "": every file could be read */
};

static void sendmail_free(void *state)
{
	struct sendmail *s = state;

	if (!s)
		return;
	sm_domset_free(&s->w);
	sm_domset_free(&s->r);
	sm_domset_free(&s->virthost);
	sm_access_free(&s->access);
	sm_conf_free(&s->conf);
	rl_stamps_free(s->stamps);
	free(s);
}

static void why_place(const struct sendmail *s, const char *what,
                      const struct sm_dom *d, char *why, size_t cap)
{
	const struct sm_place *p = &s->conf.places[d->place];

	if (d->line)
		snprintf(why, cap, "%s %s %s:%u", what, d->name, p->path, d->line);
	else
		snprintf(why, cap, "%s %s %s", what, d->name, p->path);
}

/* One level of ruleset D: "To:NAME" then "NAME"; with lookupdotdomain
 * "To:.PARENT" then ".PARENT". */
static const struct sm_access_entry *access_level(const struct sendmail *s,
                                                  const char *d, size_t len,
                                                  bool *tagged)
{
	const struct sm_access_entry *e = NULL;
	const char *dot = memchr(d, '.', len);

	for (int k = 0; !e && k < 2; k++) {
		if (k == 1 && (!s->conf.access.lookup_dot || !dot))
			break;
		if (k == 1) {
			len -= (size_t)(dot - d);
			d = dot;
		}
		if ((e = sm_access_find(&s->access, true, d, len)))
			*tagged = true;
		else if ((e = sm_access_find(&s->access, false, d, len)))
			*tagged = false;
	}
	return e;
}

/* Ruleset D with "<+ To>": at each level, most specific first, the
 * tagged key then the plain one; the first entry found decides. */
static const struct sm_access_entry *access_lookup(const struct sendmail *s,
                                                   const char *d, size_t len,
                                                   bool *tagged)
{
	const struct sm_access_entry *e;

	if (s->hosts_only) /* exact lookups, no ruleset D (nor ".parent") */
		return access_level(s, d, len, tagged);
	for (size_t i = 0; i < len; i++) {
		if (i > 0 && d[i - 1] != '.')
			continue;
		if ((e = access_level(s, d + i, len - i, tagged)))
			return e;
	}
	return NULL;
}

/* The first class file or access map that could not be read, for the
 * ERROR answers: "" when all could. */
static void find_broken(struct sendmail *s)
{
	for (size_t i = 0; i < s->conf.n_places && !s->broken[0]; i++)
		if (s->conf.places[i].error[0])
			snprintf(s->broken, sizeof s->broken, "%.200s: %s",
			         s->conf.places[i].path, s->conf.places[i].error);
	if (!s->broken[0] && s->access.error[0])
		snprintf(s->broken, sizeof s->broken, "%s", s->access.error);
}

static enum rl_src_answer sendmail_match(const void *state, const char *d,
                                         size_t len, char *why, size_t cap)
{
	const struct sendmail *s = state;
	const struct sm_access_entry *e;
	const struct sm_dom *m;
	bool tagged;

	if ((m = sm_domset_find(&s->w, d, len))) {
		why_place(s, "class w", m, why, cap);
		return RL_SRC_YES;
	}
	if ((m = sm_domset_find_parent(&s->r, d, len, !s->hosts_only))) {
		why_place(s, s->hosts_only ? "class R" : "class R (and subdomains)",
		          m, why, cap);
		return RL_SRC_YES;
	}
	if ((e = access_lookup(s, d, len, &tagged)) && e->relay) {
		snprintf(why, cap, "access %s%s RELAY %s", tagged ? "To:" : "",
		         e->domain, s->conf.access.path);
		return RL_SRC_YES;
	}
	if (s->broken[0]) {
		snprintf(why, cap, "cannot read %s", s->broken);
		return RL_SRC_ERROR;
	}
	return RL_SRC_NO;
}

static void sendmail_tables(const void *state,
                            void (*fn)(const struct rl_source_table *t, void *arg),
                            void *arg)
{
	const struct sendmail *s = state;
	char param[SM_NAME_MAX + 8];

	for (size_t i = 0; i < s->conf.n_places; i++) {
		const struct sm_place *p = &s->conf.places[i];
		struct rl_source_table t = {
			.param = param, .type = p->kind, .name = p->path,
			.keys = p->words - p->skipped, .skipped = p->skipped,
			.error = p->error[0] ? p->error : NULL,
		};

		snprintf(param, sizeof param, "class {%s}", p->cls);
		fn(&t, arg);
	}
	if (s->conf.access.defined) {
		struct rl_source_table t = {
			.param = "access", .type = s->conf.access.type,
			.name = s->conf.access.path,
			.keys = s->access.n_tagged + s->access.n_plain,
			.skipped = s->access.skipped,
			.error = s->access.error[0] ? s->access.error : NULL,
		};

		fn(&t, arg);
	}
}

static const struct rl_stamps *sendmail_stamps(const void *state)
{
	return ((const struct sendmail *)state)->stamps;
}

/* $j, the host's canonical name, when it is in class w. */
static const char *canonical_name(const struct sendmail *s, char buf[RL_DOMAIN_MAX + 2])
{
	for (size_t i = 0; i < s->conf.n_macros; i++) {
		const struct sm_macro *m = &s->conf.macros[i];
		int n;

		if (strcmp(m->name, "j") != 0 || !m->value || strchr(m->value, '$'))
			continue;
		n = sm_word_domain(m->value, strlen(m->value), false, buf);
		if (n > 0 && sm_domset_find(&s->w, buf, (size_t)n))
			return buf;
	}
	return NULL;
}

/* $j first (the name the host answers to), then class w, {VirtHost} and
 * class R (no ".parent" entries), each in its sorted order, until FN
 * returns true. */
static void sendmail_names(const void *state, bool (*fn)(const char *name, void *arg),
                           void *arg)
{
	const struct sendmail *s = state;
	const struct sm_domset *sets[] = {&s->w, &s->virthost, &s->r};
	char j[RL_DOMAIN_MAX + 2];

	if (canonical_name(s, j) && fn(j, arg))
		return;
	for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++)
		for (size_t i = 0; i < sets[k]->n; i++)
			if (sets[k]->d[i].name[0] != '.' && fn(sets[k]->d[i].name, arg))
				return;
}

const struct rl_source_ops rl_sendmail_ops = {
	.kind = "sendmail",
	.match = sendmail_match,
	.tables = sendmail_tables,
	.free = sendmail_free,
	.stamps = sendmail_stamps,
	.names = sendmail_names,
};

/* The cf, every class file (missing ones too: their appearance is a
 * change), the access map and /etc/hosts (the host's names). */
static int stamp_all(struct sendmail *s, struct timespec start)
{
	int rc = 0;

	if (!(s->stamps = rl_stamps_new(start)))
		return -1;
	rc |= rl_stamps_add(s->stamps, s->cf);
	for (size_t i = 0; i < s->conf.n_places; i++)
		if (strcmp(s->conf.places[i].kind, "file") == 0)
			rc |= rl_stamps_add(s->stamps, s->conf.places[i].path);
	if (s->conf.access.defined)
		rc |= rl_stamps_add(s->stamps, s->conf.access.path);
	rc |= rl_stamps_add(s->stamps, "/etc/hosts");
	return rc ? -1 : 0;
}

static void warn_state(struct sendmail *s, struct rl_diag *warnings)
{
	if (s->conf.mx_relay_line)
		rl_diag_add(warnings, s->cf, s->conf.mx_relay_line,
		            "a bestmx map (relay_based_on_MX, bestmx_is_local):"
		            " Sendmail takes mail for any domain whose MX is this"
		            " host; those domains cannot be known (list them in"
		            " relay-domains or local-host-names)");
	if (s->conf.entire_domain_line)
		rl_diag_add(warnings, s->cf, s->conf.entire_domain_line,
		            "relay_entire_domain: Sendmail also relays to every"
		            " host under its own domain ($=m); relaylock takes"
		            " that permission for no domain");
	if (s->access.full_relay)
		rl_diag_add(warnings, s->cf, s->conf.access.line, "access map: %zu"
		            " To:user@domain RELAY entries: relaylock hosts domains,"
		            " not single addresses (with relaytofulladdress Sendmail"
		            " relays to them; list their domains if they must be"
		            " reachable)", s->access.full_relay);
	if (s->access.error[0])
		rl_diag_add(warnings, s->cf, s->conf.access.line, "access map: %s"
		            " (until it can be read, domains not found elsewhere"
		            " answer 451)", s->access.error);
}

/* Load CF; with PROBE, the interfaces' names join class w after the cf
 * is read (its DontProbeInterfaces decides), as in Sendmail's main(). */
static void *load(const char *cf, struct sm_host *host, bool probe,
                  struct rl_diag *errors, struct rl_diag *warnings)
{
	struct sendmail *s = calloc(1, sizeof *s);
	struct timespec start;
	int rc;

	clock_gettime(CLOCK_REALTIME, &start);
	if (!s) {
		rl_diag_add(errors, cf, 0, "out of memory");
		return NULL;
	}
	snprintf(s->cf, sizeof s->cf, "%s", cf);
	if (sm_conf_read(&s->conf, s->cf, host, errors, warnings) != 0) {
		sendmail_free(s);
		return NULL;
	}
	s->hosts_only = s->conf.relay_hosts_only;
	rc = 0;
	if (probe) {
		size_t before = host->n_names;

		sm_host_interfaces(host, s->conf.dont_probe);
		rc = sm_conf_add_host(&s->conf, host, before);
	}
	rc |= sm_domset_build(&s->w, &s->conf, sm_conf_class(&s->conf, "w"),
	                     false, warnings);
	rc |= sm_domset_build(&s->r, &s->conf, sm_conf_class(&s->conf, "R"),
	                      true, warnings);
	rc |= sm_domset_build(&s->virthost, &s->conf,
	                      sm_conf_class(&s->conf, "VirtHost"), false, warnings);
	sm_conf_drop_words(&s->conf);
	s->conf.access.lookup_dot = s->conf.lookup_dot && !s->hosts_only;
	if (rc == 0 && s->conf.access.defined &&
	    sm_access_load(&s->conf.access, &s->access, errors) == -2)
		rc = -1;
	if (rc != 0 || stamp_all(s, start) != 0) {
		rl_diag_add(errors, cf, 0, "more than %d files or out of memory",
		            RL_STAMPS_MAX);
		sendmail_free(s);
		return NULL;
	}
	find_broken(s);
	warn_state(s, warnings);
	return s;
}

void *rl_sendmail_load_host(const char *cf, const struct sm_host *host,
                            struct rl_diag *errors, struct rl_diag *warnings)
{
	struct sm_host copy = *host;

	return load(cf, &copy, false, errors, warnings);
}

void *rl_sendmail_load(const char *cf, struct rl_diag *errors,
                       struct rl_diag *warnings)
{
	struct sm_host host;

	sm_host_probe(&host);
	return load(cf, &host, true, errors, warnings);
}

void rl_sendmail_counts(const void *state, struct rl_sendmail_counts *out)
{
	const struct sendmail *s = state;

	out->w = s->w.n;
	out->r = s->r.n;
	out->virthost = s->virthost.n;
	out->access = s->access.n_tagged + s->access.n_plain;
	out->relay_hosts_only = s->hosts_only;
}

void rl_sendmail_class(const void *state, const char *name,
                       void (*fn)(const char *domain, void *arg), void *arg)
{
	const struct sendmail *s = state;
	const struct sm_domset *set = strcmp(name, "w") == 0   ? &s->w
	                              : strcmp(name, "R") == 0 ? &s->r
	                              : strcmp(name, "VirtHost") == 0
	                                  ? &s->virthost : NULL;

	for (size_t i = 0; set && i < set->n; i++)
		fn(set->d[i].name, arg);
}
