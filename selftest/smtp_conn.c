/* smtp_conn.c - the SMTP client connection (see smtp_conn.h). */
#include "smtp_conn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

volatile sig_atomic_t smtp_abort;

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long smtp_total_left_ms(const struct smtp_conn *c)
{
	long end;

	if (c->total_deadline.tv_sec == 0 && c->total_deadline.tv_nsec == 0)
		return LONG_MAX / 4;
	end = (long)c->total_deadline.tv_sec * 1000 + c->total_deadline.tv_nsec / 1000000;
	return end - now_ms();
}

/* Absolute deadline (ms, CLOCK_MONOTONIC) of the next command. */
static long cmd_deadline(const struct smtp_conn *c)
{
	long left = smtp_total_left_ms(c);
	long t = (long)c->cmd_timeout_ms;

	return now_ms() + (left < t ? (left > 0 ? left : 0) : t);
}

void smtp_conn_init(struct smtp_conn *c, unsigned cmd_timeout_ms,
                    const struct timespec *total_deadline, FILE *trace)
{
	memset(c, 0, sizeof *c);
	c->fd = -1;
	c->cmd_timeout_ms = cmd_timeout_ms;
	if (total_deadline)
		c->total_deadline = *total_deadline;
	c->trace = trace;
}

static void set_err(struct smtp_conn *c, const char *what, int err)
{
	if (err)
		snprintf(c->err, sizeof c->err, "%s: %s", what, strerror(err));
	else
		snprintf(c->err, sizeof c->err, "%s", what);
}

/* Wait for EVENTS on the socket until DEADLINE. */
static int wait_fd(struct smtp_conn *c, short events, long deadline)
{
	for (;;) {
		struct pollfd pfd = {.fd = c->fd, .events = events};
		long left = deadline - now_ms();
		int r;

		if (smtp_abort) {
			set_err(c, "interrupted", 0);
			return SMTP_E_ABORT;
		}
		if (left <= 0) {
			set_err(c, "timeout", 0);
			return SMTP_E_TIMEOUT;
		}
		r = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r > 0)
			return SMTP_OK;
		if (r < 0 && errno != EINTR) {
			set_err(c, "poll", errno);
			return SMTP_E_IO;
		}
	}
}

int smtp_connect(struct smtp_conn *c, const struct sockaddr *dst,
                 socklen_t dst_len, const struct sockaddr *src,
                 socklen_t src_len)
{
	long deadline = cmd_deadline(c);
	int r, soerr = 0;
	socklen_t slen = sizeof soerr;

	c->fd = socket(dst->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		set_err(c, "socket", errno);
		return SMTP_E_CONNECT;
	}
	if (src != NULL && bind(c->fd, src, src_len) < 0) {
		set_err(c, "bind to the source address", errno);
		smtp_close(c);
		return SMTP_E_CONNECT;
	}
	if (connect(c->fd, dst, dst_len) == 0)
		return SMTP_OK;
	if (errno != EINPROGRESS) {
		set_err(c, "connect", errno);
		smtp_close(c);
		return SMTP_E_CONNECT;
	}
	r = wait_fd(c, POLLOUT, deadline);
	if (r == SMTP_E_TIMEOUT)
		set_err(c, "connect: timeout", 0);
	if (r != SMTP_OK) {
		smtp_close(c);
		return r == SMTP_E_ABORT ? r : SMTP_E_CONNECT;
	}
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &slen) < 0)
		soerr = errno;
	if (soerr != 0) {
		set_err(c, "connect", soerr);
		smtp_close(c);
		return SMTP_E_CONNECT;
	}
	return SMTP_OK;
}

/* After an SSL_read/SSL_write/SSL_connect result N: wait as OpenSSL asks,
 * or say why the session is over. */
static int tls_wait(struct smtp_conn *c, int n, long deadline, const char *what)
{
	switch (SSL_get_error(c->ssl, n)) {
	case SSL_ERROR_WANT_READ:
		return wait_fd(c, POLLIN, deadline);
	case SSL_ERROR_WANT_WRITE:
		return wait_fd(c, POLLOUT, deadline);
	case SSL_ERROR_ZERO_RETURN:
		set_err(c, "connection closed by the server (TLS)", 0);
		return SMTP_E_CLOSED;
	default:
		set_err(c, what, 0);
		ERR_clear_error();
		return SMTP_E_CLOSED;
	}
}

