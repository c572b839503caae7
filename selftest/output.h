/* output.h - the report of a run: table, json, tap, nagios. */
#ifndef RELAYLOCK_SELFTEST_OUTPUT_H
#define RELAYLOCK_SELFTEST_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "probe.h"

enum st_format { ST_FMT_TABLE, ST_FMT_JSON, ST_FMT_TAP, ST_FMT_NAGIOS, ST_FMT_OPENMETRICS };

/* One probed address and its run (--mx probes several). */
struct st_block {
	const struct st_options *opt;
	const struct st_run *run;
};

/* Parse "table", "json", "tap", "nagios", "openmetrics". */
bool st_format_parse(const char *s, enum st_format *out);

void st_output(FILE *f, enum st_format fmt, bool color,
               const struct st_options *opt, const struct st_run *run);

/* The table as the run goes: st_table_result() is an st_result_fn (CTX:
 * a struct st_table_stream) that prints and flushes each line as it is
 * decided; st_table_end() prints the warnings and the summary. */
struct st_table_stream {
	FILE *f;
	bool color;
	const struct st_options *opt;
	bool head_done;
};

void st_table_result(const struct st_run *run, const struct st_result *r, void *ctx);
void st_table_end(struct st_table_stream *ts, const struct st_run *run);

/* The report of N blocks of an --mx DOMAIN run (a table has printed each
 * block already: only the overall line is left). Returns the worst status:
 * CRITICAL, then UNKNOWN, WARNING, OK. */
enum st_status st_output_blocks(FILE *f, enum st_format fmt, bool color, const char *domain,
                                const struct st_block *b, size_t n);

/* OpenMetrics text of N runs (openmetrics.c), "# EOF" at the end. */
void st_openmetrics(FILE *f, const struct st_block *b, size_t n);

/* --list: every case with its expanded MAIL FROM / RCPT TO. */
void st_list_cases(FILE *f, const struct st_params *params);

#endif
