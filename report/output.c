/* output.c - relaylock-report's formats: text (with a histogram drawn in
 * the terminal), JSON, CSV and one self-contained HTML page with inline SVG.
 * Log values are printed as the daemon escaped them; each format escapes
 * them once more for its own syntax. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#define HIST_MAX_ROWS 5000 /* gaps are filled up to this many rows */
#define BAR_WIDTH 50

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

int rr_view_build(struct rr_view *v, const struct rr_counts *c, unsigned top,
                  enum rr_bucket bucket, const char *selection)
{
	const struct rr_table *t;
	struct rr_entry **rows;
	time_t step, lo, hi;
	size_t n;

	memset(v, 0, sizeof *v);
	v->c = c;
	v->top = top;
	v->selection = selection;
	v->clients = rr_table_sorted(&c->clients);
	v->domains = rr_table_sorted(&c->domains);
	v->rcpts = rr_table_sorted(&c->rcpts);
	if ((c->clients.n && !v->clients) || (c->domains.n && !v->domains) ||
	    (c->rcpts.n && !v->rcpts))
		return -1;
	v->n_clients = min_size(top, c->clients.n);
	v->n_domains = min_size(top, c->domains.n);
	v->n_rcpts = min_size(top, c->rcpts.n);

	if (bucket == RR_BUCKET_AUTO) {
		/* per hour while the selection spans at most 3 days */
		bucket = c->days.n <= 4 ? RR_BUCKET_HOUR : RR_BUCKET_DAY;
		if (bucket == RR_BUCKET_HOUR && c->hours.n > 1) {
			rows = rr_table_sorted_numeric(&c->hours);
			if (!rows)
				return -1;
			if (rows[c->hours.n - 1]->first - rows[0]->first > 72 * 3600)
				bucket = RR_BUCKET_DAY;
			free(rows);
		}
	}
	v->bucket = bucket;
	t = bucket == RR_BUCKET_HOUR ? &c->hours : &c->days;
	step = bucket == RR_BUCKET_HOUR ? 3600 : 86400;
	if (t->n == 0)
		return 0;
	rows = rr_table_sorted_numeric(t);
	if (!rows)
		return -1;
	lo = rows[0]->first;
	hi = rows[t->n - 1]->first;
	n = (size_t)((hi - lo) / step) + 1;
	if (n > HIST_MAX_ROWS)
		n = t->n; /* too sparse to fill: only the buckets seen */
	v->hist = calloc(n, sizeof *v->hist);
	if (!v->hist) {
		free(rows);
		return -1;
	}
	if (n == t->n) {
		for (size_t i = 0; i < n; i++)
			v->hist[i] = (struct rr_hist_row){rows[i]->first, rows[i]->count};
	} else {
		for (size_t i = 0; i < n; i++)
			v->hist[i].start = lo + (time_t)i * step;
		for (size_t i = 0; i < t->n; i++)
			v->hist[(size_t)((rows[i]->first - lo) / step)].count = rows[i]->count;
	}
	v->n_hist = n;
	for (size_t i = 0; i < n; i++)
		if (v->hist[i].count > v->hist_max)
			v->hist_max = v->hist[i].count;
	free(rows);
	return 0;
}

void rr_view_free(struct rr_view *v)
{
	free(v->clients);
	free(v->domains);
	free(v->rcpts);
	free(v->hist);
	memset(v, 0, sizeof *v);
}

static const char *bucket_name(const struct rr_view *v)
{
	return v->bucket == RR_BUCKET_HOUR ? "hour" : "day";
}

static void bucket_label(const struct rr_view *v, time_t t, char *buf, size_t size)
{
	char iso[32];

	rr_format_time(t, iso, sizeof iso);
	if (v->bucket == RR_BUCKET_HOUR)
		snprintf(buf, size, "%.10s %.5s", iso, iso + 11);
	else
		snprintf(buf, size, "%.10s", iso);
}

/* ---- text ---- */

