/* config.h - load relaylock.conf (libconfuse) and its list files into a
 * complete, immutable policy plus the daemon's settings.
 *
 * The loader never exits and never returns half a policy: it returns a
 * whole rl_config or NULL with every error, each naming file:line, in the
 * caller's rl_diag. A failed reload can therefore keep the old policy.
 */
#ifndef RELAYLOCK_CONFIG_H
#define RELAYLOCK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

#define RL_DIAG_MAX 32
#define RL_DIAG_LEN 512

/* Error messages, "file:line: what is wrong". Bounded; extra ones are
 * counted in DROPPED. */
struct rl_diag {
	size_t n;
	size_t dropped;
	char msg[RL_DIAG_MAX][RL_DIAG_LEN];
};

void rl_diag_init(struct rl_diag *diag);
void rl_diag_add(struct rl_diag *diag, const char *file, unsigned line,
                 const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define RL_SETTING_MAX 256

struct rl_daemon_settings {
	char socket[RL_SETTING_MAX];       /* libmilter form, "unix:/run/..." */
	char user[64];                     /* unprivileged user to run as */
	char socket_group[64];             /* group of the unix socket, "" = user's */
	unsigned socket_mode;              /* mode of the unix socket, 0660 */
	char pid_file[RL_SETTING_MAX];     /* "" = none */
	int log_level;                     /* syslog priority threshold */
	int accept_log_level;              /* priority of "action=accept" lines */
	bool run_as_root;                  /* refuse root unless this is set */
	unsigned milter_timeout;           /* seconds, smfi_settimeout */
	char metrics_listen[RL_SETTING_MAX]; /* "" = no metrics endpoint */
	unsigned hosted_domains_refresh;   /* seconds between source checks */
	unsigned lookup_timeout;           /* seconds, one directory lookup */
	unsigned directory_cache_ttl;      /* seconds a directory answer serves */
};

/* One entry of hosted_domains_from ("postfix", "sendmail:/path/cf", ...)
 * and the line it is on. sources/ opens it. */
struct rl_source_spec {
	char spec[RL_SETTING_MAX];
	unsigned line;
};

struct rl_config {
	char path[RL_SETTING_MAX];
	struct rl_policy *policy;
	struct rl_daemon_settings daemon;
	size_t n_domains;   /* distinct hosted entries */
	size_t n_networks;  /* distinct trusted prefixes, exclusions included */
	struct rl_source_spec sources[RL_SOURCES_MAX];
	size_t n_sources;
	/* The opened sources (sources/source_set.h), freed with the config. */
	void *attached;
	void (*attached_free)(void *attached);
};

/* Load PATH. Returns NULL and fills DIAG when anything is wrong. */
struct rl_config *rl_config_load(const char *path, struct rl_diag *diag);
void rl_config_free(struct rl_config *config);

/* Name of a syslog priority ("notice") or NULL. */
const char *rl_log_level_name(int level);

#endif
