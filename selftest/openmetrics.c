/* openmetrics.c - the OpenMetrics text of one or more runs, for
 * node_exporter's textfile collector. Only gauges, so that the Prometheus
 * text format (0.0.4) parser reads it too; every family's samples are
 * contiguous, one series per target and address. */
#include "output.h"

#include <string.h>

#define PREFIX "relaylock_selftest_"

static void put_label(FILE *f, const char *name, const char *value)
{
	fprintf(f, "%s=\"", name);
	for (; *value; value++) {
		unsigned char c = (unsigned char)*value;

		if (c == '\\' || c == '"')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c >= 0x20 && c < 0x7f)
			fputc(c, f);
		else
			fputc('?', f); /* keep the file ASCII */
	}
	fputc('"', f);
}

/* NAME{target="...",address="...",port="..." then the caller's labels. */
static void series(FILE *f, const char *name, const struct st_block *b)
{
	char port[8];

	snprintf(port, sizeof port, "%u", b->opt->port);
	fprintf(f, PREFIX "%s{", name);
	put_label(f, "target", b->opt->target_host);
	fputc(',', f);
	put_label(f, "address", b->opt->dst_text[0] ? b->opt->dst_text : "-");
	fputc(',', f);
	put_label(f, "port", port);
}

static void family(FILE *f, const char *name, const char *help)
{
	fprintf(f, "# HELP " PREFIX "%s %s\n# TYPE " PREFIX "%s gauge\n", name, help, name);
}

static void simple(FILE *f, const char *name, const char *help,
                   const struct st_block *b, size_t n, double (*value)(const struct st_run *))
{
	family(f, name, help);
	for (size_t i = 0; i < n; i++) {
		series(f, name, &b[i]);
		fprintf(f, "} %.17g\n", value(b[i].run));
	}
}

static double v_exit(const struct st_run *r) { return (double)r->status; }
static double v_duration(const struct st_run *r) { return (double)r->elapsed_ms / 1000.0; }
static double v_started(const struct st_run *r) { return (double)r->started; }
static double v_controls(const struct st_run *r) { return (double)r->n_controls; }
static double v_controls_failed(const struct st_run *r)
{
	return (double)r->n_controls_failed;
}

static void status_family(FILE *f, const struct st_block *b, size_t n)
{
	static const enum st_status all[] = {ST_OK, ST_WARNING, ST_CRITICAL, ST_UNKNOWN};

	family(f, "status", "1 for the overall status of the last audit, 0 for the others");
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) {
			series(f, "status", &b[i]);
			fputc(',', f);
			put_label(f, "status", st_status_name(all[k]));
			fprintf(f, "} %d\n", b[i].run->status == all[k]);
		}
}

static void counts_family(FILE *f, const struct st_block *b, size_t n)
{
	static const enum st_verdict all[] = {ST_CLOSED, ST_OPEN, ST_OPEN_CONFIRMED,
	                                      ST_RELAYED, ST_INCONCLUSIVE};

	family(f, "cases", "cases of the last audit by verdict");
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) {
			size_t c = 0;

			for (size_t j = 0; j < b[i].run->n_results; j++)
				c += !b[i].run->results[j].control &&
				     b[i].run->results[j].verdict == all[k];
			series(f, "cases", &b[i]);
			fputc(',', f);
			put_label(f, "verdict", st_verdict_name(all[k]));
			fprintf(f, "} %zu\n", c);
		}
}

static void verdict_family(FILE *f, const struct st_block *b, size_t n)
{
	family(f, "case_verdict", "1 per case and control, labelled with its verdict");
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < b[i].run->n_results; j++) {
			const struct st_result *r = &b[i].run->results[j];

			series(f, "case_verdict", &b[i]);
			fputc(',', f);
			put_label(f, "case", r->tcase->name);
			fputc(',', f);
			put_label(f, "verdict", st_verdict_name(r->verdict));
			fputs("} 1\n", f);
		}
}

void st_openmetrics(FILE *f, const struct st_block *b, size_t n)
{
	simple(f, "exit_code", "exit status of the last audit: 0 OK, 1 WARNING, "
	       "2 CRITICAL (open relay), 3 UNKNOWN", b, n, v_exit);
	status_family(f, b, n);
	counts_family(f, b, n);
	verdict_family(f, b, n);
	simple(f, "controls", "positive controls run", b, n, v_controls);
	simple(f, "controls_failed", "positive controls that failed", b, n,
	       v_controls_failed);
	simple(f, "duration_seconds", "how long the last audit took", b, n, v_duration);
	simple(f, "last_run_timestamp_seconds", "when the last audit started (Unix time)",
	       b, n, v_started);
	fputs("# EOF\n", f);
}
