/*
 * handoff.c: hand one client to the handler.  The handler gets the client
 * on fds 0 and 1, the bridge's stderr (the log) on fd 2 unless
 * --stderr-to-socket, no other descriptor, every signal at its default
 * disposition and an empty signal mask, whatever the bridge inherited.
 *
 * One routine does it, become_handler(): in a vfork(2) child for each
 * client, or in the bridge itself with --once.  vfork rather than
 * posix_spawn(3): glibc's posix_spawn makes some 70 system calls in the
 * child (a sigaction for every signal, whether or not it needs one),
 * while the dispositions to reset are known at start-up: the few the
 * bridge sets and those it inherited as ignored.  The parent waits
 * (suspended) until the exec, and the child reports an exec that failed
 * through the memory they share, so the bridge can say why.
 *
 * Sharing the bridge's memory, the child may make system calls and
 * nothing else (no malloc, no stdio, no directory walk), so whatever needs
 * more is prepared in the bridge: the handler's path, found in PATH before
 * the vfork; the argv that runs it with /bin/sh if it is a script without
 * "#!"; and every descriptor the bridge did not open itself marked
 * close-on-exec at start-up, as all those it opens are, so that the
 * child's close_range(2) is a second line, not the only one.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <paths.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handoff.h"
#include "signals.h"

#ifndef SYS_close_range
#define SYS_close_range		436	/* the same on every architecture */
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC	(1U << 2)
#endif

/* execvp(3)'s search path when PATH is not set (glibc's _CS_PATH). */
#define DEFAULT_PATH	"/bin:/usr/bin"

static __dead void become_handler(const struct handoff *, int,
		    char *const *, volatile int *);
static void	find_signals_to_reset(struct handoff *);
static void	reset_signals(const struct handoff *);
static int	find_handler(struct handoff *);
static char   **script_argv(char *const *, char *);
static void	cloexec_from(int);
static int	cloexec_listed(int);
static void	set_cloexec(int);
static int	handoff_exit_code(int);

/*
 * Once, at start-up.  Also marks every descriptor above 2 close-on-exec:
 * the bridge's own are already, and nothing it inherited is for a handler.
 * nofile: the open-files limit handlers get (ours was raised), or NULL.
 */
void
handoff_init(struct handoff *h, char *const *argv, int stderr_to_socket,
    const struct rlimit *nofile)
{
	h->argv = argv;
	h->stderr_to_socket = stderr_to_socket;
	h->nofile_set = nofile != NULL;
	if (nofile != NULL)
		h->nofile = *nofile;
	/* not found now: searched for again for each client, until it is */
	find_handler(h);
	h->script_argv = script_argv(argv, h->path);
	find_signals_to_reset(h);
	cloexec_from(STDERR_FILENO + 1);
}

void
handoff_free(struct handoff *h)
{
	free(h->script_argv);
	h->script_argv = NULL;
}

/*
 * Start the handler on client.  Returns 0, or an error number: the
 * handler was not found or could not be executed, or no process could be
 * made.  The client is the caller's to close either way.
 */
int
handoff_spawn(struct handoff *h, int client, char *const *envp, pid_t *pid)
{
	volatile int exec_error = 0;
	pid_t child;
	int error;

	if (*h->path == '\0' && (error = find_handler(h)) != 0)
		return error;
	if ((child = vfork()) == -1)
		return errno;
	if (child == 0)
		become_handler(h, client, envp, &exec_error);
	/* the child has exec'd or exited by now */
	if (exec_error != 0) {
		waitpid(child, NULL, 0);
		return exec_error;
	}
	*pid = child;
	return 0;
}

/*
 * --once: become the handler.  Only returns by exiting 126 or 127, having
 * said why on stderr.
 */
void
handoff_exec(struct handoff *h, int client, char *const *envp)
{
	int error;

	if (*h->path == '\0' && (error = find_handler(h)) != 0) {
		warnc(error, "%s", h->argv[0]);
		_exit(handoff_exit_code(error));
	}
	become_handler(h, client, envp, NULL);
}

/* 127 for a handler that is not there, 126 for one that will not run. */
static int
handoff_exit_code(int error)
{
	return error == ENOENT || error == ENOTDIR ? EXIT_NOTFOUND :
	    EXIT_NOEXEC;
}

/*
 * Set up fds and signals and exec the handler.  In a vfork child this may
 * only make system calls: exec_error is where it reports a failure to
 * the waiting parent.  With --once (exec_error NULL) it says why itself:
 * on stderr, which may be the client by now, as with inetd.  A handler
 * the kernel cannot execute (ENOEXEC: a script without "#!") is run with
 * /bin/sh, as execvp(3) does.
 */
static void
become_handler(const struct handoff *h, int client, char *const *envp,
    volatile int *exec_error)
{
	sigset_t none;
	int error;

	/*
	 * Each handler leads a process group of its own, so that a timeout
	 * or a drain reaches whatever it started (a shell's children hold
	 * the client too).  With --once the bridge's group is the
	 * activator's business.
	 */
	if (exec_error != NULL)
		setpgid(0, 0);
	if (dup2(client, STDIN_FILENO) == -1 ||
	    dup2(client, STDOUT_FILENO) == -1 ||
	    (h->stderr_to_socket && dup2(client, STDERR_FILENO) == -1))
		goto fail;
	/*
	 * No fallback where it fails (before Linux 5.9, or a sandbox that
	 * denies it): cloexec_from() made sure the exec closes the rest.
	 */
	(void)syscall(SYS_close_range, STDERR_FILENO + 1, ~0U, 0);
	/* the limit the bridge was given: ours is raised for its own sake */
	if (h->nofile_set)
		(void)setrlimit(RLIMIT_NOFILE, &h->nofile);
	reset_signals(h);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(h->path, h->argv, envp);
	if (errno == ENOEXEC)
		execve(_PATH_BSHELL, h->script_argv, envp);
fail:
	error = errno;
	if (exec_error != NULL)
		*exec_error = error;
	else
		warnc(error, "%s", h->argv[0]);
	_exit(handoff_exit_code(error));
}

