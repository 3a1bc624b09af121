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

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "conn.h"
#include "serve.h"

#define BACKOFF_MS	100	/* out of fds or memory: wait, don't spin */

struct server {
	const struct serve_options *opts;
	struct listeners *ls;
	struct env	*env;
	struct handoff	*handoff;
	struct pollfd	 pfd[MAX_LISTENERS];
	pid_t		*children;	/* running handlers */
	int		 nchildren;
	long long	 idle_since;	/* ms, when the last handler ended */
	long long	 backoff_until;	/* ms, 0 when not backing off */
};

static volatile sig_atomic_t got_child, got_stop;

static void	catch_signals(sigset_t *);
static void	on_signal(int);
static long long now_ms(void);
static int	wait_timeout(struct server *, struct timespec *, int *);
static void	accept_client(struct server *, int);
static void	describe(int, const struct sockaddr_storage *,
		    struct conn_info *);
static void	start_handler(struct server *, int,
		    const struct sockaddr_storage *);
static __dead void exec_handler(struct server *, int,
		    const struct sockaddr_storage *);
static void	reap_children(struct server *);
static int	clients_waiting(struct server *);

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
	sv.children = reallocarray(NULL, opts->max_connections,
	    sizeof(*sv.children));
	if (sv.children == NULL)
		err(EXIT_TEMPFAIL, "children");
	for (i = 0; i < ls->n; i++) {
		sv.pfd[i].fd = ls->l[i].fd;
		sv.pfd[i].events = POLLIN;
	}
	catch_signals(&waitmask);
	sv.idle_since = now_ms();
	for (;;) {
		if (got_child)
			reap_children(&sv);
		if (got_stop)
			break;
		nfds = wait_timeout(&sv, &ts, &infinite);
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
				accept_client(&sv, sv.pfd[i].fd);
		}
	}
	free(sv.children);
	return 0;
}

/*
 * How many listeners to watch and for how long.  None while every handler
 * slot is taken (clients wait in the backlog) or while backing off; -1
 * when the bridge has been idle for its idle timeout and nobody waits.
 */
static int
wait_timeout(struct server *sv, struct timespec *ts, int *infinite)
{
	long long now, left = -1, idle = sv->opts->idle_timeout * 1000;
	int nfds = sv->ls->n;

	now = now_ms();
	if (sv->nchildren == 0 && idle > 0) {
		left = sv->idle_since + idle - now;
		if (left <= 0) {
			if (!clients_waiting(sv))
				return -1;
			left = 0;
		}
	}
	if (sv->nchildren >= sv->opts->max_connections && !sv->opts->once)
		nfds = 0;
	if (sv->backoff_until > now) {
		nfds = 0;
		if (left == -1 || sv->backoff_until - now < left)
			left = sv->backoff_until - now;
	}
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
 * Accept one client, if one is still there, and start its handler (with
 * --once, become it).  The accepted socket is blocking whatever the
 * listener's flags: Linux does not pass O_NONBLOCK on to it.
 */
static void
accept_client(struct server *sv, int lfd)
{
	struct sockaddr_storage remote;
	socklen_t len = sizeof(remote);
	int fd;

	fd = accept4(lfd, (struct sockaddr *)&remote, &len, SOCK_CLOEXEC);
	if (fd == -1) {
		switch (errno) {
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			if (sv->backoff_until == 0)
				warn("accept (waiting for resources)");
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
	if (len == 0)		/* an unnamed unix peer */
		remote.ss_family = AF_UNIX;
	if (sv->opts->once)
		exec_handler(sv, fd, &remote);
	start_handler(sv, fd, &remote);
	close(fd);
}

/* The connection's addresses and credentials, for the environment. */
static void
describe(int fd, const struct sockaddr_storage *remote, struct conn_info *ci)
{
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);

	if (getsockname(fd, (struct sockaddr *)&local, &len) == -1)
		local.ss_family = remote->ss_family;
	conn_describe(fd, &local, remote, ci);
}

/* Fork mode: a handler process of its own; the client fd is the caller's. */
static void
start_handler(struct server *sv, int fd, const struct sockaddr_storage *remote)
{
	struct conn_info ci;
	pid_t pid;
	int error;

	describe(fd, remote, &ci);
	error = handoff_spawn(sv->handoff, fd, env_for_conn(sv->env, &ci),
	    &pid);
	if (error != 0) {
		/* the caller's close gives the client end-of-file at once */
		warnc(error, "%s", sv->handoff->argv[0]);
		return;
	}
	sv->children[sv->nchildren++] = pid;
}

/* --once: this process becomes the handler; nothing is left to clean. */
static void
exec_handler(struct server *sv, int fd, const struct sockaddr_storage *remote)
{
	struct conn_info ci;

	describe(fd, remote, &ci);
	listeners_remove_files(sv->ls);
	handoff_exec(sv->handoff, fd, env_for_conn(sv->env, &ci));
}

static void
reap_children(struct server *sv)
{
	pid_t pid;
	int i, status;

	got_child = 0;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < sv->nchildren; i++)
			if (sv->children[i] == pid)
				break;
		if (i == sv->nchildren)
			continue;	/* inherited from our parent's exec */
		sv->children[i] = sv->children[--sv->nchildren];
		if (sv->nchildren == 0)
			sv->idle_since = now_ms();
	}
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
		got_stop = 1;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
