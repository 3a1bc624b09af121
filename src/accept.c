/*
 * accept.c: taking a client off a listener.  An accept() that cannot
 * hang (the guard timer), the back-off when accept() keeps failing, the
 * --max-accept-rate bucket, and the options every client socket gets.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "accept.h"
#include "clock.h"
#include "compat.h"
#include "log.h"
#include "signals.h"

/* accept() failing again and again (out of fds, a firewall): don't spin */
#define BACKOFF_MIN_MS	10
#define BACKOFF_MAX_MS	1000
/* how long accept() on a blocking listener may wait for a stolen client */
#define ACCEPT_GUARD_MS	100

static int	accept_guarded(int, struct sockaddr_storage *, socklen_t *);
static void	accept_failed(struct acceptor *, int);
static void	back_off(struct acceptor *, int, int);

void
accept_init(struct acceptor *acc, const struct rate *rate, long long now)
{
	memset(acc, 0, sizeof(*acc));
	acc->rate = rate;
	bucket_init(&acc->bucket, now);
}

/*
 * One client from listener, if one is still there: its fd, or -1 with
 * errno set (the failure is handled: retried at once, or backed off).
 * The accepted socket is blocking whatever the listener's flags: Linux
 * does not pass O_NONBLOCK on to it.
 */
int
accept_one(struct acceptor *acc, int listener, struct sockaddr_storage *remote,
    socklen_t *len)
{
	int fd, error;

	memset(remote, 0, sizeof(*remote));
	if ((fd = accept_guarded(listener, remote, len)) == -1) {
		/* the caller looks at errno: a log line may change it */
		error = errno;
		accept_failed(acc, error);
		errno = error;
		return -1;
	}
	acc->backoff_until = acc->backoff_ms = 0;
	acc->error = acc->errors = 0;
	if (*len <= sizeof(sa_family_t))	/* an unnamed unix peer */
		remote->ss_family = AF_UNIX;
	return fd;
}

/* Does --max-accept-rate allow one more client now? */
int
accept_rate_allows(const struct acceptor *acc, long long now)
{
	return acc->rate->n == 0 || accept_rate_pause(acc, now) == 0;
}

/* How long until --max-accept-rate allows one more (ms), 0 now. */
long long
accept_rate_pause(const struct acceptor *acc, long long now)
{
	if (acc->rate->n == 0)
		return 0;
	return bucket_delay(&acc->bucket, acc->rate, now);
}

/* Every live client takes its token, whatever becomes of it. */
void
accept_take_token(struct acceptor *acc, long long now)
{
	if (acc->rate->n > 0)
		bucket_take(&acc->bucket, acc->rate, now);
}

/* How long the back-off still lasts (ms), 0 when not backing off. */
long long
accept_backoff_left(const struct acceptor *acc, long long now)
{
	return acc->backoff_until > now ? acc->backoff_until - now : 0;
}

/* --nodelay, --keepalive */
void
accept_tune(int fd, int family, int nodelay, int keepalive)
{
	int one = 1;

	if (nodelay && family != AF_UNIX)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (keepalive)
		setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
}

/*
 * A listener bound to one IP address gives every client that address as
 * its local one: known once, it spares a getsockname() per client.  For
 * a wildcard listener (or a unix one, which needs none) it stays unset.
 */
void
accept_fixed_local(int fd, struct sockaddr_storage *local)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)local;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)local;
	socklen_t len = sizeof(*local);

	memset(local, 0, sizeof(*local));
	if (getsockname(fd, (struct sockaddr *)local, &len) == -1 ||
	    (local->ss_family == AF_INET &&
	    sin->sin_addr.s_addr == htonl(INADDR_ANY)) ||
	    (local->ss_family == AF_INET6 &&
	    (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr) ||
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))) ||
	    (local->ss_family != AF_INET && local->ss_family != AF_INET6))
		local->ss_family = AF_UNSPEC;
}

/*
 * accept4(), which cannot hang: a listener shared with another process
 * (two bridges on one socket, a systemd socket of two services) may have
 * lost its client to that process between poll() and accept(), and an
 * inherited listener is blocking, its flags not ours to change.  So a
 * one-shot timer interrupts a blocking accept after ACCEPT_GUARD_MS: the
 * loop goes back to poll, where stop requests, timeouts and reaping wait.
 */
static int
accept_guarded(int listener, struct sockaddr_storage *remote, socklen_t *len)
{
	struct itimerval guard, off;
	int fd, error, blocking;

	blocking = (fcntl(listener, F_GETFL) & O_NONBLOCK) == 0;
	if (blocking) {
		memset(&guard, 0, sizeof(guard));
		guard.it_value.tv_usec = ACCEPT_GUARD_MS * 1000;
		setitimer(ITIMER_REAL, &guard, NULL);
		signals_alarm(1);
	}
	fd = accept4(listener, (struct sockaddr *)remote, len, SOCK_CLOEXEC);
	if (blocking) {
		error = errno;
		signals_alarm(0);
		memset(&off, 0, sizeof(off));
		setitimer(ITIMER_REAL, &off, NULL);
		errno = error;
	}
	return fd;
}

/*
 * accept() failed.  Some errors are one client's (it reset, another
 * process took it, Linux passed on a network error): retry at once.  The
 * same error again and again (out of descriptors or memory, a firewall or
 * security module refusing every accept) backs off, growing from
 * BACKOFF_MIN_MS to BACKOFF_MAX_MS, with one log line; the first accept
 * that works ends it.
 */
static void
accept_failed(struct acceptor *acc, int error)
{
	switch (error) {
	case EINTR:
	case EAGAIN:
	case ECONNABORTED:
		return;
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
		back_off(acc, error, 1);
		return;
	case EPROTO:
	/* network errors Linux passes on from accept(2) */
	case ENETDOWN:
	case ENOPROTOOPT:
	case EHOSTDOWN:
	case ENONET:
	case EHOSTUNREACH:
	case EOPNOTSUPP:
	case ENETUNREACH:
	case EPERM:		/* refused by a firewall or security module */
		back_off(acc, error, 0);
		return;
	default:
		errc(EXIT_TEMPFAIL, error, "accept");
	}
}

static void
back_off(struct acceptor *acc, int error, int at_once)
{
	if (error != acc->error) {
		acc->error = error;
		acc->errors = 0;
	}
	if (++acc->errors < 2 && !at_once)
		return;
	if (acc->backoff_ms == 0) {
		log_error("accept (backing off): %s", strerror(error));
		acc->backoff_ms = BACKOFF_MIN_MS;
	} else if ((acc->backoff_ms *= 2) > BACKOFF_MAX_MS)
		acc->backoff_ms = BACKOFF_MAX_MS;
	acc->backoff_until = now_ms() + acc->backoff_ms;
}
