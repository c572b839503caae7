/* query_test.c - the offline query mode: output line and exit status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "query.h"

static struct rl_config *config;
static char path[] = "/tmp/relaylock-query-test-XXXXXX";

static int setup(void **state)
{
	struct rl_diag diag;
	int fd = mkstemp(path);
	static const char text[] = "hosted_domains = { \"hosted.example\",\n"
	                           "  \"b\xc3\xbc" "cher.example\" } # a U-label\n"
	                           "trusted_networks = { \"10.0.0.0/8\" }\n";

	(void)state;
	if (fd < 0 || write(fd, text, sizeof text - 1) != (ssize_t)(sizeof text - 1))
		return -1;
	close(fd);
	rl_diag_init(&diag);
	config = rl_config_load(path, &diag);
	return config ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	rl_config_free(config);
	return unlink(path);
}

/* Run one query; return its status and put its output in OUT. */
static int query(const struct rl_query *q, char *out, size_t size)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int status;

	assert_non_null(f);
	status = rl_query_run(config, q, f, f);
	fclose(f);
	snprintf(out, size, "%s", buf);
	free(buf);
	return status;
}

static void test_query(void **state)
{
	static const struct {
		struct rl_query q;
		int status;
		const char *line;
	} cases[] = {
		{{.rcpt = "<u@hosted.example>"}, 0, "accept hosted\n"},
		{{.rcpt = "<u%ext.example@hosted.example>"}, 1,
		 "reject percent_hack 550 5.7.1 Relaying denied (percent_hack)\n"},
		{{.rcpt = "<u@ext.example>", .client = "10.1.1.1"}, 0, "accept trusted_network\n"},
		{{.rcpt = "<u@ext.example>", .client = "192.0.2.1"}, 1,
		 "reject relay_denied 550 5.7.1 Relaying denied (relay_denied)\n"},
		{{.rcpt = "<u@ext.example>", .auth = "alice"}, 0, "accept authenticated\n"},
		/* The MTA's own forward of a plain hosted mailbox passes; routing
		 * left in its resolution, or typed by the client, does not. */
		{{.rcpt = "fwd@hosted.example", .resolved = "nobody@outside.example",
		  .mailer = "relay"}, 0, "accept hosted\n"},
		{{.rcpt = "<u@hosted.example>", .resolved = "u%ext.example@hosted.example",
		  .mailer = "esmtp"},
		 1, "reject mta_resolution 550 5.7.1 Relaying denied (mta_resolution)\n"},
		{{.rcpt = "fwd%outside.example@hosted.example", .resolved = "nobody@outside.example",
		  .mailer = "relay"}, 1, "reject percent_hack 550 5.7.1 Relaying denied (percent_hack)\n"},
		/* IDN: the U-label entry takes its A-label, in any case. */
		{{.rcpt = "<u@XN--BCHER-KVA.example>"}, 0, "accept hosted\n"},
		{{.rcpt = "<u@B\xc3\x9c" "CHER.example>"}, 0, "accept hosted\n"},
		{{.rcpt = "<u@xn--bcher-kva.example>", .resolved = "u@b\xc3\xbc" "cher.example",
		  .mailer = "esmtp"}, 0, "accept hosted\n"},
		{{.rcpt = "<u@xn--zzzz.example>"}, 1,
		 "reject syntax 550 5.7.1 Relaying denied (syntax)\n"},
		/* Long local parts pass; long tricks are still tricks. */
		{{.rcpt = "<SRS0=HHH=TT=outside.example=a.very.long.original.local.part"
		          ".of.a.forwarded.sender@hosted.example>"}, 0, "accept hosted\n"},
		{{.rcpt = "<" "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
		          "%ext.example@hosted.example>"}, 1,
		 "reject percent_hack 550 5.7.1 Relaying denied (percent_hack)\n"},
		{{.rcpt = "<u@hosted.example>", .client = "not-an-ip"}, 64,
		 "relaylock: --client not-an-ip: not an IP address\n"},
	};
	char out[512];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int status = query(&cases[i].q, out, sizeof out);

		assert_int_equal(status, cases[i].status);
		assert_string_equal(out, cases[i].line);
	}
}

/* --explain prints the steps, then the same verdict line. */
static void test_explain(void **state)
{
	struct rl_query q = {.rcpt = "fwd@hosted.example", .client = "203.0.113.9",
	                     .resolved = "nobody@outside.example", .mailer = "relay",
	                     .explain = true};
	char out[2048];

	(void)state;
	assert_int_equal(query(&q, out, sizeof out), 0);
	assert_string_equal(out,
	        "client 203.0.113.9: not in trusted_networks\n"
	        "client not authenticated\n"
	        "recipient fwd@hosted.example: a plain mailbox at hosted.example\n"
	        "domain hosted.example: hosted_domains entry hosted.example\n"
	        "resolution: nobody@outside.example via relay: no routing left, "
	        "the MTA's own routing\n"
	        "accept hosted\n");
	q = (struct rl_query){.rcpt = "u@ext.example", .client = "10.1.1.1", .explain = true};
	assert_int_equal(query(&q, out, sizeof out), 0);
	assert_string_equal(out, "client 10.1.1.1: inside trusted_networks 10.0.0.0/8\n"
	                         "accept trusted_network\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_explain),
	};

	return cmocka_run_group_tests_name("query", tests, setup, teardown);
}
