/* output.c - the four report formats of relaylock-selftest. */
#include "output.h"

#include <string.h>

bool st_format_parse(const char *s, enum st_format *out)
{
	static const char *const names[] = {"table", "json", "tap", "nagios",
	                                    "openmetrics"};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum st_format)i;
			return true;
		}
	return false;
}

/* Printable one-line form of S, at most MAX octets of it. */
static void put_flat(FILE *f, const char *s, size_t max)
{
	size_t i;

	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		fputc(c == '\n' ? '|' : (c < 0x20 || c >= 0x7f) ? '?' : c, f);
	}
	if (s[i])
		fputs("...", f);
}

static void put_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static const char *color_of(enum st_verdict v)
{
	switch (v) {
	case ST_CLOSED:
	case ST_PASS:
		return "\033[32m";
	case ST_INCONCLUSIVE:
		return "\033[33m";
	default:
		return "\033[1;31m";
	}
}

static const char *status_color(enum st_status s)
{
	switch (s) {
	case ST_OK:
		return "\033[1;32m";
	case ST_WARNING:
		return "\033[1;33m";
	default:
		return "\033[1;31m";
	}
}

static void reply_text(FILE *f, const struct st_result *r, size_t max)
{
	if (r->code)
		fprintf(f, "%d ", r->code);
	put_flat(f, r->reply, max);
}

static void table_head(FILE *f, bool color, const struct st_options *opt,
                       const struct st_run *run)
{
	(void)color;
	fprintf(f, "relaylock-selftest %s: %s (%s port %u)\n", RELAYLOCK_VERSION,
	        opt->target, opt->dst_text, opt->port);
	if (run->banner[0]) {
		fputs("  banner: ", f);
		put_flat(f, run->banner, 120);
		fputc('\n', f);
	}
	fprintf(f, "  vantage: %s%s%s\n", run->vantage,
	        run->source[0] ? ", local address " : "", run->source);
	if (run->tls_info[0])
		fprintf(f, "  tls: %s\n", run->tls_info);
	fprintf(f, "  outside %s@%s, hosted %s, server %s [%s], helo %s\n",
	        opt->params.outside_local, opt->params.outside_domain,
	        opt->params.hosted, opt->params.server_name, opt->params.server_ip,
	        opt->helo);
	fprintf(f, "\n%-26s %-14s %-5s %s\n", "CASE", "VERDICT", "STAGE", "REPLY");
}

static void table_row(FILE *f, bool color, const struct st_result *r)
{
	const char *v = st_verdict_name(r->verdict);

	fprintf(f, "%-26s ", r->tcase->name);
	if (color)
		fprintf(f, "%s%-14s\033[0m ", color_of(r->verdict), v);
	else
		fprintf(f, "%-14s ", v);
	fprintf(f, "%-5s ", r->stage ? r->stage : "-");
	reply_text(f, r, 90);
	if (r->note[0]) {
		fputs(" (", f);
		put_flat(f, r->note, 200);
		fputc(')', f);
	}
	if (r->token[0])
		fprintf(f, " token %s", r->token);
	fputc('\n', f);
}

void st_table_result(const struct st_run *run, const struct st_result *r, void *ctx)
{
	struct st_table_stream *ts = ctx;

	if (!ts->head_done) {
		table_head(ts->f, ts->color, ts->opt, run);
		ts->head_done = true;
	}
	table_row(ts->f, ts->color, r);
	fflush(ts->f); /* under systemd: each line reaches the journal as decided */
}

void st_table_end(struct st_table_stream *ts, const struct st_run *run)
{
	FILE *f = ts->f;
	bool color = ts->color;

	if (!ts->head_done) {
		table_head(f, color, ts->opt, run);
		ts->head_done = true;
	}
	if (run->catch_addr[0]) {
		fprintf(f, "\nproof by arrival at %s (%zu other message%s refused):\n",
		        run->catch_addr, run->n_catch_refused, run->n_catch_refused == 1 ? "" : "s");
		for (size_t i = 0; i < run->n_results; i++)
			if (run->results[i].verdict == ST_RELAYED)
				table_row(f, color, &run->results[i]);
	}
	fputc('\n', f);
	for (size_t i = 0; i < run->n_warnings; i++)
		fprintf(f, "%sWARNING%s: %s\n", color ? "\033[1;33m" : "",
		        color ? "\033[0m" : "", run->warnings[i]);
	fprintf(f, "summary: %zu cases: %zu closed, %zu open, %zu open-confirmed, "
	        "%zu relayed, %zu inconclusive; %zu/%zu controls passed; %.1f s\n",
	        run->n_cases, run->n_closed, run->n_open, run->n_confirmed,
	        run->n_relayed, run->n_inconclusive, run->n_controls - run->n_controls_failed,
	        run->n_controls, (double)run->elapsed_ms / 1000.0);
	if (color)
		fprintf(f, "%sRELAY %s\033[0m\n", status_color(run->status), run->summary);
	else
		fprintf(f, "RELAY %s\n", run->summary);
	fflush(f);
}

