/* selftest_reply_fuzz.c - fuzz target for the self-test's SMTP reply
 * parser (selftest/smtp_reply.c): any bytes, parsed repeatedly as a
 * stream of replies; every result must stay within its bounds. */
#include <stdlib.h>

#include "../fuzz/fuzz.h"
#include "../../selftest/smtp_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	size_t left = size;
	unsigned rounds = 0;

	while (left > 0 && rounds++ < 256) {
		struct smtp_reply r;
		int n = smtp_reply_parse(p, left, &r);
		if (n <= 0)
			break;
		if ((size_t)n > left || r.code < 100 || r.code > 599 ||
		    r.text_len >= sizeof r.text || r.text[r.text_len] != '\0' ||
		    r.nlines == 0 || r.nlines > SMTP_REPLY_LINES_MAX)
			abort();
		p += n;
		left -= (size_t)n;
	}
	return 0;
}
