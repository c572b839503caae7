/* main.c - relaylock's command line: check a config (-t), decide one
 * address offline (-q), or run the milter daemon. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "config.h"
#include "dir_registry.h"
#include "daemon.h"
#include "load.h"
#include "log.h"
#include "query.h"
#include "source_set.h"

#define DEFAULT_CONFIG RELAYLOCK_SYSCONFDIR "/relaylock/relaylock.conf"

enum { OPT_CLIENT = 256, OPT_AUTH, OPT_RESOLVED, OPT_MAILER, OPT_EXPLAIN };

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: relaylock [-c FILE] [-p SOCKET] [-u USER] [-P PIDFILE] [-f]\n"
	        "       relaylock [-c FILE] -t\n"
	        "       relaylock [-c FILE] -q ADDRESS [--client IP] [--auth USER]\n"
	        "                 [--resolved ADDR --mailer NAME] [--explain]\n"
	        "       relaylock -V | -h\n"
	        "\n"
	        "  -c FILE     configuration (default %s)\n"
	        "  -p SOCKET   milter socket: unix:PATH, inet:PORT@HOST, inet6:PORT@HOST\n"
	        "  -u USER     run as USER after opening the socket\n"
	        "  -P PIDFILE  write the process id to PIDFILE\n"
	        "  -f          stay in the foreground and log to stderr\n"
	        "  -t          check the configuration, print a summary, exit\n"
	        "  -q ADDRESS  decide one recipient offline and print the verdict\n"
	        "  --explain   with -q: print each step of the decision first\n"
	        "  -V          print the version\n"
	        "  -h          print this help\n"
	        "Exit status: 0 ok (or accept), 1 reject, 2 tempfail, 64 usage,\n"
	        "78 configuration error. See relaylock(8).\n",
	        DEFAULT_CONFIG);
}

static void report_diag(int level, const char *prefix, const struct rl_diag *diag)
{
	for (size_t i = 0; i < diag->n; i++)
		rl_report(level, "%s%s", prefix, diag->msg[i]);
	if (diag->dropped)
		rl_report(level, "%s%zu more not shown", prefix, diag->dropped);
}

/* Errors exit 78; warnings (a source that cannot be read now) are shown
 * and the load goes on. */
static struct rl_config *load_or_report(const char *path)
{
	struct rl_diag *diag = malloc(2 * sizeof *diag);
	struct rl_config *config;

	if (!diag) {
		rl_report(LOG_ERR, "out of memory");
		return NULL;
	}
	rl_diag_init(&diag[0]);
	rl_diag_init(&diag[1]);
	config = rl_load(path, NULL, &diag[0], &diag[1]);
	report_diag(LOG_ERR, "", &diag[0]);
	report_diag(LOG_ERR, "warning: ", &diag[1]);
	free(diag);
	return config;
}

/* Directory outages and recoveries, from the registry. */
static void log_directory(int priority, const char *text)
{
	rl_log(priority, "%s", text);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"client", required_argument, NULL, OPT_CLIENT},
		{"auth", required_argument, NULL, OPT_AUTH},
		{"resolved", required_argument, NULL, OPT_RESOLVED},
		{"mailer", required_argument, NULL, OPT_MAILER},
		{"explain", no_argument, NULL, OPT_EXPLAIN},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct rl_cli cli = {.config_path = DEFAULT_CONFIG};
	struct rl_query q = {0};
	struct rl_config *config;
	bool check_only = false;
	int c, status;

	rl_log_init(); /* errors before the daemon starts: terminal or journal */
	rl_dir_registry_logger(log_directory);
	while ((c = getopt_long(argc, argv, "c:p:u:P:ftq:Vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': cli.config_path = optarg; break;
		case 'p': cli.socket = optarg; break;
		case 'u': cli.user = optarg; break;
		case 'P': cli.pid_file = optarg; break;
		case 'f': cli.foreground = true; break;
		case 't': check_only = true; break;
		case 'q': q.rcpt = optarg; break;
		case OPT_CLIENT: q.client = optarg; break;
		case OPT_AUTH: q.auth = optarg; break;
		case OPT_RESOLVED: q.resolved = optarg; break;
		case OPT_MAILER: q.mailer = optarg; break;
		case OPT_EXPLAIN: q.explain = true; break;
		case 'V':
			printf("relaylock %s\n", RELAYLOCK_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "relaylock: unexpected argument: %s\n", argv[optind]);
		usage(stderr);
		return EX_USAGE;
	}
	if (!q.rcpt && (q.client || q.auth || q.resolved || q.mailer || q.explain)) {
		fprintf(stderr, "relaylock: --client, --auth, --resolved, --mailer "
		                "and --explain go with -q\n");
		return EX_USAGE;
	}

	config = load_or_report(cli.config_path);
	if (!config)
		return EX_CONFIG;
	if (check_only) {
		printf("relaylock: %s: OK, %zu hosted domains, %zu trusted networks, "
		       "mode %s\n", cli.config_path, config->n_domains,
		       config->n_networks,
		       rl_policy_params(config->policy)->mode == RL_MODE_MONITOR
		               ? "monitor" : "enforce");
		rl_sources_print(config, stdout);
		rl_config_free(config);
		return 0;
	}
	if (q.rcpt) {
		status = rl_query_run(config, &q, stdout, stderr);
		rl_config_free(config);
		return status;
	}
	return rl_daemon_run(&cli, config);
}
