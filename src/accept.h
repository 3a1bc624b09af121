#ifndef SOCKBRIDGE_ACCEPT_H
#define SOCKBRIDGE_ACCEPT_H

#include <sys/socket.h>

#include "ratelimit.h"

/* Taking clients off the listeners (see accept.c). */
struct acceptor {
	const struct rate *rate;	/* --max-accept-rate; n == 0: none */
	struct bucket	 bucket;
	long long	 backoff_until;	/* ms, 0 when not backing off */
	long long	 backoff_ms;	/* the current back-off; 0: none */
	int		 error;		/* the last accept() error, or 0 */
	int		 errors;	/* how often in a row */
};

void	accept_init(struct acceptor *, const struct rate *, long long);
int	accept_one(struct acceptor *, int, struct sockaddr_storage *,
	    socklen_t *);
int	accept_rate_allows(const struct acceptor *, long long);
long long accept_rate_pause(const struct acceptor *, long long);
void	accept_take_token(struct acceptor *, long long);
long long accept_backoff_left(const struct acceptor *, long long);
void	accept_tune(int, int, int, int);
void	accept_fixed_local(int, struct sockaddr_storage *);

#endif
