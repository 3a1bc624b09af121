#ifndef SOCKBRIDGE_RATELIMIT_H
#define SOCKBRIDGE_RATELIMIT_H

#include <stddef.h>

#include "conn.h"

/* Upper bounds of N/SECONDS. */
#define RATE_N_MAX		1000000
#define RATE_SECONDS_MAX	86400

/* Per-source entries for each of IPv4, IPv6 and unix, unless told. */
#define RATELIMIT_DEFAULT_SIZE	4096
/* The bytes of one entry: the whole table is 3 * size of them. */
#define RATELIMIT_ENTRY_BYTES	40
/* How many slots a source may land in: the probe window. */
#define RATELIMIT_WINDOW	8
/* At most one rate-limited line per source this often. */
#define RATELIMIT_LOG_MS	5000

/* N events per SECONDS, in bursts of up to N. */
struct rate {
	long long	n;
	long long	ms;		/* SECONDS * 1000 */
};

/*
 * A token bucket of rate->n tokens refilled at rate->n per rate->ms,
 * kept as the time it owes: debt is in units of 1/n ms, so that one
 * token is rate->ms units and a full bucket owes 0.  No division, no
 * floating point, exact for any N/SECONDS.
 */
struct bucket {
	long long	last;		/* ms, the last look at it */
	long long	debt;
};

int		rate_parse(const char *, struct rate *, const char **);

void		bucket_init(struct bucket *, long long);
long long	bucket_delay(const struct bucket *, const struct rate *,
		    long long);
void		bucket_take(struct bucket *, const struct rate *, long long);

/* What ratelimit_check decided for one connection. */
struct rl_verdict {
	int		allow;
	int		log;		/* log "rate-limited ... refused=K" now */
	unsigned long	refused;	/* K: refused since the last line */
};

struct ratelimit;

struct ratelimit *ratelimit_new(const struct rate *, size_t);
void		ratelimit_free(struct ratelimit *);
void		ratelimit_check(struct ratelimit *, const struct source *,
		    long long, struct rl_verdict *);
size_t		ratelimit_entries(const struct ratelimit *);
size_t		ratelimit_bytes(const struct ratelimit *);
unsigned long long ratelimit_evictions(const struct ratelimit *);

#endif
