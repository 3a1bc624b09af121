/*
 * handoff.c: hand one client to the handler.  The handler gets the client
 * on fds 0 and 1, the bridge's stderr (the log) on fd 2 unless
 * --stderr-to-socket, no other descriptor, every signal at its default
 * disposition and an empty signal mask, whatever the bridge inherited.
 *
 * posix_spawn(3) does this without copying the bridge's address space
 * (glibc uses CLONE_VFORK) and reports a handler that cannot be executed
 * as an error number, so the bridge can say why and close the client.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/syscall.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handoff.h"

static void	reset_signals(void);
static void	every_signal(sigset_t *);
static void	find_in_path(const char *, char *, size_t);

void
handoff_init(struct handoff *h, char *const *argv, int stderr_to_socket)
{
	sigset_t all, none;
	int error;

	h->argv = argv;
	h->stderr_to_socket = stderr_to_socket;
	find_in_path(argv[0], h->path, sizeof(h->path));
	every_signal(&all);
	sigemptyset(&none);
	if ((error = posix_spawnattr_init(&h->attr)) != 0 ||
	    (error = posix_spawnattr_setsigdefault(&h->attr, &all)) != 0 ||
	    (error = posix_spawnattr_setsigmask(&h->attr, &none)) != 0 ||
	    (error = posix_spawnattr_setflags(&h->attr,
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)) != 0)
		errc(EXIT_TEMPFAIL, error, "posix_spawnattr");
}

/*
 * Start the handler on client.  Returns 0, or an error number: the
 * handler was not found or could not be executed, or no process could be
 * made.  The client is the caller's to close either way.
 */
int
handoff_spawn(struct handoff *h, int client, char *const *envp, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	int error;

	if ((error = posix_spawn_file_actions_init(&fa)) != 0)
		return error;
	if ((error = posix_spawn_file_actions_adddup2(&fa, client,
	    STDIN_FILENO)) == 0 &&
	    (error = posix_spawn_file_actions_adddup2(&fa, client,
	    STDOUT_FILENO)) == 0 &&
	    (!h->stderr_to_socket ||
	    (error = posix_spawn_file_actions_adddup2(&fa, client,
	    STDERR_FILENO)) == 0) &&
	    (error = posix_spawn_file_actions_addclosefrom_np(&fa,
	    STDERR_FILENO + 1)) == 0)
		error = *h->path != '\0' ?
		    posix_spawn(pid, h->path, &fa, &h->attr, h->argv, envp) :
		    posix_spawnp(pid, h->argv[0], &fa, &h->attr, h->argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	return error;
}

/* --once: become the handler.  Only returns by exiting 126 or 127. */
void
handoff_exec(struct handoff *h, int client, char *const *envp)
{
	sigset_t none;

	if (dup2(client, STDIN_FILENO) == -1 ||
	    dup2(client, STDOUT_FILENO) == -1 ||
	    (h->stderr_to_socket && dup2(client, STDERR_FILENO) == -1))
		err(EXIT_NOEXEC, "dup2");
	closefrom(STDERR_FILENO + 1);
	reset_signals();
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execvpe(h->argv[0], h->argv, envp);
	/* stderr may be the client now: the message goes to it, as inetd */
	warn("%s", h->argv[0]);
	_exit(handoff_exit_code(errno));
}

/* 127 for a handler that is not there, 126 for one that will not run. */
int
handoff_exit_code(int error)
{
	return error == ENOENT || error == ENOTDIR ? EXIT_NOTFOUND :
	    EXIT_NOEXEC;
}

/*
 * Every signal to its default disposition, by the system call itself:
 * glibc's sigaction() refuses its two internal signals (32 and 33), and
 * one ignored there when the bridge started would stay ignored across
 * exec.  An all-zero kernel sigaction is SIG_DFL, no flags, empty mask,
 * whatever the architecture's layout of the structure.
 */
static void
reset_signals(void)
{
	unsigned long kernel_sigaction[8];
	int sig;

	memset(kernel_sigaction, 0, sizeof(kernel_sigaction));
	for (sig = 1; sig < NSIG; sig++)	/* SIGKILL, SIGSTOP refuse */
		syscall(SYS_rt_sigaction, sig, kernel_sigaction, NULL,
		    NSIG / 8);
}

/*
 * sigfillset() without glibc's exception: its posix_spawn() leaves the
 * internal signals 32 and 33 ignored in the child unless they are in the
 * POSIX_SPAWN_SETSIGDEF set, and sigaddset() refuses them, so their bits
 * are set by hand (glibc's sigset_t is an array of unsigned long).
 */
static void
every_signal(sigset_t *set)
{
	const size_t bits = 8 * sizeof(set->__val[0]);
	int sig;

	sigfillset(set);
	for (sig = 1; sig < NSIG; sig++)
		if (sigismember(set, sig) != 1)
			set->__val[(sig - 1) / bits] |= 1UL << ((sig - 1) % bits);
}

/*
 * The PATH search of execvp(3), done once at start-up rather than for
 * every client.  Not found now: path stays empty and each spawn searches
 * again (and reports the error), as a handler may be installed later.
 */
static void
find_in_path(const char *name, char *path, size_t size)
{
	const char *dirs = getenv("PATH");
	char *copy, *rest, *dir;

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
		if (access(path, X_OK) == 0)
			break;
		*path = '\0';
	}
	free(copy);
}
