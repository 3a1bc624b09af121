/*
 * turnaway.c: the ways a client gets no handler, one row each: whether
 * and where it is counted, its log line, the line's level (an info line
 * is not written with --quiet), the line the client is sent, and whether
 * its connection leaves through closing.c (the line, end-of-file, no
 * reset) or is closed at once (nobody is there).  turn_away() is the one
 * place that acts on a row, for every client that gets no handler.  With
 * --once it is the bridge's end too, the same for every reason.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>

#include "clock.h"
#include "compat.h"
#include "log.h"
#include "turnaway.h"

static void	refused_text(const struct turnaway_facts *, char *, size_t);
static void	denied_text(const struct turnaway_facts *, char *, size_t);
static void	rate_text(const struct turnaway_facts *, char *, size_t);
static void	proxy_text(const struct turnaway_facts *, char *, size_t);
static void	spawn_text(const struct turnaway_facts *, char *, size_t);
static void	no_memory_text(const struct turnaway_facts *, char *, size_t);
static void	gone_text(const struct turnaway_facts *, char *, size_t);
static void	stopping_text(const struct turnaway_facts *, char *, size_t);
static void	log_turnaway(int, const struct origin *,
		    const struct conn_info *, enum turnaway_reason,
		    struct turnaway_facts *);
static void	let_go(const struct exits *, int, const struct turnaway *);
static __dead void end_once(const struct exits *, int,
		    const struct turnaway *);

#define COUNTER(name)	offsetof(struct stats, name)

const struct turnaway turnaways[TURN_REASONS] = {
	[TURN_REFUSED] = { COUNTER(refused), LOG_INFO, 1, LINE_REFUSAL, 0,
	    refused_text },
	[TURN_DENIED] = { COUNTER(denied), LOG_INFO, 1, LINE_DENIAL, 0,
	    denied_text },
	[TURN_RATE_LIMITED] = { COUNTER(rate_limited), LOG_INFO, 1,
	    LINE_REFUSAL, 0, rate_text },
	/* closed without a word: the balancer is no client to talk to */
	[TURN_PROXY_ERROR] = { COUNTER(proxy_errors), LOG_ERR, 1, LINE_NONE,
	    0, proxy_text },
	[TURN_SPAWN_ERROR] = { COUNTER(spawn_errors), LOG_ERR, 0, LINE_NONE,
	    0, spawn_text },
	/* the client is gone or not reading: nothing to count or say */
	[TURN_BANNER_FAILED] = { NOT_COUNTED, LOG_INFO, 0, LINE_NONE, 0,
	    NULL },
	[TURN_NO_MEMORY] = { NOT_COUNTED, LOG_ERR, 0, LINE_NONE, 0,
	    no_memory_text },
	/* no line, no waiting: a plain close, as nobody is there to read */
	[TURN_GONE] = { COUNTER(gone), LOG_INFO, 1, LINE_NONE, 1, gone_text },
	/* queued on a listener of ours past the drain's cut-off */
	[TURN_STOPPING] = { COUNTER(refused), LOG_INFO, 1, LINE_REFUSAL, 0,
	    stopping_text },
};

/*
 * No handler for the client on fd, for reason r: its row says how it is
 * counted, logged (f: what the line tells; the peer is described from o
 * when the line names it, unless ci has it already) and let go.
 */
void
turn_away(const struct exits *x, int fd, const struct origin *o,
    const struct conn_info *ci, enum turnaway_reason r,
    struct turnaway_facts *f)
{
	turnaway_count(r, x->stats);
	if (turnaway_logged(r, f, log_verbose()))
		log_turnaway(fd, o, ci, r, f);
	if (x->once)
		end_once(x, fd, &turnaways[r]);
	let_go(x, fd, &turnaways[r]);
}

/* The reason for an admission.c verdict other than ADMIT. */
enum turnaway_reason
turnaway_of(enum verdict v)
{
	static const enum turnaway_reason of[] = {
		[DENIED] = TURN_DENIED,
		[PER_SOURCE] = TURN_REFUSED,
		[RATE_LIMITED] = TURN_RATE_LIMITED,
	};

	return of[v];
}