static void text_table(FILE *f, const char *title, const char *col,
                       struct rr_entry **e, size_t n, const struct rr_table *t,
                       const char *selection, bool seen)
{
	char first[32], last[32];

	fprintf(f, "\nTop %s (%s): %zu distinct\n", title, selection, t->n);
	if (n == 0) {
		fprintf(f, "  (none)\n");
		return;
	}
	if (seen)
		fprintf(f, "  %10s  %-20s %-21s %s\n", "COUNT", col, "FIRST SEEN", "LAST SEEN");
	else
		fprintf(f, "  %10s  %s\n", "COUNT", col);
	for (size_t i = 0; i < n; i++) {
		if (seen) {
			rr_format_time(e[i]->first, first, sizeof first);
			rr_format_time(e[i]->last, last, sizeof last);
			fprintf(f, "  %10llu  %-20s %-21s %s\n",
			        (unsigned long long)e[i]->count, e[i]->key, first, last);
		} else {
			fprintf(f, "  %10llu  %s\n", (unsigned long long)e[i]->count, e[i]->key);
		}
	}
	if (t->overflow)
		fprintf(f, "  %10llu  (other: beyond --max-keys)\n",
		        (unsigned long long)t->overflow);
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

void rr_print_text(const struct rr_view *v, FILE *f)
{
	const struct rr_counts *c = v->c;
	char a[32], b[32], label[32], bar[BAR_WIDTH + 1];

	fprintf(f, "relaylock-report: %llu lines read, %llu decisions, "
	           "%llu matched the filters, %llu selected (%s)\n",
	        (unsigned long long)c->lines, (unsigned long long)c->decisions,
	        (unsigned long long)c->matched, (unsigned long long)c->selected,
	        v->selection);
	if (c->matched) {
		rr_format_time(c->first, a, sizeof a);
		rr_format_time(c->last, b, sizeof b);
		fprintf(f, "Period: %s .. %s\n", a, b);
	}
	fprintf(f, "\nDecisions by action\n");
	for (int i = 0; i < RR_ACTION_COUNT; i++)
		fprintf(f, "  %-16s %10llu  %5.1f%%\n", rr_action_name((enum rr_action)i),
		        (unsigned long long)c->by_action[i], pct(c->by_action[i], c->matched));
	fprintf(f, "\nDecisions by reason  %10s  %s\n", "all", v->selection);
	for (int i = 0; i < RL_R_COUNT; i++)
		if (c->by_reason[i])
			fprintf(f, "  %-16s %10llu  %10llu\n", rl_reason_name((enum rl_reason)i),
			        (unsigned long long)c->by_reason[i],
			        (unsigned long long)c->sel_by_reason[i]);
	text_table(f, "clients", "CLIENT", v->clients, v->n_clients, &c->clients,
	           v->selection, true);
	text_table(f, "targeted domains", "DOMAIN", v->domains, v->n_domains,
	           &c->domains, v->selection, true);
	text_table(f, "recipients", "RECIPIENT", v->rcpts, v->n_rcpts, &c->rcpts,
	           v->selection, false);
	fprintf(f, "\n%s per %s (UTC)\n", v->selection, bucket_name(v));
	if (v->n_hist == 0)
		fprintf(f, "  (none)\n");
	for (size_t i = 0; i < v->n_hist; i++) {
		size_t w = v->hist_max ? (size_t)(v->hist[i].count * BAR_WIDTH / v->hist_max) : 0;

		if (w == 0 && v->hist[i].count)
			w = 1;
		memset(bar, '#', w);
		bar[w] = '\0';
		bucket_label(v, v->hist[i].start, label, sizeof label);
		fprintf(f, "  %-16s |%-*s %llu\n", label, BAR_WIDTH, bar,
		        (unsigned long long)v->hist[i].count);
	}
}

/* ---- JSON ---- */

static void json_string(FILE *f, const char *s)
{
	putc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			putc(ch, f);
	}
	putc('"', f);
}

static void json_time(FILE *f, time_t t)
{
	char buf[32];

	rr_format_time(t, buf, sizeof buf);
	json_string(f, buf);
}

static void json_entries(FILE *f, const char *name, const char *keyname,
                         struct rr_entry **e, size_t n)
{
	fprintf(f, ",\n  \"%s\": [", name);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s\n    {\"%s\": ", i ? "," : "", keyname);
		json_string(f, e[i]->key);
		fprintf(f, ", \"count\": %llu, \"first_seen\": ",
		        (unsigned long long)e[i]->count);
		json_time(f, e[i]->first);
		fprintf(f, ", \"last_seen\": ");
		json_time(f, e[i]->last);
		putc('}', f);
	}
	fprintf(f, "%s]", n ? "\n  " : "");
}

