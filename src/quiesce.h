#ifndef SOCKBRIDGE_QUIESCE_H
#define SOCKBRIDGE_QUIESCE_H

#include "listener.h"

/*
 * A stopping bridge's listeners (see quiesce.c): no new connection
 * completes on its own ones, while the clients already queued are taken.
 */

/* A handshake under way when the stop began has this long to complete. */
#define QUIESCE_SETTLE_MS	200

void		quiesce_init(struct listeners *, int);
void		quiesce_start(struct listeners *, long long);
int		quiesce_may_close(const struct listener *, long long);
void		quiesce_close(struct listener *);
int		quiesce_open(const struct listeners *);
long long	quiesce_next_due(const struct listeners *, long long);

#endif