void
turnaway_count(enum turnaway_reason r, struct stats *st)
{
	if (turnaways[r].counter != NOT_COUNTED)
		(*(unsigned long long *)((char *)st + turnaways[r].counter))++;
}

/* Is a line logged for this client, verbose being log_verbose()? */
int
turnaway_logged(enum turnaway_reason r, const struct turnaway_facts *f,
    int verbose)
{
	return turnaways[r].text != NULL && !f->throttled &&
	    (verbose || turnaways[r].level != LOG_INFO);
}

void
turnaway_text(enum turnaway_reason r, const struct turnaway_facts *f,
    char *buf, size_t size)
{
	*buf = '\0';
	if (turnaways[r].text != NULL)
		turnaways[r].text(f, buf, size);
}

static void
refused_text(const struct turnaway_facts *f, char *buf, size_t size)
{
	snprintf(buf, size, "refused remote=%s per-source=%d/%d", f->peer,
	    f->max_per_source, f->max_per_source);
}

static void
denied_text(const struct turnaway_facts *f, char *buf, size_t size)
{
	snprintf(buf, size, "denied remote=%s rule=%s", f->peer, f->rule);
}

/* Also the line of an admitted client that ends a run of refusals. */
static void
rate_text(const struct turnaway_facts *f, char *buf, size_t size)
{
	snprintf(buf, size, "rate-limited remote=%s refused=%lu", f->peer,
	    f->count);
}

static void
proxy_text(const struct turnaway_facts *f, char *buf, size_t size)
{
	snprintf(buf, size, "proxy-error remote=%s reason=%s first=%s",
	    f->peer, f->why, f->first);
}

static void
spawn_text(const struct turnaway_facts *f, char *buf, size_t size)
{
	snprintf(buf, size, "%s: %s", f->why, strerror(f->error));
}

static void
no_memory_text(const struct turnaway_facts *f, char *buf, size_t size)
{
	(void)f;
	snprintf(buf, size, "PROXY header: %s", strerror(ENOMEM));
}

/* Throttled by gone.c: count is how many since the line before. */
static void
gone_text(const struct turnaway_facts *f, char *buf, size_t size)
{
	snprintf(buf, size, "gone remote=%s gone=%lu", f->peer, f->count);
}

static void
stopping_text(const struct turnaway_facts *f, char *buf, size_t size)
{
	snprintf(buf, size, "refused remote=%s stopping", f->peer);
}

static void
log_turnaway(int fd, const struct origin *o, const struct conn_info *ci,
    enum turnaway_reason r, struct turnaway_facts *f)
{
	struct conn_info own;
	char peer[CONN_TEXT_SIZE], text[1024];

	if (turnaways[r].names_peer) {
		if (ci == NULL) {
			describe_conn(fd, o, &own);
			ci = &own;
		}
		conn_peer_text(ci, peer, sizeof(peer));
		f->peer = peer;
	}
	turnaway_text(r, f, text, sizeof(text));
	if (turnaways[r].level == LOG_ERR)
		log_error("%s", text);
	else
		log_info("%s", text);
}

/*
 * A client is let go: closed at once if nobody is there, else its line
 * (if any), then end-of-file, and no reset whatever it sent (closing.c).
 */
static void
let_go(const struct exits *x, int fd, const struct turnaway *t)
{
	if (t->at_once)
		close(fd);
	else
		closing_start(x->closing, fd, x->line[t->line], now_ms());
}

/*
 * --once, and the one client was turned away: the bridge's own socket
 * files go first (whoever was told may look), the client is let go and
 * every closing connection finishes, then the bridge exits 0.
 */
static __dead void
end_once(const struct exits *x, int fd, const struct turnaway *t)
{
	listeners_remove_files(x->ls);
	let_go(x, fd, t);
	closing_wait(x->closing);
	exit(0);
}
