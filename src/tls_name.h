#ifndef SOCKBRIDGE_TLS_NAME_H
#define SOCKBRIDGE_TLS_NAME_H

#include <stddef.h>

/* A DNS name: at most 253 bytes, and the NUL. */
#define TLS_NAME_SIZE	254
/* "*." NAME "/fullchain.pem", and the NUL */
#define TLS_NAME_PATH_SIZE	(2 + TLS_NAME_SIZE + sizeof("/fullchain.pem"))

#define TLS_NAME_CERT	"fullchain.pem"
#define TLS_NAME_KEY	"privkey.pem"

int	tls_name_clean(const char *, size_t, char *);
int	tls_name_paths(const char *, int, const char *, char *, size_t);

#endif
