/*
 * serve.c: accept clients on every listener and start a handler for each,
 * until the bridge has been idle long enough or is told to stop.
 *
 * Under upstart-socket-bridge a bridge that exits while clients wait
 * strands them: upstart's watch is edge-triggered and it drops the
 * events that came while the job ran.  So the bridge keeps accepting while
 * clients come, and before it exits for idleness it looks once more.
 *
 * SIGCHLD, SIGTERM and SIGINT are blocked except inside ppoll(), so a
 * signal can only interrupt the wait, never the code around it.
 *
 * The handler table is never overfilled: the limit is checked before each
 * accept, however many listeners one wake-up finds ready.  Connections
 * that get no handler leave through closing.c, but for those whose
 * client is already gone (gone.c): nobody is there, they are closed.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admission.h"
#include "children.h"
#include "clock.h"
#include "closing.h"
#include "compat.h"
#include "conn.h"
#include "gone.h"
#include "log.h"
#include "notify.h"
#include "pending.h"
#include "proxied.h"
#include "serve.h"
#include "signals.h"
#include "stats.h"
#include "watchdog.h"

/* accept() failing again and again (out of fds, a firewall): don't spin */
#define BACKOFF_MIN_MS	10
#define BACKOFF_MAX_MS	1000
/* how much of a bad PROXY header the log shows */
#define PROXY_SHOWN	32
/* systemd's STATUS= at most this often */
#define STATUS_MS	1000
/* how long accept() on a blocking listener may wait for a stolen client */
#define ACCEPT_GUARD_MS	100

struct server {
	const struct serve_options *opts;
	struct listeners *ls;
	struct env	*env;
	struct handoff	*handoff;
	struct pollfd	*pfd;		/* listeners, pending, closing */
	/* a listener bound to one address: every client's local address */
	struct sockaddr_storage local[MAX_LISTENERS];
	struct children	 children;
	struct closing	 closing;	/* refused clients on their way out */
	struct pending	 pending;	/* clients whose PROXY header is due */
	struct admission *admission;	/* may a client have a handler? */
	struct bucket	 accept_bucket;	/* --max-accept-rate */
	struct stats	 stats;
	struct gone_log	 gone_log;	/* when "gone" was last logged */
	char		 status[256];	/* the last STATUS= sent */
	long long	 status_at;	/* ms, when it was sent */
	int		 status_pending;/* changed since, not sent yet */
	char		*banner;	/* TEXT\n, or NULL */
	char		*refusal;	/* TEXT\n, or NULL */
	char		*denial;	/* TEXT\n, or NULL */
	long long	 idle_since;	/* ms, when the last handler ended */
	long long	 backoff_until;	/* ms, 0 when not backing off */
	long long	 backoff_ms;	/* the current back-off; 0: none */
	int		 accept_error;	/* the last accept() error, or 0 */
	int		 accept_errors;	/* how often in a row */
	long long	 drain_until;	/* ms; 0 while serving */
	int		 stops_seen;	/* SIGTERM/SIGINT handled so far */
	int		 cut_off;	/* drain had to signal handlers */
	struct signal_requests asked;	/* by signals, this loop pass */
};

/* A connection on its way to a handler, and where it came from. */
struct arrival {
	int		 fd;
	const struct sockaddr_storage *local;	/* AF_UNSPEC: ask the socket */
	const struct sockaddr_storage *remote;	/* the client */
	socklen_t	 remotelen;
	const struct sockaddr_storage *via;	/* its balancer, or NULL */
	socklen_t	 vialen;
	const struct proxy_result *header;	/* the balancer's PROXY header */
};

/* What the bridge learns of a client before it may have a handler. */
struct client {
	struct conn_info ci;
	struct source	 src;
	struct decision	 d;
	struct proxied	 px;		/* from the PROXY header */
	char		 via[CONN_TEXT_SIZE];	/* the balancer, for the log */
	char		 connnum[32];	/* TCPCONNNUM=N */
};

