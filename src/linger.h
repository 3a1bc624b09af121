#ifndef SOCKBRIDGE_LINGER_H
#define SOCKBRIDGE_LINGER_H

#include <sys/resource.h>

#include <poll.h>

#include "closing.h"
#include "conn.h"
#include "stats.h"

/*
 * --lingering-close: connections whose handler has ended, on their way
 * out (see linger.c).  Each still holds its handler slot.
 */
struct lingering {
	struct closing	 cl;	/* room of their own, with their own time */
	struct stats	*stats;
	int		 on;	/* --lingering-close given */
};

void	linger_check_limit(int, struct rlimit *);
void	linger_init(struct lingering *, int, long long, struct stats *);
void	linger_free(struct lingering *);
void	linger_start(struct lingering *, int, const struct source *,
	    long long);
int	linger_pollfds(const struct lingering *, struct pollfd *);
int	linger_events(struct lingering *, const struct pollfd *, int,
	    long long);
int	linger_police(struct lingering *, long long, int);
int	linger_from(const struct lingering *, const struct source *);
long long linger_next_due(const struct lingering *);

#endif
