/*
 * watchdog.c: --timeout with --once.  The bridge execs the handler in
 * place, so no supervisor is left to time it.  Just before the exec, the
 * bridge forks a watchdog: it holds no descriptor (the client sees
 * end-of-file as soon as the handler dies), dies with its parent through
 * PR_SET_PDEATHSIG, and otherwise sends the handler SIGTERM after the
 * timeout, then SIGKILL after the grace, as the serving loop would.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/prctl.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "grace.h"
#include "log.h"
#include "watchdog.h"

static void	sleep_seconds(long long);

void
watchdog_start(long long seconds)
{
	pid_t handler = getpid(), pid, target;

	if ((pid = fork()) == -1)
		err(EXIT_TEMPFAIL, "fork watchdog");
	if (pid > 0)
		return;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != handler)
		_exit(0);
	/* stderr stays: it is the log, and the handler's (not the client) */
	closefrom(STDERR_FILENO + 1);
	close(STDIN_FILENO);
	close(STDOUT_FILENO);
	sleep_seconds(seconds);
	/*
	 * The handler's whole group when it leads one (upstart and systemd
	 * start services with setsid), so that its children let go of the
	 * client too; else the handler alone, not the activator's group.
	 */
	target = getpgid(handler) == handler ? -handler : handler;
	log_error("timeout pid=%ld seconds=%lld", (long)handler, seconds);
	kill(target, SIGTERM);
	sleep_seconds(KILL_GRACE_SECONDS);
	kill(target, SIGKILL);
	_exit(0);
}

static void
sleep_seconds(long long seconds)
{
	struct timespec ts = { .tv_sec = seconds, .tv_nsec = 0 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}