static char    *with_newline(const char *);
static int	wait_plan(struct server *, long long, struct timespec *,
		    int *);
static long long earliest(long long, long long);
static int	clients_waiting(struct server *);
static void	watch_listeners(struct server *, int);
static void	wait_for_events(struct server *, int, struct timespec *,
		    const sigset_t *);
static void	handle_stop(struct server *, long long);
static void	handle_requests(struct server *, long long);
static void	send_status(struct server *, long long);
static int	may_accept(struct server *, long long);
static void	start_drain(struct server *, long long);
static void	accept_client(struct server *, size_t);
static int	accept_guarded(int, struct sockaddr_storage *, socklen_t *);
static void	accept_failed(struct server *, int);
static void	back_off(struct server *, int, int);
static void	fixed_local_address(int, struct sockaddr_storage *);
static void	describe(int, const struct sockaddr_storage *,
		    const struct sockaddr_storage *, socklen_t,
		    struct conn_info *);
static void	tune_socket(struct server *, int, int);
static int	send_line(int, const char *);
static int	peer_gone(struct server *, int, const struct sockaddr_storage *,
		    const struct sockaddr_storage *, socklen_t);
static void	close_without_handler(struct server *, int, const char *);
static void	refuse(struct server *, int, const struct conn_info *,
		    const struct decision *);
static char   **handler_env(struct server *, struct client *);
static int	needs_header(const struct server *,
		    const struct sockaddr_storage *);
static void	on_header(void *, struct pending_conn *,
		    const struct proxy_result *, const char *);
static void	header_refused(struct server *, struct pending_conn *,
		    const char *);
static int	welcome(struct server *, const struct arrival *,
		    struct client *);
static void	start_handler(struct server *, const struct arrival *);
static __dead void exec_handler(struct server *, const struct arrival *);
static void	reap_children(struct server *);

/*
 * Serve until idle (exit status 0) or until stopped: then drain, and
 * return 0 if every handler finished on its own, 1 if some were cut off.
 */
int
serve(const struct serve_options *opts, struct listeners *ls,
    struct env *env, struct handoff *handoff)
{
	struct server sv;
	struct timespec ts;
	sigset_t waitmask;
	size_t i;
	int nfds, infinite;

	memset(&sv, 0, sizeof(sv));
	sv.opts = opts;
	sv.ls = ls;
	sv.env = env;
	sv.handoff = handoff;
	sv.banner = with_newline(opts->banner);
	sv.refusal = with_newline(opts->refuse_message);
	sv.denial = with_newline(opts->deny_message);
	children_init(&sv.children, opts->max_connections);
	closing_init(&sv.closing, CLOSING_MAX);
	if (opts->proxy.versions != 0)
		pending_init(&sv.pending, opts->max_connections, &opts->proxy,
		    on_header, &sv);
	sv.pfd = reallocarray(NULL, MAX_LISTENERS + CLOSING_MAX +
	    opts->max_connections, sizeof(*sv.pfd));
	if (sv.pfd == NULL)
		err(EXIT_TEMPFAIL, "poll table");
	sv.admission = opts->admission;
	sv.stats.started = now_ms();
	sv.stats.max_running = opts->max_connections;
	bucket_init(&sv.accept_bucket, sv.stats.started);
	for (i = 0; i < ls->n; i++)
		fixed_local_address(ls->l[i].fd, &sv.local[i]);
	signals_catch(&waitmask);
	sv.idle_since = now_ms();
	notify_send("READY=1");
	for (;;) {
		signals_take(&sv.asked);
		if (sv.asked.child || sv.children.leaderless > 0)
			reap_children(&sv);
		handle_stop(&sv, now_ms());
		handle_requests(&sv, now_ms());
		if (sv.drain_until != 0 && sv.children.n == 0 &&
		    sv.pending.n == 0 && sv.closing.n == 0)
			break;		/* drained */
		nfds = wait_plan(&sv, now_ms(), &ts, &infinite);
		if (nfds == -1)
			break;		/* idle long enough */
		wait_for_events(&sv, nfds, infinite ? NULL : &ts, &waitmask);
		for (i = 0; i < (size_t)nfds; i++) {
			if (sv.pfd[i].revents & POLLNVAL)
				errx(EXIT_TEMPFAIL, "fd %d: listening socket "
				    "was closed", sv.pfd[i].fd);
			/* the limits hold whatever else was ready */
			if (sv.pfd[i].revents != 0 && may_accept(&sv, now_ms()))
				accept_client(&sv, i);
		}
	}
	pending_free(&sv.pending);
	closing_free(&sv.closing);
	children_free(&sv.children);
	free(sv.pfd);
	free(sv.banner);
	free(sv.refusal);
	free(sv.denial);
	return sv.cut_off ? 1 : 0;
}

