#ifndef SOCKBRIDGE_TURNAWAY_H
#define SOCKBRIDGE_TURNAWAY_H

#include <stddef.h>

#include "admission.h"
#include "closing.h"
#include "describe.h"
#include "listener.h"
#include "stats.h"

/* Why a client gets no handler: one row each in turnaway.c's table. */
enum turnaway_reason {
	TURN_REFUSED,		/* --max-per-source reached */
	TURN_DENIED,		/* the access rules */
	TURN_RATE_LIMITED,	/* --rate-per-source exceeded */
	TURN_PROXY_ERROR,	/* no valid PROXY header, or none in time */
	TURN_SPAWN_ERROR,	/* the handler could not be started */
	TURN_BANNER_FAILED,	/* the banner could not be sent */
	TURN_NO_MEMORY,		/* no room to wait for a PROXY header */
	TURN_GONE,		/* the client is gone already */
	TURN_STOPPING,		/* queued when the bridge stopped, too late */
	TURN_REASONS
};

/* The line a turned-away client is sent before end-of-file. */
enum turnaway_line {
	LINE_NONE,
	LINE_REFUSAL,		/* --refuse-message */
	LINE_DENIAL,		/* --deny-message */
	TURNAWAY_LINES
};

/* What the log line may tell; each row uses the fields it names. */
struct turnaway_facts {
	const char	*peer;		/* remote=, filled when the row asks */
	const char	*rule;		/* denied: the rule's name */
	int		 max_per_source;
	unsigned long	 count;		/* rate-limited: refused; gone: gone */
	const char	*why;		/* proxy-error: reason; spawn: argv0 */
	const char	*first;		/* proxy-error: what came, escaped */
	int		 error;		/* spawn error: errno */
	int		 throttled;	/* no line this time (rate, gone) */
};

typedef void	(*turnaway_text_fn)(const struct turnaway_facts *, char *,
		    size_t);

/* How each reason turns a client away. */
struct turnaway {
	size_t		 counter;	/* in struct stats, or NOT_COUNTED */
	int		 level;		/* LOG_INFO: none if --quiet; LOG_ERR */
	int		 names_peer;	/* the line says remote= */
	enum turnaway_line line;
	int		 at_once;	/* closed at once: nobody is there */
	turnaway_text_fn text;		/* NULL: no log line */
};

#define NOT_COUNTED	((size_t)-1)

/* Where turned-away clients go: the serving loop's, given once. */
struct exits {
	struct stats	*stats;
	struct closing	*closing;
	struct listeners *ls;		/* --once: its files are removed */
	char		**line;		/* TURNAWAY_LINES, TEXT\n or NULL */
	int		 once;		/* the first turned away ends it */
};

extern const struct turnaway turnaways[TURN_REASONS];

void	turn_away(const struct exits *, int, const struct origin *,
	    const struct conn_info *, enum turnaway_reason,
	    struct turnaway_facts *);

enum turnaway_reason turnaway_of(enum verdict);
void	turnaway_count(enum turnaway_reason, struct stats *);
int	turnaway_logged(enum turnaway_reason, const struct turnaway_facts *,
	    int);
void	turnaway_text(enum turnaway_reason, const struct turnaway_facts *,
	    char *, size_t);

#endif
