/*
 * upstart-model: a model of upstart-socket-bridge(8) and of init(8) starting
 * a job on its "socket" event, faithful in the points a bridge under upstart
 * has to cope with.
 *
 * usage: upstart-model [-a ADDR] [-f FD] [-j JOB] [-l LOG] [-M SECONDS]
 *                      [-r READYFILE] [-s STATUSFILE] -p PORT | -u PATH
 *                      -- command [arg ...]
 *
 * What it models, and where the real thing does it (upstart as packaged by
 * Ubuntu; read in the ubports/upstart tree):
 *
 * - extra/upstart-socket-bridge.c, job_add_socket(): one SOCK_STREAM
 *   listener per "start on socket" stanza, SO_REUSEADDR, bind, listen with
 *   SOMAXCONN, then epoll_ctl(EPOLL_CTL_ADD) with EPOLLIN | EPOLLET ("we
 *   just want one notification, we don't want to get a DDoS of wake-ups
 *   while waiting for the service to start").  The bridge never accepts.
 *   A unix PATH starting with '@' is an abstract socket.
 * - epoll_watcher(): every epoll event emits a "socket" event carrying
 *   PROTO=inet PORT=<port> ADDR=<addr> (unix: PROTO=unix SOCKET_PATH=<path>)
 *   and the listening fd (EmitEventWithFile).  Connections that arrive
 *   before the bridge calls epoll_wait() again coalesce into one event.
 *   (Some versions of that switch lack a "break" after AF_INET and fall
 *   through into the inet6 and unix cases; the fixed code is modelled.)
 * - init/event_operator.c, event_operator_environment() and
 *   event_operator_fds(): the job gets the event's variables, UPSTART_EVENTS
 *   (the names of the events that started it: "socket") and UPSTART_FDS
 *   (the fd numbers, space separated); init/job_process.c,
 *   job_process_start(): UPSTART_JOB and UPSTART_INSTANCE (empty for a
 *   single-instance job).  The fd is the number the descriptor got inside
 *   init when it came over D-Bus, usually not 3, and it is inherited
 *   without close-on-exec.
 * - init/job_process.c, job_process_spawn_with_fd(): the job is forked with
 *   all signals blocked, becomes a session leader (setsid), gets default
 *   signal handlers and the original signal mask, stdin /dev/null and
 *   stdout/stderr to its log ("console log"; a file here, a pty there),
 *   then execvp().
 * - A "socket" event for a job that is already running does not start a
 *   second copy (single-instance job, goal already "start"): the event is
 *   dropped, and its copy of the fd closed.  Counted as "dropped" here.
 * - When the job exits, init marks it stopped.  Nobody looks at the socket
 *   again: clients that connected while the job ran and were not accepted
 *   wait in the backlog until a new connection makes a new edge.  (systemd
 *   and inetd re-arm level-triggered instead.)
 * - On shutdown the job is stopped the way "stop JOB" does it: SIGTERM to
 *   its process group, SIGKILL after the kill timeout (5 s by default).
 *
 * Not modelled: D-Bus, several sockets or jobs, instances, respawn, pre-start
 * and post-stop, setuid.  The model's own environment stands in for the
 * job's base environment.
 *
 * Output for tests:
 *   READYFILE   written once the listener is up: "port=N fd=N pid=N"
 *   STATUSFILE  rewritten (atomically) at every change:
 *               "state=running|stopped events=N starts=N dropped=N stops=N
 *               last_status=N pid=N"
 *   stdout      at exit: "events=N starts=N dropped=N stops=N last_status=N"
 *   stderr      one line per event and per job exit
 * last_status is the job's exit code, 128+N if killed by signal N, -1 if it
 * never exited.  Runs until SIGTERM or SIGINT, or for -M SECONDS; exits 0.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testprog.h"
#include "testsock.h"

#define KILL_TIMEOUT	5	/* upstart's default "kill timeout" */

extern char **environ;

