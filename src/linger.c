/*
 * linger.c: --lingering-close, the end of a connection whose handler has
 * ended.  A handler that answers and exits without reading all that its
 * client sent leaves unread input behind, and closing a socket with
 * unread input makes the kernel send RST, not FIN: the client may lose
 * the reply.  So, with the option, the bridge keeps its own copy of each
 * client's connection while the handler runs; when the handler's whole
 * process group has ended (children.c), it shuts down writing (FIN after
 * all the handler wrote), reads and discards what the client still sends
 * until the client closes or SECONDS have passed, and only then closes,
 * as nginx's lingering_close and Apache httpd do.
 *
 * The reading and discarding is closing.c's, in a table of its own: a
 * lingering connection keeps its handler slot (--max-connections,
 * --max-per-source) until it is closed, so the table never needs more
 * room than --max-connections, and no flood of refused clients (closing.c
 * evicts the oldest of those) can cut one short.  The drain's cut-off
 * ends them all.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>

#include <err.h>

#include "closing.h"
#include "compat.h"
#include "linger.h"
#include "listener.h"

/* syslog, NOTIFY_SOCKET, a rules file, a hand-off's pipe, one in transit */
#define SPARE_FDS	16

/*
 * Each running handler costs the bridge a descriptor with the option: so
 * the soft limit is raised to the hard one (systemd gives services 1024
 * soft), and a --max-connections it cannot carry is refused.  Counted:
 * 0-2, every listener there may be, the refused clients on their way out,
 * one descriptor per slot (a client waiting for its header, running or
 * lingering) and a few to spare.  The limit as it was goes in *was: the
 * handlers get it back (handoff.c), as a select() loop in one may rely
 * on descriptors below FD_SETSIZE.
 */
void
linger_check_limit(int max_connections, struct rlimit *was)
{
	struct rlimit rl;
	rlim_t need;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(EXIT_TEMPFAIL, "getrlimit");
	*was = rl;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1 &&
		    getrlimit(RLIMIT_NOFILE, &rl) == -1)
			err(EXIT_TEMPFAIL, "getrlimit");
	}
	need = 3 + MAX_LISTENERS + CLOSING_MAX + (rlim_t)max_connections +
	    SPARE_FDS;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
		errx(EXIT_MISUSE, "--max-connections %d with --lingering-close "
		    "needs %llu descriptors, the limit is %llu",
		    max_connections, (unsigned long long)need,
		    (unsigned long long)rl.rlim_cur);
}

/* Room for max connections, each given seconds (0: the option is off). */
void
linger_init(struct lingering *lg, int max, long long seconds,
    struct stats *st)
{
	lg->on = seconds > 0;
	closing_init(&lg->cl, lg->on ? max : 1, seconds * 1000);
	lg->stats = st;
}

void
linger_free(struct lingering *lg)
{
	closing_free(&lg->cl);
}

/*
 * The handler of fd, from source, has ended: FIN, then the client's
 * input is read until it closes (closed at once if it already has).
 */
void
linger_start(struct lingering *lg, int fd, const struct source *source,
    long long now)
{
	lg->stats->lingered++;
	closing_add(&lg->cl, fd, source, now);
}

/* Fill pfd (room for every connection); returns how many were filled. */
int
linger_pollfds(const struct lingering *lg, struct pollfd *pfd)
{
	return closing_pollfds(&lg->cl, pfd);
}

/*
 * After the poll (see closing_events).  Returns 1 if the last lingering
 * connection has just been closed.
 */
int
linger_events(struct lingering *lg, const struct pollfd *pfd, int npfd,
    long long now)
{
	int before = lg->cl.n;

	lg->stats->linger_cutoffs += closing_events(&lg->cl, pfd, npfd, now);
	return before > 0 && lg->cl.n == 0;
}

/*
 * Close the connections whose SECONDS are up; at the drain's cut-off
 * (cut_off), every one.  Returns 1 if the last one has just been closed.
 */
int
linger_police(struct lingering *lg, long long now, int cut_off)
{
	int before = lg->cl.n;

	lg->stats->linger_cutoffs += closing_events(&lg->cl, NULL, 0, now);
	if (cut_off)
		lg->stats->linger_cutoffs += closing_close_all(&lg->cl);
	return before > 0 && lg->cl.n == 0;
}

/* How many lingering connections hold a slot of source? */
int
linger_from(const struct lingering *lg, const struct source *source)
{
	return closing_from(&lg->cl, source);
}

/* When the next one's time is up (ms), or -1 for none. */
long long
linger_next_due(const struct lingering *lg)
{
	return closing_next_due(&lg->cl);
}
