/*
 * ratelimit.c: connection rates: the token bucket that --max-accept-rate
 * paces accept() with, and the per-source table of them behind
 * --rate-per-source.
 *
 * A source (struct source: an IPv4 address, an IPv6 /64, a unix uid) may
 * start N connections per SECONDS, in bursts of up to N.  One that keeps
 * within that is never refused.  One that goes over it is refused, and
 * each refused attempt costs it a token too, its debt bounded by a full
 * bucket: while it keeps coming faster than the rate it stays refused;
 * once it slows below the rate it is served again, at its first attempt
 * SECONDS/N or more after its last refused one.  Other sources are not
 * affected.
 *
 * The table has a fixed size for each of IPv4, IPv6 and unix, so a flood
 * of IPv6 sources cannot push IPv4 sources out.  A source lands in one of
 * RATELIMIT_WINDOW slots after its SipHash under a key drawn at start, so
 * clients cannot aim at one window.  A new source takes an empty slot, or
 * else one whose entry carries no state (a full bucket, nothing left to
 * log), or else the least recently seen entry of a source that is not
 * over its rate, or else the least recently seen entry of all: that
 * source is forgotten, counted as an eviction, and starts again with a
 * full bucket.  The table never refuses a source for lack of room.
 *
 * Why the sources over their rate go last: a flood of new sources, each
 * within its rate, would otherwise wash a source that keeps coming too
 * fast out of the table whenever it came less often than the table's
 * lifetime (4096 entries at 300 new sources a second: 14 s), and it came
 * back with a full bucket.  Now only sources over their rate themselves,
 * filling its whole window and seen more recently, can push it out.  Not
 * before its first refusal, though: a source that only spent its bucket
 * is like any other, and may be forgotten before it comes back (the
 * manual states that bound).  To remember every spent bucket of a flood
 * would take memory in proportion to it: what a fixed table rules out.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "parse.h"
#include "ratelimit.h"
#include "siphash.h"

#define NEVER		LLONG_MIN
#define NSPACES		3		/* IPv4, IPv6, unix */

#define RL_USED		0x1		/* the entry holds a source */
#define RL_REFUSED	0x2		/* its last attempt was refused */

/* RATELIMIT_ENTRY_BYTES: 8 + 4 + 4 + 8 + 16, no padding on LP64 or ILP32. */
struct rl_entry {
	unsigned char	key[8];
	uint32_t	flags;		/* RL_USED, RL_REFUSED */
	uint32_t	pending;	/* refused, not yet in a log line */
	long long	logged;		/* ms of the last line, or NEVER */
	struct bucket	b;		/* b.last: when last seen */
};

/* The documented size of the table holds (a C99 compile-time check). */
typedef char entry_size_check[sizeof(struct rl_entry) ==
    RATELIMIT_ENTRY_BYTES ? 1 : -1];

struct ratelimit {
	struct rate		rate;
	size_t			size;		/* entries in each space */
	size_t			window;
	unsigned char		hashkey[SIPHASH_KEY_LEN];
	struct rl_entry		*space[NSPACES];
	size_t			used[NSPACES];
	unsigned long long	evictions;
};

static int	parse_part(const char *, long long, int, long long *,
		    const char **);
static long long owed(const struct bucket *, const struct rate *,
		    long long);
static struct rl_entry *lookup(struct ratelimit *, int,
		    const unsigned char *, long long);
static int	over_rate(const struct rl_entry *, const struct rate *,
		    long long);
static struct rl_entry *older(struct rl_entry *, struct rl_entry *);

/*
 * "N/SECONDS", as --rate-per-source and --max-accept-rate take it:
 * 1 <= N <= RATE_N_MAX, 1 <= SECONDS <= RATE_SECONDS_MAX.  Returns 0, or
 * -1 with *why set ("N is too large", "missing /SECONDS", ...).
 */
