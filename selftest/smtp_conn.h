/* smtp_conn.h - one SMTP client connection: non-blocking socket, poll()
 * deadlines per command and in total, optional STARTTLS (OpenSSL). One
 * command at a time: never pipelines.
 */
#ifndef RELAYLOCK_SMTP_CONN_H
#define RELAYLOCK_SMTP_CONN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>

#include "smtp_reply.h"

/* Set by a signal handler: every wait gives up with SMTP_E_ABORT. */
extern volatile sig_atomic_t smtp_abort;

enum {
	SMTP_OK = 0,
	SMTP_E_TIMEOUT = -10,  /* no (complete) reply in time */
	SMTP_E_CLOSED = -11,   /* the server closed the connection */
	SMTP_E_PROTO = -12,    /* garbage or over-long reply */
	SMTP_E_IO = -13,       /* socket or TLS error */
	SMTP_E_ABORT = -14,    /* interrupted by a signal */
	SMTP_E_CONNECT = -15,  /* could not connect */
};

#define SMTP_IN_MAX 8192

struct smtp_conn {
	int fd;
	void *ssl_ctx;            /* SSL_CTX *, NULL without TLS */
	void *ssl;                /* SSL *, NULL without TLS */
	bool tls;
	char tls_info[96];        /* "TLSv1.3 TLS_AES_256_GCM_SHA384" */
	unsigned cmd_timeout_ms;
	struct timespec total_deadline; /* CLOCK_MONOTONIC; 0 = none */
	FILE *trace;              /* transcript ("C:"/"S:" lines) or NULL */
	size_t in_len;
	char in[SMTP_IN_MAX];
	char err[256];            /* what went wrong, for the report */
};

void smtp_conn_init(struct smtp_conn *c, unsigned cmd_timeout_ms,
                    const struct timespec *total_deadline, FILE *trace);

/* Connect to DST (optionally from SRC), within the command timeout. */
int smtp_connect(struct smtp_conn *c, const struct sockaddr *dst,
                 socklen_t dst_len, const struct sockaddr *src,
                 socklen_t src_len);

/* Read one reply. */
int smtp_read_reply(struct smtp_conn *c, struct smtp_reply *r);

/* Send LINE + CRLF and read the reply. LINE must not hold CR or LF. With
 * SECRET the transcript shows "C: <secret>" instead of the line. */
int smtp_command(struct smtp_conn *c, const char *line, bool secret,
                 struct smtp_reply *r);

/* Send octets as they are (a message body); no reply is read. */
int smtp_send(struct smtp_conn *c, const char *data, size_t len);

/* After a 220 to STARTTLS: the TLS handshake. VERIFY_NAME non-NULL checks
 * the certificate chain against the system CAs and that name. */
int smtp_tls_handshake(struct smtp_conn *c, const char *sni,
                       const char *verify_name);

void smtp_close(struct smtp_conn *c);

/* Milliseconds left before the total deadline (UINT_MAX-ish when none). */
long smtp_total_left_ms(const struct smtp_conn *c);

const char *smtp_error_name(int err);

#endif