/*
 * Wait for a client, a header, a closing connection, a signal or the
 * deadline, and handle the headers and closing connections that woke us.
 * Listeners 0..nfds-1 are watched, then every connection waiting for its
 * PROXY header, then every closing connection.
 */
static void
wait_for_events(struct server *sv, int nfds, struct timespec *ts,
    const sigset_t *waitmask)
{
	struct pollfd *pending_pfd, *closing_pfd;
	int npending, nclosing;

	watch_listeners(sv, nfds);
	pending_pfd = sv->pfd + nfds;
	npending = pending_pollfds(&sv->pending, pending_pfd);
	closing_pfd = pending_pfd + npending;
	nclosing = closing_pollfds(&sv->closing, closing_pfd);
	if (ppoll(sv->pfd, nfds + npending + nclosing, ts, waitmask) == -1) {
		if (errno != EINTR)
			err(EXIT_TEMPFAIL, "poll");
		memset(sv->pfd, 0, (nfds + npending + nclosing) *
		    sizeof(*sv->pfd));
	}
	/* first: handing a client on may add to the closing ones */
	closing_events(&sv->closing, closing_pfd, nclosing, now_ms());
	pending_events(&sv->pending, pending_pfd, npending, now_ms());
}

/* The first n listeners, at the front of pfd. */
static void
watch_listeners(struct server *sv, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		sv->pfd[i].fd = sv->ls->l[i].fd;
		sv->pfd[i].events = POLLIN;
		sv->pfd[i].revents = 0;
	}
}

/*
 * What to wait for, and until when.  Returns how many listeners to watch:
 * none while every handler slot is taken (clients wait in the backlog),
 * while backing off or while draining; -1 when the bridge has been idle
 * for its idle timeout and nobody waits.  Handlers past their time are
 * signalled here, and their next deadline bounds the wait, as do the
 * closing connections' and the look at groups outliving their leader.
 */
static int
wait_plan(struct server *sv, long long now, struct timespec *ts,
    int *infinite)
{
	long long due, pause, left = -1, idle = sv->opts->idle_timeout * 1000;
	int nfds = sv->ls->n;

	if (sv->children.n == 0 && sv->pending.n == 0 && idle > 0 &&
	    sv->drain_until == 0) {
		left = sv->idle_since + idle - now;
		if (left <= 0) {
			if (sv->closing.n == 0 && !clients_waiting(sv))
				return -1;
			left = 0;
		}
	}
	if (!may_accept(sv, now) || sv->drain_until)
		nfds = 0;
	if (sv->opts->max_accept_rate.n > 0 &&
	    (pause = bucket_delay(&sv->accept_bucket,
	    &sv->opts->max_accept_rate, now)) > 0)
		left = earliest(left, pause);	/* clients wait meanwhile */
	if (sv->backoff_until > now) {
		nfds = 0;
		if (left == -1 || sv->backoff_until - now < left)
			left = sv->backoff_until - now;
	}
	due = children_police(&sv->children, now, sv->opts->timeout * 1000);
	if (sv->drain_until > now && (due == -1 || sv->drain_until < due))
		due = sv->drain_until;
	due = earliest(due, closing_next_due(&sv->closing));
	due = earliest(due, pending_next_due(&sv->pending));
	if (sv->status_pending)
		due = earliest(due, sv->status_at + STATUS_MS);
	if (sv->children.leaderless > 0)
		due = earliest(due, now + GROUP_CHECK_MS);
	if (due != -1 && (left == -1 || due - now < left))
		left = due > now ? due - now : 0;
	*infinite = left == -1;
	if (left >= 0) {
		ts->tv_sec = left / 1000;
		ts->tv_nsec = left % 1000 * 1000000;
	}
	return nfds;
}

