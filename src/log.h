#ifndef SOCKBRIDGE_LOG_H
#define SOCKBRIDGE_LOG_H

#include <stddef.h>

/* Room for log_escape of LEN bytes: each may take four, and the NUL. */
#define LOG_ESCAPED_SIZE(len)	(4 * (len) + 1)

void	log_init(int, int, int);
int	log_facility(const char *);
int	log_verbose(void);
char   *log_escape(char *, size_t, const void *, size_t);
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