void rr_print_json(const struct rr_view *v, FILE *f)
{
	const struct rr_counts *c = v->c;

	fprintf(f, "{\n  \"lines\": %llu,\n  \"decisions\": %llu,\n"
	           "  \"other_relaylock_lines\": %llu,\n  \"matched\": %llu,\n"
	           "  \"selected\": %llu,\n  \"selection\": ",
	        (unsigned long long)c->lines, (unsigned long long)c->decisions,
	        (unsigned long long)c->other, (unsigned long long)c->matched,
	        (unsigned long long)c->selected);
	json_string(f, v->selection);
	fprintf(f, ",\n  \"first\": ");
	if (c->matched)
		json_time(f, c->first);
	else
		fputs("null", f);
	fprintf(f, ",\n  \"last\": ");
	if (c->matched)
		json_time(f, c->last);
	else
		fputs("null", f);
	fprintf(f, ",\n  \"by_action\": {");
	for (int i = 0; i < RR_ACTION_COUNT; i++)
		fprintf(f, "%s\"%s\": %llu", i ? ", " : "", rr_action_name((enum rr_action)i),
		        (unsigned long long)c->by_action[i]);
	fprintf(f, "},\n  \"by_reason\": {");
	for (int i = 0; i < RL_R_COUNT; i++)
		fprintf(f, "%s\n    \"%s\": {\"all\": %llu, \"selected\": %llu}",
		        i ? "," : "", rl_reason_name((enum rl_reason)i),
		        (unsigned long long)c->by_reason[i],
		        (unsigned long long)c->sel_by_reason[i]);
	fprintf(f, "\n  },\n  \"distinct\": {\"clients\": %zu, \"domains\": %zu, "
	           "\"recipients\": %zu},\n  \"beyond_max_keys\": {\"clients\": %llu, "
	           "\"domains\": %llu, \"recipients\": %llu}",
	        c->clients.n, c->domains.n, c->rcpts.n,
	        (unsigned long long)c->clients.overflow,
	        (unsigned long long)c->domains.overflow,
	        (unsigned long long)c->rcpts.overflow);
	json_entries(f, "top_clients", "client", v->clients, v->n_clients);
	json_entries(f, "top_domains", "domain", v->domains, v->n_domains);
	json_entries(f, "top_recipients", "recipient", v->rcpts, v->n_rcpts);
	fprintf(f, ",\n  \"histogram\": {\"bucket\": \"%s\", \"rows\": [", bucket_name(v));
	for (size_t i = 0; i < v->n_hist; i++) {
		fprintf(f, "%s\n    {\"start\": ", i ? "," : "");
		json_time(f, v->hist[i].start);
		fprintf(f, ", \"count\": %llu}", (unsigned long long)v->hist[i].count);
	}
	fprintf(f, "%s]}\n}\n", v->n_hist ? "\n  " : "");
}

/* ---- CSV (RFC 4180) ---- */

static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	putc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			putc('"', f);
		putc(*s, f);
	}
	putc('"', f);
}

static void csv_row(FILE *f, const char *section, const char *key,
                    unsigned long long count, const char *selected,
                    const char *first, const char *last)
{
	csv_field(f, section);
	putc(',', f);
	csv_field(f, key);
	fprintf(f, ",%llu,%s,%s,%s\r\n", count, selected, first, last);
}

static void csv_entries(FILE *f, const char *section, struct rr_entry **e, size_t n)
{
	char a[32], b[32];

	for (size_t i = 0; i < n; i++) {
		rr_format_time(e[i]->first, a, sizeof a);
		rr_format_time(e[i]->last, b, sizeof b);
		csv_row(f, section, e[i]->key, (unsigned long long)e[i]->count, "", a, b);
	}
}