struct model {
	const char	*addr;		/* IPv4 address for PROTO=inet */
	const char	*path;		/* unix path for PROTO=unix */
	int		 port;
	int		 fd;		/* the listener, as the job sees it */
	const char	*job;		/* UPSTART_JOB */
	const char	*log;		/* job's stdout and stderr */
	const char	*status;
	char	       **argv;		/* the job's exec line */
	char	       **env;		/* the job's environment */
	pid_t		 pid;		/* running job, or 0 */
	long		 events, starts, dropped, stops;
	int		 last_status;
};

static void	add_env(char ***, size_t *, const char *, const char *);
static char   **job_env(const struct model *);
static int	make_listener(struct model *, int);
static void	reap(struct model *);
static void	start_job(struct model *);
static void	stop_job(struct model *);
static void	usage(void);
static void	write_file(const char *, const char *);
static void	write_status(const struct model *);

static void
usage(void)
{
	fprintf(stderr, "usage: upstart-model [-a ADDR] [-f FD] [-j JOB] "
	    "[-l LOG] [-M SECONDS]\n"
	    "                     [-r READYFILE] [-s STATUSFILE] "
	    "-p PORT | -u PATH\n"
	    "                     -- command [arg ...]\n");
	exit(2);
}

/* Write a small file atomically, so a polling test never sees half of it. */
static void
write_file(const char *path, const char *text)
{
	char tmp[PATH_MAX];
	FILE *fp;

	if (path == NULL)
		return;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		errx(1, "%s: path too long", path);
	if ((fp = fopen(tmp, "we")) == NULL)
		err(1, "%s", tmp);
	fputs(text, fp);
	if (fclose(fp) == EOF)
		err(1, "%s", tmp);
	if (rename(tmp, path) == -1)
		err(1, "rename %s", tmp);
}

static void
write_status(const struct model *m)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "state=%s events=%ld starts=%ld "
	    "dropped=%ld stops=%ld last_status=%d pid=%ld\n",
	    m->pid ? "running" : "stopped", m->events, m->starts, m->dropped,
	    m->stops, m->last_status, (long)m->pid);
	write_file(m->status, buf);
}

/*
 * The listener, as job_add_socket() makes it, then moved to descriptor
 * number "want" or the lowest free one above it, without close-on-exec.
 */
static int
make_listener(struct model *m, int want)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct stat st;
	socklen_t len;
	int fd, nfd;

	if (m->path != NULL) {
		if (unix_address(m->path, &ss, &len) == -1)
			errx(1, "%s: path too long", m->path);
		if (m->path[0] != '@' && lstat(m->path, &st) == 0 &&
		    S_ISSOCK(st.st_mode))
			(void)unlink(m->path);	/* a stale socket */
	} else {
		memset(&ss, 0, sizeof(ss));
		sin->sin_family = AF_INET;
		sin->sin_port = htons(m->port);
		if (inet_aton(m->addr, &sin->sin_addr) == 0)
			errx(1, "%s: not an IPv4 address", m->addr);
		len = sizeof(*sin);
	}
	fd = listen_on((struct sockaddr *)&ss, len, SOMAXCONN,
	    m->path ? m->path : m->addr);
	if (m->path == NULL)
		m->port = local_port(fd);
	if (fd == want) {
		if (fcntl(fd, F_SETFD, 0) == -1)
			err(1, "fcntl F_SETFD");
		return fd;
	}
	if ((nfd = fcntl(fd, F_DUPFD, want)) == -1)
		err(1, "fcntl F_DUPFD %d", want);
	close(fd);
	return nfd;
}

/* Set NAME=VALUE in a malloc'd environment array, replacing NAME. */
static void
add_env(char ***envp, size_t *n, const char *name, const char *value)
{
	char *s;
	size_t i, len = strlen(name);

	if (asprintf(&s, "%s=%s", name, value) == -1)
		err(1, "asprintf");
	for (i = 0; i < *n; i++)
		if (strncmp((*envp)[i], name, len) == 0 &&
		    (*envp)[i][len] == '=') {
			free((*envp)[i]);
			(*envp)[i] = s;
			return;
		}
	if ((*envp = reallocarray(*envp, *n + 2, sizeof(char *))) == NULL)
		err(1, "reallocarray");
	(*envp)[(*n)++] = s;
	(*envp)[*n] = NULL;
}

