#ifndef SOCKBRIDGE_CHILDREN_H
#define SOCKBRIDGE_CHILDREN_H

#include <sys/types.h>

#include "conn.h"
#include "linger.h"
#include "stats.h"

/* A running handler. */
struct child {
	pid_t		pid;
	long long	started;	/* ms, monotonic */
	long long	term_at;	/* ms when SIGTERM was sent; 0 not yet */
	int		killed;		/* SIGKILL sent */
	int		leader_gone;	/* reaped; the group may live on */
	struct source	source;		/* for --max-per-source */
	int		fd;		/* the client, kept for linger; or -1 */
};

struct children {
	struct child	*c;
	int		 n;
	int		 max;
	int		 leaderless;	/* entries with leader_gone */
	unsigned long long timeouts;	/* handlers --timeout signalled */
	struct lingering *linger;	/* where kept clients go; NULL: none */
};

/* While a group outlives its leader, how often to look whether it ended. */
#define GROUP_CHECK_MS	200

void	children_init(struct children *, int);
void	children_free(struct children *);
void	children_add(struct children *, pid_t, long long,
	    const struct source *, int);
int	children_from(const struct children *, const struct source *);
int	children_reap(struct children *, struct child *, int *);
int	children_ended(struct children *, struct stats *);
int	children_prune(struct children *);
long long children_police(struct children *, long long, long long);
int	children_terminate(struct children *, long long);

#endif
