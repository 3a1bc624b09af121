/*
 * children.c: the table of running handlers: how many there are, how many
 * came from one source, which ran too long.  A handler over its time gets
 * SIGTERM, then SIGKILL KILL_GRACE_SECONDS later, as inetd-style
 * supervisors (and systemd's TimeoutStopSec) do.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <err.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "children.h"
#include "compat.h"
#include "log.h"
#include "serve.h"

#define KILL_GRACE_MS	(KILL_GRACE_SECONDS * 1000LL)

void
children_init(struct children *ch, int max)
{
	ch->c = reallocarray(NULL, max, sizeof(*ch->c));
	if (ch->c == NULL)
		err(EXIT_TEMPFAIL, "children");
	ch->n = 0;
	ch->max = max;
}

void
children_free(struct children *ch)
{
	free(ch->c);
	ch->c = NULL;
}

void
children_add(struct children *ch, pid_t pid, long long now,
    const struct source *source)
{
	struct child *c = &ch->c[ch->n++];

	memset(c, 0, sizeof(*c));
	c->pid = pid;
	c->started = now;
	if (source != NULL)
		c->source = *source;
}

/* How many running handlers serve clients from this source? */
int
children_from(const struct children *ch, const struct source *source)
{
	int i, n = 0;

	for (i = 0; i < ch->n; i++)
		if (memcmp(&ch->c[i].source, source, sizeof(*source)) == 0)
			n++;
	return n;
}

/*
 * Collect one ended handler: 1 with a copy of its entry in *gone and its
 * wait status, 0 when none is left to collect.  Processes that are not
 * ours (inherited across the exec that started us) are reaped quietly.
 */
int
children_reap(struct children *ch, struct child *gone, int *status)
{
	pid_t pid;
	int i;

	while ((pid = waitpid(-1, status, WNOHANG)) > 0) {
		for (i = 0; i < ch->n; i++) {
			if (ch->c[i].pid != pid)
				continue;
			*gone = ch->c[i];
			ch->c[i] = ch->c[--ch->n];
			return 1;
		}
	}
	return 0;
}

/*
 * SIGTERM first, SIGKILL after the grace, to the handler's whole process
 * group (handoff.c makes one per handler): a child it left behind would
 * keep the client's connection open.
 */
static void
escalate(struct child *c, long long now)
{
	if (c->term_at == 0) {
		kill(-c->pid, SIGTERM);
		c->term_at = now;
	} else if (!c->killed && now >= c->term_at + KILL_GRACE_MS) {
		kill(-c->pid, SIGKILL);
		c->killed = 1;
	}
}

/*
 * Signal the handlers that ran past timeout_ms (0: no limit) or past their
 * grace after SIGTERM.  Returns when the next one is due (ms), or -1.
 */
long long
children_police(struct children *ch, long long now, long long timeout_ms)
{
	long long due, next = -1;
	struct child *c;
	int i;

	for (i = 0; i < ch->n; i++) {
		c = &ch->c[i];
		if (c->term_at == 0 && timeout_ms > 0 &&
		    now >= c->started + timeout_ms) {
			log_error("timeout pid=%ld seconds=%lld", (long)c->pid,
			    timeout_ms / 1000);
			escalate(c, now);
		} else if (c->term_at != 0)
			escalate(c, now);
		if (c->killed)
			continue;
		due = c->term_at != 0 ? c->term_at + KILL_GRACE_MS :
		    timeout_ms > 0 ? c->started + timeout_ms : -1;
		if (due != -1 && (next == -1 || due < next))
			next = due;
	}
	return next;
}

/* Drain cut-off: SIGTERM to every handler not yet told.  Returns how many. */
int
children_terminate(struct children *ch, long long now)
{
	int i, n = 0;

	for (i = 0; i < ch->n; i++)
		if (ch->c[i].term_at == 0) {
			escalate(&ch->c[i], now);
			n++;
		}
	return n;
}
