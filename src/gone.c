/*
 * gone.c: a connection whose peer is gone before the bridge has done
 * anything with it (reset, or a unix peer that closed) and that left
 * nothing to read.  Nobody is there to serve: the bridge closes it at
 * once instead of spending a handler process on it.
 *
 * What Linux shows right after accept, per peer action (tcp, unix):
 * connect and reset: POLLHUP, 0 bytes (gone); send and reset: POLLHUP
 * with the request queued (served: it arrived, and the handler still
 * gets its ECONNRESET); close or shutdown(SHUT_WR): TCP shows no
 * POLLHUP, only end-of-file (served, like a daytime client waiting for
 * its answer); a unix close shows POLLHUP (gone unless it sent first).
 *
 * SO_ERROR is never read: reading it clears the pending error, and a
 * handler of a reset client that sent a request would see end-of-file
 * where it should see ECONNRESET.
 */
#include "config.h"

#include <sys/ioctl.h>

#include <poll.h>

#include "gone.h"

/*
 * Is the peer of fd gone with nothing left to read?  A failed look says
 * no: a live client is never dropped on a doubt.
 */
int
gone_now(int fd)
{
	struct pollfd pfd;
	int queued;

	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) != 1 || (pfd.revents & POLLHUP) == 0)
		return 0;
	return ioctl(fd, FIONREAD, &queued) == 0 && queued == 0;
}

/*
 * One more gone connection at now (ms).  Returns how many to tell in a
 * log line now (those since the last line, this one included), or 0
 * while the last line is less than GONE_LOG_MS old: a flood of resets
 * must not become a flood of log lines.  The count waits for the next
 * gone connection after that.
 */
unsigned long
gone_note(struct gone_log *gl, long long now)
{
	unsigned long n;

	gl->since++;
	if (gl->logged != 0 && now - gl->logged < GONE_LOG_MS)
		return 0;
	n = gl->since;
	gl->since = 0;
	gl->logged = now;
	return n;
}
