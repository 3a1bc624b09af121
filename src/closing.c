/*
 * closing.c: the one way out for a connection that gets no handler
 * (refused, or a hand-off that failed): its last line is delivered, then
 * end-of-file, never a reset, and the bridge never blocks on it.
 *
 * Closing a socket that still holds unread input makes the kernel answer
 * with RST instead of FIN, and the client's stack may then throw away the
 * line we sent before the client has read it; most clients send their
 * request at once, so that is the common case.  So the bridge sends its
 * line, shuts its sending side down (the client reads the line and
 * end-of-file), and reads and discards whatever the client still sends
 * until the client closes too or CLOSING_MS have passed: the "lingering
 * close" of Apache httpd.  All of it is non-blocking, driven by the
 * serving loop's poll.  The table is bounded: when it is full, the oldest
 * connection is closed at once, after what it sent so far is read.
 *
 * --lingering-close does the same after a handler has ended (linger.c):
 * a table of its own, with its own time, through closing_add.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "closing.h"
#include "compat.h"

#define DISCARD_MAX	(256 * 1024)	/* bytes read per wake-up, for fairness */

static int	discard_input(int);
static int	oldest(const struct closing *);
static void	finish(struct closing *, int);

/* Room for max connections, each closed after ms at the latest. */
void
closing_init(struct closing *cl, int max, long long ms)
{
	cl->c = reallocarray(NULL, max, sizeof(*cl->c));
	if (cl->c == NULL)
		err(EXIT_TEMPFAIL, "closing");
	cl->n = 0;
	cl->max = max;
	cl->ms = ms;
}

void
closing_free(struct closing *cl)
{
	closing_close_all(cl);
	free(cl->c);
	cl->c = NULL;
}

/*
 * Close fd gracefully, after line (NULL: none).  The fd is ours from now
 * on.  A client that already closed, or reset, is done with at once.
 */
void
closing_start(struct closing *cl, int fd, const char *line, long long now)
{
	if (line != NULL)
		send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
	closing_add(cl, fd, NULL, now);
}

/*
 * End-of-file for the client of fd, after whatever was sent on it, then
 * its input discarded until it closes or cl's time is up.  The fd is
 * ours from now on; source (NULL: none) is whose slot it holds.  Returns
 * 1 if the client has yet to close, 0 if it was closed at once.
 */
int
closing_add(struct closing *cl, int fd, const struct source *source,
    long long now)
{
	struct closing_conn *c;

	if (shutdown(fd, SHUT_WR) == -1 || !discard_input(fd)) {
		close(fd);
		return 0;
	}
	if (cl->n == cl->max)
		finish(cl, oldest(cl));
	c = &cl->c[cl->n++];
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->until = now + cl->ms;
	if (source != NULL)
		c->source = *source;
	return 1;
}

/* Fill pfd (room for cl->n entries); returns how many were filled. */
int
closing_pollfds(const struct closing *cl, struct pollfd *pfd)
{
	int i;

	for (i = 0; i < cl->n; i++) {
		pfd[i].fd = cl->c[i].fd;
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	return cl->n;
}

/*
 * After the poll: read what came, close the connections whose client has
 * closed or whose time is up.  pfd is what closing_pollfds filled, with
 * npfd entries (connections added since are not in it; none with pfd
 * NULL and npfd 0).  Returns how many were closed because their time
 * was up.
 */
int
closing_events(struct closing *cl, const struct pollfd *pfd, int npfd,
    long long now)
{
	int i, late = 0;

	/* backwards, so that finish() moving the last entry is harmless */
	for (i = npfd - 1; i >= 0; i--)
		if (pfd[i].revents != 0 && !discard_input(cl->c[i].fd))
			finish(cl, i);
	for (i = cl->n - 1; i >= 0; i--)
		if (now >= cl->c[i].until) {
			finish(cl, i);
			late++;
		}
	return late;
}

/* Close every connection now; returns how many there were. */
int
closing_close_all(struct closing *cl)
{
	int n = cl->n;

	while (cl->n > 0)
		finish(cl, 0);
	return n;
}

/* How many connections hold a slot of source? */
int
closing_from(const struct closing *cl, const struct source *source)
{
	int i, n = 0;

	for (i = 0; i < cl->n; i++)
		if (memcmp(&cl->c[i].source, source, sizeof(*source)) == 0)
			n++;
	return n;
}

/* Wait until every connection is closed (--once, which has no loop). */
void
closing_wait(struct closing *cl)
{
	struct pollfd pfd[CLOSING_MAX];
	long long now, due;
	int n;

	while (cl->n > 0) {
		n = closing_pollfds(cl, pfd);
		now = now_ms();
		due = closing_next_due(cl);
		if (poll(pfd, n, due > now ? (int)(due - now) : 0) == -1 &&
		    errno != EINTR)
			break;
		closing_events(cl, pfd, n, now_ms());
	}
	closing_free(cl);
}

/* When the next connection's time is up (ms), or -1 for none. */
long long
closing_next_due(const struct closing *cl)
{
	long long due = -1;
	int i;

	for (i = 0; i < cl->n; i++)
		if (due == -1 || cl->c[i].until < due)
			due = cl->c[i].until;
	return due;
}

/*
 * Read and drop what the client sent.  1 if more may come, 0 once it has
 * closed (or the connection failed): then nothing is left unread.
 */
static int
discard_input(int fd)
{
	char buf[8192];
	ssize_t got;
	size_t total = 0;

	while (total < DISCARD_MAX) {
		got = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (got > 0) {
			total += got;
			continue;
		}
		if (got == -1 && errno == EINTR)
			continue;
		return got == -1 && (errno == EAGAIN || errno == EWOULDBLOCK);
	}
	return 1;
}

/* The entry whose time is up first. */
static int
oldest(const struct closing *cl)
{
	int i, first = 0;

	for (i = 1; i < cl->n; i++)
		if (cl->c[i].until < cl->c[first].until)
			first = i;
	return first;
}

/* Close entry i, after reading what is there, and drop it. */
static void
finish(struct closing *cl, int i)
{
	discard_input(cl->c[i].fd);
	close(cl->c[i].fd);
	cl->c[i] = cl->c[--cl->n];
}
