#ifndef SOCKBRIDGE_STATS_H
#define SOCKBRIDGE_STATS_H

#include <stddef.h>

/* What the serving loop counts, for the stats line and systemd's STATUS=. */
struct stats {
	long long		started;	/* ms, monotonic */
	unsigned long long	accepted;
	unsigned long long	ended_ok;	/* exit status 0 */
	unsigned long long	ended_failed;	/* other status, or a signal */
	unsigned long long	refused;	/* --max-per-source */
	unsigned long long	denied;		/* access rules */
	unsigned long long	rate_limited;	/* --rate-per-source */
	unsigned long long	spawn_errors;
	unsigned long long	timeouts;
	unsigned long long	proxy_errors;	/* bad or missing PROXY headers */
	unsigned long long	gone;		/* peer gone before anything */
	unsigned long long	lingered;	/* --lingering-close */
	unsigned long long	linger_cutoffs;	/* at SECONDS or the drain */
	int			running;	/* handlers now */
	int			max_running;	/* --max-connections */
};

void	stats_line(const struct stats *, long long, char *, size_t);
void	stats_status(const struct stats *, char *, size_t);

#endif