void rr_print_csv(const struct rr_view *v, FILE *f)
{
	const struct rr_counts *c = v->c;
	char a[32], b[32], sel[32];

	fprintf(f, "section,key,count,selected,first_seen,last_seen\r\n");
	if (c->matched) {
		rr_format_time(c->first, a, sizeof a);
		rr_format_time(c->last, b, sizeof b);
	} else {
		a[0] = b[0] = '\0';
	}
	csv_row(f, "summary", "lines", (unsigned long long)c->lines, "", "", "");
	csv_row(f, "summary", "decisions", (unsigned long long)c->decisions, "", "", "");
	csv_row(f, "summary", "matched", (unsigned long long)c->matched, "", a, b);
	csv_row(f, "summary", "selected", (unsigned long long)c->selected, "", "", "");
	for (int i = 0; i < RR_ACTION_COUNT; i++)
		csv_row(f, "action", rr_action_name((enum rr_action)i),
		        (unsigned long long)c->by_action[i], "", "", "");
	for (int i = 0; i < RL_R_COUNT; i++) {
		snprintf(sel, sizeof sel, "%llu", (unsigned long long)c->sel_by_reason[i]);
		csv_row(f, "reason", rl_reason_name((enum rl_reason)i),
		        (unsigned long long)c->by_reason[i], sel, "", "");
	}
	csv_entries(f, "client", v->clients, v->n_clients);
	csv_entries(f, "domain", v->domains, v->n_domains);
	csv_entries(f, "recipient", v->rcpts, v->n_rcpts);
	for (size_t i = 0; i < v->n_hist; i++) {
		rr_format_time(v->hist[i].start, a, sizeof a);
		csv_row(f, bucket_name(v), a, (unsigned long long)v->hist[i].count, "", "", "");
	}
}

/* ---- HTML ---- */

static void html(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
				fprintf(f, "&#%u;", (unsigned char)*s < 0x20 ? 0xfffd
				                                             : (unsigned char)*s);
			else
				putc(*s, f);
		}
	}
}

static void html_table(FILE *f, const char *title, const char *col,
                       struct rr_entry **e, size_t n, const struct rr_table *t,
                       const char *selection)
{
	char a[32], b[32];

	fprintf(f, "<h2>Top %s (", title);
	html(f, selection);
	fprintf(f, ")</h2>\n<p>%zu distinct.</p>\n<table>\n<tr><th>Count</th><th>", t->n);
	html(f, col);
	fprintf(f, "</th><th>First seen</th><th>Last seen</th></tr>\n");
	for (size_t i = 0; i < n; i++) {
		rr_format_time(e[i]->first, a, sizeof a);
		rr_format_time(e[i]->last, b, sizeof b);
		fprintf(f, "<tr><td class=\"n\">%llu</td><td><code>",
		        (unsigned long long)e[i]->count);
		html(f, e[i]->key);
		fprintf(f, "</code></td><td>%s</td><td>%s</td></tr>\n", a, b);
	}
	fprintf(f, "</table>\n");
}

static void svg_time_chart(const struct rr_view *v, FILE *f)
{
	const double w = 900, h = 220, left = 50, bottom = 30, top = 10;
	double bw = v->n_hist ? (w - left - 10) / (double)v->n_hist : 0;
	char label[32];

	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
	           "viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"decisions over time\">\n",
	        w, h, w, h);
	fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#444\"/>\n",
	        left, h - bottom, w - 10, h - bottom);
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\" font-size=\"11\">%llu</text>\n",
	        left - 4, top + 10, (unsigned long long)v->hist_max);
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\" font-size=\"11\">0</text>\n",
	        left - 4, h - bottom);
	for (size_t i = 0; i < v->n_hist; i++) {
		double bh = v->hist_max ? (h - bottom - top) * (double)v->hist[i].count /
		                                  (double)v->hist_max : 0;

		bucket_label(v, v->hist[i].start, label, sizeof label);
		fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
		           "fill=\"#c0392b\"><title>%s: %llu</title></rect>\n",
		        left + bw * (double)i, h - bottom - bh, bw > 2 ? bw - 1 : bw, bh,
		        label, (unsigned long long)v->hist[i].count);
	}
	if (v->n_hist) {
		bucket_label(v, v->hist[0].start, label, sizeof label);
		fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\">%s</text>\n",
		        left, h - 10, label);
		bucket_label(v, v->hist[v->n_hist - 1].start, label, sizeof label);
		fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\" "
		           "text-anchor=\"end\">%s</text>\n", w - 10, h - 10, label);
	}
	fprintf(f, "</svg>\n");
}

