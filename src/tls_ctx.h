#ifndef SOCKBRIDGE_TLS_CTX_H
#define SOCKBRIDGE_TLS_CTX_H

#include <openssl/ssl.h>

#include "tls_hello.h"
#include "tls_options.h"

/* Why no context was made: a reason for the log line, and an exit code. */
struct tls_refusal {
	const char	*reason;
	int		 status;
};

void	 tls_ctx_init(void);
SSL_CTX	*tls_ctx_new(const struct tls_options *, int, const struct hello *,
	    struct tls_refusal *);
int	 tls_ctx_check_pair(int, const char *, struct tls_refusal *);

#endif
