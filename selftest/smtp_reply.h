/* smtp_reply.h - parse one SMTP reply (RFC 5321 4.2) out of received bytes.
 * Pure: no I/O, no allocation, bounded everywhere; safe to fuzz.
 */
#ifndef RELAYLOCK_SMTP_REPLY_H
#define RELAYLOCK_SMTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#define SMTP_LINE_MAX 1024        /* one reply line, CRLF included */
#define SMTP_REPLY_LINES_MAX 64   /* lines in one multi-line reply */
#define SMTP_REPLY_TEXT_MAX 4096  /* joined text of one reply */

/* Results of smtp_reply_parse() besides "consumed N > 0 octets". */
enum {
	SMTP_REPLY_INCOMPLETE = 0,   /* need more octets */
	SMTP_REPLY_GARBAGE = -1,     /* not "DDD[ -]text": protocol error */
	SMTP_REPLY_TOO_LONG = -2,    /* line, line count or text over a bound */
};

struct smtp_reply {
	int code;                 /* 100..599 */
	char dsn[16];             /* enhanced status "5.7.1" of the last line, or "" */
	unsigned nlines;
	size_t text_len;
	/* Texts of all lines after "DDD-"/"DDD ", joined by '\n', NUL-terminated.
	 * A NUL received inside a line is stored as '?'. */
	char text[SMTP_REPLY_TEXT_MAX];
};

/* Parse the first complete reply in BUF[0..LEN). Lines end in CRLF or a
 * bare LF. Returns the number of octets the reply took (> 0) and fills
 * OUT, SMTP_REPLY_INCOMPLETE when BUF holds only part of a reply (and no
 * bound is exceeded yet), or a negative SMTP_REPLY_* error. OUT is
 * always left initialised. */
int smtp_reply_parse(const char *buf, size_t len, struct smtp_reply *out);

/* Does the EHLO reply R advertise KEYWORD (case-insensitive; the first
 * word of a line after the first one)? With ARGS non-NULL the rest of
 * that line is copied there (size ARGS_SIZE, truncated). */
bool smtp_ehlo_has(const struct smtp_reply *r, const char *keyword,
                   char *args, size_t args_size);

/* Is the word WORD in the space-separated list LIST (case-insensitive)? */
bool smtp_word_in(const char *list, const char *word);

/* Name of a parse error, for messages. */
const char *smtp_reply_error_name(int err);

#endif
