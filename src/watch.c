/*
 * watch.c: the poll table of the serving loop, and its one wait.  Every
 * handled signal is blocked but inside ppoll() (signals.c), so the wait
 * is the one place a signal comes in.
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "watch.h"

static void	watch_listeners(struct watch *, const struct listeners *, int);

/*
 * Room for every listener, every closing, and per handler slot a header
 * or a lingering connection (twice, not to rely on their sum).
 */
void
watch_init(struct watch *w, int max_connections,
    const struct lingering *lg)
{
	memset(w, 0, sizeof(*w));
	w->linger = lg;
	w->pfd = reallocarray(NULL, MAX_LISTENERS + CLOSING_MAX +
	    2 * (size_t)max_connections, sizeof(*w->pfd));
	if (w->pfd == NULL)
		err(EXIT_TEMPFAIL, "poll table");
}

void
watch_free(struct watch *w)
{
	free(w->pfd);
	w->pfd = NULL;
}

/*
 * Wait for a client on the first nlisteners listeners, a header, a
 * closing or lingering connection, a signal or the deadline (ts; NULL:
 * none).  An interrupted wait reports nothing ready.
 */
void
watch_wait(struct watch *w, const struct listeners *ls, int nlisteners,
    const struct pending *p, const struct closing *cl,
    const struct timespec *ts, const sigset_t *waitmask)
{
	int n;

	watch_listeners(w, ls, nlisteners);
	w->pending = pending_pollfds(p, w->pfd + w->listeners);
	w->closing = closing_pollfds(cl, w->pfd + w->listeners + w->pending);
	n = w->listeners + w->pending + w->closing;
	w->lingering = linger_pollfds(w->linger, w->pfd + n);
	n += w->lingering;
	if (ppoll(w->pfd, n, ts, waitmask) == -1) {
		if (errno != EINTR)
			err(EXIT_TEMPFAIL, "poll");
		memset(w->pfd, 0, n * sizeof(*w->pfd));
	}
}

/* A client queued on any listener right now? */
int
watch_clients_waiting(struct watch *w, const struct listeners *ls)
{
	watch_listeners(w, ls, ls->n);
	return poll(w->pfd, ls->n, 0) > 0;
}

/* The first n listeners, at the front of pfd. */
static void
watch_listeners(struct watch *w, const struct listeners *ls, int n)
{
	int i;

	w->listeners = n;
	for (i = 0; i < n; i++) {
		w->pfd[i].fd = ls->l[i].fd;
		w->pfd[i].events = POLLIN;
		w->pfd[i].revents = 0;
	}
}
