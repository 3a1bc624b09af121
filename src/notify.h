#ifndef SOCKBRIDGE_NOTIFY_H
#define SOCKBRIDGE_NOTIFY_H

/* While a state waits, the loop calls notify_flush at least this often. */
#define NOTIFY_RETRY_MS		100
/* States other than STATUS= that may wait at once; more are dropped. */
#define NOTIFY_KEPT_MAX		8

void	notify_init(void);
int	notify_enabled(void);
void	notify_send(const char *);
void	notify_flush(void);
int	notify_waiting(void);
unsigned long long notify_status_dropped(void);

#endif
