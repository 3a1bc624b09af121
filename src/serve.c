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
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "children.h"
#include "clock.h"
#include "compat.h"
#include "conn.h"
#include "log.h"
#include "notify.h"
#include "serve.h"
#include "watchdog.h"

#define BACKOFF_MS	100	/* out of fds or memory: wait, don't spin */

struct server {
	const struct serve_options *opts;
	struct listeners *ls;
	struct env	*env;
	struct handoff	*handoff;
	struct pollfd	 pfd[MAX_LISTENERS];
	/* a listener bound to one address: every client's local address */
	struct sockaddr_storage local[MAX_LISTENERS];
	struct children	 children;
	char		*banner;	/* TEXT\n, or NULL */
	char		*refusal;	/* TEXT\n, or NULL */
	long long	 idle_since;	/* ms, when the last handler ended */
	long long	 backoff_until;	/* ms, 0 when not backing off */
	long long	 drain_until;	/* ms; 0 while serving */
	int		 stops_seen;	/* SIGTERM/SIGINT handled so far */
	int		 cut_off;	/* drain had to signal handlers */
};

static volatile sig_atomic_t got_child, stop_requests;

static void	catch_signals(sigset_t *);
static void	on_signal(int);
static char    *with_newline(const char *);
static int	wait_plan(struct server *, long long, struct timespec *,
		    int *);
static int	clients_waiting(struct server *);
static void	handle_stop(struct server *, long long);
static void	start_drain(struct server *, long long);
static void	accept_client(struct server *, size_t);
static void	fixed_local_address(int, struct sockaddr_storage *);
static void	describe(int, const struct sockaddr_storage *,
		    const struct sockaddr_storage *, socklen_t,
		    struct conn_info *);
static void	tune_socket(struct server *, int, int);
static int	send_line(int, const char *);
static void	start_handler(struct server *, int,
		    const struct sockaddr_storage *,
		    const struct sockaddr_storage *, socklen_t);
static __dead void exec_handler(struct server *, int,
		    const struct sockaddr_storage *,
		    const struct sockaddr_storage *, socklen_t);
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
	children_init(&sv.children, opts->max_connections);
	for (i = 0; i < ls->n; i++) {
		sv.pfd[i].fd = ls->l[i].fd;
		sv.pfd[i].events = POLLIN;
		fixed_local_address(ls->l[i].fd, &sv.local[i]);
	}
	catch_signals(&waitmask);
	sv.idle_since = now_ms();
	notify_send("READY=1");
	for (;;) {
		if (got_child)
			reap_children(&sv);
		handle_stop(&sv, now_ms());
		if (sv.drain_until != 0 && sv.children.n == 0)
			break;		/* drained */
		nfds = wait_plan(&sv, now_ms(), &ts, &infinite);
		if (nfds == -1)
			break;		/* idle long enough */
		if (ppoll(sv.pfd, nfds, infinite ? NULL : &ts,
		    &waitmask) == -1) {
			if (errno == EINTR)
				continue;
			err(EXIT_TEMPFAIL, "poll");
		}
		for (i = 0; i < (size_t)nfds; i++) {
			if (sv.pfd[i].revents & POLLNVAL)
				errx(EXIT_TEMPFAIL, "fd %d: listening socket "
				    "was closed", sv.pfd[i].fd);
			if (sv.pfd[i].revents != 0)
				accept_client(&sv, i);
		}
	}
	children_free(&sv.children);
	free(sv.banner);
	free(sv.refusal);
	return sv.cut_off ? 1 : 0;
}

/*
 * What to wait for, and until when.  Returns how many listeners to watch:
 * none while every handler slot is taken (clients wait in the backlog),
 * while backing off or while draining; -1 when the bridge has been idle
 * for its idle timeout and nobody waits.  Handlers past their time are
 * signalled here, and their next deadline bounds the wait.
 */
static int
wait_plan(struct server *sv, long long now, struct timespec *ts,
    int *infinite)
{
	long long due, left = -1, idle = sv->opts->idle_timeout * 1000;
	int nfds = sv->ls->n;

	if (sv->children.n == 0 && idle > 0 && sv->drain_until == 0) {
		left = sv->idle_since + idle - now;
		if (left <= 0) {
			if (!clients_waiting(sv))
				return -1;
			left = 0;
		}
	}
	if (sv->children.n >= sv->opts->max_connections || sv->drain_until)
		nfds = 0;
	if (sv->backoff_until > now) {
		nfds = 0;
		if (left == -1 || sv->backoff_until - now < left)
			left = sv->backoff_until - now;
	}
	due = children_police(&sv->children, now, sv->opts->timeout * 1000);
	if (sv->drain_until > now && (due == -1 || sv->drain_until < due))
		due = sv->drain_until;
	if (due != -1 && (left == -1 || due - now < left))
		left = due > now ? due - now : 0;
	*infinite = left == -1;
	if (left >= 0) {
		ts->tv_sec = left / 1000;
		ts->tv_nsec = left % 1000 * 1000000;
	}
	return nfds;
}

/* A client queued on any listener right now? */
static int
clients_waiting(struct server *sv)
{
	return poll(sv->pfd, sv->ls->n, 0) > 0;
}

/*
 * SIGTERM or SIGINT: the first starts the drain, a second ends its wait;
 * when the wait is over, the handlers still running are cut off.
 */
