#ifndef SOCKBRIDGE_DRAIN_H
#define SOCKBRIDGE_DRAIN_H

#include <limits.h>

#include "children.h"
#include "listener.h"

/* Stopping: SIGTERM or SIGINT, the drain and its cut-off (see drain.c). */
struct drain {
	long long	 seconds;	/* --drain-timeout */
	long long	 until;		/* ms; 0 while serving */
	int		 stops_seen;	/* SIGTERM/SIGINT handled so far */
	int		 cut_off;	/* handlers had to be signalled */
	int		 stopping;	/* STOPPING=1 sent */
};

/* until, for an idle bridge letting go of its listeners: no deadline */
#define DRAIN_NO_CUT_OFF	LLONG_MAX

void	drain_stops(struct drain *, int, struct listeners *, int, long long);
void	drain_idle(struct drain *, struct listeners *, long long);
void	drain_cut_off(struct drain *, struct children *, long long);

#endif
