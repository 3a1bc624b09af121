#ifndef SOCKBRIDGE_SIGNALS_H
#define SOCKBRIDGE_SIGNALS_H

#include <signal.h>
#include <stddef.h>

/* What the signals asked for since the loop last looked (see signals.c). */
struct signal_requests {
	int	child;		/* SIGCHLD: a handler may have ended */
	int	stops;		/* SIGTERM and SIGINT, counted */
	int	reload;		/* SIGHUP: read the rules file again */
	int	stats;		/* SIGUSR1: a stats line */
};

extern const int signals_handled[];
extern const size_t signals_nhandled;
extern const int signals_ignored[];
extern const size_t signals_nignored;

void	signals_catch(sigset_t *);
void	signals_take(struct signal_requests *);
void	signals_alarm(int);

#endif
