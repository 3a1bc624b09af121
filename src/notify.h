#ifndef SOCKBRIDGE_NOTIFY_H
#define SOCKBRIDGE_NOTIFY_H

void	notify_init(void);
int	notify_enabled(void);
void	notify_send(const char *);

#endif
