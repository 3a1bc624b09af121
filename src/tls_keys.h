#ifndef SOCKBRIDGE_TLS_KEYS_H
#define SOCKBRIDGE_TLS_KEYS_H

#include "tls_options.h"

void	tls_keys_init(const struct tls_options *);
int	tls_key_hidden(int);
void	tls_keys_check_startup(const struct tls_options *, int);
void	tls_become(const char *, const struct credentials *);

#endif
