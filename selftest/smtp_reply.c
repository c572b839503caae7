/* smtp_reply.c - the SMTP reply parser. Pure, see smtp_reply.h. */
#include "smtp_reply.h"

#include <string.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Enhanced status code at the start of S (RFC 3463: class.subject.detail). */
static void parse_dsn(const char *s, size_t len, char dsn[16])
{
	size_t i = 0, part = 0, digits = 0;

	dsn[0] = '\0';
	if (len == 0 || (s[0] != '2' && s[0] != '4' && s[0] != '5'))
		return;
	for (i = 0; i < len && i < 15; i++) {
		if (is_digit(s[i])) {
			if (++digits > 3)
				return;
		} else if (s[i] == '.' && digits > 0 && part < 2) {
			part++;
			digits = 0;
		} else {
			break;
		}
	}
	if (part != 2 || digits == 0 || (i < len && s[i] != ' '))
		return;
	memcpy(dsn, s, i);
	dsn[i] = '\0';
}

int smtp_reply_parse(const char *buf, size_t len, struct smtp_reply *out)
{
	size_t pos = 0;

	memset(out, 0, sizeof *out);
	if (buf == NULL)
		return SMTP_REPLY_INCOMPLETE;
	for (;;) {
		size_t avail = len - pos, scan = avail < SMTP_LINE_MAX ? avail : SMTP_LINE_MAX;
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', scan);
		size_t n, tlen;
		int code;
		bool last;

		if (nl == NULL)
			return avail >= SMTP_LINE_MAX ? SMTP_REPLY_TOO_LONG
			                              : SMTP_REPLY_INCOMPLETE;
		n = (size_t)(nl - line);
		pos += n + 1;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n < 3 || !is_digit(line[0]) || !is_digit(line[1]) ||
		    !is_digit(line[2]) || line[0] < '1' || line[0] > '5')
			return SMTP_REPLY_GARBAGE;
		if (n > 3 && line[3] != ' ' && line[3] != '-')
			return SMTP_REPLY_GARBAGE;
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
		if (out->nlines > 0 && code != out->code)
			return SMTP_REPLY_GARBAGE;
		out->code = code;
		if (++out->nlines > SMTP_REPLY_LINES_MAX)
			return SMTP_REPLY_TOO_LONG;
		last = n == 3 || line[3] == ' ';
		tlen = n > 4 ? n - 4 : 0;
		if (out->text_len + (out->nlines > 1) + tlen >= SMTP_REPLY_TEXT_MAX)
			return SMTP_REPLY_TOO_LONG;
		if (out->nlines > 1)
			out->text[out->text_len++] = '\n';
		for (size_t i = 0; i < tlen; i++) {
			char c = line[4 + i];
			out->text[out->text_len++] = c == '\0' ? '?' : c;
		}
		out->text[out->text_len] = '\0';
		if (last) {
			parse_dsn(line + 4 - (n == 3), tlen, out->dsn);
			return (int)pos;
		}
	}
}

bool smtp_word_in(const char *list, const char *word)
{
	size_t wlen = strlen(word);

	while (*list) {
		size_t n;

		while (*list == ' ' || *list == '\t')
			list++;
		n = strcspn(list, " \t");
		if (n == wlen && n > 0) {
			size_t i;

			for (i = 0; i < n && lower(list[i]) == lower(word[i]); i++)
				;
			if (i == n)
				return true;
		}
		list += n;
	}
	return false;
}

bool smtp_ehlo_has(const struct smtp_reply *r, const char *keyword,
                   char *args, size_t args_size)
{
	size_t klen = strlen(keyword);
	const char *line = strchr(r->text, '\n'); /* skip the greeting line */

	while (line != NULL) {
		const char *end;
		size_t n, i;

		line++;
		end = strchr(line, '\n');
		n = end ? (size_t)(end - line) : strlen(line);
		for (i = 0; i < klen && i < n && lower(line[i]) == lower(keyword[i]); i++)
			;
		if (i == klen && (n == klen || line[klen] == ' ' || line[klen] == '=')) {
			if (args != NULL && args_size > 0) {
				size_t off = n > klen ? klen + 1 : n, alen = n - off;

				if (alen >= args_size)
					alen = args_size - 1;
				memcpy(args, line + off, alen);
				args[alen] = '\0';
			}
			return true;
		}
		line = end;
	}
	return false;
}

const char *smtp_reply_error_name(int err)
{
	switch (err) {
	case SMTP_REPLY_INCOMPLETE:
		return "incomplete reply";
	case SMTP_REPLY_GARBAGE:
		return "malformed reply";
	case SMTP_REPLY_TOO_LONG:
		return "reply too long";
	default:
		return "reply";
	}
}