/* The earlier of two deadlines, -1 meaning none. */
static long long
earliest(long long a, long long b)
{
	return a == -1 || (b != -1 && b < a) ? b : a;
}

/* A client queued on any listener right now? */
static int
clients_waiting(struct server *sv)
{
	watch_listeners(sv, sv->ls->n);
	return poll(sv->pfd, sv->ls->n, 0) > 0;
}

/*
 * SIGTERM or SIGINT: the first starts the drain, a second ends its wait;
 * when the wait is over, the handlers still running are cut off.  No
 * PROXY header is waited for past the drain's end.
 */
static void
handle_stop(struct server *sv, long long now)
{
	int n, requests = sv->asked.stops;

	if (requests != sv->stops_seen) {
		if (sv->stops_seen == 0)
			start_drain(sv, now);
		if (requests > 1)
			sv->drain_until = now;
		sv->stops_seen = requests;
	}
	if (sv->drain_until != 0)
		pending_due_by(&sv->pending, sv->drain_until);
	if (sv->drain_until == 0 || now < sv->drain_until || sv->cut_off ||
	    sv->children.n == 0)
		return;
	n = children_terminate(&sv->children, now);
	sv->cut_off = 1;
	log_info("drain cut off handlers=%d", n);
}

/*
 * SIGHUP: read the rules file again; SIGUSR1: a stats line.  Then tell
 * systemd how things stand, if that changed.
 */
static void
handle_requests(struct server *sv, long long now)
{
	char text[1024];

	if (sv->asked.reload) {
		if (sv->opts->admit.rules_file == NULL)
			log_error("SIGHUP: no --rules file to read again");
		else if (admission_reload(sv->admission, text,
		    sizeof(text)) == -1)
			log_error("%s", text);
		else
			log_info("rules reloaded from %s",
			    sv->opts->admit.rules_file);
	}
	sv->stats.running = sv->children.n;
	sv->stats.timeouts = sv->children.timeouts;
	if (sv->asked.stats) {
		stats_line(&sv->stats, now, text, sizeof(text));
		log_notice("%s", text);
	}
	send_status(sv, now);
}

/* STATUS= for systemd: only when it changed, at most once a second. */
static void
send_status(struct server *sv, long long now)
{
	char status[sizeof(sv->status)];

	if (!notify_enabled())
		return;
	stats_status(&sv->stats, status, sizeof(status));
	if (strcmp(status, sv->status) == 0) {
		sv->status_pending = 0;
		return;
	}
	if (sv->status_at != 0 && now < sv->status_at + STATUS_MS) {
		sv->status_pending = 1;
		return;
	}
	notify_send(status);
	strlcpy(sv->status, status, sizeof(sv->status));
	sv->status_at = now;
	sv->status_pending = 0;
}

/*
 * Below --max-connections (a client waiting for its PROXY header holds a
 * slot too; with --once, one client is all), and --max-accept-rate allows
 * one more now?
 */
static int
may_accept(struct server *sv, long long now)
{
	if (sv->opts->once && sv->pending.n > 0)
		return 0;
	return sv->children.n + sv->pending.n < sv->opts->max_connections &&
	    (sv->opts->max_accept_rate.n == 0 ||
	    bucket_delay(&sv->accept_bucket, &sv->opts->max_accept_rate,
	    now) == 0);
}

