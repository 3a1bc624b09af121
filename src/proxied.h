#ifndef SOCKBRIDGE_PROXIED_H
#define SOCKBRIDGE_PROXIED_H

#include "conn.h"
#include "proxy_header.h"

#define PROXIED_MAX_VARS	9

/*
 * What a handler behind a balancer is told besides its client's
 * addresses: the balancer's address (PROXYREMOTEIP, PROXYREMOTEPORT) and
 * the header's TLVs, under the names s6's proxy-server uses.
 */
struct proxied {
	char	 vars[PROXIED_MAX_VARS][sizeof("SSL_TLS_SNI_SERVERNAME=") +
		    PROXY_SSL_CN_MAX + 1];
	char	*var[PROXIED_MAX_VARS];
	size_t	 nvars;
};

void	proxied_vars(const struct conn_info *, const struct proxy_result *,
	    struct proxied *);

extern const char *const proxied_var_names[];

#endif
