/*
 * drain.c: stopping.  The first SIGTERM or SIGINT stops new connections
 * (quiesce.c: the clients already queued on our own listeners are still
 * taken) and gives the handlers --drain-timeout to finish; a second ends
 * that wait.
 * When the wait is over, the handlers still running are cut off (SIGTERM,
 * then SIGKILL after the grace, children.c) and the bridge will exit 1.
 */
#include "config.h"

#include "drain.h"
#include "log.h"
#include "notify.h"
#include "quiesce.h"

/* stops: how many SIGTERM and SIGINT so far; handlers: how many run. */
void
drain_stops(struct drain *d, int stops, struct listeners *ls, int handlers,
    long long now)
{
	if (stops == d->stops_seen)
		return;
	if (d->until == 0)
		drain_start(d, ls, handlers, now);
	if (stops > 1)
		d->until = now;
	d->stops_seen = stops;
}

/* At the drain's end, every handler still running is told to stop. */
void
drain_cut_off(struct drain *d, struct children *ch, long long now)
{
	int n;

	if (d->until == 0 || now < d->until || d->cut_off || ch->n == 0)
		return;
	n = children_terminate(ch, now);
	d->cut_off = 1;
	log_info("drain cut off handlers=%d", n);
}

/*
 * No new connection from now (quiesce.c): inherited listeners are closed
 * at once (the activator keeps its own copy, and the clients queued there
 * wait for the next bridge); on our own, the clients already queued are
 * still taken; a unix socket file we made goes.  Also the way out of an
 * idle bridge with listeners of its own.
 */
void
drain_start(struct drain *d, struct listeners *ls, int handlers,
    long long now)
{
	notify_send("STOPPING=1");
	quiesce_start(ls, now);
	d->until = now + d->seconds * 1000;
	if (d->until == 0)
		d->until = 1;	/* 0 means "not draining" */
	if (handlers > 0)
		log_info("drain handlers=%d seconds=%lld", handlers,
		    d->seconds);
}
