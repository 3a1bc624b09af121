#ifndef SOCKBRIDGE_TLS_LOG_H
#define SOCKBRIDGE_TLS_LOG_H

#include <stddef.h>

void	tls_log_stderr_to_syslog(void);
void	tls_log_init(int, int, int);
void	tls_log(const char *, ...) __attribute__((format(printf, 1, 2)));
void	tls_log_refused(const char *, const char *, size_t);
const char *tls_log_client(void);

#endif
