#ifndef SOCKBRIDGE_TLS_OPTIONS_H
#define SOCKBRIDGE_TLS_OPTIONS_H

#include "privileges.h"

/* Exit codes of sockbridge-tls besides the handler's (sockbridge-tls(8)). */
#define EXIT_TLS_REFUSED	101	/* no TLS session: no handler ran */
#define EXIT_TLS_TIMEOUT	102	/* no ClientHello, or no handshake, in time */

#define TLS_ALPN_MAX		255	/* the wire form of --alpn */

enum tls_verify { VERIFY_NONE, VERIFY_OPTIONAL, VERIFY_REQUIRE };

struct tls_options {
	const char	*cert;		/* the default certificate (chain) */
	const char	*key;		/* its key; NULL: in cert */
	const char	*cert_dir;
	const char	*ca;
	const char	*crl;
	int		 sni_strict;
	int		 min_version;	/* TLS1_2_VERSION or TLS1_3_VERSION */
	enum tls_verify	 verify;
	unsigned char	 alpn[TLS_ALPN_MAX];	/* length-prefixed names */
	size_t		 alpn_len;
	int		 handshake_timeout;	/* seconds */
	int		 lingering_close;	/* seconds */
	const char	*user;		/* the handler's */
	const char	*tls_user;	/* the relay's */
	struct credentials user_cred, tls_cred;
	int		 use_syslog;
	int		 facility;
	int		 check;
	char *const	*argv;		/* the handler */
};

void	tls_options_parse(int, char **, struct tls_options *);

#endif
