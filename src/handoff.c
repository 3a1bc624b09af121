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
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handoff.h"

/* The signals serve.c catches or ignores in the bridge itself. */
static const int bridge_signals[] = {
	SIGCHLD, SIGTERM, SIGINT, SIGALRM, SIGPIPE
};

static __dead void become_handler(const struct handoff *, int,
		    char *const *, volatile int *);
static void	find_signals_to_reset(struct handoff *);
static void	reset_signals(const struct handoff *);
static void	find_in_path(const char *, char *, size_t);
static int	handoff_exit_code(int);

void
handoff_init(struct handoff *h, char *const *argv, int stderr_to_socket)
{
	h->argv = argv;
	h->stderr_to_socket = stderr_to_socket;
	find_in_path(argv[0], h->path, sizeof(h->path));
	find_signals_to_reset(h);
}

/*
 * Start the handler on client.  Returns 0, or an error number: the
 * handler was not found or could not be executed, or no process could be
 * made.  The client is the caller's to close either way.
 */
int
handoff_spawn(const struct handoff *h, int client, char *const *envp,
    pid_t *pid)
{
	volatile int exec_error = 0;
	pid_t child;

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

/* --once: become the handler.  Only returns by exiting 126 or 127. */
void
handoff_exec(const struct handoff *h, int client, char *const *envp)
{
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
 * on stderr, which may be the client by now, as with inetd.
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
	if (syscall(SYS_close_range, STDERR_FILENO + 1, ~0U, 0) == -1)
		closefrom(STDERR_FILENO + 1);	/* kernels before 5.9 */
	reset_signals(h);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (*h->path != '\0')
		execve(h->path, h->argv, envp);
	else
		execvpe(h->argv[0], h->argv, envp);
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
 * SIG_DFL: those the bridge handles, and those it was started with
 * ignored (exec keeps an ignored signal ignored).  glibc's sigaction()
 * will not even look at its internal signals 32 and 33, so those are
 * always reset.
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
		for (handled = 0, i = 0; i < nitems(bridge_signals); i++)
			handled |= bridge_signals[i] == sig;
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
 * The PATH search of execvp(3), done once at start-up rather than for
 * every client.  Not found now: path stays empty and each exec searches
 * again (and reports the error), as a handler may be installed later.
 */
static void
find_in_path(const char *name, char *path, size_t size)
{
	const char *dirs = getenv("PATH");
	char *copy, *rest, *dir;
	struct stat st;

	*path = '\0';
	if (strchr(name, '/') != NULL) {
		strlcpy(path, name, size);
		return;
	}
	if ((copy = strdup(dirs != NULL ? dirs : "/bin:/usr/bin")) == NULL)
		return;
	rest = copy;
	while ((dir = strsep(&rest, ":")) != NULL) {
		snprintf(path, size, "%s/%s", *dir ? dir : ".", name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(path, X_OK) == 0)
			break;
		*path = '\0';
	}
	free(copy);
}