/*
 * Stop accepting at once: our copies of the listeners are closed (an
 * activator keeps its own, and the clients queued there wait for the
 * next bridge); a unix socket file we made goes too.
 */
static void
start_drain(struct server *sv, long long now)
{
	size_t i;

	notify_send("STOPPING=1");
	for (i = 0; i < sv->ls->n; i++)
		close(sv->ls->l[i].fd);
	listeners_remove_files(sv->ls);
	sv->ls->n = 0;
	sv->drain_until = now + sv->opts->drain_timeout * 1000;
	if (sv->drain_until == 0)
		sv->drain_until = 1;	/* 0 means "not draining" */
	if (sv->children.n > 0)
		log_info("drain handlers=%d seconds=%lld", sv->children.n,
		    sv->opts->drain_timeout);
}

/*
 * Accept one client, if one is still there, and start its handler (with
 * --once, become it).  The accepted socket is blocking whatever the
 * listener's flags: Linux does not pass O_NONBLOCK on to it.
 */
static void
accept_client(struct server *sv, size_t n)
{
	struct sockaddr_storage remote;
	struct arrival a;
	socklen_t len = sizeof(remote);
	int fd;

	memset(&remote, 0, sizeof(remote));
	if ((fd = accept_guarded(sv->pfd[n].fd, &remote, &len)) == -1) {
		accept_failed(sv, errno);
		return;
	}
	sv->backoff_until = sv->backoff_ms = 0;
	sv->accept_error = sv->accept_errors = 0;
	sv->stats.accepted++;
	if (len <= sizeof(sa_family_t))	/* an unnamed unix peer */
		remote.ss_family = AF_UNIX;
	if (peer_gone(sv, fd, &sv->local[n], &remote, len))
		return;
	/* every live client takes its token, whatever becomes of it */
	if (sv->opts->max_accept_rate.n > 0)
		bucket_take(&sv->accept_bucket, &sv->opts->max_accept_rate,
		    now_ms());
	tune_socket(sv, fd, remote.ss_family);
	if (needs_header(sv, &remote)) {
		if (pending_add(&sv->pending, fd, n, &remote, len,
		    now_ms()) == -1) {
			log_error("PROXY header: %s", strerror(ENOMEM));
			close_without_handler(sv, fd, NULL);
		}
		return;
	}
	memset(&a, 0, sizeof(a));
	a.fd = fd;
	a.local = &sv->local[n];
	a.remote = &remote;
	a.remotelen = len;
	if (sv->opts->once)
		exec_handler(sv, &a);
	start_handler(sv, &a);
}

/* Must this peer send a PROXY header (--proxy-protocol, --proxy-from)? */
static int
needs_header(const struct server *sv, const struct sockaddr_storage *peer)
{
	if (sv->opts->proxy.versions == 0)
		return 0;
	return sv->opts->proxy_from == NULL ||
	    rules_match(sv->opts->proxy_from, peer, -1, -1) != NULL;
}

/*
 * A PROXY header came (pending.c): the client is the one it names, or,
 * for a health check or an UNKNOWN one, the balancer itself.
 */
static void
on_header(void *arg, struct pending_conn *pc, const struct proxy_result *hdr,
    const char *reason)
{
	struct server *sv = arg;
	struct arrival a;

	if (hdr == NULL) {
		header_refused(sv, pc, reason);
		return;
	}
	/* a health check that sent its header and reset */
	if (peer_gone(sv, pc->fd, &sv->local[pc->listener],
	    hdr->local ? &pc->remote : &hdr->src,
	    hdr->local ? pc->remotelen : sizeof(hdr->src)))
		return;
	memset(&a, 0, sizeof(a));
	a.fd = pc->fd;
	a.via = &pc->remote;
	a.vialen = pc->remotelen;
	a.header = hdr;
	if (hdr->local) {
		a.local = &sv->local[pc->listener];
		a.remote = &pc->remote;
		a.remotelen = pc->remotelen;
	} else {
		a.local = &hdr->dst;
		a.remote = &hdr->src;
		a.remotelen = sizeof(hdr->src);
	}
	if (sv->opts->once)
		exec_handler(sv, &a);
	start_handler(sv, &a);
}

