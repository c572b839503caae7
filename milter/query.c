/* query.c - decide one recipient offline with the real config. */
#include "query.h"

#include <stdlib.h>
#include <sysexits.h>

#include "source_set.h"

int rl_query_run(const struct rl_config *config, const struct rl_query *q,
                 FILE *out, FILE *err)
{
	struct rl_ip ip;
	struct rl_decision d;
	struct rl_request req = {
		.auth = q->auth,
		.rcpt = q->rcpt,
		.resolved_addr = q->resolved,
		.resolved_mailer = q->mailer,
	};

	if (q->client) {
		if (!rl_ip_parse(q->client, &ip)) {
			fprintf(err, "relaylock: --client %s: not an IP address\n",
			        q->client);
			return EX_USAGE;
		}
		req.client = &ip;
	}
	/* Only the recipient as typed is ever looked up (the resolution is
	 * judged by its form), and only for a client that may not relay. */
	if (!rl_policy_relays_for(config->policy, &req))
		rl_sources_warm(config, req.rcpt);
	if (q->explain) {
		struct rl_trace *trace = malloc(sizeof *trace);

		if (!trace) {
			fprintf(err, "relaylock: out of memory\n");
			return EX_OSERR;
		}
		rl_trace_init(trace);
		rl_decide_traced(config->policy, &req, &d, trace);
		fputs(trace->text, out);
		if (trace->truncated)
			fputs("(more steps not shown)\n", out);
		free(trace);
	} else {
		rl_decide(config->policy, &req, &d);
	}
	fprintf(out, "%s %s", rl_verdict_name(d.verdict), rl_reason_name(d.reason));
	if (d.verdict != RL_ACCEPT)
		fprintf(out, " %s %s %s", d.code, d.dsn, d.text);
	if (d.action != d.verdict)
		fputs(" (monitor mode: accepted)", out);
	fputc('\n', out);
	switch (d.verdict) {
	case RL_ACCEPT:
		return 0;
	case RL_REJECT:
		return 1;
	default:
		return 2;
	}
}
