#ifndef SOCKBRIDGE_DRAIN_H
#define SOCKBRIDGE_DRAIN_H

#include "children.h"
#include "listener.h"

/* Stopping: SIGTERM or SIGINT, the drain and its cut-off (see drain.c). */
struct drain {
	long long	 seconds;	/* --drain-timeout */
	long long	 until;		/* ms; 0 while serving */
	int		 stops_seen;	/* SIGTERM/SIGINT handled so far */
	int		 cut_off;	/* handlers had to be signalled */
};

void	drain_stops(struct drain *, int, struct listeners *, int, long long);
void	drain_start(struct drain *, struct listeners *, int, long long);
void	drain_cut_off(struct drain *, struct children *, long long);

#endif