static void trace_line(struct smtp_conn *c, const char *dir, const char *s,
                       size_t len)
{
	if (c->trace == NULL)
		return;
	fputs(dir, c->trace);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\r' && (i + 1 == len || s[i + 1] == '\n'))
			continue;
		if (ch == '\n')
			fputs("\n   ", c->trace);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(c->trace, "\\x%02x", ch);
		else
			fputc(ch, c->trace);
	}
	fputc('\n', c->trace);
	fflush(c->trace);
}

/* Receive what is there (at least one octet) into c->in. */
static int recv_some(struct smtp_conn *c, long deadline)
{
	size_t room = sizeof c->in - c->in_len;

	for (;;) {
		int r;

		if (c->ssl != NULL) {
			int n = SSL_read(c->ssl, c->in + c->in_len, (int)room);

			if (n > 0) {
				c->in_len += (size_t)n;
				return SMTP_OK;
			}
			r = tls_wait(c, n, deadline, "TLS read error");
		} else {
			ssize_t n = recv(c->fd, c->in + c->in_len, room, 0);

			if (n > 0) {
				c->in_len += (size_t)n;
				return SMTP_OK;
			}
			if (n == 0) {
				set_err(c, "connection closed by the server", 0);
				return SMTP_E_CLOSED;
			}
			if (errno == ECONNRESET) {
				set_err(c, "connection reset by the server", 0);
				return SMTP_E_CLOSED;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				set_err(c, "recv", errno);
				return SMTP_E_IO;
			}
			r = wait_fd(c, POLLIN, deadline);
		}
		if (r != SMTP_OK)
			return r;
	}
}

int smtp_read_reply(struct smtp_conn *c, struct smtp_reply *r)
{
	long deadline = cmd_deadline(c);

	if (c->fd < 0) {
		memset(r, 0, sizeof *r);
		set_err(c, "not connected", 0);
		return SMTP_E_CLOSED;
	}
	for (;;) {
		int n = smtp_reply_parse(c->in, c->in_len, r);

		if (n > 0) {
			trace_line(c, "S: ", c->in, (size_t)n - 1);
			memmove(c->in, c->in + n, c->in_len - (size_t)n);
			c->in_len -= (size_t)n;
			return SMTP_OK;
		}
		if (n < 0 || c->in_len == sizeof c->in) {
			snprintf(c->err, sizeof c->err, "%s from the server",
			         smtp_reply_error_name(n < 0 ? n : SMTP_REPLY_TOO_LONG));
			trace_line(c, "S! ", c->in, c->in_len > 200 ? 200 : c->in_len);
			c->in_len = 0;
			return SMTP_E_PROTO;
		}
		n = recv_some(c, deadline);
		if (n != SMTP_OK)
			return n;
	}
}

int smtp_send(struct smtp_conn *c, const char *data, size_t len)
{
	long deadline = cmd_deadline(c);
	size_t off = 0;

	if (c->fd < 0) {
		set_err(c, "not connected", 0);
		return SMTP_E_CLOSED;
	}
	while (off < len) {
		int r;

		if (c->ssl != NULL) {
			size_t chunk = len - off > INT_MAX ? INT_MAX : len - off;
			int n = SSL_write(c->ssl, data + off, (int)chunk);

			if (n > 0) {
				off += (size_t)n;
				continue;
			}
			r = tls_wait(c, n, deadline, "TLS write error");
		} else {
			ssize_t n = send(c->fd, data + off, len - off, MSG_NOSIGNAL);

			if (n >= 0) {
				off += (size_t)n;
				continue;
			}
			if (errno == EPIPE || errno == ECONNRESET) {
				set_err(c, "connection closed by the server", 0);
				return SMTP_E_CLOSED;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				set_err(c, "send", errno);
				return SMTP_E_IO;
			}
			r = wait_fd(c, POLLOUT, deadline);
		}
		if (r != SMTP_OK)
			return r;
	}
	return SMTP_OK;
}

