#ifndef SOCKBRIDGE_CLOSING_H
#define SOCKBRIDGE_CLOSING_H

#include <poll.h>

#include "conn.h"

/*
 * Connections on their way out (see closing.c): without a handler, or,
 * with --lingering-close, after it (linger.c, which keeps the source).
 */
struct closing_conn {
	int		fd;
	long long	until;	/* ms, monotonic: closed then at the latest */
	struct source	source;	/* whose slot it holds (linger.c) */
};

struct closing {
	struct closing_conn *c;
	int		 n;
	int		 max;
	long long	 ms;	/* how long a client may take to close */
};

/* How many refused connections may linger at once; the oldest goes first. */
#define CLOSING_MAX	256
/* How long a refused client may take to close. */
#define CLOSING_MS	2000

void	closing_init(struct closing *, int, long long);
void	closing_free(struct closing *);
void	closing_start(struct closing *, int, const char *, long long);
int	closing_add(struct closing *, int, const struct source *, long long);
int	closing_pollfds(const struct closing *, struct pollfd *);
int	closing_events(struct closing *, const struct pollfd *, int,
	    long long);
int	closing_close_all(struct closing *);
int	closing_from(const struct closing *, const struct source *);
long long closing_next_due(const struct closing *);
void	closing_wait(struct closing *);

#endif
