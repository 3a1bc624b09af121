/*
 * status.c: the counters, brought up to date with those children.c keeps,
 * as the stats line SIGUSR1 asks for and as systemd's STATUS= (notify.c).
 * STATUS= is sent only when they changed, and at most every STATUS_MS: a
 * busy bridge must not spend a datagram per client on them.  A change
 * held back is sent when its time comes (status_due bounds the wait).
 */
#include "config.h"

#include <string.h>

#include "log.h"
#include "notify.h"
#include "status.h"

/* systemd's STATUS= at most this often */
#define STATUS_MS	1000

/* line: SIGUSR1 asked for the stats line. */
void
status_report(struct status *s, struct stats *st, const struct children *ch,
    int line, long long now)
{
	char text[1024];

	st->running = ch->n;
	st->timeouts = ch->timeouts;
	if (line) {
		stats_line(st, now, text, sizeof(text));
		log_notice("%s", text);
	}
	status_send(s, st, now);
}

void
status_send(struct status *s, const struct stats *st, long long now)
{
	char text[sizeof(s->sent)];

	if (!notify_enabled())
		return;
	stats_status(st, text, sizeof(text));
	if (strcmp(text, s->sent) == 0) {
		s->pending = 0;
		return;
	}
	if (s->at != 0 && now < s->at + STATUS_MS) {
		s->pending = 1;
		return;
	}
	notify_send(text);
	strlcpy(s->sent, text, sizeof(s->sent));
	s->at = now;
	s->pending = 0;
}

/* When a change held back is due (ms), or -1 for none. */
long long
status_due(const struct status *s)
{
	return s->pending ? s->at + STATUS_MS : -1;
}