/*
 * The signals a handler would otherwise inherit in a state other than
 * SIG_DFL: those the bridge handles or ignores (signals.c), and those it
 * was started with ignored (exec keeps an ignored signal ignored).  glibc's
 * sigaction() will not even look at its internal signals 32 and 33, so
 * those are always reset.
 */
static void
find_signals_to_reset(struct handoff *h)
{
	struct sigaction sa;
	size_t i;
	int sig, handled;

	h->nreset = 0;
	for (sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		for (handled = 0, i = 0; i < signals_nhandled; i++)
			handled |= signals_handled[i] == sig;
		for (i = 0; i < signals_nignored; i++)
			handled |= signals_ignored[i] == sig;
		if (handled || sigaction(sig, NULL, &sa) == -1 ||
		    sa.sa_handler != SIG_DFL)
			h->reset[h->nreset++] = sig;
	}
}

/*
 * Back to SIG_DFL by the system call itself, which glibc's sigaction()
 * refuses for its internal signals.  An all-zero kernel sigaction is
 * SIG_DFL, no flags, empty mask, whatever the architecture's layout.
 */
static void
reset_signals(const struct handoff *h)
{
	unsigned long kernel_sigaction[8];
	int i;

	memset(kernel_sigaction, 0, sizeof(kernel_sigaction));
	for (i = 0; i < h->nreset; i++)
		syscall(SYS_rt_sigaction, h->reset[i], kernel_sigaction, NULL,
		    NSIG / 8);
}

/*
 * The PATH search of execvp(3), in the bridge: once at start-up and, while
 * the handler is not found, again before each client's vfork.  Returns 0
 * with the path in h->path, or what execvp would say: EACCES if only files
 * that may not be executed were found, else ENOENT.
 */
static int
find_handler(struct handoff *h)
{
	const char *name = h->argv[0], *dir;
	char path[sizeof(h->path)];
	struct stat st;
	size_t len;
	int n, error = ENOENT;

	if (strchr(name, '/') != NULL) {
		if (strlcpy(h->path, name, sizeof(h->path)) >= sizeof(h->path))
			return ENAMETOOLONG;
		return 0;
	}
	if (*name == '\0')
		return ENOENT;
	if ((dir = getenv("PATH")) == NULL)
		dir = DEFAULT_PATH;
	for (;; dir += len + 1) {
		/* an empty element is the current directory */
		len = strcspn(dir, ":");
		n = snprintf(path, sizeof(path), "%.*s/%s",
		    len > 0 ? (int)len : 1, len > 0 ? dir : ".", name);
		if (n > 0 && (size_t)n < sizeof(path)) {
			if (stat(path, &st) == 0) {
				if (S_ISREG(st.st_mode) &&
				    access(path, X_OK) == 0) {
					memcpy(h->path, path, n + 1);
					return 0;
				}
				error = EACCES;
			} else if (errno == EACCES)
				error = EACCES;
		}
		if (dir[len] == '\0')
			return error;
	}
}

/*
 * The argv that runs the handler as a shell script, as execvp(3) does on
 * ENOEXEC: /bin/sh, the handler's path, its arguments.  path is the
 * buffer find_handler() fills, so a handler found later is run as well.
 */
static char **
script_argv(char *const *argv, char *path)
{
	char **sh;
	size_t n;

	for (n = 0; argv[n] != NULL; n++)
		;
	if ((sh = reallocarray(NULL, n + 2, sizeof(*sh))) == NULL)
		err(EXIT_TEMPFAIL, "handler arguments");
	sh[0] = _PATH_BSHELL;
	sh[1] = path;
	/* argv[1] to argv[n], the NULL */
	memcpy(sh + 2, argv + 1, n * sizeof(*sh));
	return sh;
}

/*
 * Mark every descriptor from lowfd up close-on-exec.  One system call
 * since Linux 5.11; before that, or where a sandbox denies it, each
 * descriptor listed in /proc/self/fd; if that cannot be listed, every
 * number below the descriptor limit.
 */
static void
cloexec_from(int lowfd)
{
	long max;
	int fd;

	if (syscall(SYS_close_range, lowfd, ~0U, CLOSE_RANGE_CLOEXEC) == 0 ||
	    cloexec_listed(lowfd) == 0)
		return;
	/* never -1 on Linux, where the limit is at most fs.nr_open */
	if ((max = sysconf(_SC_OPEN_MAX)) == -1)
		max = 1 << 20;
	for (fd = lowfd; fd < max && fd < INT_MAX; fd++)
		set_cloexec(fd);
}

/* Those of /proc/self/fd from lowfd up; -1 if it cannot be listed. */
static int
cloexec_listed(int lowfd)
{
	struct dirent *e;
	const char *errstr;
	DIR *d;
	int fd, error;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	for (;;) {
		errno = 0;
		if ((e = readdir(d)) == NULL)
			break;
		fd = strtonum(e->d_name, lowfd, INT_MAX, &errstr);
		if (errstr == NULL && fd != dirfd(d))
			set_cloexec(fd);
	}
	error = errno;
	closedir(d);
	return error == 0 ? 0 : -1;
}

static void
set_cloexec(int fd)
{
	int flags;

	if ((flags = fcntl(fd, F_GETFD)) != -1 && !(flags & FD_CLOEXEC) &&
	    fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == -1)
		err(EXIT_TEMPFAIL, "fd %d", fd);
}