static void out_table(FILE *f, bool color, const struct st_options *opt,
                      const struct st_run *run)
{
	struct st_table_stream ts = {.f = f, .color = color, .opt = opt};

	for (size_t i = 0; i < run->n_results; i++)
		st_table_result(run, &run->results[i], &ts);
	st_table_end(&ts, run);
}

static void json_kv(FILE *f, const char *k, const char *v, bool comma)
{
	fprintf(f, "\"%s\": ", k);
	put_json_str(f, v);
	if (comma)
		fputs(", ", f);
}

static void out_json(FILE *f, const struct st_options *opt, const struct st_run *run)
{
	fprintf(f, "{\"tool\": \"relaylock-selftest\", \"version\": \"%s\", ",
	        RELAYLOCK_VERSION);
	fprintf(f, "\"status\": \"%s\", \"exit\": %d, ", st_status_name(run->status),
	        (int)run->status);
	json_kv(f, "summary", run->summary, true);
	fputs("\"target\": {", f);
	json_kv(f, "host", opt->target_host, true);
	json_kv(f, "address", opt->dst_text, true);
	fprintf(f, "\"port\": %u}, ", opt->port);
	json_kv(f, "vantage", run->vantage, true);
	json_kv(f, "source", run->source, true);
	json_kv(f, "xclient", opt->xclient, true);
	json_kv(f, "banner", run->banner, true);
	json_kv(f, "tls", run->tls_info, true);
	fputs("\"parameters\": {", f);
	{
		char outside[400];

		snprintf(outside, sizeof outside, "%s@%s", opt->params.outside_local,
		         opt->params.outside_domain);
		json_kv(f, "outside", outside, true);
	}
	json_kv(f, "hosted", opt->params.hosted, true);
	json_kv(f, "hosted_rcpt", opt->params.hosted_rcpt, true);
	json_kv(f, "server_name", opt->params.server_name, true);
	json_kv(f, "server_ip", opt->params.server_ip, true);
	json_kv(f, "helo", opt->helo, true);
	fprintf(f, "\"data\": %s}, ", opt->data ? "true" : "false");
	fprintf(f, "\"counts\": {\"cases\": %zu, \"closed\": %zu, \"open\": %zu, "
	        "\"open_confirmed\": %zu, \"relayed\": %zu, \"inconclusive\": %zu, "
	        "\"controls\": %zu, \"controls_failed\": %zu}, \"elapsed_ms\": %ld, ",
	        run->n_cases, run->n_closed, run->n_open, run->n_confirmed,
	        run->n_relayed, run->n_inconclusive, run->n_controls, run->n_controls_failed,
	        run->elapsed_ms);
	fputs("\"catch\": {", f);
	json_kv(f, "address", run->catch_addr, true);
	fprintf(f, "\"refused\": %zu}, ", run->n_catch_refused);
	fputs("\"senders\": [", f);
	for (size_t i = 0; i < run->n_senders; i++) {
		static const char *const st[] = {"unknown", "accepted", "refused"};

		fputs(i ? ", {" : "{", f);
		json_kv(f, "address", run->senders[i].addr, true);
		json_kv(f, "state", st[run->senders[i].state], true);
		fprintf(f, "\"code\": %d}", run->senders[i].code);
	}
	fputs("], ", f);
	fputs("\"warnings\": [", f);
	for (size_t i = 0; i < run->n_warnings; i++) {
		if (i)
			fputs(", ", f);
		put_json_str(f, run->warnings[i]);
	}
	fputs("], \"results\": [", f);
	for (size_t i = 0; i < run->n_results; i++) {
		const struct st_result *r = &run->results[i];

		fputs(i ? ",\n  {" : "\n  {", f);
		json_kv(f, "name", r->tcase->name, true);
		fprintf(f, "\"control\": %s, ", r->control ? "true" : "false");
		json_kv(f, "mail_from", r->mail, true);
		json_kv(f, "case_mail_from", r->case_mail[0] ? r->case_mail : r->mail, true);
		json_kv(f, "rcpt_to", r->rcpt, true);
		json_kv(f, "explanation", r->tcase->why, true);
		json_kv(f, "verdict", st_verdict_name(r->verdict), true);
		json_kv(f, "stage", r->stage ? r->stage : "-", true);
		fprintf(f, "\"code\": %d, ", r->code);
		json_kv(f, "dsn", r->dsn, true);
		json_kv(f, "reply", r->reply, true);
		json_kv(f, "note", r->note, true);
		json_kv(f, "token", r->token, true);
		fprintf(f, "\"attempts\": %u, \"ms\": %ld}", r->attempts, r->ms);
	}
	fputs("\n]}\n", f);
}

