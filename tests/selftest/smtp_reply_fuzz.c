/* smtp_reply_fuzz.c - fuzz target for the SMTP reply parser: parse every
 * reply in the input the way the probe reads a stream, and check the
 * parser's promises (consumed length in range, text bounded and
 * terminated, code in range, nothing read past LEN). */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "smtp_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so that reading past SIZE is caught by ASan. */
	char *buf = malloc(size ? size : 1);
	size_t off = 0;
	struct smtp_reply r;

	if (buf == NULL)
		return 0;
	if (size)
		memcpy(buf, data, size);
	while (off < size) {
		int n = smtp_reply_parse(buf + off, size - off, &r);

		if (n <= 0)
			break;
		if ((size_t)n > size - off || r.code < 100 || r.code > 599 ||
		    r.nlines == 0 || r.nlines > SMTP_REPLY_LINES_MAX ||
		    r.text_len >= SMTP_REPLY_TEXT_MAX || strlen(r.text) != r.text_len ||
		    strlen(r.dsn) >= sizeof r.dsn)
			abort();
		(void)smtp_ehlo_has(&r, "STARTTLS", NULL, 0);
		{
			char args[32];

			if (smtp_ehlo_has(&r, "AUTH", args, sizeof args) &&
			    strlen(args) >= sizeof args)
				abort();
		}
		off += (size_t)n;
	}
	free(buf);
	return 0;
}
