#ifndef SOCKBRIDGE_TLS_HELLO_H
#define SOCKBRIDGE_TLS_HELLO_H

#include <stddef.h>

/* The most of a connection's first bytes the peek keeps. */
#define HELLO_MAX	(16384 + 4 * 5)

/* A ClientHello's server name, raw as sent (RFC 6066 allows 2^16-1). */
#define HELLO_NAME_MAX	255

enum hello_status {
	HELLO_MORE,		/* a prefix: read more */
	HELLO_DONE,		/* a whole ClientHello */
	HELLO_NOT_TLS,		/* the first byte is no TLS handshake record */
	HELLO_BAD		/* a TLS record, but no ClientHello we take */
};

/*
 * What the peek learns before any crypto: whether a server name was sent
 * and, if it fits, its bytes (not yet validated: see tls_name.h).
 */
struct hello {
	int	has_name;
	int	name_too_long;
	char	name[HELLO_NAME_MAX + 1];
	size_t	namelen;
};

enum hello_status	hello_parse(const unsigned char *, size_t,
			    struct hello *);

#endif