/* The TAP lines of RUN, numbered from *NUM on. */
static void tap_results(FILE *f, const struct st_run *run, size_t *num)
{
	for (size_t i = 0; i < run->n_results; i++) {
		const struct st_result *r = &run->results[i];
		bool ok = r->verdict == ST_CLOSED || r->verdict == ST_PASS;

		fprintf(f, "%s %zu - %s: %s (%s ", ok ? "ok" : "not ok", ++*num,
		        r->tcase->name, st_verdict_name(r->verdict), r->stage ? r->stage : "-");
		reply_text(f, r, 120);
		fputc(')', f);
		if (r->verdict == ST_INCONCLUSIVE)
			fputs(" # TODO inconclusive", f);
		fputc('\n', f);
	}
}

static void out_tap(FILE *f, const struct st_run *run)
{
	size_t num = 0;

	fprintf(f, "TAP version 13\n1..%zu\n", run->n_results);
	tap_results(f, run, &num);
	for (size_t i = 0; i < run->n_warnings; i++)
		fprintf(f, "# WARNING: %s\n", run->warnings[i]);
	fprintf(f, "# RELAY %s\n", run->summary);
}

static void nagios_perf(FILE *f, const struct st_run *run)
{
	fprintf(f, " | open=%zu;;0;0;%zu confirmed=%zu;;0;0;%zu relayed=%zu;;0;0;%zu "
	        "closed=%zu;;;0;%zu inconclusive=%zu;0;;0;%zu controls_failed=%zu;;0;0;%zu "
	        "time=%.3fs;;;0\n",
	        run->n_open + run->n_confirmed + run->n_relayed, run->n_cases,
	        run->n_confirmed + run->n_relayed, run->n_cases, run->n_relayed,
	        run->n_cases, run->n_closed, run->n_cases, run->n_inconclusive,
	        run->n_cases, run->n_controls_failed, run->n_controls,
	        (double)run->elapsed_ms / 1000.0);
}

static void out_nagios(FILE *f, const struct st_run *run)
{
	fprintf(f, "RELAY %s", run->summary);
	if (run->n_warnings)
		fprintf(f, " (%zu vantage warning%s: %s)", run->n_warnings,
		        run->n_warnings == 1 ? "" : "s", run->warnings[0]);
	nagios_perf(f, run);
}

void st_output(FILE *f, enum st_format fmt, bool color,
               const struct st_options *opt, const struct st_run *run)
{
	switch (fmt) {
	case ST_FMT_TABLE:
		out_table(f, color, opt, run);
		break;
	case ST_FMT_JSON:
		out_json(f, opt, run);
		break;
	case ST_FMT_TAP:
		out_tap(f, run);
		break;
	case ST_FMT_NAGIOS:
		out_nagios(f, run);
		break;
	case ST_FMT_OPENMETRICS:
		st_openmetrics(f, &(struct st_block){.opt = opt, .run = run}, 1);
		break;
	}
	fflush(f);
}

void st_list_cases(FILE *f, const struct st_params *params)
{
	size_t n;
	const struct st_case *cases = st_cases(&n);
	const struct st_case *controls[] = {st_control_hosted(), st_control_auth()};
	char mail[ST_ADDR_MAX], rcpt[ST_ADDR_MAX];

	for (size_t i = 0; i < 2 + n; i++) {
		const struct st_case *c = i < 2 ? controls[i] : &cases[i - 2];

		if (st_expand(c->mail, params, mail, sizeof mail) < 0)
			snprintf(mail, sizeof mail, "%s", c->mail);
		if (st_expand(c->rcpt, params, rcpt, sizeof rcpt) < 0)
			snprintf(rcpt, sizeof rcpt, "%s", c->rcpt);
		fprintf(f, "%-26s MAIL FROM:%s RCPT TO:%s\n%-26s %s%s\n", c->name, mail,
		        rcpt, "", c->why,
		        (c->flags & ST_CASE_NO_DATA) ? " [no DATA]" : "");
	}
	fprintf(f, "%zu cases and 2 controls\n", n);
}

