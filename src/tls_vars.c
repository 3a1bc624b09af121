/*
 * tls_vars.c: the names of the TLS variables, without OpenSSL, for the
 * bridge's environment scrubbing (env.c) as much as for sockbridge-tls.
 * The first six are the names the PROXY path uses too (proxied.c).
 */
#include "config.h"

#include <stddef.h>

#include "tls_vars.h"

const char *const tls_var_names[] = {
	"SSL_PROTOCOL", "SSL_CIPHER", "SSL_TLS_SNI_SERVERNAME",
	"SSL_PEER_CERT_CN", "PROXY_ALPN", "SSL_CLIENT_VERIFY",
	"SSL_CLIENT_S_DN", "SSL_CLIENT_I_DN",
	"SSL_CLIENT_S_DN_CN", "SSL_CLIENT_M_SERIAL", "SSL_CLIENT_CERT_SHA256",
	NULL
};