/*
 * No valid header, or none in time: closed without a word and without a
 * handler; the log shows what the peer sent first.
 */
static void
header_refused(struct server *sv, struct pending_conn *pc, const char *reason)
{
	struct conn_info ci;
	char peer[CONN_TEXT_SIZE], first[LOG_ESCAPED_SIZE(PROXY_SHOWN)];

	sv->stats.proxy_errors++;
	describe(pc->fd, &sv->local[pc->listener], &pc->remote, pc->remotelen,
	    &ci);
	close_without_handler(sv, pc->fd, NULL);
	conn_peer_text(&ci, peer, sizeof(peer));
	log_escape(first, sizeof(first), pc->buf,
	    pc->seen < PROXY_SHOWN ? pc->seen : PROXY_SHOWN);
	log_error("proxy-error remote=%s reason=%s first=%s", peer, reason,
	    first);
	if (sv->opts->once) {
		closing_wait(&sv->closing);
		exit(0);
	}
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
accept_failed(struct server *sv, int error)
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
		back_off(sv, error, 1);
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
		back_off(sv, error, 0);
		return;
	default:
		errc(EXIT_TEMPFAIL, error, "accept");
	}
}

static void
back_off(struct server *sv, int error, int at_once)
{
	if (error != sv->accept_error) {
		sv->accept_error = error;
		sv->accept_errors = 0;
	}
	if (++sv->accept_errors < 2 && !at_once)
		return;
	if (sv->backoff_ms == 0) {
		log_error("accept (backing off): %s", strerror(error));
		sv->backoff_ms = BACKOFF_MIN_MS;
	} else if ((sv->backoff_ms *= 2) > BACKOFF_MAX_MS)
		sv->backoff_ms = BACKOFF_MAX_MS;
	sv->backoff_until = now_ms() + sv->backoff_ms;
}

static void
tune_socket(struct server *sv, int fd, int family)
{
	int one = 1;

	if (sv->opts->nodelay && family != AF_UNIX)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (sv->opts->keepalive)
		setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
}

/*
 * A listener bound to one IP address gives every client that address as
 * its local one: known once, it spares a getsockname() per client.  For
 * a wildcard listener (or a unix one, which needs none) it stays unset.
 */
static void
fixed_local_address(int fd, struct sockaddr_storage *local)
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

/* The connection's addresses and credentials, for the environment. */
static void
describe(int fd, const struct sockaddr_storage *fixed,
    const struct sockaddr_storage *remote, socklen_t remotelen,
    struct conn_info *ci)
{
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);

	if (fixed->ss_family != AF_UNSPEC)
		local = *fixed;
	else if (remote->ss_family == AF_UNIX ||
	    getsockname(fd, (struct sockaddr *)&local, &len) == -1) {
		memset(&local, 0, sizeof(local));
		local.ss_family = remote->ss_family;
	}
	conn_describe(fd, &local, len, remote, remotelen, ci);
}

/* Send a banner or refusal; a client already gone makes it fail. */
static int
send_line(int fd, const char *line)
{
	return line == NULL ||
	    send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT) >= 0;
}

/*
 * Is the client already gone, with nothing left to read (gone.c)?  Then
 * its connection is closed at once: no handler, no banner, no refusal,
 * no rate token, no per-source count; a plain close, as nobody is there
 * to read a line.  The log says so at most every GONE_LOG_MS, with the
 * count since the line before.  With --once, the bridge is done.
 */
