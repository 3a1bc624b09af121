/*
 * tls_io.c: between the client's socket and OpenSSL's memory BIOs.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "tls_io.h"

#define CHUNK	16384
#define OUT_MAX	(16 * CHUNK)	/* the most one write(2) takes */

int
tls_conn_start(struct tls_conn *c, SSL_CTX *ctx, const unsigned char *early,
    size_t len)
{
	int one = 1;

	/*
	 * Our writes are whole flights and records already: Nagle would only
	 * hold a close_notify behind the reply until the client's delayed
	 * ACK, 40 ms (errors ignored: a unix socket has no such option).
	 */
	(void)setsockopt(c->out, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((c->ssl = SSL_new(ctx)) == NULL ||
	    (c->rbio = BIO_new(BIO_s_mem())) == NULL ||
	    (c->wbio = BIO_new(BIO_s_mem())) == NULL)
		return -1;
	BIO_set_mem_eof_return(c->rbio, -1);
	SSL_set_bio(c->ssl, c->rbio, c->wbio);
	SSL_set_accept_state(c->ssl);
	if (len > 0 && BIO_write(c->rbio, early, (int)len) != (int)len)
		return -1;
	return 0;
}

/*
 * What OpenSSL wrote, to the client, as far as it takes it now: 0 when
 * all is out, 1 when some waits for POLLOUT, -1 when the client is gone
 * (dead is set; what waits is dropped).
 */
int
tls_conn_flush(struct tls_conn *c)
{
	char sink[CHUNK], *p;
	long len;
	ssize_t n, drop;

	while (!c->dead && (len = BIO_get_mem_data(c->wbio, &p)) > 0) {
		n = write(c->out, p, len > OUT_MAX ? OUT_MAX : len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 1;
		if (n <= 0) {
			c->dead = 1;
			break;
		}
		/* drop what went: a memory BIO reads from its front */
		while (n > 0 &&
		    (drop = BIO_read(c->wbio, sink, n > CHUNK ? CHUNK : n)) > 0)
			n -= drop;
	}
	if (c->dead)
		(void)BIO_reset(c->wbio);
	return c->dead ? -1 : 0;
}

/*
 * What the client sent, into OpenSSL: the number of bytes, 0 at the
 * client's EOF (eof is set), -1 when nothing is there yet (EAGAIN), -2
 * when the client is gone (a reset).
 */
int
tls_conn_fill(struct tls_conn *c)
{
	char buf[CHUNK];
	ssize_t n;

	for (;;) {
		n = read(c->in, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		break;
	}
	if (n > 0) {
		BIO_write(c->rbio, buf, (int)n);
		return (int)n;
	}
	if (n == 0) {
		c->eof = 1;
		return 0;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return -1;
	c->eof = c->dead = 1;
	return -2;
}

/*
 * The handshake is done: acknowledge the client's Finished now.  With no
 * session ticket to send, nothing else would carry the ACK, and a client
 * that leaves Nagle on holds its first request until the delayed ACK.
 */
void
tls_conn_quickack(struct tls_conn *c)
{
	int one = 1;

	(void)setsockopt(c->in, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

/*
 * Cut the connection with a reset, not a FIN: a client must not take a
 * cut reply for a whole one.
 */
void
tls_conn_reset(struct tls_conn *c)
{
	struct linger lg = { 1, 0 };

	(void)setsockopt(c->out, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	(void)setsockopt(c->in, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(c->in);
	if (c->out != c->in)
		close(c->out);
	c->dead = c->eof = 1;
}

long long
tls_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline, for poll(2): never negative. */
int
tls_remaining(long long deadline)
{
	long long left = deadline - tls_now_ms();

	return left > 0 ? (int)left : 0;
}