/* The job's environment: job env + event env + UPSTART_* (all replacing). */
static char **
job_env(const struct model *m)
{
	char **env = NULL, buf[32];
	size_t i, n = 0;

	if ((env = calloc(1, sizeof(char *))) == NULL)
		err(1, "calloc");
	for (i = 0; environ[i] != NULL; i++) {
		char *eq = strchr(environ[i], '=');

		if (eq == NULL)
			continue;
		*eq = '\0';
		add_env(&env, &n, environ[i], eq + 1);
		*eq = '=';
	}
	if (m->path != NULL) {
		add_env(&env, &n, "PROTO", "unix");
		add_env(&env, &n, "SOCKET_PATH", m->path);
	} else {
		add_env(&env, &n, "PROTO", "inet");
		snprintf(buf, sizeof(buf), "%d", m->port);
		add_env(&env, &n, "PORT", buf);
		add_env(&env, &n, "ADDR", m->addr);
	}
	add_env(&env, &n, "UPSTART_EVENTS", "socket");
	snprintf(buf, sizeof(buf), "%d", m->fd);
	add_env(&env, &n, "UPSTART_FDS", buf);
	add_env(&env, &n, "UPSTART_JOB", m->job);
	add_env(&env, &n, "UPSTART_INSTANCE", "");
	return env;
}

static void
start_job(struct model *m)
{
	sigset_t all, old;
	pid_t pid;
	int fd, sig;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	fflush(NULL);
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		if (setsid() == -1)
			err(1, "setsid");
		if ((fd = open("/dev/null", O_RDONLY)) == -1)
			err(1, "/dev/null");
		if (dup2(fd, 0) == -1)
			err(1, "dup2");
		if (fd != 0)
			close(fd);
		if (m->log != NULL) {
			if ((fd = open(m->log,
			    O_WRONLY | O_APPEND | O_CREAT, 0644)) == -1)
				err(1, "%s", m->log);
		} else if ((fd = dup(2)) == -1)
			err(1, "dup");
		if (dup2(fd, 1) == -1 || dup2(fd, 2) == -1)
			err(1, "dup2");
		if (fd > 2)
			close(fd);
		for (sig = 1; sig < NSIG; sig++)	/* nih_signal_reset() */
			(void)signal(sig, SIG_DFL);
		sigemptyset(&old);
		sigprocmask(SIG_SETMASK, &old, NULL);
		environ = m->env;
		execvp(m->argv[0], m->argv);
		warn("%s", m->argv[0]);
		_exit(255);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	m->pid = pid;
	m->starts++;
}

/* Collect the job's exit: init marks it stopped, and that is all. */
static void
reap(struct model *m)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != m->pid)
			continue;
		m->pid = 0;
		m->stops++;
		if (WIFEXITED(status))
			m->last_status = WEXITSTATUS(status);
		else
			m->last_status = 128 + WTERMSIG(status);
		fprintf(stderr, "upstart-model: %s main process (%ld) "
		    "exited with status %d\n", m->job, (long)pid,
		    m->last_status);
		write_status(m);
	}
	if (pid == -1 && errno != ECHILD)
		err(1, "waitpid");
}

/* "stop JOB": SIGTERM to the process group, SIGKILL after KILL_TIMEOUT. */
static void
stop_job(struct model *m)
{
	double deadline;
	int sig = SIGTERM;

	if (m->pid == 0)
		return;
	deadline = now() + KILL_TIMEOUT;
	(void)kill(-m->pid, sig);
	while (m->pid != 0) {
		if (sig == SIGTERM && now() > deadline) {
			sig = SIGKILL;
			fprintf(stderr, "upstart-model: %s: killing (%ld)\n",
			    m->job, (long)m->pid);
			(void)kill(-m->pid, sig);
		}
		reap(m);
		if (m->pid != 0)
			usleep(10000);
	}
}

