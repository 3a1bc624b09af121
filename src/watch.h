#ifndef SOCKBRIDGE_WATCH_H
#define SOCKBRIDGE_WATCH_H

#include <poll.h>
#include <signal.h>
#include <time.h>

#include "closing.h"
#include "linger.h"
#include "listener.h"
#include "pending.h"

/*
 * What one wait watches (see watch.c): pfd holds the listeners, then the
 * connections waiting for their PROXY header, then the closing ones, then
 * the lingering ones (linger, given once at the start).
 */
struct watch {
	struct pollfd	*pfd;
	int		 listeners, pending, closing, lingering;
	const struct lingering *linger;
};

void	watch_init(struct watch *, int, const struct lingering *);
void	watch_free(struct watch *);
void	watch_wait(struct watch *, const struct listeners *, int,
	    const struct pending *, const struct closing *,
	    const struct timespec *, const sigset_t *);
int	watch_clients_waiting(struct watch *, const struct listeners *);

#endif
