/*
 * signals.c: the signals the bridge handles and those it ignores, written
 * once: serve.c catches them, handoff.c gives a handler all of them back
 * at SIG_DFL.
 *
 * Every handled signal is blocked except inside ppoll() (the wait mask),
 * so a signal can only interrupt the wait, never the code around it.  The
 * one exception is SIGALRM around a guarded accept (accept.c).  The
 * handler only notes the request; the loop acts on it.
 */
#include "config.h"

#include <err.h>
#include <signal.h>
#include <string.h>

#include "compat.h"
#include "signals.h"

/* Caught: each ends the wait.  SIGALRM ends a guarded accept(). */
const int signals_handled[] = {
	SIGCHLD, SIGTERM, SIGINT, SIGALRM, SIGHUP, SIGUSR1
};
const size_t signals_nhandled = nitems(signals_handled);

/* Ignored: a log on a closed pipe must not kill the bridge. */
const int signals_ignored[] = { SIGPIPE };
const size_t signals_nignored = nitems(signals_ignored);

static volatile sig_atomic_t got_child, stop_requests, got_hup, got_usr1;
static sigset_t alarm_signal;

static void	on_signal(int);

/*
 * Block the handled signals; waitmask is what ppoll() waits with: empty,
 * whatever mask the bridge inherited.  No SA_RESTART: SIGALRM must end
 * a blocking accept().
 */
void
signals_catch(sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t block;
	size_t i;

	sigemptyset(&block);
	for (i = 0; i < signals_nhandled; i++)
		sigaddset(&block, signals_handled[i]);
	sigemptyset(&alarm_signal);
	sigaddset(&alarm_signal, SIGALRM);
	if (sigprocmask(SIG_SETMASK, &block, NULL) == -1)
		err(EXIT_TEMPFAIL, "sigprocmask");
	sigemptyset(waitmask);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < signals_nhandled; i++)
		sigaction(signals_handled[i], &sa, NULL);
	sa.sa_handler = SIG_IGN;
	for (i = 0; i < signals_nignored; i++)
		sigaction(signals_ignored[i], &sa, NULL);
}

/*
 * What came since the last look: the one-shot requests are taken (reset),
 * the stop count is not (a second stop means more than the first).
 */
void
signals_take(struct signal_requests *r)
{
	r->child = got_child;
	got_child = 0;
	r->stops = stop_requests;
	r->reload = got_hup;
	got_hup = 0;
	r->stats = got_usr1;
	got_usr1 = 0;
}

/* SIGALRM unblocked (on: 1) or blocked again, around a guarded accept. */
void
signals_alarm(int on)
{
	sigprocmask(on ? SIG_UNBLOCK : SIG_BLOCK, &alarm_signal, NULL);
}

static void
on_signal(int sig)
{
	if (sig == SIGCHLD)
		got_child = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGUSR1)
		got_usr1 = 1;
	else if (sig != SIGALRM)
		stop_requests++;
}