/* Worst first: an open relay, then no answer, then doubt. */
static int severity(enum st_status s)
{
	return s == ST_CRITICAL ? 3 : s == ST_UNKNOWN ? 2 : s == ST_WARNING ? 1 : 0;
}

/* The overall status and summary of --mx blocks; SUM gets the counts. */
static enum st_status overall(const char *domain, const struct st_block *b, size_t n,
                              char *out, size_t size, struct st_run *sum)
{
	enum st_status worst = ST_OK;
	size_t len;

	for (size_t i = 0; i < n; i++)
		if (severity(b[i].run->status) > severity(worst))
			worst = b[i].run->status;
	len = (size_t)snprintf(out, size, "%s - MX of %.200s, %zu address%s:",
	                       st_status_name(worst), domain, n, n == 1 ? "" : "es");
	for (size_t i = 0; i < n && len < size; i++) {
		const struct st_run *r = b[i].run;

		const char *why = strncmp(r->summary, "UNKNOWN - ", 10) == 0 ? r->summary + 10
		                  : r->summary;

		if (r->n_results)
			len += (size_t)snprintf(out + len, size - len, "%s %.100s [%s] %s",
			                        i ? ";" : "", b[i].opt->target_host,
			                        b[i].opt->dst_text, st_status_name(r->status));
		else
			len += (size_t)snprintf(out + len, size - len, "%s %.100s UNKNOWN (%.200s)",
			                        i ? ";" : "", b[i].opt->target_host, why);
		sum->n_open += r->n_open;
		sum->n_confirmed += r->n_confirmed;
		sum->n_relayed += r->n_relayed;
		sum->n_closed += r->n_closed;
		sum->n_inconclusive += r->n_inconclusive;
		sum->n_cases += r->n_cases;
		sum->n_controls += r->n_controls;
		sum->n_controls_failed += r->n_controls_failed;
		sum->elapsed_ms += r->elapsed_ms;
	}
	return worst;
}

static void blocks_json(FILE *f, const char *domain, enum st_status worst,
                        const char *summary, const struct st_block *b, size_t n)
{
	fprintf(f, "{\"tool\": \"relaylock-selftest\", \"version\": \"%s\", ", RELAYLOCK_VERSION);
	json_kv(f, "mx", domain, true);
	fprintf(f, "\"status\": \"%s\", \"exit\": %d, ", st_status_name(worst), (int)worst);
	json_kv(f, "summary", summary, true);
	fputs("\"targets\": [\n", f);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(",\n", f);
		out_json(f, b[i].opt, b[i].run);
	}
	fputs("]}\n", f);
}

static void blocks_tap(FILE *f, const char *summary, const struct st_block *b, size_t n)
{
	size_t total = 0, num = 0;

	for (size_t i = 0; i < n; i++)
		total += b[i].run->n_results ? b[i].run->n_results : 1;
	fprintf(f, "TAP version 13\n1..%zu\n", total);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "# %s [%s]: RELAY %s\n", b[i].opt->target_host, b[i].opt->dst_text,
		        b[i].run->summary);
		if (b[i].run->n_results == 0)
			fprintf(f, "not ok %zu - %s [%s]: not probed\n", ++num,
			        b[i].opt->target_host, b[i].opt->dst_text);
		tap_results(f, b[i].run, &num);
	}
	fprintf(f, "# RELAY %s\n", summary);
}

enum st_status st_output_blocks(FILE *f, enum st_format fmt, bool color, const char *domain,
                                const struct st_block *b, size_t n)
{
	char summary[1024];
	struct st_run sum;
	enum st_status worst;

	memset(&sum, 0, sizeof sum);
	worst = overall(domain, b, n, summary, sizeof summary, &sum);
	for (char *c = summary; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c == 0x7f)
			*c = ' ';
	switch (fmt) {
	case ST_FMT_TABLE:
		fprintf(f, "%sRELAY %s%s\n", color ? status_color(worst) : "", summary,
		        color ? "\033[0m" : "");
		break;
	case ST_FMT_JSON:
		blocks_json(f, domain, worst, summary, b, n);
		break;
	case ST_FMT_TAP:
		blocks_tap(f, summary, b, n);
		break;
	case ST_FMT_NAGIOS:
		fprintf(f, "RELAY %s", summary);
		nagios_perf(f, &sum);
		break;
	case ST_FMT_OPENMETRICS:
		st_openmetrics(f, b, n);
		break;
	}
	fflush(f);
	return worst;
}
