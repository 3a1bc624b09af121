/*
 * stats.c: the serving loop's counters as text: the "stats" log line that
 * SIGUSR1 asks for, and the short summary systemd shows as the unit's
 * status (STATUS=, see notify.c).
 */
#include "config.h"

#include <stdio.h>

#include "stats.h"

/* stats uptime=S accepted=N handlers=R/M ok=N failed=N refused=N ... */
void
stats_line(const struct stats *st, long long now, char *buf, size_t size)
{
	snprintf(buf, size, "stats uptime=%lld accepted=%llu handlers=%d/%d "
	    "ok=%llu failed=%llu refused=%llu denied=%llu rate-limited=%llu "
	    "spawn-errors=%llu timeouts=%llu proxy-errors=%llu gone=%llu "
	    "lingered=%llu linger-cutoffs=%llu",
	    (now - st->started) / 1000, st->accepted, st->running,
	    st->max_running, st->ended_ok, st->ended_failed, st->refused,
	    st->denied, st->rate_limited, st->spawn_errors, st->timeouts,
	    st->proxy_errors, st->gone, st->lingered, st->linger_cutoffs);
}

/* For `systemctl status`: what a person wants to see at a glance. */
void
stats_status(const struct stats *st, char *buf, size_t size)
{
	snprintf(buf, size, "STATUS=%d/%d handlers, %llu accepted, %llu "
	    "refused, %llu denied, %llu rate-limited, %llu gone", st->running,
	    st->max_running, st->accepted, st->refused, st->denied,
	    st->rate_limited, st->gone);
}