int smtp_command(struct smtp_conn *c, const char *line, bool secret,
                 struct smtp_reply *r)
{
	char buf[1024];
	size_t n = strlen(line);
	int rc;

	memset(r, 0, sizeof *r);
	if (strpbrk(line, "\r\n") != NULL || n + 2 >= sizeof buf) {
		set_err(c, "command too long or holds CR/LF", 0);
		return SMTP_E_IO;
	}
	if (secret)
		trace_line(c, "C: ", "<secret>", 8);
	else
		trace_line(c, "C: ", line, n);
	memcpy(buf, line, n);
	memcpy(buf + n, "\r\n", 2);
	rc = smtp_send(c, buf, n + 2);
	if (rc != SMTP_OK)
		return rc;
	return smtp_read_reply(c, r);
}

int smtp_tls_handshake(struct smtp_conn *c, const char *sni,
                       const char *verify_name)
{
	long deadline = cmd_deadline(c);
	SSL_CTX *ctx;
	SSL *ssl;

	if (c->in_len > 0) {
		/* Data sent before the handshake would be injected into the
		 * TLS session's plain text (CVE-2011-0411 class). */
		set_err(c, "server sent data after its STARTTLS reply", 0);
		return SMTP_E_PROTO;
	}
	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL) {
		set_err(c, "SSL_CTX_new failed", 0);
		return SMTP_E_IO;
	}
	c->ssl_ctx = ctx;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (verify_name != NULL) {
		SSL_CTX_set_default_verify_paths(ctx);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	} else {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	}
	ssl = SSL_new(ctx);
	if (ssl == NULL || SSL_set_fd(ssl, c->fd) != 1) {
		SSL_free(ssl);
		set_err(c, "SSL_new failed", 0);
		return SMTP_E_IO;
	}
	c->ssl = ssl;
	if (sni != NULL && *sni != '\0' && strchr(sni, ':') == NULL)
		SSL_set_tlsext_host_name(ssl, sni);
	if (verify_name != NULL && SSL_set1_host(ssl, verify_name) != 1) {
		set_err(c, "bad TLS verification name", 0);
		return SMTP_E_IO;
	}
	for (;;) {
		int n = SSL_connect(ssl), r;
		char why[160];

		if (n == 1)
			break;
		switch (SSL_get_error(ssl, n)) {
		case SSL_ERROR_WANT_READ:
			r = wait_fd(c, POLLIN, deadline);
			break;
		case SSL_ERROR_WANT_WRITE:
			r = wait_fd(c, POLLOUT, deadline);
			break;
		default:
			ERR_error_string_n(ERR_get_error(), why, sizeof why);
			ERR_clear_error();
			if (SSL_get_verify_result(ssl) != X509_V_OK)
				snprintf(c->err, sizeof c->err, "TLS handshake: certificate: %s",
				         X509_verify_cert_error_string(SSL_get_verify_result(ssl)));
			else
				snprintf(c->err, sizeof c->err, "TLS handshake failed: %s", why);
			return SMTP_E_IO;
		}
		if (r != SMTP_OK)
			return r;
	}
	c->tls = true;
	snprintf(c->tls_info, sizeof c->tls_info, "%s %s", SSL_get_version(ssl),
	         SSL_get_cipher_name(ssl));
	if (c->trace)
		fprintf(c->trace, "-- TLS established: %s\n", c->tls_info);
	return SMTP_OK;
}

void smtp_close(struct smtp_conn *c)
{
	if (c->ssl != NULL) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->ssl_ctx != NULL) {
		SSL_CTX_free(c->ssl_ctx);
		c->ssl_ctx = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->tls = false;
	c->in_len = 0;
}

const char *smtp_error_name(int err)
{
	switch (err) {
	case SMTP_OK:
		return "ok";
	case SMTP_E_TIMEOUT:
		return "timeout";
	case SMTP_E_CLOSED:
		return "connection lost";
	case SMTP_E_PROTO:
		return "protocol error";
	case SMTP_E_IO:
		return "I/O error";
	case SMTP_E_ABORT:
		return "interrupted";
	case SMTP_E_CONNECT:
		return "cannot connect";
	default:
		return "error";
	}
}