int
rate_parse(const char *s, struct rate *rate, const char **why)
{
	char n[16];
	const char *slash;
	long long seconds;

	if ((slash = strchr(s, '/')) == NULL) {
		*why = "missing /SECONDS";
		return -1;
	}
	if ((size_t)(slash - s) >= sizeof(n)) {
		*why = "N is too large";
		return -1;
	}
	memcpy(n, s, slash - s);
	n[slash - s] = '\0';
	if (parse_part(n, RATE_N_MAX, 0, &rate->n, why) == -1 ||
	    parse_part(slash + 1, RATE_SECONDS_MAX, 1, &seconds, why) == -1)
		return -1;
	rate->ms = seconds * 1000;
	*why = NULL;
	return 0;
}

/*
 * A decimal from 1 to max, digits only: strtonum alone would also take
 * " 5" and "+5", and libbsd's calls "99999999999999999999x" too large
 * rather than invalid.  part 0 is N, 1 is SECONDS, for the reason.
 */
static int
parse_part(const char *s, long long max, int part, long long *n,
    const char **why)
{
	static const char *const reasons[2][4] = {
		{ "N is missing", "N is invalid", "N must be at least 1",
		    "N is too large" },
		{ "SECONDS is missing", "SECONDS is invalid",
		    "SECONDS must be at least 1", "SECONDS is too large" },
	};
	const char *errstr, *p;

	for (p = s; isdigit((unsigned char)*p); p++)
		;
	if (p == s || *p != '\0') {
		*why = reasons[part][*s == '\0' ? 0 : 1];
		return -1;
	}
	*n = parse_number(s, 1, max, &errstr);
	if (errstr == NULL)
		return 0;
	*why = reasons[part][strcmp(errstr, "too small") == 0 ? 2 :
	    strcmp(errstr, "too large") == 0 ? 3 : 1];
	return -1;
}

/* A full bucket. */
void
bucket_init(struct bucket *b, long long now)
{
	b->last = now;
	b->debt = 0;
}

/* What b owes at now: its debt less what the time since has paid. */
static long long
owed(const struct bucket *b, const struct rate *rate, long long now)
{
	long long elapsed = now - b->last;

	if (elapsed <= 0)
		return b->debt;
	/* a debt is never more than a full bucket, rate->ms of time */
	if (elapsed >= rate->ms)
		return 0;
	return b->debt > elapsed * rate->n ? b->debt - elapsed * rate->n : 0;
}

static void
refill(struct bucket *b, const struct rate *rate, long long now)
{
	b->debt = owed(b, rate, now);
	if (now > b->last)
		b->last = now;
}

/*
 * How many ms until b holds a token: 0 when it has one now.  For
 * --max-accept-rate: the loop stops polling the listener that long.
 */
long long
bucket_delay(const struct bucket *b, const struct rate *rate, long long now)
{
	long long over;

	over = owed(b, rate, now) - (rate->n - 1) * rate->ms;
	return over <= 0 ? 0 : (over + rate->n - 1) / rate->n;
}

/* Take one token (when bucket_delay said 0: else b goes into debt). */
void
bucket_take(struct bucket *b, const struct rate *rate, long long now)
{
	refill(b, rate, now);
	if (b->debt <= rate->n * rate->ms - rate->ms)
		b->debt += rate->ms;
	else
		b->debt = rate->n * rate->ms;
}

/*
 * A table of size entries for each of IPv4, IPv6 and unix sources (size
 * >= 1), or NULL when out of memory.
 */
struct ratelimit *
ratelimit_new(const struct rate *rate, size_t size)
{
	struct ratelimit *rl;
	int i;

	if (size == 0 || (rl = calloc(1, sizeof(*rl))) == NULL)
		return NULL;
	rl->rate = *rate;
	rl->size = size;
	rl->window = size < RATELIMIT_WINDOW ? size : RATELIMIT_WINDOW;
	arc4random_buf(rl->hashkey, sizeof(rl->hashkey));
	for (i = 0; i < NSPACES; i++)
		if ((rl->space[i] = calloc(size, sizeof(struct rl_entry))) ==
		    NULL) {
			ratelimit_free(rl);
			return NULL;
		}
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	int i;

	if (rl == NULL)
		return;
	for (i = 0; i < NSPACES; i++)
		free(rl->space[i]);
	free(rl);
}

