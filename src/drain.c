/*
 * drain.c: stopping.  The first SIGTERM or SIGINT stops new connections
 * (quiesce.c: the clients already queued on our own listeners are still
 * taken) and gives the handlers --drain-timeout to finish; a second ends
 * that wait.  When the wait is over, the handlers still running are cut
 * off (SIGTERM, then SIGKILL after the grace, children.c) and the bridge
 * will exit 1.  An idle bridge with listeners of its own stops the same
 * way, but with no cut-off: it only lets go of its listeners.
 */
#include "config.h"

#include "drain.h"
#include "log.h"
#include "notify.h"
#include "quiesce.h"

static void	drain_start(struct drain *, struct listeners *, int, long long);
static void	stop_taking(struct drain *, struct listeners *, long long);

/* stops: how many SIGTERM and SIGINT so far; handlers: how many run. */
void
drain_stops(struct drain *d, int stops, struct listeners *ls, int handlers,
    long long now)
{
	if (stops == d->stops_seen)
		return;
	if (d->until == 0 || d->until == DRAIN_NO_CUT_OFF)
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
 * SIGTERM or SIGINT: no new connection from now, and --drain-timeout for
 * the handlers and the clients queued.
 */
static void
drain_start(struct drain *d, struct listeners *ls, int handlers,
    long long now)
{
	stop_taking(d, ls, now);
	d->until = now + d->seconds * 1000;
	if (d->until == 0)
		d->until = 1;	/* 0 means "not draining" */
	if (handlers > 0)
		log_info("drain handlers=%d seconds=%lld", handlers,
		    d->seconds);
}

/*
 * Idle with listeners of our own: closing them would reset a client that
 * has just connected, so they are let go of as on SIGTERM; the clients
 * taken meanwhile are served as usual, and their handlers cut off by no
 * deadline.
 */
void
drain_idle(struct drain *d, struct listeners *ls, long long now)
{
	stop_taking(d, ls, now);
	d->until = DRAIN_NO_CUT_OFF;
}

/*
 * No new connection from now (quiesce.c): inherited listeners are closed
 * at once (the activator keeps its own copy, and the clients queued there
 * wait for the next bridge); on our own, the clients already queued are
 * still taken; a unix socket file we made goes.
 */
static void
stop_taking(struct drain *d, struct listeners *ls, long long now)
{
	if (!d->stopping)
		notify_send("STOPPING=1");
	d->stopping = 1;
	quiesce_start(ls, now);
}
