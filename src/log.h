#ifndef SOCKBRIDGE_LOG_H
#define SOCKBRIDGE_LOG_H

void	log_init(int, int, int);
int	log_facility(const char *);
int	log_verbose(void);
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
