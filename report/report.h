/* report.h - what relaylock-report counts while it streams a log, and the
 * sorted view its output formats print. */
#ifndef RELAYLOCK_REPORT_REPORT_H
#define RELAYLOCK_REPORT_REPORT_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "parse.h"
#include "policy.h"
#include "table.h"

enum rr_bucket { RR_BUCKET_AUTO, RR_BUCKET_HOUR, RR_BUCKET_DAY };

struct rr_counts {
	uint64_t lines;          /* every line read */
	uint64_t decisions;      /* relaylock decision lines */
	uint64_t other;          /* relaylock's other lines (start, reload...) */
	uint64_t matched;        /* decisions passing the time/reason/client/domain filters */
	uint64_t selected;       /* ... and the action filter */
	uint64_t by_action[RR_ACTION_COUNT];     /* over matched */
	uint64_t by_reason[RL_R_COUNT];          /* over matched */
	uint64_t sel_by_reason[RL_R_COUNT];      /* over selected */
	time_t first, last;      /* over matched */
	struct rr_table clients, domains, rcpts, hours, days; /* over selected */
};

struct rr_hist_row {
	time_t start;
	uint64_t count;
};

/* Everything the output formats print, sorted and cut to the top N. */
struct rr_view {
	const struct rr_counts *c;
	const char *selection;   /* "reject,would-reject" */
	unsigned top;
	struct rr_entry **clients, **domains, **rcpts;
	size_t n_clients, n_domains, n_rcpts; /* shown (<= top) */
	enum rr_bucket bucket;   /* HOUR or DAY */
	struct rr_hist_row *hist;
	size_t n_hist;
	uint64_t hist_max;
};

int rr_view_build(struct rr_view *v, const struct rr_counts *c, unsigned top,
                  enum rr_bucket bucket, const char *selection);
void rr_view_free(struct rr_view *v);

void rr_print_text(const struct rr_view *v, FILE *f);
void rr_print_json(const struct rr_view *v, FILE *f);
void rr_print_csv(const struct rr_view *v, FILE *f);
void rr_print_html(const struct rr_view *v, FILE *f);

#endif