static void svg_reason_chart(const struct rr_view *v, FILE *f)
{
	const struct rr_counts *c = v->c;
	uint64_t max = 0;
	int n = 0, row = 0;

	for (int i = 0; i < RL_R_COUNT; i++) {
		if (c->sel_by_reason[i])
			n++;
		if (c->sel_by_reason[i] > max)
			max = c->sel_by_reason[i];
	}
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"%d\" "
	           "role=\"img\" aria-label=\"decisions by reason\">\n", 22 * n + 10);
	for (int i = 0; i < RL_R_COUNT; i++) {
		double bw;

		if (!c->sel_by_reason[i])
			continue;
		bw = 600.0 * (double)c->sel_by_reason[i] / (double)max;
		fprintf(f, "<text x=\"150\" y=\"%d\" text-anchor=\"end\" font-size=\"12\">%s</text>"
		           "<rect x=\"160\" y=\"%d\" width=\"%.2f\" height=\"16\" fill=\"#2c3e50\"/>"
		           "<text x=\"%.2f\" y=\"%d\" font-size=\"12\">%llu</text>\n",
		        22 * row + 18, rl_reason_name((enum rl_reason)i), 22 * row + 5, bw,
		        166 + bw, 22 * row + 18, (unsigned long long)c->sel_by_reason[i]);
		row++;
	}
	fprintf(f, "</svg>\n");
}

void rr_print_html(const struct rr_view *v, FILE *f)
{
	const struct rr_counts *c = v->c;
	char a[32], b[32];

	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	           "style-src 'unsafe-inline'\">\n<title>relaylock report</title>\n"
	           "<style>\nbody{font-family:sans-serif;margin:2em;color:#222}\n"
	           "table{border-collapse:collapse;margin-bottom:1em}\n"
	           "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}\n"
	           "td.n{text-align:right}\ncode{word-break:break-all}\n</style>\n"
	           "</head>\n<body>\n<h1>relaylock report</h1>\n");
	fprintf(f, "<p>%llu lines read, %llu decisions, %llu matched the filters, "
	           "%llu selected (",
	        (unsigned long long)c->lines, (unsigned long long)c->decisions,
	        (unsigned long long)c->matched, (unsigned long long)c->selected);
	html(f, v->selection);
	fprintf(f, ").");
	if (c->matched) {
		rr_format_time(c->first, a, sizeof a);
		rr_format_time(c->last, b, sizeof b);
		fprintf(f, " Period: %s to %s.", a, b);
	}
	fprintf(f, "</p>\n<h2>");
	html(f, v->selection);
	fprintf(f, " per %s (UTC)</h2>\n", bucket_name(v));
	svg_time_chart(v, f);
	fprintf(f, "<h2>By reason (");
	html(f, v->selection);
	fprintf(f, ")</h2>\n");
	svg_reason_chart(v, f);
	fprintf(f, "<h2>Decisions by action</h2>\n<table>\n<tr><th>Action</th><th>Count</th></tr>\n");
	for (int i = 0; i < RR_ACTION_COUNT; i++)
		fprintf(f, "<tr><td>%s</td><td class=\"n\">%llu</td></tr>\n",
		        rr_action_name((enum rr_action)i), (unsigned long long)c->by_action[i]);
	fprintf(f, "</table>\n<h2>Decisions by reason</h2>\n<table>\n<tr><th>Reason</th>"
	           "<th>All</th><th>Selected</th></tr>\n");
	for (int i = 0; i < RL_R_COUNT; i++)
		if (c->by_reason[i])
			fprintf(f, "<tr><td>%s</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td></tr>\n",
			        rl_reason_name((enum rl_reason)i), (unsigned long long)c->by_reason[i],
			        (unsigned long long)c->sel_by_reason[i]);
	fprintf(f, "</table>\n");
	html_table(f, "clients", "Client", v->clients, v->n_clients, &c->clients, v->selection);
	html_table(f, "targeted domains", "Domain", v->domains, v->n_domains, &c->domains,
	           v->selection);
	html_table(f, "recipients", "Recipient", v->rcpts, v->n_rcpts, &c->rcpts, v->selection);
	fprintf(f, "</body>\n</html>\n");
}
