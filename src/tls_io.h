#ifndef SOCKBRIDGE_TLS_IO_H
#define SOCKBRIDGE_TLS_IO_H

#include <openssl/ssl.h>

/*
 * The client's side: OpenSSL reads and writes memory BIOs, and we move
 * their bytes to and from the socket ourselves, non-blocking.  So the
 * bytes the peek already read go in first, and the relay decides when a
 * close_notify or a reset leaves.
 */
struct tls_conn {
	SSL	*ssl;
	BIO	*rbio, *wbio;
	int	 in, out;	/* the client: fd 0 and fd 1 */
	int	 eof;		/* the client's TCP EOF */
	int	 dead;		/* the client can no longer be written to */
};

int	tls_conn_start(struct tls_conn *, SSL_CTX *, const unsigned char *,
	    size_t);
int	tls_conn_flush(struct tls_conn *);
int	tls_conn_fill(struct tls_conn *);
void	tls_conn_quickack(struct tls_conn *);
void	tls_conn_reset(struct tls_conn *);
long long tls_now_ms(void);
int	tls_remaining(long long);

#endif
