#ifndef SOCKBRIDGE_STATUS_H
#define SOCKBRIDGE_STATUS_H

#include "children.h"
#include "stats.h"

/* systemd's STATUS=, throttled (see status.c). */
struct status {
	char		 sent[256];	/* the last STATUS= sent */
	long long	 at;		/* ms, when it was sent */
	int		 pending;	/* changed since, not sent yet */
};

void	status_report(struct status *, struct stats *,
	    const struct children *, int, long long);
void	status_send(struct status *, const struct stats *, long long);
long long status_due(const struct status *);

#endif