static int
peer_gone(struct server *sv, int fd, const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote, socklen_t remotelen)
{
	struct conn_info ci;
	char peer[CONN_TEXT_SIZE];
	unsigned long n;

	if (!gone_now(fd))
		return 0;
	sv->stats.gone++;
	n = gone_note(&sv->gone_log, now_ms());
	if (n > 0 && log_verbose()) {
		describe(fd, local, remote, remotelen, &ci);
		conn_peer_text(&ci, peer, sizeof(peer));
		log_info("gone remote=%s gone=%lu", peer, n);
	}
	close(fd);
	if (sv->opts->once) {
		listeners_remove_files(sv->ls);
		exit(0);
	}
	return 1;
}

/*
 * No handler for this client: it gets line (NULL: none), then end-of-file,
 * and no reset, whatever it sent (closing.c).
 */
static void
close_without_handler(struct server *sv, int fd, const char *line)
{
	closing_start(&sv->closing, fd, line, now_ms());
}

/*
 * May the client have a handler?  Describes it, asks admission.c, and
 * sends the refused away (0); 1 when it is welcome.
 */
static int
welcome(struct server *sv, const struct arrival *a, struct client *c)
{
	struct conn_info balancer;
	char peer[CONN_TEXT_SIZE];

	describe(a->fd, a->local, a->remote, a->remotelen, &c->ci);
	c->via[0] = '\0';
	c->px.nvars = 0;
	if (a->via != NULL) {
		describe(a->fd, a->local, a->via, a->vialen, &balancer);
		conn_peer_text(&balancer, c->via, sizeof(c->via));
		proxied_vars(&balancer, a->header, &c->px);
	}
	conn_source(a->remote, &c->ci, &c->src);
	admission_decide(sv->admission, a->remote, &c->src, c->ci.uid,
	    c->ci.gid, &sv->children, now_ms(), &c->d);
	if (c->d.verdict != ADMIT) {
		refuse(sv, a->fd, &c->ci, &c->d);
		return 0;
	}
	if (c->d.rate.log && log_verbose()) {
		conn_peer_text(&c->ci, peer, sizeof(peer));
		log_info("rate-limited remote=%s refused=%lu", peer,
		    c->d.rate.refused);
	}
	return 1;
}

/*
 * Fork mode: a handler process of its own, if the client is welcome; the
 * client fd is closed here.
 */
static void
start_handler(struct server *sv, const struct arrival *a)
{
	struct client c;
	char peer[CONN_TEXT_SIZE], here[CONN_TEXT_SIZE];
	char **envp;
	pid_t pid;
	int error;

	if (!welcome(sv, a, &c))
		return;
	if (!send_line(a->fd, sv->banner)) {
		close_without_handler(sv, a->fd, NULL);
		return;
	}
	envp = handler_env(sv, &c);
	error = envp == NULL ? ENOMEM :
	    handoff_spawn(sv->handoff, a->fd, envp, &pid);
	if (error != 0) {
		sv->stats.spawn_errors++;
		log_error("%s: %s", sv->handoff->argv[0], strerror(error));
		close_without_handler(sv, a->fd, NULL);
		return;
	}
	close(a->fd);
	children_add(&sv->children, pid, now_ms(),
	    admission_tracks_sources(sv->admission) ? &c.src : NULL);
	if (!log_verbose())
		return;
	conn_peer_text(&c.ci, peer, sizeof(peer));
	conn_local_text(&c.ci, here, sizeof(here));
	log_info("start pid=%ld remote=%s%s%s local=%s handlers=%d/%d",
	    (long)pid, peer, *c.via != '\0' ? " via=" : "", c.via, here,
	    sv->children.n, sv->opts->max_connections);
}

/*
 * The handler's environment: the client's variables, TCPCONNNUM when
 * sources are tracked (s6-tcpserver's name: its source's handlers, this
 * one included), the variables of the access rule that let it in, and
 * what its balancer's PROXY header said.
 */
