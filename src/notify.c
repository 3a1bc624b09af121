/*
 * notify.c: the sd_notify(3) protocol, without libsystemd: one datagram
 * ("READY=1", "STOPPING=1", "STATUS=...") to the unix socket named in
 * NOTIFY_SOCKET, so that a systemd unit of Type=notify knows when the
 * bridge accepts.
 *
 * Telling the service manager never holds up serving: a datagram goes
 * without blocking.  When the receiver's queue is full (Linux queues
 * net.unix.max_dgram_qlen datagrams on a socket nobody reads), a state
 * such as READY=1 or STOPPING=1 waits, in order, and notify_flush sends
 * it once there is room; a STATUS= waits too, but only the latest one:
 * a newer one takes the place of one still waiting, which is counted as
 * dropped (it said nothing the newer one does not).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

/* A state and "\nMAINPID=" with the pid fit: STATUS= (stats.c) is < 256. */
#define STATE_MAX	480

static struct sockaddr_un notify_addr;
static socklen_t notify_len;	/* 0: no NOTIFY_SOCKET */

/* What waits for room in the receiver's queue, the kept states first. */
static char kept[NOTIFY_KEPT_MAX][STATE_MAX];
static int nkept;
static char status[STATE_MAX];	/* "": no STATUS= waits */
static unsigned long long status_dropped;

static int	send_now(const char *);
static void	keep(const char *);

/* Read NOTIFY_SOCKET once; the handlers' environment goes without it. */
void
notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len;

	nkept = 0;
	status[0] = '\0';
	status_dropped = 0;
	notify_len = 0;
	if (path == NULL || (*path != '/' && *path != '@'))
		return;
	len = strlen(path);
	if (len >= sizeof(notify_addr.sun_path)) {
		log_error("NOTIFY_SOCKET=%s: path is too long", path);
		return;
	}
	memset(&notify_addr, 0, sizeof(notify_addr));
	notify_addr.sun_family = AF_UNIX;
	memcpy(notify_addr.sun_path, path, len);
	if (*path == '@')
		notify_addr.sun_path[0] = '\0';	/* abstract */
	notify_len = offsetof(struct sockaddr_un, sun_path) + len +
	    (*path == '/');
}

/* Is there a service manager to tell? */
int
notify_enabled(void)
{
	return notify_len != 0;
}

/*
 * Tell the service manager state, now if its queue has room, else as
 * soon as notify_flush finds some; never after a state given earlier.
 */
void
notify_send(const char *state)
{
	if (notify_len == 0)
		return;
	if (strlen(state) >= STATE_MAX) {
		/* never a truncated state, nor bytes past the message */
		log_error("NOTIFY_SOCKET: state too long");
		return;
	}
	if (notify_waiting())
		notify_flush();		/* what waits goes first */
	if (strncmp(state, "STATUS=", 7) == 0) {
		if (status[0] != '\0')
			status_dropped++;	/* replaced, never sent */
		else if (nkept == 0 && send_now(state) == 0)
			return;
		strlcpy(status, state, sizeof(status));
		return;
	}
	if (nkept == 0 && send_now(state) == 0)
		return;
	keep(state);
}

/* Send what waits, in order, while the receiver takes it. */
void
notify_flush(void)
{
	int sent;

	for (sent = 0; sent < nkept; sent++)
		if (send_now(kept[sent]) == -1)
			break;
	memmove(kept, kept[sent], (nkept - sent) * sizeof(kept[0]));
	nkept -= sent;
	if (nkept == 0 && status[0] != '\0' && send_now(status) == 0)
		status[0] = '\0';
}

/* Does something wait for notify_flush? */
int
notify_waiting(void)
{
	return nkept > 0 || status[0] != '\0';
}

/* How many STATUS= were replaced by a newer one before they could go. */
unsigned long long
notify_status_dropped(void)
{
	return status_dropped;
}

/* A state for later; the first one to wait says so in the log. */
static void
keep(const char *state)
{
	if (nkept == NOTIFY_KEPT_MAX) {
		log_error("NOTIFY_SOCKET: %d states wait already, %s dropped",
		    NOTIFY_KEPT_MAX, state);
		return;
	}
	if (nkept == 0)
		log_error("NOTIFY_SOCKET: cannot send now, %s waits", state);
	strlcpy(kept[nkept++], state, sizeof(kept[0]));
}

/*
 * One datagram, without blocking.  Returns 0 when it went or failed for
 * good (logged), -1 when it may go later: the queue is full, or the
 * bridge is out of descriptors or memory for a moment.
 */
static int
send_now(const char *state)
{
	char msg[STATE_MAX + 32];
	int fd, len, rv = 0;

	len = snprintf(msg, sizeof(msg), "%s\nMAINPID=%ld", state,
	    (long)getpid());
	if (len < 0 || (size_t)len >= sizeof(msg)) {
		log_error("NOTIFY_SOCKET: state too long");
		return 0;
	}
	/* out of descriptors or memory: later, as for a full queue */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return -1;
	if (sendto(fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT,
	    (struct sockaddr *)&notify_addr, notify_len) == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS || errno == EINTR)
			rv = -1;
		else	/* nobody listens there: it would fail again */
			log_error("NOTIFY_SOCKET: %s", strerror(errno));
	}
	close(fd);
	return rv;
}