static void
handle_stop(struct server *sv, long long now)
{
	int n, requests = stop_requests;

	if (requests != sv->stops_seen) {
		if (sv->stops_seen == 0)
			start_drain(sv, now);
		if (requests > 1)
			sv->drain_until = now;
		sv->stops_seen = requests;
	}
	if (sv->drain_until == 0 || now < sv->drain_until || sv->cut_off ||
	    sv->children.n == 0)
		return;
	n = children_terminate(&sv->children, now);
	sv->cut_off = 1;
	log_info("drain cut off handlers=%d", n);
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
	socklen_t len = sizeof(remote);
	int fd;

	memset(&remote, 0, sizeof(remote));
	fd = accept4(sv->pfd[n].fd, (struct sockaddr *)&remote, &len,
	    SOCK_CLOEXEC);
	if (fd == -1) {
		switch (errno) {
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			if (sv->backoff_until == 0)
				log_error("accept (waiting for resources): %s",
				    strerror(errno));
			sv->backoff_until = now_ms() + BACKOFF_MS;
			return;
		case EINTR:
		case EAGAIN:
		case ECONNABORTED:
		case EPROTO:
		/* network errors Linux passes on from accept(2): retry */
		case ENETDOWN:
		case ENOPROTOOPT:
		case EHOSTDOWN:
		case ENONET:
		case EHOSTUNREACH:
		case EOPNOTSUPP:
		case ENETUNREACH:
		case EPERM:		/* refused by a firewall rule */
			return;
		default:
			err(EXIT_TEMPFAIL, "accept");
		}
	}
	sv->backoff_until = 0;
	if (len <= sizeof(sa_family_t))	/* an unnamed unix peer */
		remote.ss_family = AF_UNIX;
	tune_socket(sv, fd, remote.ss_family);
	if (sv->opts->once)
		exec_handler(sv, fd, &sv->local[n], &remote, len);
	start_handler(sv, fd, &sv->local[n], &remote, len);
	close(fd);
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

/* Fork mode: a handler process of its own; the client fd is the caller's. */
static void
start_handler(struct server *sv, int fd, const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote, socklen_t remotelen)
{
	struct conn_info ci;
	struct source src;
	char peer[CONN_TEXT_SIZE], here[CONN_TEXT_SIZE];
	pid_t pid;
	int error;

	describe(fd, local, remote, remotelen, &ci);
	if (sv->opts->max_per_source > 0) {
		conn_source(remote, &ci, &src);
		if (children_from(&sv->children, &src) >=
		    sv->opts->max_per_source) {
			send_line(fd, sv->refusal);
			if (log_verbose()) {
				conn_peer_text(&ci, peer, sizeof(peer));
				log_info("refused remote=%s per-source=%d/%d",
				    peer, sv->opts->max_per_source,
				    sv->opts->max_per_source);
			}
			return;		/* the caller's close ends it */
		}
	}
	if (!send_line(fd, sv->banner))
		return;
	error = handoff_spawn(sv->handoff, fd, env_for_conn(sv->env, &ci),
	    &pid);
	if (error != 0) {
		/* the caller's close gives the client end-of-file at once */
		log_error("%s: %s", sv->handoff->argv[0], strerror(error));
		return;
	}
	children_add(&sv->children, pid, now_ms(),
	    sv->opts->max_per_source > 0 ? &src : NULL);
	if (log_verbose()) {
		conn_peer_text(&ci, peer, sizeof(peer));
		conn_local_text(&ci, here, sizeof(here));
		log_info("start pid=%ld remote=%s local=%s handlers=%d/%d",
		    (long)pid, peer, here, sv->children.n,
		    sv->opts->max_connections);
	}
}

/* --once: this process becomes the handler; nothing is left to clean. */
static void
exec_handler(struct server *sv, int fd, const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote, socklen_t remotelen)
{
	struct conn_info ci;

	describe(fd, local, remote, remotelen, &ci);
	listeners_remove_files(sv->ls);
	if (!send_line(fd, sv->banner))
		exit(0);
	if (sv->opts->timeout > 0)
		watchdog_start(sv->opts->timeout);
	handoff_exec(sv->handoff, fd, env_for_conn(sv->env, &ci));
}

static void
reap_children(struct server *sv)
{
	struct child gone;
	long long now;
	int status;

	got_child = 0;
	while (children_reap(&sv->children, &gone, &status)) {
		now = now_ms();
		if (sv->children.n == 0)
			sv->idle_since = now;
		if (WIFSIGNALED(status))
			log_info("end pid=%ld signal=%d ms=%lld",
			    (long)gone.pid, WTERMSIG(status),
			    now - gone.started);
		else
			log_info("end pid=%ld status=%d ms=%lld",
			    (long)gone.pid, WEXITSTATUS(status),
			    now - gone.started);
	}
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

/*
 * Block the signals the loop handles; waitmask is what ppoll() waits with:
 * empty, whatever mask the bridge inherited.  SIGPIPE is ignored here (a
 * log on a closed pipe must not kill the bridge); handlers get it back.
 */
static void
catch_signals(sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	if (sigprocmask(SIG_SETMASK, &block, NULL) == -1)
		err(EXIT_TEMPFAIL, "sigprocmask");
	sigemptyset(waitmask);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static void
on_signal(int sig)
{
	if (sig == SIGCHLD)
		got_child = 1;
	else
		stop_requests++;
}