int
main(int argc, char *argv[])
{
	struct model m;
	struct epoll_event ev, evs[16];
	struct signalfd_siginfo si;
	sigset_t mask;
	const char *ready = NULL;
	char buf[256];
	double deadline = 0;
	int ch, ep, sfd, n, i, timeout, want = 9, running = 1;
	long long max = 0;

	memset(&m, 0, sizeof(m));
	m.addr = "127.0.0.1";
	m.port = -1;
	m.job = "socket-test";
	m.last_status = -1;
	while ((ch = getopt(argc, argv, "a:f:j:l:M:p:r:s:u:")) != -1) {
		switch (ch) {
		case 'a':
			m.addr = optarg;
			break;
		case 'f':
			want = number_option(ch, optarg, 3, 1000);
			break;
		case 'j':
			m.job = optarg;
			break;
		case 'l':
			m.log = optarg;
			break;
		case 'M':
			max = number_option(ch, optarg, 1, 86400);
			break;
		case 'p':
			m.port = number_option(ch, optarg, 0, 65535);
			break;
		case 'r':
			ready = optarg;
			break;
		case 's':
			m.status = optarg;
			break;
		case 'u':
			m.path = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0 || (m.port == -1) == (m.path == NULL))
		usage();
	m.argv = argv;

	/*
	 * Signals arrive through a signalfd in the same loop as the socket.
	 * A shell without job control starts us with SIGINT ignored, and an
	 * ignored signal never reaches a signalfd.
	 */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1)
		err(1, "sigprocmask");
	if ((sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		err(1, "signalfd");
	signal(SIGPIPE, SIG_IGN);

	m.fd = make_listener(&m, want);
	m.env = job_env(&m);

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		err(1, "epoll_create1");
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLET;	/* as upstart-socket-bridge does */
	ev.data.fd = m.fd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, m.fd, &ev) == -1)
		err(1, "epoll_ctl listener");
	ev.events = EPOLLIN;
	ev.data.fd = sfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) == -1)
		err(1, "epoll_ctl signalfd");

	write_status(&m);
	snprintf(buf, sizeof(buf), "port=%d fd=%d pid=%ld\n",
	    m.path ? 0 : m.port, m.fd, (long)getpid());
	write_file(ready, buf);
	fprintf(stderr, "upstart-model: listening on %s%s%d, fd %d\n",
	    m.path ? m.path : m.addr, m.path ? "" : ":",
	    m.path ? -1 : m.port, m.fd);
	if (max > 0)
		deadline = now() + max;

	while (running) {
		timeout = -1;
		if (max > 0) {
			double left = deadline - now();

			if (left <= 0)
				break;
			timeout = (int)(left * 1000) + 1;
		}
		if ((n = epoll_wait(ep, evs, 16, timeout)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "epoll_wait");
		}
		/* Child exits first: init has its own loop, and reaping
		 * first is the kinder order for the job under test. */
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd != sfd)
				continue;
			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGTERM ||
				    si.ssi_signo == SIGINT)
					running = 0;
			}
			reap(&m);
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd != m.fd)
				continue;
			m.events++;
			if (m.pid != 0) {
				m.dropped++;
				fprintf(stderr, "upstart-model: socket event "
				    "%ld: %s is already running, dropped\n",
				    m.events, m.job);
			} else {
				start_job(&m);
				fprintf(stderr, "upstart-model: socket event "
				    "%ld: %s main process (%ld)\n",
				    m.events, m.job, (long)m.pid);
			}
			write_status(&m);
		}
	}

	stop_job(&m);
	write_status(&m);
	if (m.path != NULL && m.path[0] != '@')
		(void)unlink(m.path);
	printf("events=%ld starts=%ld dropped=%ld stops=%ld last_status=%d\n",
	    m.events, m.starts, m.dropped, m.stops, m.last_status);
	for (i = 0; m.env[i] != NULL; i++)
		free(m.env[i]);
	free(m.env);
	return 0;
}
