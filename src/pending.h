#ifndef SOCKBRIDGE_PENDING_H
#define SOCKBRIDGE_PENDING_H

#include <sys/socket.h>

#include <poll.h>
#include <stddef.h>

#include "arrival.h"
#include "conn.h"
#include "proxy_header.h"

/* --proxy-protocol, --proxy-timeout, --proxy-header-max */
struct pending_options {
	int		 versions;	/* PROXY_V1, PROXY_V2, or both */
	size_t		 header_max;	/* bytes */
	long long	 timeout_ms;
};

/* A client whose header is still on its way (see pending.c). */
struct pending_conn {
	struct arrival	 a;		/* its peer is the proxy */
	struct source	 src;		/* the peer's, for the share */
	long long	 until;		/* ms: its header is due */
	unsigned char	*buf;		/* header_max bytes */
	size_t		 len;		/* taken from the socket */
	size_t		 seen;		/* len and the bytes peeked after */
};

/*
 * Called once per connection: with the header, or with NULL and the
 * reason it was refused.  The fd is the callee's from then on; pc->buf
 * (the first pc->seen bytes the peer sent) only lives during the call.
 */
typedef void	(*pending_done_fn)(void *, struct pending_conn *,
		    const struct proxy_result *, const char *);

struct pending {
	struct pending_conn *c;
	int		 n;
	int		 max;
	int		 share;		/* waiting from one source, at most */
	const struct pending_options *opts;
	pending_done_fn	 done;
	void		*arg;
};

void	pending_init(struct pending *, int, const struct pending_options *,
	    pending_done_fn, void *);
void	pending_free(struct pending *);
int	pending_has_room(const struct pending *, const struct source *);
int	pending_add(struct pending *, const struct arrival *,
	    const struct source *, long long);
int	pending_pollfds(const struct pending *, struct pollfd *);
void	pending_events(struct pending *, const struct pollfd *, int,
	    long long);
void	pending_due_by(struct pending *, long long);
long long pending_next_due(const struct pending *);
struct rules;
int	pending_wanted(const struct pending_options *, const struct rules *,
	    const struct arrival *, struct source *);

#endif
