/*
 * tls_handshake.c: the handshake, within --handshake-timeout of the
 * connection's start.  Whatever OpenSSL wrote goes out before a failure is
 * reported, so a refused client gets its alert (no_application_protocol,
 * bad_certificate, ...).
 */
#include "config.h"

#include <poll.h>
#include <string.h>

#include <openssl/err.h>

#include "tls_handshake.h"
#include "tls_options.h"

static const char *ssl_reason(SSL *);
static const char *word(const char *);

int
tls_handshake(struct tls_conn *c, long long deadline, struct tls_refusal *why)
{
	struct pollfd pfd;
	int r, e, n;

	for (;;) {
		ERR_clear_error();
		r = SSL_do_handshake(c->ssl);
		e = r == 1 ? SSL_ERROR_NONE : SSL_get_error(c->ssl, r);
		if (e != SSL_ERROR_NONE && e != SSL_ERROR_WANT_READ) {
			why->reason = ssl_reason(c->ssl);
			why->status = EXIT_TLS_REFUSED;
			tls_flush_until(c, deadline);
			return -1;
		}
		if (tls_flush_until(c, deadline) != 0) {
			why->reason = c->dead ? "client-gone" :
			    "handshake-timeout";
			why->status = c->dead ? EXIT_TLS_REFUSED :
			    EXIT_TLS_TIMEOUT;
			return -1;
		}
		if (r == 1)
			return 0;
		pfd.fd = c->in;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, tls_remaining(deadline)) == 0) {
			why->reason = "handshake-timeout";
			why->status = EXIT_TLS_TIMEOUT;
			return -1;
		}
		if ((n = tls_conn_fill(c)) == 0 || n == -2) {
			why->reason = n == 0 ? "closed-in-handshake" :
			    "reset-in-handshake";
			why->status = EXIT_TLS_REFUSED;
			return -1;
		}
	}
}

/* Everything OpenSSL wrote, out by deadline: 0, or -1. */
int
tls_flush_until(struct tls_conn *c, long long deadline)
{
	struct pollfd pfd;
	int r;

	while ((r = tls_conn_flush(c)) == 1) {
		pfd.fd = c->out;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, tls_remaining(deadline)) == 0)
			return -1;
	}
	return r;
}

/*
 * OpenSSL's reason, as one word: "no-application-protocol"; for a client
 * certificate that failed, why it did: "certificate-revoked".
 */
static const char *
ssl_reason(SSL *ssl)
{
	long v = SSL_get_verify_result(ssl);
	const char *s;

	if (v != X509_V_OK)
		return word(X509_verify_cert_error_string(v));
	if ((s = ERR_reason_error_string(ERR_peek_last_error())) == NULL)
		return "handshake-failed";
	return word(s);
}

static const char *
word(const char *s)
{
	static char w[80];
	size_t i;

	for (i = 0; s[i] != '\0' && i < sizeof(w) - 1; i++)
		w[i] = s[i] == ' ' ? '-' : s[i];
	w[i] = '\0';
	return w;
}
