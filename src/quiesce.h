#ifndef SOCKBRIDGE_QUIESCE_H
#define SOCKBRIDGE_QUIESCE_H

#include "listener.h"

/*
 * A stopping bridge's listeners (see quiesce.c): no new connection
 * completes on its own ones, while the clients already queued are taken.
 */

/* How long a handshake under way when the stop began may take, */
#define QUIESCE_HANDSHAKE_MS	3000
/* or, where the kernel's list of them cannot be read, is waited for. */
#define QUIESCE_SETTLE_MS	200
/* How often a TCP listener left open is looked at. */
#define QUIESCE_RECHECK_MS	100

void		quiesce_init(const struct listeners *, int);
void		quiesce_start(struct listeners *, long long);
int		quiesce_done(const struct listener *, int, long long);
void		quiesce_close(struct listener *);
int		quiesce_open(const struct listeners *);
long long	quiesce_next_due(const struct listeners *, long long);

#endif
