/*
 * children.c: the table of running handlers: how many there are, how many
 * came from one source, which ran too long.  A handler over its time gets
 * SIGTERM, then SIGKILL KILL_GRACE_SECONDS later, as inetd-style
 * supervisors (and systemd's TimeoutStopSec) do.
 *
 * A handler is its process group (handoff.c makes one per handler), as a
 * systemd Accept=yes service is its cgroup: what the leader started may
 * hold the client after the leader has gone.  So an entry stays in the
 * table, counting against the limits and still policed, until the leader
 * has been reaped and no process of its group is left.  Those others are
 * not our children (they go to init), so their end is seen by probing the
 * group, each time the loop wakes and at least every GROUP_CHECK_MS.
 *
 * With --lingering-close an entry also holds the bridge's copy of its
 * client's connection, and hands it to linger.c when the entry goes: the
 * whole group has ended, nothing of the handler writes any more.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "children.h"
#include "clock.h"
#include "compat.h"
#include "grace.h"
#include "log.h"

#define KILL_GRACE_MS	(KILL_GRACE_SECONDS * 1000LL)

static int	group_alive(pid_t);
static void	drop(struct children *, int);

void
children_init(struct children *ch, int max)
{
	ch->c = reallocarray(NULL, max, sizeof(*ch->c));
	if (ch->c == NULL)
		err(EXIT_TEMPFAIL, "children");
	ch->n = 0;
	ch->leaderless = 0;
	ch->timeouts = 0;
	ch->max = max;
	ch->linger = NULL;
}

void
children_free(struct children *ch)
{
	int i;

	for (i = 0; i < ch->n; i++)
		if (ch->c[i].fd != -1)
			close(ch->c[i].fd);
	free(ch->c);
	ch->c = NULL;
}

/*
 * The caller makes sure there is room: it accepts only below the limit.
 * fd is the client's connection, for the lingering close, or -1.
 */
void
children_add(struct children *ch, pid_t pid, long long now,
    const struct source *source, int fd)
{
	struct child *c;
	int i;

	/* a pid is not reused while its group lives: a stale entry is gone */
	for (i = ch->n - 1; i >= 0; i--)
		if (ch->c[i].pid == pid)
			drop(ch, i);
	if (ch->n >= ch->max)
		errx(EXIT_TEMPFAIL, "internal error: more than %d handlers",
		    ch->max);
	c = &ch->c[ch->n++];
	memset(c, 0, sizeof(*c));
	c->pid = pid;
	c->started = now;
	c->fd = fd;
	if (source != NULL)
		c->source = *source;
}

/*
 * How many running handlers serve clients from this source?  A lingering
 * connection still holds its handler's slot.
 */
int
children_from(const struct children *ch, const struct source *source)
{
	int i, n = 0;

	for (i = 0; i < ch->n; i++)
		if (memcmp(&ch->c[i].source, source, sizeof(*source)) == 0)
			n++;
	if (ch->linger != NULL)
		n += linger_from(ch->linger, source);
	return n;
}

/*
 * Collect one ended handler leader: 1 with a copy of its entry in *gone
 * and its wait status, 0 when none is left to collect.  Its entry goes
 * when its group is empty too (children_prune).  Processes that are not
 * ours (inherited across the exec that started us) are reaped quietly.
 */
int
children_reap(struct children *ch, struct child *gone, int *status)
{
	pid_t pid;
	int i;

	while ((pid = waitpid(-1, status, WNOHANG)) > 0) {
		for (i = 0; i < ch->n; i++) {
			if (ch->c[i].pid != pid || ch->c[i].leader_gone)
				continue;
			ch->c[i].leader_gone = 1;
			ch->leaderless++;
			*gone = ch->c[i];
			return 1;
		}
	}
	return 0;
}

/*
 * Reap every handler that ended, count it in st and log its end, and drop
 * the entries whose group is gone.  Returns 1 if the last one running
 * has just gone: the bridge is idle from now.
 */
int
children_ended(struct children *ch, struct stats *st)
{
	struct child gone;
	long long ms;
	int status, before = ch->n;

	while (children_reap(ch, &gone, &status)) {
		ms = now_ms() - gone.started;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			st->ended_ok++;
		else
			st->ended_failed++;
		if (WIFSIGNALED(status))
			log_info("end pid=%ld signal=%d ms=%lld",
			    (long)gone.pid, WTERMSIG(status), ms);
		else
			log_info("end pid=%ld status=%d ms=%lld",
			    (long)gone.pid, WEXITSTATUS(status), ms);
	}
	children_prune(ch);
	return before > 0 && ch->n == 0;
}

/*
 * Drop the entries whose leader has been reaped and whose group is empty.
 * Returns how many are left whose group outlives the leader.
 */
int
children_prune(struct children *ch)
{
	int i;

	for (i = ch->n - 1; i >= 0 && ch->leaderless > 0; i--)
		if (ch->c[i].leader_gone && !group_alive(ch->c[i].pid))
			drop(ch, i);
	return ch->leaderless;
}

/* Is any process left in process group pgid?  (EPERM: yes, not ours.) */
static int
group_alive(pid_t pgid)
{
	return kill(-pgid, 0) == 0 || errno == EPERM;
}

/* The group of entry i has ended: its client is let go (linger.c). */
static void
drop(struct children *ch, int i)
{
	struct child *c = &ch->c[i];

	if (c->leader_gone)
		ch->leaderless--;
	if (c->fd != -1 && ch->linger != NULL)
		linger_start(ch->linger, c->fd, &c->source, now_ms());
	else if (c->fd != -1)
		close(c->fd);
	ch->c[i] = ch->c[--ch->n];
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
			ch->timeouts++;
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
