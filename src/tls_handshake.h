#ifndef SOCKBRIDGE_TLS_HANDSHAKE_H
#define SOCKBRIDGE_TLS_HANDSHAKE_H

#include "tls_ctx.h"
#include "tls_io.h"

int	tls_handshake(struct tls_conn *, long long, struct tls_refusal *);
int	tls_flush_until(struct tls_conn *, long long);

#endif
