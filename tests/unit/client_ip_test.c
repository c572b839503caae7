/* client_ip_test.c - where the client address comes from: the socket
 * first, a parseable {client_addr} next, else unknown (never trusted). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "milter_callbacks.h"

static void test_sources(void **state)
{
	struct sockaddr_in in = {.sin_family = AF_INET};
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
	struct rl_ip ip;
	char text[64];

	(void)state;
	inet_pton(AF_INET, "203.0.113.9", &in.sin_addr);
	assert_true(rl_client_ip((struct sockaddr *)&in, "10.0.0.1", &ip));
	rl_ip_format(&ip, text, sizeof text);
	assert_string_equal(text, "203.0.113.9"); /* the socket wins */

	inet_pton(AF_INET6, "::ffff:10.1.2.3", &in6.sin6_addr);
	assert_true(rl_client_ip((struct sockaddr *)&in6, NULL, &ip));
	assert_int_equal(ip.family, AF_INET);
	rl_ip_format(&ip, text, sizeof text);
	assert_string_equal(text, "10.1.2.3");

	assert_true(rl_client_ip(NULL, "IPv6:2001:db8::1", &ip));
	assert_int_equal(ip.family, AF_INET6);
	assert_false(rl_client_ip(NULL, "unknown", &ip)); /* Postfix port scan */
	assert_false(rl_client_ip(NULL, "0", &ip));       /* sendmail -bs */
	assert_false(rl_client_ip(NULL, NULL, &ip));
	assert_false(rl_client_ip(NULL, "10.0.0.1 ", &ip));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sources),
	};

	return cmocka_run_group_tests_name("client_ip", tests, NULL, NULL);
}