static char **
handler_env(struct server *sv, struct client *c)
{
	/* a rules file line of RULES_LINE_MAX holds fewer pairs than this */
	char *extra[1 + RULES_LINE_MAX / 2 + PROXIED_MAX_VARS];
	const struct rule *rule = c->d.rule;
	size_t i, n = 0;

	if (admission_tracks_sources(sv->admission)) {
		snprintf(c->connnum, sizeof(c->connnum), "TCPCONNNUM=%d",
		    c->d.same_source + 1);
		extra[n++] = c->connnum;
	}
	for (i = 0; rule != NULL && i < rule->nenv && n < nitems(extra); i++)
		extra[n++] = rule->env[i];
	for (i = 0; i < c->px.nvars && n < nitems(extra); i++)
		extra[n++] = c->px.var[i];
	return env_for_conn_with(sv->env, &c->ci, extra, n);
}

/*
 * A client that may not have a handler: denied by the rules, over its
 * source's limit or its rate.  It gets its line and end-of-file, and the
 * log says why (the rate-limited line at most every few seconds).
 */
static void
refuse(struct server *sv, int fd, const struct conn_info *ci,
    const struct decision *d)
{
	const struct admission_options *a = &sv->opts->admit;
	char peer[CONN_TEXT_SIZE];

	close_without_handler(sv, fd, d->verdict == DENIED ? sv->denial :
	    sv->refusal);
	if (d->verdict == DENIED)
		sv->stats.denied++;
	else if (d->verdict == PER_SOURCE)
		sv->stats.refused++;
	else
		sv->stats.rate_limited++;
	if (!log_verbose() || (d->verdict == RATE_LIMITED && !d->rate.log))
		return;
	conn_peer_text(ci, peer, sizeof(peer));
	if (d->verdict == DENIED)
		log_info("denied remote=%s rule=%s", peer,
		    rules_name(d->rule));
	else if (d->verdict == PER_SOURCE)
		log_info("refused remote=%s per-source=%d/%d", peer,
		    a->max_per_source, a->max_per_source);
	else
		log_info("rate-limited remote=%s refused=%lu", peer,
		    d->rate.refused);
}

/* --once: this process becomes the handler; nothing is left to clean. */
static void
exec_handler(struct server *sv, const struct arrival *a)
{
	struct client c;
	char **envp;

	listeners_remove_files(sv->ls);
	if (!welcome(sv, a, &c)) {
		closing_wait(&sv->closing);
		exit(0);
	}
	if (!send_line(a->fd, sv->banner))
		exit(0);
	if ((envp = handler_env(sv, &c)) == NULL)
		err(EXIT_TEMPFAIL, "environment");
	if (sv->opts->timeout > 0)
		watchdog_start(sv->opts->timeout);
	handoff_exec(sv->handoff, a->fd, envp);
}

static void
reap_children(struct server *sv)
{
	struct child gone;
	long long now;
	int status, before = sv->children.n;

	while (children_reap(&sv->children, &gone, &status)) {
		now = now_ms();
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			sv->stats.ended_ok++;
		else
			sv->stats.ended_failed++;
		if (WIFSIGNALED(status))
			log_info("end pid=%ld signal=%d ms=%lld",
			    (long)gone.pid, WTERMSIG(status),
			    now - gone.started);
		else
			log_info("end pid=%ld status=%d ms=%lld",
			    (long)gone.pid, WEXITSTATUS(status),
			    now - gone.started);
	}
	children_prune(&sv->children);
	if (before > 0 && sv->children.n == 0)
		sv->idle_since = now_ms();
}

/* TEXT as a line, or NULL for no TEXT. */
static char *
with_newline(const char *text)
{
	char *line;

	if (text == NULL)
		return NULL;
	if (asprintf(&line, "%s\n", text) == -1)
		err(EXIT_TEMPFAIL, "asprintf");
	return line;
}
