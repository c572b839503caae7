/* report_fuzz.c - fuzz relaylock-report's line parser: any bytes as a log
 * line, and as a --since argument. A decision's fields must lie inside the
 * line and hold no space or '='. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "parse.h"

static void check_field(const struct rr_field *f, const uint8_t *data, size_t size)
{
	if (f->s < (const char *)data || f->s + f->len > (const char *)data + size ||
	    f->len == 0 || memchr(f->s, ' ', f->len) || memchr(f->s, '=', f->len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rr_clock clk;
	struct rr_line l;
	char domain[128];
	char *copy;
	time_t t;

	rr_clock_init(&clk, 0, 1795428000);
	if (rr_parse_line((const char *)data, size, &clk, &l) == RR_DECISION) {
		check_field(&l.client, data, size);
		check_field(&l.rcpt, data, size);
		check_field(&l.resolved, data, size);
		check_field(&l.from, data, size);
		if (rr_target_domain(&l, domain, sizeof domain) >= sizeof domain)
			abort();
	}
	copy = malloc(size + 1);
	if (copy) {
		memcpy(copy, data, size);
		copy[size] = '\0';
		(void)rr_parse_time_arg(copy, &clk, &t);
		free(copy);
	}
	return 0;
}
