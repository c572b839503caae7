/* output.h - the report of a run: table, json, tap, nagios. */
#ifndef RELAYLOCK_SELFTEST_OUTPUT_H
#define RELAYLOCK_SELFTEST_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "probe.h"

enum st_format { ST_FMT_TABLE, ST_FMT_JSON, ST_FMT_TAP, ST_FMT_NAGIOS };

/* Parse "table", "json", "tap", "nagios". */
bool st_format_parse(const char *s, enum st_format *out);

void st_output(FILE *f, enum st_format fmt, bool color,
               const struct st_options *opt, const struct st_run *run);

/* --list: every case with its expanded MAIL FROM / RCPT TO. */
void st_list_cases(FILE *f, const struct st_params *params);

#endif
