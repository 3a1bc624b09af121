#ifndef SOCKBRIDGE_CLOSING_H
#define SOCKBRIDGE_CLOSING_H

#include <poll.h>

/* Connections on their way out without a handler (see closing.c). */
struct closing_conn {
	int		fd;
	long long	until;	/* ms, monotonic: closed then at the latest */
};

struct closing {
	struct closing_conn *c;
	int		 n;
	int		 max;
};

/* How many connections may linger at once; the oldest goes first. */
#define CLOSING_MAX	256

void	closing_init(struct closing *, int);
void	closing_free(struct closing *);
void	closing_start(struct closing *, int, const char *, long long);
int	closing_pollfds(const struct closing *, struct pollfd *);
void	closing_events(struct closing *, const struct pollfd *, int,
	    long long);
long long closing_next_due(const struct closing *);
void	closing_wait(struct closing *);

#endif
