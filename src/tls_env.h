#ifndef SOCKBRIDGE_TLS_ENV_H
#define SOCKBRIDGE_TLS_ENV_H

#include <stddef.h>

#include <openssl/ssl.h>

/* The session's variables, "NAME=value" strings one after another. */
#define TLS_ENV_MAX	8192

size_t	tls_env_session(SSL *, char *, size_t);
char  **tls_env_handler(char *const *, char *, size_t);

#endif