/*
 * May this source start a connection at now?  The verdict also says when
 * to log a "rate-limited" line, with K the number refused since the line
 * before: at the first refusal, then at most once per RATELIMIT_LOG_MS.
 * Refusals that came after the last line are told on the source's next
 * attempt once RATELIMIT_LOG_MS have passed, even one that is served, so
 * that no refusal goes uncounted while the source keeps its entry.
 */
void
ratelimit_check(struct ratelimit *rl, const struct source *src,
    long long now, struct rl_verdict *v)
{
	const struct rate *rate = &rl->rate;
	struct rl_entry *e;
	int s;

	s = src->family == AF_INET ? 0 : src->family == AF_INET6 ? 1 : 2;
	e = lookup(rl, s, src->key, now);
	refill(&e->b, rate, now);
	memset(v, 0, sizeof(*v));
	if (e->b.debt <= rate->n * rate->ms - rate->ms) {
		e->b.debt += rate->ms;
		e->flags &= ~RL_REFUSED;
		v->allow = 1;
	} else {
		e->flags |= RL_REFUSED;
		/* the refused attempt is owed too, up to a full bucket */
		e->b.debt = rate->n * rate->ms;
		if (e->pending < UINT32_MAX)
			e->pending++;
	}
	if (e->pending > 0 &&
	    (e->logged == NEVER || now - e->logged >= RATELIMIT_LOG_MS)) {
		v->log = 1;
		v->refused = e->pending;
		e->pending = 0;
		e->logged = now;
	}
}

/*
 * The source's entry, made if need be (see the top of the file for
 * whose place it takes).  Slots are never emptied, so the first empty
 * slot of the window ends the search.
 */
static struct rl_entry *
lookup(struct ratelimit *rl, int s, const unsigned char *key, long long now)
{
	struct rl_entry *e, *idle = NULL, *oldest = NULL;
	struct rl_entry *oldest_within = NULL;	/* of a source within rate */
	size_t start, i;

	start = siphash24(rl->hashkey, key, 8) % rl->size;
	for (i = 0; i < rl->window; i++) {
		e = &rl->space[s][(start + i) % rl->size];
		if (!(e->flags & RL_USED)) {
			rl->used[s]++;
			goto fresh;
		}
		if (memcmp(e->key, key, sizeof(e->key)) == 0)
			return e;
		if (idle == NULL && e->pending == 0 &&
		    owed(&e->b, &rl->rate, now) == 0)
			idle = e;
		if (!over_rate(e, &rl->rate, now))
			oldest_within = older(oldest_within, e);
		oldest = older(oldest, e);
	}
	if ((e = idle) == NULL) {
		e = oldest_within != NULL ? oldest_within : oldest;
		rl->evictions++;
	}
fresh:
	memcpy(e->key, key, sizeof(e->key));
	e->flags = RL_USED;
	e->pending = 0;
	e->logged = NEVER;
	bucket_init(&e->b, now);
	return e;
}

/*
 * Is the source of e over its rate: refused at its last attempt, and it
 * would be again now?  Not one that only spent its bucket (with N = 1, a
 * single connection does), nor one that has slowed down since.
 */
static int
over_rate(const struct rl_entry *e, const struct rate *rate, long long now)
{
	return (e->flags & RL_REFUSED) &&
	    owed(&e->b, rate, now) > rate->n * rate->ms - rate->ms;
}

/* The one of a (NULL: none yet) and b seen less recently. */
static struct rl_entry *
older(struct rl_entry *a, struct rl_entry *b)
{
	return a == NULL || b->b.last < a->b.last ? b : a;
}

/* How many sources the table holds now, over all three spaces. */
size_t
ratelimit_entries(const struct ratelimit *rl)
{
	return rl->used[0] + rl->used[1] + rl->used[2];
}

/* What the table takes in memory, fixed when it is made. */
size_t
ratelimit_bytes(const struct ratelimit *rl)
{
	return NSPACES * rl->size * sizeof(struct rl_entry);
}

/* How many sources with state were forgotten to make room. */
unsigned long long
ratelimit_evictions(const struct ratelimit *rl)
{
	return rl->evictions;
}
